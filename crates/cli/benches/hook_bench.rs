//! What a hook call costs the agent: the real `ctray hook claude` (a process per call, as
//! Claude Code runs it) against the real server and inbox (durable writes, as the app has
//! them), for the non-blocking reports (PreToolUse, PostToolUse) and for the end of a turn,
//! which also reads the session's transcript for its token use. Prints numbers; asserts
//! nothing.
//!
//! `cargo bench -p ctray --bench hook_bench`. docs/performance.md has the figures.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use inbox::{Durability, Inbox, InboxConfig};
use serde_json::json;

const CALLS: usize = 200;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let socket = dir.path().join("run").join("api.sock");
    runtime.block_on(async {
        let (inbox, _) = Inbox::start(InboxConfig {
            durability: Durability::Full,
            ..InboxConfig::at(dir.path().join("inbox.db"))
        })
        .unwrap();
        let listener = api::bind(&socket).unwrap();
        tokio::spawn(api::serve(listener, inbox, api::ServerConfig::default()));
    });
    let cache = dir.path().join("cache");
    println!("hook bench: `ctray hook claude`, one process per call, {CALLS} calls each");
    let version = time(CALLS, || run(&socket, &["--version"], ""));
    print("ctray --version (process start alone)", &version);

    let session = "5f0c2a51-bench-0000-0000-000000000001";
    let pre = json!({
        "session_id": session, "transcript_path": "", "cwd": "/tmp",
        "hook_event_name": "PreToolUse", "tool_name": "Bash",
        "tool_input": {"command": "cargo test --workspace", "description": "Run the tests"},
    })
    .to_string();
    print(
        "PreToolUse (report: working on the call)",
        &time(CALLS, || run(&socket, &["hook", "claude"], &pre)),
    );
    let post = pre.replace("PreToolUse", "PostToolUse");
    print(
        "PostToolUse (report, close a card answered in the terminal)",
        &time(CALLS, || run(&socket, &["hook", "claude"], &post)),
    );
    for megabytes in [1, 20] {
        let transcript = dir.path().join(format!("transcript-{megabytes}.jsonl"));
        write_transcript(&transcript, megabytes);
        let stop = json!({
            "session_id": session, "transcript_path": transcript, "cwd": "/tmp",
            "hook_event_name": "Stop", "stop_hook_active": false,
            "last_assistant_message": "Done.",
        })
        .to_string();
        let progress = cache
            .join("converge-tray/transcripts")
            .join(format!("transcript-{megabytes}.jsonl.json"));
        print(
            &format!("Stop, first read of a {megabytes} MB transcript (report, token use)"),
            &time(CALLS / 10, || {
                let _ = std::fs::remove_file(&progress);
                run(&socket, &["hook", "claude"], &stop)
            }),
        );
        print(
            &format!("Stop, a later turn of that {megabytes} MB transcript (reads what it added)"),
            &time(CALLS / 4, || {
                append_turn(&transcript);
                run(&socket, &["hook", "claude"], &stop)
            }),
        );
    }
}

/// A turn of about 20 KB: what a Stop after the first reads.
fn append_turn(path: &Path) {
    let mut file = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    let filler = "y".repeat(900);
    for n in 0..10 {
        let assistant = json!({"type": "assistant", "message": {
            "id": format!("msg_turn_{n}_{}", std::process::id()), "model": "claude-sonnet-4-5",
            "content": [{"type": "text", "text": filler}],
            "usage": {"input_tokens": 10, "output_tokens": 20}}});
        writeln!(
            file,
            "{}",
            json!({"type": "user", "message": {"content": filler}})
        )
        .unwrap();
        writeln!(file, "{assistant}").unwrap();
    }
}

/// Claude Code's shape: a user line and an assistant line with its usage, about 1 KB each.
fn write_transcript(path: &Path, megabytes: usize) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let filler = "x".repeat(900);
    let mut written = 0;
    let mut n = 0;
    while written < megabytes << 20 {
        let user = json!({"type": "user", "message": {"content": filler}}).to_string();
        let assistant = json!({"type": "assistant", "message": {
            "id": format!("msg_{n}"), "model": "claude-sonnet-4-5",
            "content": [{"type": "text", "text": filler}],
            "usage": {"input_tokens": 10, "output_tokens": 20, "cache_read_input_tokens": 300,
                      "cache_creation_input_tokens": 40}}})
        .to_string();
        writeln!(file, "{user}\n{assistant}").unwrap();
        written += user.len() + assistant.len() + 2;
        n += 1;
    }
}

fn run(socket: &Path, args: &[&str], stdin: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ctray"))
        .args(args)
        .env("CONVERGE_TRAY_SOCKET", socket)
        .env(
            "XDG_CACHE_HOME",
            socket.parent().unwrap().with_file_name("cache"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
}

fn time(calls: usize, mut call: impl FnMut()) -> Vec<Duration> {
    call(); // warm the page cache and the server
    let mut times: Vec<Duration> = (0..calls)
        .map(|_| {
            let started = Instant::now();
            call();
            started.elapsed()
        })
        .collect();
    times.sort();
    times
}

fn print(what: &str, times: &[Duration]) {
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;
    println!(
        "  {what}: median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        at(0.5),
        at(0.95),
        at(1.0)
    );
}
