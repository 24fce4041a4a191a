//! The SQLite file: unreadable files are moved aside, migrations are versioned, the audit
//! log is append-only and tamper-evident, and history can be searched and paged.

mod common;

use std::fs;

use common::*;
use inbox::*;
use rusqlite::Connection;

fn open_reporting(path: &std::path::Path) -> (Inbox, OpenReport) {
    Inbox::open(config(path)).unwrap()
}

fn moved_aside_for(path: &std::path::Path, original: &[u8]) -> MovedAside {
    let (inbox, report) = open_reporting(path);
    let moved = report
        .moved_aside
        .expect("the unusable file is moved aside");
    assert!(
        fs::read(&moved.to).unwrap() == original,
        "the old file is kept intact"
    );
    assert!(moved
        .to
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("inbox.db.unreadable-"));
    // The app carries on with a fresh, working store.
    let req = inbox.ask(ask("a", "after recovery")).unwrap();
    assert_eq!(inbox.pending().unwrap(), vec![req]);
    moved
}

#[test]
fn a_garbage_file_is_moved_aside_and_a_fresh_store_starts() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let garbage = b"this is not a database, it is a shopping list\n".repeat(200);
    fs::write(&path, &garbage).unwrap();
    let moved = moved_aside_for(&path, &garbage);
    assert!(moved.reason.contains("not a database"), "{}", moved.reason);
}

#[test]
fn a_damaged_database_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    {
        let fx_inbox = Inbox::open(config(&path)).unwrap().0;
        for i in 0..200 {
            let agent = format!("agent-{}", i % 10);
            fx_inbox
                .ask(ask(&agent, &format!("request {i} {}", "x".repeat(400))))
                .unwrap();
        }
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    }
    // Scribble over the middle of the file, where table b-tree pages live.
    let mut bytes = fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 8192] {
        *b = 0xA5;
    }
    fs::write(&path, &bytes).unwrap();
    let moved = moved_aside_for(&path, &bytes);
    assert!(!moved.reason.is_empty());
}

#[test]
fn another_applications_database_is_never_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE recipes (name TEXT); INSERT INTO recipes VALUES ('soup');",
        )
        .unwrap();
    }
    let original = fs::read(&path).unwrap();
    let moved = moved_aside_for(&path, &original);
    assert_eq!(moved.reason, "it is an SQLite file of another application");
}

#[test]
fn a_database_from_a_newer_version_is_kept_not_destroyed() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    drop(Inbox::open(config(&path)).unwrap());
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
            .unwrap();
    }
    let original = fs::read(&path).unwrap();
    let moved = moved_aside_for(&path, &original);
    assert!(
        moved.reason.contains("newer Converge Tray"),
        "{}",
        moved.reason
    );
}

#[test]
fn an_unwritable_data_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("data");
    fs::write(&blocker, b"a file where the directory should be").unwrap();
    let err = Inbox::open(config(&blocker.join("inbox.db")))
        .err()
        .unwrap();
    assert!(
        err.to_string()
            .starts_with("cannot create the data directory"),
        "{err}"
    );
    // And the file in the way is left alone.
    assert_eq!(
        fs::read(&blocker).unwrap(),
        b"a file where the directory should be"
    );
}

#[test]
fn the_schema_is_versioned_and_reopening_changes_nothing() {
    let mut fx = Fixture::new();
    let req = fx.inbox.ask(ask("a", "x")).unwrap();
    fx.restart();
    fx.restart();
    let conn = Connection::open(fx.db()).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(fx.inbox.pending().unwrap(), vec![req]);
}

#[test]
fn the_audit_log_refuses_changes_and_verifies() {
    let fx = Fixture::new();
    let req = fx.inbox.ask(ask("a", "x")).unwrap();
    fx.inbox
        .decide(&req.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    assert_eq!(
        fx.inbox.verify_audit().unwrap(),
        ChainReport {
            entries: 2,
            first_broken: None
        }
    );
    let conn = Connection::open(fx.db()).unwrap();
    let err = conn
        .execute("UPDATE audit SET outcome = 'denied' WHERE seq = 2", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = conn.execute("DELETE FROM audit", []).unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

fn tampered_fixture(entries: usize) -> Fixture {
    let fx = Fixture::new();
    for i in 0..entries / 2 {
        let req = fx.inbox.ask(ask("a", &format!("request {i}"))).unwrap();
        fx.inbox
            .decide(&req.id, Verdict::Deny { reason: None }, Resolver::Popover)
            .unwrap();
    }
    let conn = Connection::open(fx.db()).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_is_append_only_update; DROP TRIGGER audit_is_append_only_delete;",
    )
    .unwrap();
    fx
}

#[test]
fn verify_names_the_first_edited_entry() {
    let fx = tampered_fixture(10);
    let conn = Connection::open(fx.db()).unwrap();
    // Someone turns a denial into an approval after the fact.
    conn.execute("UPDATE audit SET outcome = 'approved' WHERE seq = 6", [])
        .unwrap();
    let report = fx.inbox.verify_audit().unwrap();
    let broken = report.first_broken.expect("the edit shows");
    assert_eq!(broken.seq, 6);
    assert_eq!(broken.problem, "its content does not match its hash");
    assert_eq!(report.entries, 5, "entries before it still verify");
}

#[test]
fn verify_names_a_removed_entry() {
    let fx = tampered_fixture(10);
    let conn = Connection::open(fx.db()).unwrap();
    conn.execute("DELETE FROM audit WHERE seq = 4", []).unwrap();
    let broken = fx.inbox.verify_audit().unwrap().first_broken.unwrap();
    assert_eq!(broken.seq, 4);
    assert_eq!(broken.problem, "entry 4 is missing (next is 5)");
}

#[test]
fn verify_notices_an_entry_that_no_longer_links_to_its_predecessor() {
    let fx = tampered_fixture(10);
    let conn = Connection::open(fx.db()).unwrap();
    // Entry 5 relinked past entry 4, as if 4 had been spliced out.
    conn.execute(
        "UPDATE audit SET prev_hash = (SELECT hash FROM audit WHERE seq = 3) WHERE seq = 5",
        [],
    )
    .unwrap();
    let broken = fx.inbox.verify_audit().unwrap().first_broken.unwrap();
    assert_eq!(broken.seq, 5);
    assert_eq!(broken.problem, "does not link to the entry before it");
}

#[test]
fn every_request_and_resolution_is_in_the_audit_log() {
    let fx = Fixture::new();
    let req = fx
        .inbox
        .ask(NewRequest {
            provenance: Provenance {
                pid: Some(4242),
                uid: Some(1000),
                exe: Some("/usr/bin/claude".into()),
                remote: None,
                cwd: None,
            },
            ..ask("claude-1", "Run tests")
        })
        .unwrap();
    fx.clock.advance(1500);
    fx.inbox
        .decide(
            &req.id,
            Verdict::Deny {
                reason: Some("use the staging db".into()),
            },
            Resolver::Shortcut,
        )
        .unwrap();
    let page = fx.inbox.history(&HistoryQuery::default()).unwrap();
    let [resolved, requested] = page.entries.as_slice() else {
        panic!("two entries expected: {page:?}")
    };
    assert_eq!(requested.event, AuditEvent::Requested);
    assert_eq!(requested.at, T0);
    assert_eq!(
        requested.requester.as_deref(),
        Some("pid 4242 · uid 1000 · /usr/bin/claude")
    );
    assert_eq!(resolved.event, AuditEvent::Resolved);
    assert_eq!(resolved.at, T0 + 1500);
    assert_eq!(resolved.outcome, Some(Outcome::Denied));
    assert_eq!(resolved.decided_by, Some(Resolver::Shortcut));
    assert_eq!(resolved.reason.as_deref(), Some("use the staging db"));
    assert_eq!(resolved.details, "run: Run tests");
    assert_eq!(resolved.prev_hash, requested.hash);
}

fn history_fixture() -> Fixture {
    let fx = Fixture::new();
    for i in 0..30 {
        let agent = ["claude-1", "codex-1", "deploy-script"][i % 3];
        let req = fx
            .inbox
            .ask(NewRequest {
                details: format!(
                    "step {i}: {}",
                    if i == 17 {
                        "DROP TABLE users_100%"
                    } else {
                        "ls"
                    }
                ),
                ..ask(agent, &format!("task {i}"))
            })
            .unwrap();
        fx.clock.advance(1000);
        let verdict = if i % 2 == 0 {
            Verdict::Approve
        } else {
            Verdict::Deny { reason: None }
        };
        fx.inbox
            .decide(&req.id, verdict, Resolver::Popover)
            .unwrap();
        fx.clock.advance(1000);
    }
    fx
}

#[test]
fn history_filters_by_agent_outcome_text_and_time() {
    let fx = history_fixture();
    let query = |q: HistoryQuery| fx.inbox.history(&q).unwrap().entries;

    let codex = query(HistoryQuery {
        agent_id: Some("codex-1".into()),
        ..Default::default()
    });
    assert_eq!(codex.len(), 20);
    assert!(codex.iter().all(|e| e.agent_id == "codex-1"));

    let approved = query(HistoryQuery {
        outcome: Some(Outcome::Approved),
        ..Default::default()
    });
    assert_eq!(approved.len(), 15);
    assert!(approved
        .iter()
        .all(|e| e.outcome == Some(Outcome::Approved)));

    // Case-insensitive substring, with LIKE's wildcards taken literally.
    let dropped = query(HistoryQuery {
        text: Some("drop table users_100%".into()),
        ..Default::default()
    });
    assert_eq!(dropped.len(), 2);
    assert!(dropped.iter().all(|e| e.title == "task 17"));
    assert!(query(HistoryQuery {
        text: Some("users_1000".into()),
        ..Default::default()
    })
    .is_empty());

    // Requests 5..10 were made in [T0 + 10s, T0 + 20s).
    let window = query(HistoryQuery {
        event: Some(AuditEvent::Requested),
        from: Some(T0 + 10_000),
        to: Some(T0 + 20_000),
        ..Default::default()
    });
    let titles: Vec<_> = window.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["task 9", "task 8", "task 7", "task 6", "task 5"]);
}

#[test]
fn history_pages_cover_everything_once_newest_first() {
    let fx = history_fixture();
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = fx
            .inbox
            .history(&HistoryQuery {
                limit: 7,
                before_seq: before,
                ..Default::default()
            })
            .unwrap();
        assert!(page.entries.len() <= 7);
        seen.extend(page.entries.iter().map(|e| e.seq));
        match page.next_before {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, (1..=60).rev().collect::<Vec<i64>>());
}

/// The files an app killed mid-run leaves: the database and its write-ahead log, copied
/// while the inbox that wrote them is still open (nothing checkpointed).
fn crashed_copy(fx: &Fixture, to: &std::path::Path) -> std::path::PathBuf {
    fs::create_dir_all(to).unwrap();
    let db = to.join("inbox.db");
    fs::copy(fx.db(), &db).unwrap();
    fs::copy(
        fx.db().with_file_name("inbox.db-wal"),
        to.join("inbox.db-wal"),
    )
    .unwrap();
    db
}

#[test]
fn a_write_ahead_log_that_cannot_be_replayed_is_kept_and_reported() {
    let fx = Fixture::new();
    for i in 0..3 {
        fx.inbox.ask(ask("a", &format!("waiting {i}"))).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();

    // A healthy log after a crash is replayed: nothing lost, nothing reported.
    let healthy = crashed_copy(&fx, &dir.path().join("healthy"));
    let (inbox, report) = open_reporting(&healthy);
    assert_eq!(inbox.pending().unwrap().len(), 3);
    assert_eq!(report.wal_kept_aside, None);
    drop(inbox);

    // Junk over the log: SQLite would drop it without a word. It is kept, and said.
    let broken = crashed_copy(&fx, &dir.path().join("broken"));
    let wal = broken.with_file_name("inbox.db-wal");
    let junk: Vec<u8> = (0..fs::metadata(&wal).unwrap().len())
        .map(|i| (i * 7 % 251) as u8)
        .collect();
    fs::write(&wal, &junk).unwrap();
    let (_inbox, report) = open_reporting(&broken);
    let kept = report
        .wal_kept_aside
        .expect("the unreadable log is reported");
    assert_eq!(kept.reason, "it does not start like a write-ahead log");
    assert_eq!(fs::read(&kept.to).unwrap(), junk, "kept byte for byte");
    assert!(kept
        .to
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("inbox.db-wal.unreadable-"));
}

#[test]
fn a_write_ahead_log_with_a_damaged_header_is_kept_too() {
    let fx = Fixture::new();
    fx.inbox.ask(ask("a", "waiting")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = crashed_copy(&fx, dir.path());
    let wal = db.with_file_name("inbox.db-wal");
    let mut bytes = fs::read(&wal).unwrap();
    bytes[12] ^= 0xff; // the checkpoint sequence number, covered by the header checksum
    fs::write(&wal, &bytes).unwrap();
    let (_inbox, report) = open_reporting(&db);
    assert_eq!(
        report.wal_kept_aside.map(|k| k.reason).as_deref(),
        Some("its header does not match its checksum")
    );
}

#[test]
fn risk_is_assessed_on_arrival_stored_and_kept_across_a_restart() {
    let mut fx = Fixture::new();
    let risky = fx
        .inbox
        .ask(NewRequest::new(
            "a",
            "Bash",
            "Bash: rm -rf build",
            "rm -rf build",
        ))
        .unwrap();
    assert_eq!(risky.risk.level, RiskLevel::High);
    assert_eq!(
        risky.risk.rule.as_deref(),
        Some("deletes files recursively")
    );
    let plain = fx.inbox.ask(ask("a", "cargo test")).unwrap();
    assert_eq!(plain.risk, Risk::default());
    fx.restart();
    assert_eq!(
        fx.inbox.request(&risky.id).unwrap().unwrap().risk,
        risky.risk
    );
    assert_eq!(fx.inbox.pending().unwrap()[0].risk, risky.risk);

    // The user's rules apply to what arrives afterwards.
    fx.inbox.set_risk_rules(
        RiskRules::with_user_rules(
            r#"{"rules":[{"name":"touches billing","level":"high","contains":["billing"]}]}"#,
        )
        .unwrap(),
    );
    let billing = fx.inbox.ask(ask("a", "restart billing")).unwrap();
    assert_eq!(billing.risk.rule.as_deref(), Some("touches billing"));
}

#[test]
fn a_database_of_schema_1_is_migrated_and_its_requests_count_as_low_risk() {
    let dir = tempfile::tempdir().unwrap();
    let path = db_path(&dir);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    {
        // As the first release left it: schema 1, one pending request.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../src/migrations/0001_initial.sql"))
            .unwrap();
        let app_id: i64 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .unwrap();
        assert_eq!(app_id, 0);
        conn.execute_batch(&format!(
            "PRAGMA application_id = {}; PRAGMA user_version = 1;",
            inbox::APPLICATION_ID
        ))
        .unwrap();
        conn.execute(
            "INSERT INTO requests (id, agent_id, action, title, details, created_at, deadline,
             on_timeout) VALUES ('old', 'a', 'Bash', 'rm -rf x', 'rm -rf x', 1, 2, 'deny')",
            [],
        )
        .unwrap();
    }
    let (inbox, report) = open_reporting(&path);
    assert_eq!(
        report.moved_aside, None,
        "a schema 1 file is migrated, not replaced"
    );
    let old = inbox.request("old").unwrap().expect("kept");
    assert_eq!(old.risk, Risk::default(), "assessed only on arrival");
    let version: i64 = Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}
