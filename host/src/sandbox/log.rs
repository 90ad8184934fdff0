//! The call's log: guest stdout, stderr and `host.log` lines, captured and capped.
//!
//! Nothing a guest prints reaches the host's own stdio. Writes past the cap are accepted and
//! dropped (the log is marked truncated) so a chatty guest neither fails nor stalls.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use serde::Serialize;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

use crate::bindings::Level;

/// Where a log line came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogSource {
    /// The guest's stdout.
    Stdout,
    /// The guest's stderr.
    Stderr,
    /// `host.log` at trace level.
    Trace,
    /// `host.log` at debug level.
    Debug,
    /// `host.log` at info level.
    Info,
    /// `host.log` at warn level.
    Warn,
    /// `host.log` at error level.
    Error,
}

impl LogSource {
    /// The name used in JSON and in printed logs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Stdout => "stdout",
            Self::Stderr => "stderr",
            Self::Trace => "trace",
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }
}

impl From<Level> for LogSource {
    fn from(level: Level) -> Self {
        match level {
            Level::Trace => Self::Trace,
            Level::Debug => Self::Debug,
            Level::Info => Self::Info,
            Level::Warn => Self::Warn,
            Level::Error => Self::Error,
        }
    }
}

/// One captured line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// Where it came from.
    pub source: LogSource,
    /// The text, without its newline.
    pub message: String,
}

/// A call's capped log, shared by its stdout, stderr and `host.log`.
#[derive(Clone, Debug)]
pub struct CallLog {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    lines: Vec<LogLine>,
    bytes: usize,
    cap: usize,
    truncated: bool,
    partial_stdout: Vec<u8>,
    partial_stderr: Vec<u8>,
}

impl CallLog {
    /// An empty log that keeps at most `cap` bytes.
    pub fn new(cap: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                cap,
                ..Inner::default()
            })),
        }
    }

    /// Appends a whole line.
    pub fn push(&self, source: LogSource, message: &str) {
        self.lock().push(source, message.as_bytes());
    }

    /// The guest's stdout, as a WASI stream into this log.
    pub fn stdout(&self) -> GuestOutput {
        GuestOutput {
            log: self.clone(),
            source: LogSource::Stdout,
        }
    }

    /// The guest's stderr, as a WASI stream into this log.
    pub fn stderr(&self) -> GuestOutput {
        GuestOutput {
            log: self.clone(),
            source: LogSource::Stderr,
        }
    }

    /// The lines so far (unfinished stdout/stderr lines included) and whether any were
    /// dropped.
    pub fn snapshot(&self) -> (Vec<LogLine>, bool) {
        let mut inner = self.lock();
        for source in [LogSource::Stdout, LogSource::Stderr] {
            let partial = std::mem::take(inner.partial(source));
            if !partial.is_empty() {
                inner.push(source, &partial);
            }
        }
        (inner.lines.clone(), inner.truncated)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding this lock cannot leave the log inconsistent in a way that
        // matters: keep logging.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self, source: LogSource, bytes: &[u8]) {
        let mut inner = self.lock();
        let mut rest = bytes;
        while let Some(newline) = rest.iter().position(|&b| b == b'\n') {
            let mut line = std::mem::take(inner.partial(source));
            line.extend_from_slice(&rest[..newline]);
            inner.push(source, &line);
            rest = &rest[newline + 1..];
        }
        let room = inner
            .cap
            .saturating_sub(inner.bytes + inner.partial(source).len());
        if rest.len() > room {
            inner.truncated = true;
        }
        let keep = rest.len().min(room);
        inner.partial(source).extend_from_slice(&rest[..keep]);
    }
}

impl Inner {
    fn partial(&mut self, source: LogSource) -> &mut Vec<u8> {
        match source {
            LogSource::Stderr => &mut self.partial_stderr,
            _ => &mut self.partial_stdout,
        }
    }

    fn push(&mut self, source: LogSource, message: &[u8]) {
        let room = self.cap.saturating_sub(self.bytes);
        if message.len() > room {
            self.truncated = true;
            if room == 0 {
                return;
            }
        }
        let kept = &message[..message.len().min(room)];
        self.bytes += kept.len();
        self.lines.push(LogLine {
            source,
            message: String::from_utf8_lossy(kept).into_owned(),
        });
    }
}

/// A guest output stream (stdout or stderr) that writes into a [`CallLog`].
#[derive(Clone, Debug)]
pub struct GuestOutput {
    log: CallLog,
    source: LogSource,
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestOutput {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl OutputStream for GuestOutput {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.log.write(self.source, &bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 << 10)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for GuestOutput {
    async fn ready(&mut self) {}
}

impl tokio::io::AsyncWrite for GuestOutput {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.log.write(self.source, buf);
        std::task::Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_and_keeps_unfinished_ones() {
        let log = CallLog::new(1024);
        log.write(LogSource::Stdout, b"one\ntw");
        log.write(LogSource::Stdout, b"o\nthree");
        log.push(LogSource::Info, "from host");
        let (lines, truncated) = log.snapshot();
        let texts: Vec<_> = lines.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(texts, ["one", "two", "from host", "three"]);
        assert!(!truncated);
    }

    #[test]
    fn drops_what_passes_the_cap_and_says_so() {
        let log = CallLog::new(8);
        log.write(LogSource::Stderr, b"0123456789\nabc\n");
        let (lines, truncated) = log.snapshot();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].message, "01234567");
        assert!(truncated);
    }
}
