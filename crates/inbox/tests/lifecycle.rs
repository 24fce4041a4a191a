//! The life of a request as agents and people meet it: ask, wait, decide, cancel, expire.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use inbox::*;

#[tokio::test]
async fn a_request_is_durable_before_anyone_is_told() {
    let fx = Fixture::new();
    let mut events = fx.inbox.subscribe();
    let asked = fx.inbox.ask(ask("claude-1", "rm -rf build/")).unwrap();

    let Update::Event(event) = events.next().await.unwrap() else {
        panic!("expected an event")
    };
    let InboxEventKind::RequestCreated { request } = event.kind else {
        panic!("expected the request first, got {event:?}")
    };
    assert_eq!(request, asked);
    // A second, independent connection already finds it on disk.
    let (other, _) = Inbox::open(config(&fx.db())).unwrap();
    assert_eq!(other.request(&asked.id).unwrap(), Some(asked));
}

#[tokio::test]
async fn request_ids_are_unguessable() {
    let fx = Fixture::new();
    let a = fx.inbox.ask(ask("a", "one")).unwrap();
    let b = fx.inbox.ask(ask("a", "two")).unwrap();
    assert_ne!(a.id, b.id);
    // 128-bit random (UUID v4): 32 hex digits.
    assert_eq!(a.id.chars().filter(char::is_ascii_hexdigit).count(), 32);
}

#[tokio::test]
async fn the_first_decision_wins_and_later_ones_say_who_decided() {
    let fx = Fixture::new();
    let req = fx.inbox.ask(ask("codex", "git push --force")).unwrap();

    let approved = fx
        .inbox
        .decide(&req.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let resolution = approved.resolution.unwrap();
    assert_eq!(resolution.outcome, Outcome::Approved);
    assert_eq!(resolution.by, Resolver::Popover);
    assert_eq!(resolution.at, T0);

    let late = fx
        .inbox
        .decide(
            &req.id,
            Verdict::Deny {
                reason: Some("too late".into()),
            },
            Resolver::Shortcut,
        )
        .unwrap_err();
    assert!(matches!(late, Error::AlreadyResolved { .. }));
    assert_eq!(
        late.to_string(),
        format!(
            "request {} was already approved by the popover at 2026-11-24 05:33:06 UTC",
            req.id
        )
    );
    // The store kept the first decision.
    let stored = fx.inbox.request(&req.id).unwrap().unwrap();
    assert_eq!(stored.resolution.unwrap().by, Resolver::Popover);
}

#[tokio::test]
async fn a_deny_keeps_its_reason() {
    let fx = Fixture::new();
    let req = fx.inbox.ask(ask("script", "deploy")).unwrap();
    let denied = fx
        .inbox
        .decide(
            &req.id,
            Verdict::Deny {
                reason: Some("not on a Friday".into()),
            },
            Resolver::Notification,
        )
        .unwrap();
    let r = denied.resolution.unwrap();
    assert_eq!((r.outcome, r.by), (Outcome::Denied, Resolver::Notification));
    assert_eq!(r.reason.as_deref(), Some("not on a Friday"));
}

#[tokio::test]
async fn only_decision_surfaces_can_approve() {
    let fx = Fixture::new();
    let req = fx.inbox.ask(ask("a", "x")).unwrap();
    for by in [Resolver::Timeout, Resolver::Requester, Resolver::System] {
        let err = fx.inbox.decide(&req.id, Verdict::Approve, by).unwrap_err();
        assert!(
            matches!(err, Error::NotADecisionSurface(_)),
            "{by:?}: {err}"
        );
    }
    assert!(fx.inbox.request(&req.id).unwrap().unwrap().is_pending());
}

#[tokio::test]
async fn deciding_an_unknown_request_is_a_clear_error() {
    let fx = Fixture::new();
    let err = fx
        .inbox
        .decide("no-such-id", Verdict::Approve, Resolver::Popover)
        .unwrap_err();
    assert_eq!(err.to_string(), "no approval request with id no-such-id");
}

#[tokio::test]
async fn a_decision_after_the_deadline_finds_it_expired() {
    let fx = Fixture::new();
    let req = fx
        .inbox
        .ask(NewRequest {
            timeout_ms: 10_000,
            ..ask("a", "x")
        })
        .unwrap();
    fx.clock.advance(10_000);
    // The timer has not run; the decision must still not slip in after the deadline.
    let err = fx
        .inbox
        .decide(&req.id, Verdict::Approve, Resolver::Shortcut)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("request {} expired at 2026-11-24 05:33:16 UTC", req.id)
    );
    let r = fx
        .inbox
        .request(&req.id)
        .unwrap()
        .unwrap()
        .resolution
        .unwrap();
    assert_eq!((r.outcome, r.by), (Outcome::TimedOut, Resolver::Timeout));
    assert_eq!(r.reason.as_deref(), Some("no decision within 10s; denied"));
}

#[tokio::test]
async fn the_requester_can_cancel_and_then_nobody_can_decide() {
    let fx = Fixture::new();
    let req = fx.inbox.ask(ask("a", "x")).unwrap();
    let cancelled = fx
        .inbox
        .cancel(&req.id, Some("answered in the terminal".into()))
        .unwrap();
    let r = cancelled.resolution.unwrap();
    assert_eq!((r.outcome, r.by), (Outcome::Cancelled, Resolver::Requester));
    let err = fx
        .inbox
        .decide(&req.id, Verdict::Approve, Resolver::Popover)
        .unwrap_err();
    assert!(
        err.to_string().contains("was cancelled by its requester"),
        "{err}"
    );
    let err = fx.inbox.cancel(&req.id, None).unwrap_err();
    assert!(matches!(err, Error::AlreadyResolved { .. }));
}

#[tokio::test]
async fn an_agent_that_goes_away_closes_its_requests_and_shows_as_gone() {
    let fx = Fixture::new();
    fx.inbox
        .update_agent(AgentUpdate {
            id: "claude-1".into(),
            name: Some("Claude Code · api".into()),
            kind: Some(AgentKind::ClaudeCode),
            state: Some(AgentState::Working),
            activity: Some("editing src/main.rs".into()),
            usage: None,
        })
        .unwrap();
    let a = fx.inbox.ask(ask("claude-1", "one")).unwrap();
    let b = fx.inbox.ask(ask("claude-1", "two")).unwrap();
    let other = fx.inbox.ask(ask("codex-1", "three")).unwrap();

    let closed = fx.inbox.agent_gone("claude-1").unwrap();
    assert_eq!(closed.len(), 2);
    for id in [&a.id, &b.id] {
        let r = fx.inbox.request(id).unwrap().unwrap().resolution.unwrap();
        assert_eq!((r.outcome, r.by), (Outcome::Cancelled, Resolver::System));
    }
    assert!(fx.inbox.request(&other.id).unwrap().unwrap().is_pending());
    let agents = fx.inbox.agents().unwrap();
    let claude = agents.iter().find(|a| a.id == "claude-1").unwrap();
    assert_eq!(claude.state, AgentState::Gone);
    assert_eq!(claude.name, "Claude Code · api");
    assert_eq!(claude.activity.as_deref(), Some("editing src/main.rs"));
}

#[tokio::test]
async fn a_retried_ask_with_the_same_key_does_not_duplicate() {
    let fx = Fixture::new();
    let keyed = |details: &str| NewRequest {
        idempotency_key: Some("tool-call-17".into()),
        details: details.into(),
        ..ask("claude-1", "Bash")
    };
    let first = fx.inbox.ask(keyed("ls")).unwrap();
    let retry = fx.inbox.ask(keyed("ls")).unwrap();
    assert_eq!(first.id, retry.id);
    assert_eq!(fx.inbox.pending().unwrap().len(), 1);
    assert_eq!(fx.inbox.pending_count().unwrap(), 1);

    // Still the same request once decided: the retry learns the decision.
    fx.inbox
        .decide(&first.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let retry = fx.inbox.ask(keyed("ls")).unwrap();
    assert_eq!(retry.resolution.unwrap().outcome, Outcome::Approved);
    assert_eq!(fx.inbox.pending_count().unwrap(), 0);

    let err = fx.inbox.ask(keyed("rm -rf /")).unwrap_err();
    assert!(matches!(err, Error::IdempotencyConflict { .. }), "{err}");
    // The same key from another agent is another request.
    let other = fx
        .inbox
        .ask(NewRequest {
            agent_id: "codex-1".into(),
            ..keyed("ls")
        })
        .unwrap();
    assert_ne!(other.id, first.id);
}

#[tokio::test]
async fn wait_returns_the_decision() {
    let fx = Fixture::new();
    let req = fx.inbox.ask(ask("a", "x")).unwrap();
    let waiter = {
        let inbox = fx.inbox.clone();
        let id = req.id.clone();
        tokio::spawn(async move { inbox.wait(&id).await })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(!waiter.is_finished(), "nothing decided yet");
    fx.inbox
        .decide(&req.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let decided = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .expect("the waiter wakes")
        .unwrap()
        .unwrap();
    assert_eq!(decided.resolution.unwrap().outcome, Outcome::Approved);

    // Waiting on a decided request returns at once; an unknown id is an error.
    assert!(fx.inbox.wait(&req.id).await.unwrap().resolution.is_some());
    assert!(matches!(
        fx.inbox.wait("nope").await,
        Err(Error::NotFound(_))
    ));
}

#[tokio::test]
async fn many_waiters_on_one_request_all_wake() {
    let fx = Fixture::new();
    let req = fx.inbox.ask(ask("a", "x")).unwrap();
    let waiters: Vec<_> = (0..10)
        .map(|_| {
            let inbox = fx.inbox.clone();
            let id = req.id.clone();
            tokio::spawn(async move { inbox.wait(&id).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(20)).await;
    fx.inbox
        .decide(&req.id, Verdict::Deny { reason: None }, Resolver::Window)
        .unwrap();
    for waiter in waiters {
        let r = waiter.await.unwrap().unwrap().resolution.unwrap();
        assert_eq!(r.outcome, Outcome::Denied);
    }
}

#[tokio::test]
async fn waiting_works_for_requests_from_before_a_restart() {
    let mut fx = Fixture::new();
    let req = fx.inbox.ask(ask("a", "x")).unwrap();
    fx.restart();
    let waiter = {
        let inbox = fx.inbox.clone();
        let id = req.id.clone();
        tokio::spawn(async move { inbox.wait(&id).await })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    fx.inbox
        .decide(&req.id, Verdict::Approve, Resolver::Shortcut)
        .unwrap();
    let r = waiter.await.unwrap().unwrap().resolution.unwrap();
    assert_eq!((r.outcome, r.by), (Outcome::Approved, Resolver::Shortcut));
}

#[tokio::test]
async fn timeouts_fire_on_time_with_nobody_looking() {
    let dir = tempfile::tempdir().unwrap();
    let (inbox, _) = Inbox::start(config(&db_path(&dir))).unwrap();
    let deny = inbox
        .ask(NewRequest {
            timeout_ms: 1000,
            ..ask("a", "deny on timeout")
        })
        .unwrap();
    let fallback = inbox
        .ask(NewRequest {
            timeout_ms: 1000,
            on_timeout: OnTimeout::Fallback,
            ..ask("hook", "fall back on timeout")
        })
        .unwrap();
    let later = inbox
        .ask(NewRequest {
            timeout_ms: 60_000,
            ..ask("a", "not yet")
        })
        .unwrap();

    // A waiter is woken by the timeout like by any decision.
    let woken = tokio::time::timeout(Duration::from_secs(10), inbox.wait(&deny.id))
        .await
        .expect("the timeout fires")
        .unwrap();
    assert_eq!(woken.resolution.unwrap().outcome, Outcome::TimedOut);
    // Nobody waits on the other one: the timer expires it all the same.
    let unwatched_expired = || {
        inbox
            .request(&fallback.id)
            .unwrap()
            .unwrap()
            .resolution
            .is_some()
    };
    for _ in 0..100 {
        if unwatched_expired() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (req, reason) in [
        (&deny, "no decision within 1s; denied"),
        (
            &fallback,
            "no decision within 1s; the requester falls back to its own prompt",
        ),
    ] {
        let stored = inbox.request(&req.id).unwrap().unwrap();
        let r = stored.resolution.expect("expired without anyone asking");
        assert_eq!((r.outcome, r.by), (Outcome::TimedOut, Resolver::Timeout));
        assert_eq!(r.reason.as_deref(), Some(reason));
        assert!(r.at >= stored.deadline);
    }
    assert_eq!(
        inbox.request(&fallback.id).unwrap().unwrap().on_timeout,
        OnTimeout::Fallback
    );
    assert!(inbox.request(&later.id).unwrap().unwrap().is_pending());
    // Logged like any decision.
    let expired = inbox
        .history(&HistoryQuery {
            outcome: Some(Outcome::TimedOut),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(expired.entries.len(), 2);
}

#[tokio::test]
async fn requests_that_expired_while_the_app_was_down_expire_on_start() {
    let mut fx = Fixture::new();
    let req = fx
        .inbox
        .ask(NewRequest {
            timeout_ms: 60_000,
            ..ask("a", "x")
        })
        .unwrap();
    let survivor = fx
        .inbox
        .ask(NewRequest {
            timeout_ms: 3_600_000,
            ..ask("a", "y")
        })
        .unwrap();
    fx.clock.advance(120_000);
    fx.restart();
    fx.inbox.tick().unwrap();
    let r = fx
        .inbox
        .request(&req.id)
        .unwrap()
        .unwrap()
        .resolution
        .unwrap();
    assert_eq!(r.outcome, Outcome::TimedOut);
    assert_eq!(r.at, T0 + 120_000);
    assert_eq!(fx.inbox.pending().unwrap(), vec![survivor]);
}

#[tokio::test]
async fn silent_agents_age_out_to_gone_but_not_while_they_wait() {
    let fx = Fixture::new();
    let report = |id: &str| AgentUpdate {
        id: id.into(),
        state: Some(AgentState::Working),
        ..Default::default()
    };
    fx.inbox.update_agent(report("quiet")).unwrap();
    fx.inbox.update_agent(report("waiting")).unwrap();
    fx.inbox
        .ask(NewRequest {
            timeout_ms: 3_600_000,
            ..ask("waiting", "x")
        })
        .unwrap();
    let mut events = fx.inbox.subscribe();

    fx.clock.advance(9 * 60_000);
    fx.inbox.tick().unwrap();
    assert!(fx
        .inbox
        .agents()
        .unwrap()
        .iter()
        .all(|a| a.state != AgentState::Gone));

    fx.clock.advance(2 * 60_000);
    let next = fx.inbox.tick().unwrap();
    let agents = fx.inbox.agents().unwrap();
    let state = |id: &str| agents.iter().find(|a| a.id == id).unwrap().state;
    assert_eq!(state("quiet"), AgentState::Gone);
    assert_eq!(state("waiting"), AgentState::WaitingForApproval);
    // The change is announced, so the UI shows it rather than dropping the agent.
    let Update::Event(InboxEvent {
        kind: InboxEventKind::AgentUpdated { agent },
        ..
    }) = events.next().await.unwrap()
    else {
        panic!("expected an agent update")
    };
    assert_eq!(
        (agent.id.as_str(), agent.state),
        ("quiet", AgentState::Gone)
    );
    // The next wake-up is the waiting request's deadline, not a busy loop.
    assert_eq!(next, Some(T0 + 3_600_000));

    // Heard from again: back, with what it reports.
    let back = fx.inbox.update_agent(report("quiet")).unwrap();
    assert_eq!(back.state, AgentState::Working);
}

#[tokio::test]
async fn agent_reports_merge_and_pending_shows_as_waiting() {
    let fx = Fixture::new();
    fx.inbox
        .update_agent(AgentUpdate {
            id: "job-7".into(),
            name: Some("Expense approval".into()),
            kind: Some(AgentKind::Converge),
            state: Some(AgentState::Working),
            activity: Some("cycle 1: PolicyCheck proposed".into()),
            usage: None,
        })
        .unwrap();
    fx.clock.advance(1000);
    let agent = fx
        .inbox
        .update_agent(AgentUpdate {
            id: "job-7".into(),
            activity: Some("cycle 2".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(agent.name, "Expense approval");
    assert_eq!(agent.kind, AgentKind::Converge);
    assert_eq!(agent.state, AgentState::Working);
    assert_eq!(agent.activity_at, Some(T0 + 1000));

    let req = fx.inbox.ask(ask("job-7", "Approve $420")).unwrap();
    let agent = fx.inbox.agents().unwrap().pop().unwrap();
    assert_eq!(
        (agent.state, agent.pending),
        (AgentState::WaitingForApproval, 1)
    );
    fx.inbox
        .decide(&req.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let agent = fx.inbox.agents().unwrap().pop().unwrap();
    assert_eq!((agent.state, agent.pending), (AgentState::Working, 0));
}

#[tokio::test]
async fn an_ask_from_an_unknown_agent_registers_it() {
    let fx = Fixture::new();
    fx.inbox.ask(ask("mystery", "x")).unwrap();
    let agents = fx.inbox.agents().unwrap();
    assert_eq!(agents.len(), 1);
    assert_eq!(agents[0].kind, AgentKind::Other);
    assert_eq!(agents[0].state, AgentState::WaitingForApproval);
}

#[tokio::test]
async fn concurrent_decisions_have_exactly_one_winner() {
    let fx = Fixture::new();
    for round in 0..20 {
        let req = fx.inbox.ask(ask("a", &format!("round {round}"))).unwrap();
        let surfaces = [
            Resolver::Popover,
            Resolver::Window,
            Resolver::Shortcut,
            Resolver::Notification,
        ];
        let barrier = Arc::new(std::sync::Barrier::new(surfaces.len() + 1));
        let threads: Vec<_> = surfaces
            .into_iter()
            .map(|by| {
                let inbox = fx.inbox.clone();
                let id = req.id.clone();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    inbox.decide(&id, Verdict::Approve, by).map(|_| by)
                })
            })
            .collect();
        let canceller = {
            let inbox = fx.inbox.clone();
            let id = req.id.clone();
            std::thread::spawn(move || {
                barrier.wait();
                inbox.cancel(&id, None).map(|_| Resolver::Requester)
            })
        };
        let results: Vec<_> = threads
            .into_iter()
            .chain([canceller])
            .map(|t| t.join().unwrap())
            .collect();
        let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {results:?}");
        let stored = fx
            .inbox
            .request(&req.id)
            .unwrap()
            .unwrap()
            .resolution
            .unwrap();
        assert_eq!(stored.by, *winners[0]);
    }
    let report = fx.inbox.verify_audit().unwrap();
    assert_eq!(
        report,
        ChainReport {
            entries: 40,
            first_broken: None
        }
    );
}

#[tokio::test]
async fn events_are_numbered_and_say_what_changed() {
    let fx = Fixture::new();
    let mut events = fx.inbox.subscribe();
    let req = fx.inbox.ask(ask("a", "x")).unwrap();
    fx.inbox
        .decide(&req.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let mut kinds = Vec::new();
    let mut last_seq = 0;
    for _ in 0..4 {
        let Update::Event(e) = events.next().await.unwrap() else {
            panic!("no lag expected")
        };
        assert_eq!(e.seq, last_seq + 1);
        last_seq = e.seq;
        kinds.push(match e.kind {
            InboxEventKind::RequestCreated { .. } => "created",
            InboxEventKind::RequestResolved { .. } => "resolved",
            InboxEventKind::AgentUpdated { agent } => {
                if agent.pending == 1 {
                    "agent waiting"
                } else {
                    "agent free"
                }
            }
            InboxEventKind::Problem { .. } => "problem",
            InboxEventKind::GrantsChanged {} => "grants",
            InboxEventKind::AgentsRemoved { .. } => "removed",
        });
    }
    assert_eq!(
        kinds,
        ["created", "agent waiting", "resolved", "agent free"]
    );
    assert_eq!(fx.inbox.snapshot().unwrap().seq, last_seq);
}

#[tokio::test]
async fn a_slow_subscriber_does_not_block_the_inbox_and_resyncs_to_the_latest_state() {
    let dir = tempfile::tempdir().unwrap();
    let (inbox, _) = Inbox::open(InboxConfig {
        event_buffer: 8,
        ..config(&db_path(&dir))
    })
    .unwrap();
    let mut slow = inbox.subscribe();
    // Far more changes than the buffer holds, while the subscriber reads nothing.
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(inbox.ask(ask("a", &format!("request {i}"))).unwrap().id);
    }
    for id in &ids[..30] {
        inbox
            .decide(id, Verdict::Approve, Resolver::Popover)
            .unwrap();
    }
    let Update::Resync(snapshot) = slow.next().await.unwrap() else {
        panic!("a lagging subscriber is resynced")
    };
    assert_eq!(snapshot.pending.len(), 10);
    assert_eq!(
        snapshot.pending.iter().map(|r| &r.id).collect::<Vec<_>>(),
        ids[30..].iter().collect::<Vec<_>>()
    );
    // Afterwards only events newer than the snapshot arrive.
    inbox
        .decide(&ids[30], Verdict::Approve, Resolver::Popover)
        .unwrap();
    let Update::Event(next) = slow.next().await.unwrap() else {
        panic!("back to events after the resync")
    };
    assert!(next.seq > snapshot.seq);
    assert!(
        matches!(next.kind, InboxEventKind::RequestResolved { ref request } if request.id == ids[30])
    );
}

#[test]
fn the_glance_query_agrees_with_the_snapshot() {
    let fx = Fixture::new();
    let check = |when: &str| {
        let snapshot = fx.inbox.snapshot().unwrap();
        assert_eq!(fx.inbox.glance().unwrap(), Glance::of(&snapshot), "{when}");
    };
    check("empty");
    fx.inbox
        .update_agent(AgentUpdate {
            id: "builder".into(),
            state: Some(AgentState::Working),
            ..Default::default()
        })
        .unwrap();
    check("one agent working");
    let req = fx.inbox.ask(ask("deployer", "deploy")).unwrap();
    fx.inbox.ask(ask("deployer", "migrate")).unwrap();
    check("an agent waiting for two approvals");
    fx.inbox
        .decide(&req.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    check("one decided");
    assert_eq!(fx.inbox.glance().unwrap().approvals_waiting, 1);
}

#[test]
fn a_batch_decides_each_once_and_never_approves_high_risk() {
    let fx = Fixture::new();
    let a = fx.inbox.ask(ask("agent", "cargo test")).unwrap();
    let b = fx.inbox.ask(ask("agent", "cargo build")).unwrap();
    let risky = fx
        .inbox
        .ask(NewRequest::new(
            "agent",
            "Bash",
            "Bash: rm -rf target",
            "rm -rf target",
        ))
        .unwrap();
    let done = fx.inbox.ask(ask("agent", "ls")).unwrap();
    fx.inbox
        .decide(&done.id, Verdict::Deny { reason: None }, Resolver::Popover)
        .unwrap();
    let ids = vec![
        a.id.clone(),
        b.id.clone(),
        risky.id.clone(),
        done.id.clone(),
        "no-such-id".to_owned(),
    ];
    let outcome = fx
        .inbox
        .decide_batch(&ids, Verdict::Approve, Resolver::Popover)
        .unwrap();
    assert_eq!(outcome.decided, vec![a.id.clone(), b.id.clone()]);
    let refused: Vec<(&str, &str)> = outcome
        .refused
        .iter()
        .map(|r| (r.id.as_str(), r.reason.as_str()))
        .collect();
    assert_eq!(
        refused[0],
        (risky.id.as_str(), "high risk: approve it from its own card")
    );
    assert!(refused[1].1.contains("already denied"), "{refused:?}");
    assert!(refused[2].1.contains("no approval request"), "{refused:?}");
    assert!(fx.inbox.request(&risky.id).unwrap().unwrap().is_pending());

    // Denying in a batch takes high-risk requests too: an agent gone astray is stopped.
    let denied = fx
        .inbox
        .decide_batch(
            std::slice::from_ref(&risky.id),
            Verdict::Deny {
                reason: Some("stop".into()),
            },
            Resolver::Window,
        )
        .unwrap();
    assert_eq!(denied.decided, vec![risky.id.clone()]);
    // Only a person's surface may decide.
    assert!(fx
        .inbox
        .decide_batch(&[a.id], Verdict::Approve, Resolver::Requester)
        .is_err());
}

#[tokio::test]
async fn the_person_takes_finished_agents_off_the_list_and_one_heard_from_again_comes_back() {
    let mut fx = Fixture::new();
    let report = |id: &str, state: AgentState| AgentUpdate {
        id: id.into(),
        name: Some(format!("{id} agent")),
        kind: Some(AgentKind::Script),
        state: Some(state),
        activity: None,
        usage: None,
    };
    for (id, state) in [
        ("done-1", AgentState::Done),
        ("failed-1", AgentState::Error),
        ("idle-1", AgentState::Idle),
        ("busy-1", AgentState::Working),
    ] {
        fx.inbox.update_agent(report(id, state)).unwrap();
    }
    fx.inbox
        .update_agent(report("asking-1", AgentState::Idle))
        .unwrap();
    let waiting = fx.inbox.ask(ask("asking-1", "deploy")).unwrap();
    let mut events = fx.inbox.subscribe();

    let all: Vec<String> = [
        "done-1", "failed-1", "idle-1", "busy-1", "asking-1", "unknown",
    ]
    .map(String::from)
    .into();
    let removed = fx.inbox.remove_agents(&all).unwrap();
    assert_eq!(removed, ["done-1", "failed-1", "idle-1"]);
    let listed = |fx: &Fixture| {
        let mut ids: Vec<String> = fx
            .inbox
            .agents()
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        listed(&fx),
        ["asking-1", "busy-1"],
        "working and waiting agents stay"
    );
    let Update::Event(event) = events.next().await.unwrap() else {
        panic!("expected an event")
    };
    assert_eq!(
        event.kind,
        InboxEventKind::AgentsRemoved {
            ids: removed.clone()
        }
    );
    // Its name stays for the history and the notifications.
    assert_eq!(
        fx.inbox.agent("done-1").unwrap().unwrap().name,
        "done-1 agent"
    );

    // Removing again changes nothing and says nothing.
    assert!(fx.inbox.remove_agents(&removed).unwrap().is_empty());

    // Heard from again: by a report, or by a request.
    fx.inbox
        .update_agent(report("done-1", AgentState::Working))
        .unwrap();
    fx.inbox.ask(ask("failed-1", "retry")).unwrap();
    assert_eq!(listed(&fx), ["asking-1", "busy-1", "done-1", "failed-1"]);

    // And it stays removed across a restart.
    fx.restart();
    assert_eq!(listed(&fx), ["asking-1", "busy-1", "done-1", "failed-1"]);
    fx.inbox
        .decide(&waiting.id, Verdict::Approve, Resolver::Window)
        .unwrap();
    fx.inbox
        .update_agent(report("asking-1", AgentState::Done))
        .unwrap();
    assert_eq!(
        fx.inbox.remove_agents(&["asking-1".to_owned()]).unwrap(),
        ["asking-1"]
    );
    fx.restart();
    assert_eq!(listed(&fx), ["busy-1", "done-1", "failed-1"]);
}

#[test]
fn the_history_says_how_risky_each_request_looked_and_which_decisions_were_a_batch() {
    let fx = Fixture::new();
    let risky = fx
        .inbox
        .ask(NewRequest::new(
            "a",
            "Bash",
            "Clean the web root",
            "rm -rf /srv/www",
        ))
        .unwrap();
    let one = fx.inbox.ask(ask("a", "one")).unwrap();
    let two = fx.inbox.ask(ask("a", "two")).unwrap();
    let alone = fx.inbox.ask(ask("a", "alone")).unwrap();
    let ids = [one.id.clone(), two.id.clone(), risky.id.clone()];
    fx.inbox
        .decide_batch(&ids, Verdict::Approve, Resolver::Popover)
        .unwrap();
    fx.inbox
        .decide(&alone.id, Verdict::Approve, Resolver::Popover)
        .unwrap();

    let page = fx
        .inbox
        .history(&HistoryQuery {
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    let entry = |id: &str, event: AuditEvent| {
        page.entries
            .iter()
            .find(|e| e.request_id == id && e.event == event)
            .cloned()
            .unwrap_or_else(|| panic!("no {event:?} entry for {id}"))
    };
    let asked = entry(&risky.id, AuditEvent::Requested);
    assert_eq!(asked.risk_level, Some(RiskLevel::High));
    assert_eq!(
        asked.risk_rule.as_deref(),
        Some("deletes files recursively")
    );
    for id in [&one.id, &two.id] {
        let decided = entry(id, AuditEvent::Resolved);
        assert_eq!(
            decided.batch,
            Some(3),
            "the batch the person chose named three"
        );
        assert_eq!(decided.risk_level, Some(RiskLevel::Low));
        assert_eq!(
            fx.inbox
                .request(id)
                .unwrap()
                .unwrap()
                .resolution
                .unwrap()
                .batch,
            Some(3)
        );
    }
    assert_eq!(entry(&alone.id, AuditEvent::Resolved).batch, None);
    assert!(
        fx.inbox.request(&risky.id).unwrap().unwrap().is_pending(),
        "high risk is never approved in a batch"
    );
    assert!(fx.inbox.verify_audit().unwrap().first_broken.is_none());
}

#[tokio::test]
async fn the_person_is_waited_for_while_a_request_or_an_agent_waits() {
    let fx = Fixture::new();
    let report = |state| {
        fx.inbox
            .update_agent(AgentUpdate {
                id: "claude-1".into(),
                name: Some("Claude Code · api".into()),
                kind: Some(AgentKind::ClaudeCode),
                state: Some(state),
                activity: None,
                usage: None,
            })
            .unwrap();
    };
    assert!(!fx.inbox.waits_for_person().unwrap());
    report(AgentState::Working);
    assert!(!fx.inbox.waits_for_person().unwrap());

    // A question in its terminal: no request, but the person is waited for.
    report(AgentState::WaitingForInput);
    assert!(fx.inbox.waits_for_person().unwrap());
    report(AgentState::Working);
    assert!(!fx.inbox.waits_for_person().unwrap());

    let asked = fx.inbox.ask(ask("claude-1", "rm -rf build")).unwrap();
    assert!(fx.inbox.waits_for_person().unwrap());
    fx.inbox
        .decide(&asked.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    assert!(!fx.inbox.waits_for_person().unwrap());
}
