//! Nothing outlives a run: a thousand runs where half the tools and a tenth of the LLM
//! calls hang, and five hundred crews at once, all end with no call in flight, no live
//! store and tokio's alive-task count back at its baseline.

mod support;

use futures::future::join_all;
use serde_json::Value;
use support::llm::{MockLlm, Reply, agent_of};
use wasmcrew::events::EventSink;
use wasmcrew::{Crew, Engine};

/// The run number in a request's input ("run N").
fn run_number(request: &Value) -> usize {
    request["messages"][1]["content"]
        .as_str()
        .and_then(|c| c.strip_prefix("run "))
        .and_then(|n| n.parse().ok())
        .expect("input is `run N`")
}

fn has_tool_results(request: &Value) -> bool {
    request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["role"] == "tool")
}

const SOAK: &str = r#"
version: "1.0"
entry_point: a
agents: [{ id: a, role: worker, tools: [echo, sleep] }]
llm: { base_url: "{url}", request_timeout_seconds: 0.2, max_retries: 0 }
tools:
  echo: { plugin: tools.wasm }
  sleep: { plugin: tools.wasm, limits: { timeout_ms: 50 } }
"#;

async fn assert_nothing_left(engine: &Engine, crew: Crew, baseline: usize) {
    let counters = engine.counters();
    assert!(support::settles(|| counters.calls_in_flight() == 0).await);
    assert!(support::settles(|| counters.live_stores() == 0).await);
    // The crew's HTTP client keeps pooled connections (its own tasks, not a run's) until
    // the crew goes.
    drop(crew);
    assert!(
        support::alive_tasks_settle_at(baseline).await,
        "alive tasks {} != baseline {baseline}",
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_runs_with_hanging_tools_and_llm_calls_leak_nothing() {
    let llm = MockLlm::start(|request, _| {
        let n = run_number(request);
        if n.is_multiple_of(10) {
            return Reply::Hang;
        }
        if has_tool_results(request) {
            return Reply::Text(format!("run {n} done"));
        }
        let tool = if n.is_multiple_of(2) { "sleep" } else { "echo" };
        Reply::Tools(vec![(tool.into(), r#"{"text":"x"}"#.into())])
    });
    let dir = support::crew_dir(SOAK, &llm.url);
    let engine = support::engine(&dir.path().join("cache"));
    let baseline = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    let crew = support::load_crew(dir.path(), &engine).await;

    let (mut ok, mut failed) = (0, 0);
    for batch in 0..10 {
        let runs = (0..100).map(|i| {
            let input = format!("run {}", batch * 100 + i);
            let crew = &crew;
            async move { crew.run(&input, EventSink::default()).await }
        });
        for result in join_all(runs).await {
            match result {
                Ok(output) => {
                    assert!(output.answer.ends_with("done"), "{}", output.answer);
                    ok += 1;
                }
                Err(e) => {
                    assert!(e.to_string().contains("did not answer"), "{e}");
                    failed += 1;
                }
            }
        }
    }
    assert_eq!((ok, failed), (900, 100));
    assert_eq!(engine.counters().calls_total(), 900);
    assert_nothing_left(&engine, crew, baseline).await;
}

const STRESS: &str = r#"
version: "1.0"
entry_point: lead
agents:
  - { id: lead, role: lead, tools: [echo] }
  - { id: x, role: x, tools: [echo] }
  - { id: y, role: y }
  - { id: sum, role: sum, is_terminal: true }
llm: { base_url: "{url}", request_timeout_seconds: 30 }
tools:
  echo: { plugin: tools.wasm }
routing:
  defaults: { lead: both }
  parallel_groups:
    both: { agents: [x, y], next_agent: sum }
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_crews_at_once() {
    let llm = MockLlm::start(|request, _| {
        let agent = agent_of(request);
        if agent != "y" && agent != "sum" && !has_tool_results(request) {
            return Reply::Tools(vec![("echo".into(), r#"{"text":"x"}"#.into())]);
        }
        Reply::Text(format!("{agent} for run {}", run_number(request)))
    });
    let dir = support::crew_dir(STRESS, &llm.url);
    let engine = support::engine(&dir.path().join("cache"));
    let baseline = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    let crew = support::load_crew(dir.path(), &engine).await;

    let runs = (0..500).map(|i| {
        let crew = &crew;
        async move { (i, crew.run(&format!("run {i}"), EventSink::default()).await) }
    });
    for (i, result) in join_all(runs).await {
        let output = result.unwrap_or_else(|e| panic!("run {i}: {e}"));
        assert_eq!(output.answer, format!("sum for run {i}"));
        assert_eq!(output.rounds, 3);
    }
    // Two tool calls per run: the lead's and x's.
    assert_eq!(engine.counters().calls_total(), 1000);
    assert_nothing_left(&engine, crew, baseline).await;
}
