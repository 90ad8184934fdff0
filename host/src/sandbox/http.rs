//! Outgoing HTTP: the allow-list and the `wasi:http` hooks that enforce it.
//!
//! The check sits in [`WasiHttpHooks::send_request`], the policy hook wasmtime-wasi-http
//! offers embedders; a request to a host not on the list fails inside the guest with
//! `http-request-denied`, and the call's log says which host was refused.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use wasmtime_wasi_http::{RequestOptions, WasiHttpHooks};

use super::log::{CallLog, LogSource};

/// One entry of the outgoing-HTTP allow-list: `host`, `host:port` or `*.domain`.
///
/// Without a port every port of the host is allowed; `*.example.com` allows every subdomain
/// of example.com (not example.com itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HostPattern {
    host: String,
    port: Option<u16>,
}

impl HostPattern {
    /// Whether a request to `host` on `port` is allowed by this entry.
    pub fn matches(&self, host: &str, port: u16) -> bool {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let host_ok = match self.host.strip_prefix("*.") {
            Some(domain) => host
                .strip_suffix(domain)
                .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1),
            None => host == self.host,
        };
        host_ok && self.port.is_none_or(|p| p == port)
    }
}

impl FromStr for HostPattern {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |why: &str| format!("invalid allowed host {s:?}: {why}");
        if s.contains("://") || s.contains('/') {
            return Err(bad("give a host name, optionally with :port, not a URL"));
        }
        let (host, port) = match s.rsplit_once(':') {
            Some((host, port)) => (
                host,
                Some(
                    port.parse::<u16>()
                        .map_err(|_| bad("the port is not a number"))?,
                ),
            ),
            None => (s, None),
        };
        let name = host.strip_prefix("*.").unwrap_or(host);
        if name.is_empty() || name.contains('*') {
            return Err(bad("expected `host`, `host:port` or `*.domain`"));
        }
        Ok(Self {
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

impl TryFrom<String> for HostPattern {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<HostPattern> for String {
    fn from(p: HostPattern) -> Self {
        p.to_string()
    }
}

impl fmt::Display for HostPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.port {
            Some(port) => write!(f, "{}:{port}", self.host),
            None => f.write_str(&self.host),
        }
    }
}

/// The `wasi:http` hooks of one call: sends requests whose host is allowed, refuses others.
pub(super) struct HttpPolicy {
    pub(super) allowed: std::sync::Arc<[HostPattern]>,
    pub(super) log: CallLog,
}

impl HttpPolicy {
    /// Whether `uri` may be requested.
    fn allows(&self, uri: &http::Uri) -> bool {
        let Some(host) = uri.host() else {
            return false;
        };
        let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
            Some("http") => 80,
            _ => 443,
        });
        self.allowed.iter().any(|p| p.matches(host, port))
    }
}

type SendFuture = Box<
    dyn Future<
            Output = wasmtime_wasi_http::Result<(
                http::Response<wasmtime_wasi_http::WasiBody>,
                Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
            )>,
        > + Send,
>;

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>,
    ) -> SendFuture {
        if !self.allows(request.uri()) {
            self.log.push(
                LogSource::Warn,
                &format!(
                    "outgoing HTTP request to {} denied: host not in the plugin's allow-list",
                    request
                        .uri()
                        .authority()
                        .map_or("<no host>", |a| a.as_str())
                ),
            );
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        drop(fut);
        Box::new(async move {
            use http_body_util::BodyExt;
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((
                response.map(BodyExt::boxed_unsync),
                Box::new(io) as Box<dyn Future<Output = _> + Send>,
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(hosts: &[&str]) -> HttpPolicy {
        HttpPolicy {
            allowed: hosts.iter().map(|h| h.parse().unwrap()).collect(),
            log: CallLog::new(1024),
        }
    }

    #[test]
    fn denies_everything_by_default() {
        assert!(!policy(&[]).allows(&"http://127.0.0.1/".parse().unwrap()));
    }

    #[test]
    fn host_without_port_allows_every_port() {
        let p = policy(&["api.example.com"]);
        assert!(p.allows(&"https://api.example.com/v1".parse().unwrap()));
        assert!(p.allows(&"http://API.example.com:8080/".parse().unwrap()));
        assert!(!p.allows(&"https://example.com/".parse().unwrap()));
        assert!(!p.allows(&"https://api.example.com.evil.net/".parse().unwrap()));
    }

    #[test]
    fn host_with_port_allows_only_that_port() {
        let p = policy(&["127.0.0.1:8080"]);
        assert!(p.allows(&"http://127.0.0.1:8080/x".parse().unwrap()));
        assert!(!p.allows(&"http://127.0.0.1:8081/x".parse().unwrap()));
        assert!(!p.allows(&"http://127.0.0.1/x".parse().unwrap()));
    }

    #[test]
    fn wildcard_allows_subdomains_only() {
        let p = policy(&["*.example.com"]);
        assert!(p.allows(&"https://a.example.com/".parse().unwrap()));
        assert!(p.allows(&"https://a.b.example.com/".parse().unwrap()));
        assert!(!p.allows(&"https://example.com/".parse().unwrap()));
        assert!(!p.allows(&"https://badexample.com/".parse().unwrap()));
    }

    #[test]
    fn rejects_urls_and_bad_ports() {
        assert!("https://x.com".parse::<HostPattern>().is_err());
        assert!("x.com:http".parse::<HostPattern>().is_err());
        assert!("*".parse::<HostPattern>().is_err());
        assert!("".parse::<HostPattern>().is_err());
    }
}
