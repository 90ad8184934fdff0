//! The on-disk compile cache.
//!
//! Artefacts are keyed by the SHA-256 of the component and a hash of the engine
//! configuration, so an artefact is never loaded into an engine that compiled it differently.
//! Hashing a large component (18 MB for a Python guest) costs more than mapping its artefact,
//! so a second, cheap key — the file's canonical path, size and modification time — points
//! at the content key and lets a warm load skip reading the component at all.
//!
//! Files are written to a temporary name and renamed into place, so concurrent loads and
//! crashes never leave a torn artefact behind.

use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::UNIX_EPOCH;

use sha2::{Digest, Sha256};
use wasmtime::component::Component;

/// A directory of precompiled components for one engine configuration.
#[derive(Debug)]
pub struct CompileCache {
    dir: PathBuf,
    engine_key: String,
    stats: Stats,
}

#[derive(Debug, Default)]
struct Stats {
    hits: AtomicU64,
    misses: AtomicU64,
}

/// Hits and misses since the cache was opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheStats {
    /// Loads served from an artefact.
    pub hits: u64,
    /// Loads that compiled.
    pub misses: u64,
}

impl CompileCache {
    /// Opens (creating if needed) the cache in `dir` for `engine`'s configuration.
    pub fn open(dir: &Path, engine: &wasmtime::Engine) -> io::Result<Self> {
        std::fs::create_dir_all(dir.join("by-path"))?;
        let mut hasher = std::hash::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        Ok(Self {
            dir: dir.to_path_buf(),
            engine_key: format!("{:016x}", hasher.finish()),
            stats: Stats::default(),
        })
    }

    /// Hits and misses so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.stats.hits.load(Ordering::Relaxed),
            misses: self.stats.misses.load(Ordering::Relaxed),
        }
    }

    pub(super) fn component(
        &self,
        engine: &wasmtime::Engine,
        path: &Path,
        bytes: impl FnOnce() -> io::Result<Vec<u8>>,
    ) -> anyhow::Result<Component> {
        let path_key = self.path_key(path);
        if let Some(artefact) = path_key
            .as_ref()
            .and_then(|k| std::fs::read_to_string(k).ok())
            .map(|content_key| self.artefact(content_key.trim()))
            && let Some(component) = self.deserialize(engine, &artefact)
        {
            return Ok(component);
        }

        let bytes = bytes()?;
        let content_key = format!("{:x}", Sha256::digest(&bytes));
        let artefact = self.artefact(&content_key);
        let component = match self.deserialize(engine, &artefact) {
            Some(component) => component,
            None => {
                self.stats.misses.fetch_add(1, Ordering::Relaxed);
                let compiled = engine.precompile_component(&bytes)?;
                if let Err(e) = write_atomically(&artefact, &compiled) {
                    // The cache only saves time: a load never fails because of it.
                    tracing::warn!("cannot write {}: {e}", artefact.display());
                }
                // SAFETY: `compiled` was produced just now by this engine.
                unsafe { Component::deserialize(engine, &compiled)? }
            }
        };
        if let Some(path_key) = path_key {
            // A failure here only costs the next load a hash.
            let _ = write_atomically(&path_key, content_key.as_bytes());
        }
        Ok(component)
    }

    fn artefact(&self, content_key: &str) -> PathBuf {
        self.dir
            .join(format!("{content_key}-{}.cwasm", self.engine_key))
    }

    /// The index file for `path` as it is now (canonical path, size, mtime), if it can be
    /// stat'ed.
    fn path_key(&self, path: &Path) -> Option<PathBuf> {
        let canonical = path.canonicalize().ok()?;
        let meta = std::fs::metadata(&canonical).ok()?;
        let mtime = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        let mut hasher = Sha256::new();
        hasher.update(canonical.as_os_str().as_encoded_bytes());
        hasher.update(meta.len().to_le_bytes());
        hasher.update(mtime.as_nanos().to_le_bytes());
        Some(
            self.dir
                .join("by-path")
                .join(format!("{:x}-{}", hasher.finalize(), self.engine_key)),
        )
    }

    fn deserialize(&self, engine: &wasmtime::Engine, artefact: &Path) -> Option<Component> {
        // SAFETY: artefacts in this directory are written only by `component` above, from this
        // engine configuration (the key includes its compatibility hash), and renamed into
        // place whole; wasmtime checks the header and configuration again on load.
        let component = unsafe { Component::deserialize_file(engine, artefact) }.ok()?;
        self.stats.hits.fetch_add(1, Ordering::Relaxed);
        Some(component)
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static UNIQUE: AtomicU64 = AtomicU64::new(0);
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{}-{n}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}
