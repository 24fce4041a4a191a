//! `ctray status` with no text: is Converge Tray running, which agents does it show and
//! how many are working, how many approvals wait. Read from what the local API offers
//! (`hello`, `agents.list`, `approvals.pending`); the API does not say whether the person
//! paused notifications, so neither does this.

use protocol::client::{Client, ClientError};
use protocol::model::{Agent, AgentState, ApprovalRequest, Millis};

use crate::durations::{ago, now_ms};
use crate::listing::aligned;
use crate::{printable, word};

/// Prints the report; exit 0 when the app runs, 3 (`not_running`) when nothing answers.
/// Another user's app at the socket is an error as for every command.
pub fn report(not_running: u8) -> Result<u8, ClientError> {
    let mut app = match Client::connect() {
        Ok(app) => app,
        Err(ClientError::Unavailable(why)) => {
            println!("Converge Tray is not running (nothing answers: {why})");
            return Ok(not_running);
        }
        Err(e) => return Err(e),
    };
    let hello = app.hello()?;
    let agents = app.agents()?;
    let pending = app.pending()?;
    println!(
        "{}",
        describe(&printable(&hello.version), &agents, &pending, now_ms())
    );
    Ok(0)
}

/// The report's text, for the app's `version` and what it listed at `now`.
pub fn describe(
    version: &str,
    agents: &[Agent],
    pending: &[ApprovalRequest],
    now: Millis,
) -> String {
    let mut lines = vec![format!("Converge Tray {version} is running")];
    lines.push(agents_line(agents));
    // Agents that went away stay in the app's list; here they are only counted.
    let present: Vec<&Agent> = agents
        .iter()
        .filter(|a| a.state != AgentState::Gone)
        .collect();
    if !present.is_empty() {
        let rows: Vec<Vec<String>> = present
            .iter()
            .map(|agent| {
                vec![
                    format!("  {}", printable(&agent.id)),
                    spoken_state(agent.state),
                    ago(now - agent.last_seen),
                    printable(agent.activity.as_deref().unwrap_or("")),
                ]
            })
            .collect();
        // No header: the lines read as a list under the count.
        lines.extend(aligned(&rows));
    }
    lines.push(match pending {
        [] => "no approvals waiting".into(),
        [only] => format!(
            "1 approval waiting, asked {} (ctray pending lists it)",
            ago(now - only.created_at)
        ),
        [oldest, ..] => format!(
            "{} approvals waiting, the oldest asked {} (ctray pending lists them)",
            pending.len(),
            ago(now - oldest.created_at)
        ),
    });
    lines.join("\n")
}

/// "3 agents: 2 working, 1 waiting for approval", states in the order of the model.
fn agents_line(agents: &[Agent]) -> String {
    if agents.is_empty() {
        return "no agents".into();
    }
    let order = [
        AgentState::Working,
        AgentState::WaitingForApproval,
        AgentState::WaitingForInput,
        AgentState::Idle,
        AgentState::Done,
        AgentState::Error,
        AgentState::Gone,
    ];
    let counts: Vec<String> = order
        .iter()
        .filter_map(|&state| {
            let n = agents.iter().filter(|a| a.state == state).count();
            (n > 0 || state == AgentState::Working).then(|| format!("{n} {}", spoken_state(state)))
        })
        .collect();
    let noun = if agents.len() == 1 { "agent" } else { "agents" };
    format!("{} {noun}: {}", agents.len(), counts.join(", "))
}

/// `waiting-for-approval` → "waiting for approval".
fn spoken_state(state: AgentState) -> String {
    word(&state).replace('-', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::model::AgentKind;

    fn agent(id: &str, state: AgentState, last_seen: Millis) -> Agent {
        Agent {
            id: id.into(),
            name: id.into(),
            kind: AgentKind::Script,
            state,
            activity: Some("compiling".into()),
            activity_at: None,
            last_seen,
            pending: 0,
            usage: None,
            estimated_cost_micro_usd: None,
        }
    }

    #[test]
    fn counts_working_agents_and_lists_those_present() {
        let now = 10_000_000;
        let agents = [
            agent("script:nightly", AgentState::Working, now - 180_000),
            agent("claude-code:s1", AgentState::Idle, now),
            agent("script:old", AgentState::Gone, 0),
        ];
        let said = describe("0.2.0", &agents, &[], now);
        assert_eq!(
            said,
            "Converge Tray 0.2.0 is running\n\
             3 agents: 1 working, 1 idle, 1 gone\n\
             \x20 script:nightly  working  3 min ago  compiling\n\
             \x20 claude-code:s1  idle     just now   compiling\n\
             no approvals waiting"
        );
        assert_eq!(
            describe("0.2.0", &[], &[], now),
            "Converge Tray 0.2.0 is running\nno agents\nno approvals waiting"
        );
        assert_eq!(
            agents_line(&[agent("a", AgentState::Idle, 0)]),
            "1 agent: 0 working, 1 idle"
        );
    }
}
