//! `kill -9` at any moment loses nothing that was acknowledged and corrupts nothing.
//!
//! The test re-runs this same test binary as a child that asks and decides as fast as it
//! can, printing each id once the inbox call returned; the parent kills it at varied
//! moments and reopens the store.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use inbox::*;

const CHILD_ENV: &str = "INBOX_CRASH_CHILD_DB";

#[test]
#[ignore = "the writer half of kill_9_mid_write_loses_nothing; runs as its child process"]
fn crash_child_writer() {
    let path = std::env::var(CHILD_ENV).expect("run by kill_9_mid_write_loses_nothing");
    let (inbox, _) = Inbox::open(InboxConfig::at(&path)).unwrap();
    let out = std::io::stdout();
    for i in 0.. {
        let req = inbox
            .ask(NewRequest::new(
                "writer",
                "Bash",
                &format!("write {i}"),
                &"d".repeat(2000),
            ))
            .unwrap();
        println!("asked {}", req.id);
        inbox
            .decide(&req.id, Verdict::Approve, Resolver::Popover)
            .unwrap();
        println!("decided {}", req.id);
        inbox
            .update_agent(AgentUpdate {
                id: "writer".into(),
                activity: Some(format!("wrote {i}")),
                ..Default::default()
            })
            .unwrap();
        use std::io::Write;
        out.lock().flush().unwrap();
    }
}

#[test]
fn kill_9_mid_write_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inbox.db");
    let mut total_asked = 0;
    // Varied kill moments: the child is somewhere different in its write cycle each time.
    for (round, acknowledged_before_kill) in [1usize, 7, 30, 55, 120, 200].into_iter().enumerate() {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "crash_child_writer",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut asked = Vec::new();
        let mut decided = Vec::new();
        let started = Instant::now();
        while decided.len() < acknowledged_before_kill {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "child too slow"
            );
            let line = lines.next().expect("child alive").unwrap();
            if let Some(id) = line.strip_prefix("asked ") {
                asked.push(id.to_owned());
            } else if let Some(id) = line.strip_prefix("decided ") {
                decided.push(id.to_owned());
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Whatever the child printed after our last read was also acknowledged.
        for line in lines.map_while(Result::ok) {
            if let Some(id) = line.strip_prefix("asked ") {
                asked.push(id.to_owned());
            } else if let Some(id) = line.strip_prefix("decided ") {
                decided.push(id.to_owned());
            }
        }

        let (inbox, report) = Inbox::open(InboxConfig::at(&path)).unwrap();
        assert_eq!(
            report.moved_aside, None,
            "round {round}: the store must survive kill -9"
        );
        assert_eq!(
            report.wal_kept_aside, None,
            "round {round}: a log torn by kill -9 is replayed, not reported as unreadable"
        );
        for id in &asked {
            assert!(
                inbox.request(id).unwrap().is_some(),
                "round {round}: asked {id} lost"
            );
        }
        for id in &decided {
            let r = inbox.request(id).unwrap().unwrap().resolution;
            assert_eq!(
                r.map(|r| r.outcome),
                Some(Outcome::Approved),
                "round {round}: decision on {id} lost"
            );
        }
        let chain = inbox.verify_audit().unwrap();
        assert_eq!(chain.first_broken, None, "round {round}");
        // At most the one request in flight at the kill is still pending; it stays decidable.
        let pending = inbox.pending().unwrap();
        assert!(pending.len() <= 1, "round {round}: {pending:?}");
        for req in pending {
            inbox
                .decide(&req.id, Verdict::Deny { reason: None }, Resolver::Popover)
                .unwrap();
        }
        total_asked += asked.len();
        let entries = inbox.verify_audit().unwrap().entries as usize;
        assert!(
            entries >= 2 * total_asked,
            "round {round}: {entries} entries for {total_asked} requests"
        );
    }
}
