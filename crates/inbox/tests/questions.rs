//! An agent's questions (Claude Code's `AskUserQuestion`): answered with a choice on the
//! request's card, the answers recorded, audited and handed back; never approved as they
//! stand, by a key, a notification, a batch or a grant.

mod common;

use std::collections::BTreeMap;

use common::*;
use inbox::*;
use rusqlite::Connection;

const DATABASE: &str = "Which database should the service use?";
const NAME: &str = "What should the service be called?";

/// The request `ctray hook claude` makes of Claude Code's AskUserQuestion.
fn question(fx: &Fixture) -> ApprovalRequest {
    let input = serde_json::json!({ "questions": [
        { "question": DATABASE, "header": "Database", "multiSelect": false, "options": [
            { "label": "PostgreSQL", "description": "Relational, the team knows it" },
            { "label": "SQLite", "description": "One file, no server" } ] },
        { "question": NAME, "header": "Name", "multiSelect": false, "options": [
            { "label": "shop-api", "description": "" } ] },
    ]});
    let new = NewRequest::new(
        "claude-code:s",
        QUESTION_TOOL,
        &format!("Asks: {DATABASE} (and 1 more)"),
        &format!("{input:#}\n\ncwd: /home/dana/shop\n"),
    );
    fx.inbox.ask(new).unwrap()
}

fn answer(pairs: &[(&str, &str)]) -> Verdict {
    Verdict::Answer {
        answers: pairs
            .iter()
            .map(|(q, a)| (q.to_string(), a.to_string()))
            .collect::<BTreeMap<_, _>>(),
    }
}

#[tokio::test]
async fn answers_given_on_the_card_are_recorded_audited_and_handed_over() {
    let mut fx = Fixture::new();
    let request = question(&fx);
    let decided = fx
        .inbox
        .decide(
            &request.id,
            answer(&[(DATABASE, "SQLite"), (NAME, "orders, in my own words")]),
            Resolver::Popover,
        )
        .unwrap();
    let resolution = decided.resolution.unwrap();
    assert_eq!(resolution.outcome, Outcome::Approved);
    let answers = resolution.answers.unwrap();
    assert_eq!(answers[DATABASE], "SQLite");
    assert_eq!(answers[NAME], "orders, in my own words");

    // After a restart the agent re-attaching gets the same answers, held by the audit chain.
    fx.restart();
    let waited = fx.inbox.wait(&request.id).await.unwrap();
    assert_eq!(
        waited.resolution.unwrap().answers.unwrap()[DATABASE],
        "SQLite"
    );
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
    assert!(resolved.answers.unwrap().contains("SQLite"));
}

#[test]
fn answers_edited_in_the_database_are_refused_as_tampering() {
    let fx = Fixture::new();
    let request = question(&fx);
    fx.inbox
        .decide(
            &request.id,
            answer(&[(DATABASE, "SQLite"), (NAME, "shop-api")]),
            Resolver::Popover,
        )
        .unwrap();
    let conn = Connection::open(fx.db()).unwrap();
    conn.execute(
        "UPDATE requests SET answers = replace(answers, 'SQLite', 'PostgreSQL')",
        [],
    )
    .unwrap();
    drop(conn);
    let read = fx.inbox.request(&request.id);
    assert!(matches!(read, Err(Error::Tampered { .. })), "{read:?}");
}

#[test]
fn a_question_is_never_approved_as_it_stands_nor_answered_by_anything_but_its_card() {
    let fx = Fixture::new();
    let request = question(&fx);
    for by in [
        Resolver::Popover,
        Resolver::Window,
        Resolver::Shortcut,
        Resolver::Notification,
    ] {
        let refused = fx
            .inbox
            .decide(&request.id, Verdict::Approve, by)
            .unwrap_err();
        assert!(
            refused.to_string().contains("answered with a choice"),
            "{by:?}: {refused}"
        );
    }
    for by in [Resolver::Shortcut, Resolver::Policy] {
        let refused = fx
            .inbox
            .decide(
                &request.id,
                answer(&[(DATABASE, "SQLite"), (NAME, "x")]),
                by,
            )
            .unwrap_err();
        assert!(
            refused.to_string().contains("on the request's card"),
            "{by:?}: {refused}"
        );
    }
    // Two questions: a notification's buttons cannot answer both.
    let refused = fx
        .inbox
        .decide(
            &request.id,
            answer(&[(DATABASE, "SQLite"), (NAME, "shop-api")]),
            Resolver::Notification,
        )
        .unwrap_err();
    assert!(
        refused.to_string().contains("only with one of the options"),
        "{refused}"
    );
    let batch = fx
        .inbox
        .decide_batch(
            std::slice::from_ref(&request.id),
            Verdict::Approve,
            Resolver::Popover,
        )
        .unwrap();
    assert!(
        batch.decided.is_empty() && batch.refused.len() == 1,
        "{batch:?}"
    );
    assert!(grant_offers(&request).offers.is_empty());
    let granted = fx.inbox.approve_and_grant(
        &request.id,
        GrantSpec {
            what: GrantWhat::Tool,
            in_project: false,
            duration: GrantFor::Hour,
        },
        Resolver::Popover,
    );
    assert!(granted.is_err(), "{granted:?}");
    assert!(fx.inbox.request(&request.id).unwrap().unwrap().is_pending());
}

#[test]
fn answers_must_answer_every_question_and_nothing_else() {
    let fx = Fixture::new();
    let request = question(&fx);
    for (answers, why) in [
        (vec![(DATABASE, "SQLite")], "has no answer"),
        (vec![(DATABASE, "SQLite"), (NAME, "  ")], "has no answer"),
        (
            vec![(DATABASE, "SQLite"), (NAME, "x"), ("Delete prod?", "yes")],
            "not one of its questions",
        ),
        (
            vec![(DATABASE, "SQLite"), (NAME, "a\u{1b}[2J")],
            "control characters",
        ),
    ] {
        let refused = fx
            .inbox
            .decide(&request.id, answer(&answers), Resolver::Popover)
            .unwrap_err();
        assert!(refused.to_string().contains(why), "{answers:?}: {refused}");
    }
    // An ordinary request is not answered.
    let bash = fx.inbox.ask(ask("claude-code:s", "Bash: ls")).unwrap();
    let refused = fx
        .inbox
        .decide(&bash.id, answer(&[(DATABASE, "SQLite")]), Resolver::Popover)
        .unwrap_err();
    assert!(
        refused.to_string().contains("asks no questions"),
        "{refused}"
    );
    // Denied, it is left to the agent's terminal.
    let denied = fx
        .inbox
        .decide(
            &request.id,
            Verdict::Deny { reason: None },
            Resolver::Popover,
        )
        .unwrap();
    assert_eq!(denied.resolution.unwrap().outcome, Outcome::Denied);
}

/// One question of single choice, as a notification can answer it with a button.
fn single(fx: &Fixture, multi_select: bool) -> ApprovalRequest {
    let input = serde_json::json!({ "questions": [
        { "question": DATABASE, "header": "Database", "multiSelect": multi_select, "options": [
            { "label": "PostgreSQL", "description": "Relational, the team knows it" },
            { "label": "SQLite", "description": "One file, no server" } ] },
    ]});
    let new = NewRequest::new(
        "claude-code:s",
        QUESTION_TOOL,
        &format!("Asks: {DATABASE}"),
        &format!("{input:#}\n\ncwd: /home/dana/shop\n"),
    );
    fx.inbox.ask(new).unwrap()
}

#[test]
fn a_notification_answers_a_single_choice_question_with_one_of_its_options_only() {
    let fx = Fixture::new();
    let request = single(&fx, false);
    let question = single_choice(&request).unwrap();
    assert_eq!(question.options[1].description, "One file, no server");
    assert_eq!(option_answer(&request, 2), None);
    for words in ["MySQL", "SQLite, PostgreSQL", ""] {
        let refused = fx
            .inbox
            .decide(
                &request.id,
                answer(&[(DATABASE, words)]),
                Resolver::Notification,
            )
            .unwrap_err();
        assert!(
            refused.to_string().contains("only with one of the options"),
            "{words:?}: {refused}"
        );
    }
    let chosen = option_answer(&request, 1).unwrap();
    let decided = fx
        .inbox
        .decide(
            &request.id,
            Verdict::Answer { answers: chosen },
            Resolver::Notification,
        )
        .unwrap();
    let resolution = decided.resolution.unwrap();
    assert_eq!(resolution.by, Resolver::Notification);
    assert_eq!(resolution.answers.unwrap()[DATABASE], "SQLite");

    // Several choices allowed: no buttons, and no answer from a notification.
    let multiple = single(&fx, true);
    assert!(single_choice(&multiple).is_none());
    assert!(option_answer(&multiple, 0).is_none());
    let refused = fx
        .inbox
        .decide(
            &multiple.id,
            answer(&[(DATABASE, "SQLite")]),
            Resolver::Notification,
        )
        .unwrap_err();
    assert!(refused.to_string().contains("only with one of the options"));
}
