//! A decision is handed to an agent only if the audit chain holds it. Writing `approved`
//! into the requests table by hand (with the app running or between runs) is refused:
//! waiting agents, re-attaching agents and idempotent retries get an error, never the
//! forged approval, and subscribers (the person, through the app) hear about it.

mod common;

use common::*;
use inbox::*;
use rusqlite::Connection;

/// Someone with the database file approves a request behind the app's back.
fn approve_by_hand(fx: &Fixture, id: &str) {
    let conn = Connection::open(fx.db()).unwrap();
    let changed = conn
        .execute(
            "UPDATE requests SET outcome = 'approved', decided_by = 'popover', decided_at = ?2
             WHERE id = ?1",
            rusqlite::params![id, T0 + 1_000],
        )
        .unwrap();
    assert_eq!(changed, 1);
}

fn is_tampered(result: Result<ApprovalRequest>) -> bool {
    matches!(result, Err(Error::Tampered { .. }))
}

#[tokio::test]
async fn a_decision_edited_into_the_requests_table_is_never_handed_over() {
    let mut fx = Fixture::new();
    let mut asked = ask("a", "deploy");
    asked.idempotency_key = Some("deploy-1".into());
    let req = fx.inbox.ask(asked.clone()).unwrap();
    approve_by_hand(&fx, &req.id);

    // An agent that waits (or re-attaches after a restart) gets an error, not "approved".
    assert!(is_tampered(fx.inbox.wait(&req.id).await));
    fx.restart();
    let mut updates = fx.inbox.subscribe();
    assert!(is_tampered(fx.inbox.wait(&req.id).await));
    assert!(is_tampered(fx.inbox.request(&req.id).map(Option::unwrap)));
    // ... and so does a retry with the same idempotency key.
    assert!(is_tampered(fx.inbox.ask(asked)));

    // The person hears of it.
    match updates.next().await.unwrap() {
        Update::Event(InboxEvent {
            kind: InboxEventKind::Problem { message },
            ..
        }) => assert!(
            message.contains("changed outside Converge Tray"),
            "{message}"
        ),
        other => panic!("expected a problem event, got {other:?}"),
    }
    // A person deciding it now is told the same, and the chain still verifies.
    assert!(is_tampered(fx.inbox.decide(
        &req.id,
        Verdict::Approve,
        Resolver::Popover
    )));
    assert_eq!(fx.inbox.verify_audit().unwrap().first_broken, None);
}

#[tokio::test]
async fn a_decision_changed_after_the_fact_is_refused_too() {
    let fx = Fixture::new();
    let req = fx.inbox.ask(ask("a", "deploy")).unwrap();
    fx.inbox
        .decide(
            &req.id,
            Verdict::Deny {
                reason: Some("no".into()),
            },
            Resolver::Popover,
        )
        .unwrap();
    // A real decision is handed over as it is.
    let denied = fx.inbox.wait(&req.id).await.unwrap();
    assert_eq!(denied.resolution.unwrap().outcome, Outcome::Denied);

    let conn = Connection::open(fx.db()).unwrap();
    conn.execute(
        "UPDATE requests SET outcome = 'approved', reason = NULL WHERE id = ?1",
        [&req.id],
    )
    .unwrap();
    assert!(is_tampered(fx.inbox.wait(&req.id).await));
}
