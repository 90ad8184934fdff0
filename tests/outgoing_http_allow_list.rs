//! Outgoing HTTP through `wasi:http` reaches only allow-listed hosts, and a guest waiting on
//! a server that never answers is stopped at its deadline.

mod support;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wasmcrew::{Outcome, Plugin};

/// A server on 127.0.0.1 that answers every request with 200, or never answers.
async fn server(answer: bool) -> (String, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let authority = listener.local_addr().unwrap().to_string();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            if answer {
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
            } else {
                held.push(socket);
            }
        }
    });
    (authority, task)
}

async fn load(manifest: &str) -> (tempfile::TempDir, Plugin) {
    let dir = tempfile::tempdir().unwrap();
    let path = support::write_plugin(dir.path(), "tools", &support::test_plugin(), Some(manifest));
    let engine = support::engine(&dir.path().join("cache"));
    let plugin = Plugin::load(&engine, &path).await.unwrap();
    (dir, plugin)
}

fn args(authority: &str) -> String {
    format!(r#"{{"authority":"{authority}"}}"#)
}

#[tokio::test]
async fn requests_are_denied_inside_the_guest_unless_the_host_is_allowed() {
    let (authority, server) = server(true).await;

    let (_d, denied) = load("").await;
    let report = denied.call("http", &args(&authority)).await.unwrap();
    assert_eq!(
        report.outcome,
        Outcome::ToolError("http-request-denied".into())
    );
    assert!(
        report
            .log
            .iter()
            .any(|l| l.message.contains(&authority) && l.message.contains("denied")),
        "{:?}",
        report.log
    );

    let (_d, allowed) = load(&format!(
        "[capabilities]\nallow_hosts = [\"{authority}\"]\n"
    ))
    .await;
    let report = allowed.call("http", &args(&authority)).await.unwrap();
    assert_eq!(
        report.outcome,
        Outcome::Ok("status 200".into()),
        "{:?}",
        report.log
    );

    // Allowed host, other port: denied.
    let other = authority.replace(':', ":1");
    let report = allowed.call("http", &args(&other)).await.unwrap();
    assert_eq!(
        report.outcome,
        Outcome::ToolError("http-request-denied".into())
    );
    server.abort();
}

#[tokio::test]
async fn a_guest_waiting_on_a_silent_server_is_stopped_at_the_deadline() {
    let (authority, server) = server(false).await;
    let (_d, plugin) = load(&format!(
        "[limits]\ntimeout_ms = 300\n[capabilities]\nallow_hosts = [\"{authority}\"]\n"
    ))
    .await;
    let report = plugin.call("http", &args(&authority)).await.unwrap();
    assert_eq!(report.outcome, Outcome::Timeout);
    assert!(
        report.duration < Duration::from_millis(1300),
        "{:?}",
        report.duration
    );
    assert_eq!(plugin.engine().counters().live_stores(), 0);
    server.abort();
}
