//! Asks per second through the real socket server, with many clients at once. Each ask
//! blocks until decided; a task that follows the inbox's events decides each request the
//! moment it appears, standing in for a very fast person. Prints numbers; asserts nothing.
//!
//! `cargo bench -p api` (release profile). docs/performance.md has the figures.

use std::path::Path;
use std::time::{Duration, Instant};

use inbox::{Durability, Inbox, InboxConfig, InboxEventKind, Resolver, Update, Verdict};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;

const TOTAL_ASKS: usize = 4000;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    println!("api bench: blocking approval.ask over the Unix socket, decided at once");
    for durability in [Durability::Full, Durability::Normal] {
        for clients in [1, 10, 100] {
            runtime.block_on(run(durability, clients));
        }
    }
}

async fn run(durability: Durability, clients: usize) {
    let dir = tempfile::tempdir().unwrap();
    let (inbox, _) = Inbox::start(InboxConfig {
        durability,
        ..InboxConfig::at(dir.path().join("inbox.db"))
    })
    .unwrap();
    let socket = dir.path().join("api.sock");
    let listener = api::bind(&socket).unwrap();
    // Every client here is this one process; the per-process limits would cap the bench.
    let server = tokio::spawn(api::serve(
        listener,
        inbox.clone(),
        api::ServerConfig {
            max_connections_per_process: 1000,
            ..api::ServerConfig::default()
        },
    ));
    let decider = tokio::spawn(decide_everything(inbox.clone()));

    let per_client = TOTAL_ASKS / clients;
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|n| tokio::spawn(client(socket.clone(), n, per_client)))
        .collect();
    let mut latencies = Vec::with_capacity(TOTAL_ASKS);
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let percentile = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    println!(
        "  {durability:?} durability, {clients:>3} clients: {:>6.0} asks/s; ask → decided → answered p50 {:.2} ms, p99 {:.2} ms ({} asks)",
        latencies.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(0.5)),
        ms(percentile(0.99)),
        latencies.len()
    );
    decider.abort();
    server.abort();
}

async fn decide_everything(inbox: Inbox) {
    let mut updates = inbox.subscribe();
    loop {
        match updates.next().await {
            Ok(Update::Event(event)) => {
                if let InboxEventKind::RequestCreated { request } = event.kind {
                    let _ = inbox.decide(&request.id, Verdict::Approve, Resolver::Popover);
                }
            }
            Ok(Update::Resync(snapshot)) => {
                for request in snapshot.pending {
                    let _ = inbox.decide(&request.id, Verdict::Approve, Resolver::Popover);
                }
            }
            Err(_) => return,
        }
    }
}

/// One agent asking `count` times in a row; returns each ask's round trip.
async fn client(socket: impl AsRef<Path>, n: usize, count: usize) -> Vec<Duration> {
    let stream = UnixStream::connect(socket).await.unwrap();
    let (reader, mut writer) = stream.into_split();
    let mut lines = BufReader::new(reader).lines();
    let mut latencies = Vec::with_capacity(count);
    for id in 0..count {
        let request = json!({
            "jsonrpc": "2.0", "id": id, "method": "approval.ask",
            "params": { "agent_id": format!("bench-{n}"), "title": "Run the migration?",
                        "details": "psql -f migrate.sql", "timeout_ms": 60_000 },
        });
        let started = Instant::now();
        writer
            .write_all(format!("{request}\n").as_bytes())
            .await
            .unwrap();
        loop {
            let line = lines.next_line().await.unwrap().expect("server closed");
            let message: Value = serde_json::from_str(&line).unwrap();
            if message["id"] == json!(id) {
                assert_eq!(message["result"]["resolution"]["outcome"], "approved");
                break;
            }
        }
        latencies.push(started.elapsed());
    }
    latencies
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
