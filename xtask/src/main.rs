//! `cargo xtask plugins [--require-all] [NAME...]`: builds every plugin under `plugins/`
//! whose toolchain is present into `plugins/out/<language>/<plugin>.wasm`, and says which it
//! skipped and why. With `--require-all` (what CI uses) a missing toolchain is an error.
//!
//! Builds are incremental: a plugin whose output is newer than all of its sources and the
//! WIT contract is not rebuilt.

mod component;
mod languages;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{Context as _, bail};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("plugins") => build_plugins(&args[1..]),
        _ => bail!("usage: cargo xtask plugins [--require-all] [LANGUAGE | LANGUAGE/PLUGIN ...]"),
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn build_plugins(args: &[String]) -> anyhow::Result<()> {
    let require_all = args.iter().any(|a| a == "--require-all");
    let only: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let root = root();
    let mut skipped = Vec::new();
    let mut failed = Vec::new();
    for language in languages::ALL {
        let dir = root.join("plugins").join(language.name);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut plugins: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir() && language.is_plugin(p))
            .filter(|p| {
                only.is_empty()
                    || only
                        .iter()
                        .any(|o| *o == language.name || p.ends_with(o.as_str()))
            })
            .collect();
        plugins.sort();
        if plugins.is_empty() {
            continue;
        }
        if let Err(why) = (language.toolchain)() {
            for p in &plugins {
                skipped.push(format!("{}/{}: {why}", language.name, name_of(p)));
            }
            continue;
        }
        let out_dir = root.join("plugins/out").join(language.name);
        std::fs::create_dir_all(&out_dir)?;
        for src in plugins {
            let name = name_of(&src);
            let out = out_dir.join(format!("{name}.wasm"));
            if up_to_date(&out, &[&src, &root.join("wit")])? {
                println!("fresh    {}/{name}", language.name);
            } else {
                let start = std::time::Instant::now();
                match (language.build)(&src, &out)
                    .with_context(|| format!("building plugins/{}/{name}", language.name))
                {
                    Ok(()) => println!(
                        "built    {}/{name} ({:.1}s)",
                        language.name,
                        start.elapsed().as_secs_f64()
                    ),
                    Err(e) => {
                        eprintln!("FAILED   {}/{name}: {e:#}", language.name);
                        failed.push(format!("{}/{name}", language.name));
                        continue;
                    }
                }
            }
            let manifest = src.join(format!("{name}.toml"));
            if manifest.exists() {
                std::fs::copy(&manifest, out.with_extension("toml"))?;
            }
        }
    }
    for s in &skipped {
        println!("skipped  {s}");
    }
    if !failed.is_empty() {
        bail!(
            "{} plugin(s) failed to build: {}",
            failed.len(),
            failed.join(", ")
        );
    }
    if require_all && !skipped.is_empty() {
        bail!(
            "--require-all: {} plugin(s) skipped for a missing toolchain",
            skipped.len()
        );
    }
    Ok(())
}

fn name_of(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

/// Whether `out` is newer than every file under `inputs` (build outputs and dependency
/// folders excluded).
fn up_to_date(out: &Path, inputs: &[&Path]) -> anyhow::Result<bool> {
    let Ok(built) = std::fs::metadata(out).and_then(|m| m.modified()) else {
        return Ok(false);
    };
    Ok(inputs.iter().all(|dir| newest(dir) <= built))
}

fn newest(path: &Path) -> SystemTime {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return SystemTime::UNIX_EPOCH;
    };
    if !meta.is_dir() {
        return meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
    }
    let skip = [
        "target",
        "node_modules",
        "out",
        "bindings",
        "__pycache__",
        "gen",
    ];
    std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| !skip.contains(&e.file_name().to_string_lossy().as_ref()))
        .map(|e| newest(&e.path()))
        .max()
        .unwrap_or(SystemTime::UNIX_EPOCH)
}
