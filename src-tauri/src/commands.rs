//! The commands the frontend may call (each window gets only its own, see capabilities/).

use inbox::{Inbox, Resolver, Snapshot, Verdict};
use tauri::{AppHandle, State, WebviewWindow};

use crate::decisions::Selection;
use crate::popover;

#[tauri::command]
pub fn inbox_snapshot(inbox: State<'_, Inbox>) -> Result<Snapshot, String> {
    inbox.snapshot().map_err(|e| e.to_string())
}

/// The surface is the calling window's, never a value the page could choose.
#[tauri::command]
pub fn inbox_decide(
    window: WebviewWindow,
    inbox: State<'_, Inbox>,
    request_id: String,
    verdict: Verdict,
) -> Result<(), String> {
    let surface = match window.label() {
        popover::LABEL => Resolver::Popover,
        other => return Err(format!("the window {other:?} cannot decide")),
    };
    inbox
        .decide(&request_id, verdict, surface)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[tauri::command]
pub fn popover_hide(app: AppHandle) {
    popover::hide(&app);
}

/// The popover reports its selection, which the approve/deny shortcuts act on.
#[tauri::command]
pub fn popover_select(selection: State<'_, Selection>, request_id: Option<String>) {
    selection.set(request_id);
}
