//! The conformance plugin in Rust: the same eight tools, with the same behaviour, as the
//! conformance plugin of every other language (see plugins/README.md).

use std::time::Duration;

use serde_json::Value;

wit_bindgen::generate!({ world: "plugin", path: "../../../wit" });

use exports::wasmcrew::plugin::tool::{Guest, ToolError, ToolSpec};
use wasmcrew::plugin::host::{Level, log};

struct Conformance;

fn spec(name: &str, description: &str, parameters: &str) -> ToolSpec {
    ToolSpec {
        name: name.into(),
        description: description.into(),
        parameters: parameters.into(),
    }
}

const OBJECT: &str = r#"{"type":"object"}"#;

impl Guest for Conformance {
    fn tools() -> Vec<ToolSpec> {
        vec![
            spec("echo", "Returns its arguments.", OBJECT),
            spec("fail", "Always fails.", OBJECT),
            spec("spin", "Loops forever.", OBJECT),
            spec(
                "sleep",
                "Sleeps for `seconds`.",
                r#"{"type":"object","properties":{"seconds":{"type":"number","minimum":0}},"required":["seconds"]}"#,
            ),
            spec(
                "alloc",
                "Allocates `mb` MiB.",
                r#"{"type":"object","properties":{"mb":{"type":"integer","minimum":0}},"required":["mb"]}"#,
            ),
            spec("log", "Logs a line through host.log.", OBJECT),
            spec(
                "env",
                "Returns the environment variable `name`.",
                r#"{"type":"object","properties":{"name":{"type":"string"}},"required":["name"]}"#,
            ),
            spec(
                "read",
                "Returns the file at `path`.",
                r#"{"type":"object","properties":{"path":{"type":"string"}},"required":["path"]}"#,
            ),
        ]
    }

    fn call(name: String, arguments: String) -> Result<String, ToolError> {
        let args: Value = serde_json::from_str(&arguments)
            .map_err(|e| ToolError::InvalidArgs(e.to_string()))?;
        match name.as_str() {
            "echo" => Ok(arguments),
            "fail" => Err(ToolError::Failed("failed on purpose".into())),
            "spin" => loop {
                std::hint::spin_loop();
            },
            "sleep" => {
                std::thread::sleep(Duration::from_secs_f64(args["seconds"].as_f64().unwrap_or(0.0)));
                Ok("slept".into())
            }
            "alloc" => {
                let mb = args["mb"].as_u64().unwrap_or(0) as usize;
                let block = vec![1u8; mb << 20];
                Ok(format!("allocated {} MB", std::hint::black_box(block).len() >> 20))
            }
            "log" => {
                log(Level::Info, "hello from rust");
                Ok("logged".into())
            }
            "env" => {
                let name = args["name"].as_str().unwrap_or_default();
                std::env::var(name).map_err(|_| ToolError::Failed(format!("{name} is not set")))
            }
            "read" => {
                let path = args["path"].as_str().unwrap_or_default();
                std::fs::read_to_string(path)
                    .map_err(|e| ToolError::Failed(format!("cannot read {path}: {e}")))
            }
            other => Err(ToolError::InvalidArgs(format!("no tool {other}"))),
        }
    }
}

export!(Conformance);
