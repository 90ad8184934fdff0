//! wasmcrew runs crews of LLM agents whose tools are sandboxed WebAssembly components.
//!
//! The layers, each depending only on those below it:
//!
//! - [`call`]: one tool invocation — fresh instance, deadline, fuel, memory cap, typed outcome.
//! - [`plugin`]: loading a component, checking it against the WIT contract, its manifest.
//! - [`sandbox`]: the per-call store state: limits, captured output, WASI and HTTP grants.
//! - [`engine`]: the one shared wasmtime engine, its epoch ticker and the compile cache.
//!
//! [`counters`] are the project's own proof that nothing leaks: calls in flight and live
//! stores, read by tests and later by the metrics endpoint.

pub mod bindings;
pub mod call;
pub mod counters;
pub mod engine;
pub mod plugin;
pub mod sandbox;

pub use call::{CallError, CallReport, Outcome};
pub use engine::{Engine, EngineOptions};
pub use plugin::{LoadError, Manifest, Plugin};
