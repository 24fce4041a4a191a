//! When a notification plays a sound: the kind is on in Settings, it is not the person's
//! quiet hours, and the agent's own terminal is not the window they are looking at.

use desktop_notifications::Sound;
use settings::SoundSettings;
use tauri::{AppHandle, Manager};
use terminal::Trails;

/// The freedesktop sound theme's names.
pub const NEW_APPROVAL: &str = "message-new-instant";
pub const AGENT_FINISHED: &str = "complete";

/// The sound for a notification about `agent_id`: `name` if `wanted`, else none.
pub fn for_agent(
    app: &AppHandle,
    sounds: &SoundSettings,
    wanted: bool,
    name: &'static str,
    agent_id: &str,
) -> Sound<'static> {
    if !wanted || local_minute().is_some_and(|minute| sounds.quiet_at(minute)) {
        return Sound::Silent;
    }
    let trail = app.state::<Trails>().of_agent(agent_id);
    if trail.is_some_and(|trail| terminal::in_front(&trail)) {
        tracing::info!(agent = agent_id, "no sound: its terminal has the focus");
        return Sound::Silent;
    }
    Sound::Named(name)
}

/// The minute of the day in the local time zone.
#[cfg(target_os = "linux")]
fn local_minute() -> Option<u16> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs() as libc::time_t;
    // SAFETY: localtime_r writes only into `local`, which lives through the call.
    let mut local: libc::tm = unsafe { std::mem::zeroed() };
    let converted = unsafe { libc::localtime_r(&now, &mut local) };
    (!converted.is_null()).then(|| (local.tm_hour * 60 + local.tm_min) as u16)
}

#[cfg(not(target_os = "linux"))]
fn local_minute() -> Option<u16> {
    None
}
