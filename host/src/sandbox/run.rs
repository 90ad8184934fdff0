//! Running one export of a plugin in a fresh, limited store, stopped at its deadline.
//!
//! The deadline is enforced twice, because neither alone suffices:
//! - an epoch callback checks the clock at every tick; a guest spinning in wasm is interrupted
//!   at the first tick past the deadline (and yields to tokio at every tick before it);
//! - `tokio::time::timeout_at` drops the call's future, which is the only way to stop a guest
//!   blocked in an async host call (a WASI sleep, a slow HTTP response): epochs only fire
//!   while wasm runs.
//!
//! Dropping the future drops the store with it, and with the store every host resource of the
//! call (streams, timers, HTTP requests in flight), so nothing outlives the call.

use std::time::Instant;

use wasmtime::{Store, Trap, UpdateDeadline};

use super::capabilities::Grants;
use super::limits::{LimitHit, Limits};
use super::log::LogLine;
use super::state::CallState;
use crate::bindings::{PluginPre, ToolError, ToolSpec};
use crate::engine::Engine;

/// Which export to run.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Invocation<'a> {
    /// `tools()`.
    Tools,
    /// `call(name, arguments)`.
    Call {
        /// The tool.
        name: &'a str,
        /// Its arguments, as JSON text.
        arguments: &'a str,
    },
}

/// What an export returned.
#[derive(Debug)]
pub(crate) enum Returned {
    /// From `tools()`.
    Tools(Vec<ToolSpec>),
    /// From `call(..)`.
    Call(Result<String, ToolError>),
}

/// Why a run did not return.
#[derive(Debug)]
pub enum Stop {
    /// The deadline passed.
    Timeout,
    /// The fuel budget ran out.
    OutOfFuel,
    /// The guest trapped after the host refused to grow its memory or tables past the cap.
    Limit(LimitHit),
    /// The guest trapped.
    Trap {
        /// The trap, or the host error that ended the call.
        message: String,
        /// The guest's wasm backtrace, where available.
        backtrace: Option<String>,
    },
    /// The store could not be set up (e.g. a granted directory vanished).
    Setup(String),
}

/// The result of one run, with what it cost.
#[derive(Debug)]
pub(crate) struct Run {
    pub result: Result<Returned, Stop>,
    pub fuel_used: u64,
    pub log: Vec<LogLine>,
    pub log_truncated: bool,
}

/// Runs `invocation` on a fresh instance of `pre` under `limits` and `grants`.
pub(crate) async fn run(
    engine: &Engine,
    pre: &PluginPre<CallState>,
    limits: &Limits,
    grants: &Grants,
    invocation: Invocation<'_>,
) -> Run {
    let deadline = tokio::time::Instant::now() + limits.timeout();
    let state = match CallState::new(limits, grants, engine.counters().store_created()) {
        Ok(state) => state,
        Err(e) => {
            return Run {
                result: Err(Stop::Setup(e.to_string())),
                fuel_used: 0,
                log: Vec::new(),
                log_truncated: false,
            };
        }
    };
    let mut store = Store::new(engine.wasmtime(), state);
    store.limiter(|s| s.limiter());
    let fuel = if engine.options().fuel {
        let fuel = if limits.fuel == 0 {
            u64::MAX
        } else {
            limits.fuel
        };
        store
            .set_fuel(fuel)
            .expect("fuel is enabled on this engine");
        Some(fuel)
    } else {
        None
    };
    if engine.options().epochs {
        let std_deadline = deadline.into_std();
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            Ok(if Instant::now() >= std_deadline {
                UpdateDeadline::Interrupt
            } else {
                UpdateDeadline::Yield(1)
            })
        });
    }

    let outcome = tokio::time::timeout_at(deadline, invoke(&mut store, pre, invocation)).await;
    let fuel_used = fuel.map_or(0, |f| f - store.get_fuel().unwrap_or(0));
    let result = match outcome {
        Err(_elapsed) => Err(Stop::Timeout),
        Ok(Ok(returned)) => Ok(returned),
        Ok(Err(error)) => Err(classify(error, store.data_mut().limiter().hit())),
    };
    let (log, log_truncated) = store.data().log().snapshot();
    Run {
        result,
        fuel_used,
        log,
        log_truncated,
    }
}

async fn invoke(
    store: &mut Store<CallState>,
    pre: &PluginPre<CallState>,
    invocation: Invocation<'_>,
) -> wasmtime::Result<Returned> {
    let plugin = pre.instantiate_async(&mut *store).await?;
    let tool = plugin.wasmcrew_plugin_tool();
    Ok(match invocation {
        Invocation::Tools => Returned::Tools(tool.call_tools(&mut *store).await?),
        Invocation::Call { name, arguments } => {
            Returned::Call(tool.call_call(&mut *store, name, arguments).await?)
        }
    })
}

/// Types a failed run by what the error is, never by its text.
fn classify(error: wasmtime::Error, hit: Option<LimitHit>) -> Stop {
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => return Stop::Timeout,
        Some(Trap::OutOfFuel) => return Stop::OutOfFuel,
        _ => {}
    }
    if let Some(hit) = hit {
        return Stop::Limit(hit);
    }
    let backtrace = error
        .downcast_ref::<wasmtime::WasmBacktrace>()
        .map(|bt| bt.to_string())
        .filter(|bt| !bt.trim().is_empty());
    let message = match error.downcast_ref::<Trap>() {
        Some(trap) => trap.to_string(),
        None => format!("{error:#}"),
    };
    Stop::Trap { message, backtrace }
}
