#![allow(dead_code)] // each test file uses its own share of these helpers

use std::path::PathBuf;
use std::sync::Arc;

use inbox::{Durability, Inbox, InboxConfig, ManualClock, NewRequest};

/// 2026-11-24 05:33:06 UTC
pub const T0: i64 = 1_795_498_386_000;

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub clock: ManualClock,
    pub inbox: Inbox,
}

impl Fixture {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::starting_at(T0);
        let inbox = open(&db_path(&dir), &clock);
        Self { dir, clock, inbox }
    }

    pub fn db(&self) -> PathBuf {
        db_path(&self.dir)
    }

    /// Drops the inbox and opens the same file again, as after an app restart.
    pub fn restart(&mut self) {
        let path = self.db();
        self.inbox = open(&path, &self.clock);
    }
}

pub fn db_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("data").join("inbox.db")
}

pub fn config(path: &std::path::Path) -> InboxConfig {
    InboxConfig {
        durability: Durability::Normal,
        ..InboxConfig::at(path)
    }
}

pub fn open(path: &std::path::Path, clock: &ManualClock) -> Inbox {
    let (inbox, report) = Inbox::open_with_clock(config(path), Arc::new(clock.clone())).unwrap();
    assert_eq!(
        report.moved_aside, None,
        "a healthy store must open as it is"
    );
    inbox
}

pub fn ask(agent: &str, title: &str) -> NewRequest {
    NewRequest::new(agent, "Bash", title, &format!("run: {title}"))
}
