//! The sequential process (CrewAI style): tasks run in order, each by its agent, each
//! receiving the outputs of the earlier tasks it names as context.

use std::collections::BTreeMap;

use super::{Crew, RunError, RunOutput, Turn};
use crate::events::{Event, EventSink};
use crate::llm::Message;

impl Crew {
    pub(super) async fn run_tasks(
        &self,
        input: &str,
        events: &EventSink,
    ) -> Result<RunOutput, RunError> {
        let mut outputs: BTreeMap<String, String> = BTreeMap::new();
        let mut transcript: Vec<Turn> = Vec::new();
        let mut handoffs = 0;
        for (i, task) in self.config.tasks.iter().enumerate() {
            let id = task.id.clone().unwrap_or_else(|| format!("task{i}"));
            let mut prompt = task.description.replace("{{input}}", input);
            if !task.description.contains("{{input}}") {
                prompt.push_str(&format!("\n\nInput:\n{input}"));
            }
            if let Some(expected) = &task.expected_output {
                prompt.push_str(&format!("\n\nExpected output: {expected}"));
            }
            for context in &task.context {
                prompt.push_str(&format!(
                    "\n\nContext from task `{context}`:\n{}",
                    outputs[context]
                ));
            }
            if let Some(previous) = transcript.last() {
                handoffs += 1;
                events.emit(Event::Handoff {
                    from: previous.agent.clone(),
                    to: task.agent.clone(),
                    signal: None,
                });
            }
            let answer = self
                .run_agent(
                    &task.agent,
                    i as u32 + 1,
                    vec![Message::User { content: prompt }],
                    events,
                )
                .await?;
            outputs.insert(id, answer.clone());
            transcript.push(Turn {
                agent: task.agent.clone(),
                content: answer,
            });
        }
        let rounds = transcript.len() as u32;
        Ok(RunOutput::new(
            transcript,
            rounds,
            handoffs,
            "all tasks done".into(),
        ))
    }
}
