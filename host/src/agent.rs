//! One agent's turn: its system prompt, the conversation with its model, and the tool calls
//! the model asks for — run concurrently, each in its own sandbox, their results (or typed
//! failures) returned to the model until it answers.
//!
//! The tool calls of one model turn are tasks of a `JoinSet` owned by the turn: joined
//! before the turn goes on, and aborted (stopping their guests) if the turn is dropped.

use std::sync::Arc;

use tokio::task::JoinSet;

use crate::call::{CallReport, Outcome};
use crate::config::{AgentConfig, SignalRule};
use crate::events::{Event, EventSink};
use crate::llm::{ChatModel, ChatRequest, LlmError, Message, Recorder, ToolCall, ToolDef};
use crate::plugin::Plugin;

/// A tool as one crew exposes it: the name agents and the model use, and the plugin tool
/// behind it.
#[derive(Clone)]
pub struct BoundTool {
    /// The name the model calls it by.
    pub name: String,
    /// The plugin that runs it.
    pub plugin: Plugin,
    /// The tool's name inside the plugin.
    pub tool: String,
}

impl BoundTool {
    fn def(&self) -> ToolDef {
        let info = self
            .plugin
            .tool(&self.tool)
            .expect("bound tools exist in their plugin")
            .info();
        ToolDef {
            name: self.name.clone(),
            description: info.description.clone(),
            parameters: info.parameters.clone(),
        }
    }
}

/// What an agent's turn needs from its run.
#[derive(Clone)]
pub struct TurnContext {
    /// The model answering.
    pub model: Arc<dyn ChatModel>,
    /// Where events go.
    pub events: EventSink,
    /// Records tool calls, when the run is recorded.
    pub recorder: Option<Arc<Recorder>>,
    /// Most model ↔ tool round trips in one turn.
    pub max_tool_rounds: u32,
    /// Tool results are cut to this many characters.
    pub max_tool_output_chars: usize,
}

/// An agent ready to take turns.
pub struct Agent {
    config: AgentConfig,
    model: String,
    system_prompt: String,
    tools: Vec<BoundTool>,
    defs: Vec<ToolDef>,
}

impl Agent {
    /// Builds the agent: its model (`config.model`, else `default_model`), its system
    /// prompt (with its `signals` explained) and its tools.
    pub fn new(
        config: AgentConfig,
        default_model: &str,
        signals: &[SignalRule],
        language: Option<&str>,
        tools: Vec<BoundTool>,
    ) -> Self {
        let model = config.model.clone().unwrap_or_else(|| default_model.into());
        let system_prompt = system_prompt(&config, signals, language);
        let defs = tools.iter().map(BoundTool::def).collect();
        Self {
            config,
            model,
            system_prompt,
            tools,
            defs,
        }
    }

    /// The system prompt it sends.
    pub fn system_prompt(&self) -> &str {
        &self.system_prompt
    }

    /// Takes one turn on `conversation` (without the system prompt) and returns the answer.
    pub async fn run(
        &self,
        ctx: &TurnContext,
        conversation: Vec<Message>,
    ) -> Result<String, LlmError> {
        let id = self.config.id.clone();
        let mut messages = Vec::with_capacity(conversation.len() + 1);
        messages.push(Message::System {
            content: self.system_prompt.clone(),
        });
        messages.extend(conversation);
        let mut request = ChatRequest {
            agent: id.clone(),
            model: self.model.clone(),
            temperature: self.config.temperature,
            messages,
            tools: self.defs.clone(),
        };
        let deltas = |text: &str| {
            ctx.events.emit(Event::AgentDelta {
                agent: id.clone(),
                text: text.to_string(),
            })
        };
        for round in 0..=ctx.max_tool_rounds {
            ctx.events.emit(Event::LlmRequest {
                agent: id.clone(),
                model: self.model.clone(),
                messages: request.messages.len(),
            });
            let response = ctx.model.complete(&request, &deltas).await?;
            if response.tool_calls.is_empty() || round == ctx.max_tool_rounds {
                if !response.tool_calls.is_empty() {
                    ctx.events.emit(Event::Warning {
                        message: format!(
                            "agent `{id}` still asked for tools after {} rounds; its text is taken as its answer",
                            ctx.max_tool_rounds
                        ),
                    });
                }
                let content = response.content.unwrap_or_default();
                ctx.events.emit(Event::AgentResponse {
                    agent: id.clone(),
                    content: content.clone(),
                });
                return Ok(content);
            }
            let results = self.call_tools(ctx, &response.tool_calls).await;
            request.messages.push(Message::Assistant {
                content: response.content,
                tool_calls: response.tool_calls.clone(),
            });
            request
                .messages
                .extend(
                    response
                        .tool_calls
                        .iter()
                        .zip(results)
                        .map(|(call, content)| Message::Tool {
                            tool_call_id: call.id.clone(),
                            content,
                        }),
                );
        }
        unreachable!("the last round always answers")
    }

    /// Runs `calls` concurrently and returns each one's message for the model, in order.
    async fn call_tools(&self, ctx: &TurnContext, calls: &[ToolCall]) -> Vec<String> {
        let mut results = vec![String::new(); calls.len()];
        let mut tasks = JoinSet::new();
        for (index, call) in calls.iter().enumerate() {
            let Some(bound) = self.tools.iter().find(|t| t.name == call.name) else {
                let available: Vec<&str> = self.tools.iter().map(|t| t.name.as_str()).collect();
                results[index] = format!(
                    "error (unknown_tool): there is no tool `{}`; the tools you can call are: {}",
                    call.name,
                    if available.is_empty() {
                        "none".into()
                    } else {
                        available.join(", ")
                    }
                );
                ctx.events.emit(Event::Warning {
                    message: format!(
                        "agent `{}` asked for unknown tool `{}`",
                        self.config.id, call.name
                    ),
                });
                continue;
            };
            ctx.events.emit(Event::ToolStart {
                agent: self.config.id.clone(),
                tool: call.name.clone(),
                arguments: call.arguments.clone(),
            });
            let (plugin, tool, arguments) = (
                bound.plugin.clone(),
                bound.tool.clone(),
                call.arguments.clone(),
            );
            tasks.spawn(async move { (index, plugin.call(&tool, &arguments).await) });
        }
        while let Some(joined) = tasks.join_next().await {
            let (index, report) = joined.expect("tool call tasks do not panic");
            let call = &calls[index];
            let report = report.expect("bound tools exist in their plugin");
            let message = tool_message(&report, ctx.max_tool_output_chars);
            self.report_tool(ctx, call, &report, &message);
            results[index] = message;
        }
        results
    }

    fn report_tool(&self, ctx: &TurnContext, call: &ToolCall, report: &CallReport, message: &str) {
        ctx.events.emit(Event::ToolResult {
            agent: self.config.id.clone(),
            tool: call.name.clone(),
            outcome: report.outcome.name().into(),
            duration_ms: report.duration.as_secs_f64() * 1000.0,
            fuel_used: report.fuel_used,
        });
        if let Some(recorder) = &ctx.recorder {
            recorder.tool(
                &self.config.id,
                &call.name,
                &call.arguments,
                report.outcome.name(),
                message,
            );
        }
    }
}

/// The text the model gets for a tool call: its output, or its typed failure.
fn tool_message(report: &CallReport, max_chars: usize) -> String {
    let text = match &report.outcome {
        Outcome::Ok(output) => output.clone(),
        other => format!(
            "error ({}): {}",
            other.name(),
            other.error().unwrap_or_default()
        ),
    };
    truncate(text, max_chars)
}

fn truncate(text: String, max_chars: usize) -> String {
    let total = text.chars().count();
    if total <= max_chars {
        return text;
    }
    let kept: String = text.chars().take(max_chars).collect();
    format!(
        "{kept}\n…[truncated: {} more characters]",
        total - max_chars
    )
}

fn system_prompt(config: &AgentConfig, signals: &[SignalRule], language: Option<&str>) -> String {
    let mut prompt = match &config.system_prompt {
        Some(template) => template
            .replace("{{name}}", config.display_name())
            .replace("{{role}}", &config.role)
            .replace("{{description}}", &config.description)
            .replace("{{backstory}}", &config.backstory),
        None => {
            let mut p = format!("You are {}", config.display_name());
            if !config.role.is_empty() {
                p.push_str(&format!(", {}", config.role));
            }
            p.push('.');
            for part in [&config.backstory, &config.description] {
                if !part.trim().is_empty() {
                    p.push_str("\n\n");
                    p.push_str(part.trim());
                }
            }
            p
        }
    };
    if let Some(language) = language {
        prompt.push_str(&format!("\n\nAnswer in {language}."));
    }
    if !signals.is_empty() {
        prompt.push_str(
            "\n\nWhen your part is done, end your reply with exactly one of these signals:",
        );
        for rule in signals {
            prompt.push_str(&format!("\n- {}", rule.signal));
            if let Some(description) = &rule.description {
                prompt.push_str(&format!(": {description}"));
            }
        }
    }
    prompt.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_by_characters_and_says_how_much() {
        assert_eq!(truncate("héllo".into(), 10), "héllo");
        assert_eq!(
            truncate("héllo wörld".into(), 5),
            "héllo\n…[truncated: 6 more characters]"
        );
    }
}
