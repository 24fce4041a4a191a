//! What grants cost an ask: a request of an agent with 1,000 live grants, none covering it
//! (every grant is loaded and tried), against the same with no grants, and a request one
//! of the 1,000 covers (approved at once). `cargo bench -p inbox --bench grants_bench`;
//! prints figures, asserts nothing about speed.

use std::time::{Duration, Instant};

use inbox::*;

const AGENT: &str = "claude-code:bench";
const GRANTS: usize = 1000;
const ROUNDS: usize = 500;

fn bash(agent: &str, command: &str) -> NewRequest {
    let input = serde_json::json!({ "command": command });
    NewRequest::new(
        agent,
        "Bash",
        command,
        &format!("{input}\ncwd: /home/dana/shop\n"),
    )
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (inbox, _) = Inbox::open(InboxConfig {
        durability: Durability::Normal,
        ..InboxConfig::at(dir.path().join("grants.db"))
    })
    .unwrap();
    let started = Instant::now();
    for i in 0..GRANTS {
        let command = format!("npm run task-{i}");
        let asked = inbox.ask(bash(AGENT, &command)).unwrap();
        let words = command.split(' ').map(String::from).collect();
        inbox
            .approve_and_grant(
                &asked.id,
                GrantSpec {
                    what: GrantWhat::CommandPrefix { words },
                    in_project: true,
                    duration: GrantFor::Hour,
                },
                Resolver::Popover,
            )
            .unwrap();
    }
    println!(
        "grants bench (release, SQLite WAL, synchronous=NORMAL): {GRANTS} grants made in {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let measure = |agent: &str, command: &str| {
        let mut times = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let started = Instant::now();
            let asked = inbox.ask(bash(agent, command)).unwrap();
            times.push(started.elapsed());
            if asked.is_pending() {
                inbox
                    .decide(&asked.id, Verdict::Deny { reason: None }, Resolver::Popover)
                    .unwrap();
            }
        }
        median(&mut times)
    };
    let none = measure("claude-code:other", "cargo build --release");
    let uncovered = measure(AGENT, "cargo build --release");
    let covered = measure(AGENT, "npm run task-999 --silent");
    println!("ask, agent with no grants:                     {none:>7.3} ms (median of {ROUNDS})");
    println!(
        "ask, agent with {GRANTS} live grants, none covers: {uncovered:>7.3} ms (+{:.3} ms)",
        uncovered - none
    );
    println!("ask approved by the last of {GRANTS} grants:      {covered:>7.3} ms");
}

fn median(times: &mut [Duration]) -> f64 {
    times.sort();
    times[times.len() / 2].as_secs_f64() * 1000.0
}
