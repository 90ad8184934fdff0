//! The events of a run, as a stream a consumer can render or forward.
//!
//! The sink never blocks the run: events go into a bounded channel with `try_send`, and when
//! the consumer is slow (the channel is full) or gone, they are dropped and counted. Only
//! the final `done` event waits, briefly, for room.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::mpsc;

/// Something that happened in a run.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The run began.
    RunStart {
        /// The crew's name.
        crew: String,
        /// The input.
        input: String,
        /// The model answering.
        model: String,
    },
    /// An agent took its turn.
    AgentStart {
        /// The agent.
        agent: String,
        /// The round (1-based).
        round: u32,
    },
    /// An agent asked its model.
    LlmRequest {
        /// The agent.
        agent: String,
        /// The model name.
        model: String,
        /// Messages in the request.
        messages: usize,
    },
    /// Streamed text of an agent's answer.
    AgentDelta {
        /// The agent.
        agent: String,
        /// The new text.
        text: String,
    },
    /// An agent answered.
    AgentResponse {
        /// The agent.
        agent: String,
        /// Its answer.
        content: String,
    },
    /// A tool call began.
    ToolStart {
        /// The agent calling.
        agent: String,
        /// The tool.
        tool: String,
        /// Its arguments (JSON text).
        arguments: String,
    },
    /// A tool call ended.
    ToolResult {
        /// The agent calling.
        agent: String,
        /// The tool.
        tool: String,
        /// The outcome's name (`ok`, `timeout`, …).
        outcome: String,
        /// Wall time of the call.
        duration_ms: f64,
        /// Fuel consumed.
        fuel_used: u64,
    },
    /// Work passed from one agent (or group) to the next.
    Handoff {
        /// From.
        from: String,
        /// To.
        to: String,
        /// The signal that caused it, if any.
        signal: Option<String>,
    },
    /// A parallel group started.
    ParallelStart {
        /// The group.
        group: String,
        /// Its agents.
        agents: Vec<String>,
    },
    /// A parallel group ended.
    ParallelEnd {
        /// The group.
        group: String,
        /// Members that answered.
        completed: Vec<String>,
        /// Members that failed or were late.
        missing: Vec<String>,
    },
    /// Something the user should know that did not stop the run.
    Warning {
        /// What.
        message: String,
    },
    /// What stopped the run.
    Error {
        /// What.
        message: String,
    },
    /// The run ended.
    Done {
        /// Whether it produced an answer.
        ok: bool,
        /// The final answer (empty on error).
        answer: String,
        /// Why it stopped.
        stop: String,
    },
}

/// Where a run sends its events; cheap to clone. The default sink discards everything.
#[derive(Clone, Debug, Default)]
pub struct EventSink {
    tx: Option<mpsc::Sender<Event>>,
    dropped: Arc<AtomicU64>,
}

impl EventSink {
    /// A sink into a bounded channel of `capacity`, and its receiving end.
    pub fn channel(capacity: usize) -> (Self, mpsc::Receiver<Event>) {
        let (tx, rx) = mpsc::channel(capacity);
        (
            Self {
                tx: Some(tx),
                dropped: Arc::default(),
            },
            rx,
        )
    }

    /// Sends `event` if there is room; never waits.
    pub fn emit(&self, event: Event) {
        if let Some(tx) = &self.tx
            && tx.try_send(event).is_err()
        {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Sends the last event, waiting up to a second for room.
    pub async fn finish(&self, event: Event) {
        if let Some(tx) = &self.tx
            && tx
                .send_timeout(event, Duration::from_secs(1))
                .await
                .is_err()
        {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Events dropped because the consumer was slow or gone.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_or_closed_channel_drops_events_without_blocking() {
        let (sink, rx) = EventSink::channel(1);
        let warn = || Event::Warning {
            message: "w".into(),
        };
        sink.emit(warn());
        sink.emit(warn());
        assert_eq!(sink.dropped(), 1);
        drop(rx);
        sink.emit(warn());
        sink.finish(warn()).await;
        assert_eq!(sink.dropped(), 3);
    }
}
