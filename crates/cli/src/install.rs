//! `ctray install|uninstall claude|codex`: adds ctray's hooks to the agent's own settings
//! and takes them out again, touching nothing else. A file is backed up before the first
//! install changes it (one backup per file: `backup`), and written atomically; uninstall
//! gives back that backup's very bytes when nothing else in the file changed since.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::backup::{backups_of, replace_file, Backup};
use crate::durations::spoken;
use crate::hook::Host;

/// How much longer the host waits for the hook than the person has to decide: the hook
/// must answer (or give up) before the host kills it and discards its answer.
const HOOK_MARGIN_SECS: i64 = 60;
/// Status reports answer in milliseconds; this only bounds a stuck app.
const STATUS_HOOK_TIMEOUT_SECS: i64 = 10;

const CLAUDE_EVENTS: &[&str] = &[
    "PermissionRequest",
    "PreToolUse",
    "PostToolUse",
    "PostToolUseFailure",
    "Notification",
    "UserPromptSubmit",
    "Stop",
    "SessionStart",
    "SessionEnd",
];
const CODEX_EVENTS: &[&str] = &[
    "PermissionRequest",
    "PreToolUse",
    "PostToolUse",
    "UserPromptSubmit",
    "Stop",
    "SessionStart",
    "SessionEnd",
];
/// Copilot CLI's events, in its own names (its input names only `permissionRequest`, so
/// each handler says which event it serves).
const COPILOT_EVENTS: &[&str] = &[
    "permissionRequest",
    "preToolUse",
    "postToolUse",
    "userPromptSubmitted",
    "agentStop",
    "sessionStart",
    "sessionEnd",
];
/// Cursor's events: the two that decide, then what shows the agent's state.
const CURSOR_EVENTS: &[&str] = &[
    "beforeShellExecution",
    "beforeMCPExecution",
    "afterShellExecution",
    "afterAgentResponse",
    "stop",
];
/// OpenCode's plugin, as written by install; its first line says whose it is.
const OPENCODE_PLUGIN: &str = include_str!("opencode_plugin.js");
const OPENCODE_PLUGIN_FIRST_LINE: &str = "// Converge Tray's OpenCode plugin";
const NOTIFY_MARKER: &str = "# Added by `ctray install codex`; `ctray uninstall codex` removes it.";

/// The files an install touches, from the agents' own environment variables.
pub struct Paths {
    /// Claude's settings.json or Codex's hooks.json.
    pub hooks: PathBuf,
    /// Codex's config.toml (for `notify`).
    pub codex_config: Option<PathBuf>,
}

impl Paths {
    pub fn of(host: Host) -> Result<Self, String> {
        let home = || {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .ok_or_else(|| "HOME is not set".to_owned())
        };
        let dir = |variable: &str, default: &str| -> Result<PathBuf, String> {
            match std::env::var_os(variable) {
                Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
                _ => Ok(home()?.join(default)),
            }
        };
        Ok(match host {
            Host::Claude => Self {
                hooks: dir("CLAUDE_CONFIG_DIR", ".claude")?.join("settings.json"),
                codex_config: None,
            },
            // Qwen Code reads ~/.qwen/settings.json (QWEN_HOME is not a setting of its own).
            Host::Qwen => Self {
                hooks: home()?.join(".qwen").join("settings.json"),
                codex_config: None,
            },
            Host::Cursor => Self {
                hooks: home()?.join(".cursor").join("hooks.json"),
                codex_config: None,
            },
            // OpenCode loads every plugin in its config dir's `plugin/` folder.
            Host::OpenCode => Self {
                hooks: dir("XDG_CONFIG_HOME", ".config")?
                    .join("opencode")
                    .join("plugin")
                    .join("ctray.js"),
                codex_config: None,
            },
            // Copilot CLI loads every `hooks/*.json` of its home: this file is ctray's own.
            Host::Copilot => Self {
                hooks: dir("COPILOT_HOME", ".copilot")?
                    .join("hooks")
                    .join("ctray.json"),
                codex_config: None,
            },
            Host::Codex => {
                let dir = dir("CODEX_HOME", ".codex")?;
                Self {
                    hooks: dir.join("hooks.json"),
                    codex_config: Some(dir.join("config.toml")),
                }
            }
        })
    }
}

/// Adds the hooks (replacing an earlier install of ours) and returns what to tell the user.
pub fn install(
    host: Host,
    timeout_ms: i64,
    ctray: &Path,
    paths: &Paths,
) -> Result<Vec<String>, String> {
    let program = shell_word(&ctray.display().to_string());
    let ask_secs = (timeout_ms + 999) / 1000;
    match host {
        // Qwen Code has Claude Code's event names for all of these.
        Host::Claude | Host::Qwen => {
            install_groups(host, CLAUDE_EVENTS, ctray, &program, ask_secs, paths)
        }
        Host::Codex => install_groups(host, CODEX_EVENTS, ctray, &program, ask_secs, paths),
        Host::Copilot => install_handler_lists(host, COPILOT_EVENTS, &program, ask_secs, paths),
        Host::Cursor => install_handler_lists(host, CURSOR_EVENTS, &program, ask_secs, paths),
        Host::OpenCode => install_opencode_plugin(ctray, ask_secs, paths),
    }
}

/// Claude Code's, Qwen Code's and Codex's settings: `{"hooks": {event: [{"hooks":
/// [handler]}]}}`, ours appended after the user's groups.
fn install_groups(
    host: Host,
    events: &[&str],
    ctray: &Path,
    program: &str,
    ask_secs: i64,
    paths: &Paths,
) -> Result<Vec<String>, String> {
    let mut settings = read_json(&paths.hooks)?;
    let reinstall = remove_ours(&mut settings, host) > 0;
    let hooks = settings
        .as_object_mut()
        .ok_or_else(|| format!("{} is not a JSON object", paths.hooks.display()))?
        .entry("hooks")
        .or_insert_with(|| json!({}));
    let hooks = hooks
        .as_object_mut()
        .ok_or_else(|| format!("\"hooks\" in {} is not an object", paths.hooks.display()))?;
    for &event in events {
        let handler = if event == "PermissionRequest" {
            json!({
                "type": "command",
                "command": format!("{program} hook {} --timeout {ask_secs}s", host.word()),
                "timeout": hook_timeout(host, ask_secs + HOOK_MARGIN_SECS),
            })
        } else {
            json!({
                "type": "command",
                "command": format!("{program} hook {}", host.word()),
                "timeout": hook_timeout(host, STATUS_HOOK_TIMEOUT_SECS),
            })
        };
        let groups = hooks.entry(event).or_insert_with(|| json!([]));
        let groups = groups
            .as_array_mut()
            .ok_or_else(|| format!("hooks.{event} in {} is not a list", paths.hooks.display()))?;
        // Appended after the user's own groups: Codex keys its trust by position.
        groups.push(json!({ "hooks": [handler] }));
    }
    let mut said = write_json(&paths.hooks, &settings, install_backup(reinstall))?;
    said.extend(what_answers(host, events, ask_secs, paths));
    if host == Host::Claude {
        said.push(
            "Claude Code starts in auto mode, where its cloud classifier approves most calls \
             itself and the tray is asked only about what it hands back (nothing when it is \
             unreachable). To bring every question here, set \"permissions\": \
             {\"defaultMode\": \"default\"} in ~/.claude/settings.json (or run claude \
             --permission-mode default), and answer No if Claude Code offers to make auto mode \
             your default."
                .into(),
        );
    }
    if let Some(config) = &paths.codex_config {
        said.extend(add_notify(config, &program_array(ctray))?);
        said.push(
            "Codex runs these hooks only once you trust them, and asks again after any change \
             to them (this one too): start codex and choose \"Trust all and continue\", or open \
             /hooks and trust them (t trusts all). Until then it asks in its own prompt."
                .into(),
        );
    }
    Ok(said)
}

/// The backup an install makes: none if the file already holds ctray's hooks (it is not
/// the person's original any more), else one if the file has none yet.
fn install_backup(reinstall: bool) -> Backup {
    if reinstall {
        Backup::Never
    } else {
        Backup::FirstOnly
    }
}

/// What an install tells the user about the hooks it wrote.
fn what_answers(host: Host, events: &[&str], ask_secs: i64, paths: &Paths) -> [String; 2] {
    [
        format!(
            "{}: ctray answers {} for {}",
            paths.hooks.display(),
            events.join(", "),
            host.label()
        ),
        format!(
            "Approvals wait {} for you in Converge Tray; then {} asks in its own prompt.",
            spoken(ask_secs * 1000),
            host.label()
        ),
    ]
}

/// Copilot CLI's and Cursor's hooks files: `{"version": 1, "hooks": {event: [handler, …]}}`.
/// Copilot's handlers have a `bash` command and `timeoutSec` (default 30 s), Cursor's a
/// `command` and `timeout` (seconds); the approval's timeout is written longer than its wait.
fn install_handler_lists(
    host: Host,
    events: &[&str],
    program: &str,
    ask_secs: i64,
    paths: &Paths,
) -> Result<Vec<String>, String> {
    let mut file = read_json(&paths.hooks)?;
    let reinstall = remove_ours_from_lists(&mut file, host) > 0;
    let object = file
        .as_object_mut()
        .ok_or_else(|| format!("{} is not a JSON object", paths.hooks.display()))?;
    object.entry("version").or_insert(json!(1));
    let hooks = object
        .entry("hooks")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .ok_or_else(|| format!("\"hooks\" in {} is not an object", paths.hooks.display()))?;
    for &event in events {
        let decides = matches!(
            event,
            "permissionRequest" | "beforeShellExecution" | "beforeMCPExecution"
        );
        // Copilot's status input does not name its event, so its command does.
        let mut command = match host {
            Host::Copilot => format!("{program} hook copilot --event {event}"),
            _ => format!("{program} hook {}", host.word()),
        };
        let timeout = if decides {
            command.push_str(&format!(" --timeout {ask_secs}s"));
            ask_secs + HOOK_MARGIN_SECS
        } else {
            STATUS_HOOK_TIMEOUT_SECS
        };
        let handler = match host {
            Host::Copilot => json!({ "type": "command", "bash": command, "timeoutSec": timeout }),
            _ => json!({ "command": command, "timeout": timeout }),
        };
        hooks
            .entry(event)
            .or_insert_with(|| json!([]))
            .as_array_mut()
            .ok_or_else(|| format!("hooks.{event} in {} is not a list", paths.hooks.display()))?
            .push(handler);
    }
    let mut said = write_json(&paths.hooks, &file, install_backup(reinstall))?;
    said.extend(what_answers(host, events, ask_secs, paths));
    if host == Host::Cursor {
        said.push(
            "Cursor asks about every shell command and MCP call its agent runs, not only the \
             ones it would prompt for (add a \"matcher\" to a hook in the file to narrow it). \
             Cursor also runs Claude Code's hooks: if ctray is installed for Claude Code too, \
             turn off third-party hooks in Cursor's settings, or each call is asked twice."
                .into(),
        );
    }
    Ok(said)
}

/// OpenCode's plugin (`opencode_plugin.js`), with this ctray's path and the approval's
/// timeout written in.
fn install_opencode_plugin(
    ctray: &Path,
    ask_secs: i64,
    paths: &Paths,
) -> Result<Vec<String>, String> {
    let literal = |text: String| Value::String(text).to_string();
    let plugin = OPENCODE_PLUGIN
        .replace("__CTRAY__", &literal(ctray.display().to_string()))
        .replace("__ASK_TIMEOUT__", &literal(format!("{ask_secs}s")));
    let mut said = replace_file(
        &paths.hooks,
        &plugin,
        install_backup(is_our_plugin(&paths.hooks)),
    )?;
    said.push(format!(
        "{}: OpenCode asks Converge Tray about its permission prompts",
        paths.hooks.display()
    ));
    said.push(format!(
        "Approvals wait {} for you in Converge Tray, while OpenCode shows its own \
         prompt too: the first answer counts. OpenCode asks only where its config says \"ask\" \
         (its default for shell commands is to allow them): set \"permission\": {{\"bash\": \
         \"ask\"}} in opencode.json. `opencode run` refuses such prompts by itself; its TUI \
         brings them here.",
        spoken(ask_secs * 1000)
    ));
    Ok(said)
}

fn is_our_plugin(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| text.starts_with(OPENCODE_PLUGIN_FIRST_LINE))
}

/// Removes the plugin, or gives back the file of the person's own that install replaced.
fn uninstall_opencode_plugin(paths: &Paths) -> Result<Vec<String>, String> {
    if !is_our_plugin(&paths.hooks) {
        return Ok(vec![format!(
            "nothing of ctray's in {}",
            paths.hooks.display()
        )]);
    }
    let theirs = backups_of(&paths.hooks).into_iter().find_map(|backup| {
        let text = std::fs::read_to_string(&backup).ok()?;
        (!text.starts_with(OPENCODE_PLUGIN_FIRST_LINE)).then_some((backup, text))
    });
    if let Some((backup, text)) = theirs {
        let mut said = replace_file(&paths.hooks, &text, Backup::Never)?;
        said.push(restored(&paths.hooks, &backup));
        return Ok(said);
    }
    std::fs::remove_file(&paths.hooks)
        .map_err(|e| format!("cannot remove {}: {e}", paths.hooks.display()))?;
    Ok(vec![format!("removed {}", paths.hooks.display())])
}

/// Removes our handlers from Copilot's or Cursor's file; the file goes if nothing else is
/// left in it.
fn uninstall_handler_lists(host: Host, paths: &Paths) -> Result<Vec<String>, String> {
    if !paths.hooks.exists() {
        return Ok(vec![format!(
            "nothing of ctray's in {}",
            paths.hooks.display()
        )]);
    }
    let mut file = read_json(&paths.hooks)?;
    let removed = remove_ours_from_lists(&mut file, host);
    if removed == 0 {
        return Ok(vec![format!(
            "nothing of ctray's in {}",
            paths.hooks.display()
        )]);
    }
    if let Some(said) = restore_original(&paths.hooks, &file)? {
        return Ok(said);
    }
    let only_ours = file
        .as_object()
        .is_some_and(|object| object.keys().all(|key| key == "version"));
    if only_ours {
        std::fs::remove_file(&paths.hooks)
            .map_err(|e| format!("cannot remove {}: {e}", paths.hooks.display()))?;
        return Ok(vec![format!("removed {}", paths.hooks.display())]);
    }
    let mut said = write_json(&paths.hooks, &file, Backup::Never)?;
    said.push(format!(
        "{}: removed {removed} ctray hook(s)",
        paths.hooks.display()
    ));
    Ok(said)
}

/// After ctray's hooks are taken out of a JSON file (`left`): if that leaves what the
/// file's backup holds (the person changed nothing else since the install), the backup's
/// own bytes go back, their formatting, key order and all. `None` when no backup matches.
fn restore_original(path: &Path, left: &Value) -> Result<Option<Vec<String>>, String> {
    let mut left = left.clone();
    drop_emptied_events(&mut left);
    // Newest first: a backup from an older ctray made at a later change is closer to now.
    for backup in backups_of(path).into_iter().rev() {
        let Ok(text) = std::fs::read_to_string(&backup) else {
            continue;
        };
        // An empty file reads as `{}`, as at install (`read_json`).
        let parsed = match text.trim() {
            "" => Ok(json!({})),
            _ => serde_json::from_str::<Value>(&text),
        };
        let Ok(mut original) = parsed else {
            continue;
        };
        drop_emptied_events(&mut original);
        // A `version` the install added to a file that had none (Cursor's, Copilot's).
        let mut compared = left.clone();
        if original.get("version").is_none() {
            compared.as_object_mut().map(|o| o.remove("version"));
        }
        if original == compared {
            let mut said = replace_file(path, &text, Backup::Never)?;
            said.push(restored(path, &backup));
            return Ok(Some(said));
        }
    }
    Ok(None)
}

fn restored(path: &Path, backup: &Path) -> String {
    format!(
        "{}: restored as it was before ctray, from {}",
        path.display(),
        backup.display()
    )
}

/// Like `remove_ours`, for a file whose events list handlers directly (Copilot CLI,
/// Cursor).
fn remove_ours_from_lists(file: &mut Value, host: Host) -> usize {
    let Some(hooks) = file.get_mut("hooks").and_then(Value::as_object_mut) else {
        return 0;
    };
    let mut removed = 0;
    for handlers in hooks.values_mut() {
        if let Some(handlers) = handlers.as_array_mut() {
            let before = handlers.len();
            handlers.retain(|handler| !is_ours(handler, host));
            removed += before - handlers.len();
        }
    }
    if removed > 0 {
        drop_emptied_events(file);
    }
    removed
}

/// Takes out the event lists a removal left empty, then `hooks` itself if that is empty.
fn drop_emptied_events(settings: &mut Value) {
    let Some(hooks) = settings.get_mut("hooks").and_then(Value::as_object_mut) else {
        return;
    };
    hooks.retain(|_, entries| entries.as_array().is_none_or(|e| !e.is_empty()));
    if hooks.is_empty() {
        settings.as_object_mut().map(|s| s.remove("hooks"));
    }
}

/// A hook's `timeout` as the host reads it: seconds, except that Qwen Code reads a value of
/// 1000 or more as milliseconds (a 30-minute approval would otherwise be cut off after two
/// seconds), so from there it gets milliseconds.
fn hook_timeout(host: Host, secs: i64) -> i64 {
    match host {
        Host::Qwen if secs >= 1000 => secs * 1000,
        _ => secs,
    }
}

/// Removes exactly what `install` added; everything else stays as it is.
pub fn uninstall(host: Host, paths: &Paths) -> Result<Vec<String>, String> {
    match host {
        Host::Claude | Host::Qwen | Host::Codex => uninstall_groups(host, paths),
        Host::Copilot | Host::Cursor => uninstall_handler_lists(host, paths),
        Host::OpenCode => uninstall_opencode_plugin(paths),
    }
}

fn uninstall_groups(host: Host, paths: &Paths) -> Result<Vec<String>, String> {
    let mut said = Vec::new();
    let mut trusted = Vec::new();
    if paths.hooks.exists() {
        let mut settings = read_json(&paths.hooks)?;
        trusted = trust_keys(&settings, host, &paths.hooks);
        let removed = remove_ours(&mut settings, host);
        if removed > 0 {
            match restore_original(&paths.hooks, &settings)? {
                Some(restoring) => said.extend(restoring),
                None => said.extend(write_json(&paths.hooks, &settings, Backup::Never)?),
            }
            said.push(format!(
                "{}: removed {removed} ctray hook(s)",
                paths.hooks.display()
            ));
        }
    }
    if let Some(config) = &paths.codex_config {
        said.extend(remove_notify(config)?);
        said.extend(remove_trust(config, &trusted)?);
    }
    if said.is_empty() {
        said.push(format!("nothing of ctray's in {}", paths.hooks.display()));
    }
    Ok(said)
}

/// Takes out every handler that runs `ctray hook <host>`, then the groups, event lists and
/// `hooks` object that this left empty. Returns how many handlers it removed.
fn remove_ours(settings: &mut Value, host: Host) -> usize {
    let Some(hooks) = settings.get_mut("hooks").and_then(Value::as_object_mut) else {
        return 0;
    };
    let mut removed = 0;
    for groups in hooks.values_mut() {
        let Some(groups) = groups.as_array_mut() else {
            continue;
        };
        groups.retain_mut(|group| {
            let Some(handlers) = group.get_mut("hooks").and_then(Value::as_array_mut) else {
                return true;
            };
            let before = handlers.len();
            handlers.retain(|handler| !is_ours(handler, host));
            removed += before - handlers.len();
            !(handlers.is_empty() && before > 0)
        });
    }
    if removed > 0 {
        drop_emptied_events(settings);
    }
    removed
}

/// The keys under which Codex records the person's trust in our handlers, in its
/// config.toml: `<hooks.json path>:<event in snake case>:<group index>:<handler index>`.
fn trust_keys(settings: &Value, host: Host, hooks_file: &Path) -> Vec<String> {
    let Some(hooks) = settings.get("hooks").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    for (event, groups) in hooks {
        let groups = groups.as_array().map(Vec::as_slice).unwrap_or_default();
        for (g, group) in groups.iter().enumerate() {
            let handlers = group["hooks"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            for (h, handler) in handlers.iter().enumerate() {
                if is_ours(handler, host) {
                    keys.push(format!(
                        "{}:{}:{g}:{h}",
                        hooks_file.display(),
                        snake_case(event)
                    ));
                }
            }
        }
    }
    keys
}

fn snake_case(event: &str) -> String {
    let mut out = String::new();
    for (i, c) in event.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Takes out of Codex's config.toml the `[hooks.state."<key>"]` tables of `keys` (the trust
/// Codex recorded for our handlers), and the `[hooks.state]` table if that leaves it empty.
fn remove_trust(config: &Path, keys: &[String]) -> Result<Vec<String>, String> {
    let Ok(text) = std::fs::read_to_string(config) else {
        return Ok(Vec::new());
    };
    let table_key = |line: &str| -> Option<String> {
        let quoted = line
            .trim()
            .strip_prefix("[hooks.state.")?
            .strip_suffix(']')?;
        serde_json::from_str::<String>(quoted).ok()
    };
    // The file's lines, each with its newline.
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut keep = vec![true; lines.len()];
    let mut removed = 0;
    let mut i = 0;
    while i < lines.len() {
        if table_key(lines[i]).is_some_and(|key| keys.contains(&key)) {
            removed += 1;
            keep[i] = false;
            i += 1;
            while i < lines.len() && !lines[i].trim_start().starts_with('[') {
                keep[i] = false;
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    if removed == 0 {
        return Ok(Vec::new());
    }
    let others_left = lines
        .iter()
        .zip(&keep)
        .any(|(line, kept)| *kept && line.trim_start().starts_with("[hooks.state."));
    if !others_left {
        // An empty `[hooks.state]` (Codex writes it before the tables) goes too.
        if let Some(at) = lines.iter().position(|l| l.trim() == "[hooks.state]") {
            let end = (at + 1..lines.len())
                .find(|&j| lines[j].trim_start().starts_with('['))
                .unwrap_or(lines.len());
            if lines[at + 1..end].iter().all(|l| l.trim().is_empty()) {
                // With the blank line Codex put before it.
                let start = (0..at)
                    .rev()
                    .take_while(|&j| lines[j].trim().is_empty())
                    .last()
                    .unwrap_or(at);
                keep[start..end].iter_mut().for_each(|k| *k = false);
            }
        }
    }
    let mut kept: String = lines
        .iter()
        .zip(&keep)
        .filter(|(_, kept)| **kept)
        .map(|(line, _)| *line)
        .collect();
    // A table taken from the end leaves the blank line that separated it.
    while kept.ends_with("\n\n") && !text.ends_with("\n\n") {
        kept.pop();
    }
    let mut said = replace_file(config, &kept, Backup::Never)?;
    said.push(format!(
        "{}: removed Codex's trust in ctray's {removed} hook(s)",
        config.display()
    ));
    Ok(said)
}

/// A handler whose command (Copilot CLI: `bash`) is `<…/ctray> hook <host> …`, wherever
/// ctray lives.
fn is_ours(handler: &Value, host: Host) -> bool {
    let Some(command) = handler["command"].as_str().or(handler["bash"].as_str()) else {
        return false;
    };
    let (program, rest) = match command.strip_prefix('\'') {
        Some(quoted) => match quoted.split_once('\'') {
            Some((program, rest)) => (program, rest),
            None => return false,
        },
        None => command.split_once(' ').unwrap_or((command, "")),
    };
    let is_ctray = Path::new(program).file_name().is_some_and(|n| n == "ctray");
    let mut words = rest.split_whitespace();
    is_ctray && words.next() == Some("hook") && words.next() == Some(host.word())
}

fn read_json(path: &Path) -> Result<Value, String> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => Ok(json!({})),
        Ok(text) => {
            let value: Value = serde_json::from_str(&text).map_err(|e| {
                format!(
                    "{} is not valid JSON ({e}); nothing changed",
                    path.display()
                )
            })?;
            if value.is_object() {
                Ok(value)
            } else {
                Err(format!(
                    "{} is not a JSON object; nothing changed",
                    path.display()
                ))
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Object(Map::new())),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

fn write_json(path: &Path, value: &Value, backup: Backup) -> Result<Vec<String>, String> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    text.push('\n');
    replace_file(path, &text, backup)
}

/// Codex's `notify`: one top-level key, one program. Ours goes first in the file (top-level
/// keys must precede the first table) unless the user already has a notify program.
fn add_notify(config: &Path, program: &str) -> Result<Vec<String>, String> {
    let text = match std::fs::read_to_string(config) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("cannot read {}: {e}", config.display())),
    };
    let line = notify_line(program);
    if text.lines().any(|l| l == line) {
        return Ok(vec![format!(
            "{}: notify already runs ctray",
            config.display()
        )]);
    }
    // ctray's own notify from an earlier install, run from elsewhere (ctray moved out of
    // a build directory): it now runs this ctray.
    if let Some(earlier) = text.lines().find(|l| is_our_notify(l)) {
        let moved = text.replacen(earlier, &line, 1);
        let mut said = replace_file(config, &moved, Backup::Never)?;
        said.push(format!("{}: notify runs this ctray now", config.display()));
        return Ok(said);
    }
    if let Some(existing) = top_level_notify(&text) {
        return Ok(vec![format!(
            "{}: left your notify program as it is ({existing}); Codex runs only one, and ctray \
             gets turn ends from the Stop hook anyway",
            config.display()
        )]);
    }
    let mut said = replace_file(
        config,
        &format!("{NOTIFY_MARKER}\n{line}\n{text}"),
        Backup::FirstOnly,
    )?;
    said.push(format!(
        "{}: notify runs ctray at the end of each turn",
        config.display()
    ));
    Ok(said)
}

fn remove_notify(config: &Path) -> Result<Vec<String>, String> {
    let Ok(text) = std::fs::read_to_string(config) else {
        return Ok(Vec::new());
    };
    let ours = |line: &str| line == NOTIFY_MARKER || is_our_notify(line);
    if !text.lines().any(ours) {
        return Ok(Vec::new());
    }
    let kept: String = text
        .split_inclusive('\n')
        .filter(|line| !ours(line.trim_end_matches('\n')))
        .collect();
    let mut said = replace_file(config, &kept, Backup::Never)?;
    said.push(format!("{}: removed ctray's notify", config.display()));
    Ok(said)
}

/// The `notify = […/ctray", "hook", "codex"]` line an install wrote, wherever ctray was.
fn is_our_notify(line: &str) -> bool {
    line.starts_with("notify = [")
        && line.contains("\"hook\", \"codex\"]")
        && line.contains("ctray\"")
}

/// The value of a top-level `notify = …` line, if there is one before the first table.
fn top_level_notify(text: &str) -> Option<&str> {
    text.lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with('['))
        .find_map(|line| {
            let (key, value) = line.split_once('=')?;
            (key.trim() == "notify").then(|| value.trim())
        })
}

fn notify_line(program: &str) -> String {
    format!("notify = [{program}, \"hook\", \"codex\"]")
}

/// A TOML basic string (JSON's escapes are a subset TOML accepts).
fn program_array(ctray: &Path) -> String {
    Value::String(ctray.display().to_string()).to_string()
}

/// The path as one word for the shell that runs hook commands.
fn shell_word(path: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-+:@%".contains(c);
    if !path.is_empty() && path.chars().all(plain) {
        path.to_owned()
    } else {
        format!("'{}'", path.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_its_own_commands_only() {
        let ours = |command: &str| is_ours(&json!({ "command": command }), Host::Claude);
        assert!(ours("/usr/local/bin/ctray hook claude"));
        assert!(ours("'/home/a b/ctray' hook claude --timeout 300s"));
        assert!(ours("ctray hook claude"));
        assert!(!ours("/usr/local/bin/ctray hook codex"));
        assert!(!ours("/usr/bin/notify-send hook claude"));
        assert!(!ours("ctray hookclaude"));
        assert!(!is_ours(&json!({ "type": "prompt" }), Host::Claude));
    }

    #[test]
    fn quotes_paths_for_the_shell() {
        assert_eq!(shell_word("/usr/bin/ctray"), "/usr/bin/ctray");
        assert_eq!(shell_word("/home/a b/ctray"), "'/home/a b/ctray'");
        assert_eq!(shell_word("/o'neil/ctray"), r"'/o'\''neil/ctray'");
    }

    #[test]
    fn finds_a_top_level_notify_only() {
        assert_eq!(
            top_level_notify("model = \"o3\"\nnotify = [\"x\"]\n[tui]\n"),
            Some("[\"x\"]")
        );
        assert_eq!(top_level_notify("[tui]\nnotify = [\"x\"]\n"), None);
    }
}
