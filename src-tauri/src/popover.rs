//! The popover: a small frameless window beside the tray, created on first use so the idle
//! app runs no WebView at all (design.md: one process, about 80 MB PSS, instead of three).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tauri::{
    AppHandle, LogicalSize, Manager, PhysicalPosition, WebviewUrl, WebviewWindow,
    WebviewWindowBuilder, WindowEvent,
};

pub const LABEL: &str = "popover";
const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 480.0;
/// Gap between the tray (or pointer) and the popover.
const MARGIN: f64 = 8.0;
/// Focus can flicker while a window maps; only a blur that lasts this long hides.
const BLUR_GRACE: Duration = Duration::from_millis(150);
/// A tray click that itself caused the blur-hide must not re-open the popover.
const REOPEN_GUARD: Duration = Duration::from_millis(400);

#[derive(Default)]
pub struct PopoverState {
    hidden_by_blur_at: Mutex<Option<Instant>>,
    /// `--pin-popover`: keep it open when it loses focus.
    pub pinned: bool,
}

impl PopoverState {
    pub fn pinned() -> Self {
        Self {
            pinned: true,
            ..Self::default()
        }
    }
}

/// What a tray click does: hide it if shown, show it beside `anchor` otherwise.
pub fn toggle(app: &AppHandle, anchor: Option<PhysicalPosition<f64>>) {
    let state = app.state::<PopoverState>();
    let blurred_just_now = state
        .hidden_by_blur_at
        .lock()
        .unwrap()
        .take()
        .is_some_and(|at| at.elapsed() < REOPEN_GUARD);
    if blurred_just_now {
        return;
    }
    if is_visible(app) {
        hide(app);
    } else {
        show(app, anchor);
    }
}

pub fn show(app: &AppHandle, anchor: Option<PhysicalPosition<f64>>) {
    let window = match app.get_webview_window(LABEL) {
        Some(window) => window,
        None => match create(app) {
            Ok(window) => window,
            Err(e) => {
                tracing::error!("cannot create the popover: {e}");
                return;
            }
        },
    };
    let anchor = anchor
        .filter(|p| p.x != 0.0 || p.y != 0.0)
        .or_else(|| app.cursor_position().ok());
    if let Some(anchor) = anchor {
        if let Err(e) = place(&window, anchor) {
            tracing::warn!("cannot place the popover: {e}");
        }
    }
    let shown = window.show().and_then(|_| window.set_focus());
    if let Err(e) = shown {
        tracing::error!("cannot show the popover: {e}");
    }
    tracing::info!("popover shown");
}

pub fn is_visible(app: &AppHandle) -> bool {
    app.get_webview_window(LABEL)
        .is_some_and(|w| w.is_visible().unwrap_or(false))
}

pub fn hide(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(LABEL) {
        if let Err(e) = window.hide() {
            tracing::warn!("cannot hide the popover: {e}");
        }
        tracing::info!("popover hidden");
    }
}

fn create(app: &AppHandle) -> tauri::Result<WebviewWindow> {
    let window = WebviewWindowBuilder::new(app, LABEL, WebviewUrl::App("popover.html".into()))
        .title("Converge Tray")
        .inner_size(WIDTH, HEIGHT)
        // Created resizable: a hidden non-resizable window came out the wrong size (design.md).
        .resizable(true)
        .decorations(false)
        .skip_taskbar(true)
        .always_on_top(true)
        .visible(false)
        .focused(true)
        .build()?;
    let app = app.clone();
    window.on_window_event(move |event| {
        if let WindowEvent::Focused(false) = event {
            if !app.state::<PopoverState>().pinned {
                hide_if_still_blurred(app.clone());
            }
        }
    });
    Ok(window)
}

fn hide_if_still_blurred(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(BLUR_GRACE).await;
        let Some(window) = app.get_webview_window(LABEL) else {
            return;
        };
        let focused = window.is_focused().unwrap_or(false);
        if !focused && window.is_visible().unwrap_or(false) {
            *app.state::<PopoverState>()
                .hidden_by_blur_at
                .lock()
                .unwrap() = Some(Instant::now());
            hide(&app);
        }
    });
}

/// Beside the anchor (the tray click or the pointer), inside the anchor's monitor: below it
/// when the anchor is in the top half (a top panel), above it otherwise.
fn place(window: &WebviewWindow, anchor: PhysicalPosition<f64>) -> tauri::Result<()> {
    let Some(monitor) = window.monitor_from_point(anchor.x, anchor.y)? else {
        return Ok(());
    };
    let scale = monitor.scale_factor();
    // A window never shown reports 0×0: use the configured size (design.md).
    let size = LogicalSize::new(WIDTH, HEIGHT).to_physical::<f64>(scale);
    let area = monitor.work_area();
    let (left, top) = (area.position.x as f64, area.position.y as f64);
    let (right, bottom) = (left + area.size.width as f64, top + area.size.height as f64);
    let margin = MARGIN * scale;

    let x = (anchor.x - size.width / 2.0).clamp(left, (right - size.width).max(left));
    let y = if anchor.y < top + (bottom - top) / 2.0 {
        anchor.y + margin
    } else {
        anchor.y - margin - size.height
    };
    let y = y.clamp(top, (bottom - size.height).max(top));
    window.set_position(PhysicalPosition::new(x, y))
}
