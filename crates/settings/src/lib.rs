//! The user's settings: what the full window's Settings view edits.
//!
//! Stored as pretty JSON in the app's config dir, written atomically (temp file, fsync,
//! rename), so a crash never leaves half a file. A file that cannot be read is moved aside
//! and defaults apply, with a message for the user; fields missing from an older file take
//! their defaults.

use std::path::{Path, PathBuf};

use inbox::OnTimeout;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Settings {
    pub shortcuts: ShortcutSettings,
    /// For requests that do not say how long they may wait (the local API, `ctray`).
    pub default_timeout_secs: u32,
    pub default_on_timeout: OnTimeout,
    pub notifications: NotificationSettings,
    pub sounds: SoundSettings,
    /// Mirrors the OS's autostart entry; the app reads it from the OS, not from this file.
    pub start_at_login: bool,
    pub remote: RemoteSettings,
    /// How many days an agent's timeline keeps what it reported doing (its requests stay in
    /// the audit log).
    pub activity_kept_days: u32,
    pub prompt_only_agents: PromptOnlySettings,
    pub phone: PhoneSettings,
}

/// Deciding from the phone (docs/phone.md): when a request goes there, and whether a
/// high-risk one may be approved there. Setting Phone up is apart (Settings → Phone): the
/// account, the room and the session are the phone's link's to keep, never this file's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct PhoneSettings {
    pub escalate: PhoneEscalate,
    /// For `unanswered`: how long a request waits on the desktop before it goes.
    pub unanswered_secs: u32,
    /// For `locked_or_idle`: how long the session is idle before requests go.
    pub idle_minutes: u32,
    /// Off (the default): a high-risk request is shown and can be denied on the phone, and
    /// approved only at the desk.
    pub high_risk_approvable: bool,
}

impl Default for PhoneSettings {
    fn default() -> Self {
        Self {
            escalate: PhoneEscalate::Unanswered,
            unanswered_secs: 120,
            idle_minutes: 10,
            high_risk_approvable: false,
        }
    }
}

/// When a request goes to the phone, once Phone is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PhoneEscalate {
    /// Never: Phone stays set up, paused.
    Never,
    /// While the screen is locked (as logind or the desktop's screensaver says).
    Locked,
    /// While the screen is locked, or the session has been idle `idle_minutes`.
    LockedOrIdle,
    /// Once it has waited `unanswered_secs` on the desktop.
    Unanswered,
    /// Every request, as it arrives.
    Always,
}

/// Phone as it is now, for Settings → Phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PhoneStatus {
    pub state: PhoneState,
    /// The app's Matrix account, the device it signed in as, and the person's user id, once
    /// signed in.
    pub account: Option<String>,
    pub device: Option<String>,
    pub person: Option<String>,
    /// Where the session's secrets are kept, once signed in.
    pub keys: Option<PhoneKeys>,
    /// While comparing: the emojis to find on the phone, in order.
    pub emojis: Vec<PhoneEmoji>,
    /// What went wrong last, in words for the person.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PhoneState {
    /// Not set up: nothing leaves this machine.
    Off,
    /// Signing in, or starting the link.
    Starting,
    /// Signed in; the person's phone has not verified the app yet, so nothing is sent.
    Unverified,
    /// The emoji comparison is under way.
    Comparing,
    /// Requests go to the phone as Settings say.
    Ready,
    /// The homeserver cannot be reached: requests stay on the desktop.
    Unavailable,
    /// The link ended and must be set up again (`note` says why).
    Stopped,
}

/// Where the phone's session secrets (the access token, the store's key) are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKeys {
    /// The desktop's keyring (Secret Service), encrypted with the login.
    Keyring,
    /// A file only the user can read: this session has no keyring.
    File,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PhoneEmoji {
    pub symbol: String,
    pub name: String,
}

impl PhoneStatus {
    pub fn off() -> Self {
        Self {
            state: PhoneState::Off,
            account: None,
            device: None,
            person: None,
            keys: None,
            emojis: Vec::new(),
            note: None,
        }
    }
}

/// Agents whose hooks can refuse a call but never approve one (Gemini CLI): they ask the
/// person in their own prompt, and the tray can only refuse for the person first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct PromptOnlySettings {
    /// On: a call the risk rules read as high risk is denied before the agent's own prompt
    /// asks, with the rule as the reason the model reads. Off (the default), every call is
    /// asked in the agent's prompt.
    pub deny_high_risk: bool,
}

/// Requests from agents on other machines (through an SSH forward of the socket) and in
/// containers (docs/remote.md). Nothing reaches the app from elsewhere unless the person
/// forwarded its socket; these settings turn such requests away again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct RemoteSettings {
    /// Off: every request from another machine or a container is refused.
    pub accept: bool,
    /// SSH hosts whose requests are refused, as the card names them (`devbox`).
    pub refused_hosts: Vec<String>,
}

impl Default for RemoteSettings {
    fn default() -> Self {
        Self {
            accept: true,
            refused_hosts: Vec::new(),
        }
    }
}

/// Global shortcuts, as the shortcut plugin spells them: `ctrl+alt+shift+a`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct ShortcutSettings {
    pub toggle_popover: String,
    pub approve: String,
    pub deny: String,
    /// Brings the person to the terminal of the agent that asked last.
    pub go_to_terminal: String,
    /// Whether approve and deny are global keys. Under X11 any program of the user can
    /// press a key for them (docs/security.md); off, only the toggle key is global and
    /// deciding takes the popover, the full window or a notification.
    pub decision_keys: bool,
}

/// How the global shortcuts reach the app in this session, for Settings to say plainly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ShortcutsStatus {
    pub through: ShortcutsThrough,
    /// One or two sentences for the person: which keys work, and what to do if none do.
    pub note: String,
}

/// A global shortcut the system would not take when the settings were applied, so Settings
/// can show the refusal beside that key's field. Nothing of those settings was applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ShortcutRefused {
    /// The key exactly as the settings sent it (`ctrl+alt+shift+y`).
    pub key: String,
    /// The system's own words.
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ShortcutsThrough {
    /// X11 key grabs: every window of an X11 session.
    X11Keys,
    /// X11 key grabs in a Wayland session without the portal: they fire only while an X11
    /// window has focus.
    X11KeysUnderWayland,
    /// The XDG Desktop Portal's GlobalShortcuts (Wayland): the desktop picks the keys.
    Portal,
    /// None registered (yet, or refused): the tray icon and the popover offer everything.
    Nothing,
}

/// Requests from one remote that Settings → Other machines turned away since the app started,
/// for Settings to show what its refusal stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RemoteRefusal {
    /// What it spoke for, as requests carry it: `ssh:HOST` or `container`.
    pub remote: String,
    #[ts(type = "number")]
    pub count: u64,
    /// Milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub last_at: i64,
}

/// Which kinds of notification to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct NotificationSettings {
    pub approvals: bool,
    pub agent_finished: bool,
    pub agent_failed: bool,
}

/// Sounds, played by the desktop's notification server with the notification they go with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct SoundSettings {
    /// A new approval, question or plan.
    pub approvals: bool,
    /// An agent that finished its turn.
    pub agent_finished: bool,
    /// No sound between `quiet_from` and `quiet_until` (local time, `HH:MM`; across
    /// midnight when `quiet_from` is later).
    pub quiet_hours: bool,
    pub quiet_from: String,
    pub quiet_until: String,
}

impl Default for SoundSettings {
    fn default() -> Self {
        Self {
            approvals: true,
            agent_finished: false,
            quiet_hours: false,
            quiet_from: "22:00".into(),
            quiet_until: "07:00".into(),
        }
    }
}

impl SoundSettings {
    /// Whether `minute` (of the day, local time) is within the quiet hours.
    pub fn quiet_at(&self, minute: u16) -> bool {
        let (Some(from), Some(until)) = (minutes(&self.quiet_from), minutes(&self.quiet_until))
        else {
            return false;
        };
        self.quiet_hours
            && if from <= until {
                (from..until).contains(&minute)
            } else {
                minute >= from || minute < until
            }
    }
}

/// `HH:MM` as minutes of the day.
fn minutes(time: &str) -> Option<u16> {
    let (hours, mins) = time.split_once(':')?;
    let (hours, mins): (u16, u16) = (hours.parse().ok()?, mins.parse().ok()?);
    (hours < 24 && mins < 60 && time.len() == 5).then_some(hours * 60 + mins)
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            shortcuts: ShortcutSettings::default(),
            default_timeout_secs: 5 * 60,
            default_on_timeout: OnTimeout::Deny,
            notifications: NotificationSettings::default(),
            sounds: SoundSettings::default(),
            start_at_login: false,
            remote: RemoteSettings::default(),
            activity_kept_days: 30,
            prompt_only_agents: PromptOnlySettings::default(),
            phone: PhoneSettings::default(),
        }
    }
}

impl Default for ShortcutSettings {
    /// Three modifiers: combinations common apps do not use.
    fn default() -> Self {
        Self {
            toggle_popover: "ctrl+alt+shift+c".into(),
            approve: "ctrl+alt+shift+a".into(),
            deny: "ctrl+alt+shift+d".into(),
            go_to_terminal: "ctrl+alt+shift+t".into(),
            decision_keys: true,
        }
    }
}

impl Default for NotificationSettings {
    fn default() -> Self {
        Self {
            approvals: true,
            agent_finished: true,
            agent_failed: true,
        }
    }
}

pub const MAX_TIMEOUT_SECS: u32 = 7 * 24 * 3600;
/// Ten years: longer than anyone keeps a tool's history by choice.
pub const MAX_ACTIVITY_KEPT_DAYS: u32 = 3650;
/// More refused hosts than anyone types by hand; the list stays a list.
pub const MAX_REFUSED_HOSTS: usize = 100;
/// A day: a request that waits longer than that on the desktop has long timed out.
pub const MAX_PHONE_UNANSWERED_SECS: u32 = 24 * 3600;
/// A day, in minutes: idle longer than that, the person is away whatever this says.
pub const MAX_PHONE_IDLE_MINUTES: u32 = 24 * 60;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Invalid(String),
    #[error("cannot write the settings to {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Settings {
    /// Checks what the shortcut plugin cannot: present, distinct, sane timeout.
    pub fn validate(&self) -> Result<(), Error> {
        let s = &self.shortcuts;
        for (name, key) in [
            ("open/close the popover", &s.toggle_popover),
            ("approve", &s.approve),
            ("deny", &s.deny),
            ("go to terminal", &s.go_to_terminal),
        ] {
            if key.trim().is_empty() {
                return Err(Error::Invalid(format!("the {name} shortcut is empty")));
            }
        }
        let normalized = |k: &str| k.to_ascii_lowercase().replace(' ', "");
        let keys = [
            normalized(&s.toggle_popover),
            normalized(&s.approve),
            normalized(&s.deny),
            normalized(&s.go_to_terminal),
        ];
        let distinct: std::collections::HashSet<&String> = keys.iter().collect();
        if distinct.len() < keys.len() {
            return Err(Error::Invalid(
                "each shortcut must be different from the others".into(),
            ));
        }
        if !(1..=MAX_TIMEOUT_SECS).contains(&self.default_timeout_secs) {
            return Err(Error::Invalid(format!(
                "the default timeout must be between 1 second and 7 days, not {} seconds",
                self.default_timeout_secs
            )));
        }
        for (name, time) in [
            ("quiet hours' start", &self.sounds.quiet_from),
            ("quiet hours' end", &self.sounds.quiet_until),
        ] {
            if minutes(time).is_none() {
                return Err(Error::Invalid(format!(
                    "the {name} must be a time as HH:MM, not {time:?}"
                )));
            }
        }
        if !(1..=MAX_ACTIVITY_KEPT_DAYS).contains(&self.activity_kept_days) {
            return Err(Error::Invalid(format!(
                "agents' activity is kept between 1 and {MAX_ACTIVITY_KEPT_DAYS} days, not {}",
                self.activity_kept_days
            )));
        }
        if !(1..=MAX_PHONE_UNANSWERED_SECS).contains(&self.phone.unanswered_secs) {
            return Err(Error::Invalid(format!(
                "a request waits between 1 second and a day before it goes to the phone, \
                 not {} seconds",
                self.phone.unanswered_secs
            )));
        }
        if !(1..=MAX_PHONE_IDLE_MINUTES).contains(&self.phone.idle_minutes) {
            return Err(Error::Invalid(format!(
                "the session is idle between 1 minute and a day before requests go to the \
                 phone, not {} minutes",
                self.phone.idle_minutes
            )));
        }
        self.remote.validate()
    }
}

impl RemoteSettings {
    /// Each host a plain name as `ssh` takes it: no spaces or control characters, at most
    /// 255 bytes, each once.
    fn validate(&self) -> Result<(), Error> {
        if self.refused_hosts.len() > MAX_REFUSED_HOSTS {
            return Err(Error::Invalid(format!(
                "at most {MAX_REFUSED_HOSTS} refused hosts"
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for host in &self.refused_hosts {
            if host.is_empty()
                || host.len() > 255
                || host.chars().any(|c| c.is_whitespace() || c.is_control())
            {
                return Err(Error::Invalid(format!(
                    "{host:?} is not a host name (one word, as you type it after ssh)"
                )));
            }
            if !seen.insert(host.to_ascii_lowercase()) {
                return Err(Error::Invalid(format!("{host} is in the list twice")));
            }
        }
        Ok(())
    }
}

/// What loading found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub settings: Settings,
    /// Set when the file could not be used: it was moved aside and defaults apply.
    pub problem: Option<String>,
}

pub struct SettingsFile {
    path: PathBuf,
}

impl SettingsFile {
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn load(&self) -> Loaded {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Loaded {
                    settings: Settings::default(),
                    problem: None,
                }
            }
            Err(e) => return self.unusable(format!("it cannot be read ({e})")),
        };
        let parsed = serde_json::from_str::<Settings>(&text)
            .map_err(|e| format!("it is not valid settings JSON ({e})"))
            .and_then(|s| s.validate().map(|()| s).map_err(|e| e.to_string()));
        match parsed {
            Ok(settings) => Loaded {
                settings,
                problem: None,
            },
            Err(problem) => self.unusable(problem),
        }
    }

    fn unusable(&self, problem: String) -> Loaded {
        let mut aside = self.path.as_os_str().to_owned();
        aside.push(".unreadable");
        let aside = PathBuf::from(aside);
        let kept = match std::fs::rename(&self.path, &aside) {
            Ok(()) => format!("it was kept as {}", aside.display()),
            Err(e) => format!("it could not be moved aside ({e})"),
        };
        Loaded {
            settings: Settings::default(),
            problem: Some(format!(
                "The settings file {} could not be used: {problem}; {kept}. Defaults apply.",
                self.path.display()
            )),
        }
    }

    /// Validates, then replaces the file atomically.
    pub fn save(&self, settings: &Settings) -> Result<(), Error> {
        settings.validate()?;
        let write_error = |source| Error::Write {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(write_error)?;
        }
        let mut temp = self.path.as_os_str().to_owned();
        temp.push(".tmp");
        let temp = PathBuf::from(temp);
        let json = serde_json::to_string_pretty(settings).expect("settings serialize");
        {
            use std::io::Write;
            let mut file = std::fs::File::create(&temp).map_err(write_error)?;
            file.write_all(json.as_bytes()).map_err(write_error)?;
            file.sync_all().map_err(write_error)?;
        }
        std::fs::rename(&temp, &self.path).map_err(write_error)
    }
}

#[cfg(test)]
mod sound_tests {
    use super::*;

    #[test]
    fn quiet_hours_hold_within_a_day_and_across_midnight_only_when_on() {
        let mut sounds = SoundSettings {
            quiet_hours: true,
            ..SoundSettings::default()
        };
        // 22:00 to 07:00.
        assert!(sounds.quiet_at(23 * 60));
        assert!(sounds.quiet_at(6 * 60 + 59));
        assert!(!sounds.quiet_at(7 * 60));
        assert!(!sounds.quiet_at(12 * 60));
        sounds.quiet_from = "12:30".into();
        sounds.quiet_until = "13:00".into();
        assert!(sounds.quiet_at(12 * 60 + 45));
        assert!(!sounds.quiet_at(13 * 60));
        sounds.quiet_hours = false;
        assert!(!sounds.quiet_at(12 * 60 + 45));
        assert_eq!(minutes("7:00"), None);
        assert_eq!(minutes("24:00"), None);
        assert_eq!(minutes("07:60"), None);
    }
}
