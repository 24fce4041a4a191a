//! Desktop notifications with action buttons, over the session bus
//! (`org.freedesktop.Notifications`), where any client of the bus may emit an
//! `ActionInvoked` signal. An action is believed only when:
//! - the signal comes from the connection that answered this app's `Notify` for that very
//!   notification (the bus daemon stamps a signal's sender; it cannot be forged) and that
//!   still owns `org.freedesktop.Notifications`, and
//! - the notification is one this app showed and still tracks: an action other than the
//!   body click (`default`) is taken once; later ones are ignored until it is closed.
//!
//! Anything else is ignored and logged with its sender. Linux and the BSDs only.

#[cfg(all(unix, not(target_os = "macos")))]
mod bus;
#[cfg(all(unix, not(target_os = "macos")))]
pub use bus::{Invoked, Notification, Notifier, Sound, Urgency, CALL_TIMEOUT};
