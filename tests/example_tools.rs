//! The useful example tools, each through the real host: what they return for good input,
//! and the clear `invalid_args` they give for bad input.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use wasmcrew::{Manifest, Outcome, Plugin};

async fn plugin(path: &str, edit: impl FnOnce(&mut Manifest)) -> Option<Plugin> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plugins/out")
        .join(path);
    if !path.is_file() {
        assert!(
            std::env::var_os("WASMCREW_REQUIRE_ALL_PLUGINS").is_none(),
            "{} is missing",
            path.display()
        );
        eprintln!(
            "skipping: {} is not built (cargo xtask plugins)",
            path.display()
        );
        return None;
    }
    let engine = support::engine(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("compile-cache"));
    let mut manifest = Manifest::for_component(&path).unwrap();
    edit(&mut manifest);
    Some(Plugin::load_with(&engine, &path, manifest).await.unwrap())
}

async fn json_of(plugin: &Plugin, tool: &str, args: Value) -> Value {
    match plugin.call(tool, &args.to_string()).await.unwrap().outcome {
        Outcome::Ok(text) => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        other => panic!("{tool} {args}: {other:?}"),
    }
}

async fn invalid(plugin: &Plugin, tool: &str, args: Value) -> String {
    match plugin.call(tool, &args.to_string()).await.unwrap().outcome {
        Outcome::InvalidArgs(message) => message,
        other => panic!("{tool} {args}: expected invalid_args, got {other:?}"),
    }
}

#[tokio::test]
async fn rust_text_counts_finds_and_slugifies() {
    let Some(text) = plugin("rust/text.wasm", |_| {}).await else {
        return;
    };
    assert_eq!(
        json_of(&text, "count", json!({"text": "two words\nand a line"})).await,
        json!({"words": 5, "lines": 2, "chars": 20})
    );
    let found = json_of(
        &text,
        "find",
        json!({"text": "a1 b22 c333", "pattern": r"\d+", "max_matches": 2}),
    )
    .await;
    assert_eq!(found["count"], 2);
    assert_eq!(
        found["matches"][1],
        json!({"match": "22", "start": 4, "end": 6})
    );
    assert_eq!(
        json_of(&text, "slugify", json!({"text": "Héllo, Wörld! 2024"})).await,
        json!("hello-world-2024")
    );
    let message = invalid(&text, "find", json!({"text": "x", "pattern": "(unclosed"})).await;
    assert!(message.contains("invalid pattern"), "{message}");
    let message = invalid(&text, "count", json!({"txt": "x"})).await;
    assert!(message.contains("text"), "{message}");
}

#[tokio::test]
async fn rust_http_get_reaches_only_allowed_hosts() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let authority = listener.local_addr().unwrap().to_string();
    let server = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello",
                )
                .await;
        }
    });
    let url = format!("http://{authority}/greeting");

    let Some(allowed) = plugin("rust/http_get.wasm", |m| {
        m.capabilities.allow_hosts = vec![authority.parse().unwrap()]
    })
    .await
    else {
        return;
    };
    assert_eq!(
        json_of(&allowed, "http_get", json!({"url": url})).await,
        json!({"status": 200, "body": "hello"})
    );

    let denied = plugin("rust/http_get.wasm", |_| {}).await.unwrap();
    let report = denied
        .call("http_get", &json!({"url": url}).to_string())
        .await
        .unwrap();
    assert!(
        matches!(&report.outcome, Outcome::ToolError(m) if m.contains("http-request-denied")),
        "{:?}",
        report.outcome
    );
    let message = invalid(&denied, "http_get", json!({"url": "not a url"})).await;
    assert!(message.contains("invalid url"), "{message}");
    server.abort();
}

#[tokio::test]
async fn javascript_json_query_picks_values_by_path() {
    let Some(query) = plugin("javascript/json_query.wasm", |_| {}).await else {
        return;
    };
    let doc = json!({"users": [{"email": "a@x", "tags": {"a.b": 1}}, {"email": "b@x"}]});
    assert_eq!(
        json_of(
            &query,
            "json_query",
            json!({"document": doc, "path": "users[*].email"})
        )
        .await,
        json!({"found": true, "value": ["a@x", "b@x"]})
    );
    assert_eq!(
        json_of(
            &query,
            "json_query",
            json!({"document": doc.to_string(), "path": "users[0].tags[\"a.b\"]"})
        )
        .await,
        json!({"found": true, "value": 1})
    );
    assert_eq!(
        json_of(
            &query,
            "json_query",
            json!({"document": doc, "path": "users[5]"})
        )
        .await,
        json!({"found": false, "value": null})
    );
    let message = invalid(
        &query,
        "json_query",
        json!({"document": doc, "path": "users[x"}),
    )
    .await;
    assert!(message.contains("invalid path"), "{message}");
}

#[tokio::test]
async fn python_calc_evaluates_safely() {
    let Some(calc) = plugin("python/calc.wasm", |_| {}).await else {
        return;
    };
    assert_eq!(
        json_of(
            &calc,
            "calc",
            json!({"expression": "(2 + 3) * sqrt(16) - 2 ** 3"})
        )
        .await,
        json!({"expression": "(2 + 3) * sqrt(16) - 2 ** 3", "result": 12.0})
    );
    for (expression, expected) in [
        ("__import__('os').system('x')", "unsupported Call"),
        ("1 / 0", "division by zero"),
        ("2 ** 99999", "exponent"),
        ("(1 +", "syntax error"),
    ] {
        let message = invalid(&calc, "calc", json!({"expression": expression})).await;
        assert!(message.contains(expected), "{expression}: {message}");
    }
}

#[tokio::test]
async fn c_hash_matches_known_digests() {
    let Some(hash) = plugin("c/hash.wasm", |_| {}).await else {
        return;
    };
    let sha = |text: &str| json!({"text": text});
    assert_eq!(
        json_of(&hash, "hash", sha("abc")).await["hex"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        json_of(&hash, "hash", sha("")).await["hex"],
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let long = "a".repeat(1000);
    assert_eq!(
        json_of(&hash, "hash", sha(&long)).await["hex"],
        "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
    );
    assert_eq!(
        json_of(
            &hash,
            "hash",
            json!({"text": "123456789", "algorithm": "crc32"})
        )
        .await,
        json!({"algorithm": "crc32", "hex": "cbf43926"})
    );
    // Escapes in the JSON text are hashed as the characters they stand for.
    assert_eq!(
        json_of(&hash, "hash", json!({"text": "é\n", "algorithm": "crc32"})).await["hex"],
        format!("{:08x}", crc32(b"\xc3\xa9\n"))
    );
    let message = invalid(&hash, "hash", json!({"text": "x", "algorithm": "md5"})).await;
    assert!(message.contains("/algorithm"), "{message}");
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & 0u32.wrapping_sub(crc & 1));
        }
    }
    !crc
}

#[tokio::test]
async fn go_time_util_formats_parses_and_diffs() {
    let Some(time) = plugin("go/time_util.wasm", |_| {}).await else {
        return;
    };
    assert_eq!(
        json_of(
            &time,
            "time_diff",
            json!({"from": "2024-05-01T12:00:00Z", "to": 1714657380})
        )
        .await,
        json!({"seconds": 92580, "duration": "25h43m0s"})
    );
    assert_eq!(
        json_of(
            &time,
            "time_format",
            json!({"timestamp": 0, "layout": "RFC1123", "zone": "Europe/Paris"})
        )
        .await,
        json!({"text": "Thu, 01 Jan 1970 01:00:00 CET"})
    );
    assert_eq!(
        json_of(
            &time,
            "time_parse",
            json!({"text": "2024-05-01 10:00", "layout": "2006-01-02 15:04", "zone": "Asia/Tokyo"})
        )
        .await,
        json!({"rfc3339": "2024-05-01T10:00:00+09:00", "unix": 1714525200})
    );
    let message = invalid(
        &time,
        "time_format",
        json!({"timestamp": 0, "zone": "Mars/Olympus"}),
    )
    .await;
    assert!(message.contains("unknown time zone"), "{message}");
    let message = invalid(&time, "time_diff", json!({"from": "yesterday", "to": 0})).await;
    assert!(message.contains("RFC 3339"), "{message}");
}
