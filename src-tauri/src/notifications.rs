//! Native notifications. A new approval shows Approve and Deny buttons, handled in Rust;
//! agents that finish or fail say so. On Linux and the BSDs they go over the session bus
//! through `desktop-notifications`, which believes a button only from the notification
//! server that showed it (any client of the bus can emit the signal, docs/security.md);
//! elsewhere through the notification plugin.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex, OnceLock};

use inbox::{Agent, AgentState, ApprovalRequest, Inbox, InboxEventKind, Update};
use settings::{NotificationSettings, SoundSettings};
use tauri::{AppHandle, Manager};

/// What of a request's details its notification shows: at most this many characters, in at
/// most `LINES_IN_BODY` lines. A request with more is never approved from its notification
/// (nor by the approve key through it): the notification offers Open and Deny.
const DETAILS_IN_BODY: usize = 300;
const LINES_IN_BODY: usize = 6;

/// The action of the Open button, offered where a notification cannot show all of a request.
pub const OPEN: &str = "open";

/// The action of an option's button on a question's notification: `option-N`, N the
/// option's place in the question.
pub const OPTION: &str = "option-";

/// A question's options become buttons only up to this many: notification servers show
/// three or four buttons, and Open takes one.
const MAX_OPTION_BUTTONS: usize = 3;
/// A button's label is this many characters at most; the body has the whole label.
const OPTION_LABEL_CHARS: usize = 40;

/// The options a question's notification offers as buttons: those of one single-choice
/// question with a few options, whose whole text (the question, each option's label and
/// description) the body shows. `None` for anything else: Open answers it on its card.
pub fn option_buttons(request: &ApprovalRequest) -> Option<Vec<String>> {
    let question = inbox::single_choice(request)?;
    if question.options.len() > MAX_OPTION_BUTTONS || !fits_body(&single_choice_text(&question)) {
        return None;
    }
    Some(
        question
            .options
            .iter()
            .map(|option| {
                let label: String = option
                    .label
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect();
                if label.chars().count() > OPTION_LABEL_CHARS {
                    let short: String = label.chars().take(OPTION_LABEL_CHARS - 1).collect();
                    format!("{short}…")
                } else {
                    label
                }
            })
            .collect(),
    )
}

/// A single-choice question as its notification shows it whole: the question, then each
/// option with what it means.
fn single_choice_text(question: &inbox::Question) -> String {
    std::iter::once(question.text.clone())
        .chain(question.options.iter().map(|option| {
            if option.description.is_empty() {
                format!("· {}", option.label)
            } else {
                format!("· {}: {}", option.label, option.description)
            }
        }))
        .collect::<Vec<_>>()
        .join("\n")
}

fn fits_body(text: &str) -> bool {
    text.chars().count() <= DETAILS_IN_BODY && text.lines().count() <= LINES_IN_BODY
}

/// Whether a request's notification shows the whole request (its details fit the body).
pub fn shows_whole(request: &ApprovalRequest) -> bool {
    request.details.chars().count() <= DETAILS_IN_BODY
        && request.details.lines().count() <= LINES_IN_BODY
}

/// The requesting agent's name as the person knows it (its id while the inbox has no name).
pub fn agent_name(inbox: &Inbox, request: &ApprovalRequest) -> String {
    inbox
        .agent(&request.agent_id)
        .ok()
        .flatten()
        .map_or_else(|| request.agent_id.clone(), |agent| agent.name)
}

/// The requests whose approval notification is on screen now (shown, and not closed by the
/// person or the server).
pub fn approvals_on_screen(app: &AppHandle) -> Vec<String> {
    app.state::<Notifications>().desktop(app).requests_shown()
}

/// What a person's click on an approval notification does: `(app, request id, action)`,
/// the action being `approve`, `deny`, or a click on the body (`tap` or `default`).
pub type ActionHandler = fn(&AppHandle, &str, &str);

#[derive(Default)]
pub struct Notifications {
    paused: AtomicBool,
    kinds: Mutex<NotificationSettings>,
    sounds: Mutex<SoundSettings>,
    /// Opened at the first notification, which may come before `install`.
    desktop: OnceLock<desktop::Desktop>,
    /// Set by `install`; a click before then (there are no approval notifications yet)
    /// does nothing.
    on_action: OnceLock<ActionHandler>,
    agent_states: Mutex<HashMap<String, AgentState>>,
    /// The queue of the thread that talks to the notification server (see `post`).
    errands: OnceLock<mpsc::Sender<Errand>>,
}

/// Something to say to the notification server, done on its own thread.
type Errand = Box<dyn FnOnce(&AppHandle) + Send>;

/// Every call to the notification server waits for its answer, and a slow or hung server
/// (a frozen desktop shell) must stall neither the async runtime, which the local API and
/// the Converge jobs share, nor the UI thread. So all of them are made here, in order, on
/// one thread of their own: a notification is still closed after it was shown.
fn post(app: &AppHandle, errand: impl FnOnce(&AppHandle) + Send + 'static) {
    let state = app.state::<Notifications>();
    let queue = state.errands.get_or_init(|| {
        let (queue, errands) = mpsc::channel::<Errand>();
        let app = app.clone();
        let spawned = std::thread::Builder::new()
            .name("notifications".into())
            .spawn(move || {
                for errand in errands {
                    errand(&app);
                }
            });
        if let Err(e) = spawned {
            tracing::error!("no notifications: cannot start their thread: {e}");
        }
        queue
    });
    if queue.send(Box::new(errand)).is_err() {
        tracing::warn!("a notification was dropped: their thread is gone");
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

    pub fn set_sounds(&self, sounds: SoundSettings) {
        *self.sounds.lock().unwrap() = sounds;
    }

    fn sounds(&self) -> SoundSettings {
        self.sounds.lock().unwrap().clone()
    }

    fn kinds(&self) -> NotificationSettings {
        *self.kinds.lock().unwrap()
    }

    fn desktop(&self, app: &AppHandle) -> &desktop::Desktop {
        self.desktop.get_or_init(|| desktop::Desktop::open(app))
    }
}

/// Opens the desktop's notifications with their buttons (before any approval is shown, or
/// the buttons would not appear), then follows the inbox. `on_action` runs when a person
/// clicks an approval notification.
pub fn install(app: &AppHandle, inbox: &Inbox, on_action: ActionHandler) {
    let state = app.state::<Notifications>();
    let _ = state.on_action.set(on_action);
    state.desktop(app);
    let mut updates = inbox.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match updates.next().await {
                Ok(Update::Event(event)) => post(&app, move |app| on_inbox_event(app, event.kind)),
                Ok(Update::Resync(snapshot)) => {
                    post(&app, move |app| close_resolved(app, &snapshot.pending))
                }
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
        // problems.rs tells the person (a notification and the window's banner).
        InboxEventKind::RequestCreated { .. }
        | InboxEventKind::Problem { .. }
        | InboxEventKind::GrantsChanged {}
        | InboxEventKind::AgentsRemoved { .. } => {}
    }
}

fn show_approval(app: &AppHandle, request: &ApprovalRequest) {
    let state = app.state::<Notifications>();
    if state.paused() || !state.kinds().approvals {
        return;
    }
    // Behind a server slow to answer, a request may be decided before its turn comes.
    let inbox = app.state::<Inbox>();
    if !inbox
        .request(&request.id)
        .is_ok_and(|now| now.is_some_and(|now| now.is_pending()))
    {
        return;
    }
    let agent = agent_name(&inbox, request);
    // An agent's question is answered on its card (Deny leaves it to the agent's terminal).
    let question = inbox::is_question(request);
    let title = if question {
        format!("Question · {agent}")
    } else {
        format!("Approval needed · {agent}")
    };
    // High risk is approved only on its card, and what the notification cannot show whole
    // is read first: those notifications offer Open and Deny.
    let high_risk = request.risk.level == inbox::RiskLevel::High;
    let options = question.then(|| option_buttons(request)).flatten();
    let body = match (&options, question) {
        (Some(_), _) => option_question_body(request),
        (None, true) => question_body(request),
        (None, false) => approval_body(request),
    };
    let buttons = match options {
        Some(labels) => Buttons::Options(labels),
        None if high_risk || question || !shows_whole(request) => Buttons::OpenOrDeny,
        None => Buttons::ApproveOrDeny,
    };
    let sounds = state.sounds();
    let sound = crate::sounds::for_agent(
        app,
        &sounds,
        sounds.approvals,
        crate::sounds::NEW_APPROVAL,
        &request.agent_id,
    );
    if let Err(e) =
        state
            .desktop(app)
            .show_approval(&title, &body, &request.id, buttons, high_risk, sound)
    {
        tracing::warn!("cannot show a notification: {e}");
    }
}

/// A question its notification answers with a button per option: shown whole, escaped.
fn option_question_body(request: &ApprovalRequest) -> String {
    let text = inbox::single_choice(request)
        .map(|question| single_choice_text(&question))
        .unwrap_or_default();
    escape_markup(&format!(
        "{text}\nChoose below, or Open to answer in your own words."
    ))
}

/// The agent's questions and their options, shortened and escaped; Open answers them.
fn question_body(request: &ApprovalRequest) -> String {
    let lines = inbox::questions_of(request)
        .unwrap_or_default()
        .into_iter()
        .flat_map(|question| {
            std::iter::once(question.text).chain(
                question
                    .options
                    .into_iter()
                    .map(|option| format!("· {}", option.label)),
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut text = shortened(&lines);
    text.push_str("\nOpen to answer it in the tray.");
    escape_markup(&text)
}

/// At most `LINES_IN_BODY` lines of `text`, and `DETAILS_IN_BODY` characters of those.
fn shortened(text: &str) -> String {
    text.lines()
        .take(LINES_IN_BODY)
        .collect::<Vec<_>>()
        .join("\n")
        .chars()
        .take(DETAILS_IN_BODY)
        .collect()
}

/// Title, then the exact action, shortened; escaped, since many notification servers read
/// the body as markup and agent text is untrusted.
fn approval_body(request: &ApprovalRequest) -> String {
    let mut details = shortened(&request.details);
    if !shows_whole(request) {
        details.push_str(&format!(
            "…\n({}: open it to read it all)",
            size_text(request)
        ));
    }
    let risk = match (&request.risk.level, &request.risk.rule) {
        (inbox::RiskLevel::High, rule) => format!(
            "\nHigh risk · {}: approve it on its card",
            rule.as_deref().unwrap_or("high risk")
        ),
        _ => String::new(),
    };
    escape_markup(&format!(
        "{}\n{}: {}{risk}",
        request.title, request.action, details
    ))
}

/// "85 KB · 1,500 lines", as the cards say it (src/lib/approvals/reading.ts): sizes in units of
/// 1,024, one decimal below 10.
fn size_text(request: &ApprovalRequest) -> String {
    let mut value = request.details.len() as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < 3 {
        value /= 1024.0;
        unit += 1;
    }
    let unit_name = ["B", "KB", "MB", "GB"][unit];
    let size = if unit == 0 {
        format!("{value} {unit_name}")
    } else if value < 10.0 {
        format!("{value:.1} {unit_name}")
    } else {
        format!("{value:.0} {unit_name}")
    };
    let lines = match request.details.lines().count() {
        1 => "1 line".to_owned(),
        n => format!("{} lines", thousands(n)),
    };
    format!("{size} · {lines}")
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The buttons of an approval notification.
#[derive(Clone)]
pub enum Buttons {
    ApproveOrDeny,
    /// For what is approved only on its card: Open shows it in the popover.
    OpenOrDeny,
    /// A single-choice question: one button per option (their labels), then Open.
    Options(Vec<String>),
}

fn escape_markup(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn close(app: &AppHandle, request_id: &str) {
    app.state::<Notifications>().desktop(app).close(request_id);
}

fn close_resolved(app: &AppHandle, pending: &[ApprovalRequest]) {
    let desktop = app.state::<Notifications>();
    let desktop = desktop.desktop(app);
    for id in desktop.requests_shown() {
        if !pending.iter().any(|r| r.id == id) {
            desktop.close(&id);
        }
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
            let sounds = state.sounds();
            let sound = crate::sounds::for_agent(
                app,
                &sounds,
                sounds.agent_finished,
                crate::sounds::AGENT_FINISHED,
                &agent.id,
            );
            if !state.paused() {
                show_info_sounding(app, &format!("{} finished", agent.name), &activity, sound);
            }
        }
        AgentState::Error if kinds.agent_failed => {
            info(app, &format!("{} failed", agent.name), &activity)
        }
        _ => {}
    }
}

/// Waits, for at most `within`, until everything said to the notification server so far has
/// been said: the app is about to exit, and its last notification must not go with it.
pub fn flush(app: &AppHandle, within: std::time::Duration) {
    let (said, all_said) = mpsc::channel();
    post(app, move |_| {
        let _ = said.send(());
    });
    let _ = all_said.recv_timeout(within);
}

/// Shown even while notifications are paused: problems the person must hear about, and the
/// answer to what they just did (a key pressed, a button clicked), which nothing else shows.
pub fn urgent(app: &AppHandle, title: &str, body: &str) {
    show_info(app, title, body);
}

/// A plain notification, unless notifications are paused.
pub fn info(app: &AppHandle, title: &str, body: &str) {
    let state = app.state::<Notifications>();
    if state.paused() {
        return;
    }
    show_info(app, title, body);
}

fn show_info(app: &AppHandle, title: &str, body: &str) {
    show_info_sounding(
        app,
        title,
        body,
        desktop_notifications::Sound::ServerDefault,
    );
}

fn show_info_sounding(
    app: &AppHandle,
    title: &str,
    body: &str,
    sound: desktop_notifications::Sound<'static>,
) {
    let (title, body) = (title.to_owned(), escape_markup(body));
    post(app, move |app| {
        let state = app.state::<Notifications>();
        if let Err(e) = state.desktop(app).show_info(&title, &body, sound) {
            tracing::warn!("cannot show a notification: {e}");
        }
    });
}

/// A person's click on a notification about `request_id`, handed to `install`'s handler.
fn on_action(app: &AppHandle, request_id: &str, action: &str) {
    tracing::info!(action, request = request_id, "notification action");
    if let Some(handler) = app.state::<Notifications>().on_action.get() {
        handler(app, request_id, action);
    }
}

/// Linux and the BSDs: the session bus, where only the server that showed a notification
/// may act on it, once.
#[cfg(all(unix, not(target_os = "macos")))]
mod desktop {
    use desktop_notifications::{Notification, Notifier, Sound, Urgency};
    use tauri::AppHandle;

    const APP_NAME: &str = "Converge Tray";
    /// The icon the packages install into the hicolor theme, and their desktop entry.
    const ICON: &str = "converge-tray";
    const DESKTOP_ENTRY: &str = "Converge Tray";
    const APPROVAL_BUTTONS: &[(&str, &str)] = &[("approve", "Approve"), ("deny", "Deny")];
    const OPEN_BUTTONS: &[(&str, &str)] = &[(super::OPEN, "Open"), ("deny", "Deny")];

    pub struct Desktop(Option<Notifier>);

    impl Desktop {
        pub fn open(app: &AppHandle) -> Self {
            let app = app.clone();
            match Notifier::session(APP_NAME, move |invoked| {
                super::on_action(&app, &invoked.tag, &invoked.action)
            }) {
                Ok(notifier) => Self(Some(notifier.with_identity(ICON, DESKTOP_ENTRY))),
                Err(e) => {
                    tracing::warn!("no desktop notifications (session bus: {e})");
                    Self(None)
                }
            }
        }

        fn notifier(&self) -> Result<&Notifier, String> {
            self.0
                .as_ref()
                .ok_or_else(|| "no session bus for notifications".to_owned())
        }

        pub fn show_approval(
            &self,
            summary: &str,
            body: &str,
            request_id: &str,
            buttons: super::Buttons,
            high_risk: bool,
            sound: Sound<'static>,
        ) -> Result<(), String> {
            let options: Vec<(String, String)> = match &buttons {
                super::Buttons::Options(labels) => labels
                    .iter()
                    .enumerate()
                    .map(|(n, label)| (format!("{}{n}", super::OPTION), label.clone()))
                    .chain([(super::OPEN.to_owned(), "Open".to_owned())])
                    .collect(),
                _ => Vec::new(),
            };
            let option_actions: Vec<(&str, &str)> = options
                .iter()
                .map(|(action, label)| (action.as_str(), label.as_str()))
                .collect();
            let note = Notification {
                urgency: if high_risk {
                    Urgency::Critical
                } else {
                    Urgency::Normal
                },
                summary,
                body,
                actions: match buttons {
                    super::Buttons::ApproveOrDeny => APPROVAL_BUTTONS,
                    super::Buttons::OpenOrDeny => OPEN_BUTTONS,
                    super::Buttons::Options(_) => &option_actions,
                },
                body_click: true,
                sound,
            };
            self.notifier()?
                .show(&note, Some(request_id))
                .map(drop)
                .map_err(|e| e.to_string())
        }

        pub fn show_info(
            &self,
            summary: &str,
            body: &str,
            sound: Sound<'static>,
        ) -> Result<(), String> {
            let note = Notification {
                summary,
                body,
                sound,
                ..Notification::default()
            };
            self.notifier()?
                .show(&note, None)
                .map(drop)
                .map_err(|e| e.to_string())
        }

        pub fn close(&self, request_id: &str) {
            if let Some(notifier) = &self.0 {
                notifier.close(request_id);
            }
        }

        pub fn requests_shown(&self) -> Vec<String> {
            self.0.as_ref().map(Notifier::tags).unwrap_or_default()
        }
    }
}

/// macOS and Windows: the notification plugin (never run there yet).
#[cfg(not(all(unix, not(target_os = "macos"))))]
mod desktop {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicI32, Ordering};
    use std::sync::Mutex;

    use tauri::AppHandle;
    use tauri_plugin_notification::{Action, ActionType, NotificationExt};

    const APPROVAL_ACTIONS: &str = "approval";

    pub struct Desktop {
        app: AppHandle,
        next_id: AtomicI32,
        /// Request id → notification id, to close it once its request is resolved.
        shown: Mutex<HashMap<String, i32>>,
    }

    impl Desktop {
        pub fn open(app: &AppHandle) -> Self {
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
            let listening = notification.on_action(move |performed| {
                if let Some(request_id) = performed
                    .notification()
                    .and_then(|n| n.extra().get("request_id"))
                    .and_then(|v| v.as_str())
                {
                    super::on_action(&handle, request_id, performed.action_id());
                }
            });
            if let Err(e) = listening {
                tracing::warn!("notification actions unavailable: {e}");
            }
            Self {
                app: app.clone(),
                next_id: AtomicI32::new(1),
                shown: Mutex::default(),
            }
        }

        /// The plugin has one set of buttons; the inbox refuses its Approve on a high-risk
        /// request, and decisions.rs opens a request its notification cannot show whole.
        pub fn show_approval(
            &self,
            summary: &str,
            body: &str,
            request_id: &str,
            _buttons: super::Buttons,
            _high_risk: bool,
            _sound: desktop_notifications::Sound<'static>,
        ) -> Result<(), String> {
            let id = self.next_id.fetch_add(1, Ordering::Relaxed);
            self.app
                .notification()
                .builder()
                .id(id)
                .title(summary)
                .body(body)
                .action_type_id(APPROVAL_ACTIONS)
                .extra("request_id", request_id)
                .show()
                .map_err(|e| e.to_string())?;
            self.shown.lock().unwrap().insert(request_id.to_owned(), id);
            Ok(())
        }

        pub fn show_info(
            &self,
            summary: &str,
            body: &str,
            _sound: desktop_notifications::Sound<'static>,
        ) -> Result<(), String> {
            self.app
                .notification()
                .builder()
                .id(self.next_id.fetch_add(1, Ordering::Relaxed))
                .title(summary)
                .body(body)
                .show()
                .map_err(|e| e.to_string())
        }

        pub fn close(&self, request_id: &str) {
            if let Some(id) = self.shown.lock().unwrap().remove(request_id) {
                let _ = self.app.notification().remove_active(vec![id]);
            }
        }

        pub fn requests_shown(&self) -> Vec<String> {
            self.shown.lock().unwrap().keys().cloned().collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(details: &str) -> ApprovalRequest {
        crate::test_requests::pending("r", details)
    }

    #[test]
    fn a_notification_shows_a_short_request_whole_and_a_long_one_with_its_size() {
        let short = request("sqlx migrate run");
        assert!(shows_whole(&short));
        assert!(!approval_body(&short).contains("open it"));

        let long: String = (0..1500)
            .map(|i| format!("ALTER TABLE t{i} ADD COLUMN c{i} int;\n"))
            .collect();
        let long = request(&long);
        assert!(!shows_whole(&long));
        let body = approval_body(&long);
        assert!(
            body.contains("KB · 1,500 lines: open it to read it all"),
            "{body}"
        );
        assert!(body.lines().count() < 12, "{body}");

        let seven_lines = request("1\n2\n3\n4\n5\n6\n7");
        assert!(!shows_whole(&seven_lines));
        assert!(shows_whole(&request("1\n2\n3\n4\n5\n6")));
    }

    fn question(options: &[(&str, &str)], multi_select: bool) -> ApprovalRequest {
        let input = serde_json::json!({ "questions": [{
            "question": "Which database should the service use?", "header": "Database",
            "multiSelect": multi_select,
            "options": options.iter().map(|(label, description)| serde_json::json!({
                "label": label, "description": description })).collect::<Vec<_>>(),
        }]});
        let mut request = request(&format!("{input:#}\n\ncwd: /home/dana/shop\n"));
        request.action = protocol::model::QUESTION_TOOL.into();
        request
    }

    #[test]
    fn a_single_choice_question_of_a_few_options_gets_a_button_for_each() {
        let two = question(
            &[
                ("PostgreSQL", "Relational, the team knows it"),
                ("SQLite", "One file, no server"),
            ],
            false,
        );
        assert_eq!(
            option_buttons(&two).unwrap(),
            ["PostgreSQL".to_owned(), "SQLite".to_owned()]
        );
        let body = option_question_body(&two);
        assert!(body.contains("· SQLite: One file, no server"), "{body}");
        assert!(body.starts_with("Which database should the service use?"));

        let long_label = "x".repeat(60);
        let long = question(&[(&long_label, ""), ("b<i>", "")], false);
        let labels = option_buttons(&long).unwrap();
        assert_eq!(labels[0].chars().count(), OPTION_LABEL_CHARS);
        assert!(labels[0].ends_with('…'));
        assert!(option_question_body(&long).contains("b&lt;i&gt;"));
    }

    #[test]
    fn several_choices_many_options_or_a_long_question_open_on_the_card_instead() {
        assert!(option_buttons(&question(&[("a", ""), ("b", "")], true)).is_none());
        let four = [("a", ""), ("b", ""), ("c", ""), ("d", "")];
        assert!(option_buttons(&question(&four, false)).is_none());
        let wordy = "a very long description of what this option means ".repeat(3);
        let long = question(&[("a", &wordy), ("b", &wordy)], false);
        assert!(
            option_buttons(&long).is_none(),
            "its body would be cut short"
        );
        let mut not_a_question = question(&[("a", ""), ("b", "")], false);
        not_a_question.action = "Bash".into();
        assert!(option_buttons(&not_a_question).is_none());
    }
}
