//! The settings as the running app holds and applies them: shortcuts re-registered,
//! notification kinds switched, start at login set in the OS, then the file written.

use std::sync::Mutex;

use settings::{Settings, SettingsFile, ShortcutRefused};
use tauri::{AppHandle, Manager};
use tauri_plugin_autostart::ManagerExt;

use crate::events::{self, SettingsChanged};
use crate::{notifications, shortcuts};

pub struct Preferences {
    file: SettingsFile,
    current: Mutex<Settings>,
}

impl Preferences {
    /// Loads the file; a file that could not be used is reported once, by notification.
    pub fn load(app: &AppHandle) -> Result<Self, String> {
        let dir = app
            .path()
            .app_config_dir()
            .map_err(|e| format!("no config directory: {e}"))?;
        let file = SettingsFile::at(dir.join("settings.json"));
        let loaded = file.load();
        if let Some(problem) = &loaded.problem {
            crate::problems::report(app, "Settings reset", problem);
        }
        Ok(Self {
            file,
            current: Mutex::new(loaded.settings),
        })
    }

    /// The settings, with start-at-login as the OS has it.
    pub fn get(&self, app: &AppHandle) -> Settings {
        let mut settings = self.current.lock().unwrap().clone();
        settings.start_at_login = app.autolaunch().is_enabled().unwrap_or(false);
        settings
    }
}

/// Why settings were not applied. Whatever the kind, none of them was.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Out of range, or two actions on one key: `settings::Settings::validate`, or a file
    /// that could not be written.
    #[error(transparent)]
    Settings(#[from] settings::Error),
    /// The page shows this beside the refused key's field, and may save the rest without it.
    #[error("{}", shortcuts::refusal_message(.0))]
    ShortcutRefused(ShortcutRefused),
    #[error("start at login could not be changed: {0}")]
    StartAtLogin(String),
}

impl From<ShortcutRefused> for SettingsError {
    fn from(refused: ShortcutRefused) -> Self {
        Self::ShortcutRefused(refused)
    }
}

/// Applies `wanted` or nothing: a shortcut the OS refuses leaves every setting as it was.
pub fn set(app: &AppHandle, wanted: Settings) -> Result<Settings, SettingsError> {
    wanted.validate()?;
    let preferences = app.state::<Preferences>();
    let before = preferences.get(app);
    shortcuts::apply(app, &before.shortcuts, &wanted.shortcuts)?;
    if wanted.start_at_login != before.start_at_login {
        let launcher = app.autolaunch();
        let result = if wanted.start_at_login {
            launcher.enable()
        } else {
            launcher.disable()
        };
        if let Err(e) = result {
            let _ = shortcuts::apply(app, &wanted.shortcuts, &before.shortcuts);
            return Err(SettingsError::StartAtLogin(e.to_string()));
        }
    }
    if let Err(e) = preferences.file.save(&wanted) {
        let _ = shortcuts::apply(app, &wanted.shortcuts, &before.shortcuts);
        return Err(e.into());
    }
    app.state::<notifications::Notifications>()
        .set_kinds(wanted.notifications);
    app.state::<notifications::Notifications>()
        .set_sounds(wanted.sounds.clone());
    app.state::<crate::local_api::ApiSettings>().update(&wanted);
    let trim = wanted.activity_kept_days < before.activity_kept_days;
    let high_risk_changed = wanted.phone.high_risk_approvable != before.phone.high_risk_approvable;
    *preferences.current.lock().unwrap() = wanted;
    if trim {
        crate::activity::trim_soon(app);
    }
    if high_risk_changed {
        crate::phone::high_risk_approvable_changed(app);
    }
    let applied = preferences.get(app);
    events::emit::<SettingsChanged>(app, &applied);
    Ok(applied)
}
