//! What a command can fail with. The page gets `{ message, refused_shortcut? }`: the message
//! names what went wrong, and what a page acts on has a field of its own (see
//! src/lib/errors.ts); Rust code gets the kind, and uses `?` on the inbox's and Tauri's errors.

use settings::ShortcutRefused;

use crate::preferences::SettingsError;

/// The error of every command of crates/page-contract.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error(transparent)]
    Inbox(#[from] inbox::Error),
    #[error(transparent)]
    Tauri(#[from] tauri::Error),
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Job(#[from] api::JobError),
    /// Refused by the app, with its reason: a window that cannot decide, settings the OS
    /// would not take, jobs that are unavailable.
    #[error("{0}")]
    Refused(String),
}

impl From<String> for ShellError {
    fn from(reason: String) -> Self {
        Self::Refused(reason)
    }
}

/// A command's error as the page receives it.
#[derive(serde::Serialize)]
struct Rejection<'a> {
    message: String,
    /// Settings → Save: which key the system refused, to show beside its field.
    #[serde(skip_serializing_if = "Option::is_none")]
    refused_shortcut: Option<&'a ShortcutRefused>,
}

impl serde::Serialize for ShellError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let refused_shortcut = match self {
            Self::Settings(SettingsError::ShortcutRefused(refused)) => Some(refused),
            _ => None,
        };
        Rejection {
            message: self.to_string(),
            refused_shortcut,
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_shortcut_reaches_the_page_with_its_key() {
        let error = ShellError::from(SettingsError::from(ShortcutRefused {
            key: "ctrl+alt+shift+y".into(),
            reason: "HotKey already registered".into(),
        }));
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            serde_json::json!({
                "message": "Ctrl+Alt+Shift+Y could not be registered: HotKey already registered",
                "refused_shortcut": {"key": "ctrl+alt+shift+y", "reason": "HotKey already registered"},
            })
        );
    }

    #[test]
    fn other_errors_reach_the_page_as_their_message() {
        let error = ShellError::Refused("this window cannot decide".into());
        assert_eq!(
            serde_json::to_value(&error).unwrap(),
            serde_json::json!({"message": "this window cannot decide"})
        );
    }
}
