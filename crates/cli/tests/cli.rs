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
fn status_agents_and_pending_for_people_and_scripts() {
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
    assert_eq!(
        text(&out.stdout),
        "AGENT           STATE    PENDING  SEEN      ACTIVITY\n\
         script:nightly  working  0        just now  compiling\n"
    );

    let asker = ctray(
        &app.socket,
        &["ask", "Ship it?", "--agent", "nightly"],
        None,
    );
    let request = wait_pending(&app.inbox);
    let out = finish(ctray(&app.socket, &["pending"], None));
    let id = &request.id;
    let pad = " ".repeat(id.len() - 2);
    assert_eq!(
        text(&out.stdout),
        format!(
            "ID{pad}  AGENT           ASKED     TITLE\n{id}  script:nightly  just now  Ship it?\n"
        )
    );

    // --json stays what scripts read: each object as the API has it, one per line.
    let out = finish(ctray(&app.socket, &["pending", "--json"], None));
    let pending = app.inbox.pending().unwrap();
    assert_eq!(
        text(&out.stdout),
        format!("{}\n", serde_json::to_string(&pending[0]).unwrap())
    );
    let out = finish(ctray(&app.socket, &["agents", "--json"], None));
    let agents = app.inbox.agents().unwrap();
    assert_eq!(
        text(&out.stdout),
        format!("{}\n", serde_json::to_string(&agents[0]).unwrap())
    );
    app.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Window)
        .unwrap();
    assert_eq!(finish(asker).status.code(), Some(0));
}

#[test]
fn ages_are_said_in_minutes_and_hours() {
    let app = app();
    let out = finish(ctray(&app.socket, &["pending"], None));
    assert_eq!(text(&out.stdout), "no approvals waiting\n");
    let asker = ctray(
        &app.socket,
        &["ask", "Rotate keys?", "--agent", "ops"],
        None,
    );
    let request = wait_pending(&app.inbox);
    // Asked three minutes ago, heard from two hours ago, as the app's file would say.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let db = rusqlite::Connection::open(app.db()).unwrap();
    let changed = db
        .execute(
            "UPDATE requests SET created_at = ?1 WHERE id = ?2",
            rusqlite::params![now - 3 * 60_000 - 5_000, request.id],
        )
        .unwrap();
    assert_eq!(changed, 1);
    db.execute(
        "UPDATE agents SET last_seen = ?1 WHERE id = 'script:ops'",
        rusqlite::params![now - 2 * 3_600_000 - 5_000],
    )
    .unwrap();
    drop(db);
    let pending = text(&finish(ctray(&app.socket, &["pending"], None)).stdout);
    assert!(pending.contains("  3 min ago  Rotate keys?"), "{pending}");
    let agents = text(&finish(ctray(&app.socket, &["agents"], None)).stdout);
    assert!(agents.contains("  2 h ago"), "{agents}");
    app.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Window)
        .unwrap();
    assert_eq!(finish(asker).status.code(), Some(0));
}

#[test]
fn status_without_text_says_how_the_app_is() {
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
    let out = finish(ctray(
        &app.socket,
        &["status", "resting", "--agent", "lint", "--state", "idle"],
        None,
    ));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let asker = ctray(&app.socket, &["ask", "Ship it?", "--agent", "deploy"], None);
    let request = wait_pending(&app.inbox);

    let out = finish(ctray(&app.socket, &["status"], None));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    let first = said.lines().next().unwrap();
    assert!(
        first.starts_with("Converge Tray ") && first.ends_with(" is running"),
        "{said}"
    );
    assert!(
        said.contains("3 agents: 1 working, 1 waiting for approval, 1 idle\n"),
        "{said}"
    );
    assert!(said.contains("  script:nightly  working"), "{said}");
    assert!(said.contains("compiling"), "{said}");
    assert!(
        said.contains("1 approval waiting, asked just now"),
        "{said}"
    );
    app.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Window)
        .unwrap();
    assert_eq!(finish(asker).status.code(), Some(0));

    // With no app: said on stdout, exit 3, as for every command that needs it.
    let dir = tempfile::tempdir().unwrap();
    let out = finish(ctray(&dir.path().join("nothing.sock"), &["status"], None));
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stdout).starts_with("Converge Tray is not running"),
        "{}",
        text(&out.stdout)
    );
    // The options of a report need its text.
    let out = finish(ctray(&app.socket, &["status", "--state", "idle"], None));
    assert_eq!(out.status.code(), Some(64));
    assert!(
        text(&out.stderr).contains("go with a TEXT"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn ctrl_c_while_waiting_withdraws_the_request_at_once() {
    let app = app();
    let mut asker = ctray(
        &app.socket,
        &[
            "ask",
            "Deploy to prod?",
            "--agent",
            "deploy.sh",
            "--timeout",
            "10m",
        ],
        None,
    );
    let request = wait_pending(&app.inbox);
    // SAFETY: a signal to the child this test started and has not waited for yet.
    assert_eq!(unsafe { libc::kill(asker.id() as i32, libc::SIGINT) }, 0);
    let status = asker.wait().unwrap();
    // Checked the moment ctray is gone: well inside the 5 s after which the app would
    // close the request of a vanished asker by itself.
    let stored = app.inbox.request(&request.id).unwrap().unwrap();
    let resolution = stored.resolution.expect("no longer pending");
    assert_eq!(resolution.outcome, Outcome::Cancelled);
    assert_eq!(resolution.by, Resolver::Requester);
    assert!(app.inbox.pending().unwrap().is_empty());
    let mut stderr = String::new();
    std::io::Read::read_to_string(asker.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{status:?} {stderr}");
    assert_eq!(stderr, "ctray: cancelled: Deploy to prod?\n");
}

#[test]
fn timeouts_are_refused_in_a_persons_units() {
    let app = app();
    let out = finish(ctray(
        &app.socket,
        &["ask", "Wait long?", "--timeout", "30d"],
        None,
    ));
    assert_eq!(out.status.code(), Some(64));
    let said = text(&out.stderr);
    assert!(said.contains("at most 7 days"), "{said}");
    assert!(!said.contains("604800"), "{said}");
    let out = finish(ctray(
        &app.socket,
        &["ask", "Now?", "--timeout", "0s"],
        None,
    ));
    assert!(
        text(&out.stderr).contains("the shortest is 1 s"),
        "{}",
        text(&out.stderr)
    );
    assert!(app.inbox.pending().unwrap().is_empty());
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
        assert_eq!(
            printed.lines().count(),
            2,
            "a header, then one line per item: {printed:?}"
        );
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
