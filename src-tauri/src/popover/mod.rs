//! The popover: a small frameless window beside the tray (window.rs). The idle app runs no
//! WebView at all (one process, about 50 MB PSS, instead of three): the popover is built when
//! the person is about to open it (an approval arrives, an agent starts waiting for their
//! input), or else on first use, and dropped again once it has been hidden for a while with
//! nothing waiting.
//!
//! Where it lives is one switch, [`Place`]: on Linux in a process of its own (apart.rs,
//! host.rs), so that dropping it ends everything WebKit loaded and started for it and the
//! app goes back to its idle memory (docs/performance.md); else, or after its process failed,
//! in the app's own process (in_app.rs). The rest of the app reaches it as `app.popover()`.

mod apart;
pub mod channel;
#[cfg(target_os = "linux")]
pub mod host;
mod in_app;
pub mod process;
#[cfg(target_os = "linux")]
mod synthetic_input;
pub mod window;
#[cfg(target_os = "linux")]
pub mod zygote;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use inbox::{AgentState, Inbox, InboxEventKind, Update};
use serde_json::Value;
use tauri::{AppHandle, Manager};

use crate::events::{self, AppEvent};
use apart::Apart;
use in_app::InApp;
pub use window::{Anchor, LABEL};

/// A tray click that itself caused the blur-hide must not re-open the popover.
const REOPEN_GUARD: Duration = Duration::from_millis(400);

/// A popover hidden this long with no approval waiting is dropped with its WebView
/// processes; the next approval or open builds it again (docs/performance.md has what that
/// costs and saves).
const DROP_AFTER: Duration = Duration::from_secs(30);

/// Answers a command the popover's page called in the popover's own process, as the app
/// answers its own windows (invoke.rs).
pub type Answer = fn(&AppHandle, &str, Value) -> Result<Value, String>;

/// The popover's state, one per app: where it lives, and when it was shown and hidden.
pub struct Popover {
    hidden_by_blur_at: Mutex<Option<Instant>>,
    /// `--pin-popover`: keep it open when it loses focus.
    pinned: bool,
    /// Counts shows and hides: a drop scheduled at a hide happens only if nothing came after.
    visibility_changes: AtomicU64,
    drop_after: Duration,
    /// Its process, where the popover runs in one (Linux).
    apart: Option<Apart>,
    /// Where the last tray click was: where it opens when the pointer cannot be known.
    last_tray_anchor: Mutex<Option<Anchor>>,
}

/// What the popover does wherever it lives: in the app's process, or in its own.
trait Place {
    /// Shows it beside `anchor`, built if need be; false if it could not be shown there.
    fn show(&self, app: &AppHandle, anchor: Option<Anchor>) -> bool;
    fn hide(&self, app: &AppHandle) -> bool;
    fn is_visible(&self, app: &AppHandle) -> bool;
    /// Sends its page the event `name`.
    fn emit(&self, app: &AppHandle, name: &'static str, payload: Value);
    /// Builds it hidden, so that opening it costs a show.
    fn prepare(&self, app: &AppHandle);
    /// Drops it (its WebView, or its whole process) while hidden.
    fn drop_now(&self, app: &AppHandle, hidden_for: Duration);
}

impl Popover {
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
            apart: runs_apart().then(|| Apart::new(answer)),
            last_tray_anchor: Mutex::new(None),
        }
    }

    /// Where it lives now: its own process until that failed too often, else the app's.
    fn place(&self) -> &dyn Place {
        match &self.apart {
            Some(apart) if !apart.fell_back() => apart,
            _ => &InApp,
        }
    }
}

/// Whether the popover runs in a process of its own: on Linux, unless a WebDriver drives
/// the app (tauri-driver sets `TAURI_WEBVIEW_AUTOMATION`; WebKitWebDriver drives only the
/// WebViews of the process it started) or `CONVERGE_TRAY_POPOVER_IN_APP=1` asks to compare.
pub fn runs_apart() -> bool {
    cfg!(target_os = "linux")
        && std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() != Ok("true")
        && std::env::var("CONVERGE_TRAY_POPOVER_IN_APP").as_deref() != Ok("1")
}

/// The popover as the rest of the app reaches it: `app.popover().show(None)`.
pub trait PopoverExt {
    fn popover(&self) -> PopoverHandle<'_>;
}

impl PopoverExt for AppHandle {
    fn popover(&self) -> PopoverHandle<'_> {
        PopoverHandle {
            app: self,
            popover: self.state::<Popover>().inner(),
        }
    }
}

pub struct PopoverHandle<'a> {
    app: &'a AppHandle,
    popover: &'a Popover,
}

impl PopoverHandle<'_> {
    /// What a tray click does: hide it if shown, show it beside `anchor` otherwise.
    pub fn toggle(&self, anchor: Option<Anchor>) {
        let blurred_just_now = self
            .popover
            .hidden_by_blur_at
            .lock()
            .unwrap()
            .take()
            .is_some_and(|at| at.elapsed() < REOPEN_GUARD);
        if blurred_just_now {
            return;
        }
        if self.is_visible() {
            self.hide();
        } else {
            self.show(anchor);
        }
    }

    pub fn show(&self, anchor: Option<Anchor>) {
        self.popover
            .visibility_changes
            .fetch_add(1, Ordering::SeqCst);
        let anchor = self.anchor(anchor.filter(Anchor::is_known));
        // Its process could not start: the popover opens in the app's (and stays there).
        if !self.popover.place().show(self.app, anchor) {
            InApp.show(self.app, anchor);
        }
    }

    /// Beside the tray click that opens it; else (a key, a notification) beside the pointer,
    /// or where the tray was last clicked. A Wayland client learns where the pointer is only
    /// over its own windows (the app reads the origin), so there the tray's place comes
    /// first; GNOME sends no click position at all, and keeps its tray icons at the right
    /// of the top bar.
    fn anchor(&self, clicked: Option<Anchor>) -> Option<Anchor> {
        // Copied out, the lock released: the calls below wait for the main thread, which
        // may itself be on its way here.
        let last = {
            let mut last = self.popover.last_tray_anchor.lock().unwrap();
            if clicked.is_some() {
                *last = clicked;
            }
            *last
        };
        let pointer = || {
            self.app
                .cursor_position()
                .ok()
                .map(Anchor::point)
                .filter(Anchor::is_known)
        };
        let tray = || last;
        if wayland_session() {
            clicked
                .or_else(tray)
                .or_else(|| gnome_top_bar_right(self.app))
                .or_else(pointer)
        } else {
            clicked.or_else(pointer).or_else(tray)
        }
    }

    pub fn is_visible(&self) -> bool {
        self.popover.place().is_visible(self.app)
    }

    pub fn hide(&self) {
        if self.popover.place().hide(self.app) {
            drop_later(self.app.clone());
        }
    }

    /// Sends the popover's page the event `E`, wherever the page runs.
    pub fn emit<E: AppEvent>(&self, payload: &E::Payload) {
        match events::message::<E>(payload) {
            Ok((name, payload)) => self.popover.place().emit(self.app, name, payload),
            Err(e) => tracing::error!("popover: event {}: {e}", E::NAME),
        }
    }

    /// Builds it hidden, so that opening it then costs a show.
    fn prepare(&self) {
        self.popover.place().prepare(self.app);
    }

    /// The popover hid itself when it lost focus.
    fn hidden_by_blur(&self) {
        *self.popover.hidden_by_blur_at.lock().unwrap() = Some(Instant::now());
        drop_later(self.app.clone());
    }

    fn nothing_waits(&self) -> bool {
        self.app
            .try_state::<Inbox>()
            .is_none_or(|inbox| inbox.waits_for_person().is_ok_and(|waits| !waits))
    }
}

fn wayland_session() -> bool {
    std::env::var_os("WAYLAND_DISPLAY").is_some_and(|display| !display.is_empty())
}

/// The right end of GNOME's top bar, where its AppIndicator extension shows tray icons;
/// None on other desktops.
fn gnome_top_bar_right(app: &AppHandle) -> Option<Anchor> {
    let desktop = std::env::var("XDG_CURRENT_DESKTOP").unwrap_or_default();
    if !desktop
        .split(':')
        .any(|name| name.eq_ignore_ascii_case("GNOME"))
    {
        return None;
    }
    // GTK under Wayland knows no primary monitor: the first one then.
    let monitor = match app.primary_monitor().ok().flatten() {
        Some(monitor) => monitor,
        None => app.available_monitors().ok()?.into_iter().next()?,
    };
    let right = monitor.position().x as f64 + monitor.size().width as f64 - 1.0;
    Some(Anchor::point(tauri::PhysicalPosition::new(
        right,
        monitor.position().y as f64,
    )))
}

/// Follows the inbox: when the person is likely to look (an approval arrives, an agent starts
/// waiting for their input) the popover is built, hidden, so opening it then costs a show
/// instead of starting a WebView (about 400 ms); once nothing waits any more, a hidden
/// popover may be dropped.
pub fn follow(app: &AppHandle, inbox: &Inbox) {
    let mut updates = inbox.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        // What waited before a restart counts as new.
        let mut prepared_for_waiting = !app.popover().nothing_waits();
        if prepared_for_waiting {
            app.popover().prepare();
        }
        loop {
            let starts_waiting = match updates.next().await {
                Ok(Update::Event(event)) => match event.kind {
                    InboxEventKind::RequestCreated { request } => request.is_pending(),
                    InboxEventKind::AgentUpdated { agent } => {
                        agent.state == AgentState::WaitingForInput
                    }
                    InboxEventKind::RequestResolved { .. }
                    | InboxEventKind::AgentsRemoved { .. } => false,
                    InboxEventKind::Problem { .. } | InboxEventKind::GrantsChanged {} => continue,
                },
                Ok(Update::Resync(snapshot)) => {
                    !snapshot.pending.is_empty()
                        || snapshot
                            .agents
                            .iter()
                            .any(|agent| agent.state == AgentState::WaitingForInput)
                }
                Err(e) => {
                    tracing::error!("popover: inbox updates: {e}");
                    continue;
                }
            };
            let popover = app.popover();
            if starts_waiting {
                popover.prepare();
                prepared_for_waiting = true;
            } else if prepared_for_waiting && !popover.is_visible() && popover.nothing_waits() {
                // Once per end of waiting, not at every report of a working agent.
                prepared_for_waiting = false;
                drop_later(app.clone());
            }
        }
    });
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

/// Drops the hidden popover (its WebView, or its whole process) unless it is shown again in
/// the meantime or an approval is waiting (then it stays ready).
fn drop_later(app: AppHandle) {
    let popover = app.popover().popover;
    let hidden_as = popover.visibility_changes.fetch_add(1, Ordering::SeqCst) + 1;
    let wait = popover.drop_after;
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(wait).await;
        let popover = app.popover();
        let still_hidden = popover.popover.visibility_changes.load(Ordering::SeqCst) == hidden_as;
        if !still_hidden || popover.is_visible() || !popover.nothing_waits() {
            return;
        }
        popover.popover.place().drop_now(&app, wait);
    });
}
