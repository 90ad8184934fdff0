//! Building a [`Crew`] from its configuration: its model, its plugins and its agents.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::{Crew, CrewError, CrewOptions};
use crate::agent::{Agent, BoundTool};
use crate::config::{ConfigError, CrewConfig, ToolEntry};
use crate::engine::Engine;
use crate::llm::{ChatModel, OfflineModel, OpenAiClient, Recorder, ReplayModel};
use crate::plugin::{Manifest, Plugin};

/// The model agents use when neither they nor `llm.model` name one.
const DEFAULT_MODEL: &str = "gpt-4o";
/// Where requests go when a key is set but no endpoint, as in the official SDKs.
const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";

pub(super) async fn build(
    config: CrewConfig,
    engine: &Engine,
    options: CrewOptions,
) -> Result<Crew, CrewError> {
    let model = model(&config, &options)?;
    let (model, recorder) = match &options.record {
        Some(path) => {
            let recorder =
                Arc::new(
                    Recorder::create(model, path).map_err(|source| CrewError::Record {
                        path: path.clone(),
                        source,
                    })?,
                );
            (recorder.clone() as Arc<dyn ChatModel>, Some(recorder))
        }
        None => (model, None),
    };

    let tools = load_tools(&config, engine).await?;
    let default_model = config.llm.model.as_deref().unwrap_or(DEFAULT_MODEL);
    let agents = config
        .agents
        .iter()
        .map(|agent| {
            let signals = config
                .routing
                .signals
                .get(&agent.id)
                .cloned()
                .flatten()
                .unwrap_or_default();
            let bound = agent.tools.iter().map(|t| tools[t].clone()).collect();
            let built = Agent::new(
                agent.clone(),
                default_model,
                &signals,
                config.settings.language.as_deref(),
                bound,
            );
            (agent.id.clone(), Arc::new(built))
        })
        .collect();
    Ok(Crew {
        config: Arc::new(config),
        agents,
        model,
        recorder,
    })
}

/// The model: a replay, the offline script, or an OpenAI-compatible server — chosen by the
/// options, then `llm.provider`, then whether an endpoint or key is configured.
fn model(config: &CrewConfig, options: &CrewOptions) -> Result<Arc<dyn ChatModel>, CrewError> {
    if let Some(model) = &options.model {
        return Ok(model.clone());
    }
    if let Some(path) = &options.replay {
        return Ok(Arc::new(
            ReplayModel::open(path).map_err(CrewError::Replay)?,
        ));
    }
    let llm = &config.llm;
    let base_url = llm.base_url.clone().or_else(|| {
        std::env::var("OPENAI_BASE_URL")
            .ok()
            .filter(|v| !v.is_empty())
    });
    let key_env = llm.api_key_env.as_deref().unwrap_or("OPENAI_API_KEY");
    let api_key = std::env::var(key_env).ok().filter(|v| !v.is_empty());
    let online = match llm.provider.as_deref() {
        Some("offline") => false,
        Some(_) => true,
        None => base_url.is_some() || api_key.is_some(),
    };
    if options.offline || !online {
        return Ok(Arc::new(OfflineModel::new(config.offline.clone())));
    }
    Ok(Arc::new(OpenAiClient::new(
        base_url.as_deref().unwrap_or(OPENAI_BASE_URL),
        api_key,
        Duration::from_secs_f64(llm.request_timeout_seconds),
        llm.max_retries,
        llm.stream,
    )))
}

/// Loads every plugin of the crew's `tools` (each distinct plugin and manifest once) and
/// binds each tool name to its plugin tool.
async fn load_tools(
    config: &CrewConfig,
    engine: &Engine,
) -> Result<BTreeMap<String, BoundTool>, ConfigError> {
    let mut loaded: Vec<(std::path::PathBuf, Manifest, Plugin)> = Vec::new();
    let mut tools = BTreeMap::new();
    for (name, entry) in &config.tools {
        let field = format!("tools.{name}");
        let fail = |what: &str, message: String| {
            ConfigError::new(&config.file, format!("{field}.{what}"), message)
        };
        let path = config.dir.join(&entry.plugin);
        let manifest = manifest(entry, &config.dir, &path)
            .map_err(|m| ConfigError::new(&config.file, field.clone(), m))?;
        let existing = loaded
            .iter()
            .find(|(p, m, _)| *p == path && *m == manifest)
            .map(|(_, _, plugin)| plugin.clone());
        let plugin = match existing {
            Some(plugin) => plugin,
            None => {
                let plugin = Plugin::load_with(engine, &path, manifest.clone())
                    .await
                    .map_err(|e| fail("plugin", e.to_string()))?;
                loaded.push((path, manifest, plugin.clone()));
                plugin
            }
        };
        let tool = entry.tool.clone().unwrap_or_else(|| name.clone());
        if plugin.tool(&tool).is_none() {
            let available: Vec<&str> = plugin
                .tools()
                .iter()
                .map(|t| t.info().name.as_str())
                .collect();
            return Err(fail(
                "tool",
                format!(
                    "plugin {} has no tool `{tool}`; it has: {}",
                    plugin.path().display(),
                    available.join(", ")
                ),
            ));
        }
        tools.insert(
            name.clone(),
            BoundTool {
                name: name.clone(),
                plugin,
                tool,
            },
        );
    }
    Ok(tools)
}

/// The plugin's own manifest with the crew entry's `limits` and `capabilities` laid over
/// it. Directories the crew grants are relative to the crew file.
fn manifest(entry: &ToolEntry, crew_dir: &Path, plugin: &Path) -> Result<Manifest, String> {
    let base = Manifest::for_component(plugin).map_err(|e| e.to_string())?;
    if entry.limits.is_none() && entry.capabilities.is_none() {
        return Ok(base);
    }
    let mut value = serde_json::to_value(&base).expect("manifests serialize");
    if let Some(limits) = &entry.limits {
        merge(&mut value["limits"], limits);
    }
    if let Some(caps) = &entry.capabilities {
        let mut caps = caps.clone();
        if let Some(dirs) = caps.get_mut("dirs").and_then(Value::as_array_mut) {
            for dir in dirs {
                if let Some(host) = dir.get("host").and_then(Value::as_str) {
                    dir["host"] = Value::String(crew_dir.join(host).to_string_lossy().into());
                }
            }
        }
        merge(&mut value["capabilities"], &caps);
    }
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// Overwrites `base`'s keys with `patch`'s (objects only; anything else replaces).
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(base), Value::Object(patch)) => {
            for (k, v) in patch {
                merge(base.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (base, patch) => *base = patch.clone(),
    }
}
