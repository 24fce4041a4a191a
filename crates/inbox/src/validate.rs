//! Limits on what agents may submit. Everything here is untrusted input: a bad field is
//! refused with a message that names it, and nothing is stored.

use crate::error::{Error, Result};
use crate::model::{AgentState, AgentUpdate, Millis, NewRequest};

pub const MAX_ID: usize = 128;
pub const MAX_NAME: usize = 120;
pub const MAX_ACTION: usize = 200;
pub const MAX_TITLE: usize = 500;
pub const MAX_DETAILS: usize = 128 * 1024;
pub const MAX_ACTIVITY: usize = 2000;
pub const MAX_REASON: usize = 2000;
pub const MAX_IDEMPOTENCY_KEY: usize = 200;
pub const MAX_EXE: usize = 4096;
pub const MIN_TIMEOUT_MS: Millis = 1000;
pub const MAX_TIMEOUT_MS: Millis = 7 * 24 * 3600 * 1000;

/// `text` cut at a character boundary to at most `max` bytes (`max` ≥ 3), ending in "…" when
/// cut: for callers that shorten what they show (a title, an activity line) rather than be
/// refused.
pub fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Length in bytes, at most `max`, and no NUL (it truncates text in too many places).
pub fn text(field: &'static str, value: &str, max: usize) -> Result<()> {
    if value.len() > max {
        return Err(Error::invalid(
            field,
            format!("{} bytes is over the limit of {max}", value.len()),
        ));
    }
    if value.contains('\0') {
        return Err(Error::invalid(field, "contains a NUL character"));
    }
    Ok(())
}

fn required(field: &'static str, value: &str, max: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "is empty"));
    }
    text(field, value, max)
}

/// An id is shown and used as a key: printable, no surrounding spaces.
fn id(field: &'static str, value: &str) -> Result<()> {
    required(field, value, MAX_ID)?;
    if value.trim() != value || value.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            "must not have surrounding spaces or control characters",
        ));
    }
    Ok(())
}

pub fn agent_update(update: &AgentUpdate) -> Result<()> {
    id("agent id", &update.id)?;
    if let Some(name) = &update.name {
        required("agent name", name, MAX_NAME)?;
    }
    if let Some(activity) = &update.activity {
        text("activity", activity, MAX_ACTIVITY)?;
    }
    if let Some(state @ (AgentState::WaitingForApproval | AgentState::Gone)) = update.state {
        return Err(Error::invalid(
            "state",
            format!("{state:?} is set by the inbox, not reported by agents"),
        ));
    }
    Ok(())
}

pub fn new_request(new: &NewRequest) -> Result<()> {
    id("agent id", &new.agent_id)?;
    required("action", &new.action, MAX_ACTION)?;
    required("title", &new.title, MAX_TITLE)?;
    text("details", &new.details, MAX_DETAILS)?;
    if let Some(exe) = &new.provenance.exe {
        text("requester executable", exe, MAX_EXE)?;
    }
    if let Some(key) = &new.idempotency_key {
        required("idempotency key", key, MAX_IDEMPOTENCY_KEY)?;
    }
    if !(MIN_TIMEOUT_MS..=MAX_TIMEOUT_MS).contains(&new.timeout_ms) {
        return Err(Error::invalid(
            "timeout",
            format!(
                "{} ms is outside {} to {}",
                new.timeout_ms,
                describe_duration(MIN_TIMEOUT_MS),
                describe_duration(MAX_TIMEOUT_MS)
            ),
        ));
    }
    Ok(())
}

/// `90s`, `5m`, `1h 30m`, `7d`: for messages.
pub fn describe_duration(ms: Millis) -> String {
    let s = ms / 1000;
    match s {
        _ if s < 60 => format!("{s}s"),
        _ if s < 3600 && s % 60 == 0 => format!("{}m", s / 60),
        _ if s < 3600 => format!("{}m {}s", s / 60, s % 60),
        _ if s < 86_400 && s % 3600 == 0 => format!("{}h", s / 3600),
        _ if s < 86_400 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        _ if s % 86_400 == 0 => format!("{}d", s / 86_400),
        _ => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::clip;

    #[test]
    fn clip_cuts_at_a_character_boundary_and_says_so() {
        assert_eq!(clip("abcdef", 6), "abcdef");
        assert_eq!(clip("abcdef", 5), "ab…");
        assert_eq!(clip("ééé", 4), "…");
        assert_eq!(clip("ééé", 5), "é…");
    }
}
