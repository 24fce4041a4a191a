//! The popover in a process of its own (host.rs is that process's side): started when it is
//! first needed, told what to do over the channel only it inherited (channel.rs), and its
//! page's calls answered as the app's own popover's would be.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use inbox::Inbox;
use serde_json::Value;
use tauri::{AppHandle, Manager};

use super::channel::{FromPopover, ToPopover};
use super::process::PopoverProcess;
use super::window::Anchor;
use super::{handed_over_snapshot, Answer, Place, PopoverExt};
use crate::{events, problems};

/// After its process has ended unexpectedly this many times (or could not start at all), the
/// popover opens in the app's own process until the app restarts: the person can still
/// decide there.
const FALL_BACK_AFTER: u32 = 2;

pub struct Apart {
    /// How its page's calls are answered.
    answer: Answer,
    /// How often its process ended unexpectedly (`FALL_BACK_AFTER`).
    unexpected_ends: AtomicU32,
    /// That process, while it runs.
    process: Mutex<Option<PopoverProcess>>,
}

impl Apart {
    pub fn new(answer: Answer) -> Self {
        Self {
            answer,
            unexpected_ends: AtomicU32::new(0),
            process: Mutex::new(None),
        }
    }

    /// Whether the popover now opens in the app's process instead.
    pub fn fell_back(&self) -> bool {
        self.unexpected_ends.load(Ordering::SeqCst) >= FALL_BACK_AFTER
    }

    /// Runs `then` with the popover's process, started (hidden) if it is not running; false
    /// if it cannot start, which is reported, and the popover then opens in the app's process.
    fn with_process(&self, app: &AppHandle, then: impl FnOnce(&PopoverProcess)) -> bool {
        let mut process = self.process.lock().unwrap();
        if process.is_none() {
            match self.start_process(app) {
                Ok(started) => {
                    tracing::info!(pid = started.pid(), "popover process started");
                    *process = Some(started);
                }
                Err(e) => {
                    drop(process);
                    self.unexpected_ends
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
    fn start_process(&self, app: &AppHandle) -> std::io::Result<PopoverProcess> {
        let answer = self.answer;
        let inbox = app.state::<Inbox>();
        // Subscribed before the snapshot is taken, so no change falls between the two.
        let mut updates = inbox.subscribe();
        let snapshot = handed_over_snapshot(&inbox);
        let start = ToPopover::Start {
            pinned: app.popover().popover.pinned,
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
                    if let Some(apart) = &for_messages.popover().popover.apart {
                        if let Some(process) = apart.process.lock().unwrap().as_ref() {
                            process.visible().store(false, Ordering::SeqCst);
                        }
                    }
                    for_messages.popover().hidden_by_blur();
                }
            },
            move |pid, status, asked| ended(&at_end, pid, status, asked),
        )?;
        let to_popover = process.sender();
        tauri::async_runtime::spawn(async move {
            loop {
                let message = match updates.next().await {
                    Ok(update) => {
                        events::of_update(&update).map(|(name, payload)| ToPopover::Event {
                            name: name.to_owned(),
                            payload,
                        })
                    }
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
}

impl Place for Apart {
    fn show(&self, app: &AppHandle, anchor: Option<Anchor>) -> bool {
        self.with_process(app, |process| {
            process.visible().store(true, Ordering::SeqCst);
            process.send(ToPopover::Show { anchor });
        })
    }

    fn hide(&self, _app: &AppHandle) -> bool {
        let process = self.process.lock().unwrap();
        let Some(process) = process.as_ref() else {
            return false;
        };
        process.visible().store(false, Ordering::SeqCst);
        process.send(ToPopover::Hide);
        true
    }

    fn is_visible(&self, _app: &AppHandle) -> bool {
        self.process
            .lock()
            .unwrap()
            .as_ref()
            .is_some_and(|process| process.visible().load(Ordering::SeqCst))
    }

    fn emit(&self, _app: &AppHandle, name: &'static str, payload: Value) {
        if let Some(process) = self.process.lock().unwrap().as_ref() {
            process.send(ToPopover::Event {
                name: name.to_owned(),
                payload,
            });
        }
    }

    fn prepare(&self, app: &AppHandle) {
        self.with_process(app, |process| {
            tracing::info!(pid = process.pid(), "popover prepared");
        });
    }

    fn drop_now(&self, _app: &AppHandle, hidden_for: Duration) {
        if let Some(process) = self.process.lock().unwrap().as_ref() {
            process.close();
            tracing::info!("popover dropped after {} s hidden", hidden_for.as_secs());
        }
    }
}

/// The popover's process has ended: the next open starts another. The person hears of it
/// unless the app ended it or its window was closed.
fn ended(app: &AppHandle, pid: u32, status: std::process::ExitStatus, asked: bool) {
    let Some(apart) = &app.popover().popover.apart else {
        return;
    };
    let mut process = apart.process.lock().unwrap();
    // A process started since belongs to a later open: leave it.
    if process.as_ref().is_some_and(|p| p.pid() == pid) {
        *process = None;
    }
    drop(process);
    if asked || status.success() {
        tracing::info!(%status, "the popover's process ended");
        return;
    }
    let ends = apart.unexpected_ends.fetch_add(1, Ordering::SeqCst) + 1;
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
