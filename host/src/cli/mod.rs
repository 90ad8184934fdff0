//! Command-line surface: argument parsing and the commands.
//!
//! Exit status: 0 when the command succeeded (a tool call's outcome is `ok`), 1 when a tool
//! call ended with any other outcome, 2 for usage and load errors.

mod run;
mod tool;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit status of usage and load errors.
pub fn exit_usage() -> ExitCode {
    ExitCode::from(2)
}

/// Runs crews of LLM agents whose tools are sandboxed WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "wasmcrew", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a crew on an input, with live progress per agent.
    Run(run::RunArgs),
    /// Inspect and call tool plugins (WebAssembly components).
    #[command(subcommand)]
    Tool(tool::ToolCommand),
}

/// Runs the parsed command.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run::run(args).await,
        Command::Tool(command) => tool::run(command).await,
    }
}
