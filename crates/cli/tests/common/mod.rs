//! The real server and inbox in this process, and the real `ctray` binary against them.

#![allow(dead_code)] // each test file uses its own part of this

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use inbox::{Durability, Inbox, InboxConfig};

pub struct App {
    pub _dir: tempfile::TempDir,
    pub socket: PathBuf,
    pub inbox: Inbox,
    pub _runtime: tokio::runtime::Runtime,
}

pub fn app() -> App {
    app_with(api::ServerConfig::default())
}

/// The app, its server reading `config` (the person's settings as the API sees them).
pub fn app_with(config: api::ServerConfig) -> App {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let socket = dir.path().join("run").join("api.sock");
    let inbox = runtime.block_on(async {
        let (inbox, _) = Inbox::start(InboxConfig {
            durability: Durability::Normal,
            ..InboxConfig::at(dir.path().join("inbox.db"))
        })
        .unwrap();
        let listener = api::bind(&socket).unwrap();
        tokio::spawn(api::serve(listener, inbox.clone(), config));
        inbox
    });
    App {
        _dir: dir,
        socket,
        inbox,
        _runtime: runtime,
    }
}

impl App {
    /// The inbox's database file.
    pub fn db(&self) -> PathBuf {
        self._dir.path().join("inbox.db")
    }

    /// The inbox's agent with this id; panics if there is none.
    pub fn agent(&self, id: &str) -> inbox::Agent {
        self.inbox
            .agents()
            .unwrap()
            .into_iter()
            .find(|a| a.id == id)
            .unwrap_or_else(|| panic!("no agent {id}"))
    }
}

pub fn ctray(socket: &Path, args: &[&str], stdin: Option<&str>) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ctray"))
        .args(args)
        .env("CONVERGE_TRAY_SOCKET", socket)
        // What the hook keeps between runs stays in the test's own directory.
        .env(
            "XDG_CACHE_HOME",
            socket.parent().unwrap().with_file_name("cache"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        // A program that stops reading early (input over its limit, a bad option) closes
        // the pipe: that is its business, not a test failure.
        if let Err(e) = input.write_all(text.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
    }
    drop(input);
    child
}

pub fn wait_pending(inbox: &Inbox) -> inbox::ApprovalRequest {
    for _ in 0..500 {
        if let Some(request) = inbox.pending().unwrap().pop() {
            return request;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("ctray never asked")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn finish(child: std::process::Child) -> Output {
    child.wait_with_output().unwrap()
}
