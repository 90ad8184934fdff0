//! The `wasmcrew` binary: output formats and exit statuses (0 ok, 1 other outcome, 2 usage or
//! load error).

mod support;

use std::path::Path;
use std::process::{Command, Output};

fn wasmcrew(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmcrew"))
        .args(args)
        .env("WASMCREW_CACHE_DIR", cache)
        .output()
        .expect("running wasmcrew")
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: stdout {:?} stderr {:?}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

#[test]
fn inspect_lists_tools_with_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let plugin = support::write_plugin(dir.path(), "tools", &support::test_plugin(), None);
    let plugin = plugin.to_str().unwrap();
    let cache = dir.path().join("cache");

    let out = wasmcrew(&cache, &["tool", "inspect", plugin, "--json"]);
    assert!(out.status.success());
    let doc = json(&out);
    assert_eq!(doc["tools"][0]["name"], "echo");
    assert_eq!(doc["tools"][0]["parameters"]["required"][0], "text");

    let out = wasmcrew(&cache, &["tool", "inspect", plugin]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("echo\n  Returns its arguments."), "{text}");
}

#[test]
fn call_prints_outcome_and_exits_by_it() {
    let dir = tempfile::tempdir().unwrap();
    let plugin = support::write_plugin(dir.path(), "tools", &support::test_plugin(), None);
    let plugin = plugin.to_str().unwrap();
    let cache = dir.path().join("cache");

    let out = wasmcrew(
        &cache,
        &["tool", "call", plugin, "echo", r#"{"text":"hi"}"#, "--json"],
    );
    assert_eq!(out.status.code(), Some(0));
    let doc = json(&out);
    assert_eq!(doc["outcome"], "ok");
    assert_eq!(doc["output"], r#"{"text":"hi"}"#);
    assert!(doc["duration_ms"].as_f64().unwrap() > 0.0);
    assert!(doc["fuel_used"].as_u64().unwrap() > 0);

    let out = wasmcrew(
        &cache,
        &["tool", "call", plugin, "echo", r#"{"text":"plain"}"#],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"text\":\"plain\"}\n"
    );

    let out = wasmcrew(
        &cache,
        &[
            "tool",
            "call",
            plugin,
            "spin",
            "{}",
            "--timeout-ms",
            "100",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["outcome"], "timeout");

    let out = wasmcrew(
        &cache,
        &["tool", "call", plugin, "burn", "--fuel", "1000", "--json"],
    );
    assert_eq!(json(&out)["outcome"], "out_of_fuel");
}

#[test]
fn grants_on_the_command_line_reach_the_guest() {
    let dir = tempfile::tempdir().unwrap();
    let plugin = support::write_plugin(dir.path(), "tools", &support::test_plugin(), None);
    let plugin = plugin.to_str().unwrap();
    let cache = dir.path().join("cache");
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("data.txt"), "from the cli").unwrap();
    let grant = format!("{}:/data:ro", data.display());

    let out = wasmcrew(
        &cache,
        &["tool", "call", plugin, "read", "--dir", &grant, "--json"],
    );
    assert_eq!(json(&out)["output"], "from the cli");
    let out = wasmcrew(
        &cache,
        &["tool", "call", plugin, "env", "--env", "HOME", "--json"],
    );
    assert_eq!(json(&out)["output"], std::env::var("HOME").unwrap());
    let out = wasmcrew(&cache, &["tool", "call", plugin, "env", "--json"]);
    assert_eq!(json(&out)["outcome"], "tool_error");
}

#[test]
fn usage_and_load_errors_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let garbage = dir.path().join("garbage.wasm");
    std::fs::write(&garbage, "not wasm").unwrap();

    let out = wasmcrew(&cache, &["tool", "call", garbage.to_str().unwrap(), "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a WebAssembly file"));

    let out = wasmcrew(&cache, &["tool", "call"]);
    assert_eq!(out.status.code(), Some(2));

    let out = wasmcrew(
        &cache,
        &["tool", "call", "x.wasm", "t", "--allow-host", "http://x"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a URL"));

    let plugin = support::write_plugin(dir.path(), "tools", &support::test_plugin(), None);
    let out = wasmcrew(&cache, &["tool", "call", plugin.to_str().unwrap(), "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no tool `nope`"));
}
