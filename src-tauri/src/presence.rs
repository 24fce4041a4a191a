//! Whether the person is at the desk, as the desktop says: for sending requests to the phone
//! while the screen is locked or the session idle (phone.rs). Asked of logind (the session's
//! `LockedHint`, `IdleHint` and `IdleSinceHint`, on the system bus) and of the desktop's
//! screensaver (`org.freedesktop.ScreenSaver`: `GetActive`, `GetSessionIdleTime`, on the
//! session bus, which Plasma, Xfce and others serve). Either saying the screen is locked is
//! enough. A desktop that says neither leaves both unknown, and those choices never send.
//!
//! What a program of the same user can do with this: claim the screensaver's name and say
//! "locked", which sends requests to the person's own phone, as they chose for a locked
//! screen. It decides nothing (docs/security.md).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ::phone::escalation::Presence;

/// What the desktop says now. Blocking: D-Bus calls, each bounded by zbus's timeout.
#[cfg(all(unix, not(target_os = "macos")))]
pub fn now() -> Presence {
    let logind = from_logind();
    let screensaver = from_screensaver();
    let locked = match (logind.locked, screensaver.locked) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), _) | (_, Some(false)) => Some(false),
        (None, None) => None,
    };
    Presence {
        locked,
        idle_for: logind.idle_for.or(screensaver.idle_for),
    }
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
pub fn now() -> Presence {
    Presence::default()
}

#[cfg(all(unix, not(target_os = "macos")))]
fn from_logind() -> Presence {
    let asked = || -> zbus::Result<Presence> {
        let bus = zbus::blocking::Connection::system()?;
        let session = zbus::blocking::Proxy::new(
            &bus,
            "org.freedesktop.login1",
            "/org/freedesktop/login1/session/auto",
            "org.freedesktop.login1.Session",
        )?;
        let locked: bool = session.get_property("LockedHint")?;
        let idle: bool = session.get_property("IdleHint")?;
        // Microseconds since the epoch.
        let since: u64 = session.get_property("IdleSinceHint")?;
        let idle_for = if idle {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            now.checked_sub(Duration::from_micros(since))
                .unwrap_or_default()
        } else {
            Duration::ZERO
        };
        Ok(Presence {
            locked: Some(locked),
            idle_for: Some(idle_for),
        })
    };
    asked().unwrap_or_else(|e| {
        tracing::debug!("presence: logind: {e}");
        Presence::default()
    })
}

#[cfg(all(unix, not(target_os = "macos")))]
fn from_screensaver() -> Presence {
    let asked = || -> zbus::Result<Presence> {
        let bus = zbus::blocking::Connection::session()?;
        let screensaver = zbus::blocking::Proxy::new(
            &bus,
            "org.freedesktop.ScreenSaver",
            "/org/freedesktop/ScreenSaver",
            "org.freedesktop.ScreenSaver",
        )?;
        let locked: bool = screensaver.call("GetActive", &())?;
        // Not every desktop answers this one (GNOME does not).
        let idle_for = screensaver
            .call::<_, _, u32>("GetSessionIdleTime", &())
            .ok()
            .map(|secs| Duration::from_secs(u64::from(secs)));
        Ok(Presence {
            locked: Some(locked),
            idle_for,
        })
    };
    asked().unwrap_or_else(|e| {
        tracing::debug!("presence: screensaver: {e}");
        Presence::default()
    })
}
