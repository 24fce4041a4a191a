//! `ctray install|uninstall AGENT` on the users' own, existing settings files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

/// Runs ctray with a home of its own; the agents' config folders are inside it.
fn ctray(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ctray"))
        .args(args)
        .env("HOME", home)
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("CODEX_HOME")
        .env_remove("COPILOT_HOME")
        .env_remove("XDG_CONFIG_HOME")
        .env_remove("GEMINI_CLI_HOME")
        .env_remove("PI_CODING_AGENT_DIR")
        .env_remove("CLINE_DIR")
        .env_remove("CLINE_DATA_DIR")
        .output()
        .unwrap()
}

/// Each agent whose hooks live in a JSON file of the person's, that file (under home), and
/// whether the agent reads comments there (found by running each program).
const JSON_HOOK_FILES: &[(&str, &str, bool)] = &[
    ("claude", ".claude/settings.json", false),
    ("codex", ".codex/hooks.json", false),
    ("qwen", ".qwen/settings.json", true),
    ("cursor", ".cursor/hooks.json", false),
    ("gemini", ".gemini/settings.json", true),
    ("droid", ".factory/hooks.json", true),
];

/// Another tool's hook in an agent's file, in the shape that agent reads (Droid's file is
/// the hooks object itself; Cursor's lists handlers directly), with a comment where the
/// agent reads comments.
fn another_tools_file(agent: &str, comments: bool) -> String {
    let comment = if comments {
        "  // another tool's hook, kept\n"
    } else {
        ""
    };
    let handler = r#"{"type": "command", "command": "/opt/other-tool/check"}"#;
    match agent {
        "droid" => format!("{{\n{comment}  \"PreToolUse\": [{{\"hooks\": [{handler}]}}]\n}}\n"),
        "cursor" => format!(
            "{{\n{comment}  \"version\": 1,\n  \"hooks\": {{\"stop\": [{handler}]}}\n}}\n"
        ),
        _ => format!(
            "{{\n{comment}  \"hooks\": {{\n    \"PreToolUse\": [{{\"hooks\": [{handler}]}}]\n  }}\n}}\n"
        ),
    }
}

#[test]
fn every_agent_keeps_another_tools_hooks_and_gives_its_file_back() {
    for &(agent, file, comments) in JSON_HOOK_FILES {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let theirs = another_tools_file(agent, comments);
        std::fs::write(&path, &theirs).unwrap();

        let out = ctray(home.path(), &["install", agent]);
        assert_eq!(out.status.code(), Some(0), "{agent}: {}", text(&out.stderr));
        let installed = std::fs::read_to_string(&path).unwrap();
        assert!(
            installed.contains("/opt/other-tool/check")
                && installed.contains(&format!("hook {agent}")),
            "{agent}: {installed}"
        );
        if comments {
            assert!(
                installed.contains("// another tool's hook, kept"),
                "{agent}: {installed}"
            );
        }

        let out = ctray(home.path(), &["uninstall", agent]);
        assert_eq!(out.status.code(), Some(0), "{agent}: {}", text(&out.stderr));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), theirs, "{agent}");
    }
}

#[test]
fn a_file_the_agent_itself_would_not_read_is_refused_untouched() {
    for &(agent, file, comments) in JSON_HOOK_FILES {
        // Where the agent reads comments, a trailing comma is still one too many for it.
        let unreadable = if comments {
            "{\n  // mine\n  \"model\": \"x\",\n}\n"
        } else {
            "{\n  // mine\n  \"model\": \"x\"\n}\n"
        };
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, unreadable).unwrap();
        let out = ctray(home.path(), &["install", agent]);
        assert_eq!(out.status.code(), Some(1), "{agent}");
        assert!(
            text(&out.stderr).contains("nothing changed"),
            "{agent}: {}",
            text(&out.stderr)
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            unreadable,
            "{agent}"
        );
        assert!(backups(path.parent().unwrap()).is_empty(), "{agent}");
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn backups(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".before-ctray-"))
        .collect();
    found.sort();
    found
}

/// A user's Claude Code settings, as Claude Code writes them (two-space JSON): their own
/// permissions, a hook of their own on PreToolUse, and keys in no particular order.
const CLAUDE_SETTINGS: &str = r#"{
  "permissions": {
    "allow": [
      "Bash(npm run lint)"
    ]
  },
  "model": "opus",
  "hooks": {
    "PreToolUse": [
      {
        "matcher": "Bash",
        "hooks": [
          {
            "type": "command",
            "command": "/home/me/bin/audit-bash.sh"
          }
        ]
      }
    ]
  },
  "env": {
    "FOO": "1"
  }
}
"#;

#[test]
fn install_claude_keeps_everything_and_uninstall_restores_the_file_exactly() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".claude");
    std::fs::create_dir_all(&dir).unwrap();
    let settings = dir.join("settings.json");
    std::fs::write(&settings, CLAUDE_SETTINGS).unwrap();

    let out = ctray(home.path(), &["install", "claude", "--timeout", "10m"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("backup:"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stdout).contains("\"defaultMode\": \"default\""),
        "the user is told how to keep Claude Code's auto mode from answering for them: {}",
        text(&out.stdout)
    );
    let [backup] = backups(&dir).try_into().unwrap();
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), CLAUDE_SETTINGS);

    let installed: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    let keys: Vec<_> = installed.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        ["permissions", "model", "hooks", "env"],
        "the user's order stays"
    );
    assert_eq!(
        installed["permissions"]["allow"],
        json!(["Bash(npm run lint)"])
    );
    let pre = installed["hooks"]["PreToolUse"].as_array().unwrap();
    assert_eq!(pre.len(), 2);
    assert_eq!(
        pre[0]["hooks"][0]["command"], "/home/me/bin/audit-bash.sh",
        "theirs first"
    );
    let ctray_path = Path::new(env!("CARGO_BIN_EXE_ctray")).display().to_string();
    assert_eq!(
        pre[1]["hooks"][0],
        json!({"type": "command", "command": format!("{ctray_path} hook claude"), "timeout": 10})
    );
    let permission = &installed["hooks"]["PermissionRequest"][0]["hooks"][0];
    assert_eq!(
        permission["command"],
        format!("{ctray_path} hook claude --timeout 600s")
    );
    assert_eq!(
        permission["timeout"], 660,
        "Claude Code must not kill the hook before the person's time is up"
    );
    for event in [
        "PostToolUse",
        "Notification",
        "Stop",
        "SessionStart",
        "SessionEnd",
    ] {
        assert!(installed["hooks"][event].is_array(), "{event}");
    }

    // A second install replaces its own hooks: nothing doubles, nothing is rewritten.
    let out = ctray(home.path(), &["install", "claude", "--timeout", "10m"]);
    assert_eq!(out.status.code(), Some(0));
    let again: Value = serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(again, installed);
    assert_eq!(
        backups(&dir).len(),
        1,
        "an unchanged file gets no new backup"
    );

    let out = ctray(home.path(), &["uninstall", "claude"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("removed 9 ctray hook(s)"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), CLAUDE_SETTINGS);

    let out = ctray(home.path(), &["uninstall", "claude"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("nothing of ctray's"));
}

#[test]
fn install_claude_creates_the_settings_when_there_are_none() {
    let home = tempfile::tempdir().unwrap();
    let out = ctray(home.path(), &["install", "claude"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let settings = home.path().join(".claude/settings.json");
    let installed: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    assert_eq!(
        installed["hooks"]["PermissionRequest"][0]["hooks"][0]["timeout"],
        360
    );
    ctray(home.path(), &["uninstall", "claude"]);
    assert_eq!(std::fs::read_to_string(&settings).unwrap(), "{}\n");
}

#[test]
fn a_settings_file_it_cannot_read_is_left_untouched() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".claude");
    std::fs::create_dir_all(&dir).unwrap();
    let settings = dir.join("settings.json");
    for broken in ["{ \"model\": \"opus\", ", "[1, 2]", "{\"hooks\": []}"] {
        std::fs::write(&settings, broken).unwrap();
        let out = ctray(home.path(), &["install", "claude"]);
        assert_eq!(out.status.code(), Some(1), "{broken}");
        assert!(
            text(&out.stderr).contains("settings.json"),
            "{}",
            text(&out.stderr)
        );
        assert_eq!(std::fs::read_to_string(&settings).unwrap(), broken);
        assert!(backups(&dir).is_empty());
    }
}

const CODEX_CONFIG: &str = r#"# my codex config
model = "gpt-5"
approval_policy = "on-request"

[tui]
notifications = true
"#;

const CODEX_HOOKS: &str = r#"{
  "hooks": {
    "PermissionRequest": [
      {
        "matcher": "^apply_patch$",
        "hooks": [
          {
            "type": "command",
            "command": "/home/me/bin/check-patch",
            "timeout": 30
          }
        ]
      }
    ]
  }
}
"#;

#[test]
fn install_codex_adds_hooks_after_the_users_and_a_notify_program_then_uninstall_restores_both() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("codex-home");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), CODEX_CONFIG).unwrap();
    std::fs::write(dir.join("hooks.json"), CODEX_HOOKS).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ctray"))
            .args(args)
            .env("HOME", home.path())
            .env("CODEX_HOME", &dir)
            .output()
            .unwrap()
    };

    let out = run(&["install", "codex"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("/hooks"),
        "the user is told to trust the hooks"
    );
    assert_eq!(backups(&dir).len(), 2);

    let hooks: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("hooks.json")).unwrap()).unwrap();
    let groups = hooks["hooks"]["PermissionRequest"].as_array().unwrap();
    assert_eq!(groups[0]["hooks"][0]["command"], "/home/me/bin/check-patch");
    assert_eq!(
        groups.len(),
        2,
        "appended, so Codex's trust of the user's hooks (by position) holds"
    );
    assert!(groups[1]["hooks"][0]["command"]
        .as_str()
        .unwrap()
        .ends_with("ctray hook codex --timeout 300s"));

    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    let parsed: toml::Table = config.parse().expect("still valid TOML");
    let ctray_path = Path::new(env!("CARGO_BIN_EXE_ctray")).display().to_string();
    assert_eq!(
        parsed["notify"],
        toml::Value::Array(vec![ctray_path.into(), "hook".into(), "codex".into()])
    );
    assert_eq!(parsed["model"].as_str(), Some("gpt-5"));
    assert_eq!(parsed["tui"]["notifications"].as_bool(), Some(true));
    assert!(config.ends_with(CODEX_CONFIG));

    // The person trusts the hooks in Codex, which records it as Codex 0.169.0 does: a
    // table per handler, keyed by the hooks file, event, group and handler position.
    let hooks_file = dir.join("hooks.json").display().to_string();
    let trust = |key: &str, hash: &str| {
        format!("[hooks.state.\"{hooks_file}:{key}\"]\ntrusted_hash = \"sha256:{hash}\"\n")
    };
    let mine = trust("permission_request:0:0", "mine");
    let ours: Vec<String> = [
        "pre_tool_use:0:0",
        "permission_request:1:0",
        "post_tool_use:0:0",
        "session_start:0:0",
        "user_prompt_submit:0:0",
        "stop:0:0",
        "session_end:0:0",
    ]
    .iter()
    .map(|key| trust(key, "ours"))
    .collect();
    let trusted = format!(
        "{config}\n[hooks.state]\n\n{}\n{mine}\n{}",
        ours[..2].join("\n"),
        ours[2..].join("\n")
    );
    std::fs::write(dir.join("config.toml"), &trusted).unwrap();

    let out = run(&["uninstall", "codex"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("removed Codex's trust in ctray's 7 hook(s)"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("config.toml")).unwrap(),
        format!("{CODEX_CONFIG}\n[hooks.state]\n\n{mine}"),
        "only Codex's trust in ctray's hooks goes; its trust in the user's own stays"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("hooks.json")).unwrap(),
        CODEX_HOOKS
    );
}

#[test]
fn uninstall_codex_takes_out_codexs_trust_in_its_hooks_and_gives_back_the_file() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".codex");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), CODEX_CONFIG).unwrap();
    assert_eq!(
        ctray(home.path(), &["install", "codex"]).status.code(),
        Some(0)
    );
    let hooks_file = dir.join("hooks.json").display().to_string();
    let mut config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    config.push_str("\n[hooks.state]\n");
    for event in ["permission_request", "stop", "session_end"] {
        config.push_str(&format!(
            "\n[hooks.state.\"{hooks_file}:{event}:0:0\"]\ntrusted_hash = \"sha256:0\"\n"
        ));
    }
    std::fs::write(dir.join("config.toml"), config).unwrap();
    assert_eq!(
        ctray(home.path(), &["uninstall", "codex"]).status.code(),
        Some(0)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("config.toml")).unwrap(),
        CODEX_CONFIG
    );
}

#[test]
fn a_notify_program_the_user_already_has_is_left_alone() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".codex");
    std::fs::create_dir_all(&dir).unwrap();
    let mine = "notify = [\"python3\", \"/home/me/.codex/notify.py\"]\nmodel = \"o3\"\n";
    std::fs::write(dir.join("config.toml"), mine).unwrap();
    let out = ctray(home.path(), &["install", "codex"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("left your notify program"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("config.toml")).unwrap(),
        mine
    );
    ctray(home.path(), &["uninstall", "codex"]);
    assert_eq!(
        std::fs::read_to_string(dir.join("config.toml")).unwrap(),
        mine
    );
    // The hooks file install created stays, empty of anything of ctray's.
    assert_eq!(
        std::fs::read_to_string(dir.join("hooks.json")).unwrap(),
        "{}\n"
    );
}

#[test]
fn install_qwen_writes_claude_style_hooks_with_timeouts_qwen_reads_right() {
    let home = tempfile::tempdir().unwrap();
    let settings = home.path().join(".qwen").join("settings.json");
    let ctray_path = Path::new(env!("CARGO_BIN_EXE_ctray")).display().to_string();

    let out = ctray(home.path(), &["install", "qwen"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let installed: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    let permission = &installed["hooks"]["PermissionRequest"][0]["hooks"][0];
    assert_eq!(
        permission["command"],
        format!("{ctray_path} hook qwen --timeout 300s")
    );
    assert_eq!(permission["timeout"], 360, "seconds below 1000");
    assert_eq!(
        installed["hooks"]["Stop"][0]["hooks"][0]["command"],
        format!("{ctray_path} hook qwen")
    );

    // Qwen Code reads a timeout of 1000 or more as milliseconds: a 30-minute approval is
    // written in milliseconds, or the hook would be killed after 1.86 s.
    let out = ctray(home.path(), &["install", "qwen", "--timeout", "30m"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let installed: Value =
        serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    let permissions = installed["hooks"]["PermissionRequest"].as_array().unwrap();
    assert_eq!(permissions.len(), 1, "reinstalling replaces ours");
    assert_eq!(permissions[0]["hooks"][0]["timeout"], 1_860_000);

    let out = ctray(home.path(), &["uninstall", "qwen"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let left: Value = serde_json::from_str(&std::fs::read_to_string(&settings).unwrap()).unwrap();
    assert!(left.get("hooks").is_none(), "{left}");
}

#[test]
fn install_copilot_writes_a_hooks_file_of_its_own_and_uninstall_takes_it_away() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("copilot-home");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ctray"))
            .args(args)
            .env("HOME", home.path())
            .env("COPILOT_HOME", &dir)
            .output()
            .unwrap()
    };
    let out = run(&["install", "copilot", "--timeout", "20m"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let file = dir.join("hooks").join("ctray.json");
    let hooks: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(hooks["version"], 1);
    let ctray_path = Path::new(env!("CARGO_BIN_EXE_ctray")).display().to_string();
    let permission = &hooks["hooks"]["permissionRequest"][0];
    assert_eq!(
        permission["bash"],
        format!("{ctray_path} hook copilot --event permissionRequest --timeout 1200s")
    );
    assert_eq!(
        permission["timeoutSec"], 1260,
        "Copilot must not end the hook (its default is 30 s) before the person's time is up"
    );
    for event in [
        "preToolUse",
        "postToolUse",
        "agentStop",
        "sessionStart",
        "sessionEnd",
    ] {
        assert_eq!(
            hooks["hooks"][event][0]["bash"],
            format!("{ctray_path} hook copilot --event {event}"),
            "{event}"
        );
    }
    // Installing again changes nothing.
    let before = std::fs::read(&file).unwrap();
    assert_eq!(
        run(&["install", "copilot", "--timeout", "20m"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);
    assert!(backups(&dir.join("hooks")).is_empty());

    // A hook the user added to the file stays; ours go.
    let mut edited = hooks.clone();
    edited["hooks"]["sessionStart"]
        .as_array_mut()
        .unwrap()
        .insert(
            0,
            serde_json::json!({"type": "command", "bash": "./log-start.sh"}),
        );
    std::fs::write(&file, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    assert_eq!(run(&["uninstall", "copilot"]).status.code(), Some(0));
    let left: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(
        left,
        serde_json::json!({"version": 1, "hooks": {"sessionStart": [
            {"type": "command", "bash": "./log-start.sh"}]}})
    );

    // With nothing of the user's in it, uninstall removes the file it created.
    std::fs::remove_file(&file).unwrap();
    assert_eq!(run(&["install", "copilot"]).status.code(), Some(0));
    let out = run(&["uninstall", "copilot"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!file.exists(), "{}", text(&out.stdout));
    let out = run(&["uninstall", "copilot"]);
    assert!(text(&out.stdout).contains("nothing of ctray's"));
}

const CURSOR_HOOKS: &str = r#"{
  "version": 1,
  "hooks": {
    "beforeShellExecution": [
      {
        "command": "./hooks/audit-shell.sh",
        "matcher": "curl|wget"
      }
    ]
  }
}
"#;

#[test]
fn install_cursor_adds_after_the_users_hooks_and_uninstall_restores_the_file() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".cursor");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hooks.json");
    std::fs::write(&file, CURSOR_HOOKS).unwrap();

    let out = ctray(home.path(), &["install", "cursor", "--timeout", "10m"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("every shell command")
            && text(&out.stdout).contains("Claude Code's hooks"),
        "the user is told what Cursor will ask and about the double ask: {}",
        text(&out.stdout)
    );
    let hooks: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let shell = hooks["hooks"]["beforeShellExecution"].as_array().unwrap();
    assert_eq!(shell[0]["command"], "./hooks/audit-shell.sh");
    let ctray_path = Path::new(env!("CARGO_BIN_EXE_ctray")).display().to_string();
    assert_eq!(
        shell[1],
        json!({"command": format!("{ctray_path} hook cursor --timeout 600s"), "timeout": 660})
    );
    assert_eq!(
        hooks["hooks"]["beforeMCPExecution"][0]["command"],
        format!("{ctray_path} hook cursor --timeout 600s")
    );
    assert_eq!(
        hooks["hooks"]["stop"][0],
        json!({"command": format!("{ctray_path} hook cursor"), "timeout": 10})
    );
    assert_eq!(backups(&dir).len(), 1);

    let out = ctray(home.path(), &["uninstall", "cursor"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), CURSOR_HOOKS);
}

#[test]
fn install_opencode_writes_its_plugin_and_uninstall_removes_only_its_own() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ctray"))
            .args(args)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", &config)
            .output()
            .unwrap()
    };
    let out = run(&["install", "opencode", "--timeout", "2m"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("\"bash\": \"ask\""),
        "the user is told OpenCode must be set to ask: {}",
        text(&out.stdout)
    );
    let plugin = config.join("opencode").join("plugin").join("ctray.js");
    let written = std::fs::read_to_string(&plugin).unwrap();
    let ctray_path = Path::new(env!("CARGO_BIN_EXE_ctray")).display().to_string();
    assert!(written.contains(&format!("const CTRAY = {}", json!(ctray_path))));
    assert!(written.contains("const ASK_TIMEOUT = \"120s\""));
    assert!(!written.contains("__CTRAY__"));

    assert_eq!(
        run(&["install", "opencode", "--timeout", "2m"])
            .status
            .code(),
        Some(0)
    );
    assert!(
        backups(plugin.parent().unwrap()).is_empty(),
        "unchanged: not rewritten"
    );

    let out = run(&["uninstall", "opencode"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(!plugin.exists());

    // A plugin of the user's own at that path is not ctray's to remove.
    std::fs::write(&plugin, "export const Mine = async () => ({})\n").unwrap();
    let out = run(&["uninstall", "opencode"]);
    assert!(text(&out.stdout).contains("nothing of ctray's"));
    assert!(plugin.exists());
}

/// Settings as a person writes them by hand: tabs, keys on one line, no final newline.
/// Nothing ctray prints looks like this, so only the file's own bytes can give it back.
const HAND_WRITTEN_CLAUDE: &str = "{\n\t\"model\": \"opus\",\n\t\"hooks\": {\"PreToolUse\": \
    [{\"matcher\": \"Bash\", \"hooks\": [{\"type\": \"command\", \"command\": \
    \"/home/me/bin/audit-bash.sh\"}]}]},\n\t\"env\": {\"FOO\": \"1\"}\n}";
const HAND_WRITTEN_CURSOR: &str =
    "{\"version\": 1, \"hooks\": {\"beforeShellExecution\": [{\"command\": \"./audit.sh\"}]}}\n";

#[test]
fn installing_twice_keeps_one_backup_and_uninstall_gives_back_the_very_bytes() {
    for (agent, file, original) in [
        ("claude", ".claude/settings.json", HAND_WRITTEN_CLAUDE),
        ("cursor", ".cursor/hooks.json", HAND_WRITTEN_CURSOR),
        ("qwen", ".qwen/settings.json", ""),
    ] {
        let home = tempfile::tempdir().unwrap();
        let file = home.path().join(file);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, original).unwrap();

        let out = ctray(home.path(), &["install", agent]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        // Again, with another timeout: the file changes, the backup does not multiply.
        let out = ctray(home.path(), &["install", agent, "--timeout", "15m"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(
            std::fs::read_to_string(&file)
                .unwrap()
                .contains("--timeout 900s"),
            "{agent}: the second install took"
        );
        let out = ctray(home.path(), &["uninstall", agent]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            original,
            "{agent}: the file as it was, byte for byte"
        );
        let [backup] = backups(file.parent().unwrap())
            .try_into()
            .unwrap_or_else(|found: Vec<PathBuf>| panic!("{agent}: one backup, not {found:?}"));
        assert_eq!(std::fs::read_to_string(backup).unwrap(), original);
    }
}

#[test]
fn uninstall_keeps_what_the_person_added_meanwhile() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join(".claude/settings.json");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, HAND_WRITTEN_CLAUDE).unwrap();
    assert_eq!(
        ctray(home.path(), &["install", "claude"]).status.code(),
        Some(0)
    );
    let mut edited: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    edited["theme"] = json!("dark");
    std::fs::write(&file, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    let out = ctray(home.path(), &["uninstall", "claude"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let left: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let mut expected: Value = serde_json::from_str(HAND_WRITTEN_CLAUDE).unwrap();
    expected["theme"] = json!("dark");
    assert_eq!(
        left, expected,
        "the person's addition stays, ctray's hooks go"
    );
    assert_eq!(backups(file.parent().unwrap()).len(), 1);
}

#[test]
fn installing_from_a_build_directory_warns_and_says_where_ctray_should_live() {
    let root = tempfile::tempdir().unwrap();
    let home = root.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let place = |relative: &str| {
        let path = root.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::copy(env!("CARGO_BIN_EXE_ctray"), &path).unwrap();
        path
    };
    let install = |ctray: &Path, target_dir: Option<&Path>| {
        let mut command = Command::new(ctray);
        command
            .args(["install", "codex"])
            .env("HOME", &home)
            .env_remove("CODEX_HOME")
            .env_remove("CARGO_TARGET_DIR");
        if let Some(dir) = target_dir {
            command.env("CARGO_TARGET_DIR", dir);
        }
        // A copy just written may be "busy" for a moment: another test's child, forked
        // while the copy was open for writing, holds it until it runs its own program.
        for _ in 0..100 {
            match command.output() {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                other => return other.unwrap(),
            }
        }
        panic!("{} stayed busy", ctray.display())
    };

    let built = place("project/target/release/ctray");
    let out = install(&built, None);
    assert_eq!(out.status.code(), Some(0), "installed all the same");
    let said = text(&out.stderr);
    assert!(said.contains("warning"), "{said}");
    assert!(said.contains(&built.display().to_string()), "{said}");
    assert!(said.contains("cargo clean"), "{said}");
    assert!(said.contains("~/.local/bin/ctray install codex"), "{said}");
    let hooks = std::fs::read_to_string(home.join(".codex/hooks.json")).unwrap();
    assert!(hooks.contains(&built.display().to_string()));

    let elsewhere = place("out/ctray");
    let out = install(&elsewhere, Some(&root.path().join("out")));
    assert!(
        text(&out.stderr).contains("cargo clean"),
        "under $CARGO_TARGET_DIR: {}",
        text(&out.stderr)
    );

    // From a stable place: no warning, and every hook (Codex's notify too) runs it now.
    let stable = place("bin/ctray");
    let out = install(&stable, None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "", "no warning");
    let hooks = std::fs::read_to_string(home.join(".codex/hooks.json")).unwrap();
    let config = std::fs::read_to_string(home.join(".codex/config.toml")).unwrap();
    for written in [&hooks, &config] {
        assert!(written.contains(&stable.display().to_string()), "{written}");
        assert!(!written.contains("target/release"), "{written}");
        assert!(!written.contains("/out/ctray"), "{written}");
    }
}

#[test]
fn install_says_how_long_approvals_wait_in_a_persons_units() {
    let home = tempfile::tempdir().unwrap();
    let out = ctray(home.path(), &["install", "claude"]);
    let said = text(&out.stdout);
    assert!(
        said.contains("Approvals wait 5 min for you in Converge Tray"),
        "{said}"
    );
    let out = ctray(home.path(), &["install", "cursor", "--timeout", "2h"]);
    assert!(text(&out.stdout).contains("Approvals wait 2 h for you"));
    // A timeout the app would refuse is refused here, before a hook that could never
    // ask is written.
    let out = ctray(home.path(), &["install", "copilot", "--timeout", "8d"]);
    assert_eq!(out.status.code(), Some(64));
    assert!(
        text(&out.stderr).contains("at most 7 days"),
        "{}",
        text(&out.stderr)
    );
    assert!(!home.path().join(".copilot").exists());
}

#[test]
fn a_plugin_of_the_persons_own_at_opencodes_path_comes_back_on_uninstall() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config");
    let plugin = config.join("opencode/plugin/ctray.js");
    std::fs::create_dir_all(plugin.parent().unwrap()).unwrap();
    let mine = "export const Mine = async () => ({})\n";
    std::fs::write(&plugin, mine).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ctray"))
            .args(args)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", &config)
            .output()
            .unwrap()
    };
    assert_eq!(run(&["install", "opencode"]).status.code(), Some(0));
    assert_ne!(std::fs::read_to_string(&plugin).unwrap(), mine);
    assert_eq!(run(&["uninstall", "opencode"]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&plugin).unwrap(), mine);
}
