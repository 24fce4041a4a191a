//! A package upgrade replaces `/usr/bin/converge-tray` while the old app runs: the old
//! process keeps its deleted file, and the kernel shows its executable as
//! `/usr/bin/converge-tray (deleted)`. This crate reads that from `/proc`:
//!
//! - [`replacement`]: has this program's file been replaced by a new one? The running app
//!   asks it now and then, and restarts into the new program when nothing waits.
//! - [`older_copies`] and [`stop`]: a new copy starting (from the launcher, at login, or
//!   restarted by the old one) ends the older copies of the same login session that still
//!   run a replaced file, so the single-instance hand-over reaches the new program, not the
//!   old. A copy in another session of the same user (another seat, display, bus or runtime
//!   directory) is that session's app and is left alone.
//!
//! - [`Arrivals`]: waits, without waking up now and then, for a file to be put at a path
//!   (the running app waits for its own), so [`replacement`] is asked only when one came.
//!
//! Elsewhere than Linux there is no `/proc`: nothing is ever found replaced.

#[cfg(target_os = "linux")]
mod arrivals;
#[cfg(target_os = "linux")]
pub use arrivals::Arrivals;

/// Without inotify nothing can be watched: whoever waits looks now and then instead.
#[cfg(not(target_os = "linux"))]
pub struct Arrivals;

#[cfg(not(target_os = "linux"))]
impl Arrivals {
    pub fn at(_path: &Path) -> std::io::Result<Self> {
        Err(std::io::ErrorKind::Unsupported.into())
    }

    pub fn wait(&mut self, _within: Option<Duration>) -> std::io::Result<bool> {
        Err(std::io::ErrorKind::Unsupported.into())
    }
}

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What the kernel appends to `/proc/<pid>/exe` once the file a process runs is unlinked.
const DELETED: &str = " (deleted)";

/// The path of the executable `/proc/<pid>/exe` names, and whether that file is gone.
fn executable_of(proc_dir: &Path) -> Option<(PathBuf, bool)> {
    let link = std::fs::read_link(proc_dir.join("exe")).ok()?;
    let text = link.to_str()?;
    Some(match text.strip_suffix(DELETED) {
        Some(path) => (PathBuf::from(path), true),
        None => (link.clone(), false),
    })
}

/// The new program at this process's path when its own file was replaced since it started
/// (unlinked, and a regular file is at the path again); `None` while it is still the same
/// file, or when it was deleted and nothing took its place.
pub fn replacement() -> Option<PathBuf> {
    let (path, deleted) = executable_of(Path::new("/proc/self"))?;
    (deleted && path.is_file()).then_some(path)
}

/// Where a process lives: its login session (the kernel's audit session, where the system
/// keeps one), its runtime directory and its session bus, as its environment said when it
/// started. Two copies of the app with the same are the same person's same session.
#[derive(Debug, PartialEq, Eq)]
struct Session {
    login: Option<String>,
    runtime_dir: Option<Vec<u8>>,
    bus: Option<Vec<u8>>,
}

/// The audit session id the kernel shows when none was set.
const NO_LOGIN_SESSION: &str = "4294967295";

fn session_of(proc_dir: &Path) -> Option<Session> {
    let environ = std::fs::read(proc_dir.join("environ")).ok()?;
    let variable = |name: &[u8]| {
        environ
            .split(|byte| *byte == 0)
            .find_map(|entry| entry.strip_prefix(name)?.strip_prefix(b"="))
            .map(<[u8]>::to_vec)
    };
    let login = std::fs::read_to_string(proc_dir.join("sessionid"))
        .ok()
        .map(|id| id.trim().to_owned())
        .filter(|id| id != NO_LOGIN_SESSION);
    Some(Session {
        login,
        runtime_dir: variable(b"XDG_RUNTIME_DIR"),
        bus: variable(b"DBUS_SESSION_BUS_ADDRESS"),
    })
}

/// The processes of this user and this login session (see [`Session`]), other than this one,
/// that run a replaced (deleted) copy of `exe`: older copies of this program still running
/// after an upgrade. A copy whose session cannot be read is not counted.
pub fn older_copies(exe: &Path) -> Vec<u32> {
    let me = std::process::id();
    let Some(my_session) = session_of(Path::new("/proc/self")) else {
        return Vec::new();
    };
    // SAFETY: getuid cannot fail and touches no memory.
    let uid = unsafe { libc::getuid() };
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut pids: Vec<u32> = entries
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            if pid == me {
                return None;
            }
            // /proc/<pid> belongs to the process's user; another user's exe is unreadable.
            let owner = std::os::unix::fs::MetadataExt::uid(&entry.metadata().ok()?);
            if owner != uid {
                return None;
            }
            let (path, deleted) = executable_of(&entry.path())?;
            (deleted && path == exe && session_of(&entry.path())? == my_session).then_some(pid)
        })
        .collect();
    pids.sort_unstable();
    pids
}

/// How a [`stop`] ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Stopped {
    /// It exited when asked (SIGTERM), within the grace period.
    Asked,
    /// It was still there after the grace period and was killed (SIGKILL).
    Killed,
    /// It could not be signalled (already gone, or not ours).
    Gone,
}

/// Ends process `pid`: SIGTERM, up to `grace` for it to exit, then SIGKILL. Returns once it
/// is gone (or after another second, should even SIGKILL not reap it at once).
pub fn stop(pid: u32, grace: Duration) -> Stopped {
    let Ok(id) = libc::pid_t::try_from(pid) else {
        return Stopped::Gone;
    };
    // SAFETY: kill takes plain integers.
    if unsafe { libc::kill(id, libc::SIGTERM) } != 0 {
        return Stopped::Gone;
    }
    if wait_gone(pid, grace) {
        return Stopped::Asked;
    }
    // SAFETY: as above.
    unsafe { libc::kill(id, libc::SIGKILL) };
    wait_gone(pid, Duration::from_secs(1));
    Stopped::Killed
}

/// Whether process `pid` is gone (or a zombie: it runs nothing any more) within `limit`.
pub fn wait_gone(pid: u32, limit: Duration) -> bool {
    let start = Instant::now();
    loop {
        let status = std::fs::read_to_string(format!("/proc/{pid}/stat"));
        let running = match status {
            // The state follows the command name in parentheses: Z is a zombie.
            Ok(text) => !text
                .rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
            Err(_) => false,
        };
        if !running {
            return true;
        }
        if start.elapsed() >= limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
