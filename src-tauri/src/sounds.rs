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
    if !wanted
        || crate::local_time::minute_of_day(crate::local_time::now_ms())
            .is_some_and(|minute| sounds.quiet_at(minute))
    {
        return Sound::Silent;
    }
    let trail = app.state::<Trails>().of_agent(agent_id);
    if trail.is_some_and(|trail| terminal::in_front(&trail)) {
        tracing::info!(agent = agent_id, "no sound: its terminal has the focus");
        return Sound::Silent;
    }
    Sound::Named(name)
}
