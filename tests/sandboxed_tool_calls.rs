//! Each hostile or well-behaved tool gets its typed outcome, the host stays healthy, and the
//! very next call on the same plugin is correct.

mod support;

use std::time::Duration;

use wasmcrew::{Outcome, Plugin};

struct Fixture {
    _dir: tempfile::TempDir,
    plugin: Plugin,
}

async fn load(manifest: &str) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = support::write_plugin(dir.path(), "tools", &support::test_plugin(), Some(manifest));
    let engine = support::engine(&dir.path().join("cache"));
    let plugin = Plugin::load(&engine, &path)
        .await
        .expect("loading the test plugin");
    Fixture { _dir: dir, plugin }
}

/// Calls `tool`, then checks that the plugin still answers a well-behaved call and that no
/// store outlives the calls.
async fn call_then_healthy(plugin: &Plugin, tool: &str) -> wasmcrew::CallReport {
    let report = plugin.call(tool, "{}").await.unwrap();
    let next = plugin
        .call("echo", r#"{"text":"still here"}"#)
        .await
        .unwrap();
    assert_eq!(next.outcome, Outcome::Ok(r#"{"text":"still here"}"#.into()));
    let counters = plugin.engine().counters();
    assert_eq!((counters.calls_in_flight(), counters.live_stores()), (0, 0));
    report
}

#[tokio::test]
async fn well_behaved_tool_returns_its_result_and_cost() {
    let f = load("").await;
    let report = f.plugin.call("echo", r#"{"text":"hi"}"#).await.unwrap();
    assert_eq!(report.outcome, Outcome::Ok(r#"{"text":"hi"}"#.into()));
    assert!(report.fuel_used > 0);
    assert!(report.duration > Duration::ZERO);
    let names: Vec<_> = f
        .plugin
        .tools()
        .iter()
        .map(|t| t.info().name.as_str())
        .collect();
    assert_eq!(names[..3], ["echo", "fail", "reject"]);
}

#[tokio::test]
async fn arguments_are_checked_before_the_guest_runs() {
    let f = load("").await;
    let wrong_type = f.plugin.call("echo", r#"{"text":5}"#).await.unwrap();
    let Outcome::InvalidArgs(message) = &wrong_type.outcome else {
        panic!("{wrong_type:?}")
    };
    assert!(message.contains("/text"), "{message}");
    assert_eq!(wrong_type.fuel_used, 0, "the guest must not run");

    let missing = f.plugin.call("echo", "{}").await.unwrap();
    assert!(matches!(&missing.outcome, Outcome::InvalidArgs(m) if m.contains("text")));

    let not_json = f.plugin.call("echo", "{text: hi").await.unwrap();
    assert!(
        matches!(&not_json.outcome, Outcome::InvalidArgs(m) if m.contains("not valid JSON") && m.contains("column")),
        "{not_json:?}"
    );
}

#[tokio::test]
async fn a_tool_can_fail_or_refuse_its_arguments() {
    let f = load("").await;
    let failed = call_then_healthy(&f.plugin, "fail").await;
    assert_eq!(
        failed.outcome,
        Outcome::ToolError("it failed on purpose".into())
    );
    let refused = call_then_healthy(&f.plugin, "reject").await;
    assert_eq!(
        refused.outcome,
        Outcome::InvalidArgs("the tool refused its arguments".into())
    );
}

#[tokio::test]
async fn unknown_tool_is_an_error_naming_the_tools() {
    let f = load("").await;
    let err = f.plugin.call("nope", "{}").await.unwrap_err();
    assert!(err.to_string().contains("echo, fail"), "{err}");
}

#[tokio::test]
async fn trap_is_reported_with_message_and_backtrace() {
    let f = load("").await;
    let report = call_then_healthy(&f.plugin, "trap").await;
    let Outcome::Trap { message, backtrace } = &report.outcome else {
        panic!("{report:?}")
    };
    assert!(message.contains("unreachable"), "{message}");
    assert!(
        backtrace.as_deref().is_some_and(|b| b.contains("tool3")),
        "{backtrace:?}"
    );
}

#[tokio::test]
async fn busy_loop_is_stopped_at_the_deadline() {
    let f = load("[limits]\ntimeout_ms = 200\n").await;
    let report = call_then_healthy(&f.plugin, "spin").await;
    assert_eq!(report.outcome, Outcome::Timeout);
    assert!(report.duration >= Duration::from_millis(200));
    assert!(
        report.duration < Duration::from_millis(1200),
        "{:?}",
        report.duration
    );
}

#[tokio::test]
async fn sleep_in_a_host_call_is_stopped_at_the_deadline() {
    let f = load("[limits]\ntimeout_ms = 200\n").await;
    let report = call_then_healthy(&f.plugin, "sleep").await;
    assert_eq!(report.outcome, Outcome::Timeout);
    assert!(
        report.duration < Duration::from_millis(1200),
        "{:?}",
        report.duration
    );
}

#[tokio::test]
async fn memory_bomb_is_refused_at_the_cap() {
    let f = load("[limits]\nmemory_mb = 16\n").await;
    let report = call_then_healthy(&f.plugin, "grow").await;
    let Outcome::MemoryLimit(message) = &report.outcome else {
        panic!("{report:?}")
    };
    assert!(message.contains("16 MiB"), "{message}");
}

#[tokio::test]
async fn unbounded_recursion_traps_on_stack_exhaustion() {
    let f = load("").await;
    let report = call_then_healthy(&f.plugin, "recurse").await;
    assert!(
        matches!(&report.outcome, Outcome::Trap { message, .. } if message.contains("stack")),
        "{report:?}"
    );
}

#[tokio::test]
async fn huge_output_is_refused() {
    let f = load("[limits]\nmemory_mb = 256\nmax_output_bytes = 65536\n").await;
    let report = call_then_healthy(&f.plugin, "big").await;
    assert_eq!(
        report.outcome,
        Outcome::OutputTooLarge {
            size: 100 << 20,
            limit: 65536
        }
    );
}

#[tokio::test]
async fn fuel_burner_runs_out_of_fuel() {
    let f = load("[limits]\nfuel = 1000000\n").await;
    let report = call_then_healthy(&f.plugin, "burn").await;
    assert_eq!(report.outcome, Outcome::OutOfFuel);
    assert!(report.fuel_used >= 1_000_000, "{}", report.fuel_used);
}

#[tokio::test]
async fn env_vars_are_denied_unless_granted() {
    let denied = load("").await;
    let report = call_then_healthy(&denied.plugin, "env").await;
    assert_eq!(report.outcome, Outcome::ToolError("HOME is not set".into()));

    let granted = load("[capabilities]\nenv = [\"HOME\"]\n").await;
    let report = granted.plugin.call("env", "{}").await.unwrap();
    assert_eq!(report.outcome, Outcome::Ok(std::env::var("HOME").unwrap()));
}

#[tokio::test]
async fn files_are_denied_unless_a_directory_is_preopened() {
    let denied = load("").await;
    let report = call_then_healthy(&denied.plugin, "read").await;
    assert_eq!(
        report.outcome,
        Outcome::ToolError("no directory is preopened".into())
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.txt"), "granted contents").unwrap();
    let manifest = format!(
        "[capabilities]\ndirs = [{{ host = {:?}, guest = \"/data\" }}]\n",
        dir.path()
    );
    let granted = load(&manifest).await;
    let report = call_then_healthy(&granted.plugin, "read").await;
    assert_eq!(report.outcome, Outcome::Ok("granted contents".into()));
}

#[tokio::test]
async fn guest_output_is_captured_into_the_call_log() {
    let f = load("").await;
    let report = f.plugin.call("log", "{}").await.unwrap();
    assert_eq!(report.outcome, Outcome::Ok("logged".into()));
    let lines: Vec<_> = report
        .log
        .iter()
        .map(|l| (l.source.name(), l.message.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            ("info", "hello from host.log"),
            ("stdout", "hello from stdout")
        ]
    );
}
