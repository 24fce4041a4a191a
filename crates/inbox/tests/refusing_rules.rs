//! The person's rule for agents that ask only in their own prompt (Gemini CLI): a call at or
//! above the rule's risk is recorded as denied by a policy and never waits; anything below
//! it is not recorded at all, and nothing is ever approved this way.

mod common;

use common::*;
use inbox::*;

fn shell(command: &str) -> NewRequest {
    NewRequest::new(
        "gemini:s1",
        "run_shell_command",
        &format!("run_shell_command: {command}"),
        &format!("{{\n  \"command\": \"{command}\"\n}}\ncwd: /home/dana/shop\n"),
    )
}

fn history(fx: &Fixture) -> Vec<AuditEntry> {
    fx.inbox
        .history(&HistoryQuery {
            limit: 100,
            ..HistoryQuery::default()
        })
        .unwrap()
        .entries
}

#[tokio::test]
async fn a_high_risk_call_is_denied_by_the_rule_recorded_and_announced_resolved() {
    let fx = Fixture::new();
    let mut events = fx.inbox.subscribe();
    let refused = fx
        .inbox
        .refuse_by_rule(shell("rm -rf build"), RiskLevel::High)
        .unwrap()
        .expect("rm -rf is high risk");

    let resolution = refused.resolution.clone().unwrap();
    assert_eq!(
        (resolution.outcome, resolution.by),
        (Outcome::Denied, Resolver::Policy)
    );
    let reason = resolution.reason.unwrap();
    assert!(
        reason.starts_with("high risk (deletes files recursively);"),
        "{reason}"
    );
    // Nothing waits for the person: no card, and the one event says it is already decided.
    assert!(fx.inbox.pending().unwrap().is_empty());
    let Update::Event(event) = events.next().await.unwrap() else {
        panic!("expected an event")
    };
    let InboxEventKind::RequestCreated { request } = event.kind else {
        panic!("expected the request, got {event:?}")
    };
    assert!(request.resolution.is_some(), "announced resolved");
    // In the history, and in the audit chain, like any decision.
    assert_eq!(
        fx.inbox.request(&refused.id).unwrap(),
        Some(refused.clone())
    );
    assert!(history(&fx)
        .iter()
        .any(|entry| entry.request_id == refused.id));
    let chain = fx.inbox.verify_audit().unwrap();
    assert_eq!((chain.entries > 0, chain.first_broken), (true, None));
}

#[test]
fn a_call_below_the_rule_is_not_recorded_and_left_to_the_agent() {
    let fx = Fixture::new();
    for command in ["ls -la", "curl https://example.com", "git push"] {
        assert_eq!(
            fx.inbox
                .refuse_by_rule(shell(command), RiskLevel::High)
                .unwrap(),
            None,
            "{command}"
        );
    }
    assert!(history(&fx).is_empty());
    assert!(fx.inbox.pending().unwrap().is_empty());
    // The same call under a stricter rule is refused.
    let refused = fx
        .inbox
        .refuse_by_rule(shell("git push"), RiskLevel::Medium)
        .unwrap()
        .expect("git push is medium risk");
    assert!(refused
        .resolution
        .unwrap()
        .reason
        .unwrap()
        .starts_with("medium risk (pushes to a remote)"));
}

#[test]
fn the_persons_own_risk_rules_count() {
    let fx = Fixture::new();
    assert_eq!(
        fx.inbox
            .refuse_by_rule(shell("make release"), RiskLevel::High)
            .unwrap(),
        None
    );
    fx.inbox.set_risk_rules(
        RiskRules::with_user_rules(
            r#"{ "rules": [ { "name": "cuts a release", "level": "high", "contains": ["make release"] } ] }"#,
        )
        .unwrap(),
    );
    let refused = fx
        .inbox
        .refuse_by_rule(shell("make release"), RiskLevel::High)
        .unwrap()
        .expect("the person's own rule makes it high risk");
    assert_eq!(refused.risk.rule.as_deref(), Some("cuts a release"));
}

#[test]
fn a_malformed_call_is_an_error_and_records_nothing() {
    let fx = Fixture::new();
    let mut bad = shell("rm -rf /");
    bad.agent_id = String::new();
    assert!(fx.inbox.refuse_by_rule(bad, RiskLevel::High).is_err());
    assert!(history(&fx).is_empty());
}
