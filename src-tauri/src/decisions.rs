//! Deciding from outside the popover: global shortcuts and notification buttons. Both act
//! on a request the person can see, and tell them what happened.

use std::sync::Mutex;

use inbox::{ApprovalRequest, Inbox, Resolver, Verdict};
use tauri::{AppHandle, Manager};

use crate::events::PopoverSelect;
use crate::{notifications, popover};

/// The request selected in the popover, as the popover last reported it.
#[derive(Default)]
pub struct Selection(Mutex<Option<String>>);

impl Selection {
    pub fn set(&self, request_id: Option<String>) {
        *self.0.lock().unwrap() = request_id;
    }

    fn get(&self) -> Option<String> {
        self.0.lock().unwrap().clone()
    }
}

/// What a shortcut acts on: the popover's selection while the popover is open, else the
/// oldest pending request.
fn target(app: &AppHandle, inbox: &Inbox) -> inbox::Result<Option<ApprovalRequest>> {
    let pending = inbox.pending()?;
    if popover::is_visible(app) {
        if let Some(selected) = app.state::<Selection>().get() {
            if let Some(request) = pending.iter().find(|r| r.id == selected) {
                return Ok(Some(request.clone()));
            }
        }
    }
    Ok(pending.into_iter().next())
}

/// How long a card must have been waiting before the global approve key may approve it: a
/// key pressed for something else, or by a program, must not approve a card the person has
/// not had a moment to see.
pub const APPROVE_KEY_GRACE_MS: inbox::Millis = 1_000;

/// A global key was pressed; `approve_key` is how the person writes the approve key, for the
/// message when it comes too soon.
pub fn by_shortcut(app: &AppHandle, verdict: Verdict, approve_key: &str) {
    let inbox = app.state::<Inbox>();
    let approve = matches!(verdict, Verdict::Approve);
    let request = match target(app, &inbox) {
        Ok(Some(request)) => request,
        Ok(None) => {
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
        notifications::urgent(
            app,
            "Not approved: high risk",
            &format!(
                "“{}” {}. Approve it from its card in the popover.",
                request.title,
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
                "“{}” arrived {:.1} s ago. Read it, then press {approve_key} again.",
                request.title,
                age as f64 / 1000.0
            ),
        );
        return;
    }
    decide(app, &request.id, verdict, Resolver::Shortcut);
}

/// Decides; a request someone else already decided is reported as such and nothing changes.
/// A shortcut's decision is confirmed in a notification: nothing else shows it happened.
/// These answers show even while notifications are paused: the person just acted.
pub fn decide(app: &AppHandle, request_id: &str, verdict: Verdict, by: Resolver) {
    let inbox = app.state::<Inbox>();
    match inbox.decide(request_id, verdict, by) {
        Ok(request) => {
            let outcome = match request.resolution.map(|r| r.outcome) {
                Some(inbox::Outcome::Approved) => "Approved",
                _ => "Denied",
            };
            tracing::info!(request = request_id, ?by, outcome, "decided");
            if by == Resolver::Shortcut {
                notifications::urgent(app, outcome, &request.title);
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
        "approve" => decide(app, request_id, Verdict::Approve, Resolver::Notification),
        "deny" => decide(
            app,
            request_id,
            Verdict::Deny { reason: None },
            Resolver::Notification,
        ),
        // A click on the body: the plugin says `tap`, the specification `default`.
        "tap" | "default" => {
            app.state::<Selection>().set(Some(request_id.to_owned()));
            popover::show(app, None);
            popover::emit::<PopoverSelect>(app, &request_id.to_owned());
        }
        _ => {}
    }
}
