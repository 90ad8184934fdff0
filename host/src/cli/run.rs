//! `wasmcrew run`: runs a crew on an input with live progress.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use tokio::sync::mpsc;
use wasmcrew::events::{Event, EventSink};
use wasmcrew::{Crew, CrewOptions, Engine, EngineOptions};

#[derive(Debug, Args)]
pub(super) struct RunArgs {
    /// The crew: a directory with crew.yaml (and agents/), or a crew file.
    crew: PathBuf,
    /// The input for the entry agent (or the tasks); `-` reads it from stdin.
    #[arg(long, short)]
    input: String,
    /// Print every event as a JSON line on stdout instead of progress.
    #[arg(long)]
    json: bool,
    /// Use the offline model even if an LLM endpoint or key is configured.
    #[arg(long)]
    offline: bool,
    /// Record every LLM exchange and tool call to this JSON-lines file.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Replay the LLM answers of a recorded run instead of asking a model.
    #[arg(long, value_name = "FILE", conflicts_with = "record")]
    replay: Option<PathBuf>,
}

pub(super) async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let input = if args.input == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading the input from stdin")?
    } else {
        args.input
    };
    let engine = Engine::new(EngineOptions::default())?;
    let options = CrewOptions {
        offline: args.offline,
        record: args.record,
        replay: args.replay,
        model: None,
    };
    let crew = Crew::load(&args.crew, &engine, options).await?;
    let mode = if args.json {
        Mode::Json
    } else if std::io::stderr().is_terminal() {
        Mode::Spinners
    } else {
        Mode::Plain
    };
    if let Some(warning) = crew.unknown_keys_warning()
        && mode != Mode::Json
    {
        eprintln!("warning: {warning}");
    }

    let (sink, events) = EventSink::channel(4096);
    let run = async {
        let (result, ()) = tokio::join!(crew.run(&input, sink), render(events, mode));
        result
    };
    let result = tokio::select! {
        result = run => result,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("interrupted: the run and every tool call in it were stopped");
            return Ok(ExitCode::from(130));
        }
    };
    match result {
        Ok(output) => {
            if mode != Mode::Json {
                println!("{}", output.answer);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            if mode != Mode::Json {
                eprintln!("error: {error}");
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Json,
    Spinners,
    Plain,
}

async fn render(mut events: mpsc::Receiver<Event>, mode: Mode) {
    let mut spinners = Spinners::default();
    while let Some(event) = events.recv().await {
        match mode {
            Mode::Json => println!(
                "{}",
                serde_json::to_string(&event).expect("events serialize")
            ),
            Mode::Spinners => spinners.show(&event),
            Mode::Plain => {
                if let Some(line) = describe(&event) {
                    eprintln!("{line}");
                }
            }
        }
    }
    spinners.clear();
}

/// One line of progress for `event`, or none for events too fine to print.
fn describe(event: &Event) -> Option<String> {
    Some(match event {
        Event::RunStart { crew, model, .. } => format!("crew {crew} on {model}"),
        Event::AgentStart { agent, round } => format!("▶ {agent} (round {round})"),
        Event::ToolStart { agent, tool, .. } => format!("  {agent} calls {tool}"),
        Event::ToolResult {
            tool,
            outcome,
            duration_ms,
            fuel_used,
            ..
        } => format!("  {tool} → {outcome} ({duration_ms:.1} ms, fuel {fuel_used})"),
        Event::AgentResponse { agent, content } => {
            format!("✔ {agent}: {}", first_line(content))
        }
        Event::Handoff { from, to, signal } => match signal {
            Some(signal) => format!("→ {from} hands off to {to} on {signal}"),
            None => format!("→ {from} hands off to {to}"),
        },
        Event::ParallelStart { group, agents } => {
            format!("⇉ parallel group {group}: {}", agents.join(", "))
        }
        Event::ParallelEnd {
            group,
            completed,
            missing,
        } => format!(
            "⇇ {group}: {} answered{}",
            completed.len(),
            if missing.is_empty() {
                String::new()
            } else {
                format!(", missing {}", missing.join(", "))
            }
        ),
        Event::Warning { message } => format!("warning: {message}"),
        Event::Error { message } => format!("error: {message}"),
        Event::Done { stop, .. } => format!("done: {stop}"),
        Event::LlmRequest { .. } | Event::AgentDelta { .. } => return None,
    })
}

fn first_line(text: &str) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut short: String = line.chars().take(100).collect();
    if short.len() < line.len() {
        short.push('…');
    }
    short
}

/// A spinner per agent at work, with every other event printed above them.
#[derive(Default)]
struct Spinners {
    multi: MultiProgress,
    active: Vec<(String, ProgressBar)>,
}

impl Spinners {
    fn show(&mut self, event: &Event) {
        match event {
            Event::AgentStart { agent, .. } => {
                let bar = self.multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg}").expect("valid template"),
                );
                bar.set_message(format!("{agent} is working…"));
                bar.enable_steady_tick(Duration::from_millis(100));
                self.active.push((agent.clone(), bar));
            }
            Event::AgentResponse { agent, .. } => {
                if let Some(i) = self.active.iter().position(|(a, _)| a == agent) {
                    let (_, bar) = self.active.remove(i);
                    bar.finish_and_clear();
                }
                self.print(event);
            }
            Event::LlmRequest { agent, .. } => self.set(agent, format!("{agent} asks its model…")),
            Event::ToolStart { agent, tool, .. } => {
                self.set(agent, format!("{agent} runs {tool}…"));
                self.print(event);
            }
            _ => self.print(event),
        }
    }

    fn set(&self, agent: &str, message: String) {
        if let Some((_, bar)) = self.active.iter().find(|(a, _)| a == agent) {
            bar.set_message(message);
        }
    }

    fn print(&self, event: &Event) {
        if let Some(line) = describe(event) {
            let _ = self.multi.println(line);
        }
    }

    fn clear(&mut self) {
        for (_, bar) in self.active.drain(..) {
            bar.finish_and_clear();
        }
    }
}
