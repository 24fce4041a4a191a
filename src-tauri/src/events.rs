//! Pushes inbox changes to the frontend as Tauri events; the UI never polls.

use inbox::{Inbox, Update};
use tauri::{AppHandle, Emitter};

pub const INBOX_EVENT: &str = "inbox://event";
pub const INBOX_RESYNC: &str = "inbox://resync";

pub fn forward(app: AppHandle, inbox: &Inbox) {
    let mut updates = inbox.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            let sent = match updates.next().await {
                Ok(Update::Event(event)) => app.emit(INBOX_EVENT, event),
                Ok(Update::Resync(snapshot)) => app.emit(INBOX_RESYNC, snapshot),
                Err(e) => {
                    tracing::error!("inbox updates: {e}");
                    continue;
                }
            };
            if let Err(e) = sent {
                tracing::warn!("cannot push an inbox update to the UI: {e}");
            }
        }
    });
}
