//! Counters that prove nothing outlives a call: calls in flight and live wasmtime stores.
//!
//! Each counter is moved by a guard whose `Drop` undoes the increment, so a call that is
//! cancelled by dropping its future, or a store that is dropped while a guest is suspended,
//! is still counted out.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Shared counters of one [`crate::Engine`]; cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Counters {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    calls_in_flight: AtomicUsize,
    live_stores: AtomicUsize,
    calls_total: AtomicUsize,
}

impl Counters {
    /// Tool calls that have started and not yet returned or been dropped.
    pub fn calls_in_flight(&self) -> usize {
        self.inner.calls_in_flight.load(Ordering::SeqCst)
    }

    /// wasmtime stores (one per call, plus one per plugin load) not yet dropped.
    pub fn live_stores(&self) -> usize {
        self.inner.live_stores.load(Ordering::SeqCst)
    }

    /// Tool calls started since the engine was created.
    pub fn calls_total(&self) -> usize {
        self.inner.calls_total.load(Ordering::SeqCst)
    }

    /// Counts a call in until the returned guard drops.
    pub(crate) fn call_started(&self) -> CountGuard {
        self.inner.calls_total.fetch_add(1, Ordering::SeqCst);
        CountGuard::new(self.clone(), |c| &c.calls_in_flight)
    }

    /// Counts a store in until the returned guard (kept in the store's data) drops.
    pub(crate) fn store_created(&self) -> CountGuard {
        CountGuard::new(self.clone(), |c| &c.live_stores)
    }
}

/// Decrements the counter it incremented when dropped.
#[derive(Debug)]
pub(crate) struct CountGuard {
    counters: Counters,
    field: fn(&Inner) -> &AtomicUsize,
}

impl CountGuard {
    fn new(counters: Counters, field: fn(&Inner) -> &AtomicUsize) -> Self {
        field(&counters.inner).fetch_add(1, Ordering::SeqCst);
        Self { counters, field }
    }
}

impl Drop for CountGuard {
    fn drop(&mut self) {
        (self.field)(&self.counters.inner).fetch_sub(1, Ordering::SeqCst);
    }
}
