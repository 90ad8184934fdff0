//! Reading a crew from a directory (`crew.yaml` + `agents/<id>.yaml`) or a single file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{
    AgentConfig, ConfigError, CrewConfig, LlmConfig, Routing, ScriptTurn, Settings, TaskConfig,
    ToolEntry, Unknown, validate,
};

/// `crew.yaml` as written.
#[derive(Deserialize)]
struct CrewFile {
    #[serde(default)]
    version: Option<serde_yaml::Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    entry_point: Option<String>,
    #[serde(default)]
    agents: Option<Vec<AgentRef>>,
    #[serde(default)]
    settings: Settings,
    #[serde(default)]
    routing: Routing,
    #[serde(default)]
    tasks: Vec<TaskConfig>,
    #[serde(default)]
    tools: BTreeMap<String, ToolEntry>,
    #[serde(default)]
    llm: LlmConfig,
    #[serde(default)]
    offline: BTreeMap<String, Vec<ScriptTurn>>,
    #[serde(flatten)]
    unknown: Unknown,
}

/// An entry of `agents`: an id (the agent is in `agents/<id>.yaml`) or, in a single-file
/// crew, the agent itself.
#[derive(Deserialize)]
#[serde(untagged)]
enum AgentRef {
    Id(String),
    Inline(Box<AgentConfig>),
}

/// Loads and validates the crew at `path`: a directory holding `crew.yaml` (or
/// `crew.yml`), or a crew file. Agents named by id are read from `agents/<id>.yaml` beside
/// the crew file.
pub fn load(path: &Path) -> Result<CrewConfig, ConfigError> {
    let file = crew_file(path)?;
    let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
    let crew: CrewFile = read_yaml(&file)?;

    let Some(version) = crew.version else {
        return Err(ConfigError::new(
            &file,
            "version",
            "missing (e.g. version: \"1.0\")",
        ));
    };
    let version = match version {
        serde_yaml::Value::String(s) => s,
        serde_yaml::Value::Number(n) => n.to_string(),
        other => {
            return Err(ConfigError::new(
                &file,
                "version",
                format!("expected a string like \"1.0\", found {other:?}"),
            ));
        }
    };
    let Some(refs) = crew.agents.filter(|a| !a.is_empty()) else {
        return Err(ConfigError::new(
            &file,
            "agents",
            "missing or empty: list the agents' ids",
        ));
    };
    let mut agents = Vec::with_capacity(refs.len());
    for (i, agent) in refs.into_iter().enumerate() {
        let agent = match agent {
            AgentRef::Inline(mut agent) => {
                agent.file = file.clone();
                *agent
            }
            AgentRef::Id(id) => read_agent(&dir, &id).map_err(|mut e| {
                if e.field.is_empty() && !e.file.exists() {
                    e.field = format!("agents[{i}]");
                    e.message = format!(
                        "agent `{id}` has no file {} ({})",
                        e.file.display(),
                        e.message
                    );
                    e.file = file.clone();
                }
                e
            })?,
        };
        agents.push(agent);
    }

    let name = crew.name.unwrap_or_else(|| {
        dir.file_name()
            .map_or_else(|| "crew".into(), |n| n.to_string_lossy().into_owned())
    });
    let mut config = CrewConfig {
        file,
        dir,
        version,
        name,
        description: crew.description.unwrap_or_default(),
        entry_point: crew.entry_point,
        agents,
        settings: crew.settings,
        routing: crew.routing,
        tasks: crew.tasks,
        tools: crew.tools,
        llm: crew.llm,
        offline: crew.offline,
        unknown_keys: Vec::new(),
    };
    config.unknown_keys = unknown_keys(&config, &crew.unknown);
    validate::validate(&config)?;
    Ok(config)
}

fn crew_file(path: &Path) -> Result<PathBuf, ConfigError> {
    if path.is_dir() {
        for name in ["crew.yaml", "crew.yml"] {
            let file = path.join(name);
            if file.is_file() {
                return Ok(file);
            }
        }
        return Err(ConfigError::new(path, "", "no crew.yaml in this directory"));
    }
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    Err(ConfigError::new(path, "", "no such file or directory"))
}

fn read_agent(dir: &Path, id: &str) -> Result<AgentConfig, ConfigError> {
    let candidates = [
        dir.join("agents").join(format!("{id}.yaml")),
        dir.join("agents").join(format!("{id}.yml")),
    ];
    let file = candidates
        .iter()
        .find(|f| f.is_file())
        .unwrap_or(&candidates[0])
        .clone();
    let mut agent: AgentConfig = read_yaml(&file)?;
    if agent.id != id {
        return Err(ConfigError::new(
            &file,
            "id",
            format!(
                "`{}` does not match the id `{id}` that crew.yaml lists",
                agent.id
            ),
        ));
    }
    agent.file = file;
    Ok(agent)
}

fn read_yaml<T: serde::de::DeserializeOwned>(file: &Path) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| ConfigError::new(file, "", format!("cannot read: {e}")))?;
    serde_yaml::from_str(&text).map_err(|e| {
        let field = e
            .location()
            .map(|l| format!("line {} column {}", l.line(), l.column()))
            .unwrap_or_default();
        ConfigError::new(file, field, e.to_string())
    })
}

/// Every key wasmcrew ignored, as `file: path.to.key`.
fn unknown_keys(config: &CrewConfig, top: &Unknown) -> Vec<String> {
    let crew = config.file.display().to_string();
    let mut keys = Vec::new();
    let mut add = |file: &str, prefix: &str, unknown: &Unknown| {
        keys.extend(unknown.keys().map(|k| format!("{file}: {prefix}{k}")));
    };
    add(&crew, "", top);
    add(&crew, "settings.", &config.settings.unknown);
    add(&crew, "routing.", &config.routing.unknown);
    for (agent, rules) in &config.routing.signals {
        for (i, rule) in rules.iter().flatten().enumerate() {
            add(
                &crew,
                &format!("routing.signals.{agent}[{i}]."),
                &rule.unknown,
            );
        }
    }
    for (agent, b) in &config.routing.agent_behaviors {
        add(
            &crew,
            &format!("routing.agent_behaviors.{agent}."),
            &b.unknown,
        );
    }
    for (name, g) in &config.routing.parallel_groups {
        add(
            &crew,
            &format!("routing.parallel_groups.{name}."),
            &g.unknown,
        );
    }
    for (i, t) in config.tasks.iter().enumerate() {
        add(&crew, &format!("tasks[{i}]."), &t.unknown);
    }
    for agent in &config.agents {
        add(&agent.file.display().to_string(), "", &agent.unknown);
    }
    keys
}
