//! Decisions from the person's phone: recorded with the Matrix device they came from, in the
//! request and in the audit chain; approve or deny only; high risk only when allowed.

mod common;

use common::*;
use inbox::*;

fn risky(fx: &Fixture) -> ApprovalRequest {
    fx.inbox
        .ask(NewRequest::new(
            "agent",
            "Bash",
            "Clean the web root",
            "rm -rf /srv/www",
        ))
        .unwrap()
}

#[test]
fn a_phone_decision_names_the_device_in_the_request_and_the_audit_chain() {
    let mut fx = Fixture::new();
    let approved = fx.inbox.ask(ask("agent", "cargo test")).unwrap();
    let denied = fx.inbox.ask(ask("agent", "make deploy")).unwrap();
    fx.inbox
        .decide_on_phone(&approved.id, Verdict::Approve, "PHONEDEVICE", false)
        .unwrap();
    fx.inbox
        .decide_on_phone(
            &denied.id,
            Verdict::Deny {
                reason: Some("not on a Friday".into()),
            },
            "PHONEDEVICE",
            false,
        )
        .unwrap();
    // A restart reads it back from the database as it was written.
    fx.restart();
    let resolution = fx
        .inbox
        .request(&approved.id)
        .unwrap()
        .unwrap()
        .resolution
        .unwrap();
    assert_eq!(resolution.outcome, Outcome::Approved);
    assert_eq!(resolution.by, Resolver::Phone);
    assert_eq!(resolution.device.as_deref(), Some("PHONEDEVICE"));
    let resolution = fx
        .inbox
        .request(&denied.id)
        .unwrap()
        .unwrap()
        .resolution
        .unwrap();
    assert_eq!(resolution.reason.as_deref(), Some("not on a Friday"));

    let page = fx
        .inbox
        .history(&HistoryQuery {
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    let decided = page
        .entries
        .iter()
        .find(|e| e.request_id == approved.id && e.event == AuditEvent::Resolved)
        .unwrap();
    assert_eq!(decided.decided_by, Some(Resolver::Phone));
    assert_eq!(decided.device.as_deref(), Some("PHONEDEVICE"));
    assert!(fx.inbox.verify_audit().unwrap().first_broken.is_none());
}

#[test]
fn the_phone_decides_only_with_its_device_and_never_remembers_or_answers() {
    let fx = Fixture::new();
    let request = fx.inbox.ask(ask("agent", "cargo test")).unwrap();
    // The phone as a plain surface, with no device to name: refused.
    let error = fx
        .inbox
        .decide(&request.id, Verdict::Approve, Resolver::Phone)
        .unwrap_err();
    assert!(
        matches!(error, Error::NotADecisionSurface(Resolver::Phone)),
        "{error}"
    );
    let error = fx
        .inbox
        .decide_batch(
            std::slice::from_ref(&request.id),
            Verdict::Approve,
            Resolver::Phone,
        )
        .unwrap();
    assert!(
        error.decided.is_empty(),
        "a batch from the phone decides nothing"
    );
    let error = fx
        .inbox
        .decide_on_phone(
            &request.id,
            Verdict::ApproveRemembering {
                choice: "always".into(),
            },
            "PHONEDEVICE",
            true,
        )
        .unwrap_err();
    assert!(error.to_string().contains("card"), "{error}");
    assert!(fx.inbox.request(&request.id).unwrap().unwrap().is_pending());
}

#[test]
fn high_risk_is_approved_from_the_phone_only_when_the_person_allowed_it() {
    let fx = Fixture::new();
    let first = risky(&fx);
    let error = fx
        .inbox
        .decide_on_phone(&first.id, Verdict::Approve, "PHONEDEVICE", false)
        .unwrap_err();
    assert!(error.to_string().contains("high-risk"), "{error}");
    assert!(fx.inbox.request(&first.id).unwrap().unwrap().is_pending());
    // Deny always works.
    fx.inbox
        .decide_on_phone(
            &first.id,
            Verdict::Deny { reason: None },
            "PHONEDEVICE",
            false,
        )
        .unwrap();

    let second = risky(&fx);
    let decided = fx
        .inbox
        .decide_on_phone(&second.id, Verdict::Approve, "PHONEDEVICE", true)
        .unwrap();
    assert_eq!(decided.resolution.unwrap().outcome, Outcome::Approved);
}

#[test]
fn the_first_answer_wins_between_the_desktop_and_the_phone() {
    let fx = Fixture::new();
    let request = fx.inbox.ask(ask("agent", "cargo test")).unwrap();
    fx.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let error = fx
        .inbox
        .decide_on_phone(
            &request.id,
            Verdict::Deny { reason: None },
            "PHONEDEVICE",
            false,
        )
        .unwrap_err();
    assert!(error.to_string().contains("already approved"), "{error}");
}
