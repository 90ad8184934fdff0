//! Loading crews: go-agentic's format loads unchanged (unknown keys are one warning), and
//! every invalid configuration names the file, the field and the bad value.

mod support;

use std::path::Path;

use wasmcrew::{Crew, CrewError, CrewOptions};

const CREW: &str = r#"
version: "1.0"
name: t
entry_point: a
agents: [a, b]
routing:
  signals:
    a: [{ signal: "[B]", target: b }]
  parallel_groups:
    g: { agents: [a, b], timeout_seconds: 5 }
tools:
  echo: { plugin: tools.wasm }
"#;

const AGENT_A: &str = "id: a\nrole: first\ntools: [echo]\n";
const AGENT_B: &str = "id: b\nrole: second\ntemperature: 1.5\n";

/// Writes a crew directory, applying `edit` to (crew.yaml, a.yaml, b.yaml) first.
fn write(edit: impl FnOnce(&mut String, &mut String, &mut String)) -> tempfile::TempDir {
    let (mut crew, mut a, mut b) = (CREW.to_string(), AGENT_A.to_string(), AGENT_B.to_string());
    edit(&mut crew, &mut a, &mut b);
    let dir = support::crew_dir(&crew, "");
    std::fs::create_dir(dir.path().join("agents")).unwrap();
    std::fs::write(dir.path().join("agents/a.yaml"), a).unwrap();
    std::fs::write(dir.path().join("agents/b.yaml"), b).unwrap();
    dir
}

async fn load(dir: &Path) -> Result<Crew, CrewError> {
    let engine = support::engine(&dir.join("cache"));
    Crew::load(dir, &engine, CrewOptions::default()).await
}

async fn error(edit: impl FnOnce(&mut String, &mut String, &mut String)) -> String {
    let dir = write(edit);
    match load(dir.path()).await {
        Ok(_) => panic!("the crew should not load"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn a_valid_crew_loads_with_its_tools_bound() {
    let dir = write(|_, _, _| {});
    let crew = load(dir.path()).await.unwrap();
    assert_eq!(crew.config().agents.len(), 2);
    assert_eq!(crew.config().settings.max_handoffs, 5);
    assert_eq!(crew.config().settings.max_rounds, 10);
    assert_eq!(crew.config().agents[0].model, None);
    assert!(crew.agent("a").unwrap().system_prompt().contains("[B]"));
    assert!(crew.unknown_keys_warning().is_none());
    assert!(crew.model().describe().starts_with("offline"));
}

#[tokio::test]
async fn unknown_keys_are_one_warning_not_an_error() {
    let dir = write(|crew, a, _| {
        crew.push_str("settings: { config_mode: strict, max_tokens_per_call: 4000 }\nextra: 1\n");
        a.push_str("primary: { model: qwen3 }\ncost_limits: { enforce: false }\n");
    });
    let crew = load(dir.path()).await.unwrap();
    let warning = crew.unknown_keys_warning().unwrap();
    support::assert_contains(
        &warning,
        &[
            "5 config key(s)",
            "crew.yaml: extra",
            "settings.config_mode",
            "settings.max_tokens_per_call",
            "a.yaml: cost_limits",
            "a.yaml: primary",
        ],
    );
}

#[tokio::test]
async fn missing_required_fields_are_named() {
    let e = error(|crew, _, _| *crew = crew.replace("version: \"1.0\"\n", "")).await;
    support::assert_contains(&e, &["crew.yaml", "version", "missing"]);
    let e = error(|crew, _, _| *crew = crew.replace("agents: [a, b]\n", "")).await;
    support::assert_contains(&e, &["crew.yaml", "agents", "missing"]);
    let e = error(|crew, _, _| *crew = crew.replace("entry_point: a\n", "")).await;
    support::assert_contains(&e, &["crew.yaml", "entry_point", "missing"]);
}

#[tokio::test]
async fn references_to_unknown_agents_are_named_with_the_bad_value() {
    let e = error(|crew, _, _| *crew = crew.replace("entry_point: a", "entry_point: zed")).await;
    support::assert_contains(&e, &["crew.yaml: entry_point", "`zed`", "a, b"]);
    let e = error(|crew, _, _| *crew = crew.replace("target: b", "target: bee")).await;
    support::assert_contains(&e, &["routing.signals.a[0].target", "`bee`"]);
    let e = error(|crew, _, _| {
        *crew = crew.replace("routing:\n", "routing:\n  defaults: { a: nobody }\n")
    })
    .await;
    support::assert_contains(&e, &["routing.defaults.a", "`nobody`"]);
    let e = error(|crew, _, _| {
        *crew = crew.replace(
            "routing:\n",
            "routing:\n  agent_behaviors: { ghost: { is_terminal: true } }\n",
        )
    })
    .await;
    support::assert_contains(&e, &["routing.agent_behaviors.ghost", "`ghost`"]);
    let e = error(|crew, _, _| {
        *crew = crew.replace("agents: [a, b], timeout", "agents: [a, c], timeout")
    })
    .await;
    support::assert_contains(&e, &["routing.parallel_groups.g.agents[1]", "`c`"]);
    let e =
        error(|crew, _, _| *crew = crew.replace("agents: [a, b]\n", "agents: [a, b, c]\n")).await;
    support::assert_contains(&e, &["crew.yaml: agents[2]", "`c`", "agents/c.yaml"]);
}

#[tokio::test]
async fn out_of_range_values_are_named() {
    let e =
        error(|crew, _, _| *crew = crew.replace("timeout_seconds: 5", "timeout_seconds: 0")).await;
    support::assert_contains(
        &e,
        &[
            "routing.parallel_groups.g.timeout_seconds",
            "0 must be greater than 0",
        ],
    );
    let e = error(|_, _, b| *b = b.replace("1.5", "2.5")).await;
    support::assert_contains(&e, &["b.yaml: temperature", "2.5 is out of range"]);
    let e = error(|_, _, b| *b = b.replace("1.5", "hot")).await;
    support::assert_contains(&e, &["b.yaml", "temperature", "invalid type"]);
}

#[tokio::test]
async fn unknown_tools_and_unloadable_plugins_are_named() {
    let e = error(|_, a, _| *a = a.replace("[echo]", "[echo, saw]")).await;
    support::assert_contains(
        &e,
        &["a.yaml: tools[1]", "unknown tool `saw`", "defines echo"],
    );
    let e = error(|crew, _, _| *crew = crew.replace("tools.wasm", "missing.wasm")).await;
    support::assert_contains(
        &e,
        &["crew.yaml: tools.echo.plugin", "missing.wasm", "not a file"],
    );
    let e = error(|crew, _, _| {
        *crew = crew.replace(
            "{ plugin: tools.wasm }",
            "{ plugin: tools.wasm, tool: nope }",
        )
    })
    .await;
    support::assert_contains(&e, &["tools.echo.tool", "no tool `nope`", "it has: echo"]);
    let e = error(|crew, _, _| {
        *crew = crew.replace(
            "{ plugin: tools.wasm }",
            "{ plugin: tools.wasm, limits: { timeout: 5 } }",
        )
    })
    .await;
    support::assert_contains(&e, &["crew.yaml: tools.echo", "unknown field `timeout`"]);
}

#[tokio::test]
async fn yaml_syntax_errors_name_the_line() {
    let e = error(|crew, _, _| crew.push_str("routing: [unclosed\n")).await;
    support::assert_contains(&e, &["crew.yaml", "line"]);
}

#[tokio::test]
async fn sequential_tasks_must_name_agents_and_earlier_tasks() {
    let tasks = "tasks:\n  - { id: one, description: d, agent: a }\n  - { description: e, agent: b, context: [two] }\n";
    let e = error(|crew, _, _| crew.push_str(tasks)).await;
    support::assert_contains(&e, &["tasks[1].context[0]", "`two` is not an earlier task"]);
}

#[tokio::test]
async fn every_example_crew_loads() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut loaded = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("crew.yaml").is_file() {
            continue;
        }
        // The compile cache other test binaries share: the examples load the Python and
        // JavaScript plugins, which take seconds to compile.
        let engine = support::engine(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("compile-cache"));
        let options = CrewOptions {
            offline: true,
            ..CrewOptions::default()
        };
        let crew = Crew::load(&dir, &engine, options)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        assert!(
            crew.unknown_keys_warning().is_none(),
            "{:?}",
            crew.unknown_keys_warning()
        );
        let output = crew
            .run("a test input", wasmcrew::events::EventSink::default())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        assert!(!output.answer.is_empty());
        loaded += 1;
    }
    assert!(loaded >= 2, "expected at least two example crews");
}
