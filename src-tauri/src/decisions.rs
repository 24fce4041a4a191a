//! Deciding from outside the popover: global shortcuts and notification buttons. Both act
//! only on a request the person can see whole, and tell them what happened.

use std::sync::Mutex;

use inbox::{ApprovalRequest, Inbox, Resolver, Verdict};
use tauri::{AppHandle, Manager};

use crate::events::PopoverSelect;
use crate::notifications;
use crate::popover::PopoverExt;

/// The request selected in the popover, as the popover last reported it, and whether the
/// person has seen all of it there (its details fit on the card, or they opened them).
#[derive(Default)]
pub struct Selection(Mutex<Option<Selected>>);

#[derive(Clone)]
struct Selected {
    request_id: String,
    whole_seen: bool,
}

impl Selection {
    pub fn set(&self, request_id: Option<String>, whole_seen: bool) {
        *self.0.lock().unwrap() = request_id.map(|request_id| Selected {
            request_id,
            whole_seen,
        });
    }

    fn get(&self) -> Option<Selected> {
        self.0.lock().unwrap().clone()
    }

    /// The app selects `request_id` in the popover: unseen until the popover says otherwise,
    /// unless it is already the selection, whose reading the popover reported (it does not
    /// report a selection that did not change).
    fn select_by_app(&self, request_id: &str) {
        let mut selection = self.0.lock().unwrap();
        if selection
            .as_ref()
            .is_none_or(|s| s.request_id != request_id)
        {
            *selection = Some(Selected {
                request_id: request_id.to_owned(),
                whole_seen: false,
            });
        }
    }
}

/// What a global key finds on screen.
enum OnScreen {
    /// The one request the person is looking at, all of it: the card selected in the open
    /// popover, or the only approval notification on screen when it shows the whole request.
    Seen(ApprovalRequest),
    /// Singled out the same way, but not all of it is in sight (its details are longer than
    /// its card or its notification), with why.
    Partly(ApprovalRequest, String),
    /// Requests wait, but none is singled out (several notifications on screen, or none):
    /// the one to show the person, with why; the oldest is `.2`.
    NotSingledOut(ApprovalRequest, String, Box<ApprovalRequest>),
    Nothing,
}

/// What of the app is on the person's screen, as far as the app knows.
enum Screen {
    /// The popover is open, with its selection as it last reported it.
    Popover(Option<Selected>),
    /// The popover is closed; these requests have an approval notification on screen.
    Notifications(Vec<String>),
}

/// The request the person is looking at, if exactly one is before their eyes: the popover's
/// selection while the popover is open, else the one approval notification on screen.
fn on_screen(app: &AppHandle, inbox: &Inbox) -> inbox::Result<OnScreen> {
    let screen = if app.popover().is_visible() {
        Screen::Popover(app.state::<Selection>().get())
    } else {
        Screen::Notifications(notifications::approvals_on_screen(app))
    };
    Ok(what_is_seen(inbox.pending()?, screen))
}

/// `on_screen` for the `pending` requests (oldest first) and what the screen shows.
fn what_is_seen(pending: Vec<ApprovalRequest>, screen: Screen) -> OnScreen {
    let Some(oldest) = pending.first().cloned() else {
        return OnScreen::Nothing;
    };
    let not_singled_out = |shown: ApprovalRequest, why: String| {
        OnScreen::NotSingledOut(shown, why, Box::new(oldest.clone()))
    };
    match screen {
        Screen::Popover(selected) => {
            let selected = selected.and_then(|selected| {
                let request = pending.iter().find(|r| r.id == selected.request_id)?;
                Some((request.clone(), selected.whole_seen))
            });
            match selected {
                Some((request, true)) => OnScreen::Seen(request),
                Some((request, false)) => OnScreen::Partly(
                    request,
                    "its details are longer than its card: open them in the popover first".into(),
                ),
                None => not_singled_out(
                    oldest.clone(),
                    "no request is selected in the popover".into(),
                ),
            }
        }
        Screen::Notifications(shown) => {
            let notified: Vec<&ApprovalRequest> =
                pending.iter().filter(|r| shown.contains(&r.id)).collect();
            match notified.as_slice() {
                [only] if notifications::shows_whole(only) => OnScreen::Seen((*only).clone()),
                [only] => OnScreen::Partly(
                    (*only).clone(),
                    "its details are longer than its notification: read them in the popover"
                        .into(),
                ),
                [] => not_singled_out(
                    oldest.clone(),
                    "no approval notification is on screen to say which request you mean".into(),
                ),
                // The newest is shown: the one the person most likely just looked at.
                [.., newest] => not_singled_out(
                    (*newest).clone(),
                    format!(
                        "{} approval notifications are on screen, so the key cannot tell which one you mean",
                        notified.len()
                    ),
                ),
            }
        }
    }
}

/// How long a card must have been waiting before the global approve key may approve it: a
/// key pressed for something else, or by a program, must not approve a card the person has
/// not had a moment to see.
pub const APPROVE_KEY_GRACE_MS: inbox::Millis = 1_000;

/// A global key was pressed; `approve_key` is how the person writes the approve key, for the
/// message when it comes too soon. The approve key approves only the one request the person
/// is looking at, whole; otherwise it opens the popover on a request instead of deciding.
/// The deny key denies that request, or the oldest waiting one.
pub fn by_shortcut(app: &AppHandle, verdict: Verdict, approve_key: &str) {
    let inbox = app.state::<Inbox>();
    let approve = matches!(verdict, Verdict::Approve);
    let request = match on_screen(app, &inbox) {
        Ok(OnScreen::Seen(request)) => request,
        Ok(OnScreen::Partly(request, why) | OnScreen::NotSingledOut(request, why, _))
            if approve =>
        {
            tracing::info!(request = request.id, "approve key: {why}");
            show_in_popover(app, &request.id);
            notifications::urgent(
                app,
                "Not approved: opened in the popover",
                &format!(
                    "Nothing was approved: {why}. The popover shows “{}” from {}; approve it there, or select it and press {approve_key}.",
                    request.title,
                    notifications::agent_name(&inbox, &request)
                ),
            );
            return;
        }
        Ok(OnScreen::Partly(request, _)) => request,
        // Denying what the person did not single out is safe: the oldest goes first.
        Ok(OnScreen::NotSingledOut(_, _, oldest)) => *oldest,
        Ok(OnScreen::Nothing) => {
            let what = if approve { "approve" } else { "deny" };
            notifications::urgent(
                app,
                &format!("Nothing to {what}"),
                "No request is waiting for a decision.",
            );
            return;
        }
        Err(e) => {
            notifications::urgent(app, "Could not decide", &e.to_string());
            return;
        }
    };
    let refused = approve
        .then(|| inbox::approval_refused(&request, Resolver::Shortcut))
        .flatten();
    if let Some(refusal) = refused {
        tracing::info!(request = request.id, "approve key refused: {refusal}");
        show_in_popover(app, &request.id);
        notifications::urgent(
            app,
            "Not approved: high risk",
            &format!(
                "“{}” from {} {}. Approve it from its card in the popover.",
                request.title,
                notifications::agent_name(&inbox, &request),
                request.risk.rule.as_deref().unwrap_or("is high risk")
            ),
        );
        return;
    }
    let age = inbox.now().saturating_sub(request.created_at);
    if approve && age < APPROVE_KEY_GRACE_MS {
        tracing::info!(request = request.id, age, "approve key too soon");
        notifications::urgent(
            app,
            "Not approved: it just arrived",
            &format!(
                "“{}” from {} arrived {:.1} s ago. Read it, then press {approve_key} again.",
                request.title,
                notifications::agent_name(&inbox, &request),
                age as f64 / 1000.0
            ),
        );
        return;
    }
    decide(app, &request.id, verdict, Resolver::Shortcut);
}

/// Opens the popover with `request_id` selected.
fn show_in_popover(app: &AppHandle, request_id: &str) {
    app.state::<Selection>().select_by_app(request_id);
    app.popover().show(None);
    app.popover().emit::<PopoverSelect>(&request_id.to_owned());
}

/// Decides; a request someone else already decided is reported as such and nothing changes.
/// A shortcut's decision is confirmed in a notification: nothing else shows it happened.
/// These answers show even while notifications are paused: the person just acted.
pub fn decide(app: &AppHandle, request_id: &str, verdict: Verdict, by: Resolver) {
    let inbox = app.state::<Inbox>();
    match inbox.decide(request_id, verdict, by) {
        Ok(request) => {
            let outcome = match request.resolution.as_ref().map(|r| r.outcome) {
                Some(inbox::Outcome::Approved) => "Approved",
                _ => "Denied",
            };
            tracing::info!(request = request_id, ?by, outcome, "decided");
            if by == Resolver::Shortcut {
                // Named in full: the person pressed a key without looking at a card.
                let agent = notifications::agent_name(&inbox, &request);
                notifications::urgent(app, &format!("{outcome} · {agent}"), &request.title);
            }
        }
        Err(e) => {
            tracing::info!(request = request_id, ?by, "not decided: {e}");
            notifications::urgent(app, "Nothing changed", &e.to_string());
        }
    }
}

/// A person's click on an approval notification (notifications.rs): a button decides; a
/// click on the body opens the popover on that request.
pub fn from_notification(app: &AppHandle, request_id: &str, action: &str) {
    match action {
        // Offered only where the notification shows the whole request; asked again here, so
        // that no button approves what its notification did not show.
        "approve" if !shown_whole(app, request_id) => show_in_popover(app, request_id),
        "approve" => decide(app, request_id, Verdict::Approve, Resolver::Notification),
        "deny" => decide(
            app,
            request_id,
            Verdict::Deny { reason: None },
            Resolver::Notification,
        ),
        // A click on the body (the plugin says `tap`, the specification `default`), or the
        // Open button of a request its notification cannot show whole.
        "tap" | "default" | notifications::OPEN => show_in_popover(app, request_id),
        option => {
            if let Some(index) = option
                .strip_prefix(notifications::OPTION)
                .and_then(|n| n.parse().ok())
            {
                answer_with_option(app, request_id, index);
            }
        }
    }
}

/// An option's button on a question's notification: that option is the answer. Asked again
/// here, so that no button answers what its notification did not show; otherwise the
/// question opens on its card.
fn answer_with_option(app: &AppHandle, request_id: &str, index: usize) {
    let request = app.state::<Inbox>().request(request_id).ok().flatten();
    let answers = request
        .filter(|request| request.is_pending())
        .filter(|request| notifications::option_buttons(request).is_some())
        .and_then(|request| inbox::option_answer(&request, index));
    match answers {
        Some(answers) => decide(
            app,
            request_id,
            Verdict::Answer { answers },
            Resolver::Notification,
        ),
        None => show_in_popover(app, request_id),
    }
}

fn shown_whole(app: &AppHandle, request_id: &str) -> bool {
    let request = app.state::<Inbox>().request(request_id).ok().flatten();
    // A request unknown or no longer pending: `decide` says so.
    request.is_none_or(|request| !request.is_pending() || notifications::shows_whole(&request))
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_requests::pending as request;

    fn waiting() -> Vec<ApprovalRequest> {
        let long = "ALTER TABLE t ADD COLUMN c int;\n".repeat(100);
        vec![
            request("migration", "sqlx migrate run"),
            request("nginx", "systemctl restart nginx"),
            request("long", &long),
        ]
    }

    fn shown(ids: &[&str]) -> Screen {
        Screen::Notifications(ids.iter().map(|id| id.to_string()).collect())
    }

    fn selected(id: &str, whole_seen: bool) -> Screen {
        Screen::Popover(Some(Selected {
            request_id: id.into(),
            whole_seen,
        }))
    }

    /// (what it is, the request it names, the oldest for the deny key).
    fn seen(found: OnScreen) -> (&'static str, String, Option<String>) {
        match found {
            OnScreen::Seen(r) => ("seen", r.id, None),
            OnScreen::Partly(r, _) => ("partly", r.id, None),
            OnScreen::NotSingledOut(r, _, oldest) => ("not singled out", r.id, Some(oldest.id)),
            OnScreen::Nothing => ("nothing", String::new(), None),
        }
    }

    #[test]
    fn the_one_notification_on_screen_is_what_the_person_sees() {
        let found = seen(what_is_seen(waiting(), shown(&["nginx"])));
        assert_eq!(found, ("seen", "nginx".into(), None));
    }

    #[test]
    fn several_notifications_or_none_single_out_nothing() {
        let several = seen(what_is_seen(waiting(), shown(&["migration", "nginx"])));
        assert_eq!(
            several,
            ("not singled out", "nginx".into(), Some("migration".into()))
        );
        let none = seen(what_is_seen(waiting(), shown(&[])));
        assert_eq!(
            none,
            (
                "not singled out",
                "migration".into(),
                Some("migration".into())
            )
        );
        // A notification of a request no longer waiting does not count.
        let stale = seen(what_is_seen(waiting(), shown(&["gone", "nginx"])));
        assert_eq!(stale, ("seen", "nginx".into(), None));
    }

    #[test]
    fn a_request_longer_than_its_notification_is_seen_only_partly() {
        let found = seen(what_is_seen(waiting(), shown(&["long"])));
        assert_eq!(found, ("partly", "long".into(), None));
    }

    #[test]
    fn in_the_open_popover_the_selection_counts_once_seen_whole() {
        let whole = seen(what_is_seen(waiting(), selected("long", true)));
        assert_eq!(whole, ("seen", "long".into(), None));
        let unread = seen(what_is_seen(waiting(), selected("long", false)));
        assert_eq!(unread, ("partly", "long".into(), None));
        // Notifications do not count while the popover is open.
        let nothing_selected = seen(what_is_seen(waiting(), Screen::Popover(None)));
        assert_eq!(nothing_selected.0, "not singled out");
        let gone = seen(what_is_seen(waiting(), selected("decided-elsewhere", true)));
        assert_eq!(gone.0, "not singled out");
    }

    #[test]
    fn with_nothing_waiting_there_is_nothing() {
        assert_eq!(
            seen(what_is_seen(Vec::new(), shown(&["nginx"]))).0,
            "nothing"
        );
    }
}
