//! Many calls at once, half of them hanging: every call returns by its deadline and
//! afterwards nothing is left — no call in flight, no live store, no extra tokio task.

mod support;

use std::time::{Duration, Instant};

use tokio::task::JoinSet;
use wasmcrew::{Outcome, Plugin};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_calls_half_hanging_all_return_and_nothing_leaks() {
    let dir = tempfile::tempdir().unwrap();
    let path = support::write_plugin(
        dir.path(),
        "tools",
        &support::test_plugin(),
        Some("[limits]\ntimeout_ms = 500\n"),
    );
    let engine = support::engine(&dir.path().join("cache"));
    let plugin = Plugin::load(&engine, &path).await.unwrap();
    let metrics = tokio::runtime::Handle::current().metrics();
    let baseline_tasks = metrics.num_alive_tasks();

    let start = Instant::now();
    let mut calls = JoinSet::new();
    for i in 0..200 {
        let plugin = plugin.clone();
        let tool = match i % 4 {
            0 => "sleep",
            1 => "spin",
            _ => "echo",
        };
        calls.spawn(async move {
            let report = plugin.call(tool, r#"{"text":"x"}"#).await.unwrap();
            (tool, report)
        });
    }
    let mut hung = 0;
    while let Some(joined) = calls.join_next().await {
        let (tool, report) = joined.unwrap();
        match tool {
            "echo" => assert!(report.outcome.is_ok(), "{report:?}"),
            _ => {
                assert_eq!(report.outcome, Outcome::Timeout, "{tool}");
                hung += 1;
            }
        }
    }
    let elapsed = start.elapsed();
    assert_eq!(hung, 100);
    // Deadline 500 ms plus slack for 2 cores running 200 instantiations.
    assert!(elapsed < Duration::from_millis(2500), "took {elapsed:?}");

    let counters = engine.counters();
    assert_eq!(counters.calls_in_flight(), 0);
    assert_eq!(counters.live_stores(), 0);
    assert!(support::alive_tasks_settle_at(baseline_tasks).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_a_call_stops_the_guest_and_frees_its_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = support::write_plugin(dir.path(), "tools", &support::test_plugin(), None);
    let engine = support::engine(&dir.path().join("cache"));
    let plugin = Plugin::load(&engine, &path).await.unwrap();

    for tool in ["sleep", "spin"] {
        let call = plugin.call(tool, "{}");
        let cancelled = tokio::time::timeout(Duration::from_millis(100), call).await;
        assert!(cancelled.is_err(), "{tool} should still be running");
        assert_eq!(engine.counters().calls_in_flight(), 0);
        assert_eq!(engine.counters().live_stores(), 0);
    }
}
