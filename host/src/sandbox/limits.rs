//! Resource limits of a call and the limiter that enforces the memory and table caps.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The limits of every call of a plugin. Each field documents its default.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Wall-clock deadline of one call, instantiation included. By default 10 000 ms.
    pub timeout_ms: u64,
    /// CPU budget of one call in wasmtime fuel units (about one per wasm instruction);
    /// 0 means unmetered. By default 10 000 000 000.
    pub fuel: u64,
    /// Total linear memory one instance may hold, in MiB. By default 256.
    pub memory_mb: u64,
    /// Largest result a call may return, in bytes; a larger one is `output_too_large`.
    /// By default 1 MiB.
    pub max_output_bytes: usize,
    /// Largest captured log (stdout, stderr and `host.log`), in bytes; the rest is dropped and
    /// the log marked truncated. By default 64 KiB.
    pub max_log_bytes: usize,
    /// Most elements a table may hold. By default 100 000.
    pub max_table_elements: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout_ms: 10_000,
            fuel: 10_000_000_000,
            memory_mb: 256,
            max_output_bytes: 1 << 20,
            max_log_bytes: 64 << 10,
            max_table_elements: 100_000,
        }
    }
}

impl Limits {
    /// The call deadline as a duration.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }

    /// The memory cap in bytes.
    pub fn memory_bytes(&self) -> usize {
        usize::try_from(self.memory_mb.saturating_mul(1 << 20)).unwrap_or(usize::MAX)
    }
}

/// Which cap a call ran into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitHit {
    /// A memory grow (or the initial allocation) that would pass the memory cap was refused.
    Memory {
        /// The total the instance asked for, in bytes.
        requested: usize,
    },
    /// A table grow past the element cap was refused.
    Table {
        /// The elements asked for.
        requested: usize,
    },
}

/// Caps an instance's total linear memory and table sizes, and records the first refusal.
///
/// A refused grow is reported to the guest as a failed `memory.grow` (-1), like an
/// allocator running out of memory; the guest may recover. When it does not, the call's trap
/// is classified as `memory_limit` from the recorded hit rather than from error text.
#[derive(Debug)]
pub struct Limiter {
    memory_cap: usize,
    memory_used: usize,
    table_cap: usize,
    hit: Option<LimitHit>,
}

impl Limiter {
    /// A limiter for `limits`.
    pub fn new(limits: &Limits) -> Self {
        Self {
            memory_cap: limits.memory_bytes(),
            memory_used: 0,
            table_cap: limits.max_table_elements,
            hit: None,
        }
    }

    /// The first cap the call ran into, if any.
    pub fn hit(&self) -> Option<LimitHit> {
        self.hit
    }
}

impl wasmtime::ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let total = self.memory_used - current.min(self.memory_used) + desired;
        if total > self.memory_cap {
            self.hit
                .get_or_insert(LimitHit::Memory { requested: total });
            return Ok(false);
        }
        self.memory_used = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.table_cap {
            self.hit
                .get_or_insert(LimitHit::Table { requested: desired });
            return Ok(false);
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        // Language runtimes plus the WASI adapter: a few core instances per component.
        64
    }

    fn tables(&self) -> usize {
        64
    }

    fn memories(&self) -> usize {
        8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::ResourceLimiter;

    #[test]
    fn memory_cap_counts_every_memory_of_the_instance() {
        let mut limiter = Limiter::new(&Limits {
            memory_mb: 1,
            ..Limits::default()
        });
        assert!(limiter.memory_growing(0, 600 << 10, None).unwrap());
        assert!(!limiter.memory_growing(0, 600 << 10, None).unwrap());
        assert_eq!(
            limiter.hit(),
            Some(LimitHit::Memory {
                requested: 1200 << 10
            })
        );
    }

    #[test]
    fn growing_one_memory_counts_only_the_difference() {
        let mut limiter = Limiter::new(&Limits {
            memory_mb: 1,
            ..Limits::default()
        });
        assert!(limiter.memory_growing(0, 512 << 10, None).unwrap());
        assert!(limiter.memory_growing(512 << 10, 1 << 20, None).unwrap());
        assert!(limiter.hit().is_none());
    }
}
