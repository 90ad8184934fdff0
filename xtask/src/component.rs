//! Turning a core module into a wasmcrew plugin component with `wit-component`.

use std::path::Path;

use anyhow::Context as _;
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::Resolve;

/// The WASI preview-1 adapter for reactor modules (C and Go guests).
pub const REACTOR_ADAPTER: &[u8] =
    wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER;

/// The WIT world every plugin implements.
pub const WORLD: &str = "wasmcrew:plugin/plugin@0.1.0";

/// Which WIT world a module implements: the plugin world itself, or a plugin's own
/// `world.wit` staged with the contract as a dependency (for guests that import WASI
/// interfaces directly).
pub enum World<'a> {
    /// `wasmcrew:plugin/plugin`.
    Plugin,
    /// The world named in the staged WIT directory.
    Staged {
        /// The staged directory.
        wit: &'a Path,
        /// The world's name.
        name: &'a str,
    },
}

/// Embeds `world` into `module` and encodes it as a component; `adapter` is the WASI
/// preview1 adapter for modules built against wasip1.
pub fn componentize(
    module: &[u8],
    world: World<'_>,
    adapter: Option<&[u8]>,
) -> anyhow::Result<Vec<u8>> {
    let mut module = module.to_vec();
    let mut resolve = Resolve::default();
    let (dir, name) = match world {
        World::Plugin => (crate::root().join("wit"), WORLD),
        World::Staged { wit, name } => (wit.to_path_buf(), name),
    };
    let (pkg, _) = resolve.push_dir(&dir)?;
    let world = resolve.select_world(&[pkg], Some(name))?;
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        StringEncoding::UTF8,
        false,
    )?;
    let mut encoder = ComponentEncoder::default();
    encoder.validate(true).module(&module)?;
    if let Some(adapter) = adapter {
        encoder.adapter("wasi_snapshot_preview1", adapter)?;
    }
    encoder.encode().context("encoding the component")
}

/// Writes `bytes` to `out` through a temporary file, so a failed build leaves no output.
pub fn write(out: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let tmp = out.with_extension("wasm.tmp");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, out)?;
    Ok(())
}
