//! Why a plugin cannot be loaded. Each variant names the file and what is wrong with it.

use std::path::PathBuf;

use super::manifest::ManifestError;
use crate::sandbox::GrantError;

/// A plugin that cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The path does not name a readable file.
    #[error("{path}: not a file ({reason})")]
    NotAFile {
        /// The path given.
        path: PathBuf,
        /// What is there instead.
        reason: String,
    },
    /// The file does not start with the WebAssembly magic bytes.
    #[error("{path}: not a WebAssembly file (it does not start with \\0asm)")]
    NotWasm {
        /// The file.
        path: PathBuf,
    },
    /// The file is a core module: tools must be components.
    #[error(
        "{path}: a core WebAssembly module, not a component; wrap it with \
         `wasm-tools component new` (see plugins/README.md)"
    )]
    CoreModule {
        /// The file.
        path: PathBuf,
    },
    /// wasmtime cannot compile or validate the component.
    #[error("{path}: invalid component: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// wasmtime's reason.
        message: String,
    },
    /// The component does not export the tool interface.
    #[error(
        "{path}: does not export `{expected}`; its exports are: {}",
        if exports.is_empty() { "(none)".to_string() } else { exports.join(", ") }
    )]
    WrongWorld {
        /// The file.
        path: PathBuf,
        /// The export a plugin must have.
        expected: &'static str,
        /// What it exports instead.
        exports: Vec<String>,
    },
    /// The component imports something the host does not provide (or has the wrong shape).
    #[error("{path}: cannot be linked: {message}")]
    Link {
        /// The file.
        path: PathBuf,
        /// wasmtime's reason, which names the import or export.
        message: String,
    },
    /// The manifest beside the component is invalid.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A capability in the manifest cannot be granted.
    #[error("{path}: {source}")]
    Grant {
        /// The component.
        path: PathBuf,
        /// The grant that failed.
        source: GrantError,
    },
    /// Calling `tools()` failed.
    #[error("{path}: listing its tools failed: {message}")]
    Tools {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A tool's description is unusable (duplicate name, parameters not a JSON Schema).
    #[error("{path}: tool `{tool}`: {message}")]
    BadTool {
        /// The file.
        path: PathBuf,
        /// The tool.
        tool: String,
        /// What is wrong.
        message: String,
    },
}
