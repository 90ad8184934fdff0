//! `wasmcrew tool inspect` and `wasmcrew tool call`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use wasmcrew::sandbox::{Capabilities, DirGrant, HostPattern};
use wasmcrew::{Engine, EngineOptions, Manifest, Plugin};

#[derive(Debug, Subcommand)]
pub(super) enum ToolCommand {
    /// List a plugin's tools with their descriptions and argument schemas.
    Inspect {
        /// The plugin (a WebAssembly component).
        plugin: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Call one tool of a plugin in a fresh sandbox and print its result.
    Call(CallArgs),
}

#[derive(Debug, Args)]
pub(super) struct CallArgs {
    /// The plugin (a WebAssembly component).
    plugin: PathBuf,
    /// The tool to call.
    tool: String,
    /// The arguments, a JSON object.
    #[arg(default_value = "{}")]
    arguments: String,
    /// Deadline of the call in milliseconds (overrides the manifest).
    #[arg(long, value_name = "N")]
    timeout_ms: Option<u64>,
    /// Fuel budget of the call, 0 for unmetered (overrides the manifest).
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    /// Memory cap of the instance in MiB (overrides the manifest).
    #[arg(long, value_name = "N")]
    memory_mb: Option<u64>,
    /// Largest result in bytes (overrides the manifest).
    #[arg(long, value_name = "N")]
    max_output_bytes: Option<usize>,
    /// Allow outgoing HTTP to HOST (`host`, `host:port` or `*.domain`); repeatable.
    #[arg(long = "allow-host", value_name = "HOST")]
    allow_hosts: Vec<HostPattern>,
    /// Preopen a host directory: HOST_PATH:GUEST_PATH[:ro|rw] (read-only by default); repeatable.
    #[arg(long = "dir", value_name = "HOST:GUEST[:ro|rw]")]
    dirs: Vec<DirGrant>,
    /// Pass the host environment variable NAME to the guest; repeatable.
    #[arg(long = "env", value_name = "NAME")]
    env: Vec<String>,
    /// Print one JSON object: outcome, output or error, duration_ms, fuel_used, log.
    #[arg(long)]
    json: bool,
}

pub(super) async fn run(command: ToolCommand) -> anyhow::Result<ExitCode> {
    let engine = Engine::new(EngineOptions::default())?;
    match command {
        ToolCommand::Inspect { plugin, json } => inspect(&engine, plugin, json).await,
        ToolCommand::Call(args) => call(&engine, args).await,
    }
}

async fn inspect(engine: &Engine, path: PathBuf, json: bool) -> anyhow::Result<ExitCode> {
    let plugin = Plugin::load(engine, &path).await?;
    let tools: Vec<_> = plugin.tools().iter().map(|t| t.info()).collect();
    if json {
        let doc = serde_json::json!({
            "plugin": plugin.name(),
            "path": plugin.path(),
            "manifest": plugin.manifest(),
            "tools": tools,
        });
        println!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(ExitCode::SUCCESS);
    }
    let limits = &plugin.manifest().limits;
    println!("{} ({})", plugin.name(), plugin.path().display());
    println!(
        "limits: timeout {} ms, fuel {}, memory {} MiB, output {} bytes",
        limits.timeout_ms,
        if limits.fuel == 0 {
            "unmetered".to_string()
        } else {
            limits.fuel.to_string()
        },
        limits.memory_mb,
        limits.max_output_bytes
    );
    for tool in tools {
        println!("\n{}\n  {}", tool.name, tool.description);
        let schema = serde_json::to_string_pretty(&tool.parameters)?;
        for line in schema.lines() {
            println!("  {line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn call(engine: &Engine, args: CallArgs) -> anyhow::Result<ExitCode> {
    let mut manifest = Manifest::for_component(&args.plugin)?;
    let limits = &mut manifest.limits;
    let overrides = [
        (&mut limits.timeout_ms, args.timeout_ms),
        (&mut limits.fuel, args.fuel),
        (&mut limits.memory_mb, args.memory_mb),
    ];
    for (field, value) in overrides {
        if let Some(value) = value {
            *field = value;
        }
    }
    if let Some(max) = args.max_output_bytes {
        limits.max_output_bytes = max;
    }
    // Directories on the command line are relative to where the user is, not to the plugin.
    let dirs = args
        .dirs
        .into_iter()
        .map(|mut d| {
            d.host = std::path::absolute(&d.host)
                .with_context(|| format!("resolving {}", d.host.display()))?;
            Ok(d)
        })
        .collect::<anyhow::Result<_>>()?;
    manifest.capabilities.extend(Capabilities {
        dirs,
        env: args.env,
        allow_hosts: args.allow_hosts,
    });

    let plugin = Plugin::load_with(engine, &args.plugin, manifest).await?;
    let report = plugin.call(&args.tool, &args.arguments).await?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        for line in &report.log {
            eprintln!("[{}] {}", line.source.name(), line.message);
        }
        match &report.outcome {
            wasmcrew::Outcome::Ok(output) => println!("{output}"),
            other => eprintln!("{}: {}", other.name(), other.error().unwrap_or_default()),
        }
        tracing::info!(
            duration_ms = report.duration.as_secs_f64() * 1000.0,
            fuel_used = report.fuel_used,
            "call finished"
        );
    }
    Ok(if report.outcome.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
