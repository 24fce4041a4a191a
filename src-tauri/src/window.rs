//! The full window: history, agent details, settings. Only on demand; closing it destroys
//! its WebView and the app goes back to tray-only (it never quits for that).

use tauri::{AppHandle, Manager, WebviewUrl, WebviewWindowBuilder};

pub const LABEL: &str = "window";

pub fn open(app: &AppHandle) -> tauri::Result<()> {
    let window = match app.get_webview_window(LABEL) {
        Some(window) => window,
        None => match WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("window.html".into()))
            .title("Converge Tray")
            .inner_size(900.0, 620.0)
            .min_inner_size(560.0, 400.0)
            .visible(true)
            .build()
        {
            Ok(window) => window,
            // Built meanwhile by another open (the popover's link, answered on its channel's
            // thread, and the tray's menu): show that one.
            Err(tauri::Error::WindowLabelAlreadyExists(_))
            | Err(tauri::Error::WebviewLabelAlreadyExists(_)) => app
                .get_webview_window(LABEL)
                .ok_or(tauri::Error::WindowNotFound)?,
            Err(e) => return Err(e),
        },
    };
    window.unminimize()?;
    window.show()?;
    window.set_focus()?;
    tracing::info!("full window shown");
    Ok(())
}
