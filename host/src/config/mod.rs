//! Crew configuration: go-agentic's format (`crew.yaml` + `agents/<id>.yaml`, or one file
//! holding both), CrewAI-style sequential `tasks`, and wasmcrew's own `tools`, `llm` and
//! `offline` sections.
//!
//! Files are read into serde types that keep every key they do not know
//! (`#[serde(flatten)] unknown`), so go-agentic's many settings load unchanged and are
//! reported in one warning. [`validate`] then checks every cross-reference and range and
//! names the file, the field and the bad value.

mod error;
mod load;
mod validate;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

pub use error::ConfigError;
pub use load::load;

/// Unknown keys of one YAML mapping, kept to warn about them.
pub type Unknown = BTreeMap<String, serde_yaml::Value>;

/// A loaded, validated crew configuration.
#[derive(Clone, Debug)]
pub struct CrewConfig {
    /// The crew file (`crew.yaml`), for messages.
    pub file: PathBuf,
    /// The directory relative paths are taken from.
    pub dir: PathBuf,
    /// The config format version (`version`).
    pub version: String,
    /// The crew's name (`name`, else the directory name).
    pub name: String,
    /// What the crew does.
    pub description: String,
    /// The agent that gets the input (required unless the crew runs `tasks`).
    pub entry_point: Option<String>,
    /// The agents, in the order `agents` lists them.
    pub agents: Vec<AgentConfig>,
    /// Run settings.
    pub settings: Settings,
    /// Signals, defaults, behaviours and parallel groups.
    pub routing: Routing,
    /// CrewAI-style sequential tasks; when present the crew runs them in order.
    pub tasks: Vec<TaskConfig>,
    /// Tool name → plugin, with limits and capabilities.
    pub tools: BTreeMap<String, ToolEntry>,
    /// Which LLM to talk to.
    pub llm: LlmConfig,
    /// The offline model's script: agent id → turns.
    pub offline: BTreeMap<String, Vec<ScriptTurn>>,
    /// Keys wasmcrew does not know, as `file: dotted.path` strings.
    pub unknown_keys: Vec<String>,
}

impl CrewConfig {
    /// The agent with id `id`.
    pub fn agent(&self, id: &str) -> Option<&AgentConfig> {
        self.agents.iter().find(|a| a.id == id)
    }

    /// Whether `id` ends the run when it answers (its own `is_terminal` or its behaviour's).
    pub fn is_terminal(&self, id: &str) -> bool {
        self.agent(id).is_some_and(|a| a.is_terminal)
            || self
                .routing
                .agent_behaviors
                .get(id)
                .is_some_and(|b| b.is_terminal)
    }
}

/// `settings` of `crew.yaml`. Defaults are go-agentic's.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Most handoffs between agents in one run. Default 5.
    pub max_handoffs: u32,
    /// Most agent turns in one run. Default 10.
    pub max_rounds: u32,
    /// Deadline of the whole run. Default 300.
    pub timeout_seconds: f64,
    /// Deadline of a parallel group without its own. Default 60.
    pub parallel_timeout_seconds: f64,
    /// Tool results (and errors) are cut to this many characters before the model sees
    /// them. Default 2000.
    pub max_tool_output_chars: usize,
    /// Most model ↔ tool round trips within one agent turn. Default 5.
    pub max_tool_rounds: u32,
    /// The language agents answer in, added to their system prompt when set.
    pub language: Option<String>,
    #[serde(flatten)]
    #[doc(hidden)]
    pub unknown: Unknown,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_handoffs: 5,
            max_rounds: 10,
            timeout_seconds: 300.0,
            parallel_timeout_seconds: 60.0,
            max_tool_output_chars: 2000,
            max_tool_rounds: 5,
            language: None,
            unknown: Unknown::new(),
        }
    }
}

/// `routing` of `crew.yaml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Routing {
    /// Per agent: the signals it may emit and where each leads.
    pub signals: BTreeMap<String, Option<Vec<SignalRule>>>,
    /// Per agent: the next agent when no signal matched (`null`: the run ends).
    pub defaults: BTreeMap<String, Option<String>>,
    /// Per agent: routing behaviour.
    pub agent_behaviors: BTreeMap<String, Behavior>,
    /// Named groups of agents that run concurrently; a signal may target a group.
    pub parallel_groups: BTreeMap<String, ParallelGroup>,
    #[serde(flatten)]
    #[doc(hidden)]
    pub unknown: Unknown,
}

/// One signal an agent may emit.
#[derive(Clone, Debug, Deserialize)]
pub struct SignalRule {
    /// The text that, found in the agent's reply, triggers the rule (e.g. `[ROUTE_BILLING]`).
    pub signal: String,
    /// The agent or parallel group to run next; empty or `null` ends the run.
    #[serde(default)]
    pub target: Option<String>,
    /// What the signal means (shown to the model).
    #[serde(default)]
    pub description: Option<String>,
    #[serde(flatten)]
    #[doc(hidden)]
    pub unknown: Unknown,
}

impl SignalRule {
    /// The target, with go-agentic's empty string read as "end the run".
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref().filter(|t| !t.is_empty())
    }
}

/// `agent_behaviors.<id>`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct Behavior {
    /// The agent hands off only on a signal: without one the run ends with its reply,
    /// even if `defaults` names a next agent.
    pub wait_for_signal: bool,
    /// Follow `defaults` when no signal matched (go-agentic's behaviour when unset).
    pub auto_route: Option<bool>,
    /// The run ends when this agent answers.
    pub is_terminal: bool,
    /// What the behaviour is for.
    pub description: Option<String>,
    #[serde(flatten)]
    #[doc(hidden)]
    pub unknown: Unknown,
}

/// `parallel_groups.<name>`.
#[derive(Clone, Debug, Deserialize)]
pub struct ParallelGroup {
    /// The agents that run concurrently.
    pub agents: Vec<String>,
    /// `true`: a member that fails or is late fails the step. `false`: the step continues
    /// with the members that finished, the rest marked missing. Default true.
    #[serde(default = "yes")]
    pub wait_for_all: bool,
    /// Deadline of every member; default `settings.parallel_timeout_seconds`.
    #[serde(default)]
    pub timeout_seconds: Option<f64>,
    /// The agent that receives the group's results; none ends the run with them.
    #[serde(default)]
    pub next_agent: Option<String>,
    /// What the group does.
    #[serde(default)]
    pub description: Option<String>,
    #[serde(flatten)]
    #[doc(hidden)]
    pub unknown: Unknown,
}

fn yes() -> bool {
    true
}

/// `agents/<id>.yaml`.
#[derive(Clone, Debug, Deserialize)]
pub struct AgentConfig {
    /// Unique id, referenced by routing.
    pub id: String,
    /// Display name (default: the id).
    #[serde(default)]
    pub name: Option<String>,
    /// What the agent is for.
    #[serde(default)]
    pub description: String,
    /// Its role, in the system prompt.
    #[serde(default)]
    pub role: String,
    /// Its backstory, in the system prompt.
    #[serde(default)]
    pub backstory: String,
    /// The model; default `llm.model`, else gpt-4o.
    #[serde(default)]
    pub model: Option<String>,
    /// Sampling temperature, 0–2. Default 0.7.
    #[serde(default = "default_temperature")]
    pub temperature: f64,
    /// The run ends when this agent answers.
    #[serde(default)]
    pub is_terminal: bool,
    /// Names of the tools it may call (keys of the crew's `tools`).
    #[serde(default)]
    pub tools: Vec<String>,
    /// Agents it may hand off to (informational in go-agentic; checked to exist).
    #[serde(default)]
    pub handoff_targets: Vec<String>,
    /// The system prompt; `{{name}}`, `{{role}}`, `{{description}}` and `{{backstory}}`
    /// are substituted. Default: built from role and backstory.
    #[serde(default)]
    pub system_prompt: Option<String>,
    /// The file it came from, for messages.
    #[serde(skip)]
    pub file: PathBuf,
    #[serde(flatten)]
    #[doc(hidden)]
    pub unknown: Unknown,
}

fn default_temperature() -> f64 {
    0.7
}

impl AgentConfig {
    /// The display name.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

/// One CrewAI-style task.
#[derive(Clone, Debug, Deserialize)]
pub struct TaskConfig {
    /// Its id, referenced by later tasks' `context` (default `task<N>`).
    #[serde(default, alias = "name")]
    pub id: Option<String>,
    /// What to do; `{{input}}` is the run's input.
    pub description: String,
    /// What the result should look like.
    #[serde(default)]
    pub expected_output: Option<String>,
    /// The agent that does it.
    pub agent: String,
    /// Earlier tasks whose outputs it receives.
    #[serde(default)]
    pub context: Vec<String>,
    #[serde(flatten)]
    #[doc(hidden)]
    pub unknown: Unknown,
}

/// An entry of the crew's `tools`: a tool name mapped to a plugin.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolEntry {
    /// The plugin component; relative to the crew file.
    pub plugin: PathBuf,
    /// The tool's name inside the plugin (default: this entry's name).
    #[serde(default)]
    pub tool: Option<String>,
    /// Limits overriding the plugin's manifest (the manifest's `[limits]` fields).
    #[serde(default)]
    pub limits: Option<serde_json::Value>,
    /// Capabilities added to the plugin's manifest (the manifest's `[capabilities]`).
    #[serde(default)]
    pub capabilities: Option<serde_json::Value>,
}

/// The crew's `llm` section. Environment variables fill what it leaves out, as the
/// official SDKs do: `OPENAI_BASE_URL`, and the key from `api_key_env` (default
/// `OPENAI_API_KEY`). With neither an endpoint nor a key, the offline model is used.
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LlmConfig {
    /// `openai` (any OpenAI-compatible server) or `offline`; default: decided as above.
    pub provider: Option<String>,
    /// Base URL of the chat-completions API, e.g. `http://127.0.0.1:11434/v1`.
    pub base_url: Option<String>,
    /// Name of the environment variable holding the API key. Default `OPENAI_API_KEY`.
    pub api_key_env: Option<String>,
    /// Model for agents that do not name one. Default gpt-4o.
    pub model: Option<String>,
    /// Deadline of one request, streaming included. Default 60.
    pub request_timeout_seconds: f64,
    /// Retries after connect errors, 429 and 5xx. Default 3.
    pub max_retries: u32,
    /// Stream content deltas. Default true.
    pub stream: bool,
}

impl Default for LlmConfig {
    fn default() -> Self {
        Self {
            provider: None,
            base_url: None,
            api_key_env: None,
            model: None,
            request_timeout_seconds: 60.0,
            max_retries: 3,
            stream: true,
        }
    }
}

/// One scripted turn of the offline model.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScriptTurn {
    /// The reply text; `{{input}}` and `{{tool_result}}` are substituted.
    pub reply: Option<String>,
    /// Tool calls to make instead of replying.
    pub tool_calls: Vec<ScriptToolCall>,
}

/// A scripted tool call.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptToolCall {
    /// The tool (a key of the crew's `tools`).
    pub name: String,
    /// Its arguments; strings inside are substituted like replies.
    #[serde(default = "empty_object")]
    pub arguments: serde_json::Value,
}

fn empty_object() -> serde_json::Value {
    serde_json::json!({})
}
