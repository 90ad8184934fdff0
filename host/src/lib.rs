//! wasmcrew runs crews of LLM agents whose tools are sandboxed WebAssembly components.
//!
//! The layers, each depending only on those below it:
//!
//! - [`crew`]: running a crew — routing, parallel groups, sequential tasks, cancellation.
//! - [`agent`]: one agent's turn — its model conversation and concurrent tool calls.
//! - [`llm`]: the OpenAI-compatible client, the offline model, recording and replay.
//! - [`config`]: crew configuration (go-agentic's format), validated with precise errors.
//! - [`call`]: one tool invocation — fresh instance, deadline, fuel, memory cap, typed outcome.
//! - [`plugin`]: loading a component, checking it against the WIT contract, its manifest.
//! - [`sandbox`]: the per-call store state: limits, captured output, WASI and HTTP grants.
//! - [`engine`]: the one shared wasmtime engine, its epoch ticker and the compile cache.
//!
//! [`counters`] are the project's own proof that nothing leaks: calls in flight and live
//! stores, read by tests and later by the metrics endpoint.

pub mod agent;
pub mod bindings;
pub mod call;
pub mod config;
pub mod counters;
pub mod crew;
pub mod engine;
pub mod events;
pub mod llm;
pub mod plugin;
pub mod sandbox;

pub use call::{CallError, CallReport, Outcome};
pub use crew::{Crew, CrewError, CrewOptions, RunError, RunOutput};
pub use engine::{Engine, EngineOptions};
pub use plugin::{LoadError, Manifest, Plugin};
