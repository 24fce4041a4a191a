//! `ctray hook AGENT`: the hook program of every agent in `agents::ALL`
//! (docs/integrations.md). Each agent's module brings its input to one shape and says the
//! decision its way; the flow from an event to the tray and back is written here once.
//!
//! One rule above all: whatever goes wrong, print nothing and exit 0, so the host falls back
//! to its own prompt. Only an approval a person gave in the app prints "allow".

use std::cell::RefCell;
use std::io::Read;
use std::time::Duration;

use protocol::client::{Client, ClientError};
use protocol::limits::{clip, MAX_ACTION, MAX_ACTIVITY, MAX_DETAILS, MAX_ID, MAX_NAME};
use protocol::model::{
    Agent, AgentKind, AgentState, ApprovalRequest, OnTimeout, Outcome, Resolver, TokenUsage,
    PLAN_TOOL, QUESTION_TOOL,
};
use protocol::rpc::{AgentParams, AskParams};
use serde_json::{json, Value};

use crate::agents::{first_line, text, Host, OwnDialog};
use crate::remember;

/// Hook input larger than this is not ours to show: the host's own prompt takes it.
const MAX_INPUT_BYTES: u64 = 1024 * 1024;
/// What the inbox accepts as details (crates/inbox/src/validate.rs).
const MAX_DETAILS_BYTES: usize = MAX_DETAILS;
/// Status reports must never slow the agent down.
const STATUS_ANSWER_WITHIN: Duration = Duration::from_secs(3);
/// Extra time a blocking ask may take beyond its own deadline before the hook gives up.
const ASK_SLACK: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookOptions {
    pub host: Host,
    /// How long the person has; the installer sets the host's hook timeout above it.
    pub timeout_ms: i64,
    /// `fallback` (default): on timeout print nothing, so the host asks in its own prompt.
    pub on_timeout_deny: bool,
    /// Codex's `notify` program gets its JSON as the last argument.
    pub notify_payload: Option<String>,
    /// The event, for a host whose input does not always name it (Copilot CLI:
    /// `--event sessionStart`).
    pub event: Option<String>,
}

pub const DEFAULT_TIMEOUT_MS: i64 = 5 * 60 * 1000;

/// Runs the hook and returns what to print on stdout (nothing, most of the time).
pub fn run(options: &HookOptions) -> Option<String> {
    let host = options.host;
    let payload = match &options.notify_payload {
        Some(text) => serde_json::from_str(text).ok(),
        None => read_stdin(),
    };
    let answer = payload.as_ref().and_then(|payload| {
        let payload = host.shared_input(payload, options.event.as_deref());
        let result = handle(options, &payload);
        if std::env::var_os("CTRAY_DEBUG").is_some() {
            if let Err(problem) = &result {
                eprintln!("ctray hook: {problem}");
            }
        }
        result.ok().flatten()
    });
    answer
        .or_else(|| host.without_decision(payload.as_ref()))
        .map(|answer| format!("{answer}\n"))
}

fn read_stdin() -> Option<Value> {
    let mut input = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut input)
        .ok()?;
    if input.len() as u64 > MAX_INPUT_BYTES {
        return None;
    }
    serde_json::from_slice(&input).ok()
}

/// A session of the host, as the agent the user sees.
struct Session {
    agent_id: String,
    agent_name: String,
    kind: AgentKind,
    /// One connection for all of an event's status calls (a report, then closing stale
    /// cards), made at the first.
    connection: RefCell<Option<Client>>,
}

impl Session {
    fn of(host: Host, session_id: &str, cwd: &str) -> Option<Self> {
        if session_id.is_empty() {
            return None;
        }
        let project = cwd.rsplit('/').find(|part| !part.is_empty()).unwrap_or(cwd);
        let agent_name = if project.is_empty() {
            host.label().to_owned()
        } else {
            clip(&format!("{} · {project}", host.label()), MAX_NAME)
        };
        Some(Self {
            agent_id: clip(&format!("{}:{session_id}", host.kind()), MAX_ID),
            agent_name,
            kind: host.agent_kind(),
            connection: RefCell::new(None),
        })
    }

    /// This event's connection, made at its first status call.
    fn client(&self) -> Result<std::cell::RefMut<'_, Client>, String> {
        let mut connection = self.connection.borrow_mut();
        if connection.is_none() {
            let client = Client::connect_with(Some(STATUS_ANSWER_WITHIN)).map_err(describe)?;
            *connection = Some(client);
        }
        Ok(std::cell::RefMut::map(connection, |c| {
            c.as_mut().expect("connected just above")
        }))
    }

    fn report(&self, state: Option<AgentState>, activity: String) -> Result<(), String> {
        self.report_state(state, Some(activity), None)
    }

    /// This session's agent as the tray shows it, if the tray has seen the session.
    fn shown(&self) -> Result<Option<Agent>, String> {
        let agents = self.client()?.agents().map_err(describe)?;
        Ok(agents.into_iter().find(|agent| agent.id == self.agent_id))
    }

    /// Like `report`; with no activity the agent's last one stays.
    fn report_state(
        &self,
        state: Option<AgentState>,
        activity: Option<String>,
        usage: Option<TokenUsage>,
    ) -> Result<(), String> {
        let params = AgentParams {
            agent_id: self.agent_id.clone(),
            name: Some(self.agent_name.clone()),
            kind: Some(self.kind),
            state,
            activity: activity.map(|activity| clip(&activity, MAX_ACTIVITY)),
            usage,
        };
        self.client()?
            .update_agent(&params)
            .map(drop)
            .map_err(describe)
    }

    /// Closes this session's pending requests that `stale` picks: the host answered them
    /// some other way (its own prompt) or moved on.
    fn close_stale(
        &self,
        reason: &str,
        stale: impl Fn(&ApprovalRequest) -> bool,
    ) -> Result<(), String> {
        let mut client = self.client()?;
        for request in client.pending().map_err(describe)? {
            if request.agent_id == self.agent_id && stale(&request) {
                // Someone may have decided it a moment ago; that decision stands.
                let _ = client.cancel(&request.id, Some(reason));
            }
        }
        Ok(())
    }
}

fn handle(options: &HookOptions, payload: &Value) -> Result<Option<Value>, String> {
    let host = options.host;
    let event = text(&payload["hook_event_name"]);
    let session = Session::of(host, text(&payload["session_id"]), text(&payload["cwd"]))
        .ok_or("the hook input has no session_id")?;
    let tool = text(&payload["tool_name"]);
    let input = &payload["tool_input"];
    if let Some(dialog) = host.waits_in_its_terminal(event, tool) {
        // The agent asks in its own terminal whatever a hook answers: no card that could not
        // answer, only where the agent waits.
        let waits = match dialog {
            OwnDialog::Plan => "Waits in its terminal for its plan to be approved".to_owned(),
            OwnDialog::Question => format!("Asks in its terminal: {}", summary(tool, input)),
        };
        return session
            .report(Some(AgentState::WaitingForInput), waits)
            .map(|()| None);
    }
    match event {
        "PermissionRequest" => ask(options, &session, payload).map(Some),
        "PreToolUse" if host.only_refuses() => {
            // Its hooks cannot approve; the person's own rule may refuse the call first.
            // A check that fails (an older app) leaves the call to its prompt, still shown.
            let refused = refuse_by_rule(options, &session, payload).unwrap_or(None);
            let activity = match &refused {
                Some(_) => format!("Denied by your rule: {}", summary(tool, input)),
                None => summary(tool, input),
            };
            session.report(Some(AgentState::Working), activity)?;
            Ok(refused)
        }
        "PreToolUse" => session
            .report(Some(AgentState::Working), summary(tool, input))
            .map(|()| None),
        "PostToolUse" | "PostToolUseFailure" => {
            let verb = if event == "PostToolUse" {
                "Ran"
            } else {
                "Failed"
            };
            session.report(
                Some(AgentState::Working),
                format!("{verb} {}", summary(tool, input)),
            )?;
            // The host's own prompt was answered first: the card is no longer a question.
            session
                .close_stale("answered in the agent's own prompt", |request| {
                    request.action == tool && same_call(&request.details, input)
                })
                .map(|()| None)
        }
        "UserPromptSubmit" => session
            .report(Some(AgentState::Working), "Working on a new prompt".into())
            .map(|()| None),
        "Notification" => {
            // Waiting on the person in its own terminal (its prompt, its permission dialog,
            // a question): not "working".
            let waiting = matches!(
                text(&payload["notification_type"]),
                "idle_prompt" | "permission_prompt" | "agent_needs_input" | "elicitation_dialog"
            );
            let state = waiting.then_some(AgentState::WaitingForInput);
            session
                .report(state, text(&payload["message"]).to_owned())
                .map(|()| None)
        }
        "Stop" => {
            let activity = turn_summary(text(&payload["last_assistant_message"]));
            session.report_state(Some(AgentState::Done), Some(activity), usage_of(payload))?;
            // A turn that ended waits for nothing: whatever is still pending was answered
            // in the terminal.
            session
                .close_stale("the agent finished its turn", |_| true)
                .map(|()| None)
        }
        // A turn's end that shows only a session the tray knows (Codex's notify program).
        "TurnComplete" => {
            if session.shown()?.is_none() {
                return Ok(None);
            }
            session
                .report(
                    Some(AgentState::Done),
                    turn_summary(text(&payload["last_assistant_message"])),
                )
                .map(|()| None)
        }
        "SessionStart" => {
            let source = text(&payload["source"]);
            let activity = match source {
                "" => "Session started".to_owned(),
                source => format!("Session started ({source})"),
            };
            session
                .report(Some(AgentState::Idle), activity)
                .map(|()| None)
        }
        "SessionEnd" => {
            let Some(agent) = session.shown()? else {
                // A session the tray never saw (it ran while the app was not): nothing to
                // show as ended. Codex's background server ends such sessions later.
                return Ok(None);
            };
            // A turn's summary (from Stop) says more than "Session ended": it stays.
            let ended_after_a_turn = agent.state == AgentState::Done;
            let activity = match text(&payload["reason"]) {
                "" => "Session ended".to_owned(),
                reason => format!("Session ended ({reason})"),
            };
            session.report_state(
                Some(AgentState::Done),
                (!ended_after_a_turn).then_some(activity),
                usage_of(payload),
            )?;
            session
                .close_stale("the session ended", |_| true)
                .map(|()| None)
        }
        other => Err(format!("nothing to do for event {other:?}")),
    }
}

/// The session's token use so far, from the transcript the agent names (its own file, read
/// as its own user): at the end of a turn and of the session.
fn usage_of(payload: &Value) -> Option<TokenUsage> {
    let path = text(&payload["transcript_path"]);
    let path = std::path::Path::new(path);
    (!path.as_os_str().is_empty())
        .then(|| crate::transcript::usage(path, crate::transcript::progress_file(path).as_deref()))
        .flatten()
}

/// The approval: blocks until a person decides in the app, then answers the host.
fn ask(options: &HookOptions, session: &Session, payload: &Value) -> Result<Value, String> {
    let (params, choices) = ask_params(options, session, payload)?;
    let answer_within = Duration::from_millis(options.timeout_ms.max(0) as u64) + ASK_SLACK;
    let request = Client::connect_with(Some(answer_within))
        .and_then(|mut client| client.ask(&params))
        .map_err(describe)?;
    decision_output(options.host, &request, &choices, &payload["tool_input"])
        .ok_or_else(|| "no decision to pass on".into())
}

/// For an agent that cannot be approved from the tray: the refusal, when the person's rule
/// refuses the call (recorded in the tray's history), else nothing and its prompt asks.
fn refuse_by_rule(
    options: &HookOptions,
    session: &Session,
    payload: &Value,
) -> Result<Option<Value>, String> {
    let (params, _) = ask_params(options, session, payload)?;
    let refused = session.client()?.check(&params).map_err(describe)?;
    Ok(refused
        .and_then(|request| decision_output(options.host, &request, &[], &payload["tool_input"])))
}

/// The request for a call, as its card shows it, and the agent's own "always allow"
/// choices offered with it.
fn ask_params(
    options: &HookOptions,
    session: &Session,
    payload: &Value,
) -> Result<(AskParams, Vec<remember::Choice>), String> {
    let tool = text(&payload["tool_name"]);
    if tool.is_empty() {
        return Err("a call without tool_name".into());
    }
    let input = &payload["tool_input"];
    let mut details = details_prefix(input);
    details.push_str(&format!("cwd: {}\n", text(&payload["cwd"])));
    details.push_str(&format!("session: {}\n", text(&payload["session_id"])));
    if let Some(mode) = payload["permission_mode"].as_str() {
        details.push_str(&format!("permission mode: {mode}\n"));
    }
    if details.len() > MAX_DETAILS_BYTES {
        // Shown cut short, it would be approved unseen: the host's own prompt shows it all.
        return Err(format!(
            "the tool input ({} bytes) is too large to show in full",
            details.len()
        ));
    }
    // The agent's own "always allow", where it offers one.
    let choices = options.host.remember_choices(payload);
    let params = AskParams {
        remember_choices: choices.iter().map(|c| c.label.clone()).collect(),
        agent_name: Some(session.agent_name.clone()),
        agent_kind: Some(session.kind),
        action: clip(tool, MAX_ACTION),
        details,
        timeout_ms: Some(options.timeout_ms),
        on_timeout: Some(if options.on_timeout_deny {
            OnTimeout::Deny
        } else {
            OnTimeout::Fallback
        }),
        ..AskParams::new(&session.agent_id, &clip(&summary(tool, input), 300))
    };
    Ok((params, choices))
}

/// The host's decision JSON for a resolved request; `None` leaves the choice to the host.
/// An approval that let the agent remember one of `choices` carries exactly that one.
/// Questions (`input` is what the agent asked): the person's answers go back in the tool's
/// input, as Claude Code reads them; a question denied in the tray is left to the agent's
/// own terminal, where the person said they would answer it.
pub fn decision_output(
    host: Host,
    request: &ApprovalRequest,
    choices: &[remember::Choice],
    input: &Value,
) -> Option<Value> {
    let resolution = request.resolution.as_ref()?;
    if request.action == QUESTION_TOOL {
        let answers = resolution.answers.as_ref()?;
        if resolution.outcome != Outcome::Approved {
            return None;
        }
        return host.answer_questions(input, answers);
    }
    let picked = resolution
        .remembered
        .as_deref()
        .and_then(|label| choices.iter().find(|c| c.label == label));
    let decision = match resolution.outcome {
        // A plain allow leaves Claude Code asking about the plan in its own terminal (seen
        // with 2.1.328); with the plan as its input, the plan is approved.
        Outcome::Approved if request.action == PLAN_TOOL && input.is_object() => {
            json!({ "behavior": "allow", "updatedInput": input })
        }
        Outcome::Approved => match picked {
            Some(choice) => json!({ "behavior": "allow", "updatedPermissions": [choice.update] }),
            None => json!({ "behavior": "allow" }),
        },
        Outcome::Denied => {
            let by = match serde_json::to_value(resolution.by) {
                Ok(Value::String(by)) => format!(" (from the {by})"),
                _ => String::new(),
            };
            let reason = resolution.reason.as_deref().filter(|r| !r.is_empty());
            let message = match (request.action == PLAN_TOOL, reason) {
                (true, Some(feedback)) => format!(
                    "The user did not approve the plan in Converge Tray{by} and wants to keep \
                     planning. Their feedback: {feedback}"
                ),
                (true, None) => format!(
                    "The user did not approve the plan in Converge Tray{by} and wants to keep \
                     planning."
                ),
                (false, Some(reason)) if resolution.by == Resolver::Policy => {
                    format!("Denied by the user's own rule in Converge Tray: {reason}.")
                }
                (false, Some(reason)) => {
                    format!("The user denied this in Converge Tray{by}. Their reason: {reason}")
                }
                (false, None) => format!("The user denied this in Converge Tray{by}."),
            };
            json!({ "behavior": "deny", "message": message })
        }
        Outcome::TimedOut if request.on_timeout == OnTimeout::Deny => json!({
            "behavior": "deny",
            "message": "No decision in Converge Tray in time, so this is denied.",
        }),
        _ => return None, // timed out to the host's own prompt, or cancelled
    };
    Some(host.answer(decision, input))
}

/// Whether a card (its details start with the tool input it asked about) is about the
/// call `input` describes. The model's `description` is left out: Codex sends it with the
/// PermissionRequest but not with the Pre/PostToolUse of the same call. A question is the
/// same by its questions' texts: once the person answered in the agent's terminal, Claude
/// Code's PostToolUse carries an input with more in it (2.1.328: the answers and more).
fn same_call(details: &str, input: &Value) -> bool {
    let asked = serde_json::Deserializer::from_str(details)
        .into_iter::<Value>()
        .next()
        .and_then(Result::ok);
    let identity = |value: &Value| match value {
        Value::Object(fields) if fields.contains_key("questions") => Value::Array(
            value["questions"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|question| question["question"].clone())
                .collect(),
        ),
        Value::Object(fields) => {
            let mut fields = fields.clone();
            fields.remove("description");
            Value::Object(fields)
        }
        other => other.clone(),
    };
    asked.is_some_and(|asked| identity(&asked) == identity(input))
}

/// The tool input exactly as the agent sent it, pretty-printed, then a blank line.
fn details_prefix(input: &Value) -> String {
    let shown = serde_json::to_string_pretty(input).unwrap_or_default();
    format!("{shown}\n\n")
}

/// One line a person reads at a glance: `Bash: cargo test`, `Edit: src/main.rs`, and for
/// a question, the question: `Asks: Which database should the service use?`.
fn summary(tool: &str, input: &Value) -> String {
    if tool == PLAN_TOOL {
        // Its first line, a heading's marks taken off: "Plan: Add a cache".
        if let Some(plan) = input["plan"].as_str() {
            let first = first_line(plan);
            let first = first.trim_start_matches('#').trim();
            if !first.is_empty() {
                return format!("Plan: {first}");
            }
        }
    }
    if tool == QUESTION_TOOL {
        let questions = input["questions"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        if let Some(first) = questions.first().and_then(|q| q["question"].as_str()) {
            let more = match questions.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            return format!("Asks: {}{more}", first_line(first));
        }
    }
    let what = [
        "command",
        "file_path",
        "path",
        "url",
        "pattern",
        "query",
        "prompt",
    ]
    .iter()
    .find_map(|key| input[key].as_str())
    // Cline's shell tool runs a list of commands: the first says what it does.
    .or_else(|| input["commands"][0].as_str())
    .map(first_line)
    .unwrap_or_else(|| match input {
        Value::Null => String::new(),
        other => clip(&other.to_string(), 160),
    });
    if what.is_empty() {
        tool.to_owned()
    } else {
        format!("{tool}: {what}")
    }
}

/// What a finished turn shows: the first line of the agent's last message.
fn turn_summary(last_message: &str) -> String {
    match first_line(last_message) {
        line if line.is_empty() => "Finished its turn".to_owned(),
        line => line,
    }
}

fn describe(error: ClientError) -> String {
    match error {
        ClientError::Unavailable(why) => format!("the app is not reachable: {why}"),
        ClientError::Untrusted(why) => why,
        ClientError::Rpc(error) => error.message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request as the app sends it, resolved as given.
    fn resolved(outcome: &str, by: &str, reason: Option<&str>, on_timeout: &str) -> Value {
        request(
            on_timeout,
            json!({ "outcome": outcome, "by": by, "at": 1, "reason": reason }),
        )
    }

    fn request(on_timeout: &str, resolution: Value) -> Value {
        json!({
            "id": "r", "agent_id": "claude-code:s", "action": "Bash", "title": "Bash: ls",
            "details": "", "provenance": { "pid": null, "uid": null, "exe": null },
            "created_at": 0, "deadline": 1, "on_timeout": on_timeout,
            "idempotency_key": null, "resolution": resolution,
        })
    }

    /// What the hook prints for an answer of the app: an answer it cannot read (an outcome
    /// from a newer app, say) is no decision.
    fn decision_for(answer: &Value) -> Option<String> {
        let request: ApprovalRequest = serde_json::from_value(answer.clone()).ok()?;
        decision_output(Host::named("claude"), &request, &[], &Value::Null)
            .map(|decision| format!("{decision}\n"))
    }

    #[test]
    fn copilot_gets_the_bare_decision() {
        let answer = |outcome, reason| -> Option<String> {
            let request = resolved(outcome, "popover", reason, "fallback");
            decision_output(
                Host::named("copilot"),
                &serde_json::from_value(request).ok()?,
                &[],
                &Value::Null,
            )
            .map(|decision| format!("{decision}\n"))
        };
        assert_eq!(
            answer("approved", None).as_deref(),
            Some("{\"behavior\":\"allow\"}\n")
        );
        assert_eq!(
            answer("denied", Some("no")).as_deref(),
            Some(
                "{\"behavior\":\"deny\",\"message\":\"The user denied this in Converge Tray \
                 (from the popover). Their reason: no\"}\n"
            )
        );
        assert_eq!(answer("timed-out", None), None);
    }

    #[test]
    fn only_an_approval_allows() {
        let allow = decision_for(&resolved("approved", "popover", None, "fallback")).unwrap();
        assert_eq!(
            allow,
            "{\"hookSpecificOutput\":{\"hookEventName\":\"PermissionRequest\",\"decision\":{\"behavior\":\"allow\"}}}\n"
        );
        for (outcome, on_timeout) in [
            ("timed-out", "fallback"),
            ("cancelled", "deny"),
            ("something-new", "deny"),
        ] {
            assert_eq!(
                decision_for(&resolved(outcome, "system", None, on_timeout)),
                None,
                "{outcome}"
            );
        }
        assert_eq!(decision_for(&json!({})), None);
        assert_eq!(decision_for(&request("deny", Value::Null)), None);
    }

    #[test]
    fn a_denial_carries_the_reason() {
        let out = decision_for(&resolved(
            "denied",
            "notification",
            Some("not on main"),
            "fallback",
        ))
        .unwrap();
        let out: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(out["hookSpecificOutput"]["decision"]["behavior"], "deny");
        assert_eq!(
            out["hookSpecificOutput"]["decision"]["message"],
            "The user denied this in Converge Tray (from the notification). Their reason: not on main"
        );
        let timed_out = decision_for(&resolved("timed-out", "timeout", None, "deny")).unwrap();
        assert!(timed_out.contains("\"behavior\":\"deny\""));
    }

    #[test]
    fn summaries_read_at_a_glance() {
        assert_eq!(
            summary(
                "Bash",
                &json!({"command": "npm test\nnpm run lint", "description": "x"})
            ),
            "Bash: npm test …"
        );
        assert_eq!(
            summary(
                "Write",
                &json!({"file_path": "/a/b.rs", "content": "fn main() {}"})
            ),
            "Write: /a/b.rs"
        );
        assert_eq!(
            summary("mcp__db__query", &json!({"n": 1})),
            "mcp__db__query: {\"n\":1}"
        );
        assert_eq!(summary("ExitPlanMode", &Value::Null), "ExitPlanMode");
    }
}
