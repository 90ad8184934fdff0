//! The data of one call's wasmtime store.

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use super::capabilities::Grants;
use super::http::HttpPolicy;
use super::limits::{Limiter, Limits};
use super::log::{CallLog, LogSource};
use crate::bindings::{Level, wasmcrew};
use crate::counters::CountGuard;

/// Everything a guest can reach during one call, built fresh for each store.
pub struct CallState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    http_policy: HttpPolicy,
    table: ResourceTable,
    limiter: Limiter,
    log: CallLog,
    _live: CountGuard,
}

impl CallState {
    /// State for a call under `limits` with `grants`; `live` counts the store while it lives.
    pub(crate) fn new(
        limits: &Limits,
        grants: &Grants,
        live: CountGuard,
    ) -> Result<Self, std::io::Error> {
        let log = CallLog::new(limits.max_log_bytes);
        Ok(Self {
            wasi: grants.wasi_ctx(&log)?,
            http: WasiHttpCtx::new(),
            http_policy: HttpPolicy {
                allowed: grants.hosts.clone(),
                log: log.clone(),
            },
            table: ResourceTable::new(),
            limiter: Limiter::new(limits),
            log,
            _live: live,
        })
    }

    /// The limiter, for `Store::limiter`.
    pub fn limiter(&mut self) -> &mut Limiter {
        &mut self.limiter
    }

    /// The call's captured log.
    pub fn log(&self) -> &CallLog {
        &self.log
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for CallState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.http_policy,
        }
    }
}

impl wasmcrew::plugin::host::Host for CallState {
    async fn log(&mut self, level: Level, message: String) {
        self.log.push(LogSource::from(level), &message);
    }
}

impl wasmcrew::plugin::types::Host for CallState {}
