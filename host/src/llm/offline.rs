//! The offline model: a deterministic script player, not a language model.
//!
//! It answers from the crew's `offline` section — per agent, a list of turns, each a reply
//! or some tool calls — with no network and no randomness, so crews run anywhere and tests
//! are exact. The turn is chosen by how many times the model has already answered in the
//! agent's conversation; past the end of its script, an agent repeats its last reply. An
//! agent with no script answers with a short acknowledgement of its input.
//!
//! In replies and in string arguments, `{{input}}` is the first user message of the
//! conversation (the run's input for the entry agent, the task for a task) and
//! `{{tool_result}}` the tool results since the model last answered.

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use serde_json::Value;

use super::{ChatModel, ChatRequest, ChatResponse, LlmError, Message, ToolCall};
use crate::config::ScriptTurn;

/// Plays the crew's script.
#[derive(Clone, Debug, Default)]
pub struct OfflineModel {
    scripts: BTreeMap<String, Vec<ScriptTurn>>,
}

impl OfflineModel {
    /// A model playing `scripts` (agent id → turns).
    pub fn new(scripts: BTreeMap<String, Vec<ScriptTurn>>) -> Self {
        Self { scripts }
    }

    /// The answer to `request`.
    pub fn answer(&self, request: &ChatRequest) -> ChatResponse {
        let answered = request
            .messages
            .iter()
            .filter(|m| matches!(m, Message::Assistant { .. }))
            .count();
        let input = request
            .messages
            .iter()
            .find_map(|m| match m {
                Message::User { content } => Some(content.as_str()),
                _ => None,
            })
            .unwrap_or("");
        let tool_results: Vec<&str> = request
            .messages
            .iter()
            .rev()
            .take_while(|m| !matches!(m, Message::Assistant { .. }))
            .filter_map(|m| match m {
                Message::Tool { content, .. } => Some(content.as_str()),
                _ => None,
            })
            .collect();
        let tool_result = tool_results
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        let fill = |text: &str| {
            text.replace("{{input}}", input)
                .replace("{{tool_result}}", &tool_result)
        };

        let Some(script) = self.scripts.get(&request.agent).filter(|s| !s.is_empty()) else {
            return ChatResponse {
                content: Some(format!("{} received: {}", request.agent, first_line(input))),
                tool_calls: Vec::new(),
            };
        };
        match script.get(answered) {
            Some(turn) if !turn.tool_calls.is_empty() => ChatResponse {
                content: turn.reply.as_deref().map(fill),
                tool_calls: turn
                    .tool_calls
                    .iter()
                    .enumerate()
                    .map(|(i, call)| ToolCall {
                        id: format!("call_{answered}_{i}"),
                        name: call.name.clone(),
                        arguments: fill_json(&call.arguments, &fill).to_string(),
                    })
                    .collect(),
            },
            turn => {
                // Past the script's end, repeat the last reply (never its tool calls, which
                // would loop).
                let reply = turn
                    .or_else(|| script.iter().rev().find(|t| t.reply.is_some()))
                    .and_then(|t| t.reply.as_deref())
                    .unwrap_or("");
                ChatResponse {
                    content: Some(fill(reply)),
                    tool_calls: Vec::new(),
                }
            }
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

fn fill_json(value: &Value, fill: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::String(s) => Value::String(fill(s)),
        Value::Array(items) => Value::Array(items.iter().map(|v| fill_json(v, fill)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), fill_json(v, fill)))
                .collect(),
        ),
        other => other.clone(),
    }
}

impl ChatModel for OfflineModel {
    fn complete<'a>(
        &'a self,
        request: &'a ChatRequest,
        deltas: &'a (dyn Fn(&str) + Send + Sync),
    ) -> BoxFuture<'a, Result<ChatResponse, LlmError>> {
        let response = self.answer(request);
        if let Some(content) = &response.content {
            deltas(content);
        }
        Box::pin(std::future::ready(Ok(response)))
    }

    fn describe(&self) -> String {
        "offline (scripted, no network)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ScriptToolCall;

    fn request(agent: &str, messages: Vec<Message>) -> ChatRequest {
        ChatRequest {
            agent: agent.into(),
            model: "m".into(),
            temperature: 0.0,
            messages,
            tools: Vec::new(),
        }
    }

    #[test]
    fn plays_tool_calls_then_a_reply_with_substitutions() {
        let model = OfflineModel::new(BTreeMap::from([(
            "a".to_string(),
            vec![
                ScriptTurn {
                    reply: None,
                    tool_calls: vec![ScriptToolCall {
                        name: "count".into(),
                        arguments: serde_json::json!({"text": "{{input}}"}),
                    }],
                },
                ScriptTurn {
                    reply: Some("counted: {{tool_result}}".into()),
                    tool_calls: vec![],
                },
            ],
        )]));
        let user = Message::User {
            content: "two words".into(),
        };
        let first = model.answer(&request("a", vec![user.clone()]));
        assert_eq!(first.tool_calls[0].arguments, r#"{"text":"two words"}"#);
        let second = model.answer(&request(
            "a",
            vec![
                user,
                Message::Assistant {
                    content: None,
                    tool_calls: first.tool_calls.clone(),
                },
                Message::Tool {
                    tool_call_id: first.tool_calls[0].id.clone(),
                    content: "2".into(),
                },
            ],
        ));
        assert_eq!(second.content.as_deref(), Some("counted: 2"));
        assert!(second.tool_calls.is_empty());
    }

    #[test]
    fn an_agent_without_a_script_acknowledges_its_input() {
        let model = OfflineModel::default();
        let r = model.answer(&request(
            "helper",
            vec![Message::User {
                content: "hello\nmore".into(),
            }],
        ));
        assert_eq!(r.content.as_deref(), Some("helper received: hello"));
    }
}
