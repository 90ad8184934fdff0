//! A real OpenAI-format chat-completions server on 127.0.0.1 for tests, whose answers (and
//! faults) a test scripts per request.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderValue, Response, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};

/// What the server answers to one request.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A text answer.
    Text(String),
    /// Tool calls: (name, arguments JSON text).
    Tools(Vec<(String, String)>),
    /// An HTTP error status, with an optional `Retry-After` in seconds.
    Status(u16, Option<u64>),
    /// Never answer.
    Hang,
    /// A 200 whose body is this text.
    Raw(String),
    /// The inner reply, after a delay.
    After(Duration, Box<Reply>),
}

type Responder = dyn Fn(&Value, usize) -> Reply + Send + Sync;

struct Shared {
    responder: Box<Responder>,
    requests: Mutex<Vec<Value>>,
}

/// A running server on a runtime of its own (so its tasks never count among the test's);
/// it stops when dropped.
pub struct MockLlm {
    /// Its base URL, e.g. `http://127.0.0.1:4321/v1`.
    pub url: String,
    shared: Arc<Shared>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for MockLlm {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl MockLlm {
    /// Starts a server answering request number `n` (from 0) with `responder(request, n)`.
    pub fn start(responder: impl Fn(&Value, usize) -> Reply + Send + Sync + 'static) -> Self {
        let shared = Arc::new(Shared {
            responder: Box::new(responder),
            requests: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state(shared.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            url,
            shared,
            runtime: Some(runtime),
        }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.shared.requests.lock().unwrap().clone()
    }
}

/// The agent a request comes from, read from its system prompt ("You are NAME, ...").
pub fn agent_of(request: &Value) -> String {
    let system = request["messages"][0]["content"].as_str().unwrap_or("");
    system
        .strip_prefix("You are ")
        .unwrap_or(system)
        .split([',', '.'])
        .next()
        .unwrap_or("")
        .to_string()
}

async fn complete(
    State(shared): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    body: String,
) -> Response<Body> {
    let mut request: Value = serde_json::from_str(&body).unwrap();
    // Kept beside the body so tests can check the key was sent.
    if let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
        request["authorization"] = Value::String(auth.to_string());
    }
    let n = {
        let mut requests = shared.requests.lock().unwrap();
        requests.push(request.clone());
        requests.len() - 1
    };
    let stream = request["stream"].as_bool().unwrap_or(false);
    let mut reply = (shared.responder)(&request, n);
    while let Reply::After(delay, inner) = reply {
        tokio::time::sleep(delay).await;
        reply = *inner;
    }
    match reply {
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            unreachable!()
        }
        Reply::After(..) => unreachable!("unwrapped above"),
        Reply::Status(code, retry_after) => {
            let mut response = Response::new(Body::from(r#"{"error":{"message":"scripted"}}"#));
            *response.status_mut() = StatusCode::from_u16(code).unwrap();
            if let Some(seconds) = retry_after {
                response
                    .headers_mut()
                    .insert("retry-after", HeaderValue::from(seconds));
            }
            response
        }
        Reply::Raw(text) => json_response(text),
        Reply::Text(text) if stream => {
            let mid = text
                .char_indices()
                .nth(text.chars().count() / 2)
                .map_or(0, |(i, _)| i);
            sse(&[
                json!({"choices": [{"delta": {"role": "assistant", "content": &text[..mid]}}]}),
                json!({"choices": [{"delta": {"content": &text[mid..]}}]}),
            ])
        }
        Reply::Text(text) => json_response(
            json!({"choices": [{"message": {"role": "assistant", "content": text}}]}).to_string(),
        ),
        Reply::Tools(calls) if stream => {
            let mut chunks = Vec::new();
            for (i, (name, args)) in calls.iter().enumerate() {
                let mid = args.len() / 2;
                chunks.push(json!({"choices": [{"delta": {"tool_calls": [{"index": i,
                    "id": format!("call_{n}_{i}"), "type": "function",
                    "function": {"name": name, "arguments": &args[..mid]}}]}}]}));
                chunks.push(json!({"choices": [{"delta": {"tool_calls": [{"index": i,
                    "function": {"arguments": &args[mid..]}}]}}]}));
            }
            sse(&chunks)
        }
        Reply::Tools(calls) => {
            let calls: Vec<Value> = calls
                .iter()
                .enumerate()
                .map(|(i, (name, args))| {
                    json!({"id": format!("call_{n}_{i}"), "type": "function",
                           "function": {"name": name, "arguments": args}})
                })
                .collect();
            json_response(
                json!({"choices": [{"message": {"role": "assistant", "content": null,
                       "tool_calls": calls}}]})
                .to_string(),
            )
        }
    }
}

fn json_response(body: String) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    response
        .headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    response
}

fn sse(chunks: &[Value]) -> Response<Body> {
    let mut body = String::new();
    for chunk in chunks {
        body.push_str(&format!("data: {chunk}\n\n"));
    }
    body.push_str("data: [DONE]\n\n");
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/event-stream"),
    );
    response
}
