//! The popover's own process, seen from the app: started with one end of a socket pair as
//! its descriptor 3, talked to one message per line (channel.rs), and reaped when it
//! ends. Closing the channel ends it, and with it every WebKit process it started, so the
//! app goes back to its idle memory (docs/performance.md).

use std::io::{BufReader, BufWriter};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::channel::{self, FromPopover, ToPopover, ENV, INHERITED_FD};

/// The argument that makes `converge-tray` the popover's process (host.rs).
pub const ARG: &str = "--popover-process";

/// Set for the popover's process and so for the WebKit processes it starts, unless the person
/// set it: the popover never composites with GL (window.rs), and without WebKit's DMA-BUF
/// renderer its web process starts sooner: a cold open painted 30–90 ms earlier
/// (docs/performance.md, 2026-12-07).
const NO_DMABUF_RENDERER: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";

/// How long a process whose channel was closed may take to end before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(3);

/// A running popover process. Dropping this does not end it: `close` does.
pub struct PopoverProcess {
    to_popover: Sender<ToPopover>,
    stream: UnixStream,
    pid: u32,
    visible: Arc<AtomicBool>,
    closed: Arc<AtomicBool>,
}

impl PopoverProcess {
    /// Starts this very program as the popover's process and sends it `start`. `on_message`
    /// gets each message it sends, with a way to answer; `on_end` its pid, exit status and
    /// whether `close` asked for it, once it has ended.
    pub fn start(
        start: ToPopover,
        on_message: impl Fn(FromPopover, &Sender<ToPopover>) + Send + 'static,
        on_end: impl FnOnce(u32, ExitStatus, bool) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (ours, theirs) = UnixStream::pair()?;
        let theirs_fd = theirs.as_raw_fd();
        // The very program this process runs, even once a package upgrade has replaced its
        // file: a path could name a newer program that speaks another channel.
        let mut command = Command::new("/proc/self/exe");
        command
            .arg0("converge-tray")
            .arg(ARG)
            .env(ENV, INHERITED_FD.to_string())
            .stdin(Stdio::null());
        if std::env::var_os(NO_DMABUF_RENDERER).is_none() {
            command.env(NO_DMABUF_RENDERER, "1");
        }
        // SAFETY: only dup2 and fcntl, both async-signal-safe, run between fork and exec.
        // dup2 leaves the copy without close-on-exec, so exactly this one end is inherited.
        unsafe {
            command.pre_exec(move || {
                if theirs_fd == INHERITED_FD {
                    if libc::fcntl(INHERITED_FD, libc::F_SETFD, 0) == -1 {
                        return Err(std::io::Error::last_os_error());
                    }
                } else if libc::dup2(theirs_fd, INHERITED_FD) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let mut child = command.spawn()?;
        drop(theirs);
        let pid = child.id();

        let (to_popover, outbox) = mpsc::channel::<ToPopover>();
        to_popover.send(start).expect("the receiver is still here");
        let mut writer = BufWriter::new(ours.try_clone()?);
        let writing = ours.try_clone()?;
        std::thread::Builder::new()
            .name("popover-writer".into())
            .spawn(move || {
                for message in outbox {
                    if let Err(e) = channel::write(&mut writer, &message) {
                        tracing::debug!("popover channel: {e}");
                        break;
                    }
                }
                let _ = writing.shutdown(std::net::Shutdown::Both);
            })?;

        let visible = Arc::new(AtomicBool::new(false));
        let closed = Arc::new(AtomicBool::new(false));
        let mut reader = BufReader::new(ours.try_clone()?);
        let answer = to_popover.clone();
        let asked_to_end = closed.clone();
        std::thread::Builder::new()
            .name("popover-reader".into())
            .spawn(move || {
                loop {
                    match channel::read::<FromPopover>(&mut reader, channel::FROM_POPOVER_AT_MOST) {
                        Ok(Some(message)) => on_message(message, &answer),
                        Ok(None) => break,
                        Err(e) => {
                            // Not the program we started, or a broken one: end it.
                            tracing::error!("the popover's process said something wrong: {e}");
                            let _ = reader.get_ref().shutdown(std::net::Shutdown::Both);
                            break;
                        }
                    }
                }
                drop(answer);
                let status = reap(&mut child);
                on_end(pid, status, asked_to_end.load(Ordering::SeqCst));
            })?;
        Ok(Self {
            to_popover,
            stream: ours,
            pid,
            visible,
            closed,
        })
    }

    /// Sends `message`; false once the process has gone.
    pub fn send(&self, message: ToPopover) -> bool {
        self.to_popover.send(message).is_ok()
    }

    /// A sender for messages from another task (inbox events); it fails once the process
    /// has gone.
    pub fn sender(&self) -> Sender<ToPopover> {
        self.to_popover.clone()
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Whether it is on screen, as far as the app knows: set when it is asked to show,
    /// cleared when asked to hide and when it says it hid itself.
    pub fn visible(&self) -> &AtomicBool {
        &self.visible
    }

    /// Ends it: the channel closes, and it exits (or is killed after a grace).
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

/// Waits for the process to end, killing it if it outstays the grace.
fn reap(child: &mut std::process::Child) -> ExitStatus {
    let deadline = Instant::now() + EXIT_GRACE;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) | Err(_) => {
                tracing::warn!(
                    pid = child.id(),
                    "the popover's process outstayed its exit; killed"
                );
                let _ = child.kill();
                match child.wait() {
                    Ok(status) => return status,
                    Err(e) => {
                        tracing::error!("cannot reap the popover's process: {e}");
                        return std::os::unix::process::ExitStatusExt::from_raw(-1);
                    }
                }
            }
        }
    }
}
