//! Global shortcuts where X11 key grabs do not reach: a Wayland session whose desktop offers
//! the XDG Desktop Portal's `org.freedesktop.portal.GlobalShortcuts` (KDE Plasma 6,
//! GNOME 48 and later). The app asks the portal for a session and binds its shortcuts by
//! id; the desktop picks the keys (usually after asking the person) and reports each press
//! as an `Activated` signal.
//!
//! Like notification buttons (crates/desktop-notifications), an activation is believed only
//! when the bus stamps it as sent by the connection that owned `org.freedesktop.portal.Desktop`
//! when the session was made, and names that session: any program on the session bus can
//! send a signal with the same path, interface and body, but not with the portal's sender.

#[cfg(all(unix, not(target_os = "macos")))]
mod portal;
#[cfg(all(unix, not(target_os = "macos")))]
pub use portal::*;
