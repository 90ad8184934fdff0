//! Loading a tool plugin: checking the file, compiling (or mapping from the cache),
//! checking the component against the WIT contract, linking its imports once
//! (`InstancePre`), and reading its tools.
//!
//! A [`Plugin`] is immutable after load and cheap to clone; every call instantiates it
//! afresh, so calls on one plugin run concurrently and never share guest state.

mod error;
mod manifest;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use wasmtime::component::{HasSelf, Linker};

pub use error::LoadError;
pub use manifest::{Manifest, ManifestError};

use crate::bindings::{self, PluginPre, TOOL_EXPORT};
use crate::engine::Engine;
use crate::sandbox::{self, CallState, Grants, Invocation, Returned, Stop};

/// A loaded plugin.
#[derive(Clone)]
pub struct Plugin {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    name: String,
    engine: Engine,
    pre: PluginPre<CallState>,
    manifest: Manifest,
    grants: Grants,
    tools: Vec<Tool>,
}

/// One tool of a plugin, with its argument schema compiled.
pub struct Tool {
    info: ToolInfo,
    validator: jsonschema::Validator,
}

/// What a tool tells the model about itself.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ToolInfo {
    /// Its name, unique within the plugin.
    pub name: String,
    /// What it does.
    pub description: String,
    /// JSON Schema of its arguments object.
    pub parameters: serde_json::Value,
}

impl Tool {
    /// Its name, description and schema.
    pub fn info(&self) -> &ToolInfo {
        &self.info
    }

    /// Checks `arguments` against the tool's schema; the error names each failing path.
    pub fn check_arguments(&self, arguments: &serde_json::Value) -> Result<(), String> {
        let problems: Vec<String> = self
            .validator
            .iter_errors(arguments)
            .map(|e| {
                let path = e.instance_path().to_string();
                let at = if path.is_empty() { "/".into() } else { path };
                format!("at {at}: {e}")
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }
}

impl Plugin {
    /// Loads the component at `path` with the manifest beside it (`<name>.toml`), if any.
    pub async fn load(engine: &Engine, path: impl AsRef<Path>) -> Result<Self, LoadError> {
        let path = path.as_ref();
        let manifest = Manifest::for_component(path)?;
        Self::load_with(engine, path, manifest).await
    }

    /// Loads the component at `path` with `manifest`; relative directory grants are taken
    /// from the component's directory.
    pub async fn load_with(
        engine: &Engine,
        path: impl AsRef<Path>,
        manifest: Manifest,
    ) -> Result<Self, LoadError> {
        let path = path.as_ref().to_path_buf();
        check_header(&path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        let grants =
            Grants::resolve(&manifest.capabilities, base).map_err(|source| LoadError::Grant {
                path: path.clone(),
                source,
            })?;

        let pre = {
            let (engine, path) = (engine.clone(), path.clone());
            tokio::task::spawn_blocking(move || link(&engine, &path))
                .await
                .expect("the plugin compile task does not panic")?
        };

        let run = sandbox::run(engine, &pre, &manifest.limits, &grants, Invocation::Tools).await;
        let specs = match run.result {
            Ok(Returned::Tools(specs)) => specs,
            Ok(Returned::Call(_)) => unreachable!("tools() returns tool specs"),
            Err(stop) => {
                return Err(LoadError::Tools {
                    path,
                    message: describe_stop(&stop),
                });
            }
        };
        let tools = tools_from_specs(&path, specs)?;

        let name = path
            .file_stem()
            .map_or_else(|| "plugin".into(), |s| s.to_string_lossy().into_owned());
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                name,
                engine: engine.clone(),
                pre,
                manifest,
                grants,
                tools,
            }),
        })
    }

    /// The plugin's name: its file name without extension.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The component file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The manifest in force.
    pub fn manifest(&self) -> &Manifest {
        &self.inner.manifest
    }

    /// Every tool, in the order the plugin lists them.
    pub fn tools(&self) -> &[Tool] {
        &self.inner.tools
    }

    /// The tool called `name`.
    pub fn tool(&self, name: &str) -> Option<&Tool> {
        self.inner.tools.iter().find(|t| t.info.name == name)
    }

    /// The engine the plugin was loaded on (its counters cover this plugin's calls).
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub(crate) fn pre(&self) -> &PluginPre<CallState> {
        &self.inner.pre
    }

    pub(crate) fn grants(&self) -> &Grants {
        &self.inner.grants
    }
}

/// Tells a non-component from a component by its header, before wasmtime sees it: wasmtime
/// would read bytes without the magic as WAT text and report invalid UTF-8.
fn check_header(path: &Path) -> Result<(), LoadError> {
    let not_a_file = |reason: String| LoadError::NotAFile {
        path: path.to_path_buf(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| not_a_file(e.to_string()))?;
    if !meta.is_file() {
        return Err(not_a_file("a directory or special file".into()));
    }
    let mut header = [0u8; 8];
    let read = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut header))
        .map_err(|e| not_a_file(e.to_string()))?;
    if read < 8 || &header[..4] != b"\0asm" {
        return Err(LoadError::NotWasm {
            path: path.to_path_buf(),
        });
    }
    // Bytes 4..8 are version and layer: layer 0 is a core module, layer 1 a component.
    if header[6..8] == [0, 0] {
        return Err(LoadError::CoreModule {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Compiles (or maps) the component, checks its exports and links its imports.
fn link(engine: &Engine, path: &Path) -> Result<PluginPre<CallState>, LoadError> {
    let component = engine
        .component(path, || std::fs::read(path))
        .map_err(|e| LoadError::Invalid {
            path: path.to_path_buf(),
            message: format!("{e:#}"),
        })?;
    let wasmtime = engine.wasmtime();
    let exports: Vec<String> = component
        .component_type()
        .exports(wasmtime)
        .map(|(name, _)| name.to_string())
        .collect();
    if !exports.iter().any(|e| e == TOOL_EXPORT) {
        return Err(LoadError::WrongWorld {
            path: path.to_path_buf(),
            expected: TOOL_EXPORT,
            exports,
        });
    }
    let link_error = |e: wasmtime::Error| LoadError::Link {
        path: path.to_path_buf(),
        message: format!("{e:#}"),
    };
    let linker = linker(wasmtime).map_err(link_error)?;
    let pre = linker.instantiate_pre(&component).map_err(link_error)?;
    PluginPre::new(pre).map_err(link_error)
}

/// Everything a plugin may import: WASI 0.2, `wasi:http`, and the `host` interface. What a
/// call can actually reach is decided by its [`Grants`], not by what is linked.
fn linker(engine: &wasmtime::Engine) -> wasmtime::Result<Linker<CallState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    bindings::Plugin::add_to_linker::<_, HasSelf<CallState>>(&mut linker, |s| s)?;
    Ok(linker)
}

fn tools_from_specs(path: &Path, specs: Vec<bindings::ToolSpec>) -> Result<Vec<Tool>, LoadError> {
    let mut tools: Vec<Tool> = Vec::with_capacity(specs.len());
    for spec in specs {
        let bad = |message: String| LoadError::BadTool {
            path: path.to_path_buf(),
            tool: spec.name.clone(),
            message,
        };
        if spec.name.is_empty() || tools.iter().any(|t| t.info.name == spec.name) {
            return Err(bad("tool names must be non-empty and unique".into()));
        }
        let parameters: serde_json::Value = serde_json::from_str(&spec.parameters)
            .map_err(|e| bad(format!("parameters are not JSON: {e}")))?;
        let validator = jsonschema::validator_for(&parameters)
            .map_err(|e| bad(format!("parameters are not a valid JSON Schema: {e}")))?;
        tools.push(Tool {
            info: ToolInfo {
                name: spec.name,
                description: spec.description,
                parameters,
            },
            validator,
        });
    }
    Ok(tools)
}

/// A one-line description of why a run stopped, for load errors.
fn describe_stop(stop: &Stop) -> String {
    match stop {
        Stop::Timeout => "timed out".into(),
        Stop::OutOfFuel => "ran out of fuel".into(),
        Stop::Limit(hit) => format!("hit a resource limit: {hit:?}"),
        Stop::Trap { message, .. } => format!("trapped: {message}"),
        Stop::Setup(message) => format!("cannot set up the sandbox: {message}"),
    }
}
