//! One tool call: arguments checked against the tool's schema, a sandboxed run on a fresh
//! instance, and a typed [`Outcome`] with what the call cost.

use std::time::{Duration, Instant};

use serde::Serialize;
use serde::ser::SerializeMap;

use crate::bindings::ToolError;
use crate::plugin::Plugin;
use crate::sandbox::{self, Invocation, LimitHit, LogLine, Returned, Stop};

/// How a call ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The tool returned a result.
    Ok(String),
    /// The tool ran and returned `failed`.
    ToolError(String),
    /// The arguments were refused: not JSON, against the schema, or by the tool itself.
    InvalidArgs(String),
    /// The deadline passed; the guest was stopped.
    Timeout,
    /// The fuel budget ran out; the guest was stopped.
    OutOfFuel,
    /// The guest could not get the memory (or table space) it asked for, and trapped.
    MemoryLimit(String),
    /// The guest trapped.
    Trap {
        /// The trap.
        message: String,
        /// The guest's wasm backtrace, where available.
        backtrace: Option<String>,
    },
    /// The result was larger than the plugin's `max_output_bytes`; it was dropped.
    OutputTooLarge {
        /// Its size in bytes.
        size: usize,
        /// The limit.
        limit: usize,
    },
}

impl Outcome {
    /// The outcome's name as it appears in JSON: `ok`, `tool_error`, `invalid_args`,
    /// `timeout`, `out_of_fuel`, `memory_limit`, `trap` or `output_too_large`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Ok(_) => "ok",
            Self::ToolError(_) => "tool_error",
            Self::InvalidArgs(_) => "invalid_args",
            Self::Timeout => "timeout",
            Self::OutOfFuel => "out_of_fuel",
            Self::MemoryLimit(_) => "memory_limit",
            Self::Trap { .. } => "trap",
            Self::OutputTooLarge { .. } => "output_too_large",
        }
    }

    /// Whether the tool returned a result.
    pub fn is_ok(&self) -> bool {
        matches!(self, Self::Ok(_))
    }

    /// The message of any outcome but `ok`, as it goes back to the model.
    pub fn error(&self) -> Option<String> {
        Some(match self {
            Self::Ok(_) => return None,
            Self::ToolError(m) | Self::InvalidArgs(m) | Self::MemoryLimit(m) => m.clone(),
            Self::Timeout => "the tool did not finish before its deadline and was stopped".into(),
            Self::OutOfFuel => "the tool used up its CPU budget (fuel) and was stopped".into(),
            Self::Trap { message, .. } => format!("the tool crashed: {message}"),
            Self::OutputTooLarge { size, limit } => {
                format!("the tool's output ({size} bytes) is larger than its limit ({limit} bytes)")
            }
        })
    }
}

/// A finished call: its outcome, what it cost and what the guest logged.
#[derive(Clone, Debug)]
pub struct CallReport {
    /// The tool called.
    pub tool: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Wall time from the call to its outcome, argument check included.
    pub duration: Duration,
    /// Fuel consumed (0 when fuel is off).
    pub fuel_used: u64,
    /// Captured stdout, stderr and `host.log` lines.
    pub log: Vec<LogLine>,
    /// Whether log lines were dropped at the cap.
    pub log_truncated: bool,
}

impl Serialize for CallReport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("tool", &self.tool)?;
        map.serialize_entry("outcome", self.outcome.name())?;
        match &self.outcome {
            Outcome::Ok(output) => map.serialize_entry("output", output)?,
            other => map.serialize_entry("error", &other.error())?,
        }
        if let Outcome::Trap {
            backtrace: Some(bt),
            ..
        } = &self.outcome
        {
            map.serialize_entry("backtrace", bt)?;
        }
        map.serialize_entry("duration_ms", &(self.duration.as_secs_f64() * 1000.0))?;
        map.serialize_entry("fuel_used", &self.fuel_used)?;
        map.serialize_entry("log", &self.log)?;
        map.serialize_entry("log_truncated", &self.log_truncated)?;
        map.end()
    }
}

/// A call that could not be made at all.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The plugin has no tool of that name.
    #[error("plugin `{plugin}` has no tool `{tool}`; its tools are: {}", available.join(", "))]
    UnknownTool {
        /// The plugin.
        plugin: String,
        /// The name asked for.
        tool: String,
        /// The names it has.
        available: Vec<String>,
    },
}

impl Plugin {
    /// Calls tool `tool` with `arguments` (a JSON object as text) on a fresh instance.
    ///
    /// Cancel-safe: dropping the returned future stops the guest and frees its store.
    pub async fn call(&self, tool: &str, arguments: &str) -> Result<CallReport, CallError> {
        let start = Instant::now();
        let _in_flight = self.engine().counters().call_started();
        let spec = self.tool(tool).ok_or_else(|| CallError::UnknownTool {
            plugin: self.name().to_string(),
            tool: tool.to_string(),
            available: self.tools().iter().map(|t| t.info().name.clone()).collect(),
        })?;
        let report = |outcome, fuel_used, log, log_truncated| CallReport {
            tool: tool.to_string(),
            outcome,
            duration: start.elapsed(),
            fuel_used,
            log,
            log_truncated,
        };

        let checked = serde_json::from_str::<serde_json::Value>(arguments)
            .map_err(|e| format!("arguments are not valid JSON: {e}"))
            .and_then(|value| spec.check_arguments(&value));
        if let Err(message) = checked {
            return Ok(report(Outcome::InvalidArgs(message), 0, Vec::new(), false));
        }

        let limits = &self.manifest().limits;
        let run = sandbox::run(
            self.engine(),
            self.pre(),
            limits,
            self.grants(),
            Invocation::Call {
                name: tool,
                arguments,
            },
        )
        .await;
        let outcome = match run.result {
            Ok(Returned::Call(Ok(output))) if output.len() > limits.max_output_bytes => {
                Outcome::OutputTooLarge {
                    size: output.len(),
                    limit: limits.max_output_bytes,
                }
            }
            Ok(Returned::Call(Ok(output))) => Outcome::Ok(output),
            Ok(Returned::Call(Err(ToolError::Failed(m)))) => Outcome::ToolError(m),
            Ok(Returned::Call(Err(ToolError::InvalidArgs(m)))) => Outcome::InvalidArgs(m),
            Ok(Returned::Tools(_)) => unreachable!("call() returns a call result"),
            Err(stop) => stopped(stop, limits.memory_mb),
        };
        Ok(report(outcome, run.fuel_used, run.log, run.log_truncated))
    }
}

fn stopped(stop: Stop, memory_mb: u64) -> Outcome {
    match stop {
        Stop::Timeout => Outcome::Timeout,
        Stop::OutOfFuel => Outcome::OutOfFuel,
        Stop::Limit(LimitHit::Memory { requested }) => Outcome::MemoryLimit(format!(
            "the tool asked for {} MiB of memory; its limit is {memory_mb} MiB",
            requested.div_ceil(1 << 20)
        )),
        Stop::Limit(LimitHit::Table { requested }) => Outcome::MemoryLimit(format!(
            "the tool asked for a table of {requested} elements, more than its limit"
        )),
        Stop::Trap { message, backtrace } => Outcome::Trap { message, backtrace },
        Stop::Setup(message) => Outcome::Trap {
            message: format!("the sandbox could not be set up: {message}"),
            backtrace: None,
        },
    }
}
