//! `http_get`: fetches a URL through WASI HTTP. The host allows only the hosts the plugin's
//! manifest (or the crew) grants; any other request fails inside the guest with
//! `http-request-denied`, which this tool reports as its error.

use serde_json::{Value, json};
use wasi::http::outgoing_handler;
use wasi::http::types::{ErrorCode, Fields, Method, OutgoingRequest, Scheme};
use wasi::io::streams::StreamError;

wit_bindgen::generate!({ world: "plugin", path: "../../../wit" });

use exports::wasmcrew::plugin::tool::{Guest, ToolError, ToolSpec};

struct HttpGet;

/// Response bodies are cut here; the host's output cap applies on top.
const MAX_BODY: usize = 256 * 1024;

impl Guest for HttpGet {
    fn tools() -> Vec<ToolSpec> {
        vec![ToolSpec {
            name: "http_get".into(),
            description: "Fetches a URL with GET and returns its status and body (text, \
                          at most 256 KiB). Only hosts the plugin is granted can be reached."
                .into(),
            parameters: json!({
                "type": "object",
                "properties": {"url": {"type": "string", "description": "An http:// or https:// URL."}},
                "required": ["url"],
                "additionalProperties": false
            })
            .to_string(),
        }]
    }

    fn call(_name: String, arguments: String) -> Result<String, ToolError> {
        let args: Value = serde_json::from_str(&arguments)
            .map_err(|e| ToolError::InvalidArgs(e.to_string()))?;
        let url = args["url"].as_str().unwrap_or_default();
        let url = url::Url::parse(url)
            .map_err(|e| ToolError::InvalidArgs(format!("invalid url {url:?}: {e}")))?;
        let (status, body) = get(&url)?;
        Ok(json!({"status": status, "body": body}).to_string())
    }
}

fn get(url: &url::Url) -> Result<(u16, String), ToolError> {
    let scheme = match url.scheme() {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => return Err(ToolError::InvalidArgs(format!("unsupported scheme {other}"))),
    };
    let authority = match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{host}:{port}"),
        (Some(host), None) => host.to_string(),
        (None, _) => return Err(ToolError::InvalidArgs("the url has no host".into())),
    };
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    let request = OutgoingRequest::new(Fields::new());
    let set = request
        .set_method(&Method::Get)
        .and(request.set_scheme(Some(&scheme)))
        .and(request.set_authority(Some(&authority)))
        .and(request.set_path_with_query(Some(&path)));
    set.map_err(|()| ToolError::InvalidArgs(format!("cannot build a request for {url}")))?;

    let failed = |e: ErrorCode| ToolError::Failed(format!("GET {url} failed: {}", describe(&e)));
    let pending = outgoing_handler::handle(request, None).map_err(failed)?;
    pending.subscribe().block();
    let response = pending
        .get()
        .and_then(Result::ok)
        .ok_or_else(|| ToolError::Failed("the response was not ready".into()))?
        .map_err(failed)?;
    let status = response.status();
    let body = response
        .consume()
        .map_err(|()| ToolError::Failed("the body was already taken".into()))?;
    let stream = body
        .stream()
        .map_err(|()| ToolError::Failed("the body stream was already taken".into()))?;
    let mut bytes = Vec::new();
    while bytes.len() < MAX_BODY {
        match stream.blocking_read((MAX_BODY - bytes.len()) as u64) {
            Ok(chunk) => bytes.extend_from_slice(&chunk),
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(ToolError::Failed(format!("reading the body failed: {}", e.to_debug_string())));
            }
        }
    }
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

fn describe(error: &ErrorCode) -> String {
    match error {
        ErrorCode::HttpRequestDenied => "http-request-denied (the host is not in the plugin's allow-list)".into(),
        other => format!("{other:?}"),
    }
}

export!(HttpGet);
