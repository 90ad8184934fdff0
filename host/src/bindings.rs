//! Host bindings generated from `wit/plugin.wit`, the one source of truth for the contract.
//!
//! Imports and exports are async so that a guest blocked in a host call can be cancelled by
//! dropping the call's future, and a guest spinning in wasm yields at every epoch tick.

wasmtime::component::bindgen!({
    world: "plugin",
    path: "../wit",
    imports: { default: async },
    exports: { default: async },
});

pub use self::exports::wasmcrew::plugin::tool::{ToolError, ToolSpec};
pub use self::wasmcrew::plugin::host::Level;

/// The instance name a plugin must export.
pub const TOOL_EXPORT: &str = "wasmcrew:plugin/tool@0.1.0";
