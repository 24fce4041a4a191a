//! Claude Code's own "always allow": the `permission_suggestions` of its PermissionRequest,
//! offered on the card as choices a person can read, and the one they pick sent back as
//! `updatedPermissions` in the allow. Claude Code, not the tray, then remembers it.
//!
//! The labels are made here from each suggestion's fields, never taken from text the agent
//! wrote, so what the person reads is what the suggestion does. The app hands back the label
//! picked; the suggestion itself never leaves this process until it goes back to Claude.

use protocol::limits::{MAX_REMEMBER_CHOICE, MAX_REMEMBER_CHOICES};
use serde_json::Value;

/// A suggestion the person can pick, with the label shown for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub label: String,
    pub update: Value,
}

/// The choices for a PermissionRequest's `permission_suggestions` (at most four, labels
/// unique, none whose label would have to be cut short, none that would stop Claude Code
/// asking the tray); anything that is not a list of objects offers none.
pub fn choices(suggestions: &Value) -> Vec<Choice> {
    let mut choices: Vec<Choice> = Vec::new();
    for update in suggestions.as_array().into_iter().flatten() {
        if !update.is_object() || choices.len() == MAX_REMEMBER_CHOICES || stops_asking(update) {
            continue;
        }
        // A choice whose label would be cut short is not offered: it would be picked unseen.
        let base = label(update);
        if base.len() > MAX_REMEMBER_CHOICE - 8 {
            continue;
        }
        let mut label = base.clone();
        let mut n = 2;
        while choices.iter().any(|c| c.label == label) {
            label = format!("{base} ({n})");
            n += 1;
        }
        choices.push(Choice {
            label,
            update: update.clone(),
        });
    }
    choices
}

/// A mode in which Claude Code stops bringing its questions to the tray (auto: its cloud
/// classifier decides; bypassPermissions: nothing is asked). Not offered from a card.
fn stops_asking(update: &Value) -> bool {
    update["type"] == "setMode"
        && matches!(update["mode"].as_str(), Some("auto" | "bypassPermissions"))
}

/// What a suggestion does, in words: "Always allow `Bash(npm test:*)` in this project
/// (only you)".
fn label(update: &Value) -> String {
    let text = |key: &str| update[key].as_str().unwrap_or("");
    let place = match text("destination") {
        "session" => "for this session",
        "localSettings" => "in this project (only you)",
        "projectSettings" => "in this project (everyone, shared settings)",
        "userSettings" => "in all your projects",
        "cliArg" => "for this run",
        _ => "",
    };
    let what = match text("type") {
        "addRules" | "replaceRules" => {
            let verb = match text("behavior") {
                "allow" => "Always allow",
                "deny" => "Always deny",
                "ask" => "Always ask before",
                _ => "Set a rule for",
            };
            let replace = if text("type") == "replaceRules" {
                " (replacing the rules there)"
            } else {
                ""
            };
            format!("{verb} {}{replace}", rules(&update["rules"]))
        }
        "removeRules" => format!("Remove the rule {}", rules(&update["rules"])),
        "setMode" => format!("Switch to {} mode", mode(text("mode"))),
        "addDirectories" => format!("Allow access to {}", list(&update["directories"])),
        "removeDirectories" => format!("Remove access to {}", list(&update["directories"])),
        other => format!("Change permissions ({other}): {update}"),
    };
    if place.is_empty() {
        what
    } else {
        format!("{what} {place}")
    }
}

/// `Bash(npm test:*)`, `WebFetch`, … as Claude Code writes its rules.
fn rules(rules: &Value) -> String {
    let written: Vec<String> = rules
        .as_array()
        .into_iter()
        .flatten()
        .map(|rule| {
            let tool = rule["toolName"].as_str().unwrap_or("?");
            match rule["ruleContent"].as_str() {
                Some(content) => format!("`{tool}({content})`"),
                None => format!("`{tool}`"),
            }
        })
        .collect();
    if written.is_empty() {
        "(no rule)".into()
    } else {
        written.join(", ")
    }
}

fn mode(mode: &str) -> &str {
    match mode {
        "acceptEdits" => "accept-edits",
        "plan" => "plan",
        "default" => "the default",
        other => other,
    }
}

fn list(values: &Value) -> String {
    let items: Vec<&str> = values
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    items.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_kind_of_suggestion_reads_as_what_it_does() {
        let labels: Vec<String> = choices(&json!([
            {"type": "addRules", "rules": [{"toolName": "Bash", "ruleContent": "npm test:*"}],
             "behavior": "allow", "destination": "localSettings"},
            {"type": "addDirectories", "directories": ["/home/me/shop"], "destination": "session"},
            {"type": "setMode", "mode": "acceptEdits", "destination": "session"},
            {"type": "addRules", "rules": [{"toolName": "WebFetch"}], "behavior": "deny",
             "destination": "userSettings"},
        ]))
        .into_iter()
        .map(|c| c.label)
        .collect();
        assert_eq!(
            labels,
            [
                "Always allow `Bash(npm test:*)` in this project (only you)",
                "Allow access to /home/me/shop for this session",
                "Switch to accept-edits mode for this session",
                "Always deny `WebFetch` in all your projects",
            ]
        );
    }

    #[test]
    fn at_most_four_unique_choices_and_nothing_from_junk() {
        let same = json!({"type": "setMode", "mode": "plan", "destination": "session"});
        let many = json!([same, same, 1, "x", same, same, same]);
        let labels: Vec<String> = choices(&many).into_iter().map(|c| c.label).collect();
        assert_eq!(labels.len(), 4);
        assert_eq!(labels[1], "Switch to plan mode for this session (2)");
        assert!(choices(&json!("addRules")).is_empty());
        let quiet = json!([{"type": "setMode", "mode": "auto", "destination": "session"},
                           {"type": "setMode", "mode": "bypassPermissions"}]);
        assert!(
            choices(&quiet).is_empty(),
            "never a mode that stops the questions"
        );
        let long = json!([{"type": "addDirectories", "directories": ["/d".repeat(200)]}]);
        assert!(choices(&long).is_empty(), "never offered cut short");
        assert!(choices(&Value::Null).is_empty());
    }

    #[test]
    fn an_unknown_kind_shows_everything_it_would_change() {
        let label = &choices(&json!([{"type": "grantAll", "scope": "*"}]))[0].label;
        assert!(
            label.starts_with("Change permissions (grantAll): {"),
            "{label}"
        );
        assert!(label.contains("\"scope\":\"*\""), "{label}");
    }
}
