//! The popover's window: a small frameless window beside the tray, built hidden, on a page
//! that composites without GL, and placed beside its anchor. The same window whichever
//! process shows it (popover.rs).

use std::time::Duration;

use serde::{Deserialize, Serialize};
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

/// Where the popover goes: beside a tray icon (its horizontal centre, top and bottom edges)
/// or, when nothing better is known, a point such as the pointer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Anchor {
    x: f64,
    top: f64,
    bottom: f64,
}

impl Anchor {
    /// A tray that reports no position at all reports the origin.
    pub fn is_known(&self) -> bool {
        self.x != 0.0 || self.top != 0.0
    }

    pub fn point(p: PhysicalPosition<f64>) -> Self {
        Self {
            x: p.x,
            top: p.y,
            bottom: p.y,
        }
    }

    /// The tray icon's own rectangle, where the platform reports one (macOS, Windows); on
    /// Linux it is empty and the click position is used instead.
    // Linux's own tray item (status_notifier.rs) knows only the click: `point`.
    #[cfg_attr(all(unix, not(target_os = "macos")), allow(dead_code))]
    pub fn tray(rect: tauri::Rect, click: PhysicalPosition<f64>) -> Self {
        // Tray events carry physical pixels, so the scale factor does not apply.
        let position = rect.position.to_physical::<f64>(1.0);
        let size = rect.size.to_physical::<f64>(1.0);
        if size.width <= 0.0 || size.height <= 0.0 {
            return Self::point(click);
        }
        Self {
            x: position.x + size.width / 2.0,
            top: position.y,
            bottom: position.y + size.height,
        }
    }
}

/// Builds the popover's window, hidden, with `snapshot` (the inbox as JSON, if handed over:
/// popover.rs) in its page before the page's code runs. JSON is a JavaScript expression.
pub fn build(app: &AppHandle, snapshot: Option<&str>) -> tauri::Result<WebviewWindow> {
    tracing::debug!("popover: creating");
    let own_pages = app.config().build.dev_url.clone();
    let mut builder = WebviewWindowBuilder::new(app, LABEL, first_page())
        // The page is handed the inbox before its code runs: it must only ever be ours.
        .on_navigation(move |url| {
            let ours = url.as_str() == "about:blank"
                || (url.scheme() == "tauri" && url.host_str() == Some("localhost"))
                || (tauri::is_dev()
                    && own_pages
                        .as_ref()
                        .is_some_and(|dev| dev.origin() == url.origin()));
            if !ours {
                tracing::warn!(%url, "popover: refused to navigate away from its own pages");
            }
            ours
        });
    if let Some(json) = snapshot {
        builder =
            builder.initialization_script(format!("window.__CONVERGE_TRAY_SNAPSHOT__ = {json};"));
    }
    let window = builder
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
    tracing::debug!("popover: window built");
    #[cfg(target_os = "linux")]
    load_without_gl_compositing(app, &window)?;
    Ok(window)
}

/// On Linux the popover starts on a blank page and gets its own page only once its view
/// composites without GL (`load_without_gl_compositing`); elsewhere it starts on its page.
fn first_page() -> WebviewUrl {
    #[cfg(target_os = "linux")]
    if let Ok(blank) = "about:blank".parse() {
        return WebviewUrl::External(blank);
    }
    WebviewUrl::App("popover.html".into())
}

/// WebKitGTK sets up accelerated compositing (a GL context; software Mesa on most
/// machines without a GPU driver in use) the first time a view is shown: about 130 ms of
/// every first open, for a page of a few cards that gains nothing from it
/// (docs/performance.md). The policy must be set before the page loads: changed under a
/// loading page, the view was shown blank. So the view is made on `about:blank`, set to
/// never composite with GL, then sent to the popover's page, in that order on the main
/// thread.
#[cfg(target_os = "linux")]
fn load_without_gl_compositing(app: &AppHandle, window: &WebviewWindow) -> tauri::Result<()> {
    let page = page_url(app, "popover.html");
    window.with_webview(move |webview| {
        use webkit2gtk::{HardwareAccelerationPolicy, SettingsExt, WebViewExt};
        let view = webview.inner();
        tracing::debug!("popover: configuring its view");
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
        // Where a first open's time goes (RUST_LOG=converge_tray=debug; docs/performance.md).
        view.connect_load_changed(|_, event| {
            tracing::debug!(?event, "popover page load");
        });
        view.load_uri(&page);
    })
}

/// Where Tauri serves a page of the app: the embedded frontend, or Vite's dev server in a
/// development build.
#[cfg(target_os = "linux")]
fn page_url(app: &AppHandle, page: &str) -> String {
    if tauri::is_dev() {
        if let Some(dev) = &app.config().build.dev_url {
            if let Ok(url) = dev.join(page) {
                return url.to_string();
            }
        }
    }
    format!("tauri://localhost/{page}")
}

/// Hides the window once it has lost focus for longer than a flicker, then calls `hidden`.
pub fn hide_on_blur(window: &WebviewWindow, hidden: impl Fn() + Clone + Send + Sync + 'static) {
    // By label, not a clone of the window: its own handler must not keep it alive.
    let app = window.app_handle().clone();
    window.on_window_event(move |event| {
        if let WindowEvent::Focused(false) = event {
            let app = app.clone();
            let hidden = hidden.clone();
            tauri::async_runtime::spawn(async move {
                tokio::time::sleep(BLUR_GRACE).await;
                let Some(window) = app.get_webview_window(LABEL) else {
                    return;
                };
                let focused = window.is_focused().unwrap_or(false);
                if !focused && window.is_visible().unwrap_or(false) {
                    if let Err(e) = window.hide() {
                        tracing::warn!("cannot hide the popover: {e}");
                    }
                    hidden();
                }
            });
        }
    });
}

/// Beside the anchor, inside the anchor's monitor: below it when the anchor is in the top
/// half (a top panel, the macOS menu bar), above it otherwise (a bottom taskbar). Computed
/// from the configured size, since a window never shown reports 0×0 (design.md); that is
/// also why tauri-plugin-positioner, which measures the window, is not used.
pub fn place(window: &WebviewWindow, anchor: Anchor) -> tauri::Result<()> {
    let Some(monitor) = window.monitor_from_point(anchor.x, anchor.top)? else {
        return Ok(());
    };
    let scale = monitor.scale_factor();
    // A window never shown reports 0×0: use the configured size (design.md).
    let size = LogicalSize::new(WIDTH, HEIGHT).to_physical::<f64>(scale);
    let area = monitor.work_area();
    let area = Area {
        left: area.position.x as f64,
        top: area.position.y as f64,
        right: area.position.x as f64 + area.size.width as f64,
        bottom: area.position.y as f64 + area.size.height as f64,
    };
    let (x, y) = origin(anchor, area, (size.width, size.height), MARGIN * scale);
    window.set_position(PhysicalPosition::new(x, y))
}

/// A monitor's work area, in physical pixels.
#[derive(Debug, Clone, Copy)]
struct Area {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

/// The popover's top-left corner: centred on the anchor, below it in the top half of the
/// area and above it in the bottom half, always inside the area.
fn origin(anchor: Anchor, area: Area, (width, height): (f64, f64), margin: f64) -> (f64, f64) {
    let x = (anchor.x - width / 2.0).clamp(area.left, (area.right - width).max(area.left));
    let y = if anchor.top < area.top + (area.bottom - area.top) / 2.0 {
        anchor.bottom + margin
    } else {
        anchor.top - margin - height
    };
    (x, y.clamp(area.top, (area.bottom - height).max(area.top)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCREEN: Area = Area {
        left: 0.0,
        top: 30.0, // a top panel
        right: 1920.0,
        bottom: 1080.0,
    };
    const SIZE: (f64, f64) = (360.0, 480.0);

    fn icon(x: f64, top: f64, bottom: f64) -> Anchor {
        Anchor { x, top, bottom }
    }

    #[test]
    fn below_an_icon_in_a_top_panel_centred_on_it() {
        assert_eq!(
            origin(icon(1000.0, 0.0, 30.0), SCREEN, SIZE, 8.0),
            (820.0, 38.0)
        );
    }

    #[test]
    fn above_an_icon_in_a_bottom_taskbar() {
        let area = Area {
            top: 0.0,
            bottom: 1040.0,
            ..SCREEN
        };
        assert_eq!(
            origin(icon(1000.0, 1040.0, 1080.0), area, SIZE, 8.0),
            (820.0, 552.0)
        );
    }

    #[test]
    fn kept_inside_the_screen_at_its_edges() {
        assert_eq!(
            origin(icon(1910.0, 0.0, 30.0), SCREEN, SIZE, 8.0),
            (1560.0, 38.0)
        );
        assert_eq!(origin(icon(5.0, 0.0, 30.0), SCREEN, SIZE, 8.0), (0.0, 38.0));
    }

    #[test]
    fn a_point_anchor_in_the_middle_of_the_screen() {
        let pointer = Anchor::point(PhysicalPosition::new(960.0, 500.0));
        assert_eq!(origin(pointer, SCREEN, SIZE, 8.0), (780.0, 508.0));
    }

    #[test]
    fn an_empty_tray_rect_falls_back_to_the_click() {
        let rect = tauri::Rect::default();
        let anchor = Anchor::tray(rect, PhysicalPosition::new(100.0, 900.0));
        assert_eq!((anchor.x, anchor.top, anchor.bottom), (100.0, 900.0, 900.0));
    }
}
