//! Crews: loading a crew (its config, plugins and model) and running it on an input.
//!
//! A run is one future owned by its caller. Every task it spawns (parallel group members,
//! tool calls) belongs to a `JoinSet` inside it, so the run joins them before it returns and
//! aborts them if it is dropped: the run's timeout, a group timeout and the caller dropping
//! the run all reach every LLM request and every tool call in flight.

mod build;
mod routed;
mod routing;
mod sequential;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::agent::{Agent, TurnContext};
use crate::config::{ConfigError, CrewConfig};
use crate::engine::Engine;
use crate::events::{Event, EventSink};
use crate::llm::{ChatModel, LlmError, Message, Recorder};

pub use routing::{EndReason, Next, route};

/// How a crew is loaded.
#[derive(Clone, Default)]
pub struct CrewOptions {
    /// Use the offline model whatever the config and environment say.
    pub offline: bool,
    /// Record every LLM exchange and tool call to this JSON-lines file.
    pub record: Option<PathBuf>,
    /// Answer from this recording instead of a model.
    pub replay: Option<PathBuf>,
    /// Use this model (overrides all of the above but `record`).
    pub model: Option<Arc<dyn ChatModel>>,
}

/// A crew that cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CrewError {
    /// The configuration, or a plugin it names, is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The recording to replay cannot be read.
    #[error("{0}")]
    Replay(String),
    /// The recording cannot be created.
    #[error("cannot create the recording {path}: {source}")]
    Record {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The run's `timeout_seconds` passed.
    #[error("the run did not finish within {0:?}")]
    Timeout(Duration),
    /// An agent's model failed.
    #[error("agent `{agent}`: {source}")]
    Agent {
        /// The agent.
        agent: String,
        /// The model's error.
        source: LlmError,
    },
    /// A member of a `wait_for_all` parallel group failed or was late.
    #[error("parallel group `{group}`: member `{member}` {reason}")]
    Group {
        /// The group.
        group: String,
        /// The member.
        member: String,
        /// What happened to it.
        reason: String,
    },
}

/// One answer in a run's transcript.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Turn {
    /// The agent (or parallel group) that answered.
    pub agent: String,
    /// Its answer.
    pub content: String,
}

/// A finished run.
#[derive(Clone, Debug, Serialize)]
pub struct RunOutput {
    /// The final answer.
    pub answer: String,
    /// Every answer, in order.
    pub transcript: Vec<Turn>,
    /// Agent turns taken (a parallel group counts once).
    pub rounds: u32,
    /// Handoffs made.
    pub handoffs: u32,
    /// Why the run stopped.
    pub stop: String,
}

impl RunOutput {
    fn new(transcript: Vec<Turn>, rounds: u32, handoffs: u32, stop: String) -> Self {
        Self {
            answer: transcript
                .last()
                .map(|t| t.content.clone())
                .unwrap_or_default(),
            transcript,
            rounds,
            handoffs,
            stop,
        }
    }
}

/// A loaded crew: immutable, shareable, and able to run many inputs at once.
pub struct Crew {
    config: Arc<CrewConfig>,
    agents: BTreeMap<String, Arc<Agent>>,
    model: Arc<dyn ChatModel>,
    recorder: Option<Arc<Recorder>>,
}

impl Crew {
    /// Loads the crew at `path` (a directory with `crew.yaml`, or a crew file), loading
    /// every plugin its `tools` name on `engine`.
    pub async fn load(
        path: &Path,
        engine: &Engine,
        options: CrewOptions,
    ) -> Result<Self, CrewError> {
        let config = crate::config::load(path)?;
        build::build(config, engine, options).await
    }

    /// The configuration.
    pub fn config(&self) -> &CrewConfig {
        &self.config
    }

    /// The agent `id`.
    pub fn agent(&self, id: &str) -> Option<&Agent> {
        self.agents.get(id).map(Arc::as_ref)
    }

    /// The model the crew talks to.
    pub fn model(&self) -> &dyn ChatModel {
        self.model.as_ref()
    }

    /// One warning listing every config key wasmcrew ignored, if any.
    pub fn unknown_keys_warning(&self) -> Option<String> {
        let keys = &self.config.unknown_keys;
        (!keys.is_empty()).then(|| {
            format!(
                "{} config key(s) that wasmcrew does not use were ignored: {}",
                keys.len(),
                keys.join(", ")
            )
        })
    }

    /// Runs the crew on `input`, sending progress to `events`.
    ///
    /// Cancel-safe: dropping the future stops every agent, LLM request and tool call of the
    /// run.
    pub async fn run(&self, input: &str, events: EventSink) -> Result<RunOutput, RunError> {
        events.emit(Event::RunStart {
            crew: self.config.name.clone(),
            input: input.to_string(),
            model: self.model.describe(),
        });
        let limit = Duration::from_secs_f64(self.config.settings.timeout_seconds);
        let process = async {
            if self.config.tasks.is_empty() {
                self.run_routed(input, &events).await
            } else {
                self.run_tasks(input, &events).await
            }
        };
        let result = tokio::time::timeout(limit, process)
            .await
            .unwrap_or(Err(RunError::Timeout(limit)));
        let done = match &result {
            Ok(output) => Event::Done {
                ok: true,
                answer: output.answer.clone(),
                stop: output.stop.clone(),
            },
            Err(error) => {
                events.emit(Event::Error {
                    message: error.to_string(),
                });
                Event::Done {
                    ok: false,
                    answer: String::new(),
                    stop: error.to_string(),
                }
            }
        };
        events.finish(done).await;
        result
    }

    fn turn_context(&self, events: &EventSink) -> TurnContext {
        TurnContext {
            model: self.model.clone(),
            events: events.clone(),
            recorder: self.recorder.clone(),
            max_tool_rounds: self.config.settings.max_tool_rounds,
            max_tool_output_chars: self.config.settings.max_tool_output_chars,
        }
    }

    /// Runs agent `id` on `conversation` as one turn of the run.
    async fn run_agent(
        &self,
        id: &str,
        round: u32,
        conversation: Vec<Message>,
        events: &EventSink,
    ) -> Result<String, RunError> {
        events.emit(Event::AgentStart {
            agent: id.to_string(),
            round,
        });
        self.agents[id]
            .run(&self.turn_context(events), conversation)
            .await
            .map_err(|source| RunError::Agent {
                agent: id.to_string(),
                source,
            })
    }
}
