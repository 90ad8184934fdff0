//! Test fixtures: real components built from WAT at test time with `wat` and `wit-component`,
//! against the project's own `wit/` contract.
#![allow(dead_code)] // each test binary uses a different part of this module

pub mod llm;

use std::path::{Path, PathBuf};

use wasmcrew::{Engine, EngineOptions};
use wit_component::{ComponentEncoder, StringEncoding};
use wit_parser::Resolve;

/// Extra WIT for fixtures: worlds that import WASI beside the plugin world, and worlds that
/// break the contract on purpose.
const FIXTURE_WIT: &str = r#"
package wasmcrew:fixtures;

interface missing {
  nope: func();
}

world wasi-tool {
  include wasmcrew:plugin/plugin@0.1.0;
  import wasi:clocks/monotonic-clock@0.2.12;
  import wasi:io/poll@0.2.12;
  import wasi:io/streams@0.2.12;
  import wasi:cli/environment@0.2.12;
  import wasi:cli/stdout@0.2.12;
  import wasi:filesystem/preopens@0.2.12;
  import wasi:filesystem/types@0.2.12;
  import wasi:http/types@0.2.12;
  import wasi:http/outgoing-handler@0.2.12;
}

world needs-missing {
  include wasi-tool;
  import missing;
}

world not-a-tool {
  export wasi:cli/run@0.2.12;
}
"#;

fn wit_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit")
}

/// Encodes core-module WAT as a component of `world` (a world of `wasmcrew:fixtures`).
pub fn component(world: &str, wat: &str) -> Vec<u8> {
    let mut resolve = Resolve::default();
    resolve.push_dir(wit_dir()).expect("parsing wit/");
    let pkg = resolve
        .push_str("fixtures.wit", FIXTURE_WIT)
        .expect("parsing fixture WIT");
    let world = resolve
        .select_world(&[pkg], Some(world))
        .expect("fixture world");
    let mut module = wat::parse_str(wat).expect("fixture WAT");
    wit_component::embed_component_metadata(
        &mut module,
        &resolve,
        world,
        StringEncoding::UTF8,
        false,
    )
    .expect("embedding WIT metadata");
    ComponentEncoder::default()
        .module(&module)
        .expect("fixture module")
        .validate(true)
        .encode()
        .expect("encoding fixture component")
}

/// One tool of a WAT fixture: its name, description, parameter schema and body. A body is
/// the inside of `(func (param $a i32) (param $l i32) (result i32) ...)` receiving the
/// arguments string; `{s:TEXT}` in it becomes `(i32.const PTR) (i32.const LEN)` of TEXT.
pub struct WatTool {
    pub name: &'static str,
    pub description: &'static str,
    pub parameters: &'static str,
    pub body: &'static str,
}

const RET: u32 = 256;
const SPECS: u32 = 1024;
const STRINGS: u32 = 4096;

/// Builds the WAT of a plugin offering `tools`, speaking the canonical ABI by hand.
pub fn plugin_wat(tools: &[WatTool]) -> String {
    let mut data: Vec<u8> = Vec::new();
    let mut intern = |text: &str| -> (u32, u32) {
        let ptr = STRINGS + data.len() as u32;
        data.extend_from_slice(text.as_bytes());
        (ptr, text.len() as u32)
    };
    let mut specs: Vec<u8> = Vec::new();
    let mut dispatch = String::new();
    let mut funcs = String::new();
    for (i, tool) in tools.iter().enumerate() {
        let (name_ptr, name_len) = intern(tool.name);
        for (ptr, len) in [
            (name_ptr, name_len),
            intern(tool.description),
            intern(tool.parameters),
        ] {
            specs.extend_from_slice(&ptr.to_le_bytes());
            specs.extend_from_slice(&len.to_le_bytes());
        }
        dispatch.push_str(&format!(
            "(if (call $streq (local.get 0) (local.get 1) (i32.const {name_ptr}) (i32.const {name_len}))
               (then (return (call $tool{i} (local.get 2) (local.get 3)))))\n"
        ));
        let mut body = String::new();
        let mut rest = tool.body;
        while let Some(start) = rest.find("{s:") {
            body.push_str(&rest[..start]);
            let end = start + rest[start..].find('}').expect("closing brace");
            let (ptr, len) = intern(&rest[start + 3..end].replace("\\n", "\n"));
            body.push_str(&format!("(i32.const {ptr}) (i32.const {len})"));
            rest = &rest[end + 1..];
        }
        body.push_str(rest);
        funcs.push_str(&format!(
            "(func $tool{i} (param $a i32) (param $l i32) (result i32)\n{body})\n"
        ));
    }
    let (unknown_ptr, unknown_len) = intern("unknown tool");
    let escape = |bytes: &[u8]| {
        bytes
            .iter()
            .map(|b| format!("\\{b:02x}"))
            .collect::<String>()
    };
    format!(
        r#"(module
  (import "wasmcrew:plugin/host@0.1.0" "log" (func $log (param i32 i32 i32)))
  (import "wasi:clocks/monotonic-clock@0.2.12" "subscribe-duration" (func $subscribe_duration (param i64) (result i32)))
  (import "wasi:io/poll@0.2.12" "[method]pollable.block" (func $block (param i32)))
  (import "wasi:cli/environment@0.2.12" "get-environment" (func $get_env (param i32)))
  (import "wasi:filesystem/preopens@0.2.12" "get-directories" (func $get_dirs (param i32)))
  (import "wasi:filesystem/types@0.2.12" "[method]descriptor.open-at" (func $open_at (param i32 i32 i32 i32 i32 i32 i32)))
  (import "wasi:filesystem/types@0.2.12" "[method]descriptor.read" (func $read (param i32 i64 i64 i32)))
  (import "wasi:cli/stdout@0.2.12" "get-stdout" (func $get_stdout (result i32)))
  (import "wasi:io/streams@0.2.12" "[method]output-stream.blocking-write-and-flush" (func $write_flush (param i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[constructor]fields" (func $new_fields (result i32)))
  (import "wasi:http/types@0.2.12" "[constructor]outgoing-request" (func $new_request (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-request.set-scheme" (func $set_scheme (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-request.set-authority" (func $set_authority (param i32 i32 i32 i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]outgoing-request.set-path-with-query" (func $set_path (param i32 i32 i32 i32) (result i32)))
  (import "wasi:http/outgoing-handler@0.2.12" "handle" (func $handle (param i32 i32 i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]future-incoming-response.subscribe" (func $fut_subscribe (param i32) (result i32)))
  (import "wasi:http/types@0.2.12" "[method]future-incoming-response.get" (func $fut_get (param i32 i32)))
  (import "wasi:http/types@0.2.12" "[method]incoming-response.status" (func $status (param i32) (result i32)))
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 65536))
  (data (i32.const {SPECS}) "{specs}")
  (data (i32.const {STRINGS}) "{strings}")

  (func (export "cabi_realloc") (param $old i32) (param $oldsz i32) (param $align i32) (param $new i32) (result i32)
    (local $p i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (global.set $heap (i32.add (local.get $p) (local.get $new)))
    (block $ok
      (br_if $ok (i32.le_u (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
      (br_if $ok (i32.ne (memory.grow (i32.add (i32.shr_u (i32.sub (global.get $heap)
                 (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1))) (i32.const -1)))
      unreachable)
    (if (local.get $old) (then (memory.copy (local.get $p) (local.get $old) (local.get $oldsz))))
    (local.get $p))

  (func $streq (param $a i32) (param $al i32) (param $b i32) (param $bl i32) (result i32)
    (local $i i32)
    (if (i32.ne (local.get $al) (local.get $bl)) (then (return (i32.const 0))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $al)))
      (if (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $i)))
                  (i32.load8_u (i32.add (local.get $b) (local.get $i))))
        (then (return (i32.const 0))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.const 1))

  (func $ok (param $p i32) (param $l i32) (result i32)
    (i32.store8 (i32.const {RET}) (i32.const 0))
    (i32.store (i32.const {ret4}) (local.get $p))
    (i32.store (i32.const {ret8}) (local.get $l))
    (i32.const {RET}))

  ;; kind 0 = invalid-args, 1 = failed
  (func $err (param $kind i32) (param $p i32) (param $l i32) (result i32)
    (i32.store8 (i32.const {RET}) (i32.const 1))
    (i32.store8 (i32.const {ret4}) (local.get $kind))
    (i32.store (i32.const {ret8}) (local.get $p))
    (i32.store (i32.const {ret12}) (local.get $l))
    (i32.const {RET}))

  (func (export "wasmcrew:plugin/tool@0.1.0#tools") (result i32)
    (i32.store (i32.const {RET}) (i32.const {SPECS}))
    (i32.store (i32.const {ret4}) (i32.const {count}))
    (i32.const {RET}))

  (func (export "wasmcrew:plugin/tool@0.1.0#call") (param i32 i32 i32 i32) (result i32)
    {dispatch}
    (call $err (i32.const 0) (i32.const {unknown_ptr}) (i32.const {unknown_len})))

  {funcs}
)"#,
        specs = escape(&specs),
        strings = escape(&data),
        ret4 = RET + 4,
        ret8 = RET + 8,
        ret12 = RET + 12,
        count = tools.len(),
    )
}

const OBJECT: &str = r#"{"type":"object"}"#;

/// The tools of the hostile and well-behaved test plugin, one per behaviour under test.
pub const TOOLS: &[WatTool] = &[
    WatTool {
        name: "echo",
        description: "Returns its arguments.",
        parameters: r#"{"type":"object","properties":{"text":{"type":"string"}},"required":["text"]}"#,
        body: "(call $ok (local.get $a) (local.get $l))",
    },
    WatTool {
        name: "fail",
        description: "Returns `failed`.",
        parameters: OBJECT,
        body: "(call $err (i32.const 1) {s:it failed on purpose})",
    },
    WatTool {
        name: "reject",
        description: "Refuses its arguments.",
        parameters: OBJECT,
        body: "(call $err (i32.const 0) {s:the tool refused its arguments})",
    },
    WatTool {
        name: "trap",
        description: "Executes `unreachable`.",
        parameters: OBJECT,
        body: "unreachable",
    },
    WatTool {
        name: "spin",
        description: "Loops forever.",
        parameters: OBJECT,
        body: "(loop $forever (br $forever)) unreachable",
    },
    WatTool {
        name: "burn",
        description: "Counts to 2^63: burns fuel.",
        parameters: OBJECT,
        body: "(local $i i64)
               (loop $count
                 (local.set $i (i64.add (local.get $i) (i64.const 1)))
                 (br_if $count (i64.lt_u (local.get $i) (i64.const 0x7fffffffffffffff))))
               (call $ok {s:done})",
    },
    WatTool {
        name: "sleep",
        description: "Sleeps an hour in a WASI host call.",
        parameters: OBJECT,
        body: "(call $block (call $subscribe_duration (i64.const 3600000000000)))
               (call $ok {s:woke up})",
    },
    WatTool {
        name: "grow",
        description: "Grows memory 1 MiB at a time until refused, then traps.",
        parameters: OBJECT,
        body: "(loop $more (br_if $more (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
               unreachable",
    },
    WatTool {
        name: "recurse",
        description: "Recurses without bound.",
        parameters: OBJECT,
        body: "(call $tool8 (local.get $a) (local.get $l))",
    },
    WatTool {
        name: "big",
        description: "Returns 100 MiB.",
        parameters: OBJECT,
        body: "(drop (memory.grow (i32.const 1601)))
               (call $ok (i32.const 131072) (i32.const 104857600))",
    },
    WatTool {
        name: "env",
        description: "Returns $HOME.",
        parameters: OBJECT,
        body: "(local $p i32) (local $n i32)
               (call $get_env (i32.const 300))
               (local.set $p (i32.load (i32.const 300)))
               (local.set $n (i32.load (i32.const 304)))
               (block $none (loop $next
                 (br_if $none (i32.eqz (local.get $n)))
                 (if (call $streq (i32.load (local.get $p)) (i32.load offset=4 (local.get $p)) {s:HOME})
                   (then (return (call $ok (i32.load offset=8 (local.get $p))
                                           (i32.load offset=12 (local.get $p))))))
                 (local.set $p (i32.add (local.get $p) (i32.const 16)))
                 (local.set $n (i32.sub (local.get $n) (i32.const 1)))
                 (br $next)))
               (call $err (i32.const 1) {s:HOME is not set})",
    },
    WatTool {
        name: "read",
        description: "Returns data.txt from the first preopened directory.",
        parameters: OBJECT,
        body: "(call $get_dirs (i32.const 300))
               (if (i32.eqz (i32.load (i32.const 304)))
                 (then (return (call $err (i32.const 1) {s:no directory is preopened}))))
               (call $open_at (i32.load (i32.load (i32.const 300))) (i32.const 0) {s:data.txt}
                              (i32.const 0) (i32.const 1) (i32.const 320))
               (if (i32.load8_u (i32.const 320))
                 (then (return (call $err (i32.const 1) {s:cannot open data.txt}))))
               (call $read (i32.load (i32.const 324)) (i64.const 65536) (i64.const 0) (i32.const 340))
               (if (i32.load8_u (i32.const 340))
                 (then (return (call $err (i32.const 1) {s:cannot read data.txt}))))
               (call $ok (i32.load (i32.const 344)) (i32.load (i32.const 348)))",
    },
    WatTool {
        name: "log",
        description: "Logs through host.log and stdout.",
        parameters: OBJECT,
        body: "(call $log (i32.const 2) {s:hello from host.log})
               (call $write_flush (call $get_stdout) {s:hello from stdout\\n} (i32.const 360))
               (call $ok {s:logged})",
    },
    WatTool {
        name: "http",
        description: "GETs http://AUTHORITY/ through wasi:http; the arguments must be exactly \
                      {\"authority\":\"AUTHORITY\"}.",
        parameters: r#"{"type":"object","properties":{"authority":{"type":"string"}},"required":["authority"]}"#,
        // Return areas: handle's result at 400 (payload at 408); future.get's
        // option<result<result<response, error-code>>> at 400 (payloads at 408, 416, 424).
        body: "(local $req i32) (local $fut i32)
               (local.set $req (call $new_request (call $new_fields)))
               (drop (call $set_scheme (local.get $req) (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 0)))
               (drop (call $set_authority (local.get $req) (i32.const 1)
                       (i32.add (local.get $a) (i32.const 14)) (i32.sub (local.get $l) (i32.const 16))))
               (drop (call $set_path (local.get $req) (i32.const 1) {s:/}))
               (call $handle (local.get $req) (i32.const 0) (i32.const 0) (i32.const 400))
               (if (i32.load8_u (i32.const 400))
                 (then (return (call $err (i32.const 1) {s:the request was refused}))))
               (local.set $fut (i32.load (i32.const 408)))
               (call $block (call $fut_subscribe (local.get $fut)))
               (call $fut_get (local.get $fut) (i32.const 400))
               (if (i32.load8_u (i32.const 416))
                 (then
                   (if (i32.eq (i32.load8_u (i32.const 424)) (i32.const 15))
                     (then (return (call $err (i32.const 1) {s:http-request-denied}))))
                   (return (call $err (i32.const 1) {s:the request failed}))))
               (if (i32.eq (call $status (i32.load (i32.const 424))) (i32.const 200))
                 (then (return (call $ok {s:status 200}))))
               (call $err (i32.const 1) {s:unexpected status})",
    },
];

/// The test plugin with every tool of [`TOOLS`].
pub fn test_plugin() -> Vec<u8> {
    component("wasi-tool", &plugin_wat(TOOLS))
}

/// Writes `bytes` as `<dir>/<name>.wasm`, with `manifest` beside it as `<name>.toml`.
pub fn write_plugin(dir: &Path, name: &str, bytes: &[u8], manifest: Option<&str>) -> PathBuf {
    let path = dir.join(format!("{name}.wasm"));
    std::fs::write(&path, bytes).unwrap();
    if let Some(manifest) = manifest {
        std::fs::write(dir.join(format!("{name}.toml")), manifest).unwrap();
    }
    path
}

/// An engine with the default configuration and a compile cache in `cache`.
pub fn engine(cache: &Path) -> Engine {
    Engine::new(EngineOptions {
        cache_dir: Some(cache.to_path_buf()),
        ..EngineOptions::default()
    })
    .expect("engine")
}

/// A directory holding `crew.yaml` (with `{url}` replaced by `llm_url`) and the test plugin
/// as `tools.wasm`.
pub fn crew_dir(yaml: &str, llm_url: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_plugin(dir.path(), "tools", &test_plugin(), None);
    std::fs::write(dir.path().join("crew.yaml"), yaml.replace("{url}", llm_url)).unwrap();
    dir
}

/// Loads the crew in `dir` on `engine`.
pub async fn load_crew(dir: &Path, engine: &Engine) -> wasmcrew::Crew {
    wasmcrew::Crew::load(dir, engine, wasmcrew::CrewOptions::default())
        .await
        .unwrap_or_else(|e| panic!("loading the crew: {e}"))
}

/// Collects every event of a run.
pub async fn collect(
    mut events: tokio::sync::mpsc::Receiver<wasmcrew::events::Event>,
) -> Vec<wasmcrew::events::Event> {
    let mut all = Vec::new();
    while let Some(event) = events.recv().await {
        all.push(event);
    }
    all
}

/// Whether `condition` holds within two seconds. Aborting a task (what dropping a run does
/// to its tool calls and group members) takes effect when the runtime next polls it, a
/// moment later; tokio also counts a task alive until its harness is released.
pub async fn settles(condition: impl Fn() -> bool) -> bool {
    for _ in 0..200 {
        if condition() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    condition()
}

/// Whether tokio's alive-task count comes back to `baseline`.
pub async fn alive_tasks_settle_at(baseline: usize) -> bool {
    let metrics = tokio::runtime::Handle::current().metrics();
    settles(|| metrics.num_alive_tasks() == baseline).await
}

/// Asserts that `text` contains every one of `parts`, showing `text` when one is missing.
pub fn assert_contains(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "`{part}` missing from: {text}");
    }
}
