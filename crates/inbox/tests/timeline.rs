//! An agent's timeline: each report kept with its time, its requests and how they ended,
//! newest first, paged, and the reports forgotten past the person's retention.

mod common;

use std::time::Duration;

use common::*;
use inbox::*;

fn report(fx: &Fixture, agent: &str, state: Option<AgentState>, activity: Option<&str>) {
    fx.inbox
        .update_agent(AgentUpdate {
            id: agent.into(),
            state,
            activity: activity.map(str::to_owned),
            ..AgentUpdate::default()
        })
        .unwrap();
}

#[test]
fn the_timeline_holds_each_report_and_request_newest_first() {
    let mut fx = Fixture::new();
    report(
        &fx,
        "claude",
        Some(AgentState::Working),
        Some("Bash: cargo test"),
    );
    fx.clock.advance(30000);
    report(&fx, "claude", None, Some("Ran Bash: cargo test"));
    fx.clock.advance(1000);
    let asked = fx.inbox.ask(ask("claude", "git push")).unwrap();
    fx.clock.advance(5000);
    fx.inbox
        .decide(&asked.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    fx.clock.advance(1000);
    report(
        &fx,
        "claude",
        Some(AgentState::Done),
        Some("Pushed the branch"),
    );
    // Another agent's, and a report of nothing new, are not in it.
    report(&fx, "codex", Some(AgentState::Working), Some("elsewhere"));
    report(&fx, "claude", None, None);

    fx.restart();
    let timeline = fx.inbox.timeline("claude", None, 100).unwrap();
    assert!(!timeline.more);
    let seen: Vec<(i64, String)> = timeline
        .entries
        .iter()
        .map(|e| {
            let what = match &e.what {
                TimelineWhat::Reported { state, activity } => {
                    format!("{state:?} {}", activity.as_deref().unwrap_or("-"))
                }
                TimelineWhat::Asked { title, .. } => format!("asked {title}"),
                TimelineWhat::Resolved { outcome, by, .. } => format!("{outcome:?} by {by:?}"),
            };
            ((e.at - T0) / 1000, what)
        })
        .collect();
    assert_eq!(
        seen,
        [
            (37, "Some(Done) Pushed the branch".to_owned()),
            (36, "Approved by Popover".to_owned()),
            (31, "asked git push".to_owned()),
            (30, "None Ran Bash: cargo test".to_owned()),
            (0, "Some(Working) Bash: cargo test".to_owned()),
        ]
    );
}

#[test]
fn a_long_timeline_comes_in_pages_and_reports_past_the_retention_are_forgotten() {
    let fx = Fixture::new();
    for n in 0..7 {
        report(&fx, "claude", None, Some(&format!("step {n}")));
        fx.clock.advance(60000);
    }
    let first = fx.inbox.timeline("claude", None, 3).unwrap();
    assert!(first.more);
    let last_at = first.entries.last().unwrap().at;
    let second = fx.inbox.timeline("claude", Some(last_at), 3).unwrap();
    let third = fx
        .inbox
        .timeline("claude", Some(second.entries[2].at), 3)
        .unwrap();
    let steps: Vec<String> = [first, second, third.clone()]
        .iter()
        .flat_map(|page| page.entries.iter())
        .map(|e| match &e.what {
            TimelineWhat::Reported { activity, .. } => activity.clone().unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        steps,
        (0..7)
            .rev()
            .map(|n| format!("step {n}"))
            .collect::<Vec<_>>()
    );
    assert!(!third.more);

    // Now is 7 minutes after the first step: keeping 3 minutes forgets steps 0 to 3.
    let forgotten = fx
        .inbox
        .forget_activity_older_than(Duration::from_secs(3 * 60 + 30))
        .unwrap();
    assert_eq!(forgotten, 4);
    let kept = fx.inbox.timeline("claude", None, 100).unwrap();
    assert_eq!(kept.entries.len(), 3);
}
