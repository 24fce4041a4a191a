//! The events the app pushes to its pages, made from the one list in crates/page-contract: each is
//! a type with its name and payload, so an event is emitted with the payload the pages
//! expect or not at all. Inbox changes are pushed as they happen; the UI never polls.

use inbox::{Inbox, InboxEvent, Snapshot, Update};
use serde_json::Value;
use settings::{PhoneStatus, RemoteRefusal, Settings};
use tauri::{AppHandle, Emitter};

/// An event of the list (crates/page-contract).
pub trait AppEvent {
    /// Its name on the wire.
    const NAME: &'static str;
    type Payload: serde::Serialize;
}

macro_rules! events {
    ($($(#[$doc:meta])* $event:ident = $name:literal : $payload:ty),* $(,)?) => {
        $(
            $(#[$doc])*
            pub struct $event;
            impl AppEvent for $event {
                const NAME: &'static str = $name;
                type Payload = $payload;
            }
        )*
    };
}

page_contract::app_events!(events);

/// Emits `E` to every page of this process.
pub fn emit<E: AppEvent>(app: &AppHandle, payload: &E::Payload) {
    if let Err(e) = app.emit(E::NAME, payload) {
        tracing::warn!("cannot push {} to the UI: {e}", E::NAME);
    }
}

/// `E`'s name and payload as JSON, for a page in another process.
pub fn message<E: AppEvent>(payload: &E::Payload) -> serde_json::Result<(&'static str, Value)> {
    Ok((E::NAME, serde_json::to_value(payload)?))
}

/// An inbox update as the pages get it: `inbox://event` for a change, `inbox://resync` for
/// a new snapshot.
pub fn of_update(update: &Update) -> serde_json::Result<(&'static str, Value)> {
    match update {
        Update::Event(event) => message::<InboxChanged>(event),
        Update::Resync(snapshot) => message::<InboxResync>(snapshot),
    }
}

/// Pushes every inbox update to the app's own pages.
pub fn forward(app: AppHandle, inbox: &Inbox) {
    let mut updates = inbox.subscribe();
    tauri::async_runtime::spawn(async move {
        loop {
            let update = match updates.next().await {
                Ok(update) => update,
                Err(e) => {
                    tracing::error!("inbox updates: {e}");
                    continue;
                }
            };
            let sent = match of_update(&update) {
                Ok((name, payload)) => app.emit(name, payload),
                Err(e) => Err(e.into()),
            };
            if let Err(e) = sent {
                tracing::warn!("cannot push an inbox update to the UI: {e}");
            }
        }
    });
}
