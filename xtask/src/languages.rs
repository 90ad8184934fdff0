//! How each guest language is built. A toolchain check returns why it is unusable.

use std::path::Path;

use anyhow::Context as _;

use crate::component;

/// One guest language.
pub struct Language {
    /// Folder name under `plugins/`.
    pub name: &'static str,
    /// `Ok` if the toolchain is usable, else why not.
    pub toolchain: fn() -> Result<(), String>,
    /// Builds the plugin in the source folder into the output component.
    pub build: fn(&Path, &Path) -> anyhow::Result<()>,
}

/// Every supported language, in build order.
pub const ALL: &[Language] = &[Language {
    name: "wat",
    toolchain: || Ok(()),
    build: build_wat,
}];

/// WAT: `<name>.wat` in the folder, parsed and componentized in-process.
fn build_wat(src: &Path, out: &Path) -> anyhow::Result<()> {
    let name = src.file_name().unwrap().to_string_lossy();
    let wat = src.join(format!("{name}.wat"));
    let module = wat::parse_file(&wat).with_context(|| format!("parsing {}", wat.display()))?;
    component::write(out, &component::componentize(&module, None)?)
}
