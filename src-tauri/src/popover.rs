//! The popover: a small frameless window beside the tray (popover_window.rs). The idle app
//! runs no WebView at all (design.md: one process, about 50 MB PSS, instead of three): the
//! popover is built when an approval arrives, as the person is about to open it, or else on
//! first use, and dropped again once it has been hidden for a while with nothing waiting.
//!
//! On Linux it runs in a process of its own (popover_host.rs), so that dropping it ends
//! everything WebKit loaded and started for it and the app goes back to its idle memory
//! (docs/performance.md). Its page's commands reach the app over a channel only that process
//! inherited, and are answered as the app's own popover would be.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use inbox::{Inbox, InboxEventKind, Update};
use serde_json::Value;
use tauri::{AppHandle, Emitter, Manager, WebviewWindow};

use crate::events::{self, AppEvent};
use crate::popover_channel::{FromPopover, ToPopover};
use crate::popover_process::PopoverProcess;
pub use crate::popover_window::{Anchor, LABEL};
use crate::{popover_window, problems};

/// A tray click that itself caused the blur-hide must not re-open the popover.
const REOPEN_GUARD: Duration = Duration::from_millis(400);

/// A popover hidden this long with no approval waiting is dropped with its WebView
/// processes; the next approval or open builds it again (docs/performance.md has what that
/// costs and saves).
const DROP_AFTER: Duration = Duration::from_secs(30);

/// After its process has ended unexpectedly this many times (or could not start at all), the
/// popover opens in the app's own process until the app restarts: the person can still
/// decide there.
const FALL_BACK_AFTER: u32 = 2;

/// Answers a command the popover's page called in the popover's own process, as the app
/// answers its own windows (invoke.rs).
pub type Answer = fn(&AppHandle, &str, Value) -> Result<Value, String>;

pub struct PopoverState {
    hidden_by_blur_at: Mutex<Option<Instant>>,
    /// `--pin-popover`: keep it open when it loses focus.
    pinned: bool,
    /// Counts shows and hides: a drop scheduled at a hide happens only if nothing came after.
    visibility_changes: AtomicU64,
    drop_after: Duration,
    /// Set when the popover runs in its own process: how its page's calls are answered.
    apart: Option<Answer>,
    /// How often its process ended unexpectedly (`FALL_BACK_AFTER`).
    unexpected_ends: AtomicU32,
    /// That process, while it runs.
    process: Mutex<Option<PopoverProcess>>,
}

impl PopoverState {
    pub fn new(pinned: bool, answer: Answer) -> Self {
        // The end-to-end tests shorten it to see the drop happen.
        let drop_after = std::env::var("CONVERGE_TRAY_DROP_POPOVER_AFTER_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map(Duration::from_millis)
            .unwrap_or(DROP_AFTER);
        Self {
            hidden_by_blur_at: Mutex::new(None),
            pinned,
            visibility_changes: AtomicU64::new(0),
            drop_after,
            apart: runs_apart().then_some(answer),
            unexpected_ends: AtomicU32::new(0),
            process: Mutex::new(None),
        }
    }
}

impl PopoverState {
    /// How the page's calls are answered while the popover runs in its own process; `None`
    /// when it runs in the app's.
    fn apart(&self) -> Option<Answer> {
        self.apart
            .filter(|_| self.unexpected_ends.load(Ordering::SeqCst) < FALL_BACK_AFTER)
    }
}

/// Whether the popover runs in a process of its own: on Linux, unless a WebDriver drives
/// the app (tauri-driver sets `TAURI_WEBVIEW_AUTOMATION`; WebKitWebDriver drives only the
/// WebViews of the process it started) or `CONVERGE_TRAY_POPOVER_IN_APP=1` asks to compare.
fn runs_apart() -> bool {
    cfg!(target_os = "linux")
        && std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() != Ok("true")
        && std::env::var("CONVERGE_TRAY_POPOVER_IN_APP").as_deref() != Ok("1")
}

/// What a tray click does: hide it if shown, show it beside `anchor` otherwise.
pub fn toggle(app: &AppHandle, anchor: Option<Anchor>) {
    let state = app.state::<PopoverState>();
    let blurred_just_now = state
        .hidden_by_blur_at
        .lock()
        .unwrap()
        .take()
        .is_some_and(|at| at.elapsed() < REOPEN_GUARD);
    if blurred_just_now {
        return;
    }
    if is_visible(app) {
        hide(app);
    } else {
        show(app, anchor);
    }
}

pub fn show(app: &AppHandle, anchor: Option<Anchor>) {
    let state = app.state::<PopoverState>();
    state.visibility_changes.fetch_add(1, Ordering::SeqCst);
    let anchor = anchor
        .filter(Anchor::is_known)
        .or_else(|| app.cursor_position().ok().map(Anchor::point));
    if state.apart().is_some() {
        let shown = with_process(app, |process| {
            process.visible().store(true, Ordering::SeqCst);
            process.send(ToPopover::Show { anchor });
        });
        if shown {
            return;
        }
    }
    let window = match app.get_webview_window(LABEL) {
        Some(window) => window,
        None => match create(app) {
            Ok(window) => window,
            Err(e) => {
                tracing::error!("cannot create the popover: {e}");
                return;
            }
        },
    };
    if let Some(anchor) = anchor {
        if let Err(e) = popover_window::place(&window, anchor) {
            tracing::warn!("cannot place the popover: {e}");
        }
    }
    let shown = window.show().and_then(|_| window.set_focus());
    if let Err(e) = shown {
        tracing::error!("cannot show the popover: {e}");
    }
    tracing::info!("popover shown");
}

pub fn is_visible(app: &AppHandle) -> bool {
    let state = app.state::<PopoverState>();
    if state.apart().is_some() {
        return state
            .process
            .lock()
            .unwrap()
            .as_ref()
            .is_some_and(|process| process.visible().load(Ordering::SeqCst));
    }
    app.get_webview_window(LABEL)
        .is_some_and(|w| w.is_visible().unwrap_or(false))
}

pub fn hide(app: &AppHandle) {
    let state = app.state::<PopoverState>();
    if state.apart().is_some() {
        if let Some(process) = state.process.lock().unwrap().as_ref() {
            process.visible().store(false, Ordering::SeqCst);
            process.send(ToPopover::Hide);
            drop_later(app.clone());
        }
        return;
    }
    if let Some(window) = app.get_webview_window(LABEL) {
        if let Err(e) = window.hide() {
            tracing::warn!("cannot hide the popover: {e}");
        }
        tracing::info!("popover hidden");
        drop_later(app.clone());
    }
}

/// Sends the popover's page the event `E`, wherever the page runs.
pub fn emit<E: AppEvent>(app: &AppHandle, payload: &E::Payload) {
    let state = app.state::<PopoverState>();
    if state.apart().is_none() {
        let _ = app.emit_to(LABEL, E::NAME, payload);
        return;
    }
    let Ok((name, payload)) = events::message::<E>(payload) else {
        return;
    };
    let process = state.process.lock().unwrap();
    if let Some(process) = process.as_ref() {
        process.send(ToPopover::Event {
            name: name.to_owned(),
            payload,
        });
    }
}

/// Follows the inbox: a new approval has the popover built, hidden, so opening it then costs
/// a show instead of starting a WebView (about 400 ms); the last approval decided lets a
/// hidden popover be dropped.
pub fn follow(app: &AppHandle, inbox: &Inbox) {
    let mut updates = inbox.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        // Approvals left waiting from before a restart count as new ones.
        if !nothing_waits(&app) {
            prepare_soon(&app);
        }
        loop {
            let waiting = match updates.next().await {
                Ok(Update::Event(event)) => match event.kind {
                    InboxEventKind::RequestCreated { request } => request.is_pending(),
                    InboxEventKind::RequestResolved { .. } => false,
                    InboxEventKind::AgentUpdated { .. }
                    | InboxEventKind::Problem { .. }
                    | InboxEventKind::GrantsChanged {}
                    | InboxEventKind::AgentsRemoved { .. } => continue,
                },
                Ok(Update::Resync(snapshot)) => !snapshot.pending.is_empty(),
                Err(e) => {
                    tracing::error!("popover: inbox updates: {e}");
                    continue;
                }
            };
            if waiting {
                prepare_soon(&app);
            } else if !is_visible(&app) && nothing_waits(&app) {
                drop_later(app.clone());
            }
        }
    });
}

/// Windows are built on the main thread; this runs on the inbox's task.
fn prepare_soon(app: &AppHandle) {
    if app.state::<PopoverState>().apart().is_some() {
        with_process(app, |process| {
            tracing::info!(pid = process.pid(), "popover prepared");
        });
        return;
    }
    if app.get_webview_window(LABEL).is_some() {
        return;
    }
    let handle = app.clone();
    if let Err(e) = app.run_on_main_thread(move || prepare(&handle)) {
        tracing::warn!("cannot prepare the popover: {e}");
    }
}

/// Builds the popover hidden, unless it exists.
fn prepare(app: &AppHandle) {
    if app.get_webview_window(LABEL).is_some() {
        return;
    }
    match create(app) {
        Ok(_) => tracing::info!("popover prepared"),
        Err(e) => tracing::warn!("cannot prepare the popover: {e}"),
    }
}

/// Builds the popover's window in the app's process, with the inbox handed over.
fn create(app: &AppHandle) -> tauri::Result<WebviewWindow> {
    let snapshot = app
        .try_state::<Inbox>()
        .and_then(|inbox| handed_over_snapshot(&inbox));
    let window = popover_window::build(app, snapshot.as_deref())?;
    if !app.state::<PopoverState>().pinned {
        let app = app.clone();
        popover_window::hide_on_blur(&window, move || {
            tracing::info!("popover hidden");
            hidden_by_blur(&app);
        });
    }
    Ok(window)
}

/// The inbox as it is now, as JSON, for a new popover's page before its own code runs, so a
/// first open paints its cards without waiting for its first round trip to the app (about
/// 100 ms in a new WebView: docs/performance.md); the page then fetches the snapshot as
/// always. It is what `inbox_snapshot` would answer that page. An inbox too large to be
/// worth it is left to the fetch.
fn handed_over_snapshot(inbox: &Inbox) -> Option<String> {
    const AT_MOST: usize = 512 * 1024;
    let json = serde_json::to_string(&inbox.snapshot().ok()?).ok()?;
    (json.len() <= AT_MOST).then_some(json)
}

/// The popover hid itself when it lost focus.
fn hidden_by_blur(app: &AppHandle) {
    *app.state::<PopoverState>()
        .hidden_by_blur_at
        .lock()
        .unwrap() = Some(Instant::now());
    drop_later(app.clone());
}

/// Runs `then` with the popover's process, started (hidden) if it is not running; false if
/// it cannot start, which is reported, and the popover then opens in the app's process.
fn with_process(app: &AppHandle, then: impl FnOnce(&PopoverProcess)) -> bool {
    let state = app.state::<PopoverState>();
    let mut process = state.process.lock().unwrap();
    if process.is_none() {
        match start_process(app, &state) {
            Ok(started) => {
                tracing::info!(pid = started.pid(), "popover process started");
                *process = Some(started);
            }
            Err(e) => {
                drop(process);
                state
                    .unexpected_ends
                    .store(FALL_BACK_AFTER, Ordering::SeqCst);
                problems::report(
                    app,
                    "The popover opens inside the app",
                    &format!("Its own process could not be started ({e}), so it runs in the app's process until Converge Tray restarts."),
                );
                return false;
            }
        }
    }
    process.as_ref().map(then).is_some()
}

/// Starts the popover's process with the inbox handed over, and passes it every inbox
/// change from then on, as the app's own windows get them (events.rs).
fn start_process(app: &AppHandle, state: &PopoverState) -> std::io::Result<PopoverProcess> {
    let answer = state.apart().expect("only for a popover apart");
    let inbox = app.state::<Inbox>();
    // Subscribed before the snapshot is taken, so no change falls between the two.
    let mut updates = inbox.subscribe();
    let snapshot = handed_over_snapshot(&inbox);
    let start = ToPopover::Start {
        pinned: state.pinned,
        snapshot,
    };
    let for_messages = app.clone();
    let at_end = app.clone();
    let process = PopoverProcess::start(
        start,
        move |message, reply| match message {
            FromPopover::Call { id, command, args } => {
                let result = answer(&for_messages, &command, args);
                let _ = reply.send(ToPopover::Reply { id, result });
            }
            FromPopover::HiddenByBlur => {
                let state = for_messages.state::<PopoverState>();
                if let Some(process) = state.process.lock().unwrap().as_ref() {
                    process.visible().store(false, Ordering::SeqCst);
                }
                hidden_by_blur(&for_messages);
            }
        },
        move |pid, status, asked| ended(&at_end, pid, status, asked),
    )?;
    let to_popover = process.sender();
    tauri::async_runtime::spawn(async move {
        loop {
            let message = match updates.next().await {
                Ok(update) => events::of_update(&update).map(|(name, payload)| ToPopover::Event {
                    name: name.to_owned(),
                    payload,
                }),
                Err(e) => {
                    tracing::error!("popover: inbox updates: {e}");
                    continue;
                }
            };
            match message {
                Ok(message) => {
                    if to_popover.send(message).is_err() {
                        break;
                    }
                }
                Err(e) => tracing::error!("popover: an inbox update: {e}"),
            }
        }
    });
    Ok(process)
}

/// The popover's process has ended: the next open starts another. The person hears of it
/// unless the app ended it or its window was closed.
fn ended(app: &AppHandle, pid: u32, status: std::process::ExitStatus, asked: bool) {
    let state = app.state::<PopoverState>();
    let mut process = state.process.lock().unwrap();
    // A process started since belongs to a later open: leave it.
    if process.as_ref().is_some_and(|p| p.pid() == pid) {
        *process = None;
    }
    drop(process);
    if asked || status.success() {
        tracing::info!(%status, "the popover's process ended");
        return;
    }
    let ends = state.unexpected_ends.fetch_add(1, Ordering::SeqCst) + 1;
    let next = if ends >= FALL_BACK_AFTER {
        "It stopped before, so from now on it opens inside the app's own process, until Converge Tray restarts."
    } else {
        "The next click on the tray opens it again."
    };
    problems::report(
        app,
        "The popover stopped",
        &format!("Its process ended unexpectedly ({status}). {next}"),
    );
}

fn nothing_waits(app: &AppHandle) -> bool {
    app.try_state::<Inbox>()
        .is_none_or(|inbox| inbox.pending_count().is_ok_and(|count| count == 0))
}

/// Drops the hidden popover (its WebView, or its whole process) unless it is shown again in
/// the meantime or an approval is waiting (then it stays ready).
fn drop_later(app: AppHandle) {
    let state = app.state::<PopoverState>();
    let hidden_as = state.visibility_changes.fetch_add(1, Ordering::SeqCst) + 1;
    let wait = state.drop_after;
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(wait).await;
        let state = app.state::<PopoverState>();
        let still_hidden = state.visibility_changes.load(Ordering::SeqCst) == hidden_as;
        if !still_hidden || is_visible(&app) || !nothing_waits(&app) {
            return;
        }
        if state.apart().is_some() {
            if let Some(process) = state.process.lock().unwrap().as_ref() {
                process.close();
                tracing::info!("popover dropped after {} s hidden", wait.as_secs());
            }
            return;
        }
        let Some(window) = app.get_webview_window(LABEL) else {
            return;
        };
        match window.destroy() {
            Ok(()) => {
                tracing::info!("popover dropped after {} s hidden", wait.as_secs());
                release_freed_memory();
            }
            Err(e) => tracing::warn!("cannot drop the popover: {e}"),
        }
    });
}

/// Hands the heap the dropped WebView freed back to the system: glibc keeps freed memory
/// for reuse otherwise, and the app would stay at its popover-open size.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel; it has no
    // preconditions and touches no memory in use.
    unsafe {
        libc::malloc_trim(0);
    }
}
