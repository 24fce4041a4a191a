//! A Converge application in its own process, whose human-in-the-loop gate is answered in
//! Converge Tray: the engine runs until its gate, the gate becomes an approval request over
//! the local API (`protocol::client`), and the person's decision resumes the engine.
//!
//! ```sh
//! cargo run -p protocol --example converge_gate            # the app must be running
//! cargo run -p protocol --example converge_gate -- 2.4.1   # the release to plan
//! ```
//!
//! Exit code: 0 the plan was approved and promoted, 1 it was rejected (or the request timed
//! out or was cancelled), 3 Converge Tray is not reachable.

use std::process::ExitCode;

use converge_core::gates::{GateDecision, GateVerdict};
use converge_core::{
    AgentEffect, Budget, Context, ContextKey, ContextState, Engine, EngineHitlPolicy, ProposedFact,
    RunResult, Suggestor, TextPayload, Timestamp,
};
use protocol::client::{Client, ClientError};
use protocol::model::{AgentKind, OnTimeout, Outcome};
use protocol::rpc::AskParams;

const AGENT_ID: &str = "example:release-planner";

/// Proposes how to roll a release out. The plan is a `Proposals` fact, which the engine's
/// policy gates: it waits for a person before it is promoted.
struct ReleasePlanner;

#[async_trait::async_trait]
impl Suggestor for ReleasePlanner {
    fn name(&self) -> &str {
        "release-planner"
    }

    fn dependencies(&self) -> &[ContextKey] {
        &[ContextKey::Seeds]
    }

    fn accepts(&self, ctx: &dyn Context) -> bool {
        ctx.get(ContextKey::Proposals).is_empty() && !ctx.get(ContextKey::Seeds).is_empty()
    }

    async fn execute(&self, ctx: &dyn Context) -> AgentEffect {
        let release = ctx
            .get(ContextKey::Seeds)
            .iter()
            .find_map(|fact| fact.text())
            .unwrap_or("unknown");
        let plan = format!(
            "Roll out release {release} to production: 10% of hosts, then all after 15 minutes"
        );
        AgentEffect::with_proposal(ProposedFact::new(
            ContextKey::Proposals,
            "rollout",
            TextPayload::new(plan),
            self.name(),
        ))
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let release = std::env::args().nth(1).unwrap_or_else(|| "2.4.1".into());
    let mut engine = Engine::with_budget(Budget {
        max_cycles: 10,
        max_facts: 50,
    });
    engine.register_suggestor(ReleasePlanner);
    engine.set_hitl_policy(EngineHitlPolicy {
        confidence_threshold: None,
        gated_keys: vec![ContextKey::Proposals],
        timeout: Default::default(),
    });
    let mut context = ContextState::new();
    if let Err(e) = context.add_input(ContextKey::Seeds, "release", release) {
        eprintln!("converge_gate: {e}");
        return ExitCode::from(1);
    }

    let run = format!("run-{}", std::process::id());
    let mut approved = false;
    let mut result = engine.run_with_hitl(context).await;
    loop {
        let pause = match result {
            RunResult::Complete(Ok(done)) => {
                let promoted: Vec<&str> = done
                    .context
                    .get(ContextKey::Proposals)
                    .iter()
                    .filter_map(|fact| fact.text())
                    .collect();
                println!(
                    "converged after {} cycles; promoted: {}",
                    done.cycles,
                    if promoted.is_empty() {
                        "nothing".to_owned()
                    } else {
                        promoted.join("; ")
                    }
                );
                return ExitCode::from(if approved && !promoted.is_empty() {
                    0
                } else {
                    1
                });
            }
            RunResult::Complete(Err(e)) => {
                eprintln!("converge_gate: the engine stopped: {e}");
                return ExitCode::from(1);
            }
            RunResult::HitlPause(pause) => pause,
        };
        let gate = &pause.request;
        println!(
            "waiting at gate {}: {}",
            gate.gate_id.as_str(),
            gate.summary
        );
        // This run's gate as the idempotency key: asked again after a lost connection, the
        // same request comes back instead of a second card. (The kernel's gate ids repeat
        // from run to run, so the run is part of the key.)
        let params = AskParams {
            agent_name: Some("Release planner (Converge example)".into()),
            agent_kind: Some(AgentKind::Converge),
            action: "converge.promote:Proposals".into(),
            details: format!(
                "{}\n\nproposed by {} at cycle {}\ngate {}",
                gate.summary,
                gate.agent_id,
                gate.cycle,
                gate.gate_id.as_str()
            ),
            on_timeout: Some(OnTimeout::Deny),
            idempotency_key: Some(format!("{run}:{}", gate.gate_id.as_str())),
            ..AskParams::new(AGENT_ID, &format!("Promote: {}", gate.summary))
        };
        // A blocking call: nothing else runs on this thread while the person decides.
        let asked = Client::connect().and_then(|mut app| app.ask(&params));
        let request = match asked {
            Ok(request) => request,
            Err(ClientError::Rpc(error)) => {
                eprintln!("converge_gate: the app refused the gate: {}", error.message);
                return ExitCode::from(1);
            }
            Err(e) => {
                eprintln!("converge_gate: {e}");
                return ExitCode::from(3);
            }
        };
        let Some(resolution) = request.resolution else {
            eprintln!("converge_gate: the app answered before anyone decided");
            return ExitCode::from(1);
        };
        approved = resolution.outcome == Outcome::Approved;
        println!(
            "{} by {:?}",
            if approved { "approved" } else { "not approved" },
            resolution.by
        );
        let decision = GateDecision {
            gate_id: gate.gate_id.clone(),
            verdict: if approved {
                GateVerdict::Approve
            } else {
                GateVerdict::Reject {
                    reason: resolution.reason.clone(),
                }
            },
            decided_by: format!("a person, through Converge Tray ({:?})", resolution.by),
            decided_at: Timestamp::new(format!("unix-ms:{}", resolution.at)),
        };
        result = engine.resume(*pause, decision).await;
    }
}
