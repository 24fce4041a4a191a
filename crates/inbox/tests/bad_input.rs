//! Untrusted input gets a clear error naming the problem, and nothing is stored.

mod common;

use common::*;
use inbox::*;

fn rejected(fx: &Fixture, new: NewRequest) -> String {
    let err = fx.inbox.ask(new).unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err:?}");
    assert!(fx.inbox.pending().unwrap().is_empty(), "nothing stored");
    assert!(fx.inbox.agents().unwrap().is_empty(), "no agent invented");
    err.to_string()
}

#[test]
fn malformed_requests_are_refused_with_the_field_named() {
    let fx = Fixture::new();
    assert_eq!(
        rejected(
            &fx,
            NewRequest {
                title: "  ".into(),
                ..ask("a", "x")
            }
        ),
        "invalid title: is empty"
    );
    assert_eq!(
        rejected(
            &fx,
            NewRequest {
                action: String::new(),
                ..ask("a", "x")
            }
        ),
        "invalid action: is empty"
    );
    assert_eq!(
        rejected(
            &fx,
            NewRequest {
                agent_id: " a".into(),
                ..ask("a", "x")
            }
        ),
        "invalid agent id: must not have surrounding spaces or control characters"
    );
    assert_eq!(
        rejected(
            &fx,
            NewRequest {
                agent_id: "a\u{1b}[31m".into(),
                ..ask("a", "x")
            }
        ),
        "invalid agent id: must not have surrounding spaces or control characters"
    );
    assert_eq!(
        rejected(
            &fx,
            NewRequest {
                details: "ls\0rm".into(),
                ..ask("a", "x")
            }
        ),
        "invalid details: contains a NUL character"
    );
    assert_eq!(
        rejected(
            &fx,
            NewRequest {
                timeout_ms: 0,
                ..ask("a", "x")
            }
        ),
        "invalid timeout: 0 ms is outside 1s to 7d"
    );
    assert_eq!(
        rejected(
            &fx,
            NewRequest {
                timeout_ms: -5,
                ..ask("a", "x")
            }
        ),
        "invalid timeout: -5 ms is outside 1s to 7d"
    );
    assert_eq!(
        rejected(
            &fx,
            NewRequest {
                idempotency_key: Some(String::new()),
                ..ask("a", "x")
            }
        ),
        "invalid idempotency key: is empty"
    );
}

#[test]
fn oversized_payloads_are_refused() {
    let fx = Fixture::new();
    let huge = "x".repeat(limits::MAX_DETAILS + 1);
    assert_eq!(
        rejected(
            &fx,
            NewRequest {
                details: huge,
                ..ask("a", "x")
            }
        ),
        format!(
            "invalid details: {} bytes is over the limit of {}",
            limits::MAX_DETAILS + 1,
            limits::MAX_DETAILS
        )
    );
    let long_title = "t".repeat(limits::MAX_TITLE + 1);
    assert!(rejected(
        &fx,
        NewRequest {
            title: long_title,
            ..ask("a", "x")
        }
    )
    .starts_with("invalid title:"));
    // Exactly at the limit is fine, and comes back byte for byte.
    let at_limit = "é".repeat(limits::MAX_DETAILS / 2);
    let req = fx
        .inbox
        .ask(NewRequest {
            details: at_limit.clone(),
            ..ask("a", "x")
        })
        .unwrap();
    assert_eq!(
        fx.inbox.request(&req.id).unwrap().unwrap().details,
        at_limit
    );
}

#[test]
fn details_are_stored_exactly_as_given() {
    let fx = Fixture::new();
    let details = "<img src=x onerror=alert(1)>\n\trm -rf \"$HOME\"; echo '%_\\'\u{202e}";
    let req = fx
        .inbox
        .ask(NewRequest {
            details: details.into(),
            ..ask("a", "x")
        })
        .unwrap();
    assert_eq!(fx.inbox.request(&req.id).unwrap().unwrap().details, details);
}

#[test]
fn agents_cannot_claim_states_the_inbox_sets() {
    let fx = Fixture::new();
    for state in [AgentState::WaitingForApproval, AgentState::Gone] {
        let err = fx
            .inbox
            .update_agent(AgentUpdate {
                id: "a".into(),
                state: Some(state),
                ..Default::default()
            })
            .unwrap_err();
        assert!(err.to_string().contains("is set by the inbox"), "{err}");
    }
    let err = fx
        .inbox
        .update_agent(AgentUpdate {
            id: "a".into(),
            activity: Some("y".repeat(limits::MAX_ACTIVITY + 1)),
            ..Default::default()
        })
        .unwrap_err();
    assert!(err.to_string().starts_with("invalid activity:"), "{err}");
    assert!(fx.inbox.agents().unwrap().is_empty());
}

#[test]
fn an_agent_cannot_flood_the_inbox() {
    let dir = tempfile::tempdir().unwrap();
    let (inbox, _) = Inbox::open(InboxConfig {
        max_pending_per_agent: 3,
        max_pending_total: 5,
        ..config(&db_path(&dir))
    })
    .unwrap();
    for i in 0..3 {
        inbox.ask(ask("noisy", &format!("{i}"))).unwrap();
    }
    let err = inbox.ask(ask("noisy", "one too many")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "agent noisy already has 3 pending requests; decide or cancel some first"
    );
    // Others still get through, up to the inbox's own limit.
    inbox.ask(ask("calm", "1")).unwrap();
    inbox.ask(ask("calm", "2")).unwrap();
    let err = inbox.ask(ask("third", "x")).unwrap_err();
    assert!(matches!(err, Error::InboxFull { limit: 5 }), "{err}");
    assert_eq!(inbox.pending().unwrap().len(), 5);
}

#[test]
fn one_process_inventing_agents_cannot_take_every_place() {
    let dir = tempfile::tempdir().unwrap();
    let (inbox, _) = Inbox::open(InboxConfig {
        max_pending_per_process: 4,
        max_pending_total: 10,
        ..config(&db_path(&dir))
    })
    .unwrap();
    let from = |pid: u32, agent: &str| {
        let mut new = ask(agent, "x");
        new.provenance.pid = Some(pid);
        new
    };
    for i in 0..4 {
        inbox.ask(from(666, &format!("fake-agent-{i}"))).unwrap();
    }
    let err = inbox.ask(from(666, "fake-agent-5")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "process 666 already has 4 pending requests; decide or cancel some first"
    );
    // Another agent's process still gets in.
    inbox.ask(from(4242, "claude")).unwrap();
    assert_eq!(inbox.pending().unwrap().len(), 5);
}

#[test]
fn an_overlong_deny_reason_is_refused_and_the_request_stays_pending() {
    let fx = Fixture::new();
    let req = fx.inbox.ask(ask("a", "x")).unwrap();
    let err = fx
        .inbox
        .decide(
            &req.id,
            Verdict::Deny {
                reason: Some("r".repeat(limits::MAX_REASON + 1)),
            },
            Resolver::Popover,
        )
        .unwrap_err();
    assert!(err.to_string().starts_with("invalid reason:"), "{err}");
    assert!(fx.inbox.request(&req.id).unwrap().unwrap().is_pending());
}

/// Another program holding the database's write lock makes asks fail (after the store's busy
/// wait): the person is told, once, not only the agents (issue 25).
#[tokio::test]
async fn a_database_locked_by_another_program_is_told_to_the_person_once() {
    let fx = Fixture::new();
    let mut events = fx.inbox.subscribe();
    let other = rusqlite::Connection::open(fx.db()).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();

    let failed = fx.inbox.ask(ask("claude-1", "one"));
    assert!(matches!(failed, Err(Error::Storage(_))), "{failed:?}");
    let Update::Event(event) = events.next().await.unwrap() else {
        panic!("expected an event")
    };
    let InboxEventKind::Problem { message } = event.kind else {
        panic!("expected a problem, got {:?}", event.kind)
    };
    assert!(
        message.contains("holds Converge Tray's database locked"),
        "{message}"
    );

    // Again within the minute: it fails, and the person is not told twice.
    assert!(fx.inbox.ask(ask("claude-1", "two")).is_err());
    other.execute_batch("ROLLBACK").unwrap();
    fx.inbox
        .update_agent(AgentUpdate {
            id: "marker".into(),
            ..Default::default()
        })
        .unwrap();
    let Update::Event(next) = events.next().await.unwrap() else {
        panic!("expected an event")
    };
    assert!(
        matches!(next.kind, InboxEventKind::AgentUpdated { .. }),
        "no second problem: {:?}",
        next.kind
    );
    // And once it lets go, asks work again.
    assert!(fx.inbox.ask(ask("claude-1", "three")).unwrap().is_pending());
}

/// While another program holds the database's write lock, a write waits for it (and fails
/// after about 5 s) without holding up reads: the popover's snapshot, the pending list and
/// the history answer at once meanwhile (issue 25). Once the lock is let go within the wait,
/// the write goes through.
#[test]
fn reads_do_not_wait_behind_a_write_blocked_by_another_program() {
    let fx = Fixture::new();
    let first = fx.inbox.ask(ask("claude-1", "first")).unwrap();
    let other = rusqlite::Connection::open(fx.db()).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();

    let inbox = fx.inbox.clone();
    let writer = std::thread::spawn(move || {
        let started = std::time::Instant::now();
        let asked = inbox.ask(ask("claude-1", "second"));
        (asked, started.elapsed())
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    for _ in 0..5 {
        let started = std::time::Instant::now();
        let snapshot = fx.inbox.snapshot().unwrap();
        let pending = fx.inbox.pending().unwrap();
        let history = fx.inbox.history(&HistoryQuery::default()).unwrap();
        let took = started.elapsed();
        assert_eq!(snapshot.pending.len(), 1);
        assert_eq!(pending[0].id, first.id);
        assert!(!history.entries.is_empty());
        assert!(
            took < std::time::Duration::from_millis(500),
            "reads waited {took:?} behind the blocked write"
        );
        assert!(!writer.is_finished(), "the write gave up too soon");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    other.execute_batch("ROLLBACK").unwrap();
    let (asked, took) = writer.join().unwrap();
    let second = asked.expect("the write goes through once the lock is let go");
    assert!(took < std::time::Duration::from_secs(5), "{took:?}");
    assert_eq!(fx.inbox.pending().unwrap().len(), 2);
    assert!(fx.inbox.request(&second.id).unwrap().unwrap().is_pending());
}

/// Approving with a grant writes the approval and the grant together: when the grant
/// cannot be written (here a trigger refuses it), the approval is not written either, and
/// the request still waits for the person.
#[test]
fn an_approval_with_a_grant_is_written_whole_or_not_at_all() {
    let fx = Fixture::new();
    let mut new = ask("claude-1", "Bash: ls");
    new.action = "Bash".into();
    new.details = "{\n  \"command\": \"ls\"\n}\n\ncwd: /tmp\n".into();
    let req = fx.inbox.ask(new).unwrap();
    let other = rusqlite::Connection::open(fx.db()).unwrap();
    other
        .execute_batch(
            "CREATE TRIGGER refuse_grants BEFORE INSERT ON grants \
             BEGIN SELECT RAISE(ABORT, 'no grants today'); END",
        )
        .unwrap();
    let spec = GrantSpec {
        what: GrantWhat::CommandPrefix {
            words: vec!["ls".into()],
        },
        in_project: false,
        duration: GrantFor::Hour,
    };
    let failed = fx
        .inbox
        .approve_and_grant(&req.id, spec.clone(), Resolver::Popover);
    assert!(matches!(failed, Err(Error::Storage(_))), "{failed:?}");
    assert!(fx.inbox.request(&req.id).unwrap().unwrap().is_pending());
    assert!(fx.inbox.grants(10).unwrap().is_empty());

    other.execute_batch("DROP TRIGGER refuse_grants").unwrap();
    let (approved, grant) = fx
        .inbox
        .approve_and_grant(&req.id, spec, Resolver::Popover)
        .unwrap();
    assert_eq!(approved.resolution.unwrap().outcome, Outcome::Approved);
    assert_eq!(fx.inbox.grants(10).unwrap()[0].id, grant.id);
    assert_eq!(fx.inbox.verify_audit().unwrap().first_broken, None);
}
