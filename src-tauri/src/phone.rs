//! Deciding from the phone (docs/phone.md), as the app sees it. The phone's link
//! (`converge-phone`, crates/phone-link) is a program of its own, started when the person sets
//! Phone up and at every start after, with one end of a socket pair as its descriptor 3 and
//! nothing else of the app: the app's binary and memory stay as they are when Phone is off.
//! The link sends requests and judges answers; the app chooses which requests go (Settings →
//! Phone), records a decision the link found to be the person's (`Resolver::Phone`, with the
//! device), and tells the link how each request it carried ended.

use std::collections::HashSet;
use std::io::BufReader;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use ::phone::channel::{self, FromLink, ToLink};
use ::phone::escalation::{goes_to_phone, Presence, When};
use inbox::{
    ApprovalRequest, Inbox, InboxEventKind, Outcome, Resolver, RiskLevel, Update, Verdict,
};
use settings::{PhoneEmoji, PhoneEscalate, PhoneKeys, PhoneState, PhoneStatus};
use tauri::{AppHandle, Manager};

use crate::events::{self, PhoneChanged};
use crate::popover::process::onto_inherited_fd;
use crate::preferences::Preferences;
use crate::{local_time, notifications, presence, problems};

/// The link's program, beside the app's in every build and package.
const PROGRAM: &str = "converge-phone";
/// How long the link may take to end (and to sign out first) before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(5);

/// Phone's state, owned here.
pub struct Phone(Mutex<Inner>);

struct Inner {
    link: Option<Running>,
    status: PhoneStatus,
    /// Whether the person's phone verified the app (the link says so when it signs in).
    verified: bool,
    /// The requests the link carries: it is told how each ends.
    carried: HashSet<String>,
    /// Counts the links started, so that a late message of an ended one is not taken for
    /// the current one's.
    generation: u64,
}

struct Running {
    to_link: UnixStream,
    child: Child,
}

impl Phone {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn status(&self) -> PhoneStatus {
        self.lock().status.clone()
    }
}

/// Where the link keeps its session and keys: only the user can read it (the link makes it
/// so); turning Phone off removes it.
fn store_dir(app: &AppHandle) -> Result<PathBuf, String> {
    app.path()
        .app_data_dir()
        .map(|dir| dir.join("phone"))
        .map_err(|e| format!("no data directory for Phone: {e}"))
}

/// Starts the link when Phone was set up, and follows the inbox: requests go to the phone
/// as Settings → Phone says, and the link hears how the ones it carries end.
pub fn install(app: &AppHandle, inbox: &Inbox) {
    app.manage(Phone(Mutex::new(Inner {
        link: None,
        status: PhoneStatus::off(),
        verified: false,
        carried: HashSet::new(),
        generation: 0,
    })));
    if let Ok(store) = store_dir(app) {
        if store.join("session.json").exists() {
            start(app, resume(app, store));
        }
    }
    let mut updates = inbox.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match updates.next().await {
                Ok(Update::Event(event)) => match event.kind {
                    InboxEventKind::RequestCreated { request } if request.is_pending() => {
                        escalate(&app, request)
                    }
                    InboxEventKind::RequestResolved { request } => ended(&app, &request),
                    _ => {}
                },
                Ok(Update::Resync(_)) => {}
                Err(e) => tracing::error!("phone: inbox updates: {e}"),
            }
        }
    });
}

fn resume(app: &AppHandle, store: PathBuf) -> ToLink {
    ToLink::Resume {
        store,
        high_risk_approvable: high_risk_approvable(app),
    }
}

fn high_risk_approvable(app: &AppHandle) -> bool {
    app.state::<Preferences>()
        .get(app)
        .phone
        .high_risk_approvable
}

/// Settings → Phone → Set up: signs in anew (any earlier set-up ends first).
pub fn set_up(
    app: &AppHandle,
    homeserver: String,
    account: String,
    password: String,
    person: String,
) -> Result<(), String> {
    for (what, value) in [
        ("homeserver", &homeserver),
        ("account", &account),
        ("your Matrix user id", &person),
    ] {
        if value.trim().is_empty() {
            return Err(format!("the {what} is missing"));
        }
    }
    if !(homeserver.starts_with("https://") || homeserver.starts_with("http://")) {
        return Err(format!(
            "the homeserver is an address such as https://matrix.example.org, not {homeserver:?}"
        ));
    }
    let store = store_dir(app)?;
    stop(app);
    start(
        app,
        ToLink::SignIn {
            homeserver: homeserver.trim().to_owned(),
            user: account.trim().to_owned(),
            password,
            person: person.trim().to_owned(),
            store,
            high_risk_approvable: high_risk_approvable(app),
        },
    );
    Ok(())
}

/// The person changed whether high risk may be approved from the phone: the link's messages
/// and its judge follow at once (the inbox checks it again with each answer).
pub fn high_risk_approvable_changed(app: &AppHandle) {
    let approvable = high_risk_approvable(app);
    if let Err(e) = tell(app, &ToLink::HighRisk { approvable }) {
        tracing::debug!("phone: {e}");
    }
}

/// Settings → Phone → Verify: the link asks the person's phone to compare emojis.
pub fn verify(app: &AppHandle) -> Result<(), String> {
    tell(app, &ToLink::Verify)
}

/// The person compared the emojis in Settings → Phone with their phone's.
pub fn confirm(app: &AppHandle, matches: bool) -> Result<(), String> {
    tell(app, &ToLink::Confirm { matches })?;
    if !matches {
        update(app, |inner| {
            inner.status.emojis.clear();
            inner.status.state = PhoneState::Unverified;
            inner.status.note = Some(
                "The emojis did not match, so the app does not trust that phone. Try again; \
                 if they differ again, someone may be in between."
                    .into(),
            );
        });
    }
    Ok(())
}

/// Settings → Phone → Turn off: signs the app's device out of the homeserver, ends the link
/// and forgets its session and keys.
pub fn turn_off(app: &AppHandle) -> Result<(), String> {
    sign_out(app);
    let store = store_dir(app)?;
    match std::fs::remove_dir_all(&store) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("{} cannot be removed: {e}", store.display())),
    }
    update(app, |inner| {
        inner.status = PhoneStatus::off();
        inner.verified = false;
    });
    Ok(())
}

fn tell(app: &AppHandle, message: &ToLink) -> Result<(), String> {
    let phone = app.state::<Phone>();
    let mut inner = phone.lock();
    let Some(link) = inner.link.as_mut() else {
        return Err("Phone is not set up".into());
    };
    channel::send(&mut link.to_link, message).map_err(|e| format!("the phone's link: {e}"))
}

/// Starts the link with `first` as its first message.
fn start(app: &AppHandle, first: ToLink) {
    let status_account = match &first {
        ToLink::SignIn { user, person, .. } => (Some(user.clone()), Some(person.clone())),
        _ => (None, None),
    };
    let started = spawn(&first);
    let phone = app.state::<Phone>();
    let mut inner = phone.lock();
    inner.generation += 1;
    let generation = inner.generation;
    inner.verified = false;
    let problem = match started {
        Ok((to_link, child, from_link)) => {
            inner.link = Some(Running { to_link, child });
            inner.status = PhoneStatus {
                state: PhoneState::Starting,
                account: status_account.0,
                person: status_account.1,
                ..PhoneStatus::off()
            };
            let app = app.clone();
            std::thread::Builder::new()
                .name("phone-link".into())
                .spawn(move || listen(&app, from_link, generation))
                .map_err(|e| tracing::error!("phone: no thread for the link: {e}"))
                .ok();
            None
        }
        Err(why) => {
            inner.status = PhoneStatus {
                state: PhoneState::Stopped,
                note: Some(why.clone()),
                ..PhoneStatus::off()
            };
            Some(why)
        }
    };
    let status = inner.status.clone();
    drop(inner);
    events::emit::<PhoneChanged>(app, &status);
    if let Some(why) = problem {
        problems::report(app, "Phone does not work", &why);
    }
}

/// Starts the link's program with the channel on its descriptor 3 and sends `first`.
fn spawn(first: &ToLink) -> Result<(UnixStream, Child, UnixStream), String> {
    let program = std::env::current_exe()
        .map_err(|e| format!("the app's own program cannot be found: {e}"))?
        .with_file_name(PROGRAM);
    let (mut ours, theirs) =
        UnixStream::pair().map_err(|e| format!("no channel for the phone's link: {e}"))?;
    let theirs_fd = theirs.as_raw_fd();
    let mut command = Command::new(&program);
    command
        .env(channel::ENV, channel::INHERITED_FD.to_string())
        .stdin(Stdio::null());
    // SAFETY: onto_inherited_fd is async-signal-safe (dup2, fcntl), as between fork and exec
    // is required.
    unsafe {
        command.pre_exec(move || onto_inherited_fd(theirs_fd));
    }
    let child = command
        .spawn()
        .map_err(|e| format!("{} cannot be started: {e}", program.display()))?;
    drop(theirs);
    channel::send(&mut ours, first).map_err(|e| format!("the phone's link: {e}"))?;
    let reader = ours
        .try_clone()
        .map_err(|e| format!("the phone's link: {e}"))?;
    Ok((ours, child, reader))
}

/// Asks the link to sign out and waits for it to end (a few seconds at most: a homeserver
/// that does not answer keeps the device on its list, and the app forgets its keys anyway).
fn sign_out(app: &AppHandle) {
    let link = app.state::<Phone>().lock().link.take();
    if let Some(mut link) = link {
        let _ = channel::send(&mut link.to_link, &ToLink::SignOut);
        link.end();
    }
}

/// Ends the link: its channel closes, and it ends with it.
fn stop(app: &AppHandle) {
    let link = app.state::<Phone>().lock().link.take();
    if let Some(link) = link {
        let _ = link.to_link.shutdown(std::net::Shutdown::Both);
        std::thread::spawn(move || link.end());
    }
}

impl Running {
    /// Waits for the link to end, and kills it after `EXIT_GRACE`.
    fn end(mut self) {
        let asked = std::time::Instant::now();
        while asked.elapsed() < EXIT_GRACE {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads what the link says until it ends.
fn listen(app: &AppHandle, from_link: UnixStream, generation: u64) {
    let mut reader = BufReader::new(from_link);
    loop {
        match channel::receive::<FromLink>(&mut reader) {
            Ok(Some(message)) => {
                if app.state::<Phone>().lock().generation != generation {
                    return;
                }
                heard(app, message);
            }
            Ok(None) => break,
            Err(e) => {
                tracing::warn!("phone: the link's channel: {e}");
                break;
            }
        }
    }
    let phone = app.state::<Phone>();
    let mut inner = phone.lock();
    // Ended by `stop` (a new set-up, turning it off): nothing to say.
    if inner.generation != generation || inner.link.is_none() {
        return;
    }
    let status = inner
        .link
        .take()
        .and_then(|mut link| link.child.wait().ok())
        .map_or_else(|| "?".to_owned(), |status| status.to_string());
    inner.carried.clear();
    if inner.status.state != PhoneState::Stopped {
        inner.status.state = PhoneState::Stopped;
        inner.status.emojis.clear();
        let note = format!(
            "The phone's link ended ({status}): requests stay on the desktop. Set Phone up \
             again in Settings."
        );
        inner.status.note = Some(note.clone());
        let status = inner.status.clone();
        drop(inner);
        events::emit::<PhoneChanged>(app, &status);
        problems::report(app, "Phone stopped", &note);
    }
}

/// What one message from the link means for the app.
fn heard(app: &AppHandle, message: FromLink) {
    match &message {
        FromLink::Ignored { .. } | FromLink::Decided { .. } => {}
        FromLink::VerificationFailed { why }
        | FromLink::Unavailable { why }
        | FromLink::Stopped { why } => tracing::warn!("phone: {why}"),
        other => tracing::info!("phone: the link says {}", kind_of(other)),
    }
    match message {
        FromLink::SignedIn {
            user,
            device,
            person,
            verified,
            keys_in_keyring,
            ..
        } => update(app, |inner| {
            inner.verified = verified;
            inner.status = PhoneStatus {
                state: signed_in_state(verified),
                account: Some(user),
                device: Some(device),
                person: Some(person),
                keys: Some(if keys_in_keyring {
                    PhoneKeys::Keyring
                } else {
                    PhoneKeys::File
                }),
                emojis: Vec::new(),
                note: None,
            };
        }),
        FromLink::Emojis { emojis } => update(app, |inner| {
            inner.status.state = PhoneState::Comparing;
            inner.status.note = None;
            inner.status.emojis = emojis
                .into_iter()
                .map(|(symbol, name)| PhoneEmoji { symbol, name })
                .collect();
        }),
        FromLink::Verified => update(app, |inner| {
            inner.verified = true;
            inner.status.state = signed_in_state(true);
            inner.status.emojis.clear();
            inner.status.note = None;
        }),
        FromLink::VerificationFailed { why } => update(app, |inner| {
            inner.status.state = signed_in_state(inner.verified);
            inner.status.emojis.clear();
            inner.status.note = Some(why);
        }),
        FromLink::Sent { request_id } => {
            tracing::info!(request = request_id, "phone: sent to the phone");
        }
        FromLink::NotSent { request_id, why } => {
            app.state::<Phone>().lock().carried.remove(&request_id);
            tracing::warn!(request = request_id, "phone: not sent: {why}");
        }
        FromLink::Decided {
            request_id,
            approved,
            reason,
            device,
        } => decided(app, &request_id, approved, reason, &device),
        FromLink::Ignored { why } => tracing::warn!("phone: ignored {why}"),
        FromLink::Unavailable { why } => {
            update(app, |inner| {
                inner.status.state = PhoneState::Unavailable;
                inner.status.note = Some(why.clone());
            });
            problems::report(app, "Phone is unavailable", &why);
        }
        FromLink::Available => update(app, |inner| {
            inner.status.state = signed_in_state(inner.verified);
            inner.status.note = None;
        }),
        FromLink::Stopped { why } => {
            update(app, |inner| {
                inner.status.state = PhoneState::Stopped;
                inner.status.emojis.clear();
                inner.status.note = Some(why.clone());
            });
            problems::report(app, "Phone stopped", &why);
        }
    }
}

/// Ready once the person's phone verified the app, else waiting for that.
fn signed_in_state(verified: bool) -> PhoneState {
    if verified {
        PhoneState::Ready
    } else {
        PhoneState::Unverified
    }
}

/// What a message is, for the log: never its contents (emojis, device ids).
fn kind_of(message: &FromLink) -> &'static str {
    match message {
        FromLink::SignedIn { .. } => "signed in",
        FromLink::Emojis { .. } => "emojis to compare",
        FromLink::Verified => "verified",
        FromLink::VerificationFailed { .. } => "verification failed",
        FromLink::Sent { .. } => "sent",
        FromLink::NotSent { .. } => "not sent",
        FromLink::Decided { .. } => "decided",
        FromLink::Ignored { .. } => "ignored",
        FromLink::Unavailable { .. } => "unavailable",
        FromLink::Available => "available",
        FromLink::Stopped { .. } => "stopped",
    }
}

fn update(app: &AppHandle, change: impl FnOnce(&mut Inner)) {
    let status = {
        let phone = app.state::<Phone>();
        let mut inner = phone.lock();
        change(&mut inner);
        inner.status.clone()
    };
    events::emit::<PhoneChanged>(app, &status);
}

/// Records the person's answer from the phone; the first answer wins, wherever it was given.
fn decided(
    app: &AppHandle,
    request_id: &str,
    approved: bool,
    reason: Option<String>,
    device: &str,
) {
    let verdict = if approved {
        Verdict::Approve
    } else {
        Verdict::Deny { reason }
    };
    let inbox = app.state::<Inbox>();
    match inbox.decide_on_phone(request_id, verdict, device, high_risk_approvable(app)) {
        Ok(_) => tracing::info!(request = request_id, device, "decided on the phone"),
        Err(e) => tracing::warn!(
            request = request_id,
            "the phone's answer decides nothing: {e}"
        ),
    }
}

/// A new request goes to the phone now, later, or not, as Settings → Phone says.
fn escalate(app: &AppHandle, request: ApprovalRequest) {
    // An agent's questions are answered on their card: the phone offers only approve/deny.
    if inbox::is_question(&request) {
        return;
    }
    let settings = app.state::<Preferences>().get(app).phone;
    let when = match settings.escalate {
        PhoneEscalate::Never => When::Never,
        PhoneEscalate::Locked => When::Locked,
        PhoneEscalate::LockedOrIdle => {
            When::LockedOrIdleFor(Duration::from_secs(u64::from(settings.idle_minutes) * 60))
        }
        PhoneEscalate::Unanswered => {
            When::UnansweredFor(Duration::from_secs(u64::from(settings.unanswered_secs)))
        }
        PhoneEscalate::Always => When::Always,
    };
    match when {
        When::Never => {}
        When::Always => ask(app, &request),
        When::Locked | When::LockedOrIdleFor(_) => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                let asked_at = std::time::Instant::now();
                while still_waiting(&app, &request.id) {
                    if goes_to_phone(when, presence_now().await, asked_at.elapsed()) {
                        ask(&app, &request);
                        return;
                    }
                    tokio::time::sleep(PRESENCE_EVERY).await;
                }
            });
        }
        When::UnansweredFor(wait) => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(wait).await;
                if still_waiting(&app, &request.id) {
                    ask(&app, &request);
                }
            });
        }
    }
}

/// How often a waiting request asks whether the person left the desk.
const PRESENCE_EVERY: Duration = Duration::from_secs(3);

fn still_waiting(app: &AppHandle, request_id: &str) -> bool {
    app.state::<Inbox>()
        .request(request_id)
        .is_ok_and(|now| now.is_some_and(|now| now.is_pending()))
}

/// What the desktop says of the person, asked off the async threads; a desktop service that
/// does not answer in time says nothing.
async fn presence_now() -> Presence {
    let asked = tauri::async_runtime::spawn_blocking(presence::now);
    match tokio::time::timeout(Duration::from_secs(5), asked).await {
        Ok(Ok(presence)) => presence,
        _ => Presence::default(),
    }
}

/// Sends `request` to the phone, when Phone is ready.
fn ask(app: &AppHandle, request: &ApprovalRequest) {
    let ready = app.state::<Phone>().lock().status.state == PhoneState::Ready;
    if !ready {
        return;
    }
    let inbox = app.state::<Inbox>();
    let message = ::phone::message::Request {
        agent: notifications::agent_name(&inbox, request),
        host: request
            .provenance
            .remote
            .as_deref()
            .map(inbox::describe_remote),
        project: None,
        title: request.title.clone(),
        details: request.details.clone(),
        risk: risk_words(request),
        high_risk: request.risk.level == RiskLevel::High,
        deadline: clock_time(request.deadline),
    };
    app.state::<Phone>()
        .lock()
        .carried
        .insert(request.id.clone());
    let asked = tell(
        app,
        &ToLink::Ask {
            request_id: request.id.clone(),
            request: message,
            deadline_ms: request.deadline.max(0) as u64,
        },
    );
    if let Err(e) = asked {
        app.state::<Phone>().lock().carried.remove(&request.id);
        tracing::warn!(request = request.id, "phone: {e}");
    }
}

/// Tells the link how a request it carries ended: its message on the phone says so.
fn ended(app: &AppHandle, request: &ApprovalRequest) {
    let carried = app.state::<Phone>().lock().carried.remove(&request.id);
    let Some(resolution) = request.resolution.as_ref().filter(|_| carried) else {
        return;
    };
    let verb = match resolution.outcome {
        Outcome::Approved => "Approved",
        Outcome::Denied => "Denied",
        Outcome::TimedOut => "Timed out",
        Outcome::Cancelled => "Withdrawn",
    };
    let how = match resolution.by {
        Resolver::Popover | Resolver::Window | Resolver::Shortcut | Resolver::Notification => {
            format!("{verb} on the desktop")
        }
        Resolver::Phone => format!("{verb} on the phone"),
        Resolver::Policy => format!("{verb} by your rule"),
        Resolver::Grant => format!("{verb} by a grant"),
        Resolver::Timeout => "Timed out".to_owned(),
        Resolver::Requester => "Withdrawn by the agent".to_owned(),
        Resolver::System => "Closed: the agent went away".to_owned(),
    };
    if let Err(e) = tell(
        app,
        &ToLink::Ended {
            request_id: request.id.clone(),
            how,
        },
    ) {
        tracing::warn!(request = request.id, "phone: {e}");
    }
}

/// The risk as the card words it.
fn risk_words(request: &ApprovalRequest) -> String {
    let level = match request.risk.level {
        RiskLevel::Low => "Low risk",
        RiskLevel::Medium => "Medium risk",
        RiskLevel::High => "High risk",
    };
    match &request.risk.rule {
        Some(rule) => format!("{level} · {rule}"),
        None => level.to_owned(),
    }
}

/// `at_ms` as the person's clock shows it ("14:32"), or in UTC when the time zone is unknown.
fn clock_time(at_ms: i64) -> String {
    match local_time::minute_of_day(at_ms) {
        Some(minute) => format!("{:02}:{:02}", minute / 60, minute % 60),
        None => {
            let minute = (at_ms / 60_000).rem_euclid(24 * 60);
            format!("{:02}:{:02} UTC", minute / 60, minute % 60)
        }
    }
}
