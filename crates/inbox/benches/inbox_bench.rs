//! Inbox throughput and history latency at 100,000 audit entries.
//!
//! `cargo bench -p inbox` (release profile). Prints figures; asserts nothing about speed.
//! `INBOX_BENCH_ENTRIES` changes the history size (default 100000).

use std::time::{Duration, Instant};

use inbox::*;

fn main() {
    // `cargo bench` passes `--bench`; cargo test runs benches with no args only if asked.
    let entries: usize = std::env::var("INBOX_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().unwrap();
    println!(
        "inbox benchmark (release build, SQLite WAL, temp dir {})",
        dir.path().display()
    );
    println!();

    for (durability, pairs) in [(Durability::Full, 1000), (Durability::Normal, 5000)] {
        let path = dir.path().join(format!("throughput-{durability:?}.db"));
        let (inbox, _) = Inbox::open(InboxConfig {
            durability,
            ..InboxConfig::at(&path)
        })
        .unwrap();
        let started = Instant::now();
        for i in 0..pairs {
            let req = inbox.ask(request(i)).unwrap();
            inbox
                .decide(&req.id, Verdict::Approve, Resolver::Popover)
                .unwrap();
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "ask+decide, synchronous={durability:?}: {:>8.0} requests/s created and decided ({pairs} in {secs:.2}s, {:.3} ms per pair)",
            pairs as f64 / secs,
            secs * 1000.0 / pairs as f64
        );
    }

    let path = dir.path().join("history.db");
    let (inbox, _) = Inbox::open(InboxConfig {
        durability: Durability::Normal,
        ..InboxConfig::at(&path)
    })
    .unwrap();
    let started = Instant::now();
    for i in 0..entries / 2 {
        let req = inbox.ask(request(i)).unwrap();
        let verdict = if i % 3 == 0 {
            Verdict::Deny {
                reason: Some("not now".into()),
            }
        } else {
            Verdict::Approve
        };
        inbox.decide(&req.id, verdict, Resolver::Shortcut).unwrap();
    }
    println!(
        "filled {entries} audit entries in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    drop(inbox);
    let size = std::fs::metadata(&path).unwrap().len()
        + std::fs::metadata(path.with_extension("db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    println!("database size: {:.1} MiB", size as f64 / 1_048_576.0);

    let started = Instant::now();
    let (inbox, _) = Inbox::open(InboxConfig::at(&path)).unwrap();
    println!(
        "open (integrity quick_check + migrations) at {entries} entries: {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let now = inbox.now();
    let middle_seq = (entries / 2) as i64;

    println!();
    println!(
        "{:<52} {:>10} {:>10} {:>8}",
        "history query (page of 50)", "median ms", "p95 ms", "rows"
    );
    let queries: Vec<(&str, HistoryQuery)> = vec![
        ("newest page, no filter", HistoryQuery::default()),
        (
            "agent filter",
            HistoryQuery {
                agent_id: Some("agent-7".into()),
                ..Default::default()
            },
        ),
        (
            "outcome = denied",
            HistoryQuery {
                outcome: Some(Outcome::Denied),
                ..Default::default()
            },
        ),
        ("text, common (\"deploy\")", text("deploy")),
        ("text, rare (one entry pair)", text("ticket-49999")),
        ("text, absent (full scan)", text("no such text anywhere")),
        (
            "time range (last 10 minutes)",
            HistoryQuery {
                from: Some(now - 600_000),
                ..Default::default()
            },
        ),
        (
            "deep page (before the middle entry)",
            HistoryQuery {
                before_seq: Some(middle_seq),
                ..Default::default()
            },
        ),
        (
            "agent + outcome + text",
            HistoryQuery {
                agent_id: Some("agent-3".into()),
                outcome: Some(Outcome::Approved),
                text: Some("migrate".into()),
                ..Default::default()
            },
        ),
    ];
    for (name, query) in queries {
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..25 {
            let started = Instant::now();
            rows = inbox.history(&query).unwrap().entries.len();
            times.push(started.elapsed());
        }
        let (median, p95) = percentiles(&mut times);
        println!("{name:<52} {median:>10.2} {p95:>10.2} {rows:>8}");
    }

    let started = Instant::now();
    let report = inbox.verify_audit().unwrap();
    assert_eq!(report.first_broken, None);
    println!();
    println!(
        "verify the whole chain ({} entries): {:.0} ms",
        report.entries,
        started.elapsed().as_secs_f64() * 1000.0
    );
}

fn request(i: usize) -> NewRequest {
    let verbs = ["deploy", "migrate", "delete", "push", "install"];
    let verb = verbs[i % verbs.len()];
    NewRequest {
        details: format!(
            "{verb} --target staging-{} --ticket ticket-{i} \\\n  --config /home/dev/project/config/{verb}.toml --dry-run=false # {}",
            i % 17,
            "x".repeat(180)
        ),
        ..NewRequest::new(&format!("agent-{}", i % 10), "Bash", &format!("{verb} service {}", i % 50), "")
    }
}

fn text(t: &str) -> HistoryQuery {
    HistoryQuery {
        text: Some(t.into()),
        ..Default::default()
    }
}

fn percentiles(times: &mut [Duration]) -> (f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(times[times.len() / 2]),
        ms(times[times.len() * 95 / 100]),
    )
}
