//! The popover's own process, seen from the app: made by the zygote (zygote.rs) or else
//! started from the program's file, with one end of a socket pair as its descriptor 3,
//! talked to one message per line (channel.rs), and reaped when it ends. Closing the
//! channel ends it, and with it every WebKit process it started, so the app goes back to
//! its idle memory (docs/performance.md).

use std::io::{BufReader, BufWriter};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::channel::{self, FromPopover, ToPopover, ENV, INHERITED_FD};
#[cfg(target_os = "linux")]
use super::zygote;

/// The argument that makes `converge-tray` the popover's process (host.rs).
pub const ARG: &str = "--popover-process";

/// Set for the popover's process and so for the WebKit processes it starts, unless the person
/// set it: the popover never composites with GL (window.rs), and without WebKit's DMA-BUF
/// renderer its web process starts sooner: a cold open painted 30–90 ms earlier
/// (docs/performance.md, 2026-12-07).
const NO_DMABUF_RENDERER: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";

/// GTK's choice of display server, for the popover's process: see `environment`.
const GDK_BACKEND: &str = "GDK_BACKEND";

/// How long a process whose channel was closed may take to end before it is killed.
const EXIT_GRACE: Duration = Duration::from_secs(3);
/// The status reported for a process that could not be reaped.
pub const UNKNOWN_STATUS: i32 = -1;
/// How long a killed process may take to be reaped.
const KILLED_WITHIN: Duration = Duration::from_secs(10);

/// A running popover process. Dropping this does not end it: `close` does.
pub struct PopoverProcess {
    to_popover: Sender<ToPopover>,
    stream: UnixStream,
    pid: u32,
    visible: Arc<AtomicBool>,
    closed: Arc<AtomicBool>,
}

impl PopoverProcess {
    /// Makes the popover's process (by the zygote, else from the program's file) and sends
    /// it `start`. `on_message` gets each message it sends, with a way to answer; `on_end`
    /// its pid, exit status and whether `close` asked for it, once it has ended.
    pub fn start(
        start: ToPopover,
        on_message: impl Fn(FromPopover, &Sender<ToPopover>) + Send + 'static,
        on_end: impl FnOnce(u32, ExitStatus, bool) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (ours, theirs) = UnixStream::pair()?;
        let mut child = match by_zygote(&theirs) {
            Some(child) => child,
            None => Started::FromFile(start_from_file(&theirs)?),
        };
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

/// What a popover's process has in its environment on top of the app's, however it is made.
pub fn environment() -> Vec<(&'static str, String)> {
    let mut variables = vec![(ENV, INHERITED_FD.to_string())];
    if std::env::var_os(NO_DMABUF_RENDERER).is_none() {
        variables.push((NO_DMABUF_RENDERER, "1".to_owned()));
    }
    // A Wayland window cannot place itself nor keep off the taskbar: KDE Plasma put the
    // popover in the middle of the screen with a taskbar entry of its own. Through XWayland,
    // which Plasma and GNOME sessions run, it opens beside the tray icon as under X11
    // (tests/desktops). Wayland still, should that display refuse it. Unless the person
    // chose a backend.
    if std::env::var_os(GDK_BACKEND).is_none() && wayland_with_xwayland() {
        variables.push((GDK_BACKEND, "x11,wayland".to_owned()));
    }
    variables
}

/// A Wayland session that also offers an X11 display (XWayland).
fn wayland_with_xwayland() -> bool {
    let set = |name| std::env::var_os(name).is_some_and(|value| !value.is_empty());
    set("WAYLAND_DISPLAY") && set("DISPLAY")
}

/// Puts the channel's end `fd` at descriptor 3 without close-on-exec, so exactly this one
/// end is inherited. Only dup2 and fcntl, both async-signal-safe: it also runs between fork
/// and exec.
pub fn onto_inherited_fd(fd: RawFd) -> std::io::Result<()> {
    // SAFETY: dup2 and fcntl on descriptor numbers; neither touches memory.
    let done = unsafe {
        if fd == INHERITED_FD {
            libc::fcntl(INHERITED_FD, libc::F_SETFD, 0)
        } else {
            libc::dup2(fd, INHERITED_FD)
        }
    };
    if done == -1 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Starts this very program as the popover's process, `channel` as its descriptor 3.
fn start_from_file(channel: &UnixStream) -> std::io::Result<std::process::Child> {
    let channel_fd = channel.as_raw_fd();
    // The very program this process runs, even once a package upgrade has replaced its
    // file: a path could name a newer program that speaks another channel.
    let mut command = Command::new("/proc/self/exe");
    command
        .arg0("converge-tray")
        .arg(ARG)
        .envs(environment())
        .stdin(Stdio::null());
    // SAFETY: only onto_inherited_fd, async-signal-safe, runs between fork and exec.
    unsafe {
        command.pre_exec(move || onto_inherited_fd(channel_fd));
    }
    command.spawn()
}

/// The popover's process made by the zygote, where one runs (Linux).
fn by_zygote(channel: &UnixStream) -> Option<Started> {
    #[cfg(target_os = "linux")]
    return zygote::make(channel).ok().map(Started::ByZygote);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = channel;
        None
    }
}

/// The popover's process, whichever way it was started.
enum Started {
    #[cfg(target_os = "linux")]
    ByZygote(zygote::Child),
    FromFile(std::process::Child),
}

impl Started {
    fn id(&self) -> u32 {
        match self {
            #[cfg(target_os = "linux")]
            Started::ByZygote(child) => child.id(),
            Started::FromFile(child) => child.id(),
        }
    }

    /// Its status once it has ended, waiting at most `within`.
    fn wait_for(&mut self, within: Duration) -> Option<ExitStatus> {
        match self {
            #[cfg(target_os = "linux")]
            Started::ByZygote(child) => child.wait_for(within),
            Started::FromFile(child) => {
                let deadline = Instant::now() + within;
                loop {
                    match child.try_wait() {
                        Ok(None) if Instant::now() < deadline => {
                            std::thread::sleep(Duration::from_millis(20));
                        }
                        Ok(status) => return status,
                        Err(e) => {
                            tracing::error!("cannot reap the popover's process: {e}");
                            return Some(ExitStatus::from_raw(UNKNOWN_STATUS));
                        }
                    }
                }
            }
        }
    }

    fn kill(&mut self) -> std::io::Result<()> {
        match self {
            #[cfg(target_os = "linux")]
            Started::ByZygote(child) => child.kill(),
            Started::FromFile(child) => child.kill(),
        }
    }
}

/// Waits for the process to end, killing it if it outstays the grace.
fn reap(child: &mut Started) -> ExitStatus {
    if let Some(status) = child.wait_for(EXIT_GRACE) {
        return status;
    }
    tracing::warn!(
        pid = child.id(),
        "the popover's process outstayed its exit; killed"
    );
    if let Err(e) = child.kill() {
        tracing::error!("cannot kill the popover's process: {e}");
    }
    child
        .wait_for(KILLED_WITHIN)
        .unwrap_or(ExitStatus::from_raw(UNKNOWN_STATUS))
}
