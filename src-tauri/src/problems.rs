//! What went wrong that the person must hear about, not only the log: a database kept aside,
//! a decision refused because the database was changed outside the app, a settings file
//! that could not be used. Each is shown in a notification (even while notifications are
//! paused) and kept for the full window, which lists them (`problems_list`) and hears of new
//! ones through `problems://added`.

use std::sync::Mutex;

use inbox::{Inbox, InboxEventKind, Update};
use tauri::{AppHandle, Manager};

use crate::events::{self, ProblemAdded};
use crate::notifications;

/// The problems of this run, oldest first.
#[derive(Default)]
pub struct Problems(Mutex<Vec<String>>);

impl Problems {
    pub fn list(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// Tells the person: a notification titled `title`, and `message` kept for the full window.
pub fn report(app: &AppHandle, title: &str, message: &str) {
    tracing::error!("{title}: {message}");
    app.state::<Problems>()
        .0
        .lock()
        .unwrap()
        .push(format!("{title}: {message}"));
    events::emit::<ProblemAdded>(app, &format!("{title}: {message}"));
    notifications::urgent(app, title, message);
}

/// Reports what the inbox refuses to hand over (a decision edited outside the app).
pub fn follow(app: &AppHandle, inbox: &Inbox) {
    let mut updates = inbox.subscribe();
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            match updates.next().await {
                Ok(Update::Event(event)) => {
                    if let InboxEventKind::Problem { message } = event.kind {
                        report(&app, "Converge Tray refused something", &message);
                    }
                }
                Ok(Update::Resync(_)) => {}
                Err(e) => tracing::error!("problems: inbox updates: {e}"),
            }
        }
    });
}
