//! `ctray` as scripts use it: the real binary against the real server and inbox.

mod common;

use common::{app, ctray, finish, text, wait_pending};
use inbox::{Outcome, Resolver, Verdict};

#[test]
fn approved_exits_0() {
    let app = app();
    let child = ctray(
        &app.socket,
        &[
            "ask",
            "Deploy to prod?",
            "--agent",
            "deploy.sh",
            "--details",
            "./deploy.sh --prod",
        ],
        None,
    );
    let request = wait_pending(&app.inbox);
    assert_eq!(request.title, "Deploy to prod?");
    assert_eq!(request.details, "./deploy.sh --prod");
    assert_eq!(request.agent_id, "script:deploy.sh");
    assert!(request
        .provenance
        .exe
        .as_deref()
        .unwrap()
        .ends_with("ctray"));
    app.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let out = finish(child);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn denied_exits_1_with_the_reason_on_stderr() {
    let app = app();
    let child = ctray(
        &app.socket,
        &["ask", "Drop the table?", "--details", "-"],
        Some("DROP TABLE users;\n"),
    );
    let request = wait_pending(&app.inbox);
    assert_eq!(
        request.details, "DROP TABLE users;\n",
        "details from stdin, verbatim"
    );
    app.inbox
        .decide(
            &request.id,
            Verdict::Deny {
                reason: Some("use a migration".into()),
            },
            Resolver::Shortcut,
        )
        .unwrap();
    let out = finish(child);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "ctray: denied (shortcut): use a migration\n"
    );
}

#[test]
fn timed_out_exits_2_and_json_prints_the_decision() {
    let app = app();
    let out = finish(ctray(
        &app.socket,
        &[
            "ask",
            "Quick?",
            "--timeout",
            "1s",
            "--on-timeout",
            "fallback",
            "--json",
        ],
        None,
    ));
    assert_eq!(out.status.code(), Some(2));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["resolution"]["outcome"], "timed-out");
    assert_eq!(printed["on_timeout"], "fallback");
    assert!(text(&out.stderr).contains("no decision within 1s"));
    let stored = app
        .inbox
        .request(printed["id"].as_str().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(stored.resolution.unwrap().outcome, Outcome::TimedOut);
}

#[test]
fn app_not_running_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let out = finish(ctray(
        &dir.path().join("nothing.sock"),
        &["ask", "Anyone?"],
        None,
    ));
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("is the app running?"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_usage_exits_64_and_asks_nothing() {
    let app = app();
    for args in [
        &["ask"][..],
        &["ask", "t", "--timeout", "soon"],
        &["approve", "x"],
    ] {
        let out = finish(ctray(&app.socket, args, None));
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        assert!(text(&out.stderr).contains("usage:"));
    }
    // The app refuses what the inbox refuses, with its message.
    let out = finish(ctray(&app.socket, &["ask", "t", "--timeout", "0s"], None));
    assert_eq!(out.status.code(), Some(64));
    assert!(
        text(&out.stderr).contains("invalid timeout"),
        "{}",
        text(&out.stderr)
    );
    assert!(app.inbox.pending().unwrap().is_empty());
}

#[test]
fn status_agents_and_pending_for_scripts() {
    let app = app();
    let out = finish(ctray(
        &app.socket,
        &[
            "status",
            "compiling",
            "--agent",
            "nightly",
            "--state",
            "working",
        ],
        None,
    ));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = finish(ctray(&app.socket, &["agents"], None));
    assert_eq!(text(&out.stdout), "script:nightly\tworking\t0\tcompiling\n");

    let asker = ctray(
        &app.socket,
        &["ask", "Ship it?", "--agent", "nightly"],
        None,
    );
    let request = wait_pending(&app.inbox);
    let out = finish(ctray(&app.socket, &["pending"], None));
    assert_eq!(
        text(&out.stdout),
        format!("{}\tscript:nightly\tShip it?\n", request.id)
    );
    app.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Window)
        .unwrap();
    assert_eq!(finish(asker).status.code(), Some(0));
}

#[test]
fn agent_text_cannot_drive_the_terminal() {
    let app = app();
    // A title that would clear the screen, retitle the terminal and reverse the text.
    let hostile = "ok\x1b[2J\x1b]0;pwned\x07\u{202e}txt.exe\nsecond line";
    let mut asking = ctray(
        &app.socket,
        &["ask", hostile, "--agent", "evil", "--timeout", "1m"],
        None,
    );
    wait_pending(&app.inbox);
    for args in [&["pending"][..], &["agents"][..]] {
        let out = finish(ctray(&app.socket, args, None));
        let printed = text(&out.stdout);
        assert!(
            !printed
                .chars()
                .any(|c| c == '\x1b' || c == '\x07' || c == '\u{202e}'),
            "ctray {args:?} printed raw control characters: {printed:?}"
        );
        assert_eq!(printed.lines().count(), 1, "one line per item: {printed:?}");
    }
    let pending = text(&finish(ctray(&app.socket, &["pending"], None)).stdout);
    assert!(
        pending.contains(r"ok\e[2J\e]0;pwned\x07\u{202e}txt.exe\nsecond line"),
        "the text is shown escaped, not dropped: {pending:?}"
    );
    let _ = asking.kill();
    let _ = asking.wait();
}

#[test]
fn audit_verify_reads_the_chain_and_names_an_edited_entry() {
    let app = app();
    let request = app
        .inbox
        .ask(inbox::NewRequest::new(
            "a",
            "Bash",
            "Deploy?",
            "./deploy.sh",
        ))
        .unwrap();
    app.inbox
        .decide(
            &request.id,
            Verdict::Deny { reason: None },
            Resolver::Popover,
        )
        .unwrap();
    let out = finish(ctray(&app.socket, &["audit", "verify"], None));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "audit log intact: 2 entries verified\n");

    // Someone turns the denial into an approval in the file itself.
    let db = rusqlite::Connection::open(app.db()).unwrap();
    db.execute_batch(
        "DROP TRIGGER audit_is_append_only_update;
         UPDATE audit SET outcome = 'approved' WHERE seq = 2;",
    )
    .unwrap();
    let out = finish(ctray(&app.socket, &["audit", "verify"], None));
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("entry 2 its content does not match its hash"),
        "{stderr}"
    );
    // Reading changed nothing: the same answer again.
    let again = finish(ctray(&app.socket, &["audit", "verify", "--json"], None));
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stdout).contains("\"seq\":2"));
}
