//! The same conformance cases against the conformance plugin of every guest language: the
//! contract works, `spin` and `sleep` are stopped at the deadline in every runtime
//! (SpiderMonkey, CPython, the Go runtime, …), running out of memory is `memory_limit`,
//! and `env`/`read` are denied without a grant and work with one.
//!
//! The plugins are built by `cargo xtask plugins` (scripts/test runs it first). A missing
//! one is skipped with a message locally and fails under `WASMCREW_REQUIRE_ALL_PLUGINS`
//! (set by CI), where every toolchain is installed.

mod support;

use std::path::{Path, PathBuf};

use wasmcrew::sandbox::{Capabilities, DirGrant, DirMode};
use wasmcrew::{Engine, Manifest, Outcome, Plugin};

const TOOLS: [&str; 8] = [
    "echo", "fail", "spin", "sleep", "alloc", "log", "env", "read",
];

fn component(language: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plugins/out")
        .join(language)
        .join("conformance.wasm");
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var_os("WASMCREW_REQUIRE_ALL_PLUGINS").is_none(),
        "{} is missing: every guest must be built here",
        path.display()
    );
    eprintln!(
        "skipping {language}: {} is not built (cargo xtask plugins)",
        path.display()
    );
    None
}

/// One engine for the whole suite, with a compile cache that outlives test runs: the
/// Python and JavaScript components take seconds to compile.
fn engine() -> Engine {
    support::engine(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("compile-cache"))
}

async fn load(engine: &Engine, path: &Path, edit: impl FnOnce(&mut Manifest)) -> Plugin {
    let mut manifest = Manifest::default();
    manifest.limits.timeout_ms = 500;
    edit(&mut manifest);
    Plugin::load_with(engine, path, manifest)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Calls `tool`, checks the next call on the same plugin still works, and returns the
/// first call's outcome.
async fn call(plugin: &Plugin, tool: &str, arguments: &str) -> Outcome {
    let report = plugin.call(tool, arguments).await.unwrap();
    let next = plugin.call("echo", r#"{"still":"here"}"#).await.unwrap();
    assert!(next.outcome.is_ok(), "after {tool}: {:?}", next.outcome);
    report.outcome
}

async fn conformance(language: &str) {
    let Some(path) = component(language) else {
        return;
    };
    let engine = engine();
    let plugin = load(&engine, &path, |_| {}).await;
    let names: Vec<&str> = plugin
        .tools()
        .iter()
        .map(|t| t.info().name.as_str())
        .collect();
    assert_eq!(names, TOOLS, "{language}");

    let echoed = call(&plugin, "echo", r#"{"a":[1,2],"b":"ü"}"#).await;
    let Outcome::Ok(text) = &echoed else {
        panic!("{language} echo: {echoed:?}")
    };
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(
        value,
        serde_json::json!({"a": [1, 2], "b": "ü"}),
        "{language}"
    );

    assert_eq!(
        call(&plugin, "fail", "{}").await,
        Outcome::ToolError("failed on purpose".into()),
        "{language}"
    );
    assert_eq!(
        call(&plugin, "spin", "{}").await,
        Outcome::Timeout,
        "{language} spin"
    );
    assert_eq!(
        call(&plugin, "sleep", r#"{"seconds":3600}"#).await,
        Outcome::Timeout,
        "{language} sleep"
    );

    let small = call(&plugin, "alloc", r#"{"mb":1}"#).await;
    assert!(
        matches!(&small, Outcome::Ok(t) if t.starts_with("allocated")),
        "{language}: {small:?}"
    );
    let capped = load(&engine, &path, |m| m.limits.memory_mb = 100).await;
    let bomb = call(&capped, "alloc", r#"{"mb":512}"#).await;
    assert!(
        matches!(bomb, Outcome::MemoryLimit(_)),
        "{language} alloc: {bomb:?}"
    );

    let report = plugin.call("log", "{}").await.unwrap();
    assert_eq!(report.outcome, Outcome::Ok("logged".into()), "{language}");
    assert!(
        report
            .log
            .iter()
            .any(|l| l.source.name() == "info" && l.message == format!("hello from {language}")),
        "{language}: {:?}",
        report.log
    );

    let env = r#"{"name":"HOME"}"#;
    assert_eq!(
        call(&plugin, "env", env).await,
        Outcome::ToolError("HOME is not set".into()),
        "{language}: env must be denied without a grant"
    );
    let granted = load(&engine, &path, |m| m.capabilities.env = vec!["HOME".into()]).await;
    assert_eq!(
        call(&granted, "env", env).await,
        Outcome::Ok(std::env::var("HOME").unwrap()),
        "{language}"
    );

    let data = tempfile::tempdir().unwrap();
    std::fs::write(data.path().join("file.txt"), format!("read by {language}")).unwrap();
    let read = r#"{"path":"/data/file.txt"}"#;
    let denied = call(&plugin, "read", read).await;
    assert!(
        matches!(&denied, Outcome::ToolError(m) if m.starts_with("cannot read")),
        "{language}: read must be denied without a preopen: {denied:?}"
    );
    let granted = load(&engine, &path, |m| {
        m.capabilities.extend(Capabilities {
            dirs: vec![DirGrant {
                host: data.path().to_path_buf(),
                guest: "/data".into(),
                mode: DirMode::ReadOnly,
            }],
            ..Capabilities::default()
        })
    })
    .await;
    assert_eq!(
        call(&granted, "read", read).await,
        Outcome::Ok(format!("read by {language}")),
        "{language}"
    );

    let counters = engine.counters();
    assert_eq!((counters.calls_in_flight(), counters.live_stores()), (0, 0));
}

#[tokio::test]
async fn wat() {
    conformance("wat").await;
}

#[tokio::test]
async fn rust() {
    conformance("rust").await;
}

#[tokio::test]
async fn c() {
    conformance("c").await;
}

#[tokio::test]
async fn go() {
    conformance("go").await;
}

#[tokio::test]
async fn python() {
    conformance("python").await;
}

#[tokio::test]
async fn javascript() {
    conformance("javascript").await;
}
