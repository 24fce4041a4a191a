//! `ctray hook claude|codex` fed the agents' own documented payloads, against the real
//! server and inbox: what it prints is what Claude Code or Codex will act on.

mod common;

use std::path::Path;

use common::{app, app_with, ctray, finish, text, wait_pending};
use inbox::{AgentState, Outcome, Resolver, Verdict};
use serde_json::{json, Value};

fn payload(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/payloads")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn hook(socket: &Path, host: &str, extra: &[&str], stdin: &str) -> std::process::Child {
    let mut args = vec!["hook", host];
    args.extend_from_slice(extra);
    ctray(socket, &args, Some(stdin))
}

/// Claude Code's documented PermissionRequest through the hook: the hook, still waiting,
/// and the request it put in front of the person.
fn claude_asks(app: &common::App) -> (std::process::Child, inbox::ApprovalRequest) {
    asks(app, "claude", "claude/permission_request.json")
}

/// A host's PermissionRequest payload through `ctray hook <host>`: the hook, still waiting,
/// and the request it put in front of the person.
fn asks(
    app: &common::App,
    host: &str,
    payload_name: &str,
) -> (std::process::Child, inbox::ApprovalRequest) {
    let child = hook(&app.socket, host, &[], &payload(payload_name));
    (child, wait_pending(&app.inbox))
}

/// Exit 0 and nothing at all on stdout: the agent falls back to its own prompt.
fn assert_silent(out: &std::process::Output) {
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "",
        "a hook that has nothing to say prints nothing"
    );
}

const ALLOW: &str =
    "{\"hookSpecificOutput\":{\"hookEventName\":\"PermissionRequest\",\"decision\":{\"behavior\":\"allow\"}}}\n";

#[test]
fn claude_permission_request_shows_the_exact_action_and_an_approval_allows() {
    let app = app();
    let (child, request) = claude_asks(&app);
    assert_eq!(request.agent_id, "claude-code:abc123");
    assert_eq!(request.action, "Bash");
    assert_eq!(request.title, "Bash: rm -rf node_modules");
    assert_eq!(
        request.details,
        "{\n  \"command\": \"rm -rf node_modules\",\n  \"description\": \"Remove node_modules directory\"\n}\n\n\
         cwd: /Users/...\nsession: abc123\npermission mode: default\n"
    );
    let agent = app.agent("claude-code:abc123");
    assert_eq!(agent.name, "Claude Code · ...");
    assert_eq!(agent.state, AgentState::WaitingForApproval);

    app.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let out = finish(child);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), ALLOW);
}

#[test]
fn a_denial_prints_deny_with_the_persons_reason() {
    let app = app();
    let (child, request) = claude_asks(&app);
    app.inbox
        .decide(
            &request.id,
            Verdict::Deny {
                reason: Some("keep node_modules, run npm ci instead".into()),
            },
            Resolver::Notification,
        )
        .unwrap();
    let out = finish(child);
    assert_eq!(out.status.code(), Some(0));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        printed,
        json!({"hookSpecificOutput": {"hookEventName": "PermissionRequest", "decision": {
            "behavior": "deny",
            "message": "The user denied this in Converge Tray (from the notification). \
                        Their reason: keep node_modules, run npm ci instead"
        }}})
    );
}

#[test]
fn no_decision_in_time_leaves_it_to_the_agents_prompt_unless_told_to_deny() {
    let app = app();
    let out = finish(hook(
        &app.socket,
        "claude",
        &["--timeout", "1s"],
        &payload("claude/permission_request.json"),
    ));
    assert_silent(&out);

    let out = finish(hook(
        &app.socket,
        "claude",
        &["--timeout", "1s", "--on-timeout", "deny"],
        &payload("claude/permission_request.json"),
    ));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        printed["hookSpecificOutput"]["decision"]["behavior"],
        "deny"
    );
    let outcomes: Vec<_> = app
        .inbox
        .history(&Default::default())
        .unwrap()
        .entries
        .into_iter()
        .filter_map(|e| e.outcome)
        .collect();
    assert_eq!(outcomes, [Outcome::TimedOut, Outcome::TimedOut]);
}

#[test]
fn without_the_app_or_with_bad_input_it_prints_nothing_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = dir.path().join("nothing.sock");
    let out = finish(hook(
        &nowhere,
        "claude",
        &[],
        &payload("claude/permission_request.json"),
    ));
    assert_silent(&out);
    assert_eq!(text(&out.stderr), "");
    let out = finish(hook(
        &nowhere,
        "codex",
        &[],
        &payload("codex/permission_request.json"),
    ));
    assert_silent(&out);

    let app = app();
    let huge = json!({
        "session_id": "abc123", "cwd": "/w", "hook_event_name": "PermissionRequest",
        "tool_name": "Write",
        "tool_input": { "file_path": "/w/big.txt", "content": "x".repeat(200 * 1024) },
    });
    for (why, stdin, extra) in [
        (
            "not JSON",
            "{\"hook_event_name\": \"Permission".to_owned(),
            &[][..],
        ),
        (
            "no session",
            json!({"hook_event_name": "PermissionRequest", "tool_name": "Bash"}).to_string(),
            &[],
        ),
        (
            "no tool",
            json!({"session_id": "s", "hook_event_name": "PermissionRequest"}).to_string(),
            &[],
        ),
        (
            "unknown event",
            json!({"session_id": "s", "hook_event_name": "TeammateIdle"}).to_string(),
            &[],
        ),
        ("too large to show in full", huge.to_string(), &[]),
        (
            "over a megabyte",
            format!("{{\"pad\": \"{}\"}}", "y".repeat(1_100_000)),
            &[],
        ),
        (
            "a bad option",
            payload("claude/permission_request.json"),
            &["--timeout", "soon"],
        ),
        (
            "a timeout the inbox refuses",
            payload("claude/permission_request.json"),
            &["--timeout", "0s"],
        ),
    ] {
        let out = finish(hook(&app.socket, "claude", extra, &stdin));
        assert_silent(&out);
        assert!(app.inbox.pending().unwrap().is_empty(), "{why}");
    }
    let out = finish(ctray(&app.socket, &["hook", "gemini"], Some("{}")));
    assert_silent(&out);
}

#[test]
fn the_app_going_away_mid_ask_is_never_an_allow() {
    let app = app();
    let (child, _) = claude_asks(&app);
    drop(app); // the app quits with the question open
    assert_silent(&finish(child));
}

#[test]
fn a_post_tool_use_for_the_same_call_closes_the_card_answered_in_the_terminal() {
    let app = app();
    let asked = payload("claude/permission_request.json");
    let waiting = hook(&app.socket, "claude", &[], &asked);
    let request = wait_pending(&app.inbox);

    // Another tool's PostToolUse (the documented example, a Write) leaves the card alone.
    assert_silent(&finish(hook(
        &app.socket,
        "claude",
        &[],
        &payload("claude/post_tool_use.json"),
    )));
    assert_eq!(app.inbox.pending().unwrap().len(), 1);

    // The same Bash call ran: the person answered in Claude Code's own prompt.
    let mut ran: Value = serde_json::from_str(&asked).unwrap();
    ran["hook_event_name"] = json!("PostToolUse");
    ran["tool_response"] = json!({"stdout": "", "stderr": "", "interrupted": false});
    ran["tool_use_id"] = json!("toolu_01ABC123...");
    assert_silent(&finish(hook(&app.socket, "claude", &[], &ran.to_string())));
    let closed = app.inbox.request(&request.id).unwrap().unwrap();
    let resolution = closed.resolution.unwrap();
    assert_eq!(resolution.outcome, Outcome::Cancelled);
    assert_eq!(
        resolution.reason.as_deref(),
        Some("answered in the agent's own prompt")
    );
    assert_silent(&finish(waiting));
}

#[test]
fn status_events_show_what_the_session_does_and_print_nothing() {
    let app = app();
    let agent = |app: &common::App| app.agent("claude-code:abc123");
    let steps = [
        (
            "claude/session_start.json",
            AgentState::Idle,
            "Session started (startup)",
        ),
        (
            "claude/pre_tool_use.json",
            AgentState::Working,
            "Bash: npm test",
        ),
        (
            "claude/post_tool_use.json",
            AgentState::Working,
            "Ran Write: /path/to/file.txt",
        ),
        // Its own permission dialog is open: it waits for the person, it is not working.
        (
            "claude/notification.json",
            AgentState::WaitingForInput,
            "Claude needs your permission",
        ),
        (
            "claude/stop.json",
            AgentState::Done,
            "I've completed the refactoring. Here's a summary...",
        ),
        // The turn's summary stays when the session ends after it.
        (
            "claude/session_end.json",
            AgentState::Done,
            "I've completed the refactoring. Here's a summary...",
        ),
        (
            "claude/user_prompt_submit.json",
            AgentState::Working,
            "Working on a new prompt",
        ),
        // Ended mid-turn: then it says so.
        (
            "claude/session_end.json",
            AgentState::Done,
            "Session ended (other)",
        ),
    ];
    for (file, state, activity) in steps {
        let out = finish(hook(&app.socket, "claude", &[], &payload(file)));
        assert_silent(&out);
        let agent = agent(&app);
        assert_eq!(
            (agent.state, agent.activity.as_deref()),
            (state, Some(activity)),
            "{file}"
        );
        assert_eq!(agent.name, "Claude Code · ...");
    }
    let mut idle: Value = serde_json::from_str(&payload("claude/notification.json")).unwrap();
    idle["notification_type"] = json!("idle_prompt");
    idle["message"] = json!("Claude is waiting for your input");
    assert_silent(&finish(hook(&app.socket, "claude", &[], &idle.to_string())));
    assert_eq!(agent(&app).state, AgentState::WaitingForInput);
}

#[test]
fn a_turn_that_ends_closes_what_it_left_pending() {
    let app = app();
    let (waiting, request) = claude_asks(&app);
    assert_silent(&finish(hook(
        &app.socket,
        "claude",
        &[],
        &payload("claude/stop.json"),
    )));
    let closed = app.inbox.request(&request.id).unwrap().unwrap();
    assert_eq!(closed.resolution.unwrap().outcome, Outcome::Cancelled);
    assert_silent(&finish(waiting));
}

#[test]
fn codex_permission_request_allows_without_updated_input_and_notify_reports_the_turn() {
    let app = app();
    let child = hook(
        &app.socket,
        "codex",
        &[],
        &payload("codex/permission_request.json"),
    );
    let request = wait_pending(&app.inbox);
    assert_eq!(request.agent_id, "codex:<session-id>");
    assert_eq!(request.title, "Bash: rm -f /tmp/example");
    assert!(request
        .details
        .starts_with("{\n  \"command\": \"rm -f /tmp/example\"\n}\n\n"));
    app.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Shortcut)
        .unwrap();
    let out = finish(child);
    assert_eq!(text(&out.stdout), ALLOW);
    assert!(!text(&out.stdout).contains("updatedInput"));

    let child = hook(
        &app.socket,
        "codex",
        &[],
        &payload("codex/permission_request.json"),
    );
    let request = wait_pending(&app.inbox);
    app.inbox
        .decide(
            &request.id,
            Verdict::Deny { reason: None },
            Resolver::Popover,
        )
        .unwrap();
    let out = finish(child);
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        printed["hookSpecificOutput"]["decision"],
        json!({"behavior": "deny", "message": "The user denied this in Converge Tray (from the popover)."})
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "never exit 2: Codex reads that as a deny"
    );

    // notify: the JSON is the last argument; stdin is not even open. It reports only a
    // session the hooks announced (SessionStart comes first).
    let mut start: Value =
        serde_json::from_str(&payload("codex-0.169.0/session_start.json")).unwrap();
    start["session_id"] = json!("b5f6c1c2-1111-2222-3333-444455556666");
    start["cwd"] = json!("/Users/example/project");
    assert_silent(&finish(hook(&app.socket, "codex", &[], &start.to_string())));
    let notify = payload("codex/notify.json");
    let out = finish(ctray(&app.socket, &["hook", "codex", &notify], None));
    assert_silent(&out);
    let agent = app.agent("codex:b5f6c1c2-1111-2222-3333-444455556666");
    assert_eq!(agent.name, "Codex · project");
    assert_eq!(agent.state, AgentState::Done);
    assert_eq!(
        agent.activity.as_deref(),
        Some("Rename complete and verified `cargo build` succeeds.")
    );
}

#[test]
fn qwen_code_asks_like_claude_code_and_gets_the_same_answers() {
    let app = app();
    let (child, request) = asks(&app, "qwen", "qwen/permission_request.json");
    assert_eq!(request.agent_id, "qwen-code:qwen-session-1");
    assert_eq!(request.action, "run_shell_command");
    assert_eq!(request.title, "run_shell_command: rm -rf dist");
    assert!(request.details.contains("\"command\": \"rm -rf dist\""));
    assert!(request.details.contains("cwd: /home/me/shop"));
    assert_eq!(
        app.agent("qwen-code:qwen-session-1").name,
        "Qwen Code · shop"
    );
    app.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let out = finish(child);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), ALLOW);

    // A denial carries the person's reason to the model, as for Claude Code.
    let (child, request) = asks(&app, "qwen", "qwen/permission_request.json");
    app.inbox
        .decide(
            &request.id,
            Verdict::Deny {
                reason: Some("keep dist".into()),
            },
            Resolver::Popover,
        )
        .unwrap();
    let out = finish(child);
    assert!(text(&out.stdout).contains("\"behavior\":\"deny\""));
    assert!(text(&out.stdout).contains("keep dist"));
}

/// Claude Code 2.1.328 also asks its question in its own terminal: answered there, its
/// PostToolUse (the input with the person's `answers` added) closes the tray's card.
#[test]
fn a_question_answered_in_claude_codes_terminal_closes_its_card() {
    let app = app();
    let (waiting, request) = asks(
        &app,
        "claude",
        "claude-2.1.328/permission_request_question.json",
    );
    let asked: Value =
        serde_json::from_str(&payload("claude-2.1.328/permission_request_question.json")).unwrap();
    let mut post: Value =
        serde_json::from_str(&payload("claude-2.1.328/post_tool_use.json")).unwrap();
    post["session_id"] = asked["session_id"].clone();
    post["tool_name"] = json!("AskUserQuestion");
    post["tool_input"] = asked["tool_input"].clone();
    post["tool_input"]["answers"] = json!({"Which database should the service use?": "PostgreSQL"});
    assert_silent(&finish(hook(&app.socket, "claude", &[], &post.to_string())));
    let closed = app.inbox.request(&request.id).unwrap().unwrap();
    assert_eq!(
        closed.resolution.unwrap().reason.as_deref(),
        Some("answered in the agent's own prompt")
    );
    assert_silent(&finish(waiting));
}

/// OpenCode's `question` tool, as its `question.asked` event came (1.18.33, through ctray's
/// plugin): a question card like Claude Code's; answered, the labels go back as OpenCode's
/// question service takes them; "answer in the terminal" prints nothing.
#[test]
fn an_opencode_question_is_answered_in_the_tray_as_its_question_service_takes_it() {
    let app = app();
    let file = "opencode-1.18.33/question_asked.json";
    let (child, request) = asks(&app, "opencode", file);
    assert_eq!(request.action, "AskUserQuestion");
    assert_eq!(
        request.title,
        "Asks: Which database should the service use?"
    );
    assert!(request.details.contains("\"Embedded\""));
    assert_eq!(request.agent_id, "opencode:ses_db2457ff3ffeFrXsmtf5E8euqQ");
    app.inbox
        .decide(
            &request.id,
            Verdict::Answer {
                answers: [(
                    "Which database should the service use?".to_owned(),
                    "Postgres".to_owned(),
                )]
                .into(),
            },
            Resolver::Popover,
        )
        .unwrap();
    assert_eq!(
        text(&finish(child).stdout),
        "{\"answers\":[[\"Postgres\"]]}\n"
    );

    let (child, request) = asks(&app, "opencode", file);
    app.inbox
        .decide(
            &request.id,
            Verdict::Deny { reason: None },
            Resolver::Popover,
        )
        .unwrap();
    assert_silent(&finish(child));
}

/// Qwen Code shows its own dialog for its questions and plans whatever the hook says (0.24.4:
/// an allow, with or without answers, is ignored): they make no card that could not answer,
/// and the agent shows as waiting in its terminal.
#[test]
fn qwen_codes_questions_and_plans_stay_in_its_terminal_with_no_card() {
    let app = app();
    let mut question: Value =
        serde_json::from_str(&payload("qwen/permission_request.json")).unwrap();
    question["tool_name"] = json!("ask_user_question");
    question["tool_input"] = json!({"questions": [{"question": "Which database?", "header": "DB",
        "options": [{"label": "SQLite", "description": "One file"}]}]});
    let out = finish(hook(&app.socket, "qwen", &[], &question.to_string()));
    assert_silent(&out);
    assert!(app.inbox.pending().unwrap().is_empty(), "no card");
    let agent = app.agent("qwen-code:qwen-session-1");
    assert_eq!(agent.state, AgentState::WaitingForInput);
    assert!(
        agent
            .activity
            .as_deref()
            .unwrap()
            .starts_with("Asks in its terminal"),
        "{:?}",
        agent.activity
    );
    let mut plan = question.clone();
    plan["tool_name"] = json!("exit_plan_mode");
    plan["tool_input"] = json!({"plan": "1. Add a cache"});
    assert_silent(&finish(hook(&app.socket, "qwen", &[], &plan.to_string())));
    assert!(app.inbox.pending().unwrap().is_empty(), "no card");
    assert_eq!(
        app.agent("qwen-code:qwen-session-1").activity.as_deref(),
        Some("Waits in its terminal for its plan to be approved")
    );
}

/// Codex asks the person in Plan mode through `request_user_input`, which only its
/// PreToolUse sees: the agent shows as waiting in its terminal, not working.
#[test]
fn a_codex_question_shows_the_agent_waiting_in_its_terminal() {
    let app = app();
    let mut pre: Value = serde_json::from_str(&payload("codex-0.169.0/pre_tool_use.json")).unwrap();
    pre["tool_name"] = json!("request_user_input");
    pre["tool_input"] = json!({"questions": [{"id": "db", "header": "DB",
        "question": "Which database?", "options": [{"label": "SQLite", "description": ""}]}]});
    assert_silent(&finish(hook(&app.socket, "codex", &[], &pre.to_string())));
    let agent = app.inbox.agents().unwrap().remove(0);
    assert_eq!(agent.state, AgentState::WaitingForInput);
    assert!(
        agent
            .activity
            .as_deref()
            .unwrap()
            .starts_with("Asks in its terminal"),
        "{:?}",
        agent.activity
    );
}

/// What Claude Code 2.1.328 really sent, driven offline by tests/e2e/model_server.py: its
/// Bash call is a card with the command and the model's description; approved, it gets the
/// allow; the turn ends done with the model's last words, which the session's end keeps.
#[test]
fn claude_code_2_1_328_as_captured_asks_and_reports_its_session() {
    let app = app();
    let dir = "claude-2.1.328";
    let agent_id = "claude-code:be4ab099-db00-4ad6-bdb3-e6464e0f4343";
    for event in ["session_start", "user_prompt_submit", "pre_tool_use"] {
        assert_silent(&finish(hook(
            &app.socket,
            "claude",
            &[],
            &payload(&format!("{dir}/{event}.json")),
        )));
    }
    assert_eq!(app.agent(agent_id).state, AgentState::Working);
    let (child, request) = asks(&app, "claude", &format!("{dir}/permission_request.json"));
    assert_eq!(request.agent_id, agent_id);
    assert_eq!(request.title, "Bash: touch /tmp/probe/proj/marker");
    assert!(request
        .details
        .contains("\"description\": \"Create the marker file\""));
    assert!(request.details.contains("permission mode: default"));
    app.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let out = finish(child);
    assert_eq!(text(&out.stdout), ALLOW);
    for event in ["stop", "session_end"] {
        let input = payload(&format!("{dir}/{event}.json"));
        assert_silent(&finish(hook(&app.socket, "claude", &[], &input)));
    }
    let agent = app.agent(agent_id);
    assert_eq!(agent.name, "Claude Code · proj");
    assert_eq!(
        (agent.state, agent.activity.as_deref()),
        (AgentState::Done, Some("Done."))
    );
}

/// What Codex 0.169.0 really sent in an interactive session: its title-writing thread's
/// notify makes no second agent; the PermissionRequest carries the model's reason but the
/// PostToolUse of the same call does not, and still closes the card that Codex's own prompt
/// answered; the turn ends done.
#[test]
fn codex_0_169_0_as_captured_is_one_agent_and_its_own_prompt_closes_the_card() {
    let app = app();
    let dir = "codex-0.169.0";
    let agent_id = "codex:01a22911-a33e-72b2-8ca5-387166120df6";
    for event in ["session_start", "user_prompt_submit", "pre_tool_use"] {
        assert_silent(&finish(hook(
            &app.socket,
            "codex",
            &[],
            &payload(&format!("{dir}/{event}.json")),
        )));
    }
    let title_thread = payload(&format!("{dir}/notify_title_thread.json"));
    assert_silent(&finish(ctray(
        &app.socket,
        &["hook", "codex", &title_thread],
        None,
    )));
    let (child, request) = asks(&app, "codex", &format!("{dir}/permission_request.json"));
    assert_eq!(request.title, "Bash: touch /tmp/probe/proj2/marker");
    assert!(request.details.contains("Create the marker file"));
    assert_silent(&finish(hook(
        &app.socket,
        "codex",
        &[],
        &payload(&format!("{dir}/post_tool_use.json")),
    )));
    let closed = app.inbox.request(&request.id).unwrap().unwrap();
    assert_eq!(
        closed.resolution.unwrap().reason.as_deref(),
        Some("answered in the agent's own prompt")
    );
    assert_silent(&finish(child));
    assert_silent(&finish(hook(
        &app.socket,
        "codex",
        &[],
        &payload(&format!("{dir}/stop.json")),
    )));
    let notify = payload(&format!("{dir}/notify.json"));
    assert_silent(&finish(ctray(
        &app.socket,
        &["hook", "codex", &notify],
        None,
    )));
    let agents = app.inbox.agents().unwrap();
    assert_eq!(
        agents.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        [agent_id],
        "one Codex session, one agent"
    );
    assert_eq!(
        (agents[0].state, agents[0].activity.as_deref()),
        (AgentState::Done, Some("Done."))
    );
}

/// What Copilot CLI 1.0.102 really sent (`copilot -p`, driven offline): each status hook
/// named by the installer's `--event`, the permissionRequest by its own `hookName`; the
/// answer is Copilot's bare decision JSON; the PostToolUse of the call (with the model's
/// description, which the request lacked) closes the card its own prompt answered.
#[test]
fn copilot_1_0_102_as_captured_asks_and_reports_its_session() {
    let app = app();
    let dir = "copilot-1.0.102";
    let agent_id = "copilot:3a1583c6-5a71-4eaa-a0bd-e5006f06ddba";
    let status = |file: &str, event: &str| {
        let input = payload(&format!("{dir}/{file}.json"));
        assert_silent(&finish(hook(
            &app.socket,
            "copilot",
            &["--event", event],
            &input,
        )));
    };
    status("session_start", "sessionStart");
    assert_eq!(app.agent(agent_id).state, AgentState::Idle);
    assert_eq!(app.agent(agent_id).name, "Copilot CLI · proj");
    status("user_prompt_submitted", "userPromptSubmitted");
    status("pre_tool_use", "preToolUse");
    assert_eq!(
        app.agent(agent_id).activity.as_deref(),
        Some("bash: touch /tmp/probe/cop/proj/marker")
    );

    let asked = payload(&format!("{dir}/permission_request.json"));
    let child = hook(
        &app.socket,
        "copilot",
        &["--event", "permissionRequest"],
        &asked,
    );
    let request = wait_pending(&app.inbox);
    assert_eq!(request.agent_id, agent_id);
    assert_eq!(request.title, "bash: touch /tmp/probe/cop/proj/marker");
    app.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let out = finish(child);
    assert_eq!(
        out.status.code(),
        Some(0),
        "exit 1 would be a deny to Copilot"
    );
    assert_eq!(text(&out.stdout), "{\"behavior\":\"allow\"}\n");

    let child = hook(&app.socket, "copilot", &[], &asked);
    let request = wait_pending(&app.inbox);
    app.inbox
        .decide(
            &request.id,
            Verdict::Deny {
                reason: Some("use the Makefile".into()),
            },
            Resolver::Popover,
        )
        .unwrap();
    let out: Value = serde_json::from_slice(&finish(child).stdout).unwrap();
    assert_eq!(out["behavior"], "deny");
    assert!(out["message"]
        .as_str()
        .unwrap()
        .ends_with("Their reason: use the Makefile"));

    // Answered in Copilot's own prompt: its postToolUse closes the card.
    let waiting = hook(&app.socket, "copilot", &[], &asked);
    let request = wait_pending(&app.inbox);
    status("post_tool_use", "postToolUse");
    let closed = app.inbox.request(&request.id).unwrap().unwrap();
    assert_eq!(
        closed.resolution.unwrap().reason.as_deref(),
        Some("answered in the agent's own prompt")
    );
    assert_silent(&finish(waiting));

    status("agent_stop", "agentStop");
    status("session_end", "sessionEnd");
    let agent = app.agent(agent_id);
    assert_eq!(
        (agent.state, agent.activity.as_deref()),
        (AgentState::Done, Some("Finished its turn"))
    );
    // An event ctray does not know, or none named: nothing printed, nothing changed.
    status("session_end", "somethingNew");
    assert_silent(&finish(hook(
        &app.socket,
        "copilot",
        &[],
        "{\"sessionId\": \"x\"}",
    )));
    assert_eq!(app.inbox.agents().unwrap().len(), 1);
}

/// Claude Code's own "always allow": its permission suggestions are offered as readable
/// choices; the one the person picks goes back, exactly as Claude suggested it, in
/// `updatedPermissions`; a plain approval sends none; other agents are offered none.
#[test]
fn claude_codes_suggestion_picked_on_the_card_goes_back_exactly_and_only_then() {
    let app = app();
    let asked = payload("claude/permission_request.json");
    let (child, request) = asks(&app, "claude", "claude/permission_request.json");
    let label = "Always allow `Bash(rm -rf node_modules)` in this project (only you)";
    assert_eq!(request.remember_choices, [label]);
    app.inbox
        .decide(
            &request.id,
            Verdict::ApproveRemembering {
                choice: label.into(),
            },
            Resolver::Popover,
        )
        .unwrap();
    let out = finish(child);
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let suggested: Value = serde_json::from_str(&asked).unwrap();
    assert_eq!(
        printed["hookSpecificOutput"]["decision"],
        json!({"behavior": "allow",
               "updatedPermissions": [suggested["permission_suggestions"][0]]})
    );

    // The captured 2.1.328 request: two session-wide suggestions, the second picked.
    let (child, request) = asks(&app, "claude", "claude-2.1.328/permission_request.json");
    assert_eq!(
        request.remember_choices,
        [
            "Allow access to /tmp/probe/proj for this session",
            "Switch to accept-edits mode for this session"
        ]
    );
    app.inbox
        .decide(
            &request.id,
            Verdict::ApproveRemembering {
                choice: request.remember_choices[1].clone(),
            },
            Resolver::Window,
        )
        .unwrap();
    let printed: Value = serde_json::from_slice(&finish(child).stdout).unwrap();
    assert_eq!(
        printed["hookSpecificOutput"]["decision"]["updatedPermissions"],
        json!([{"type": "setMode", "mode": "acceptEdits", "destination": "session"}])
    );

    // A plain approval: nothing remembered.
    let (child, request) = asks(&app, "claude", "claude/permission_request.json");
    app.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    assert_eq!(text(&finish(child).stdout), ALLOW);

    // Codex and Copilot CLI requests offer none.
    let (child, request) = asks(&app, "codex", "codex-0.169.0/permission_request.json");
    assert!(request.remember_choices.is_empty());
    app.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    finish(child);
}

/// Cursor (never run here: documented payloads). Its shell command and MCP call are cards;
/// the answer is `{"permission": …}`; whenever the tray has no decision (the app absent,
/// input it cannot read) the hook says "ask" outright, so Cursor shows its own prompt; the
/// after-event of a call answered in Cursor closes its card; `stop` shows the agent done.
#[test]
fn cursor_asks_about_shell_commands_and_mcp_calls_and_otherwise_says_ask() {
    let app = app();
    let (child, request) = asks(&app, "cursor", "cursor/before_shell_execution.json");
    assert_eq!(request.agent_id, "cursor:conv-123");
    assert_eq!(request.title, "Shell: npm install express");
    assert!(request.details.contains("cwd: /path/to/project"));
    assert_eq!(app.agent("cursor:conv-123").name, "Cursor · project");
    app.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let out = finish(child);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "{\"permission\":\"allow\"}\n");

    let (child, request) = asks(&app, "cursor", "cursor/before_mcp_execution.json");
    assert_eq!(request.action, "mcp__github__create_issue");
    assert!(request.details.contains("\"title\": \"Checkout fails\""));
    app.inbox
        .decide(
            &request.id,
            Verdict::Deny {
                reason: Some("file it by hand".into()),
            },
            Resolver::Window,
        )
        .unwrap();
    let printed: Value = serde_json::from_slice(&finish(child).stdout).unwrap();
    assert_eq!(printed["permission"], "deny");
    assert!(printed["agent_message"]
        .as_str()
        .unwrap()
        .ends_with("Their reason: file it by hand"));
    assert_eq!(printed["user_message"], printed["agent_message"]);

    // Answered in Cursor's own prompt: the command ran, its card closes.
    let (waiting, request) = asks(&app, "cursor", "cursor/before_shell_execution.json");
    assert_silent(&finish(hook(
        &app.socket,
        "cursor",
        &[],
        &payload("cursor/after_shell_execution.json"),
    )));
    let closed = app.inbox.request(&request.id).unwrap().unwrap();
    assert_eq!(
        closed.resolution.unwrap().reason.as_deref(),
        Some("answered in the agent's own prompt")
    );
    assert_eq!(text(&finish(waiting).stdout), "{\"permission\":\"ask\"}\n");

    assert_silent(&finish(hook(
        &app.socket,
        "cursor",
        &[],
        &payload("cursor/stop.json"),
    )));
    assert_eq!(app.agent("cursor:conv-123").state, AgentState::Done);

    // Input it cannot read, at a hook that decides: "ask", never an allow.
    for junk in [
        "not json",
        "{}",
        "{\"hook_event_name\": \"beforeShellExecution\"}",
    ] {
        let out = finish(hook(&app.socket, "cursor", &[], junk));
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(text(&out.stdout), "{\"permission\":\"ask\"}\n", "{junk}");
    }
}

#[test]
fn cursor_without_the_app_gets_ask_and_status_hooks_print_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let absent = dir.path().join("api.sock");
    let out = finish(hook(
        &absent,
        "cursor",
        &[],
        &payload("cursor/before_shell_execution.json"),
    ));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "{\"permission\":\"ask\"}\n");
    let out = finish(hook(&absent, "cursor", &[], &payload("cursor/stop.json")));
    assert_silent(&out);
}

/// OpenCode, through ctray's plugin: its permission request is a card with the command;
/// approved, the plugin is told "once" (never "always", which would be OpenCode's own
/// standing rule); denied, "reject" with the reason for the model; without the app, nothing
/// (OpenCode's own card answers). A busy session is working, an idle one done.
#[test]
fn opencode_permission_requests_and_session_status_through_its_plugin() {
    let app = app();
    let dir = "opencode-1.18.33";
    let agent_id = "opencode:ses_dd6bae2e5ffeCeCL7U9ZkRXqn2";
    assert_silent(&finish(hook(
        &app.socket,
        "opencode",
        &[],
        &payload(&format!("{dir}/session_status_busy.json")),
    )));
    assert_eq!(app.agent(agent_id).state, AgentState::Working);
    assert_eq!(app.agent(agent_id).name, "OpenCode · proj");

    let (child, request) = asks(&app, "opencode", &format!("{dir}/permission_asked.json"));
    assert_eq!(request.title, "bash: touch /tmp/oc-probe/proj/marker");
    assert!(request
        .details
        .starts_with("{\n  \"command\": \"touch /tmp/oc-probe/proj/marker\"\n}"));
    app.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    assert_eq!(text(&finish(child).stdout), "{\"reply\":\"once\"}\n");

    let (child, request) = asks(&app, "opencode", &format!("{dir}/permission_asked.json"));
    app.inbox
        .decide(
            &request.id,
            Verdict::Deny {
                reason: Some("not in this repo".into()),
            },
            Resolver::Popover,
        )
        .unwrap();
    let printed: Value = serde_json::from_slice(&finish(child).stdout).unwrap();
    assert_eq!(printed["reply"], "reject");
    assert!(printed["message"]
        .as_str()
        .unwrap()
        .ends_with("Their reason: not in this repo"));

    assert_silent(&finish(hook(
        &app.socket,
        "opencode",
        &[],
        &payload(&format!("{dir}/session_idle.json")),
    )));
    assert_eq!(app.agent(agent_id).state, AgentState::Done);

    let absent = tempfile::tempdir().unwrap();
    assert_silent(&finish(hook(
        &absent.path().join("api.sock"),
        "opencode",
        &[],
        &payload(&format!("{dir}/permission_asked.json")),
    )));
}

/// Codex's background server ends a session later, even one that ran while the app was
/// not running: a SessionEnd for a session the tray never saw shows nothing.
#[test]
fn the_end_of_a_session_the_tray_never_saw_makes_no_agent() {
    let app = app();
    for host in ["codex", "claude"] {
        assert_silent(&finish(hook(
            &app.socket,
            host,
            &[],
            &payload("claude/session_end.json"),
        )));
    }
    assert!(app.inbox.agents().unwrap().is_empty());
}

/// What Qwen Code 0.24.4 really sent in an interactive session (its own prompt answered
/// "Yes, allow once" while the tray waited): the card closes when its PostToolUse comes,
/// its own permission dialog shows the agent waiting, the turn ends done and the session's
/// end keeps the turn's last words.
#[test]
fn qwen_code_0_24_4_as_captured_asks_and_its_own_prompt_closes_the_card() {
    let app = app();
    let dir = "qwen-0.24.4";
    let agent_id = "qwen-code:3f93d149-52d0-43cf-ae4b-43f37290d933";
    let status = |event: &str| {
        let input = payload(&format!("{dir}/{event}.json"));
        assert_silent(&finish(hook(&app.socket, "qwen", &[], &input)));
    };
    status("session_start");
    status("user_prompt_submit");
    let (waiting, request) = asks(&app, "qwen", &format!("{dir}/permission_request.json"));
    assert_eq!(
        request.title,
        "run_shell_command: touch /tmp/probe/qw/proj/marker"
    );
    assert!(
        request.remember_choices.is_empty(),
        "Qwen has no 'always allow' contract"
    );
    status("notification");
    assert_eq!(app.agent(agent_id).state, AgentState::WaitingForApproval);
    status("pre_tool_use");
    status("post_tool_use");
    let closed = app.inbox.request(&request.id).unwrap().unwrap();
    assert_eq!(
        closed.resolution.unwrap().reason.as_deref(),
        Some("answered in the agent's own prompt")
    );
    assert_silent(&finish(waiting));
    status("stop");
    status("session_end");
    let agent = app.agent(agent_id);
    assert_eq!(agent.name, "Qwen Code · proj");
    assert_eq!(
        (agent.state, agent.activity.as_deref()),
        (AgentState::Done, Some("Done."))
    );
}

/// Bad input to the newer adapters: never an allow, never a card, always exit 0 (Copilot
/// reads exit 1 as a deny); Cursor is told "ask" where it waits for a decision.
#[test]
fn bad_input_to_copilot_cursor_and_opencode_is_never_an_allow() {
    let app = app();
    let oversized = format!(
        "{{\"hookName\":\"permissionRequest\",\"sessionId\":\"s\",\"toolName\":\"bash\",\
         \"toolInput\":{{\"command\":\"{}\"}}}}",
        "x".repeat(2 * 1024 * 1024)
    );
    let junk = [
        "",
        "not json",
        "[]",
        "{\"hookName\":\"permissionRequest\"}",
        "{\"hook_event_name\":\"permission.asked\",\"sessionID\":\"s\"}",
        "{\"hook_event_name\":\"permission.asked\",\"permission\":\"bash\"}",
        "{\"hook_event_name\":\"somethingNew\",\"sessionID\":\"s\"}",
        oversized.as_str(),
    ];
    for host in ["copilot", "cursor", "opencode"] {
        for input in junk {
            let out = finish(hook(&app.socket, host, &[], input));
            assert_eq!(out.status.code(), Some(0), "{host}: {}", text(&out.stderr));
            // Cursor is told "ask" unless the input names an event of some other kind.
            let names_another_event = input.contains("\"hook_event_name\"");
            let expected = if host == "cursor" && !names_another_event {
                "{\"permission\":\"ask\"}\n"
            } else {
                ""
            };
            assert_eq!(text(&out.stdout), expected, "{host} on {input:.60}");
        }
    }
    assert!(app.inbox.pending().unwrap().is_empty());
}

/// Claude Code 2.1.328's AskUserQuestion, as captured: a card that asks the question; the
/// person's answer goes back in the tool's input (`updatedInput` with `answers` beside the
/// original `questions`), which Claude Code hands the model as the answer. Denied in the
/// tray, it prints nothing: Claude Code asks in its own terminal.
#[test]
fn claude_codes_question_answered_on_the_card_goes_back_as_its_answers() {
    let app = app();
    let asked: Value =
        serde_json::from_str(&payload("claude-2.1.328/permission_request_question.json")).unwrap();
    let (child, request) = asks(
        &app,
        "claude",
        "claude-2.1.328/permission_request_question.json",
    );
    assert_eq!(request.action, "AskUserQuestion");
    assert_eq!(
        request.title,
        "Asks: Which database should the service use?"
    );
    let question = "Which database should the service use?";
    app.inbox
        .decide(
            &request.id,
            Verdict::Answer {
                answers: [(question.to_owned(), "SQLite".to_owned())].into(),
            },
            Resolver::Popover,
        )
        .unwrap();
    let out = finish(child);
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut expected = asked["tool_input"].clone();
    expected["answers"] = json!({ question: "SQLite" });
    assert_eq!(
        printed["hookSpecificOutput"],
        json!({"hookEventName": "PermissionRequest",
               "decision": {"behavior": "allow", "updatedInput": expected}})
    );

    let (child, request) = asks(
        &app,
        "claude",
        "claude-2.1.328/permission_request_question.json",
    );
    app.inbox
        .decide(
            &request.id,
            Verdict::Deny { reason: None },
            Resolver::Popover,
        )
        .unwrap();
    assert_silent(&finish(child));
}

/// Claude Code 2.1.328's ExitPlanMode, as captured (the plan's Markdown and its file in the
/// input): a card titled by the plan; approved, the plan goes back as the tool's input (a
/// plain allow leaves Claude Code asking in its terminal); denied with feedback,
/// the model hears that the person wants to keep planning, and why.
#[test]
fn claude_codes_plan_is_approved_or_sent_back_with_the_persons_feedback() {
    let app = app();
    let (child, request) = asks(
        &app,
        "claude",
        "claude-2.1.328/permission_request_plan.json",
    );
    assert_eq!(request.action, "ExitPlanMode");
    assert_eq!(request.title, "Plan: Add a cache …");
    assert!(
        request.details.contains("**Write** the cache"),
        "{}",
        request.details
    );
    app.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let printed: Value = serde_json::from_slice(&finish(child).stdout).unwrap();
    let asked: Value =
        serde_json::from_str(&payload("claude-2.1.328/permission_request_plan.json")).unwrap();
    assert_eq!(
        printed["hookSpecificOutput"]["decision"],
        json!({"behavior": "allow", "updatedInput": asked["tool_input"]}),
        "a plain allow would leave Claude Code asking in its terminal"
    );

    let (child, request) = asks(
        &app,
        "claude",
        "claude-2.1.328/permission_request_plan.json",
    );
    app.inbox
        .decide(
            &request.id,
            Verdict::Deny {
                reason: Some("cache only the parsed config".into()),
            },
            Resolver::Popover,
        )
        .unwrap();
    let printed: Value = serde_json::from_slice(&finish(child).stdout).unwrap();
    assert_eq!(
        printed["hookSpecificOutput"]["decision"],
        json!({"behavior": "deny", "message": "The user did not approve the plan in Converge Tray (from the popover) and wants to keep planning. Their feedback: cache only the parsed config"})
    );
}

/// At the end of a turn the hook reads the session's token use from the transcript Claude
/// Code names, and the tray shows it with an estimate of its cost.
#[test]
fn a_turn_that_ends_reports_the_sessions_token_use_from_its_transcript() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let transcript = dir.path().join("session.jsonl");
    std::fs::write(
        &transcript,
        concat!(
            r#"{"type":"user","message":{"content":"add a cache"}}"#,
            "\n",
            r#"{"type":"assistant","message":{"id":"msg_a","model":"claude-sonnet-4-5","usage":{"input_tokens":1200,"cache_creation_input_tokens":3000,"cache_read_input_tokens":0,"output_tokens":400}}}"#,
            "\n",
            r#"{"type":"assistant","message":{"id":"msg_b","model":"claude-sonnet-4-5","usage":{"input_tokens":800,"cache_creation_input_tokens":0,"cache_read_input_tokens":3000,"output_tokens":600}}}"#,
            "\n",
        ),
    )
    .unwrap();
    let mut stop: Value = serde_json::from_str(&payload("claude/stop.json")).unwrap();
    stop["transcript_path"] = json!(transcript.display().to_string());
    assert_silent(&finish(hook(&app.socket, "claude", &[], &stop.to_string())));
    let agent = app.inbox.agents().unwrap().remove(0);
    let usage = agent.usage.expect("the session's use");
    assert_eq!(
        (
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens
        ),
        (2000, 1000, 3000, 3000)
    );
    assert_eq!(usage.model.as_deref(), Some("claude-sonnet-4-5"));
    // 2000 × 3 + 1000 × 15 + 3000 × 0.30 + 3000 × 3.75 micro-dollars.
    assert_eq!(agent.estimated_cost_micro_usd, Some(33_150));

    // How far it was read is kept in the user's cache, for the next turn to go on from.
    let kept = app
        .socket
        .parent()
        .unwrap()
        .with_file_name("cache")
        .join("converge-tray/transcripts/session.jsonl.json");
    assert!(kept.exists(), "{}", kept.display());

    // A transcript that is gone keeps what was read before.
    std::fs::remove_file(&transcript).unwrap();
    assert_silent(&finish(hook(&app.socket, "claude", &[], &stop.to_string())));
    let agent = app.inbox.agents().unwrap().remove(0);
    assert_eq!(agent.usage.map(|u| u.output_tokens), Some(1000));
}

/// Gemini CLI's hooks cannot approve: with the person's rule on (Settings), a high-risk call
/// is refused before its own prompt asks, with the rule as the reason the model reads and
/// the refusal in the tray's history; anything else, and everything with the rule off, is
/// left to its prompt and only shown.
#[test]
fn gemini_high_risk_calls_are_refused_only_where_the_person_turned_the_rule_on() {
    let before_tool = payload("gemini-0.61.0/before_tool.json");
    let agent_id = "gemini:4f0c2a9e-7d1b-4b6e-9a53-0c8d2e6f1a77";

    let app = app();
    assert_silent(&finish(hook(&app.socket, "gemini", &[], &before_tool)));
    let shown = app.agent(agent_id);
    assert_eq!(
        (shown.state, shown.activity.as_deref()),
        (AgentState::Working, Some("run_shell_command: rm -rf build"))
    );
    let recorded = app
        .inbox
        .history(&inbox::HistoryQuery::default())
        .unwrap()
        .entries;
    assert!(recorded.is_empty(), "nothing recorded: {recorded:?}");
    drop(app);

    let config = api::ServerConfig::default();
    config.defaults.write().unwrap().refuse_unasked_from = Some(inbox::RiskLevel::High);
    let app = app_with(config);
    let out = finish(hook(&app.socket, "gemini", &[], &before_tool));
    assert_eq!(out.status.code(), Some(0));
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        printed,
        json!({
            "decision": "deny",
            "reason": "Denied by the user's own rule in Converge Tray: high risk (deletes files \
                       recursively); the person's rule denies such calls from agents that ask \
                       only in their own prompt."
        })
    );
    let shown = app.agent(agent_id);
    assert_eq!(
        shown.activity.as_deref(),
        Some("Denied by your rule: run_shell_command: rm -rf build")
    );
    let recorded = app
        .inbox
        .history(&inbox::HistoryQuery::default())
        .unwrap()
        .entries;
    let refused = app.inbox.request(&recorded[0].request_id).unwrap().unwrap();
    assert_eq!(refused.title, "run_shell_command: rm -rf build");
    assert_eq!(
        refused.resolution.map(|r| (r.outcome, r.by)),
        Some((Outcome::Denied, Resolver::Policy))
    );

    // A call the rules read as less than high risk: its own prompt asks, nothing recorded.
    let listing = before_tool.replace("rm -rf build", "ls -la");
    assert_silent(&finish(hook(&app.socket, "gemini", &[], &listing)));
    assert_eq!(
        app.inbox
            .history(&inbox::HistoryQuery::default())
            .unwrap()
            .entries
            .len(),
        recorded.len()
    );
}
