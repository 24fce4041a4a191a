//! What the tray shows at a glance: how many agents work, how many approvals wait.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::model::{Agent, AgentState, Snapshot};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum GlanceState {
    Idle,
    Working,
    /// Something waits for the person: it wins over working.
    Attention,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Glance {
    pub state: GlanceState,
    pub agents_working: u32,
    pub approvals_waiting: u32,
    /// Grants live now: each approves requests without asking (`Inbox::glance` counts them;
    /// a snapshot does not hold grants).
    #[serde(default)]
    pub grants_active: u32,
}

impl Glance {
    pub fn of(snapshot: &Snapshot) -> Self {
        Self::from_counts(&snapshot.agents, snapshot.pending.len())
    }

    /// From the agents and the number of pending requests: all a glance needs, without
    /// reading every pending request's details (`Inbox::glance`).
    pub fn from_counts(agents: &[Agent], pending: usize) -> Self {
        let agents_working = agents
            .iter()
            .filter(|a| {
                matches!(
                    a.state,
                    AgentState::Working | AgentState::WaitingForApproval
                )
            })
            .count() as u32;
        let approvals_waiting = pending as u32;
        let state = if approvals_waiting > 0 {
            GlanceState::Attention
        } else if agents_working > 0 {
            GlanceState::Working
        } else {
            GlanceState::Idle
        };
        Self {
            state,
            agents_working,
            approvals_waiting,
            grants_active: 0,
        }
    }

    /// The same, with the live grants counted.
    pub fn with_grants(self, grants_active: usize) -> Self {
        Self {
            grants_active: grants_active as u32,
            ..self
        }
    }

    /// "Converge — 2 agents working, 1 approval waiting".
    pub fn tooltip(&self) -> String {
        let mut parts = Vec::new();
        match self.agents_working {
            0 => {}
            1 => parts.push("1 agent working".to_owned()),
            n => parts.push(format!("{n} agents working")),
        }
        match self.approvals_waiting {
            0 => {}
            1 => parts.push("1 approval waiting".to_owned()),
            n => parts.push(format!("{n} approvals waiting")),
        }
        match self.grants_active {
            0 => {}
            1 => parts.push("1 grant active".to_owned()),
            n => parts.push(format!("{n} grants active")),
        }
        if parts.is_empty() {
            "Converge — no agents working".to_owned()
        } else {
            format!("Converge — {}", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Agent, AgentKind, ApprovalRequest, OnTimeout, Provenance};

    fn agent(id: &str, state: AgentState) -> Agent {
        Agent {
            id: id.into(),
            name: id.into(),
            kind: AgentKind::Script,
            state,
            activity: None,
            activity_at: None,
            last_seen: 0,
            pending: 0,
            usage: None,
            estimated_cost_micro_usd: None,
        }
    }

    fn pending(id: &str) -> ApprovalRequest {
        ApprovalRequest {
            id: id.into(),
            agent_id: "a".into(),
            action: "x".into(),
            title: "t".into(),
            details: String::new(),
            provenance: Provenance::default(),
            created_at: 0,
            deadline: 1,
            on_timeout: OnTimeout::Deny,
            idempotency_key: None,
            resolution: None,
            risk: Default::default(),
            remember_choices: Vec::new(),
        }
    }

    #[test]
    fn tooltip_counts_working_agents_and_waiting_approvals() {
        let snapshot = Snapshot {
            seq: 1,
            agents: vec![
                agent("a", AgentState::Working),
                agent("b", AgentState::WaitingForApproval),
                agent("c", AgentState::Idle),
                agent("d", AgentState::Gone),
            ],
            pending: vec![pending("r1")],
        };
        let glance = Glance::of(&snapshot);
        assert_eq!(glance.state, GlanceState::Attention);
        assert_eq!(
            glance.tooltip(),
            "Converge — 2 agents working, 1 approval waiting"
        );
        assert_eq!(
            glance.with_grants(3).tooltip(),
            "Converge — 2 agents working, 1 approval waiting, 3 grants active"
        );
    }

    #[test]
    fn idle_and_working_states() {
        let mut snapshot = Snapshot {
            seq: 0,
            agents: vec![agent("c", AgentState::Done)],
            pending: vec![],
        };
        assert_eq!(Glance::of(&snapshot).state, GlanceState::Idle);
        assert_eq!(
            Glance::of(&snapshot).tooltip(),
            "Converge — no agents working"
        );
        snapshot.agents.push(agent("a", AgentState::Working));
        let glance = Glance::of(&snapshot);
        assert_eq!(glance.state, GlanceState::Working);
        assert_eq!(glance.tooltip(), "Converge — 1 agent working");
    }
}
