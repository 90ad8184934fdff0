//! An OpenAI-compatible chat-completions client (OpenAI, Ollama, vLLM, llama.cpp server).
//!
//! Requests stream (`stream: true`) and fall back to a whole JSON body when a server
//! ignores that. Connect errors, 429 (honouring `Retry-After`) and 5xx are retried with
//! exponential backoff and jitter, a bounded number of times; other 4xx and malformed replies
//! fail at once with the reason. Every attempt, streaming included, is under the request
//! deadline; a timeout is not retried, so a hanging server costs one deadline, not several.

use std::time::Duration;

use futures::StreamExt as _;
use futures::future::BoxFuture;
use rand::Rng as _;
use serde_json::{Value, json};

use super::{ChatModel, ChatRequest, ChatResponse, LlmError, Message, ToolCall};

/// A client of one OpenAI-compatible endpoint.
#[derive(Clone, Debug)]
pub struct OpenAiClient {
    http: reqwest::Client,
    url: String,
    api_key: Option<String>,
    timeout: Duration,
    max_retries: u32,
    stream: bool,
}

/// Longest wait between retries, whatever `Retry-After` says.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

impl OpenAiClient {
    /// A client of `base_url` (e.g. `https://api.openai.com/v1`).
    pub fn new(
        base_url: &str,
        api_key: Option<String>,
        timeout: Duration,
        max_retries: u32,
        stream: bool,
    ) -> Self {
        Self {
            http: reqwest::Client::new(),
            url: format!("{}/chat/completions", base_url.trim_end_matches('/')),
            api_key,
            timeout,
            max_retries,
            stream,
        }
    }

    async fn complete_with_retries(
        &self,
        request: &ChatRequest,
        deltas: &(dyn Fn(&str) + Send + Sync),
    ) -> Result<ChatResponse, LlmError> {
        let body = wire_request(request, self.stream);
        let mut attempt = 0;
        loop {
            let outcome = tokio::time::timeout(self.timeout, self.attempt(&body, deltas)).await;
            let (error, wait) = match outcome {
                Err(_) => return Err(LlmError::Timeout(self.timeout)),
                Ok(Ok(response)) => return Ok(response),
                Ok(Err(Failure::Fatal(error))) => return Err(error),
                Ok(Err(Failure::Retry(error, after))) => (error, after),
            };
            if attempt >= self.max_retries {
                return Err(error);
            }
            let wait = wait.unwrap_or_else(|| backoff(attempt)).min(MAX_BACKOFF);
            tracing::debug!(%error, ?wait, attempt, "retrying the LLM request");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn attempt(
        &self,
        body: &Value,
        deltas: &(dyn Fn(&str) + Send + Sync),
    ) -> Result<ChatResponse, Failure> {
        let mut builder = self.http.post(&self.url).json(body);
        if let Some(key) = &self.api_key {
            builder = builder.bearer_auth(key);
        }
        let response = builder.send().await.map_err(|e| {
            let error = LlmError::Connect {
                url: self.url.clone(),
                message: error_chain(&e),
            };
            if e.is_connect() || e.is_request() {
                Failure::Retry(error, None)
            } else {
                Failure::Fatal(error)
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64);
            let text = response.text().await.unwrap_or_default();
            let error = LlmError::Status {
                status: status.as_u16(),
                body: text.chars().take(300).collect(),
            };
            return Err(if status.as_u16() == 429 || status.is_server_error() {
                Failure::Retry(error, retry_after)
            } else {
                Failure::Fatal(error)
            });
        }
        let is_stream = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"));
        if is_stream {
            read_stream(response, deltas).await.map_err(Failure::Fatal)
        } else {
            let text = response.text().await.map_err(|e| {
                Failure::Retry(
                    LlmError::Connect {
                        url: self.url.clone(),
                        message: error_chain(&e),
                    },
                    None,
                )
            })?;
            let json: Value = serde_json::from_str(&text)
                .map_err(|e| Failure::Fatal(LlmError::Malformed(format!("not JSON ({e})"))))?;
            let response = parse_completion(&json).map_err(Failure::Fatal)?;
            if let Some(content) = &response.content {
                deltas(content);
            }
            Ok(response)
        }
    }
}

impl ChatModel for OpenAiClient {
    fn complete<'a>(
        &'a self,
        request: &'a ChatRequest,
        deltas: &'a (dyn Fn(&str) + Send + Sync),
    ) -> BoxFuture<'a, Result<ChatResponse, LlmError>> {
        Box::pin(self.complete_with_retries(request, deltas))
    }

    fn describe(&self) -> String {
        format!("openai-compatible at {}", self.url)
    }
}

enum Failure {
    Retry(LlmError, Option<Duration>),
    Fatal(LlmError),
}

/// 250 ms × 2^attempt, with full jitter in its upper half.
fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(250).saturating_mul(1 << attempt.min(10));
    base.mul_f64(rand::rng().random_range(0.5..=1.0))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The request body in OpenAI's wire format.
fn wire_request(request: &ChatRequest, stream: bool) -> Value {
    let messages: Vec<Value> = request
        .messages
        .iter()
        .map(|m| match m {
            Message::System { content } => json!({"role": "system", "content": content}),
            Message::User { content } => json!({"role": "user", "content": content}),
            Message::Assistant {
                content,
                tool_calls,
            } => {
                let mut msg = json!({"role": "assistant", "content": content});
                if !tool_calls.is_empty() {
                    msg["tool_calls"] = tool_calls
                        .iter()
                        .map(|c| {
                            json!({"id": c.id, "type": "function",
                                   "function": {"name": c.name, "arguments": c.arguments}})
                        })
                        .collect();
                }
                msg
            }
            Message::Tool {
                tool_call_id,
                content,
            } => json!({"role": "tool", "tool_call_id": tool_call_id, "content": content}),
        })
        .collect();
    let mut body = json!({
        "model": request.model,
        "temperature": request.temperature,
        "messages": messages,
        "stream": stream,
    });
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|t| {
                json!({"type": "function", "function": {
                    "name": t.name, "description": t.description, "parameters": t.parameters}})
            })
            .collect();
    }
    body
}

/// A non-streamed completion.
fn parse_completion(json: &Value) -> Result<ChatResponse, LlmError> {
    let message = json.pointer("/choices/0/message").ok_or_else(|| {
        LlmError::Malformed(format!("no choices[0].message in {}", snippet(json)))
    })?;
    let content = match message.get("content") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(LlmError::Malformed(format!(
                "message.content is not a string: {}",
                snippet(other)
            )));
        }
    };
    let mut tool_calls = Vec::new();
    for (i, call) in message
        .get("tool_calls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let name = call.pointer("/function/name").and_then(Value::as_str);
        let Some(name) = name else {
            return Err(LlmError::Malformed(format!(
                "tool_calls[{i}] has no function.name"
            )));
        };
        tool_calls.push(ToolCall {
            id: call
                .get("id")
                .and_then(Value::as_str)
                .map_or_else(|| format!("call_{i}"), str::to_string),
            name: name.to_string(),
            arguments: arguments_text(call.pointer("/function/arguments")),
        });
    }
    Ok(ChatResponse {
        content,
        tool_calls,
    })
}

/// Arguments are JSON text on the wire, but some servers send an object.
fn arguments_text(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => "{}".into(),
        Some(other) => other.to_string(),
    }
}

/// Reads a server-sent-event stream of chunks into one response.
async fn read_stream(
    response: reqwest::Response,
    deltas: &(dyn Fn(&str) + Send + Sync),
) -> Result<ChatResponse, LlmError> {
    let mut content = String::new();
    let mut calls: Vec<ToolCall> = Vec::new();
    let mut buffer = Vec::new();
    let mut body = response.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| LlmError::Malformed(format!("stream broke: {e}")))?;
        buffer.extend_from_slice(&chunk);
        while let Some(end) = buffer.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let Some(data) = line.trim().strip_prefix("data:") else {
                continue;
            };
            let data = data.trim();
            if data == "[DONE]" {
                return Ok(finish(content, calls));
            }
            let event: Value = serde_json::from_str(data).map_err(|e| {
                LlmError::Malformed(format!("stream chunk is not JSON ({e}): {data:.200}"))
            })?;
            apply_chunk(&event, &mut content, &mut calls, deltas)?;
        }
    }
    Ok(finish(content, calls))
}

fn apply_chunk(
    event: &Value,
    content: &mut String,
    calls: &mut Vec<ToolCall>,
    deltas: &(dyn Fn(&str) + Send + Sync),
) -> Result<(), LlmError> {
    if let Some(error) = event.get("error") {
        return Err(LlmError::Malformed(format!(
            "error in stream: {}",
            snippet(error)
        )));
    }
    let Some(delta) = event.pointer("/choices/0/delta") else {
        return Ok(()); // e.g. a usage-only chunk
    };
    if let Some(text) = delta.get("content").and_then(Value::as_str) {
        content.push_str(text);
        deltas(text);
    }
    for call in delta
        .get("tool_calls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let index = call.get("index").and_then(Value::as_u64).unwrap_or(0) as usize;
        if index > 128 {
            return Err(LlmError::Malformed(format!("tool call index {index}")));
        }
        while calls.len() <= index {
            calls.push(ToolCall {
                id: format!("call_{}", calls.len()),
                name: String::new(),
                arguments: String::new(),
            });
        }
        let slot = &mut calls[index];
        if let Some(id) = call.get("id").and_then(Value::as_str) {
            slot.id = id.to_string();
        }
        if let Some(name) = call.pointer("/function/name").and_then(Value::as_str) {
            slot.name.push_str(name);
        }
        if let Some(args) = call.pointer("/function/arguments").and_then(Value::as_str) {
            slot.arguments.push_str(args);
        }
    }
    Ok(())
}

fn finish(content: String, mut calls: Vec<ToolCall>) -> ChatResponse {
    calls.retain(|c| !c.name.is_empty());
    for call in &mut calls {
        if call.arguments.trim().is_empty() {
            call.arguments = "{}".into();
        }
    }
    ChatResponse {
        content: (!content.is_empty()).then_some(content),
        tool_calls: calls,
    }
}

fn snippet(value: &Value) -> String {
    value.to_string().chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_completion_with_tool_calls() {
        let json = json!({"choices": [{"message": {"content": null, "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "echo", "arguments": "{\"a\":1}"}}
        ]}}]});
        let r = parse_completion(&json).unwrap();
        assert_eq!(r.content, None);
        assert_eq!(r.tool_calls[0].name, "echo");
        assert_eq!(r.tool_calls[0].arguments, "{\"a\":1}");
    }

    #[test]
    fn malformed_completions_say_what_is_missing() {
        let err = parse_completion(&json!({"id": "x"})).unwrap_err();
        assert!(err.to_string().contains("choices[0].message"), "{err}");
        let err =
            parse_completion(&json!({"choices": [{"message": {"tool_calls": [{}]}}]})).unwrap_err();
        assert!(err.to_string().contains("function.name"), "{err}");
    }

    #[test]
    fn stream_chunks_accumulate_content_and_tool_calls() {
        let (mut content, mut calls) = (String::new(), Vec::new());
        let seen = std::sync::Mutex::new(String::new());
        let deltas = |d: &str| seen.lock().unwrap().push_str(d);
        for chunk in [
            json!({"choices": [{"delta": {"content": "Hel"}}]}),
            json!({"choices": [{"delta": {"content": "lo"}}]}),
            json!({"choices": [{"delta": {"tool_calls": [{"index": 0, "id": "c9",
                "function": {"name": "echo", "arguments": "{\"te"}}]}}]}),
            json!({"choices": [{"delta": {"tool_calls": [{"index": 0,
                "function": {"arguments": "xt\":1}"}}]}}]}),
        ] {
            apply_chunk(&chunk, &mut content, &mut calls, &deltas).unwrap();
        }
        let r = finish(content, calls);
        assert_eq!(r.content.as_deref(), Some("Hello"));
        assert_eq!(*seen.lock().unwrap(), "Hello");
        assert_eq!(
            r.tool_calls,
            [ToolCall {
                id: "c9".into(),
                name: "echo".into(),
                arguments: "{\"text\":1}".into()
            }]
        );
    }

    #[test]
    fn backoff_grows_and_stays_jittered() {
        let first = backoff(0);
        assert!(first >= Duration::from_millis(125) && first <= Duration::from_millis(250));
        let third = backoff(2);
        assert!(third >= Duration::from_millis(500) && third <= Duration::from_millis(1000));
    }
}
