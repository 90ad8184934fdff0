//! Chat models behind one trait: an OpenAI-compatible HTTP client, the offline script
//! player, and the recorder/replayer of runs. No wasmtime here: this layer knows nothing of
//! tools but their names, descriptions and schemas.

mod offline;
mod openai;
mod record;

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

pub use offline::OfflineModel;
pub use openai::OpenAiClient;
pub use record::{Recorder, ReplayModel};

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "lowercase")]
pub enum Message {
    /// Instructions.
    System {
        /// The text.
        content: String,
    },
    /// What the agent is asked.
    User {
        /// The text.
        content: String,
    },
    /// What the model answered: text, tool calls, or both.
    Assistant {
        /// The text, if any.
        content: Option<String>,
        /// Tools the model asked to call.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tool_calls: Vec<ToolCall>,
    },
    /// A tool's result.
    Tool {
        /// The call it answers.
        tool_call_id: String,
        /// The result or error text.
        content: String,
    },
}

/// A tool call the model asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The model's id for the call.
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// Its arguments, as JSON text (not yet checked).
    pub arguments: String,
}

/// A tool as the model sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToolDef {
    /// Its name.
    pub name: String,
    /// What it does.
    pub description: String,
    /// JSON Schema of its arguments.
    pub parameters: serde_json::Value,
}

/// One chat-completion request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The agent asking (for the offline model, recordings and events).
    pub agent: String,
    /// The model name.
    pub model: String,
    /// Sampling temperature.
    pub temperature: f64,
    /// The conversation so far.
    pub messages: Vec<Message>,
    /// The tools the model may call.
    pub tools: Vec<ToolDef>,
}

/// A model's answer.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The text, if any.
    pub content: Option<String>,
    /// Tools to call, if any.
    #[serde(default)]
    pub tool_calls: Vec<ToolCall>,
}

/// Why a model could not answer.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// No answer before the request deadline.
    #[error("the LLM did not answer within {0:?}")]
    Timeout(std::time::Duration),
    /// The server could not be reached (after retries).
    #[error("cannot reach the LLM at {url}: {message}")]
    Connect {
        /// The endpoint.
        url: String,
        /// Why.
        message: String,
    },
    /// The server refused the request.
    #[error("the LLM answered HTTP {status}: {body}")]
    Status {
        /// The HTTP status.
        status: u16,
        /// The start of the response body.
        body: String,
    },
    /// The reply is not a chat completion.
    #[error("malformed LLM reply: {0}")]
    Malformed(String),
    /// A replayed run has no recorded answer for this request.
    #[error("replay: {0}")]
    Replay(String),
}

/// Something that answers chat requests.
pub trait ChatModel: Send + Sync + 'static {
    /// Answers `request`; streamed text is passed to `deltas` as it arrives.
    ///
    /// Cancel-safe: dropping the future abandons the request.
    fn complete<'a>(
        &'a self,
        request: &'a ChatRequest,
        deltas: &'a (dyn Fn(&str) + Send + Sync),
    ) -> BoxFuture<'a, Result<ChatResponse, LlmError>>;

    /// What the model is, for messages (`offline`, `openai at http://…`).
    fn describe(&self) -> String;
}
