//! Turning a core module into a wasmcrew plugin component with `wit-component`.

use std::path::Path;

use anyhow::Context as _;
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::Resolve;

/// The WIT world every plugin implements.
pub const WORLD: &str = "wasmcrew:plugin/plugin@0.1.0";

/// Embeds the plugin world into `module` (unless it already carries component-type
/// metadata) and encodes it as a component; `adapter` is the WASI preview1 adapter for
/// modules built against wasip1.
pub fn componentize(module: &[u8], adapter: Option<&[u8]>) -> anyhow::Result<Vec<u8>> {
    let mut module = module.to_vec();
    let mut resolve = Resolve::default();
    let (pkg, _) = resolve.push_dir(crate::root().join("wit"))?;
    let world = resolve.select_world(&[pkg], Some(WORLD))?;
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
