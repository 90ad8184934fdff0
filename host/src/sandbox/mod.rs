//! The sandbox around one tool call: resource limits, captured output, and the capabilities
//! a plugin's manifest grants — denied unless granted.
//!
//! Everything here is per-call state built fresh for each wasmtime store, from templates
//! prepared once per plugin, so a killed or trapped call leaves nothing for the next.

mod capabilities;
mod http;
mod limits;
mod log;
mod run;
mod state;

pub use capabilities::{Capabilities, DirGrant, DirMode, GrantError, Grants};
pub use http::HostPattern;
pub use limits::{LimitHit, Limiter, Limits};
pub use log::{CallLog, LogLine, LogSource};
pub use run::Stop;
pub(crate) use run::{Invocation, Returned, run};
pub use state::CallState;
