//! The `wasmcrew` binary: output formats and exit statuses (0 ok, 1 other outcome, 2 usage or
//! load error).

mod support;

use std::path::Path;
use std::process::{Command, Output};

/// Runs the binary with a compile cache shared by every test run (the example crews load
/// the Python and JavaScript plugins, which take seconds to compile).
fn wasmcrew(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmcrew"))
        .args(args)
        .env("WASMCREW_CACHE_DIR", shared_cache())
        .output()
        .expect("running wasmcrew")
}

fn shared_cache() -> std::path::PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("compile-cache")
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

    let out = wasmcrew(&["tool", "inspect", plugin, "--json"]);
    assert!(out.status.success());
    let doc = json(&out);
    assert_eq!(doc["tools"][0]["name"], "echo");
    assert_eq!(doc["tools"][0]["parameters"]["required"][0], "text");

    let out = wasmcrew(&["tool", "inspect", plugin]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("echo\n  Returns its arguments."), "{text}");
}

#[test]
fn call_prints_outcome_and_exits_by_it() {
    let dir = tempfile::tempdir().unwrap();
    let plugin = support::write_plugin(dir.path(), "tools", &support::test_plugin(), None);
    let plugin = plugin.to_str().unwrap();

    let out = wasmcrew(&["tool", "call", plugin, "echo", r#"{"text":"hi"}"#, "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let doc = json(&out);
    assert_eq!(doc["outcome"], "ok");
    assert_eq!(doc["output"], r#"{"text":"hi"}"#);
    assert!(doc["duration_ms"].as_f64().unwrap() > 0.0);
    assert!(doc["fuel_used"].as_u64().unwrap() > 0);

    let out = wasmcrew(&["tool", "call", plugin, "echo", r#"{"text":"plain"}"#]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"text\":\"plain\"}\n"
    );

    let out = wasmcrew(&[
        "tool",
        "call",
        plugin,
        "spin",
        "{}",
        "--timeout-ms",
        "100",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["outcome"], "timeout");

    let out = wasmcrew(&["tool", "call", plugin, "burn", "--fuel", "1000", "--json"]);
    assert_eq!(json(&out)["outcome"], "out_of_fuel");
}

#[test]
fn grants_on_the_command_line_reach_the_guest() {
    let dir = tempfile::tempdir().unwrap();
    let plugin = support::write_plugin(dir.path(), "tools", &support::test_plugin(), None);
    let plugin = plugin.to_str().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("data.txt"), "from the cli").unwrap();
    let grant = format!("{}:/data:ro", data.display());

    let out = wasmcrew(&["tool", "call", plugin, "read", "--dir", &grant, "--json"]);
    assert_eq!(json(&out)["output"], "from the cli");
    let out = wasmcrew(&["tool", "call", plugin, "env", "--env", "HOME", "--json"]);
    assert_eq!(json(&out)["output"], std::env::var("HOME").unwrap());
    let out = wasmcrew(&["tool", "call", plugin, "env", "--json"]);
    assert_eq!(json(&out)["outcome"], "tool_error");
}

#[test]
fn usage_and_load_errors_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.wasm");
    std::fs::write(&garbage, "not wasm").unwrap();

    let out = wasmcrew(&["tool", "call", garbage.to_str().unwrap(), "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a WebAssembly file"));

    let out = wasmcrew(&["tool", "call"]);
    assert_eq!(out.status.code(), Some(2));

    let out = wasmcrew(&["tool", "call", "x.wasm", "t", "--allow-host", "http://x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a URL"));

    let plugin = support::write_plugin(dir.path(), "tools", &support::test_plugin(), None);
    let out = wasmcrew(&["tool", "call", plugin.to_str().unwrap(), "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no tool `nope`"));
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn run_prints_the_answer_and_exits_0() {
    let out = wasmcrew(&[
        "run",
        &example("triage"),
        "--offline",
        "--input",
        "the API is down",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("confirmed a degradation"));
    let progress = String::from_utf8_lossy(&out.stderr);
    assert!(
        progress.contains("parallel group diagnostics"),
        "{progress}"
    );
    for tool in ["find", "time_diff", "hash"] {
        assert!(progress.contains(&format!("{tool} → ok")), "{progress}");
    }
}

#[test]
fn run_json_prints_one_event_per_line_ending_with_done() {
    let out = wasmcrew(&[
        "run",
        &example("triage"),
        "--offline",
        "--json",
        "--input",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events[0]["type"], "run_start");
    let last = events.last().unwrap();
    assert_eq!(
        (last["type"].as_str(), last["ok"].as_bool()),
        (Some("done"), Some(true))
    );
    for kind in [
        "handoff",
        "parallel_start",
        "parallel_end",
        "tool_start",
        "tool_result",
    ] {
        assert!(events.iter().any(|e| e["type"] == kind), "no {kind} event");
    }
}

#[test]
fn a_recorded_run_replays_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("run.jsonl");
    let recording = recording.to_str().unwrap();
    let crew = example("research");
    let first = wasmcrew(&[
        "run",
        &crew,
        "--offline",
        "--record",
        recording,
        "--input",
        "topic",
    ]);
    assert_eq!(first.status.code(), Some(0));
    let lines = std::fs::read_to_string(recording).unwrap();
    let kinds: Vec<String> = lines
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["kind"].to_string())
        .collect();
    assert_eq!(
        kinds,
        [
            "\"llm\"", "\"tool\"", "\"tool\"", "\"tool\"", "\"llm\"", "\"llm\""
        ]
    );

    let replayed = wasmcrew(&["run", &crew, "--replay", recording, "--input", "topic"]);
    assert_eq!(replayed.status.code(), Some(0));
    assert_eq!(replayed.stdout, first.stdout);
}

#[test]
fn a_bad_crew_exits_2_and_a_failed_run_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = wasmcrew(&["run", dir.path().to_str().unwrap(), "--input", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no crew.yaml"));

    // An LLM endpoint where nothing listens: the run fails after its retries.
    let unused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", unused.local_addr().unwrap());
    drop(unused);
    let crew = dir.path().join("crew.yaml");
    std::fs::write(
        &crew,
        format!(
            "version: '1'\nentry_point: a\nagents: [{{id: a}}]\nllm: {{ base_url: '{url}', max_retries: 0 }}\n"
        ),
    )
    .unwrap();
    let out = wasmcrew(&["run", crew.to_str().unwrap(), "--input", "x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach the LLM"));
}

#[test]
fn openai_environment_variables_are_honoured_like_the_sdks() {
    let llm = support::llm::MockLlm::start(|_, _| support::llm::Reply::Text("from the env".into()));
    let dir = tempfile::tempdir().unwrap();
    let crew = dir.path().join("crew.yaml");
    std::fs::write(&crew, "version: '1'\nentry_point: a\nagents: [{id: a}]\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wasmcrew"))
        .args(["run", crew.to_str().unwrap(), "--input", "x"])
        .env("WASMCREW_CACHE_DIR", shared_cache())
        .env("OPENAI_BASE_URL", &llm.url)
        .env("OPENAI_API_KEY", "sk-test")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "from the env\n");
    assert_eq!(llm.requests()[0]["authorization"], "Bearer sk-test");

    // Without either, the offline model answers.
    let out = Command::new(env!("CARGO_BIN_EXE_wasmcrew"))
        .args(["run", crew.to_str().unwrap(), "--input", "x"])
        .env("WASMCREW_CACHE_DIR", shared_cache())
        .env_remove("OPENAI_BASE_URL")
        .env_remove("OPENAI_API_KEY")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "a received: x\n");
}
