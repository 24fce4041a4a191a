//! Native notifications. A new approval shows Approve and Deny buttons (handled in Rust:
//! the plugin's JavaScript side lags, design.md); agents that finish or fail say so.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Mutex;

use inbox::{Agent, AgentState, ApprovalRequest, Inbox, InboxEventKind, Resolver, Update, Verdict};
use settings::NotificationSettings;
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::{Action, ActionPerformed, ActionType, NotificationExt};

use crate::{decisions, popover};

const APPROVAL_ACTIONS: &str = "approval";
/// Tells the popover which request a notification click was about.
pub const SELECT_EVENT: &str = "popover://select";
const DETAILS_IN_BODY: usize = 300;

pub struct Notifications {
    paused: AtomicBool,
    kinds: Mutex<NotificationSettings>,
    next_id: AtomicI32,
    /// Request id → notification id, to close a notification once its request is resolved.
    shown: Mutex<HashMap<String, i32>>,
    agent_states: Mutex<HashMap<String, AgentState>>,
}

impl Default for Notifications {
    fn default() -> Self {
        Self {
            paused: AtomicBool::new(false),
            kinds: Mutex::new(NotificationSettings::default()),
            next_id: AtomicI32::new(1),
            shown: Mutex::default(),
            agent_states: Mutex::default(),
        }
    }
}

impl Notifications {
    /// Flips the pause and returns whether notifications are now paused.
    pub fn toggle_paused(&self) -> bool {
        !self.paused.fetch_xor(true, Ordering::Relaxed)
    }

    fn paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }

    pub fn set_kinds(&self, kinds: NotificationSettings) {
        *self.kinds.lock().unwrap() = kinds;
    }

    fn kinds(&self) -> NotificationSettings {
        *self.kinds.lock().unwrap()
    }

    fn next_id(&self) -> i32 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }
}

/// Registers the action buttons and their handler (before any notification is shown, or
/// the buttons would not appear), then follows the inbox.
pub fn install(app: &AppHandle, inbox: &Inbox) {
    let notification = app.notification();
    let actions = ActionType::builder(APPROVAL_ACTIONS)
        .actions(vec![
            Action::builder("approve", "Approve").build(),
            Action::builder("deny", "Deny").build(),
        ])
        .build();
    if let Err(e) = notification.register_action_types(vec![actions]) {
        tracing::warn!("notification actions unavailable: {e}");
    }
    let handle = app.clone();
    if let Err(e) = notification.on_action(move |performed| on_action(&handle, performed)) {
        tracing::warn!("notification actions unavailable: {e}");
    }

    let mut updates = inbox.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match updates.next().await {
                Ok(Update::Event(event)) => on_inbox_event(&app, event.kind),
                Ok(Update::Resync(snapshot)) => close_resolved(&app, &snapshot.pending),
                Err(e) => tracing::error!("notifications: {e}"),
            }
        }
    });
}

fn on_inbox_event(app: &AppHandle, kind: InboxEventKind) {
    match kind {
        InboxEventKind::RequestCreated { request } if request.is_pending() => {
            show_approval(app, &request)
        }
        InboxEventKind::RequestResolved { request } => close(app, &request.id),
        InboxEventKind::AgentUpdated { agent } => on_agent(app, &agent),
        InboxEventKind::RequestCreated { .. } => {}
    }
}

fn show_approval(app: &AppHandle, request: &ApprovalRequest) {
    let state = app.state::<Notifications>();
    if state.paused() || !state.kinds().approvals {
        return;
    }
    let agent = app
        .state::<Inbox>()
        .agents()
        .ok()
        .and_then(|agents| agents.into_iter().find(|a| a.id == request.agent_id))
        .map_or_else(|| request.agent_id.clone(), |a| a.name);
    let id = state.next_id();
    let shown = app
        .notification()
        .builder()
        .id(id)
        .title(format!("Approval needed · {agent}"))
        .body(approval_body(request))
        .action_type_id(APPROVAL_ACTIONS)
        .extra("request_id", &request.id)
        .show();
    match shown {
        Ok(()) => {
            state.shown.lock().unwrap().insert(request.id.clone(), id);
        }
        Err(e) => tracing::warn!("cannot show a notification: {e}"),
    }
}

/// Title, then the exact action, shortened; escaped, since many notification servers read
/// the body as markup and agent text is untrusted.
fn approval_body(request: &ApprovalRequest) -> String {
    let mut details: String = request.details.chars().take(DETAILS_IN_BODY).collect();
    if details.len() < request.details.len() {
        details.push('…');
    }
    escape_markup(&format!(
        "{}\n{}: {}",
        request.title, request.action, details
    ))
}

fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn close(app: &AppHandle, request_id: &str) {
    let id = app
        .state::<Notifications>()
        .shown
        .lock()
        .unwrap()
        .remove(request_id);
    if let Some(id) = id {
        let _ = app.notification().remove_active(vec![id]);
    }
}

fn close_resolved(app: &AppHandle, pending: &[ApprovalRequest]) {
    let stale: Vec<String> = app
        .state::<Notifications>()
        .shown
        .lock()
        .unwrap()
        .keys()
        .filter(|id| !pending.iter().any(|r| &r.id == *id))
        .cloned()
        .collect();
    for id in stale {
        close(app, &id);
    }
}

fn on_agent(app: &AppHandle, agent: &Agent) {
    let state = app.state::<Notifications>();
    let before = state
        .agent_states
        .lock()
        .unwrap()
        .insert(agent.id.clone(), agent.state);
    if before.is_none() || before == Some(agent.state) {
        return;
    }
    let activity = agent.activity.clone().unwrap_or_default();
    let kinds = state.kinds();
    match agent.state {
        AgentState::Done if kinds.agent_finished => {
            info(app, &format!("{} finished", agent.name), &activity)
        }
        AgentState::Error if kinds.agent_failed => {
            info(app, &format!("{} failed", agent.name), &activity)
        }
        _ => {}
    }
}

/// A plain notification, unless notifications are paused.
pub fn info(app: &AppHandle, title: &str, body: &str) {
    let state = app.state::<Notifications>();
    if state.paused() {
        return;
    }
    let shown = app
        .notification()
        .builder()
        .id(state.next_id())
        .title(title)
        .body(escape_markup(body))
        .show();
    if let Err(e) = shown {
        tracing::warn!("cannot show a notification: {e}");
    }
}

/// Runs on the plugin's thread. Each notification carries its request id; a second use
/// finds the request decided and says so.
fn on_action(app: &AppHandle, performed: &ActionPerformed) {
    let Some(request_id) = performed
        .notification()
        .and_then(|n| n.extra().get("request_id"))
        .and_then(|v| v.as_str())
    else {
        return;
    };
    tracing::info!(
        action = performed.action_id(),
        request = request_id,
        "notification action"
    );
    match performed.action_id() {
        "approve" => decisions::decide(app, request_id, Verdict::Approve, Resolver::Notification),
        "deny" => decisions::decide(
            app,
            request_id,
            Verdict::Deny { reason: None },
            Resolver::Notification,
        ),
        "tap" => {
            app.state::<decisions::Selection>()
                .set(Some(request_id.to_owned()));
            popover::show(app, None);
            let _ = app.emit(SELECT_EVENT, request_id);
        }
        _ => {}
    }
}
