//! A package upgrade while the app runs (crates/replaced): at start, older copies still
//! running a replaced file are ended so this one takes over; while running, the app waits
//! for a file to arrive at its program's path (inotify: it never wakes up for nothing),
//! then checks whether its own file was replaced, tells the person once, and restarts
//! into the new program as soon as no agent outside the app waits for an answer (it would
//! lose its question with the connection; a Converge job's gate inside the app is picked up
//! again after the restart). Its data stays where it is; the new program migrates it at start.

use std::path::PathBuf;
use std::time::Duration;

use inbox::Inbox;
use tauri::AppHandle;

use crate::{notifications, problems};

/// How often the running app looks at its own file (one readlink) where it cannot be told
/// of new files at its path, and how often it looks whether agents still wait for an answer.
const CHECK_EVERY: Duration = Duration::from_secs(5);
/// How long an older copy has to exit after SIGTERM before it is killed.
const GRACE: Duration = Duration::from_secs(10);
/// Set by an old app restarting into the new program: its pid, so the new one lets it end
/// on its own instead of signalling it mid-exit.
const RESTARTED_BY: &str = "CONVERGE_TRAY_RESTARTED_BY";

/// Ends the older copies of this program that still run after an upgrade, before the
/// single-instance hand-over would give a start of the new program to one of them.
pub fn take_over_from_older_copies() {
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let restarted_by = std::env::var(RESTARTED_BY).ok();
    // Not handed on to what this app starts.
    std::env::remove_var(RESTARTED_BY);
    if let Some(pid) = restarted_by.and_then(|text| text.parse::<u32>().ok()) {
        if !replaced::wait_gone(pid, GRACE) {
            tracing::warn!(pid, "the app that restarted into this one did not end");
        }
    }
    let mut took_over = false;
    for pid in replaced::older_copies(&exe) {
        tracing::info!(
            pid,
            "an older copy of Converge Tray still runs: taking over"
        );
        let stopped = replaced::stop(pid, GRACE);
        tracing::info!(pid, ?stopped, "the older copy is gone");
        took_over = true;
    }
    if took_over {
        wait_for_the_single_instance_name();
    }
}

/// The single-instance hand-over's name on the session bus (the app's identifier, then
/// `.SingleInstance`, as the plugin names it).
#[cfg(all(unix, not(target_os = "macos")))]
const SINGLE_INSTANCE_NAME: &str = "dev.converge.tray.SingleInstance";

/// Waits (up to 3 s) until the bus has let go of the older copy's single-instance name. The
/// bus frees it only once it sees that copy's connection closed, a moment after the process
/// is gone; a start that still finds the name held hands its arguments over to nobody, and
/// fails.
#[cfg(all(unix, not(target_os = "macos")))]
fn wait_for_the_single_instance_name() {
    let Ok(bus) = zbus::blocking::Connection::session() else {
        return;
    };
    let Ok(dbus) = zbus::blocking::fdo::DBusProxy::new(&bus) else {
        return;
    };
    let Ok(name) = zbus::names::BusName::try_from(SINGLE_INSTANCE_NAME) else {
        return;
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(3);
    while std::time::Instant::now() < deadline {
        match dbus.name_has_owner(name.clone()) {
            Ok(true) => std::thread::sleep(Duration::from_millis(20)),
            _ => return,
        }
    }
    tracing::warn!("the older copy's single-instance name is still held");
}

/// Elsewhere the plugin's hand-over is not over the session bus.
#[cfg(not(all(unix, not(target_os = "macos"))))]
fn wait_for_the_single_instance_name() {}

/// Watches for this program's file being replaced; see the module comment.
pub fn follow(app: &AppHandle, inbox: Inbox) {
    let app = app.clone();
    std::thread::spawn(move || {
        let new_program = wait_for_replacement();
        tracing::info!(path = %new_program.display(), "Converge Tray was updated on disk");
        let mut told = false;
        loop {
            let waiting = waiting_outside(&inbox);
            if waiting == 0 {
                break;
            }
            if !told {
                notifications::info(
                    &app,
                    "Converge Tray was updated",
                    "It restarts into the new version as soon as no agent waits for an answer.",
                );
                told = true;
            }
            std::thread::sleep(CHECK_EVERY);
        }
        // The new program ends this one (take_over_from_older_copies); exiting first is
        // the clean way, and it waits for us either way.
        match std::process::Command::new(&new_program)
            .args(std::env::args_os().skip(1))
            .env(RESTARTED_BY, std::process::id().to_string())
            .spawn()
        {
            Ok(child) => {
                tracing::info!(pid = child.id(), "restarting into the updated Converge Tray");
                app.exit(0);
            }
            Err(e) => problems::report(
                &app,
                "Converge Tray was updated but cannot restart",
                &format!(
                    "Starting {} failed ({e}); quit and start Converge Tray again to use the new version.",
                    new_program.display()
                ),
            ),
        }
    });
}

/// The new program, once this program's file was replaced: looked for each time a file
/// arrives at its path, or every `CHECK_EVERY` where arrivals cannot be watched.
fn wait_for_replacement() -> PathBuf {
    let mut arrivals = watch_own_path();
    loop {
        if let Some(path) = replaced::replacement() {
            return path;
        }
        match arrivals.as_mut().map(|arrivals| arrivals.wait(None)) {
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                tracing::warn!(
                    "cannot watch the program's path any more ({e}): looking every {CHECK_EVERY:?}"
                );
                arrivals = None;
            }
            None => std::thread::sleep(CHECK_EVERY),
        }
    }
}

fn watch_own_path() -> Option<replaced::Arrivals> {
    let exe = std::env::current_exe().ok()?;
    replaced::Arrivals::at(&exe)
        .map_err(|e| {
            tracing::warn!(
                "cannot watch {} ({e}): looking every {CHECK_EVERY:?}",
                exe.display()
            )
        })
        .ok()
}

/// Pending requests asked from outside the app: an agent on the socket would lose its
/// question with the restart. Those carry the uid the kernel reported for their peer; the
/// app's own (a Converge job's gate, even one asked by an earlier run of the app) have none.
/// Unknown (the inbox unreadable) counts as waiting.
fn waiting_outside(inbox: &Inbox) -> usize {
    inbox.pending().map_or(usize::MAX, |pending| {
        pending
            .iter()
            .filter(|request| request.provenance.uid.is_some())
            .count()
    })
}
