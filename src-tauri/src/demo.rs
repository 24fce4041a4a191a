//! `--demo`: a clearly labelled source of example agents and approvals, until real agents
//! are connected. It uses the same inbox API as every real agent.

use inbox::{
    AgentKind, AgentState, AgentUpdate, Inbox, InboxEvent, InboxEventKind, NewRequest, OnTimeout,
    Outcome, Update,
};

struct DemoAsk {
    agent: &'static str,
    action: &'static str,
    title: &'static str,
    details: &'static str,
    timeout_s: i64,
}

const AGENTS: &[(&str, &str, AgentKind, &str)] = &[
    (
        "demo-claude",
        "Demo · Claude Code (api)",
        AgentKind::ClaudeCode,
        "Running the test suite in ~/src/api",
    ),
    (
        "demo-codex",
        "Demo · Codex (web)",
        AgentKind::Codex,
        "Refactoring src/routes/settings.ts",
    ),
    (
        "demo-deploy",
        "Demo · deploy script",
        AgentKind::Script,
        "Waiting to push release 2.4.1",
    ),
];

const ASKS: &[DemoAsk] = &[
    DemoAsk {
        agent: "demo-claude",
        action: "Bash",
        title: "Run database migration on staging",
        details: "sqlx migrate run --database-url \"$STAGING_DATABASE_URL\"",
        timeout_s: 600,
    },
    DemoAsk {
        agent: "demo-codex",
        action: "apply_patch",
        title: "Edit src/routes/settings.ts",
        details: "--- a/src/routes/settings.ts\n+++ b/src/routes/settings.ts\n@@ -12,7 +12,7 @@\n-  const timeout = 30;\n+  const timeout = 300;",
        timeout_s: 900,
    },
    DemoAsk {
        agent: "demo-claude",
        action: "Bash",
        title: "Install a new dependency",
        details: "npm install --save left-pad@1.3.0",
        timeout_s: 1800,
    },
    DemoAsk {
        agent: "demo-deploy",
        action: "deploy",
        title: "Deploy release 2.4.1 to production",
        details: "./deploy.sh --env production --tag v2.4.1",
        timeout_s: 1200,
    },
];

/// What the coding agents' sessions used so far, as their transcripts would say.
fn demo_usage(agent: &str) -> Option<inbox::TokenUsage> {
    let (input, output, read, write, model) = match agent {
        "demo-claude" => (18_400, 6_250, 412_000, 38_900, "claude-sonnet-4-5"),
        "demo-codex" => (96_300, 4_870, 201_000, 0, "gpt-5-codex"),
        _ => return None,
    };
    Some(inbox::TokenUsage {
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: read,
        cache_write_tokens: write,
        model: Some(model.into()),
    })
}

/// Registers the demo agents and asks their approvals.
pub fn seed(inbox: &Inbox) -> inbox::Result<()> {
    for (id, name, kind, activity) in AGENTS {
        inbox.update_agent(AgentUpdate {
            id: (*id).into(),
            name: Some((*name).into()),
            kind: Some(*kind),
            state: Some(AgentState::Working),
            activity: Some((*activity).into()),
            usage: demo_usage(id),
        })?;
    }
    for ask in ASKS {
        inbox.ask(NewRequest {
            timeout_ms: ask.timeout_s * 1000,
            on_timeout: OnTimeout::Deny,
            ..NewRequest::new(ask.agent, ask.action, ask.title, ask.details)
        })?;
    }
    Ok(())
}

/// Demo agents answer decisions as real ones would: with every approval in, an agent is
/// done; a denied step is skipped.
pub fn react_to_decisions(inbox: &Inbox) {
    let mut updates = inbox.subscribe();
    let inbox = inbox.clone();
    tauri::async_runtime::spawn(async move {
        while let Ok(update) = updates.next().await {
            let Update::Event(InboxEvent {
                kind: InboxEventKind::RequestResolved { request },
                ..
            }) = update
            else {
                continue;
            };
            if !AGENTS.iter().any(|(id, ..)| *id == request.agent_id) {
                continue;
            }
            let more_to_come = inbox
                .pending()
                .map(|p| p.iter().any(|r| r.agent_id == request.agent_id))
                .unwrap_or(false);
            let (state, activity) = match request.resolution.map(|r| r.outcome) {
                Some(Outcome::Approved) if !more_to_come => {
                    (AgentState::Done, format!("Done: {}", request.title))
                }
                Some(Outcome::Approved) => {
                    (AgentState::Working, format!("Running: {}", request.title))
                }
                _ => (AgentState::Idle, format!("Skipped: {}", request.title)),
            };
            let reported = inbox.update_agent(AgentUpdate {
                id: request.agent_id.clone(),
                state: Some(state),
                activity: Some(activity),
                ..AgentUpdate::default()
            });
            if let Err(e) = reported {
                tracing::warn!("demo: {e}");
            }
        }
    });
}
