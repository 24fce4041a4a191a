//! What a command can fail with. The frontend gets the message (a string), which names what
//! went wrong; Rust code gets the kind, and uses `?` on the inbox's and Tauri's errors.

/// The error of every command of crates/page-contract.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error(transparent)]
    Inbox(#[from] inbox::Error),
    #[error(transparent)]
    Tauri(#[from] tauri::Error),
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

impl serde::Serialize for ShellError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}
