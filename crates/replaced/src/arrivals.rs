//! Waiting for a file to arrive at a path without waking up now and then: inotify on its
//! directory. A package manager renames its new file over the old one; an installer writes
//! it. Either is an arrival; the caller then checks what actually changed.

use std::ffi::OsString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::Duration;

/// Arrivals at one path, as inotify reports them on its directory.
pub struct Arrivals {
    inotify: OwnedFd,
    name: OsString,
}

/// The size of an inotify event's fixed part (wd, mask, cookie, len).
const HEADER: usize = 16;

impl Arrivals {
    /// Starts watching for files put at `path` (its directory must exist).
    pub fn at(path: &Path) -> io::Result<Self> {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "no file name"));
        };
        let dir = std::ffi::CString::new(dir.as_os_str().as_bytes())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        // SAFETY: inotify_init1 takes flags and returns a new descriptor or -1.
        let fd = unsafe { libc::inotify_init1(libc::IN_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd is a new descriptor that nothing else owns.
        let inotify = unsafe { OwnedFd::from_raw_fd(fd) };
        // SAFETY: a valid descriptor and a NUL-terminated path that outlives the call.
        let watch = unsafe {
            libc::inotify_add_watch(
                inotify.as_raw_fd(),
                dir.as_ptr(),
                libc::IN_MOVED_TO | libc::IN_CLOSE_WRITE,
            )
        };
        if watch < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Self {
            inotify,
            name: name.to_owned(),
        })
    }

    /// Waits until a file arrives at the path (`true`), or `within` passes (`false`); with no
    /// limit it waits as long as it takes. Arrivals of other names in the directory are
    /// skipped. Lost events (the kernel's queue overflowed) count as an arrival.
    pub fn wait(&mut self, within: Option<Duration>) -> io::Result<bool> {
        let deadline = within.map(|limit| std::time::Instant::now() + limit);
        loop {
            let timeout_ms = match deadline {
                None => -1,
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(std::time::Instant::now());
                    if left.is_zero() {
                        return Ok(false);
                    }
                    i32::try_from(left.as_millis().max(1)).unwrap_or(i32::MAX)
                }
            };
            let mut poll = libc::pollfd {
                fd: self.inotify.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: one valid pollfd for the duration of the call.
            let ready = unsafe { libc::poll(&mut poll, 1, timeout_ms) };
            if ready < 0 {
                let error = io::Error::last_os_error();
                if error.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(error);
            }
            if ready > 0 && self.read_arrived()? {
                return Ok(true);
            }
        }
    }

    /// Reads the queued events: whether one is an arrival at the path.
    fn read_arrived(&mut self) -> io::Result<bool> {
        // Room for many events with their names; their integers are read byte by byte.
        let mut buffer = [0u8; 4096];
        // SAFETY: reads at most the buffer's size into it.
        let read = unsafe {
            libc::read(
                self.inotify.as_raw_fd(),
                buffer.as_mut_ptr().cast(),
                buffer.len(),
            )
        };
        if read < 0 {
            let error = io::Error::last_os_error();
            return match error.kind() {
                io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock => Ok(false),
                _ => Err(error),
            };
        }
        let bytes = &buffer[..read as usize];
        let mut at = 0;
        let mut arrived = false;
        while at + HEADER <= bytes.len() {
            let word = |i: usize| {
                u32::from_ne_bytes(bytes[at + i..at + i + 4].try_into().expect("4 bytes"))
            };
            let (mask, len) = (word(4), word(12) as usize);
            // The name is NUL-padded to the event's length.
            let padded = bytes
                .get(at + HEADER..at + HEADER + len)
                .unwrap_or_default();
            let name = padded.split(|&b| b == 0).next().unwrap_or_default();
            if mask & libc::IN_Q_OVERFLOW != 0 || name == self.name.as_bytes() {
                arrived = true;
            }
            if mask & libc::IN_IGNORED != 0 {
                return Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    "the directory is no longer watched",
                ));
            }
            at += HEADER + len;
        }
        Ok(arrived)
    }
}
