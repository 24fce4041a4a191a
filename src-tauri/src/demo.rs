//! `--demo`: a clearly labelled source of example agents and approvals, until real agents
//! are connected. It uses the same inbox API as every real agent.

use inbox::{AgentKind, AgentState, AgentUpdate, Inbox, NewRequest, OnTimeout};

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

/// Registers the demo agents and asks their approvals.
pub fn seed(inbox: &Inbox) -> inbox::Result<()> {
    for (id, name, kind, activity) in AGENTS {
        inbox.update_agent(AgentUpdate {
            id: (*id).into(),
            name: Some((*name).into()),
            kind: Some(*kind),
            state: Some(AgentState::Working),
            activity: Some((*activity).into()),
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
