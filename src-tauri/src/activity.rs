//! Agents' timelines are kept as long as the person says (Settings): what is older is
//! forgotten at start, every hour, and when the setting changes.

use std::time::Duration;

use inbox::Inbox;
use tauri::{AppHandle, Manager};

use crate::preferences::Preferences;

const EVERY: Duration = Duration::from_secs(3600);

/// Forgets now and then every hour, off the main thread.
pub fn keep_trimmed(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            let handle = app.clone();
            let _ = tauri::async_runtime::spawn_blocking(move || trim(&handle)).await;
            tokio::time::sleep(EVERY).await;
        }
    });
}

/// Forgets what is older than the setting says, off the main thread (a write may wait for
/// another program's lock).
pub fn trim_soon(app: &AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || trim(&app));
}

fn trim(app: &AppHandle) {
    let days = app.state::<Preferences>().get(app).activity_kept_days;
    let kept = Duration::from_secs(u64::from(days) * 24 * 3600);
    match app.state::<Inbox>().forget_activity_older_than(kept) {
        Ok(0) => {}
        Ok(forgotten) => tracing::info!(forgotten, days, "agents' older activity forgotten"),
        Err(e) => tracing::warn!("cannot forget agents' older activity: {e}"),
    }
}
