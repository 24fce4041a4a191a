// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod tray;

use inbox::{Inbox, InboxConfig};
use tauri::Manager;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();

    let result = tauri::Builder::default()
        .setup(|app| {
            let inbox = open_inbox(app.handle())?;
            tauri::async_runtime::spawn(inbox.timers());
            tray::install(app.handle(), inbox.clone());
            app.manage(inbox);
            tracing::info!("ready");
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("converge-tray: {e}");
        std::process::exit(1);
    }
}

fn open_inbox(app: &tauri::AppHandle) -> Result<Inbox, Box<dyn std::error::Error>> {
    let data_dir = app
        .path()
        .app_data_dir()
        .map_err(|e| format!("no data directory for the inbox: {e}"))?;
    let (inbox, report) = Inbox::open(InboxConfig::at(data_dir.join("inbox.db")))
        .map_err(|e| format!("cannot open the inbox at {}: {e}", data_dir.display()))?;
    if let Some(moved) = report.moved_aside {
        tracing::warn!(
            "the inbox database could not be used ({}); it was kept as {} and a new one started",
            moved.reason,
            moved.to.display()
        );
    }
    Ok(inbox)
}
