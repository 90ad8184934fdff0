//! `cargo bench --bench sandbox` (or `scripts/bench`, which also builds the plugins and the
//! Extism peer): the figures of BENCHMARKS.md, measured side by side in one run and printed
//! as tables with ratios, since these machines are noisy.
//!
//! Run one figure with `cargo bench --bench sandbox -- calls` (calls, kill, soak, crews,
//! cold, tax).

#[path = "../../tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::join_all;
use support::llm::{MockLlm, Reply, agent_of};
use tokio::task::JoinSet;
use wasmcrew::bindings::{self, Level, PluginPre};
use wasmcrew::events::EventSink;
use wasmcrew::{Crew, CrewOptions, Engine, EngineOptions, Manifest, Outcome, Plugin};
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, InstanceAllocationStrategy, Store};

fn main() {
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let figures: [(&str, Figure); 6] = [
        ("calls", calls),
        ("kill", kill),
        ("soak", soak),
        ("crews", crews),
        ("cold", cold),
        ("tax", tax),
    ];
    for (name, figure) in figures {
        if only.is_empty() || only.iter().any(|o| o == name) {
            figure(&runtime);
        }
    }
}

/// One figure of BENCHMARKS.md: measures and prints its table.
type Figure = fn(&tokio::runtime::Runtime);

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn plugin_path(rel: &str) -> PathBuf {
    let path = root().join("plugins/out").join(rel);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/bench (it builds the plugins)",
        path.display()
    );
    path
}

fn engine(options: EngineOptions) -> Engine {
    Engine::new(EngineOptions {
        cache_dir: Some(root().join("target/bench-cache")),
        ..options
    })
    .unwrap()
}

/// Median and 99th percentile.
fn stats(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}

fn us(d: Duration) -> String {
    format!("{:.1} µs", d.as_secs_f64() * 1e6)
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn heading(title: &str) {
    println!("\n## {title}\n");
}

// 1. Isolated call cost ---------------------------------------------------------------------

/// The paths are measured in rounds, interleaved, so drift in the machine's speed hits them
/// alike: each round times this many calls of each path after a tenth as many to warm up.
const ROUNDS: usize = 10;
const PER_ROUND: usize = 2_000;
const ARGS: &str = r#"{"text":"hello"}"#;

struct Bare;

impl bindings::wasmcrew::plugin::host::Host for Bare {
    async fn log(&mut self, _level: Level, _message: String) {}
}

impl bindings::wasmcrew::plugin::types::Host for Bare {}

/// The floor: the same component on a wasmtime engine with the same pooling allocator and
/// nothing else (no epochs, fuel, limits, WASI context, argument check or counters).
fn bare_pre(path: &Path) -> (wasmtime::Engine, PluginPre<Bare>) {
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(
        wasmcrew::engine::pooling(1000),
    ));
    let engine = wasmtime::Engine::new(&config).unwrap();
    let component = Component::from_file(&engine, path).unwrap();
    let mut linker = Linker::new(&engine);
    bindings::Plugin::add_to_linker::<_, HasSelf<Bare>>(&mut linker, |s| s).unwrap();
    let pre = PluginPre::new(linker.instantiate_pre(&component).unwrap()).unwrap();
    (engine, pre)
}

/// One `echo` call on a bare instance.
async fn echo(instance: &bindings::Plugin, store: &mut Store<Bare>) {
    let out = instance
        .wasmcrew_plugin_tool()
        .call_call(store, "echo", ARGS)
        .await
        .unwrap();
    assert!(out.is_ok());
}

fn time_calls(
    rt: &tokio::runtime::Runtime,
    call: &mut impl AsyncFnMut(),
    samples: &mut Vec<Duration>,
) {
    rt.block_on(async {
        for _ in 0..PER_ROUND / 10 {
            call().await;
        }
        for _ in 0..PER_ROUND {
            let start = Instant::now();
            call().await;
            samples.push(start.elapsed());
        }
    })
}

fn calls(rt: &tokio::runtime::Runtime) {
    heading("1. Isolated call cost (trivial `echo` tool, sequential calls)");
    let path = plugin_path("wat/echo.wasm");

    let engine = engine(EngineOptions::default());
    let plugin = rt.block_on(Plugin::load(&engine, &path)).unwrap();
    let mut wasmcrew_call = async || {
        let report = plugin.call("echo", ARGS).await.unwrap();
        assert!(report.outcome.is_ok());
    };

    let (bare_engine, pre) = bare_pre(&path);
    let mut floor_call = async || {
        let mut store = Store::new(&bare_engine, Bare);
        let instance = pre.instantiate_async(&mut store).await.unwrap();
        echo(&instance, &mut store).await;
    };

    let mut store = Store::new(&bare_engine, Bare);
    let instance = rt.block_on(pre.instantiate_async(&mut store)).unwrap();
    let mut reused_call = async || echo(&instance, &mut store).await;

    let (mut wasmcrew, mut floor, mut reused, mut extism) = (vec![], vec![], vec![], vec![]);
    let mut extism_error = None;
    for _ in 0..ROUNDS {
        time_calls(rt, &mut wasmcrew_call, &mut wasmcrew);
        time_calls(rt, &mut floor_call, &mut floor);
        time_calls(rt, &mut reused_call, &mut reused);
        if let Err(e) = extism_round(&mut extism) {
            extism_error = Some(e);
        }
    }
    let (wm, wp) = stats(wasmcrew);
    let (fm, fp) = stats(floor);
    let (rm, rp) = stats(reused);
    println!("| path | median | p99 | wasmcrew ÷ this |");
    println!("|---|---|---|---|");
    let ratio = |m: Duration| format!("{:.2}×", wm.as_secs_f64() / m.as_secs_f64());
    println!(
        "| wasmcrew: fresh sandboxed instance, whole call path | {} | {} | 1.00× |",
        us(wm),
        us(wp)
    );
    println!(
        "| bare wasmtime: fresh instance (InstancePre + pooling) | {} | {} | {} |",
        us(fm),
        us(fp),
        ratio(fm)
    );
    println!(
        "| bare wasmtime: reused instance | {} | {} | {} |",
        us(rm),
        us(rp),
        ratio(rm)
    );
    match extism_error {
        None => {
            let (em, ep) = stats(extism);
            println!(
                "| Extism 1.41.0: reused plugin instance | {} | {} | {} |",
                us(em),
                us(ep),
                ratio(em)
            );
            println!(
                "\nwasmcrew / bare fresh floor = {:.2}× (target ≤ 1.5×); wasmcrew / Extism reused = {:.2}× (target ≤ 1.0×)",
                wm.as_secs_f64() / fm.as_secs_f64(),
                wm.as_secs_f64() / em.as_secs_f64()
            );
        }
        Some(why) => println!("| Extism: not measured ({why}) | | | |"),
    }
}

/// One round of the Extism peer (bench/extism-peer, built by scripts/bench): a new process
/// that times its calls on one reused plugin instance and prints them.
fn extism_round(samples: &mut Vec<Duration>) -> Result<(), String> {
    let peer = std::env::var_os("EXTISM_PEER")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("bench/extism-peer/target/release/extism-peer"));
    let output = std::process::Command::new(&peer)
        .arg((PER_ROUND + PER_ROUND / 10).to_string())
        .arg(ARGS)
        .output()
        .map_err(|e| format!("{}: {e}", peer.display()))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    samples.extend(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .skip(PER_ROUND / 10)
            .map(|l| Duration::from_nanos(l.parse().unwrap())),
    );
    Ok(())
}

// 2. Kill latency ---------------------------------------------------------------------------

fn kill(rt: &tokio::runtime::Runtime) {
    heading("2. Kill latency (return time after the deadline)");
    let path = plugin_path("wat/conformance.wasm");
    let engine = engine(EngineOptions::default());
    println!("| guest | deadline | median | p99 | calls |");
    println!("|---|---|---|---|---|");
    for deadline_ms in [10u64, 100] {
        let mut manifest = Manifest::default();
        manifest.limits.timeout_ms = deadline_ms;
        let plugin = rt
            .block_on(Plugin::load_with(&engine, &path, manifest))
            .unwrap();
        let n = if deadline_ms == 10 { 200 } else { 40 };
        for (label, tool, args) in [
            ("busy loop", "spin", "{}"),
            ("sleep in a host call", "sleep", r#"{"seconds":3600}"#),
        ] {
            let samples: Vec<Duration> = rt.block_on(async {
                let mut out = Vec::new();
                for _ in 0..n {
                    let report = plugin.call(tool, args).await.unwrap();
                    assert_eq!(report.outcome, Outcome::Timeout);
                    out.push(
                        report
                            .duration
                            .saturating_sub(Duration::from_millis(deadline_ms)),
                    );
                }
                out
            });
            let (m, p) = stats(samples);
            println!(
                "| {label} | {deadline_ms} ms | {} | {} | {n} |",
                ms(m),
                ms(p)
            );
        }
    }
    println!("\nTarget: ≤ 2 ms p99.");
}

// 3. Leak soak ------------------------------------------------------------------------------

fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

fn soak(rt: &tokio::runtime::Runtime) {
    heading("3. Leak soak (10,000 calls, half killed at a 5 ms deadline, 100 at a time)");
    let path = plugin_path("wat/conformance.wasm");
    let engine = engine(EngineOptions::default());
    let mut manifest = Manifest::default();
    manifest.limits.timeout_ms = 5;
    let plugin = rt
        .block_on(Plugin::load_with(&engine, &path, manifest))
        .unwrap();
    let batch = |plugin: &Plugin| {
        let plugin = plugin.clone();
        async move {
            let mut calls = JoinSet::new();
            for i in 0..100 {
                let plugin = plugin.clone();
                let tool = if i % 2 == 0 { "spin" } else { "echo" };
                calls.spawn(async move { plugin.call(tool, "{}").await.unwrap().outcome });
            }
            let mut killed = 0;
            while let Some(outcome) = calls.join_next().await {
                killed += usize::from(outcome.unwrap() == Outcome::Timeout);
            }
            killed
        }
    };
    // Warm up before the baseline: the pool keeps the first pages of recently used slots
    // resident (a cache bounded by concurrency, not a leak), and the allocator its arenas.
    for _ in 0..10 {
        rt.block_on(batch(&plugin));
    }
    let metrics = rt.metrics();
    let (rss_before, tasks_before) = (rss(), metrics.num_alive_tasks());
    let start = Instant::now();
    let killed: usize = rt.block_on(async {
        let mut killed = 0;
        for _ in 0..100 {
            killed += batch(&plugin).await;
        }
        killed
    });
    let elapsed = start.elapsed();
    std::thread::sleep(Duration::from_millis(100));
    let (rss_after, tasks_after) = (rss(), metrics.num_alive_tasks());
    let counters = engine.counters();
    println!("| | before | after |");
    println!("|---|---|---|");
    println!(
        "| RSS | {:.1} MB | {:.1} MB |",
        rss_before as f64 / 1e6,
        rss_after as f64 / 1e6
    );
    println!("| tokio alive tasks | {tasks_before} | {tasks_after} |");
    println!(
        "| calls in flight / live stores | 0 / 0 | {} / {} |",
        counters.calls_in_flight(),
        counters.live_stores()
    );
    println!(
        "\n10,000 calls ({killed} killed) in {:.2} s; RSS growth {:+.2} MB (target ≤ 5 MB, tasks back to baseline).",
        elapsed.as_secs_f64(),
        (rss_after as f64 - rss_before as f64) / 1e6
    );
}

// 4. Parallel crews -------------------------------------------------------------------------

const CREW: &str = r#"
version: "1.0"
entry_point: a
agents:
  - { id: a, role: first, tools: [echo] }
  - { id: b, role: second, is_terminal: true }
llm: { base_url: "{url}", request_timeout_seconds: 60, max_retries: 0 }
tools:
  echo: { plugin: tools.wasm }
routing:
  defaults: { a: b }
offline:
  a:
    - tool_calls: [{ name: echo, arguments: { text: "{{input}}" } }]
    - reply: "a used the tool: {{tool_result}}"
  b:
    - reply: "b answers"
"#;

fn crews(rt: &tokio::runtime::Runtime) {
    heading("4. Parallel crews (1,000 concurrent runs; 3 LLM round trips and 1 tool call each)");
    let delay = Duration::from_millis(50);
    let llm = MockLlm::start(move |request, _| {
        let has_results = request["messages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["role"] == "tool");
        let reply = if agent_of(request) == "a" && !has_results {
            Reply::Tools(vec![("echo".into(), r#"{"text":"x"}"#.into())])
        } else {
            Reply::Text("done".into())
        };
        Reply::After(delay, Box::new(reply))
    });
    let dir = support::crew_dir(CREW, &llm.url);
    let engine = engine(EngineOptions::default());
    println!("| model | runs | wall time | critical path | wall / critical path |");
    println!("|---|---|---|---|---|");
    for (label, offline) in [("offline", true), ("server answering after 50 ms", false)] {
        let options = CrewOptions {
            offline,
            ..CrewOptions::default()
        };
        let crew = Arc::new(
            rt.block_on(Crew::load(dir.path(), &engine, options))
                .unwrap(),
        );
        // One run alone is the critical path.
        let start = Instant::now();
        rt.block_on(crew.run("warm", EventSink::default())).unwrap();
        let critical = start.elapsed();
        for runs in [100, 1000] {
            let start = Instant::now();
            let results = rt.block_on(join_all((0..runs).map(|i| {
                let crew = crew.clone();
                async move { crew.run(&format!("run {i}"), EventSink::default()).await }
            })));
            let wall = start.elapsed();
            assert!(results.iter().all(Result::is_ok));
            println!(
                "| {label} | {runs} | {} | {} (one run alone) | {:.2}× |",
                ms(wall),
                ms(critical),
                wall.as_secs_f64() / critical.as_secs_f64()
            );
        }
    }
    println!("\nTarget (server): ≤ 1.3× the critical path.");
}

// 5. Cold start -----------------------------------------------------------------------------

fn cold(rt: &tokio::runtime::Runtime) {
    heading("5. Cold start: loading a large component, compiled vs from the compile cache");
    println!("| plugin | size | compile + load | load from cache (median of 20) | speed-up |");
    println!("|---|---|---|---|---|");
    for rel in ["javascript/json_query.wasm", "python/calc.wasm"] {
        let path = plugin_path(rel);
        let cache = tempfile::tempdir().unwrap();
        let options = || EngineOptions {
            cache_dir: Some(cache.path().to_path_buf()),
            ..EngineOptions::default()
        };
        let cold_engine = Engine::new(options()).unwrap();
        let start = Instant::now();
        rt.block_on(Plugin::load(&cold_engine, &path)).unwrap();
        let compile = start.elapsed();
        let warm: Vec<Duration> = (0..20)
            .map(|_| {
                // A new engine each time, as a new process would have.
                let engine = Engine::new(options()).unwrap();
                let start = Instant::now();
                rt.block_on(Plugin::load(&engine, &path)).unwrap();
                start.elapsed()
            })
            .collect();
        let (warm, _) = stats(warm);
        println!(
            "| {rel} | {:.1} MB | {} | {} | {:.0}× |",
            std::fs::metadata(&path).unwrap().len() as f64 / 1e6,
            ms(compile),
            ms(warm),
            compile.as_secs_f64() / warm.as_secs_f64()
        );
    }
    println!(
        "\nA load includes the cache lookup, linking, one instantiation and the `tools()` call. Target ≥ 500×."
    );
}

// 6. Sandbox tax ----------------------------------------------------------------------------

fn tax(rt: &tokio::runtime::Runtime) {
    heading("6. Sandbox tax: a CPU-bound guest under epochs and fuel");
    let tools = [
        support::WatTool {
            name: "counter",
            description: "A tight counter loop.",
            parameters: r#"{"type":"object"}"#,
            body: "(local $i i64)
                   (loop $l (local.set $i (i64.add (local.get $i) (i64.const 1)))
                            (br_if $l (i64.lt_u (local.get $i) (i64.const 300000000))))
                   (call $ok {s:done})",
        },
        support::WatTool {
            name: "arith",
            description: "A loop of real arithmetic (xorshift and multiply-add).",
            parameters: r#"{"type":"object"}"#,
            body: "(local $i i64) (local $x i64) (local $acc i64)
                   (local.set $x (i64.const 88172645463325252))
                   (loop $l
                     (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 13))))
                     (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 7))))
                     (local.set $x (i64.xor (local.get $x) (i64.shl (local.get $x) (i64.const 17))))
                     (local.set $acc (i64.add (i64.mul (local.get $acc) (i64.const 6364136223846793005)) (local.get $x)))
                     (local.set $i (i64.add (local.get $i) (i64.const 1)))
                     (br_if $l (i64.lt_u (local.get $i) (i64.const 100000000))))
                   (if (i64.eqz (local.get $acc)) (then unreachable))
                   (call $ok {s:done})",
        },
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = support::write_plugin(
        dir.path(),
        "loops",
        &support::component("wasi-tool", &support::plugin_wat(&tools)),
        None,
    );
    let mut manifest = Manifest::default();
    manifest.limits.timeout_ms = 600_000;
    manifest.limits.fuel = 0;
    let configs = [
        ("neither", false, false),
        ("epochs", true, false),
        ("fuel", false, true),
        ("both", true, true),
    ];
    let plugins: Vec<Plugin> = configs
        .iter()
        .map(|&(_, epochs, fuel)| {
            let engine = engine(EngineOptions {
                epochs,
                fuel,
                ..EngineOptions::default()
            });
            rt.block_on(Plugin::load_with(&engine, &path, manifest.clone()))
                .unwrap()
        })
        .collect();
    // Rounds interleave the configurations, so drift in clock speed hits them alike.
    let mut samples = vec![[Vec::new(), Vec::new()]; configs.len()];
    for _ in 0..9 {
        for (plugin, samples) in plugins.iter().zip(&mut samples) {
            for (tool, out) in ["counter", "arith"].into_iter().zip(samples.iter_mut()) {
                let report = rt.block_on(plugin.call(tool, "{}")).unwrap();
                assert!(report.outcome.is_ok(), "{:?}", report.outcome);
                out.push(report.duration);
            }
        }
    }
    let results: Vec<(&str, Vec<Duration>)> = configs
        .iter()
        .zip(samples)
        .map(|(&(label, ..), [counter, arith])| (label, vec![stats(counter).0, stats(arith).0]))
        .collect();
    println!("| sandbox | tight counter loop | vs neither | arithmetic loop | vs neither |");
    println!("|---|---|---|---|---|");
    let base = results[0].1.clone();
    for (label, row) in &results {
        println!(
            "| {label} | {} | {:.2}× | {} | {:.2}× |",
            ms(row[0]),
            row[0].as_secs_f64() / base[0].as_secs_f64(),
            ms(row[1]),
            row[1].as_secs_f64() / base[1].as_secs_f64()
        );
    }
    println!("\nTarget: epochs ≤ 1.15×.");
}
