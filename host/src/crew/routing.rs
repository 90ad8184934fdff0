//! Where a run goes after an agent answers.

use crate::config::CrewConfig;

/// What follows an agent's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Run this agent or parallel group next.
    Go {
        /// The agent or group.
        target: String,
        /// The signal that chose it (none: `defaults`).
        signal: Option<String>,
    },
    /// The run ends with this answer.
    End(EndReason),
}

/// Why a run ended after an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndReason {
    /// The agent is terminal.
    Terminal,
    /// A signal with no target.
    Signal(String),
    /// No signal, and the agent waits for signals (or does not auto-route).
    NoSignal,
    /// No signal and no default (or a `null` default).
    NoRoute,
}

impl EndReason {
    /// A short description for events.
    pub fn describe(&self) -> String {
        match self {
            Self::Terminal => "terminal agent answered".into(),
            Self::Signal(s) => format!("signal {s} ends the run"),
            Self::NoSignal => "no signal (the agent waits for signals)".into(),
            Self::NoRoute => "no signal and no default route".into(),
        }
    }
}

/// Routes `agent`'s `reply`: terminal agents end the run; else the first of the agent's
/// signals (in the order the config lists them) found in the reply decides; else, unless
/// the agent waits for signals, its `defaults` entry.
pub fn route(config: &CrewConfig, agent: &str, reply: &str) -> Next {
    if config.is_terminal(agent) {
        return Next::End(EndReason::Terminal);
    }
    let rules = config
        .routing
        .signals
        .get(agent)
        .into_iter()
        .flatten()
        .flatten();
    for rule in rules {
        if reply.contains(&rule.signal) {
            return match rule.target() {
                Some(target) => Next::Go {
                    target: target.to_string(),
                    signal: Some(rule.signal.clone()),
                },
                None => Next::End(EndReason::Signal(rule.signal.clone())),
            };
        }
    }
    let behavior = config.routing.agent_behaviors.get(agent);
    if behavior.is_some_and(|b| b.wait_for_signal || b.auto_route == Some(false)) {
        return Next::End(EndReason::NoSignal);
    }
    match config.routing.defaults.get(agent) {
        Some(Some(target)) if !target.is_empty() => Next::Go {
            target: target.clone(),
            signal: None,
        },
        _ => Next::End(EndReason::NoRoute),
    }
}
