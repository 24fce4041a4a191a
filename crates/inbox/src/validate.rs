//! Limits on what agents may submit. Everything here is untrusted input: a bad field is
//! refused with a message that names it, and nothing is stored.

use crate::error::{Error, Result};
use crate::model::{AgentState, AgentUpdate, NewRequest};

pub use protocol::limits::*;

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
    if let Some(model) = update.usage.as_ref().and_then(|u| u.model.as_ref()) {
        required("model", model, MAX_NAME)?;
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
    if new.remember_choices.len() > MAX_REMEMBER_CHOICES {
        return Err(Error::invalid(
            "remember choices",
            format!(
                "{} is over the limit of {MAX_REMEMBER_CHOICES}",
                new.remember_choices.len()
            ),
        ));
    }
    for (i, choice) in new.remember_choices.iter().enumerate() {
        required("remember choice", choice, MAX_REMEMBER_CHOICE)?;
        if new.remember_choices[..i].contains(choice) {
            return Err(Error::invalid(
                "remember choices",
                "has the same choice twice",
            ));
        }
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
