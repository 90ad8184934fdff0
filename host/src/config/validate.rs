//! Cross-checks of a crew configuration: every reference resolves, every value is in range.

use std::collections::BTreeSet;

use super::{ConfigError, CrewConfig};

pub(super) fn validate(c: &CrewConfig) -> Result<(), ConfigError> {
    let crew = &c.file;
    let err = |field: String, message: String| Err(ConfigError::new(crew, field, message));
    let agents: BTreeSet<&str> = c.agents.iter().map(|a| a.id.as_str()).collect();
    let groups = &c.routing.parallel_groups;
    let known = || {
        let mut ids: Vec<&str> = agents.iter().copied().collect();
        ids.extend(groups.keys().map(String::as_str));
        ids.join(", ")
    };
    let is_agent = |id: &str| agents.contains(id);
    let is_target = |id: &str| is_agent(id) || groups.contains_key(id);

    if agents.len() != c.agents.len() {
        return err("agents".into(), "agent ids must be unique".into());
    }
    for agent in &c.agents {
        let at = |field: &str, message: String| {
            Err(ConfigError::new(&agent.file, field.to_string(), message))
        };
        if agent.id.trim().is_empty() {
            return at("id", "must not be empty".into());
        }
        if !(0.0..=2.0).contains(&agent.temperature) {
            return at(
                "temperature",
                format!(
                    "{} is out of range: it must be between 0 and 2",
                    agent.temperature
                ),
            );
        }
        for (i, tool) in agent.tools.iter().enumerate() {
            if !c.tools.contains_key(tool) {
                let known: Vec<&str> = c.tools.keys().map(String::as_str).collect();
                return at(
                    &format!("tools[{i}]"),
                    format!(
                        "unknown tool `{tool}`: the crew's `tools` section defines {}",
                        if known.is_empty() {
                            "none".into()
                        } else {
                            known.join(", ")
                        }
                    ),
                );
            }
        }
        for (i, target) in agent.handoff_targets.iter().enumerate() {
            if !is_target(target) {
                return at(
                    &format!("handoff_targets[{i}]"),
                    format!("unknown agent `{target}` (known: {})", known()),
                );
            }
        }
    }

    match &c.entry_point {
        Some(entry) if !is_agent(entry) => {
            return err(
                "entry_point".into(),
                format!("`{entry}` is not among the agents ({})", known()),
            );
        }
        None if c.tasks.is_empty() => {
            return err(
                "entry_point".into(),
                "missing: name the agent that receives the input".into(),
            );
        }
        _ => {}
    }

    for (agent, rules) in &c.routing.signals {
        if !is_agent(agent) {
            return err(
                format!("routing.signals.{agent}"),
                format!("unknown agent `{agent}`"),
            );
        }
        for (i, rule) in rules.iter().flatten().enumerate() {
            let field = format!("routing.signals.{agent}[{i}]");
            if rule.signal.trim().is_empty() {
                return err(format!("{field}.signal"), "must not be empty".into());
            }
            if let Some(target) = rule.target()
                && !is_target(target)
            {
                return err(
                    format!("{field}.target"),
                    format!(
                        "unknown agent or parallel group `{target}` (known: {})",
                        known()
                    ),
                );
            }
        }
    }
    for (agent, next) in &c.routing.defaults {
        if !is_agent(agent) {
            return err(
                format!("routing.defaults.{agent}"),
                format!("unknown agent `{agent}`"),
            );
        }
        if let Some(next) = next.as_deref().filter(|n| !n.is_empty())
            && !is_target(next)
        {
            return err(
                format!("routing.defaults.{agent}"),
                format!(
                    "unknown agent or parallel group `{next}` (known: {})",
                    known()
                ),
            );
        }
    }
    for agent in c.routing.agent_behaviors.keys() {
        if !is_agent(agent) {
            return err(
                format!("routing.agent_behaviors.{agent}"),
                format!("unknown agent `{agent}`"),
            );
        }
    }
    for (name, group) in groups {
        let field = format!("routing.parallel_groups.{name}");
        if is_agent(name) {
            return err(
                field,
                format!("`{name}` is also an agent id; names must differ"),
            );
        }
        if group.agents.is_empty() {
            return err(
                format!("{field}.agents"),
                "must list at least one agent".into(),
            );
        }
        for (i, member) in group.agents.iter().enumerate() {
            if !is_agent(member) {
                return err(
                    format!("{field}.agents[{i}]"),
                    format!("unknown agent `{member}`"),
                );
            }
        }
        if let Some(t) = group.timeout_seconds
            && (t <= 0.0 || !t.is_finite())
        {
            return err(
                format!("{field}.timeout_seconds"),
                format!("{t} must be greater than 0"),
            );
        }
        if let Some(next) = &group.next_agent
            && !is_agent(next)
        {
            return err(
                format!("{field}.next_agent"),
                format!("unknown agent `{next}`"),
            );
        }
    }

    let s = &c.settings;
    for (field, value) in [
        ("settings.timeout_seconds", s.timeout_seconds),
        (
            "settings.parallel_timeout_seconds",
            s.parallel_timeout_seconds,
        ),
        ("llm.request_timeout_seconds", c.llm.request_timeout_seconds),
    ] {
        if value <= 0.0 || !value.is_finite() {
            return err(field.into(), format!("{value} must be greater than 0"));
        }
    }
    if let Some(provider) = &c.llm.provider
        && !["openai", "offline"].contains(&provider.as_str())
    {
        return err(
            "llm.provider".into(),
            format!("`{provider}`: expected `openai` (any OpenAI-compatible server) or `offline`"),
        );
    }

    let mut earlier = BTreeSet::new();
    for (i, task) in c.tasks.iter().enumerate() {
        let field = format!("tasks[{i}]");
        if !is_agent(&task.agent) {
            return err(
                format!("{field}.agent"),
                format!("unknown agent `{}`", task.agent),
            );
        }
        for (j, ctx) in task.context.iter().enumerate() {
            if !earlier.contains(ctx.as_str()) {
                return err(
                    format!("{field}.context[{j}]"),
                    format!("`{ctx}` is not an earlier task"),
                );
            }
        }
        earlier.insert(task.id.clone().unwrap_or_else(|| format!("task{i}")));
    }

    for (agent, turns) in &c.offline {
        if !is_agent(agent) {
            return err(
                format!("offline.{agent}"),
                format!("unknown agent `{agent}`"),
            );
        }
        for (i, turn) in turns.iter().enumerate() {
            for (j, call) in turn.tool_calls.iter().enumerate() {
                if !c.tools.contains_key(&call.name) {
                    return err(
                        format!("offline.{agent}[{i}].tool_calls[{j}].name"),
                        format!("unknown tool `{}`", call.name),
                    );
                }
            }
        }
    }
    Ok(())
}
