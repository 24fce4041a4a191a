//! What an agent may submit, and the helpers that keep text within it. The inbox refuses
//! anything over these limits; clients use them to shorten what they send beforehand.

use crate::model::Millis;

pub const MAX_ID: usize = 128;
pub const MAX_NAME: usize = 120;
pub const MAX_ACTION: usize = 200;
pub const MAX_TITLE: usize = 500;
pub const MAX_DETAILS: usize = 128 * 1024;
pub const MAX_ACTIVITY: usize = 2000;
pub const MAX_REASON: usize = 2000;
/// An agent's own "always allow" choices offered with one request, and each one's label.
pub const MAX_REMEMBER_CHOICES: usize = 4;
pub const MAX_REMEMBER_CHOICE: usize = 300;
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
