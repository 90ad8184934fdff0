//! Loading refuses what is not a usable plugin with an error naming the file and the problem,
//! and a good plugin loads from the compile cache the second time.

mod support;

use wasmcrew::{LoadError, Plugin};

async fn load_bytes(bytes: &[u8], manifest: Option<&str>) -> Result<Plugin, LoadError> {
    let dir = tempfile::tempdir().unwrap();
    let path = support::write_plugin(dir.path(), "p", bytes, manifest);
    Plugin::load(&support::engine(&dir.path().join("cache")), &path).await
}

#[tokio::test]
async fn garbage_bytes_are_not_wasm() {
    let err = load_bytes(b"#!/bin/sh\necho hi\n", None)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, LoadError::NotWasm { .. }), "{err}");
    assert!(
        err.to_string().contains("p.wasm: not a WebAssembly file"),
        "{err}"
    );
}

#[tokio::test]
async fn a_core_module_is_not_a_component() {
    let err = load_bytes(&wat::parse_str("(module)").unwrap(), None)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, LoadError::CoreModule { .. }), "{err}");
    assert!(err.to_string().contains("not a component"), "{err}");
}

#[tokio::test]
async fn a_truncated_component_is_invalid() {
    let bytes = support::test_plugin();
    let err = load_bytes(&bytes[..bytes.len() / 2], None)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, LoadError::Invalid { .. }), "{err}");
}

#[tokio::test]
async fn a_component_of_another_world_names_its_exports() {
    let wat = r#"(module
        (func (export "wasi:cli/run@0.2.12#run") (result i32) (i32.const 0)))"#;
    let err = load_bytes(&support::component("not-a-tool", wat), None)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, LoadError::WrongWorld { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("wasmcrew:plugin/tool@0.1.0"), "{text}");
    assert!(
        text.contains("its exports are: wasi:cli/run@0.2.12"),
        "{text}"
    );
}

#[tokio::test]
async fn an_import_the_host_lacks_is_named() {
    let tools = support::plugin_wat(&support::TOOLS[..1]).replacen(
        "(module",
        r#"(module (import "wasmcrew:fixtures/missing" "nope" (func $nope))"#,
        1,
    );
    // The import must be used to be kept in the component.
    let tools = tools.replace(
        "(func $tool0 (param $a i32) (param $l i32) (result i32)\n",
        "(func $tool0 (param $a i32) (param $l i32) (result i32)\n(call $nope)\n",
    );
    let err = load_bytes(&support::component("needs-missing", &tools), None)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, LoadError::Link { .. }), "{err}");
    assert!(
        err.to_string().contains("wasmcrew:fixtures/missing"),
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_file_or_a_directory_is_not_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let engine = support::engine(&dir.path().join("cache"));
    for path in [dir.path().join("absent.wasm"), dir.path().to_path_buf()] {
        let err = Plugin::load(&engine, &path).await.err().unwrap();
        assert!(matches!(err, LoadError::NotAFile { .. }), "{err}");
        assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
    }
}

#[tokio::test]
async fn a_bad_manifest_names_the_file_and_field() {
    let err = load_bytes(&support::test_plugin(), Some("[limits]\nmemory = 5\n"))
        .await
        .err()
        .unwrap();
    let text = err.to_string();
    assert!(text.contains("p.toml") && text.contains("memory"), "{text}");
}

#[tokio::test]
async fn a_bad_tool_schema_names_the_tool() {
    let tools = [support::WatTool {
        name: "broken",
        description: "Has a schema that is not JSON.",
        parameters: "{not json",
        body: "unreachable",
    }];
    let bytes = support::component("wasi-tool", &support::plugin_wat(&tools));
    let err = load_bytes(&bytes, None).await.err().unwrap();
    assert!(err.to_string().contains("tool `broken`"), "{err}");
}

#[tokio::test]
async fn the_second_load_comes_from_the_compile_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = support::write_plugin(dir.path(), "p", &support::test_plugin(), None);
    let cache = dir.path().join("cache");

    let first = support::engine(&cache);
    Plugin::load(&first, &path).await.unwrap();
    let stats = first.cache().unwrap().stats();
    assert_eq!((stats.hits, stats.misses), (0, 1));

    // A new engine (a new process, in effect) maps the artefact instead of compiling.
    let second = support::engine(&cache);
    let plugin = Plugin::load(&second, &path).await.unwrap();
    let stats = second.cache().unwrap().stats();
    assert_eq!((stats.hits, stats.misses), (1, 0));
    assert!(
        plugin
            .call("echo", r#"{"text":"x"}"#)
            .await
            .unwrap()
            .outcome
            .is_ok()
    );

    // The same bytes at another path hit by content hash.
    let copy = support::write_plugin(dir.path(), "copy", &support::test_plugin(), None);
    Plugin::load(&second, &copy).await.unwrap();
    assert_eq!(second.cache().unwrap().stats().misses, 0);
}
