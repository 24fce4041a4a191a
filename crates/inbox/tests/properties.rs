//! Any interleaving of ask / decide / cancel / agent-gone / time passing / restart ends with
//! exactly one outcome per request, the one a simple model predicts, and a verifying chain.

mod common;

use std::collections::HashMap;

use common::*;
use inbox::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Ask {
        agent: usize,
        timeout_s: i64,
        fallback: bool,
    },
    Decide {
        request: usize,
        approve: bool,
        surface: usize,
    },
    Cancel {
        request: usize,
    },
    AgentGone {
        agent: usize,
    },
    Advance {
        ms: i64,
    },
    Tick,
    Restart,
}

const AGENTS: [&str; 3] = ["claude-1", "codex-1", "job-7"];
const SURFACES: [Resolver; 5] = [
    Resolver::Popover,
    Resolver::Window,
    Resolver::Shortcut,
    Resolver::Notification,
    Resolver::Policy,
];

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..AGENTS.len(), 1i64..30, any::<bool>())
            .prop_map(|(agent, timeout_s, fallback)| Op::Ask { agent, timeout_s, fallback }),
        4 => (0..16usize, any::<bool>(), 0..SURFACES.len())
            .prop_map(|(request, approve, surface)| Op::Decide { request, approve, surface }),
        1 => (0..16usize).prop_map(|request| Op::Cancel { request }),
        1 => (0..AGENTS.len()).prop_map(|agent| Op::AgentGone { agent }),
        3 => (0i64..15_000).prop_map(|ms| Op::Advance { ms }),
        1 => Just(Op::Tick),
        1 => Just(Op::Restart),
    ]
}

/// What the model expects of one request.
#[derive(Debug, Clone)]
struct Expected {
    id: String,
    agent: usize,
    deadline: i64,
    outcome: Option<(Outcome, Resolver)>,
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut fx = Fixture::new();
    let mut model: Vec<Expected> = Vec::new();
    let now = |fx: &Fixture| fx.inbox.now();

    // Expires in the model what the inbox must have expired by `now`, if anything touches it.
    fn expire(e: &mut Expected, now: i64) {
        if e.outcome.is_none() && now >= e.deadline {
            e.outcome = Some((Outcome::TimedOut, Resolver::Timeout));
        }
    }

    for op in ops {
        match op {
            Op::Ask {
                agent,
                timeout_s,
                fallback,
            } => {
                let req = fx
                    .inbox
                    .ask(NewRequest {
                        timeout_ms: timeout_s * 1000,
                        on_timeout: if fallback {
                            OnTimeout::Fallback
                        } else {
                            OnTimeout::Deny
                        },
                        ..ask(AGENTS[agent], "op")
                    })
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                model.push(Expected {
                    id: req.id,
                    agent,
                    deadline: now(&fx) + timeout_s * 1000,
                    outcome: None,
                });
            }
            Op::Decide {
                request,
                approve,
                surface,
            } => {
                let Some(e) = model.get_mut(request) else {
                    continue;
                };
                let t = now(&fx);
                expire(e, t);
                let verdict = if approve {
                    Verdict::Approve
                } else {
                    Verdict::Deny { reason: None }
                };
                let result = fx.inbox.decide(&e.id, verdict, SURFACES[surface]);
                match e.outcome {
                    None => {
                        let decided = result.map_err(|err| TestCaseError::fail(err.to_string()))?;
                        let r = decided.resolution.unwrap();
                        let want = if approve {
                            Outcome::Approved
                        } else {
                            Outcome::Denied
                        };
                        prop_assert_eq!((r.outcome, r.by), (want, SURFACES[surface]));
                        e.outcome = Some((want, SURFACES[surface]));
                    }
                    Some((outcome, by)) => match result {
                        Err(Error::AlreadyResolved { resolution, .. }) => {
                            prop_assert_eq!((resolution.outcome, resolution.by), (outcome, by));
                        }
                        other => prop_assert!(false, "expected already resolved, got {:?}", other),
                    },
                }
            }
            Op::Cancel { request } => {
                let Some(e) = model.get_mut(request) else {
                    continue;
                };
                let result = fx.inbox.cancel(&e.id, None);
                // Cancel does not look at the deadline: an unexpired-by-timer request can
                // still be withdrawn, which is what the requester wants.
                match e.outcome {
                    None => {
                        prop_assert!(result.is_ok(), "{:?}", result);
                        e.outcome = Some((Outcome::Cancelled, Resolver::Requester));
                    }
                    Some(_) => {
                        let already = matches!(result, Err(Error::AlreadyResolved { .. }));
                        prop_assert!(already, "expected already resolved, got {:?}", result);
                    }
                }
            }
            Op::AgentGone { agent } => {
                let closed = fx
                    .inbox
                    .agent_gone(AGENTS[agent])
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let mut expected_closed = 0;
                for e in model
                    .iter_mut()
                    .filter(|e| e.agent == agent && e.outcome.is_none())
                {
                    e.outcome = Some((Outcome::Cancelled, Resolver::System));
                    expected_closed += 1;
                }
                prop_assert_eq!(closed.len(), expected_closed);
            }
            Op::Advance { ms } => fx.clock.advance(ms),
            Op::Tick => {
                fx.inbox
                    .tick()
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                let t = now(&fx);
                model.iter_mut().for_each(|e| expire(e, t));
            }
            Op::Restart => fx.restart(),
        }
    }

    // Let every deadline pass: now every request has exactly one outcome.
    fx.clock.advance(31_000);
    fx.inbox
        .tick()
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let t = now(&fx);
    model.iter_mut().for_each(|e| expire(e, t));
    prop_assert!(fx.inbox.pending().unwrap().is_empty());

    let mut resolved_entries: HashMap<String, usize> = HashMap::new();
    let mut before = None;
    loop {
        let page = fx
            .inbox
            .history(&HistoryQuery {
                event: Some(AuditEvent::Resolved),
                limit: 500,
                before_seq: before,
                ..Default::default()
            })
            .unwrap();
        for entry in &page.entries {
            *resolved_entries
                .entry(entry.request_id.clone())
                .or_default() += 1;
        }
        match page.next_before {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    for e in &model {
        let stored = fx
            .inbox
            .request(&e.id)
            .unwrap()
            .unwrap()
            .resolution
            .unwrap();
        prop_assert_eq!(Some((stored.outcome, stored.by)), e.outcome);
        prop_assert_eq!(
            resolved_entries.get(&e.id).copied(),
            Some(1),
            "one resolution in the log"
        );
    }
    let chain = fx.inbox.verify_audit().unwrap();
    prop_assert_eq!(chain.first_broken, None);
    prop_assert_eq!(chain.entries as usize, model.len() * 2);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_interleaving_ends_with_one_outcome_per_request(ops in prop::collection::vec(op(), 1..60)) {
        run(ops)?;
    }
}
