//! The one shared wasmtime [`Engine`]: its configuration, the epoch ticker and the compile
//! cache.
//!
//! Every plugin of a process shares one engine: compiled code, the pooling allocator's slots
//! and the ticker thread are per engine, so a second engine per plugin would multiply them
//! (a mistake seen in peers).

mod cache;
mod ticker;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::Component;
use wasmtime::{Config, InstanceAllocationStrategy, PoolingAllocationConfig};

pub use cache::{CacheStats, CompileCache};
use ticker::Ticker;

use crate::counters::Counters;

/// How the engine is configured. `Default` is what the CLI and crews use.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// Interval of the epoch ticker. A spinning guest is interrupted (or yields to tokio) at
    /// the first tick after its deadline, so this bounds kill latency.
    /// By default 1 ms.
    pub epoch_tick: Duration,
    /// Epoch interruption (cheap, not deterministic). Without it a guest spinning in wasm can
    /// neither be interrupted nor yield, so deadlines only stop guests blocked in host calls.
    /// By default on.
    pub epochs: bool,
    /// Fuel metering (deterministic, costs CPU: about 2× on tight loops). When off the `fuel`
    /// limit of manifests is ignored. By default on.
    pub fuel: bool,
    /// Instance slots of the pooling allocator, i.e. the most tool calls that can be live at
    /// once; `None` uses on-demand allocation (slower per call, no up-front reservation).
    /// By default `Some(1000)`.
    pub pool_instances: Option<u32>,
    /// Directory of the compile cache; `None` disables it.
    /// By default `$WASMCREW_CACHE_DIR`, else `$XDG_CACHE_HOME/wasmcrew`, else `~/.cache/wasmcrew`.
    pub cache_dir: Option<PathBuf>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            epoch_tick: Duration::from_millis(1),
            epochs: true,
            fuel: true,
            pool_instances: Some(1000),
            cache_dir: default_cache_dir(),
        }
    }
}

fn default_cache_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("WASMCREW_CACHE_DIR") {
        return Some(PathBuf::from(dir));
    }
    directories::BaseDirs::new().map(|d| d.cache_dir().join("wasmcrew"))
}

/// Errors creating an engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// wasmtime rejected the configuration (e.g. the pool cannot be reserved).
    #[error("cannot configure the wasmtime engine: {0}")]
    Config(String),
    /// The cache directory cannot be created.
    #[error("cannot create the compile cache at {path}: {source}")]
    Cache {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// The shared engine; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    wasmtime: wasmtime::Engine,
    options: EngineOptions,
    cache: Option<CompileCache>,
    counters: Counters,
    _ticker: Option<Ticker>,
}

impl Engine {
    /// Creates an engine and, when epochs are on, starts its ticker thread (stopped when the
    /// last clone of the engine drops).
    pub fn new(options: EngineOptions) -> Result<Self, EngineError> {
        let mut config = Config::new();
        config
            .epoch_interruption(options.epochs)
            .consume_fuel(options.fuel)
            .wasm_backtrace_max_frames(std::num::NonZeroUsize::new(32));
        if let Some(instances) = options.pool_instances {
            config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling(instances)));
        }
        let wasmtime =
            wasmtime::Engine::new(&config).map_err(|e| EngineError::Config(format!("{e:#}")))?;
        let cache =
            match &options.cache_dir {
                Some(dir) => Some(CompileCache::open(dir, &wasmtime).map_err(|source| {
                    EngineError::Cache {
                        path: dir.clone(),
                        source,
                    }
                })?),
                None => None,
            };
        let ticker = options
            .epochs
            .then(|| Ticker::start(wasmtime.clone(), options.epoch_tick));
        Ok(Self {
            inner: Arc::new(Inner {
                wasmtime,
                options,
                cache,
                counters: Counters::default(),
                _ticker: ticker,
            }),
        })
    }

    /// The wasmtime engine underneath.
    pub fn wasmtime(&self) -> &wasmtime::Engine {
        &self.inner.wasmtime
    }

    /// The options this engine was created with.
    pub fn options(&self) -> &EngineOptions {
        &self.inner.options
    }

    /// Calls in flight and live stores of every plugin on this engine.
    pub fn counters(&self) -> &Counters {
        &self.inner.counters
    }

    /// The compile cache, if enabled.
    pub fn cache(&self) -> Option<&CompileCache> {
        self.inner.cache.as_ref()
    }

    /// Compiles the component at `path`, or maps it from the compile cache.
    ///
    /// `bytes` must be the file's contents; they are only hashed and compiled on a cache miss.
    pub(crate) fn component(
        &self,
        path: &Path,
        bytes: impl FnOnce() -> std::io::Result<Vec<u8>>,
    ) -> anyhow::Result<Component> {
        match &self.inner.cache {
            Some(cache) => cache.component(&self.inner.wasmtime, path, bytes),
            None => Component::new(&self.inner.wasmtime, bytes()?).map_err(anyhow::Error::from),
        }
    }
}

/// The pooling allocator's configuration for `instances` concurrent component instances.
/// Components built by language toolchains hold several core instances, memories and
/// tables each (the WASI adapter, the language runtime), hence the multipliers. Public so
/// the benchmarks' bare-wasmtime floor runs on exactly the same pool.
pub fn pooling(instances: u32) -> PoolingAllocationConfig {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(instances)
        .total_core_instances(instances * 4)
        .total_memories(instances * 2)
        .total_tables(instances * 4)
        .total_stacks(instances)
        .max_core_instances_per_component(64)
        .max_memories_per_component(8)
        .max_tables_per_component(32)
        .table_elements(100_000)
        .max_core_instance_size(4 << 20)
        .max_component_instance_size(4 << 20)
        // Reset a freed slot's first pages with memset rather than handing them back to the
        // kernel: most tool calls touch little memory, and the madvise round trip is a
        // large part of a small call.
        .linear_memory_keep_resident(256 << 10)
        .table_keep_resident(64 << 10);
    pool
}
