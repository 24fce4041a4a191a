//! `ctray install|uninstall AGENT`: adds ctray's hooks to the agent's own settings and takes
//! them out again, touching nothing else. Each agent's module (`agents/`) says which file and
//! which events; the kinds of hook files agents share are written here once. A file is backed
//! up before the first install changes it (one backup per file: `backup`), and written
//! atomically; uninstall gives back that backup's very bytes when nothing else in the file
//! changed since.

use std::path::Path;

use serde_json::{json, Value};

use crate::agents::{AgentProgram, Host};
use crate::backup::{backups_of, replace_file, Backup};
use crate::durations::spoken;
use jsonc_parser::cst::CstObject;

use crate::json_settings::{input, list_in, object_in, value_of, JsonSettings, Syntax};

/// How much longer the agent waits for the hook than the person has to decide: the hook
/// must answer (or give up) before the agent kills it and discards its answer.
pub const HOOK_MARGIN_SECS: i64 = 60;
/// Status reports answer in milliseconds; this only bounds a stuck app.
pub const STATUS_HOOK_TIMEOUT_SECS: i64 = 10;

/// Adds the agent's hooks (replacing an earlier install of ours) and returns what to tell
/// the person.
pub fn install(host: Host, timeout_ms: i64, ctray: &Path) -> Result<Vec<String>, String> {
    host.install(ctray, (timeout_ms + 999) / 1000)
}

/// Removes exactly what `install` added; everything else stays as it is.
pub fn uninstall(host: Host) -> Result<Vec<String>, String> {
    host.uninstall()
}

/// The command by which an agent runs ctray's hook: `<ctray> hook <agent>`, ctray's path
/// quoted for the shell.
pub fn hook_command(agent: &dyn AgentProgram, ctray: &Path) -> String {
    format!(
        "{} hook {}",
        shell_word(&ctray.display().to_string()),
        agent.word()
    )
}

/// A settings file whose events hold groups of handlers, `{"hooks": {event: [{"hooks":
/// [handler]}]}}` (Claude Code's, Qwen Code's, Codex's, Gemini CLI's), or the events at the
/// file's top level (Droid's hooks.json): ours appended after the person's groups.
pub struct Groups<'a> {
    pub events: &'a [&'a str],
    /// The event whose handler waits for the person (`PermissionRequest`), if any.
    pub decides: Option<&'a str>,
    /// A handler's `timeout` from seconds, as the agent reads it.
    pub timeout: fn(i64) -> i64,
    /// The events are under `"hooks"`, or (false) the file is the hooks object itself.
    pub under_hooks_key: bool,
}

impl Groups<'_> {
    /// Claude Code's shape: under `"hooks"`, `PermissionRequest` decides, seconds.
    pub const fn claude_style<'e>(events: &'e [&'e str]) -> Groups<'e> {
        Groups {
            events,
            decides: Some("PermissionRequest"),
            timeout: |secs| secs,
            under_hooks_key: true,
        }
    }

    /// The object that holds the events, if the file has one.
    fn events_in(&self, settings: &JsonSettings) -> Option<CstObject> {
        if self.under_hooks_key {
            settings.object().object_value("hooks")
        } else {
            Some(settings.object())
        }
    }
}

pub fn install_groups(
    agent: &dyn AgentProgram,
    path: &Path,
    groups: &Groups,
    ctray: &Path,
    ask_secs: i64,
) -> Result<Vec<String>, String> {
    let settings = JsonSettings::read(path, agent.settings_syntax())?;
    let reinstall = remove_ours(&settings, groups, agent) > 0;
    let hooks = if groups.under_hooks_key {
        object_in(&settings.object(), "hooks", path)?
    } else {
        settings.object()
    };
    let command = hook_command(agent, ctray);
    let mut lists = Vec::new();
    for &event in groups.events {
        // Every list checked before anything is added: a file that cannot take them all
        // is left as it was.
        lists.push(list_in(&hooks, event, path)?);
    }
    for (&event, list) in groups.events.iter().zip(lists) {
        let handler = if groups.decides == Some(event) {
            json!({
                "type": "command",
                "command": format!("{command} --timeout {ask_secs}s"),
                "timeout": (groups.timeout)(ask_secs + HOOK_MARGIN_SECS),
            })
        } else {
            json!({
                "type": "command",
                "command": command,
                "timeout": (groups.timeout)(STATUS_HOOK_TIMEOUT_SECS),
            })
        };
        // Appended after the person's own groups: Codex keys its trust by position.
        list.append(input(&json!({ "hooks": [handler] })));
    }
    let mut said = settings.write(path, install_backup(reinstall))?;
    said.extend(what_answers(
        agent,
        groups.events,
        groups.decides.map(|_| ask_secs),
        path,
    ));
    Ok(said)
}

/// Takes ctray's handlers out of a file `install_groups` wrote, and says so, or that there
/// were none.
pub fn uninstall_groups(
    agent: &dyn AgentProgram,
    path: &Path,
    groups: &Groups,
) -> Result<Vec<String>, String> {
    Ok(said_or_nothing(remove_groups(agent, path, groups)?, path))
}

/// Takes ctray's handlers out of a file `install_groups` wrote; says nothing if there were
/// none. A file of events only that this leaves empty goes.
pub fn remove_groups(
    agent: &dyn AgentProgram,
    path: &Path,
    groups: &Groups,
) -> Result<Vec<String>, String> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    let settings = JsonSettings::read(path, agent.settings_syntax())?;
    let removed = remove_ours(&settings, groups, agent);
    if removed == 0 {
        return Ok(Vec::new());
    }
    let left = settings.value();
    let mut said = match restore_original(path, &left, groups.under_hooks_key)? {
        Some(restoring) => restoring,
        None if !groups.under_hooks_key && settings.is_bare_empty_object() => {
            std::fs::remove_file(path)
                .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
            vec![format!("removed {}", path.display())]
        }
        None => settings.write(path, Backup::Never)?,
    };
    said.push(format!(
        "{}: removed {removed} ctray hook(s)",
        path.display()
    ));
    Ok(said)
}

/// A hooks file whose events list handlers directly, `{"version": 1, "hooks": {event:
/// [handler, …]}}` (Copilot CLI's, Cursor's). For each event, `command` gives ctray's
/// command from the plain one (`<ctray> hook <agent>`), and `handler` the handler from the
/// command and its timeout in seconds; the events in `decides` wait for the person.
pub struct HandlerList<'a> {
    pub events: &'a [&'a str],
    pub decides: &'a [&'a str],
    pub command: fn(plain: &str, event: &str) -> String,
    pub handler: fn(command: String, timeout_secs: i64) -> Value,
}

pub fn install_handler_lists(
    agent: &dyn AgentProgram,
    path: &Path,
    list: &HandlerList,
    ctray: &Path,
    ask_secs: i64,
) -> Result<Vec<String>, String> {
    let file = JsonSettings::read(path, agent.settings_syntax())?;
    let reinstall = remove_ours_from_lists(&file, agent) > 0;
    let object = file.object();
    let hooks = object_in(&object, "hooks", path)?;
    let mut lists = Vec::new();
    for &event in list.events {
        lists.push(list_in(&hooks, event, path)?);
    }
    if object.get("version").is_none() {
        object.insert(0, "version", 1.into());
    }
    let plain = hook_command(agent, ctray);
    for (&event, handlers) in list.events.iter().zip(lists) {
        let mut command = (list.command)(&plain, event);
        let timeout = if list.decides.contains(&event) {
            command.push_str(&format!(" --timeout {ask_secs}s"));
            ask_secs + HOOK_MARGIN_SECS
        } else {
            STATUS_HOOK_TIMEOUT_SECS
        };
        handlers.append(input(&(list.handler)(command, timeout)));
    }
    let mut said = file.write(path, install_backup(reinstall))?;
    said.extend(what_answers(agent, list.events, Some(ask_secs), path));
    Ok(said)
}

/// Removes our handlers from a file `install_handler_lists` wrote; the file goes if nothing
/// else is left in it.
pub fn uninstall_handler_lists(
    agent: &dyn AgentProgram,
    path: &Path,
) -> Result<Vec<String>, String> {
    if !path.exists() {
        return Ok(vec![nothing_of_ours(path)]);
    }
    let file = JsonSettings::read(path, agent.settings_syntax())?;
    let removed = remove_ours_from_lists(&file, agent);
    if removed == 0 {
        return Ok(vec![nothing_of_ours(path)]);
    }
    let left = file.value();
    if let Some(said) = restore_original(path, &left, true)? {
        return Ok(said);
    }
    let only_ours = left
        .as_object()
        .is_some_and(|object| object.keys().all(|key| key == "version"));
    if only_ours {
        std::fs::remove_file(path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        return Ok(vec![format!("removed {}", path.display())]);
    }
    let mut said = file.write(path, Backup::Never)?;
    said.push(format!(
        "{}: removed {removed} ctray hook(s)",
        path.display()
    ));
    Ok(said)
}

/// A plugin file of ctray's own in the agent's plugin folder (OpenCode's), whose first line
/// says whose it is; a file of the person's own that was there goes to its backup.
pub fn install_plugin(path: &Path, plugin: &str, first_line: &str) -> Result<Vec<String>, String> {
    replace_file(
        path,
        plugin,
        install_backup(is_our_plugin(path, first_line)),
    )
}

/// Removes the plugin, or gives back the file of the person's own that install replaced.
pub fn uninstall_plugin(path: &Path, first_line: &str) -> Result<Vec<String>, String> {
    if !is_our_plugin(path, first_line) {
        return Ok(vec![nothing_of_ours(path)]);
    }
    let theirs = backups_of(path).into_iter().find_map(|backup| {
        let text = std::fs::read_to_string(&backup).ok()?;
        (!text.starts_with(first_line)).then_some((backup, text))
    });
    if let Some((backup, text)) = theirs {
        let mut said = replace_file(path, &text, Backup::Never)?;
        said.push(restored(path, &backup));
        return Ok(said);
    }
    std::fs::remove_file(path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
    Ok(vec![format!("removed {}", path.display())])
}

fn is_our_plugin(path: &Path, first_line: &str) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| text.starts_with(first_line))
}

fn nothing_of_ours(path: &Path) -> String {
    format!("nothing of ctray's in {}", path.display())
}

/// What an uninstall said, or that `path` held nothing of ctray's.
pub fn said_or_nothing(said: Vec<String>, path: &Path) -> Vec<String> {
    if said.is_empty() {
        vec![nothing_of_ours(path)]
    } else {
        said
    }
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

/// What an install tells the person about the hooks it wrote.
fn what_answers(
    agent: &dyn AgentProgram,
    events: &[&str],
    ask_secs: Option<i64>,
    path: &Path,
) -> Vec<String> {
    let mut said = vec![format!(
        "{}: ctray answers {} for {}",
        path.display(),
        events.join(", "),
        agent.label()
    )];
    if let Some(ask_secs) = ask_secs {
        said.push(format!(
            "Approvals wait {} for you in Converge Tray; then {} asks in its own prompt.",
            spoken(ask_secs * 1000),
            agent.label()
        ));
    }
    said
}

/// After ctray's hooks are taken out of a JSON file (`left`): if that leaves what the
/// file's backup holds (the person changed nothing else since the install), the backup's
/// own bytes go back, their formatting, key order and all. `None` when no backup matches.
fn restore_original(
    path: &Path,
    left: &Value,
    under_hooks_key: bool,
) -> Result<Option<Vec<String>>, String> {
    let mut left = left.clone();
    without_empty_events(&mut left, under_hooks_key);
    // Newest first: a backup from an older ctray made at a later change is closer to now.
    for backup in backups_of(path).into_iter().rev() {
        let Ok(text) = std::fs::read_to_string(&backup) else {
            continue;
        };
        // Read as install read it (an empty file as `{}`).
        let Ok(original) = JsonSettings::read(&backup, Syntax::Jsonc) else {
            continue;
        };
        let mut original = original.value();
        without_empty_events(&mut original, under_hooks_key);
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

/// A settings value without empty event lists, nor an empty `hooks`: what is compared
/// with a backup (an uninstall takes out the lists it emptied).
fn without_empty_events(settings: &mut Value, under_hooks_key: bool) {
    let empty = |entries: &Value| entries.as_array().is_some_and(|e| e.is_empty());
    if !under_hooks_key {
        if let Some(events) = settings.as_object_mut() {
            events.retain(|_, entries| !empty(entries));
        }
        return;
    }
    let Some(hooks) = settings.get_mut("hooks").and_then(Value::as_object_mut) else {
        return;
    };
    hooks.retain(|_, entries| entries.as_array().is_none_or(|e| !e.is_empty()));
    if hooks.is_empty() {
        settings.as_object_mut().map(|s| s.remove("hooks"));
    }
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
fn remove_ours_from_lists(file: &JsonSettings, agent: &dyn AgentProgram) -> usize {
    let Some(hooks) = file.object().object_value("hooks") else {
        return 0;
    };
    let mut removed = 0;
    for event in hooks.properties() {
        for handler in event
            .array_value()
            .map(|a| a.elements())
            .unwrap_or_default()
        {
            if is_ours(&value_of(&handler), agent) {
                handler.remove();
                removed += 1;
            }
        }
    }
    if removed > 0 {
        drop_emptied_events(file, true);
    }
    removed
}

/// Takes out the event lists a removal left empty, then `hooks` itself if that is empty.
fn drop_emptied_events(settings: &JsonSettings, under_hooks_key: bool) {
    if !under_hooks_key {
        drop_empty_lists(&settings.object());
        return;
    }
    let Some(hooks) = settings.object().get("hooks") else {
        return;
    };
    let Some(events) = hooks.object_value() else {
        return;
    };
    drop_empty_lists(&events);
    if events.properties().is_empty() {
        hooks.remove();
    }
}

fn drop_empty_lists(events: &CstObject) {
    for event in events.properties() {
        if event
            .array_value()
            .is_some_and(|list| list.elements().is_empty())
        {
            event.remove();
        }
    }
}

/// Takes out every handler that runs `ctray hook <agent>`, then the groups, event lists and
/// `hooks` object that this left empty. Returns how many handlers it removed.
fn remove_ours(settings: &JsonSettings, groups: &Groups, agent: &dyn AgentProgram) -> usize {
    let Some(hooks) = groups.events_in(settings) else {
        return 0;
    };
    let mut removed = 0;
    for event in hooks.properties() {
        for group in event
            .array_value()
            .map(|a| a.elements())
            .unwrap_or_default()
        {
            let Some(handlers) = group.as_object().and_then(|g| g.array_value("hooks")) else {
                continue;
            };
            let handlers = handlers.elements();
            let ours: Vec<_> = handlers
                .iter()
                .filter(|handler| is_ours(&value_of(handler), agent))
                .cloned()
                .collect();
            removed += ours.len();
            let emptied = !handlers.is_empty() && ours.len() == handlers.len();
            if emptied {
                group.remove();
            } else {
                ours.into_iter().for_each(|handler| handler.remove());
            }
        }
    }
    if removed > 0 {
        drop_emptied_events(settings, groups.under_hooks_key);
    }
    removed
}

/// A handler whose command (Copilot CLI: `bash`) is `<…/ctray> hook <agent> …`, wherever
/// ctray lives.
pub fn is_ours(handler: &Value, agent: &dyn AgentProgram) -> bool {
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
    is_ctray && words.next() == Some("hook") && words.next() == Some(agent.word())
}

/// The path as one word for the shell that runs hook commands.
pub fn shell_word(path: &str) -> String {
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
        let claude = Host::named("claude");
        let ours = |command: &str| is_ours(&json!({ "command": command }), &*claude);
        assert!(ours("/usr/local/bin/ctray hook claude"));
        assert!(ours("'/home/a b/ctray' hook claude --timeout 300s"));
        assert!(ours("ctray hook claude"));
        assert!(!ours("/usr/local/bin/ctray hook codex"));
        assert!(!ours("/usr/bin/notify-send hook claude"));
        assert!(!ours("ctray hookclaude"));
        assert!(!is_ours(&json!({ "type": "prompt" }), &*claude));
    }

    #[test]
    fn quotes_paths_for_the_shell() {
        assert_eq!(shell_word("/usr/bin/ctray"), "/usr/bin/ctray");
        assert_eq!(shell_word("/home/a b/ctray"), "'/home/a b/ctray'");
        assert_eq!(shell_word("/o'neil/ctray"), r"'/o'\''neil/ctray'");
    }
}
