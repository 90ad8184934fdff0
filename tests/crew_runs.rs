//! Crews against a real OpenAI-format server on 127.0.0.1: routing, parallel groups, limits,
//! LLM faults, tool calls, cancellation.

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::llm::{MockLlm, Reply, agent_of};
use wasmcrew::events::{Event, EventSink};
use wasmcrew::{Crew, RunError};

const TWO_AGENTS: &str = r#"
version: "1.0"
name: test
entry_point: a
agents:
  - { id: a, role: first, tools: [echo, spin] }
  - { id: b, role: second }
llm: { base_url: "{url}", request_timeout_seconds: 2, max_retries: 2 }
tools:
  echo: { plugin: tools.wasm }
  spin: { plugin: tools.wasm, limits: { timeout_ms: 100 } }
routing:
  signals:
    a: [{ signal: "[TO_B]", target: b }, { signal: "[STOP]", target: "" }]
"#;

async fn load(yaml: &str, llm: &MockLlm) -> (tempfile::TempDir, Crew) {
    let dir = support::crew_dir(yaml, &llm.url);
    let engine = support::engine(&dir.path().join("cache"));
    let crew = support::load_crew(dir.path(), &engine).await;
    (dir, crew)
}

async fn run(crew: &Crew, input: &str) -> (Result<wasmcrew::RunOutput, RunError>, Vec<Event>) {
    let (sink, events) = EventSink::channel(10_000);
    let (result, events) = tokio::join!(crew.run(input, sink), support::collect(events));
    (result, events)
}

fn text(s: &str) -> Reply {
    Reply::Text(s.into())
}

#[tokio::test]
async fn a_basic_run_answers_and_reports_its_events() {
    let llm = MockLlm::start(|_, _| text("hello there"));
    let (_d, crew) = load(TWO_AGENTS, &llm).await;
    let (result, events) = run(&crew, "hi").await;
    let output = result.unwrap();
    assert_eq!(output.answer, "hello there");
    assert_eq!((output.rounds, output.handoffs), (1, 0));

    let kinds: Vec<&str> = events
        .iter()
        .map(|e| match e {
            Event::RunStart { .. } => "run_start",
            Event::AgentStart { .. } => "agent_start",
            Event::LlmRequest { .. } => "llm_request",
            Event::AgentDelta { .. } => "agent_delta",
            Event::AgentResponse { .. } => "agent_response",
            Event::Done { .. } => "done",
            _ => "other",
        })
        .filter(|k| *k != "agent_delta")
        .collect();
    assert_eq!(
        kinds,
        [
            "run_start",
            "agent_start",
            "llm_request",
            "agent_response",
            "done"
        ]
    );

    let request = &llm.requests()[0];
    assert_eq!(request["model"], "gpt-4o");
    assert_eq!(request["messages"][1]["content"], "hi");
    let tools: Vec<&str> = request["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["echo", "spin"]);
    assert!(
        request["messages"][0]["content"]
            .as_str()
            .unwrap()
            .contains("[TO_B]")
    );
}

#[tokio::test]
async fn a_signal_routes_to_its_target() {
    let llm = MockLlm::start(|req, _| match agent_of(req).as_str() {
        "a" => text("over to you [TO_B]"),
        _ => text("b's answer"),
    });
    let (_d, crew) = load(TWO_AGENTS, &llm).await;
    let (result, events) = run(&crew, "hi").await;
    let output = result.unwrap();
    assert_eq!(output.answer, "b's answer");
    assert_eq!(output.handoffs, 1);
    assert!(events.contains(&Event::Handoff {
        from: "a".into(),
        to: "b".into(),
        signal: Some("[TO_B]".into())
    }));
    // b sees the input and a's answer.
    let b_request = &llm.requests()[1];
    assert_eq!(
        b_request["messages"][2]["content"],
        "[a]:\nover to you [TO_B]"
    );
}

#[tokio::test]
async fn a_signal_with_an_empty_target_ends_the_run() {
    let llm = MockLlm::start(|_, _| text("done [STOP]"));
    let (_d, crew) = load(TWO_AGENTS, &llm).await;
    let output = run(&crew, "hi").await.0.unwrap();
    assert_eq!(output.answer, "done [STOP]");
    assert!(output.stop.contains("[STOP]"), "{}", output.stop);
    assert_eq!(llm.requests().len(), 1);
}

#[tokio::test]
async fn without_a_signal_the_default_route_is_taken() {
    let yaml = format!("{TWO_AGENTS}  defaults: {{ a: b }}\n");
    let llm = MockLlm::start(|req, _| text(&format!("{} speaking", agent_of(req))));
    let (_d, crew) = load(&yaml, &llm).await;
    let output = run(&crew, "hi").await.0.unwrap();
    assert_eq!(output.answer, "b speaking");
    assert_eq!(output.handoffs, 1);
}

#[tokio::test]
async fn a_terminal_agent_ends_the_run_whatever_it_says() {
    let yaml = TWO_AGENTS.replace(
        "{ id: a, role: first,",
        "{ id: a, role: first, is_terminal: true,",
    );
    let llm = MockLlm::start(|_, _| text("final [TO_B]"));
    let (_d, crew) = load(&yaml, &llm).await;
    let output = run(&crew, "hi").await.0.unwrap();
    assert_eq!(output.answer, "final [TO_B]");
    assert_eq!(output.stop, "terminal agent answered");
}

const PING_PONG: &str = r#"
version: "1.0"
entry_point: a
agents: [{ id: a, role: x }, { id: b, role: y }]
llm: { base_url: "{url}" }
settings: { max_rounds: ROUNDS, max_handoffs: HANDOFFS }
routing:
  defaults: { a: b, b: a }
"#;

#[tokio::test]
async fn max_rounds_bounds_a_run() {
    let llm = MockLlm::start(|req, _| text(&agent_of(req)));
    let yaml = PING_PONG.replace("ROUNDS", "3").replace("HANDOFFS", "100");
    let (_d, crew) = load(&yaml, &llm).await;
    let (result, events) = run(&crew, "go").await;
    let output = result.unwrap();
    assert_eq!(output.rounds, 3);
    assert!(output.stop.contains("max_rounds (3)"), "{}", output.stop);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Warning { message } if message.contains("max_rounds")))
    );
    assert_eq!(llm.requests().len(), 3);
}

#[tokio::test]
async fn max_handoffs_bounds_a_run() {
    let llm = MockLlm::start(|req, _| text(&agent_of(req)));
    let yaml = PING_PONG.replace("ROUNDS", "100").replace("HANDOFFS", "2");
    let (_d, crew) = load(&yaml, &llm).await;
    let output = run(&crew, "go").await.0.unwrap();
    assert_eq!(output.handoffs, 2);
    assert!(output.stop.contains("max_handoffs (2)"), "{}", output.stop);
    assert_eq!(llm.requests().len(), 3);
}

const PARALLEL: &str = r#"
version: "1.0"
entry_point: lead
agents:
  - { id: lead, role: lead }
  - { id: x, role: x }
  - { id: y, role: y }
  - { id: sum, role: summarizer, is_terminal: true }
llm: { base_url: "{url}", request_timeout_seconds: 30, max_retries: 0 }
routing:
  signals:
    lead: [{ signal: "[FAN_OUT]", target: both }]
  parallel_groups:
    both: { agents: [x, y], wait_for_all: WAIT, timeout_seconds: 0.5, next_agent: sum }
"#;

fn parallel_llm(y: Reply) -> MockLlm {
    MockLlm::start(move |req, _| match agent_of(req).as_str() {
        "lead" => text("splitting [FAN_OUT]"),
        "x" => text("x result"),
        "y" => y.clone(),
        _ => {
            let last = req["messages"].as_array().unwrap().last().unwrap()["content"]
                .as_str()
                .unwrap()
                .to_string();
            Reply::Text(format!("summary of: {last}"))
        }
    })
}

#[tokio::test]
async fn a_parallel_group_runs_every_member_and_passes_results_on() {
    let llm = parallel_llm(text("y result"));
    let (_d, crew) = load(&PARALLEL.replace("WAIT", "true"), &llm).await;
    let (result, events) = run(&crew, "task").await;
    let output = result.unwrap();
    support::assert_contains(&output.answer, &["[x]:\nx result"]);
    support::assert_contains(&output.answer, &["[y]:\ny result"]);
    assert!(events.contains(&Event::ParallelEnd {
        group: "both".into(),
        completed: vec!["x".into(), "y".into()],
        missing: vec![],
    }));
    assert_eq!(
        output
            .transcript
            .iter()
            .map(|t| t.agent.as_str())
            .collect::<Vec<_>>(),
        ["lead", "both", "sum"]
    );
}

#[tokio::test]
async fn a_failed_member_gives_partial_results_unless_the_group_waits_for_all() {
    let llm = parallel_llm(Reply::Status(400, None));
    let (_d, crew) = load(&PARALLEL.replace("WAIT", "false"), &llm).await;
    let (result, events) = run(&crew, "task").await;
    let output = result.unwrap();
    support::assert_contains(&output.answer, &["[x]:\nx result"]);
    support::assert_contains(&output.answer, &["[y]: (no result: failed"]);
    support::assert_contains(&output.answer, &["partial results"]);
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::Warning { message } if message.contains("partial")))
    );

    let llm = parallel_llm(Reply::Status(400, None));
    let (_d, crew) = load(&PARALLEL.replace("WAIT", "true"), &llm).await;
    let err = run(&crew, "task").await.0.unwrap_err();
    assert!(
        matches!(&err, RunError::Group { group, member, .. } if group == "both" && member == "y"),
        "{err}"
    );
}

#[tokio::test]
async fn a_member_hanging_past_the_group_timeout_is_stopped() {
    let llm = parallel_llm(Reply::Hang);
    let (_d, crew) = load(&PARALLEL.replace("WAIT", "false"), &llm).await;
    let start = Instant::now();
    let output = run(&crew, "task").await.0.unwrap();
    assert!(start.elapsed() < Duration::from_secs(5));
    assert!(
        output
            .answer
            .contains("[y]: (no result: did not finish within 500ms)"),
        "{}",
        output.answer
    );
}

#[tokio::test]
async fn a_server_error_is_retried() {
    let llm = MockLlm::start(|_, n| {
        if n == 0 {
            Reply::Status(500, None)
        } else {
            text("recovered")
        }
    });
    let (_d, crew) = load(TWO_AGENTS, &llm).await;
    assert_eq!(run(&crew, "hi").await.0.unwrap().answer, "recovered");
    assert_eq!(llm.requests().len(), 2);
}

#[tokio::test]
async fn a_429_is_retried_after_retry_after() {
    let llm = MockLlm::start(|_, n| {
        if n == 0 {
            Reply::Status(429, Some(1))
        } else {
            text("finally")
        }
    });
    let (_d, crew) = load(TWO_AGENTS, &llm).await;
    let start = Instant::now();
    assert_eq!(run(&crew, "hi").await.0.unwrap().answer, "finally");
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "Retry-After was not honoured"
    );
}

#[tokio::test]
async fn a_client_error_is_not_retried_and_names_the_status() {
    let llm = MockLlm::start(|_, _| Reply::Status(401, None));
    let (_d, crew) = load(TWO_AGENTS, &llm).await;
    let err = run(&crew, "hi").await.0.unwrap_err();
    assert!(err.to_string().contains("HTTP 401"), "{err}");
    assert_eq!(llm.requests().len(), 1);
}

#[tokio::test]
async fn an_llm_hanging_past_the_request_timeout_fails_the_run() {
    let llm = MockLlm::start(|_, _| Reply::Hang);
    let (_d, crew) = load(TWO_AGENTS, &llm).await;
    let start = Instant::now();
    let err = run(&crew, "hi").await.0.unwrap_err();
    assert!(
        err.to_string().contains("did not answer within 2s"),
        "{err}"
    );
    assert!(start.elapsed() < Duration::from_secs(4));
    assert_eq!(llm.requests().len(), 1, "a timeout is not retried");
}

#[tokio::test]
async fn a_malformed_reply_fails_with_what_was_wrong() {
    let llm = MockLlm::start(|_, _| Reply::Raw(r#"{"id":"x","object":"nonsense"}"#.into()));
    let yaml = TWO_AGENTS.replace("max_retries: 2", "max_retries: 2, stream: false");
    let (_d, crew) = load(&yaml, &llm).await;
    let err = run(&crew, "hi").await.0.unwrap_err();
    assert!(err.to_string().contains("malformed LLM reply"), "{err}");
    assert!(err.to_string().contains("choices[0].message"), "{err}");

    let llm = MockLlm::start(|_, _| Reply::Raw("<html>oops</html>".into()));
    let (_d, crew) = load(TWO_AGENTS, &llm).await;
    let err = run(&crew, "hi").await.0.unwrap_err();
    assert!(err.to_string().contains("not JSON"), "{err}");
}

#[tokio::test]
async fn tool_calls_run_in_the_sandbox_and_their_results_go_back_to_the_model() {
    let llm = MockLlm::start(|req, n| match n {
        0 => Reply::Tools(vec![
            ("echo".into(), r#"{"text":"ping"}"#.into()),
            ("spin".into(), "{}".into()),
            ("nope".into(), "{}".into()),
            ("echo".into(), r#"{"text":5}"#.into()),
        ]),
        _ => {
            let results: Vec<String> = req["messages"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| m["role"] == "tool")
                .map(|m| m["content"].as_str().unwrap().to_string())
                .collect();
            Reply::Text(results.join(" | "))
        }
    });
    let (_d, crew) = load(TWO_AGENTS, &llm).await;
    let (result, events) = run(&crew, "hi").await;
    let answer = result.unwrap().answer;
    let parts: Vec<&str> = answer.split(" | ").collect();
    assert_eq!(parts[0], r#"{"text":"ping"}"#);
    assert!(parts[1].starts_with("error (timeout)"), "{}", parts[1]);
    assert!(
        parts[2].contains("there is no tool `nope`") && parts[2].contains("echo, spin"),
        "{}",
        parts[2]
    );
    assert!(
        parts[3].starts_with("error (invalid_args)") && parts[3].contains("/text"),
        "{}",
        parts[3]
    );

    let outcomes: Vec<(&str, &str)> = events
        .iter()
        .filter_map(|e| match e {
            Event::ToolResult { tool, outcome, .. } => Some((tool.as_str(), outcome.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(outcomes.len(), 3);
    assert!(outcomes.contains(&("spin", "timeout")));
    // The assistant message carrying the tool calls went back with them.
    let second = &llm.requests()[1];
    assert_eq!(
        second["messages"][2]["tool_calls"][0]["function"]["name"],
        "echo"
    );
}

#[tokio::test]
async fn tool_results_are_cut_to_max_tool_output_chars() {
    let yaml = format!("{TWO_AGENTS}settings: {{ max_tool_output_chars: 5 }}\n");
    let llm = MockLlm::start(|req, n| match n {
        0 => Reply::Tools(vec![("echo".into(), r#"{"text":"abcdefghij"}"#.into())]),
        _ => Reply::Text(req["messages"][3]["content"].as_str().unwrap().to_string()),
    });
    let (_d, crew) = load(&yaml, &llm).await;
    let answer = run(&crew, "hi").await.0.unwrap().answer;
    assert_eq!(answer, "{\"tex\n…[truncated: 16 more characters]");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_dropping_the_run_stops_its_llm_requests_and_tools() {
    let llm = MockLlm::start(|_, n| match n {
        0 => Reply::Tools(vec![
            ("sleep".into(), "{}".into()),
            ("sleep".into(), "{}".into()),
        ]),
        _ => Reply::Hang,
    });
    let yaml = TWO_AGENTS
        .replace(
            "spin: { plugin: tools.wasm, limits: { timeout_ms: 100 } }",
            "spin: { plugin: tools.wasm }\n  sleep: { plugin: tools.wasm }",
        )
        .replace("tools: [echo, spin]", "tools: [echo, spin, sleep]");
    let dir = support::crew_dir(&yaml, &llm.url);
    let engine = support::engine(&dir.path().join("cache"));
    // Measured before the crew exists: its HTTP client keeps pooled connections (tasks of
    // the client, not of any run) until the crew is dropped.
    let baseline = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    let crew = support::load_crew(dir.path(), &engine).await;

    let run = crew.run("hi", EventSink::default());
    let cancelled = tokio::time::timeout(Duration::from_millis(300), run).await;
    assert!(
        cancelled.is_err(),
        "the run should still be waiting on its sleeping tools"
    );
    let counters = engine.counters();
    assert!(
        support::settles(|| counters.calls_in_flight() == 0 && counters.live_stores() == 0).await
    );
    drop(crew);
    assert!(support::alive_tasks_settle_at(baseline).await);

    // The same while the model hangs.
    let llm = MockLlm::start(|_, _| Reply::Hang);
    let dir = support::crew_dir(TWO_AGENTS, &llm.url);
    let crew = support::load_crew(dir.path(), &engine).await;
    let cancelled = tokio::time::timeout(
        Duration::from_millis(200),
        crew.run("hi", EventSink::default()),
    )
    .await;
    assert!(cancelled.is_err());
    assert_eq!(llm.requests().len(), 1);
}

#[tokio::test]
async fn the_run_deadline_stops_everything() {
    let yaml = format!("{TWO_AGENTS}settings: {{ timeout_seconds: 0.3 }}\n")
        .replace("request_timeout_seconds: 2", "request_timeout_seconds: 60");
    let llm = MockLlm::start(|_, _| Reply::Hang);
    let (_d, crew) = load(&yaml, &llm).await;
    let (result, events) = run(&crew, "hi").await;
    assert!(matches!(result, Err(RunError::Timeout(_))));
    assert!(matches!(events.last(), Some(Event::Done { ok: false, .. })));
}

#[tokio::test]
async fn streamed_deltas_reach_the_events() {
    let llm = MockLlm::start(|_, _| text("streamed answer"));
    let (_d, crew) = load(TWO_AGENTS, &llm).await;
    let (_, events) = run(&crew, "hi").await;
    let deltas: String = events
        .iter()
        .filter_map(|e| match e {
            Event::AgentDelta { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(deltas, "streamed answer");
    let streamed = llm.requests()[0]["stream"].clone();
    assert_eq!(streamed, Value::Bool(true));
}
