//! "Did you mean …": the valid word closest to a mistyped one (a command, an agent's name,
//! a sub-command, an option), so a slip of the keyboard costs one look, not a trip to the
//! usage text.

/// The candidate closest to `typed`, if one is close enough to be what was meant: at most
/// two edits away (one for words of three letters or fewer, where two edits make anything
/// of anything), case ignored; else the only candidate that starts with what was typed
/// (`pend` → `pending`). Ties go to the first candidate, so list the likelier ones first.
pub fn closest<'a>(typed: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let typed = typed.to_lowercase();
    if typed.is_empty() {
        return None;
    }
    let near = candidates
        .iter()
        .map(|&candidate| (edit_distance(&typed, candidate), candidate))
        .filter(|&(distance, candidate)| {
            let allowed = if candidate.chars().count() <= 3 { 1 } else { 2 };
            distance <= allowed
        })
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate);
    near.or_else(|| {
        let mut starting = candidates
            .iter()
            .filter(|c| typed.chars().count() >= 2 && c.starts_with(typed.as_str()));
        match (starting.next(), starting.next()) {
            (Some(only), None) => Some(*only),
            _ => None,
        }
    })
}

/// " (did you mean pending?)", or nothing: to append to a message about `typed`.
pub fn did_you_mean(typed: &str, candidates: &[&str]) -> String {
    closest(typed, candidates)
        .map(|word| format!(" (did you mean {word}?)"))
        .unwrap_or_default()
}

/// Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`: the
/// optimal string alignment distance, since swapped letters are the commonest slip.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: the distance between a[..i] and b[..j].
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    rows[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let substitution = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + substitution);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMMANDS: &[&str] = &["ask", "status", "agents", "pending", "install", "uninstall"];
    const AGENTS: &[&str] = &["claude", "codex", "qwen", "copilot", "cursor", "opencode"];

    #[test]
    fn distances() {
        assert_eq!(edit_distance("pendng", "pending"), 1);
        assert_eq!(edit_distance("statsu", "status"), 1, "a swap is one edit");
        assert_eq!(edit_distance("", "ask"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggests_what_was_meant_and_nothing_far_off() {
        assert_eq!(closest("pendng", COMMANDS), Some("pending"));
        assert_eq!(closest("agent", COMMANDS), Some("agents"));
        assert_eq!(closest("Status", COMMANDS), Some("status"));
        assert_eq!(closest("instal", COMMANDS), Some("install"));
        assert_eq!(closest("pend", COMMANDS), Some("pending"), "a prefix");
        assert_eq!(closest("claud", AGENTS), Some("claude"));
        assert_eq!(closest("cladue", AGENTS), Some("claude"));
        assert_eq!(closest("copliot", AGENTS), Some("copilot"));
        assert_eq!(closest("gemini", AGENTS), None);
        assert_eq!(closest("x", COMMANDS), None);
        assert_eq!(closest("ak", COMMANDS), Some("ask"));
        assert_eq!(closest("xy", COMMANDS), None);
        assert_eq!(closest("deploy", COMMANDS), None);
        assert_eq!(closest("c", AGENTS), None, "too short to be a prefix");
        assert_eq!(closest("co", AGENTS), None, "codex, copilot: ambiguous");
    }

    #[test]
    fn says_it_in_a_message() {
        assert_eq!(did_you_mean("pendng", COMMANDS), " (did you mean pending?)");
        assert_eq!(did_you_mean("zzz", COMMANDS), "");
    }
}
