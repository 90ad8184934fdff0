//! `text`: counts words, lines and characters; finds regex matches; makes slugs.

use regex::Regex;
use serde_json::{Value, json};

wit_bindgen::generate!({ world: "plugin", path: "../../../wit" });

use exports::wasmcrew::plugin::tool::{Guest, ToolError, ToolSpec};

struct Text;

impl Guest for Text {
    fn tools() -> Vec<ToolSpec> {
        vec![
            ToolSpec {
                name: "count".into(),
                description: "Counts the words, lines and characters of a text.".into(),
                parameters: json!({
                    "type": "object",
                    "properties": {"text": {"type": "string", "description": "The text to count."}},
                    "required": ["text"],
                    "additionalProperties": false
                })
                .to_string(),
            },
            ToolSpec {
                name: "find".into(),
                description: "Finds the matches of a regular expression (Rust regex syntax) in a text."
                    .into(),
                parameters: json!({
                    "type": "object",
                    "properties": {
                        "text": {"type": "string", "description": "The text to search."},
                        "pattern": {"type": "string", "description": "The regular expression."},
                        "max_matches": {"type": "integer", "minimum": 1, "default": 100,
                                        "description": "Stop after this many matches."}
                    },
                    "required": ["text", "pattern"],
                    "additionalProperties": false
                })
                .to_string(),
            },
            ToolSpec {
                name: "slugify".into(),
                description: "Turns a text into a lowercase, dash-separated ASCII slug.".into(),
                parameters: json!({
                    "type": "object",
                    "properties": {"text": {"type": "string"}},
                    "required": ["text"],
                    "additionalProperties": false
                })
                .to_string(),
            },
        ]
    }

    fn call(name: String, arguments: String) -> Result<String, ToolError> {
        let args: Value = serde_json::from_str(&arguments)
            .map_err(|e| ToolError::InvalidArgs(e.to_string()))?;
        let text = args["text"].as_str().unwrap_or_default();
        let result = match name.as_str() {
            "count" => json!({
                "words": text.split_whitespace().count(),
                "lines": text.lines().count(),
                "chars": text.chars().count(),
            }),
            "find" => {
                let pattern = args["pattern"].as_str().unwrap_or_default();
                let regex = Regex::new(pattern)
                    .map_err(|e| ToolError::InvalidArgs(format!("invalid pattern: {e}")))?;
                let max = args["max_matches"].as_u64().unwrap_or(100) as usize;
                let matches: Vec<Value> = regex
                    .find_iter(text)
                    .take(max)
                    .map(|m| json!({"match": m.as_str(), "start": m.start(), "end": m.end()}))
                    .collect();
                json!({"count": matches.len(), "matches": matches})
            }
            "slugify" => Value::String(slugify(text)),
            other => return Err(ToolError::InvalidArgs(format!("no tool {other}"))),
        };
        Ok(match result {
            Value::String(s) => s,
            other => other.to_string(),
        })
    }
}

fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

export!(Text);
