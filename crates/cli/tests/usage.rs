//! What a person typing ctray is told: each command's own help, and for a slip of the
//! keyboard the command or agent that was probably meant. The real binary, no app needed.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn ctray(args: &[&str]) -> Output {
    ctray_with_stdin(args, Stdio::null())
}

fn ctray_with_stdin(args: &[&str], stdin: impl Into<Stdio>) -> Output {
    let home = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_ctray"))
        .args(args)
        // Nothing it might touch is the machine's own.
        .env("HOME", home.path())
        .env("CONVERGE_TRAY_SOCKET", home.path().join("no-app.sock"))
        .env_remove("CLAUDE_CONFIG_DIR")
        .env_remove("CODEX_HOME")
        .stdin(stdin)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const COMMANDS: &[&str] = &[
    "ask",
    "status",
    "agents",
    "pending",
    "audit",
    "jobs",
    "job",
    "hook",
    "install",
    "uninstall",
    "remote",
];

#[test]
fn every_command_has_its_own_help() {
    for command in COMMANDS {
        let page = ctray(&["help", command]);
        assert_eq!(page.status.code(), Some(0), "help {command}");
        let shown = text(&page.stdout);
        assert!(
            shown.starts_with(&format!("usage: ctray {command}")),
            "help {command}: {shown}"
        );
        assert!(shown.contains("\noptions:\n"), "help {command}: {shown}");
        assert!(page.stderr.is_empty(), "{}", text(&page.stderr));
        for flag in ["--help", "-h"] {
            let out = ctray(&[command, flag]);
            assert_eq!(out.status.code(), Some(0), "{command} {flag}");
            assert_eq!(text(&out.stdout), shown, "{command} {flag}");
        }
    }
    // After the command's own words too, and for one of its options: its page.
    let ask = text(&ctray(&["ask", "Deploy?", "--timeout", "5m", "--help"]).stdout);
    assert!(ask.contains("  --timeout DURATION"), "{ask}");
    assert!(ask.contains("  --on-timeout deny|fallback"), "{ask}");
    let setup = ctray(&["remote", "setup", "--help"]);
    assert_eq!(setup.status.code(), Some(0));
    assert!(text(&setup.stdout).contains("--remote-home DIR"));
    // A value that looks like help is the value.
    let out = ctray(&["ask", "t", "--details", "--help", "--json"]);
    assert_eq!(out.status.code(), Some(3), "it asked (no app here)");
}

#[test]
fn the_hook_shows_its_help_too() {
    // An agent never asks a hook for help; a person trying it out does.
    let out = ctray(&["hook", "claude", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("usage: ctray hook "));
}

#[test]
fn help_with_no_command_lists_them_all() {
    for args in [&["help"][..], &["--help"], &["-h"]] {
        let out = ctray(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let shown = text(&out.stdout);
        for command in COMMANDS {
            assert!(
                shown.contains(&format!("\n  ctray {command} ")),
                "{command}: {shown}"
            );
        }
    }
}

#[test]
fn a_mistyped_command_gets_the_one_meant() {
    for (typed, meant) in [
        ("pendng", "pending"),
        ("agent", "agents"),
        ("statsu", "status"),
        ("instal", "install"),
        ("unistall", "uninstall"),
    ] {
        let out = ctray(&[typed]);
        assert_eq!(out.status.code(), Some(64), "{typed}");
        let said = text(&out.stderr);
        assert!(
            said.starts_with(&format!(
                "ctray: unknown command \"{typed}\" (did you mean {meant}?)\n"
            )),
            "{said}"
        );
        assert!(said.contains("usage:"), "{said}");
        assert!(out.stdout.is_empty());
    }
    // Nothing close: no guess, the commands listed.
    let said = text(&ctray(&["deploy"]).stderr);
    assert!(!said.contains("did you mean"), "{said}");
    assert!(said.contains("pending"), "{said}");
    let out = ctray(&["help", "pendng"]);
    assert_eq!(out.status.code(), Some(64));
    assert!(text(&out.stderr).contains("did you mean pending?"));
}

#[test]
fn a_mistyped_agent_gets_the_one_meant_and_nothing_is_written() {
    let home = tempfile::tempdir().unwrap();
    for (args, meant) in [
        (&["install", "claud"][..], "claude"),
        (&["install", "copliot", "--timeout", "10m"], "copilot"),
        (&["uninstall", "codx"], "codex"),
        (&["install", "Cursor"], "cursor"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_ctray"))
            .args(args)
            .env("HOME", home.path())
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("CODEX_HOME")
            .env_remove("COPILOT_HOME")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        let said = text(&out.stderr);
        assert!(
            said.contains(&format!("(did you mean {meant}?)")),
            "{args:?}: {said}"
        );
        assert!(
            said.contains(&format!("usage: ctray {}", args[0])),
            "{said}"
        );
    }
    assert_eq!(
        std::fs::read_dir(home.path()).unwrap().count(),
        0,
        "no agent's settings were created"
    );
    // A mistyped option and sub-command too.
    let said = text(&ctray(&["ask", "t", "--timout", "5m"]).stderr);
    assert!(said.contains("(did you mean --timeout?)"), "{said}");
    let said = text(&ctray(&["audit", "verfy"]).stderr);
    assert!(said.contains("(did you mean verify?)"), "{said}");
}

#[test]
fn a_mistyped_hook_agent_is_said_to_a_person_and_never_to_an_agent() {
    // An agent runs its hook with a pipe on stdin: a hook never fails it
    // (docs/integrations.md), so nothing, exit 0.
    let out = ctray_with_stdin(&["hook", "claud"], Stdio::piped());
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());

    // A person trying it in a terminal is told.
    let (_terminal, person) = terminal();
    let out = ctray_with_stdin(&["hook", "claud"], person);
    assert_eq!(out.status.code(), Some(64), "{}", text(&out.stderr));
    let said = text(&out.stderr);
    assert!(said.contains("(did you mean claude?)"), "{said}");
    assert!(said.contains("usage: ctray hook"), "{said}");
}

/// A pseudo-terminal: its controlling side, and the side a program reads as a terminal.
fn terminal() -> (File, File) {
    use std::ffi::CStr;
    use std::os::fd::FromRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    // SAFETY: plain calls on the descriptor just opened, a buffer of the size given.
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY);
        assert!(master >= 0, "{}", std::io::Error::last_os_error());
        assert_eq!(libc::grantpt(master), 0);
        assert_eq!(libc::unlockpt(master), 0);
        let mut name = [0 as libc::c_char; 128];
        assert_eq!(libc::ptsname_r(master, name.as_mut_ptr(), name.len()), 0);
        let path = CStr::from_ptr(name.as_ptr()).to_str().unwrap().to_owned();
        let side = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open(Path::new(&path))
            .unwrap();
        (File::from_raw_fd(master), side)
    }
}
