//! The routed process: agents hand work to each other by signals and defaults, and signals
//! may fan out to parallel groups.

use std::time::Duration;

use tokio::task::JoinSet;

use super::routing::{EndReason, Next, route};
use super::{Crew, RunError, RunOutput, Turn};
use crate::config::ParallelGroup;
use crate::events::{Event, EventSink};
use crate::llm::Message;

impl Crew {
    pub(super) async fn run_routed(
        &self,
        input: &str,
        events: &EventSink,
    ) -> Result<RunOutput, RunError> {
        let settings = &self.config.settings;
        let mut target = self
            .config
            .entry_point
            .clone()
            .expect("validated: routed crews have an entry point");
        let mut transcript: Vec<Turn> = Vec::new();
        let (mut rounds, mut handoffs) = (0, 0);
        loop {
            if rounds == settings.max_rounds {
                let stop = format!("max_rounds ({}) reached", settings.max_rounds);
                return Ok(limit_reached(events, transcript, rounds, handoffs, stop));
            }
            rounds += 1;
            let conversation = conversation(input, &transcript);
            let (answer, next) = match self.config.routing.parallel_groups.get(&target) {
                Some(group) => {
                    let answer = self
                        .run_group(&target, group, rounds, conversation, events)
                        .await?;
                    let next = match &group.next_agent {
                        Some(agent) => Next::Go {
                            target: agent.clone(),
                            signal: None,
                        },
                        None => Next::End(EndReason::NoRoute),
                    };
                    (answer, next)
                }
                None => {
                    let answer = self
                        .run_agent(&target, rounds, conversation, events)
                        .await?;
                    let next = route(&self.config, &target, &answer);
                    (answer, next)
                }
            };
            transcript.push(Turn {
                agent: target.clone(),
                content: answer,
            });
            match next {
                Next::End(reason) => {
                    return Ok(RunOutput::new(
                        transcript,
                        rounds,
                        handoffs,
                        reason.describe(),
                    ));
                }
                Next::Go { target: to, signal } => {
                    if handoffs == settings.max_handoffs {
                        let stop = format!("max_handoffs ({}) reached", settings.max_handoffs);
                        return Ok(limit_reached(events, transcript, rounds, handoffs, stop));
                    }
                    handoffs += 1;
                    events.emit(Event::Handoff {
                        from: target.clone(),
                        to: to.clone(),
                        signal,
                    });
                    target = to;
                }
            }
        }
    }

    /// Runs every member of `group` concurrently, each bounded by the group's deadline, and
    /// returns their answers as one text.
    async fn run_group(
        &self,
        name: &str,
        group: &ParallelGroup,
        round: u32,
        conversation: Vec<Message>,
        events: &EventSink,
    ) -> Result<String, RunError> {
        let deadline = Duration::from_secs_f64(
            group
                .timeout_seconds
                .unwrap_or(self.config.settings.parallel_timeout_seconds),
        );
        events.emit(Event::ParallelStart {
            group: name.to_string(),
            agents: group.agents.clone(),
        });
        let mut members = JoinSet::new();
        for (index, member) in group.agents.iter().enumerate() {
            events.emit(Event::AgentStart {
                agent: member.clone(),
                round,
            });
            let agent = self.agents[member].clone();
            let ctx = self.turn_context(events);
            let conversation = conversation.clone();
            members.spawn(async move {
                let answer = tokio::time::timeout(deadline, agent.run(&ctx, conversation)).await;
                let answer = match answer {
                    Ok(Ok(answer)) => Ok(answer),
                    Ok(Err(error)) => Err(format!("failed: {error}")),
                    Err(_) => Err(format!("did not finish within {deadline:?}")),
                };
                (index, answer)
            });
        }
        let mut answers: Vec<Option<Result<String, String>>> = vec![None; group.agents.len()];
        while let Some(joined) = members.join_next().await {
            let (index, answer) = joined.expect("group member tasks do not panic");
            answers[index] = Some(answer);
        }

        let (mut completed, mut missing) = (Vec::new(), Vec::new());
        let mut text = format!("Results of parallel group `{name}`:");
        for (member, answer) in group.agents.iter().zip(answers) {
            match answer.expect("every member was joined") {
                Ok(answer) => {
                    completed.push(member.clone());
                    text.push_str(&format!("\n\n[{member}]:\n{answer}"));
                }
                Err(reason) => {
                    if group.wait_for_all {
                        events.emit(Event::ParallelEnd {
                            group: name.to_string(),
                            completed: completed.clone(),
                            missing: vec![member.clone()],
                        });
                        return Err(RunError::Group {
                            group: name.to_string(),
                            member: member.clone(),
                            reason,
                        });
                    }
                    text.push_str(&format!("\n\n[{member}]: (no result: {reason})"));
                    missing.push(member.clone());
                }
            }
        }
        if !missing.is_empty() {
            text.push_str("\n\n(partial results: some members did not answer)");
            events.emit(Event::Warning {
                message: format!(
                    "parallel group `{name}` continues with partial results; missing: {}",
                    missing.join(", ")
                ),
            });
        }
        events.emit(Event::ParallelEnd {
            group: name.to_string(),
            completed,
            missing,
        });
        Ok(text)
    }
}

/// Ends a run at a limit, warning that it did.
fn limit_reached(
    events: &EventSink,
    transcript: Vec<Turn>,
    rounds: u32,
    handoffs: u32,
    stop: String,
) -> RunOutput {
    events.emit(Event::Warning {
        message: stop.clone(),
    });
    RunOutput::new(transcript, rounds, handoffs, stop)
}

/// What an agent is given: the input, then every earlier answer, each labelled.
fn conversation(input: &str, transcript: &[Turn]) -> Vec<Message> {
    let mut messages = vec![Message::User {
        content: input.to_string(),
    }];
    messages.extend(transcript.iter().map(|turn| Message::User {
        content: format!("[{}]:\n{}", turn.agent, turn.content),
    }));
    messages
}
