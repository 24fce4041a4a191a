//! Ctrl-C while `ctray ask` waits. By default SIGINT ends the process at once and the app
//! only closes the request seconds later (when it sees the asker gone), so a card could be
//! approved in the meantime for a script that is no longer there. Instead SIGINT is caught
//! and turned into a message (`Interrupted`) on a channel the waiting code listens to, so
//! it can withdraw the request before ctray exits.
//!
//! A signal handler may do almost nothing safely: this one writes one byte to a socket (the
//! self-pipe trick); a thread of ours reads it and sends the message.

use std::sync::mpsc::Sender;

/// Ctrl-C was pressed (SIGINT arrived).
pub struct Interrupted;

/// From now on, SIGINT sends `Interrupted` (built by `message`) on `to` instead of ending
/// the process. Fails only if the socket pair or the thread cannot be made; then Ctrl-C
/// keeps its default.
#[cfg(unix)]
pub fn on_ctrl_c<T: Send + 'static>(
    to: Sender<T>,
    message: impl Fn(Interrupted) -> T + Send + 'static,
) -> std::io::Result<()> {
    use std::io::Read;
    use std::os::fd::IntoRawFd;
    use std::os::unix::net::UnixStream;
    use std::sync::atomic::Ordering;

    let (mut reader, writer) = UnixStream::pair()?;
    // Never block in the handler, even with the socket's buffer full of earlier presses.
    writer.set_nonblocking(true)?;
    std::thread::Builder::new()
        .name("ctray-sigint".into())
        .spawn(move || {
            let mut byte = [0u8; 1];
            while matches!(reader.read(&mut byte), Ok(1)) {
                if to.send(message(Interrupted)).is_err() {
                    return;
                }
            }
        })?;
    // The write end lives as long as the process: the handler may run at any time.
    handler::SIGNALLED.store(writer.into_raw_fd(), Ordering::SeqCst);
    // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value; the handler is an
    // `extern "C" fn(c_int)` that only calls async-signal-safe functions.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler::on_sigint as extern "C" fn(libc::c_int) as usize;
        // Reads and writes in other threads go on rather than fail with EINTR.
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Ctrl-C ends the process again, as by default: once the first press is being acted on,
/// a second one is the person insisting (an app that does not answer must not hold ctray).
#[cfg(unix)]
pub fn restore_default() {
    // SAFETY: resetting a signal's action to its default has no preconditions.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
pub fn restore_default() {}

#[cfg(not(unix))]
pub fn on_ctrl_c<T: Send + 'static>(
    _to: Sender<T>,
    _message: impl Fn(Interrupted) -> T + Send + 'static,
) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "no Ctrl-C handling on this platform",
    ))
}

#[cfg(unix)]
mod handler {
    use std::sync::atomic::{AtomicI32, Ordering};

    /// The write end of the self-pipe, or -1 before `on_ctrl_c`.
    pub static SIGNALLED: AtomicI32 = AtomicI32::new(-1);

    pub extern "C" fn on_sigint(_signal: libc::c_int) {
        let fd = SIGNALLED.load(Ordering::SeqCst);
        if fd < 0 {
            return;
        }
        // The interrupted thread may be about to read errno: it gets it back unchanged.
        // SAFETY: the location is this thread's errno (or null where it is not known);
        // write(2) is async-signal-safe and the buffer is one valid byte. A full buffer
        // (EAGAIN) only drops a repeated press.
        unsafe {
            let errno = errno_location();
            let saved = (!errno.is_null()).then(|| *errno);
            let byte = 1u8;
            libc::write(fd, (&byte as *const u8).cast(), 1);
            if let Some(saved) = saved {
                *errno = saved;
            }
        }
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    unsafe fn errno_location() -> *mut libc::c_int {
        libc::__errno_location()
    }

    #[cfg(any(target_os = "macos", target_os = "ios", target_os = "freebsd"))]
    unsafe fn errno_location() -> *mut libc::c_int {
        libc::__error()
    }

    #[cfg(not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd"
    )))]
    unsafe fn errno_location() -> *mut libc::c_int {
        std::ptr::null_mut()
    }
}
