//! An agent's own "always allow" (Claude Code's permission suggestions): the request
//! carries the choices as labels, the person picks one on the request's card, the decision
//! and its audit entry record it, and only that exact choice goes back to the agent.

mod common;

use common::*;
use inbox::*;
use rusqlite::Connection;

const IN_PROJECT: &str = "Always allow `npm test` in this project (Claude Code remembers it)";
const SESSION: &str = "Accept edits for the rest of this session";

fn asked_with_choices(fx: &Fixture) -> ApprovalRequest {
    let mut new = ask("claude-code:s", "Bash: npm test");
    new.remember_choices = vec![IN_PROJECT.into(), SESSION.into()];
    fx.inbox.ask(new).unwrap()
}

fn remembering(choice: &str) -> Verdict {
    Verdict::ApproveRemembering {
        choice: choice.into(),
    }
}

#[tokio::test]
async fn the_choice_picked_on_the_card_is_recorded_audited_and_handed_over() {
    let mut fx = Fixture::new();
    let request = asked_with_choices(&fx);
    assert_eq!(request.remember_choices, [IN_PROJECT, SESSION]);

    let decided = fx
        .inbox
        .decide(&request.id, remembering(IN_PROJECT), Resolver::Popover)
        .unwrap();
    let resolution = decided.resolution.unwrap();
    assert_eq!(resolution.outcome, Outcome::Approved);
    assert_eq!(resolution.remembered.as_deref(), Some(IN_PROJECT));

    // After a restart the agent re-attaching gets the same answer, held by the audit chain.
    fx.restart();
    let waited = fx.inbox.wait(&request.id).await.unwrap();
    assert_eq!(
        waited.resolution.unwrap().remembered.as_deref(),
        Some(IN_PROJECT)
    );
    assert_eq!(waited.remember_choices, [IN_PROJECT, SESSION]);
    let report = fx.inbox.verify_audit().unwrap();
    assert!(report.first_broken.is_none(), "{report:?}");
    let resolved = fx
        .inbox
        .history(&HistoryQuery::default())
        .unwrap()
        .entries
        .into_iter()
        .find(|e| e.event == AuditEvent::Resolved)
        .unwrap();
    assert_eq!(resolved.remembered.as_deref(), Some(IN_PROJECT));
}

#[test]
fn only_the_requests_own_card_picks_one_and_only_one_it_offers() {
    let fx = Fixture::new();
    let request = asked_with_choices(&fx);
    for surface in [Resolver::Shortcut, Resolver::Notification, Resolver::Policy] {
        let refused = fx
            .inbox
            .decide(&request.id, remembering(IN_PROJECT), surface);
        assert!(matches!(refused, Err(Error::Invalid { .. })), "{surface:?}");
    }
    let refused = fx.inbox.decide(
        &request.id,
        remembering("Always allow everything, everywhere"),
        Resolver::Window,
    );
    assert!(matches!(refused, Err(Error::Invalid { .. })));
    let refused = fx.inbox.decide_batch(
        std::slice::from_ref(&request.id),
        remembering(IN_PROJECT),
        Resolver::Popover,
    );
    assert!(matches!(refused, Err(Error::Invalid { .. })));
    assert!(fx.inbox.request(&request.id).unwrap().unwrap().is_pending());

    // A plain approval remembers nothing.
    let plain = fx
        .inbox
        .decide(&request.id, Verdict::Approve, Resolver::Shortcut)
        .unwrap();
    assert_eq!(plain.resolution.unwrap().remembered, None);
}

#[test]
fn choices_are_checked_like_any_agent_input() {
    let fx = Fixture::new();
    let with = |choices: Vec<String>| {
        let mut new = ask("a", "t");
        new.remember_choices = choices;
        fx.inbox.ask(new)
    };
    assert!(matches!(with(vec![" ".into()]), Err(Error::Invalid { .. })));
    assert!(matches!(
        with(vec!["x".into(), "x".into()]),
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(
        with((0..5).map(|i| format!("choice {i}")).collect()),
        Err(Error::Invalid { .. })
    ));
    assert!(matches!(
        with(vec!["x".repeat(protocol::limits::MAX_REMEMBER_CHOICE + 1)]),
        Err(Error::Invalid { .. })
    ));
    assert!(with(vec!["a".into(), "b".into()]).is_ok());
}

#[tokio::test]
async fn a_remembered_choice_edited_into_the_table_is_never_handed_over() {
    let mut fx = Fixture::new();
    let request = asked_with_choices(&fx);
    fx.inbox
        .decide(&request.id, remembering(SESSION), Resolver::Popover)
        .unwrap();
    // The person let the agent remember a session-wide mode; someone with the file widens
    // it to the project rule behind the app's back.
    let conn = Connection::open(fx.db()).unwrap();
    conn.execute(
        "UPDATE requests SET remembered = ?2 WHERE id = ?1",
        rusqlite::params![request.id, IN_PROJECT],
    )
    .unwrap();
    fx.restart();
    assert!(matches!(
        fx.inbox.wait(&request.id).await,
        Err(Error::Tampered { .. })
    ));
}
