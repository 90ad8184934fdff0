//! Recording a run (every LLM exchange and tool call, as JSON lines) and replaying its LLM
//! side exactly.
//!
//! Replay answers each agent's requests with that agent's recorded responses, in order, so
//! parallel groups replay the same whatever order their members ran in. Tools run again for
//! real in their sandboxes.

use std::collections::{BTreeMap, VecDeque};
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::{ChatModel, ChatRequest, ChatResponse, LlmError};

/// One line of a recording.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Entry {
    Llm {
        agent: String,
        request: ChatRequest,
        response: ChatResponse,
    },
    Tool {
        agent: String,
        tool: String,
        arguments: String,
        outcome: String,
        result: String,
    },
}

/// Records a model's exchanges (and the run's tool calls) to a JSON-lines file.
pub struct Recorder {
    inner: Arc<dyn ChatModel>,
    file: Mutex<std::fs::File>,
}

impl Recorder {
    /// Records `inner`'s exchanges into a new file at `path`.
    pub fn create(inner: Arc<dyn ChatModel>, path: &Path) -> std::io::Result<Self> {
        Ok(Self {
            inner,
            file: Mutex::new(std::fs::File::create(path)?),
        })
    }

    fn write(&self, entry: &Entry) {
        let mut line = serde_json::to_vec(entry).expect("entries serialize");
        line.push(b'\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = file.write_all(&line) {
            tracing::warn!("cannot write the recording: {e}");
        }
    }

    /// Records a tool call.
    pub fn tool(&self, agent: &str, tool: &str, arguments: &str, outcome: &str, result: &str) {
        self.write(&Entry::Tool {
            agent: agent.into(),
            tool: tool.into(),
            arguments: arguments.into(),
            outcome: outcome.into(),
            result: result.into(),
        });
    }
}

impl ChatModel for Recorder {
    fn complete<'a>(
        &'a self,
        request: &'a ChatRequest,
        deltas: &'a (dyn Fn(&str) + Send + Sync),
    ) -> BoxFuture<'a, Result<ChatResponse, LlmError>> {
        Box::pin(async move {
            let response = self.inner.complete(request, deltas).await?;
            self.write(&Entry::Llm {
                agent: request.agent.clone(),
                request: request.clone(),
                response: response.clone(),
            });
            Ok(response)
        })
    }

    fn describe(&self) -> String {
        format!("{} (recording)", self.inner.describe())
    }
}

/// Answers with the responses of a recording, per agent in order.
pub struct ReplayModel {
    responses: Mutex<BTreeMap<String, VecDeque<ChatResponse>>>,
}

impl ReplayModel {
    /// Reads the recording at `path`.
    pub fn open(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut responses: BTreeMap<String, VecDeque<ChatResponse>> = BTreeMap::new();
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let entry: Entry = serde_json::from_str(line).map_err(|e| {
                format!(
                    "{} line {}: not a recording entry: {e}",
                    path.display(),
                    i + 1
                )
            })?;
            if let Entry::Llm {
                agent, response, ..
            } = entry
            {
                responses.entry(agent).or_default().push_back(response);
            }
        }
        Ok(Self {
            responses: Mutex::new(responses),
        })
    }
}

impl ChatModel for ReplayModel {
    fn complete<'a>(
        &'a self,
        request: &'a ChatRequest,
        deltas: &'a (dyn Fn(&str) + Send + Sync),
    ) -> BoxFuture<'a, Result<ChatResponse, LlmError>> {
        let next = self
            .responses
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&request.agent)
            .and_then(VecDeque::pop_front);
        let result = next.ok_or_else(|| {
            LlmError::Replay(format!(
                "the recording has no more answers for agent `{}`",
                request.agent
            ))
        });
        if let Ok(response) = &result
            && let Some(content) = &response.content
        {
            deltas(content);
        }
        Box::pin(std::future::ready(result))
    }

    fn describe(&self) -> String {
        "replay of a recorded run".into()
    }
}
