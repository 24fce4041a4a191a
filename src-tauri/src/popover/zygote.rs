//! A copy of the app made at its start, before any thread, that makes the popover's
//! processes by forking itself: each starts with the program's 169 libraries already
//! mapped and bound, where a process started from the file spends 60–80 ms in the dynamic
//! loader first (docs/performance.md). It shares every page with the app until either
//! writes to it: about 0.5 MB at idle.
//!
//! The app talks to it over a socket pair made before the fork. A request is one byte with
//! two descriptors: the popover's channel (channel.rs) and a socket for that popover's
//! news, on which the zygote answers with the new process's pid and a pidfd (so the app
//! can end it without racing a reused pid), and later with its wait status. The popover's
//! processes are the zygote's children: it reaps them. It ends when the app closes its end
//! (or exits: it is also killed when the app dies), and popovers made from it go on until
//! their channels close, as any other popover.

use std::io::{self, IoSlice, IoSliceMut, Read, Write};
use std::mem::size_of;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::Mutex;
use std::time::Duration;

use super::channel::INHERITED_FD;
use super::process::{self, UNKNOWN_STATUS};

/// The zygote's name in `ps` and /proc/PID/comm (at most 15 bytes).
pub const NAME: &str = "converge-zygote";

/// The popover's processes' name, as for one started from the file.
const PROGRAM_NAME: &str = "converge-tray";

/// How long the app waits for the zygote to say it made a process.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);

/// The app's end: requests go here. None where no zygote was started or it went away.
static ZYGOTE: Mutex<Option<UnixStream>> = Mutex::new(None);

/// What `start` returns in a popover's process made by the zygote.
pub struct Made {
    /// The app's pid: the other end of the channel (host.rs checks it).
    pub app: u32,
}

/// Forks the zygote. Call in `main` before anything starts a thread: returns
/// None in the app, and `Some` in each popover's process the zygote makes (its channel is
/// then descriptor 3, as for one started from the file). The zygote itself never returns.
pub fn start() -> Option<Made> {
    // A fork copies only the thread that calls it: with another thread running, a lock it
    // held would stay locked in the copy for good.
    let allocator = AllocatorThread::stop();
    let threads = thread_count();
    if threads != Some(1) {
        tracing::warn!(
            ?threads,
            "no zygote for the popover: the app runs more than one thread"
        );
        allocator.resume();
        return None;
    }
    let (ours, theirs) = match UnixStream::pair() {
        Ok(pair) => pair,
        Err(e) => {
            tracing::warn!("no zygote for the popover: {e}");
            allocator.resume();
            return None;
        }
    };
    let app = std::process::id();
    // SAFETY: the process has one thread here (counted above), so the child may run any
    // code: no lock can be held by a thread that does not exist in it.
    let forked = unsafe { libc::fork() };
    if forked == 0 {
        drop(ours);
        let made = serve(theirs, app);
        // In the popover's process: its allocator tidies up as in any other.
        allocator.resume();
        return Some(made);
    }
    allocator.resume();
    if forked == -1 {
        tracing::warn!("no zygote for the popover: {}", io::Error::last_os_error());
        return None;
    }
    drop(theirs);
    *ZYGOTE.lock().unwrap() = Some(ours);
    None
}

/// JavaScriptCore's allocator (libpas, in every process that links WebKit) starts a thread
/// of its own while the libraries load, before `main`: its scavenger, which takes the heap's
/// locks every 100 ms. Forked while it held one, the copy's allocator would wait for it
/// for good. It is stopped here the way libpas's own `pas_scavenger_suspend` stops it, but
/// woken at once instead of at the end of its period (libpas's state, lock and condition
/// are exported for that kind of use: pas_scavenger.h), and resumed after the fork.
struct AllocatorThread {
    resume: Option<unsafe extern "C" fn()>,
}

/// libpas's `struct pas_scavenger_data`.
#[repr(C)]
struct ScavengerData {
    lock: libc::pthread_mutex_t,
    cond: libc::pthread_cond_t,
}

/// `pas_scavenger_state_no_thread`.
const SCAVENGER_HAS_NO_THREAD: u32 = 0;

impl AllocatorThread {
    fn stop() -> Self {
        let none = AllocatorThread { resume: None };
        let (Some(data), Some(state), Some(suspended), Some(resume)) = (
            symbol("pas_scavenger_data_instance"),
            symbol("pas_scavenger_current_state"),
            symbol("pas_scavenger_should_suspend_count"),
            symbol("pas_scavenger_resume"),
        ) else {
            return none;
        };
        // SAFETY: the symbols are libpas's exported globals of these types (pas_scavenger.h),
        // and each is read or written under the scavenger's own lock, as libpas does.
        unsafe {
            let data = *data.cast::<*mut ScavengerData>();
            if data.is_null() {
                // Never started: no data, no thread.
                return none;
            }
            let state = state.cast::<u32>();
            let suspended = suspended.cast::<u32>();
            libc::pthread_mutex_lock(&mut (*data).lock);
            *suspended += 1;
            libc::pthread_cond_broadcast(&mut (*data).cond);
            while std::ptr::read_volatile(state) != SCAVENGER_HAS_NO_THREAD {
                libc::pthread_cond_wait(&mut (*data).cond, &mut (*data).lock);
            }
            libc::pthread_mutex_unlock(&mut (*data).lock);
            // It returns once it has said so: give it the moment to end.
            for _ in 0..100 {
                if thread_count() == Some(1) {
                    break;
                }
                std::thread::sleep(Duration::from_micros(200));
            }
            AllocatorThread {
                resume: Some(std::mem::transmute::<
                    *mut libc::c_void,
                    unsafe extern "C" fn(),
                >(resume)),
            }
        }
    }

    fn resume(&self) {
        if let Some(resume) = self.resume {
            // SAFETY: libpas's `pas_scavenger_resume`, undoing the suspension made in `stop`.
            unsafe { resume() };
        }
    }
}

/// How many threads this process runs.
fn thread_count() -> Option<usize> {
    std::fs::read_dir("/proc/self/task")
        .map(|tasks| tasks.count())
        .ok()
}

/// The address of an exported symbol of the program or its libraries.
fn symbol(name: &str) -> Option<*mut libc::c_void> {
    let name = std::ffi::CString::new(name).ok()?;
    // SAFETY: dlsym with the default handle and a NUL-terminated name.
    let address = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    (!address.is_null()).then_some(address)
}

/// A popover's process made by the zygote, seen from the app.
pub struct Child {
    pid: u32,
    pidfd: OwnedFd,
    news: UnixStream,
}

/// Asks the zygote for a popover's process whose channel is `channel`. An error where there
/// is no zygote or it does not answer: the caller starts one from the file instead.
pub fn make(channel: &UnixStream) -> io::Result<Child> {
    let mut zygote = ZYGOTE.lock().unwrap();
    let Some(requests) = zygote.as_ref() else {
        return Err(io::Error::new(io::ErrorKind::NotFound, "no zygote"));
    };
    let (news, theirs) = UnixStream::pair()?;
    news.set_read_timeout(Some(ANSWER_WITHIN))?;
    let asked = send_with_fds(requests, &[0], &[channel.as_fd(), theirs.as_fd()]);
    drop(theirs);
    let answer = asked.and_then(|()| {
        let mut pid = [0u8; 4];
        let fds = receive_with_fds(&news, &mut pid, 1)?;
        match fds.into_iter().next() {
            Some(pidfd) => Ok((u32::from_le_bytes(pid), pidfd)),
            None => Err(io::Error::other("the zygote could not make a process")),
        }
    });
    match answer {
        Ok((pid, pidfd)) => {
            news.set_read_timeout(None)?;
            Ok(Child { pid, pidfd, news })
        }
        Err(e) => {
            // Not asked again: whatever went wrong would go wrong at every open.
            tracing::warn!("the popover's zygote failed, processes start from the file: {e}");
            *zygote = None;
            Err(e)
        }
    }
}

impl Child {
    pub fn id(&self) -> u32 {
        self.pid
    }

    /// Its wait status once it has ended, waiting at most `within`; None if it still runs.
    pub fn wait_for(&mut self, within: Duration) -> Option<ExitStatus> {
        let _ = self
            .news
            .set_read_timeout(Some(within.max(Duration::from_millis(1))));
        let mut status = [0u8; 4];
        match self.news.read_exact(&mut status) {
            Ok(()) => Some(ExitStatus::from_raw(i32::from_le_bytes(status))),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                None
            }
            // The zygote went away with the status; its pidfd still says whether it ended.
            Err(_) => {
                ended_within(&self.pidfd, within).then(|| ExitStatus::from_raw(UNKNOWN_STATUS))
            }
        }
    }

    /// Ends it now (SIGKILL through its pidfd: never another process that got its pid).
    pub fn kill(&self) -> io::Result<()> {
        // SAFETY: a raw syscall on a descriptor this owns; no memory is passed.
        let sent = unsafe {
            libc::syscall(
                libc::SYS_pidfd_send_signal,
                self.pidfd.as_raw_fd(),
                libc::SIGKILL,
                std::ptr::null::<libc::siginfo_t>(),
                0,
            )
        };
        if sent == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

/// Whether the process behind `pidfd` ends within `within`.
fn ended_within(pidfd: &OwnedFd, within: Duration) -> bool {
    let mut polled = libc::pollfd {
        fd: pidfd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = within.as_millis().min(i32::MAX as u128) as i32;
    // SAFETY: one live pollfd structure.
    unsafe { libc::poll(&mut polled, 1, ms) == 1 }
}

/// A popover's process the zygote made and has not reaped yet.
struct Living {
    pid: libc::pid_t,
    pidfd: OwnedFd,
    news: UnixStream,
}

/// The zygote's life: makes a process per request and reaps them, until the app goes.
fn serve(requests: UnixStream, app: u32) -> Made {
    // SAFETY: prctl with integer arguments; getppid cannot fail.
    unsafe {
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
        if libc::getppid() as u32 != app {
            libc::_exit(0);
        }
    }
    set_name(NAME);
    let mut living: Vec<Living> = Vec::new();
    loop {
        let mut polled: Vec<libc::pollfd> = std::iter::once(requests.as_raw_fd())
            .chain(living.iter().map(|child| child.pidfd.as_raw_fd()))
            .map(|fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        // SAFETY: `polled` is a live array of `polled.len()` pollfd structures.
        let ready = unsafe { libc::poll(polled.as_mut_ptr(), polled.len() as libc::nfds_t, -1) };
        if ready == -1 {
            if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            // SAFETY: ends this process at once, as the app's copy would never be asked again.
            unsafe { libc::_exit(1) };
        }
        // The ended first: their pids are then free to be reused.
        for index in (0..living.len()).rev() {
            if polled[index + 1].revents != 0 {
                let child = living.swap_remove(index);
                let mut status = 0;
                // SAFETY: waits for a child of this process by its pid.
                unsafe { libc::waitpid(child.pid, &mut status, 0) };
                let _ = (&child.news).write_all(&status.to_le_bytes());
            }
        }
        if polled[0].revents == 0 {
            continue;
        }
        let mut byte = [0u8; 1];
        let (channel, news) = match receive_with_fds(&requests, &mut byte, 2) {
            Ok(fds) if fds.len() == 2 => {
                let mut fds = fds.into_iter();
                let channel = fds.next().expect("two");
                let news = UnixStream::from(fds.next().expect("two"));
                (channel, news)
            }
            // The app closed its end (or said something no app says): nothing more to make.
            // SAFETY: ends this process; its children are the popovers, which end on their own.
            _ => unsafe { libc::_exit(0) },
        };
        // SAFETY: this process has one thread, so the child may run any code.
        let pid = unsafe { libc::fork() };
        match pid {
            -1 => drop(news),
            0 => {
                drop(requests);
                drop(news);
                drop(living);
                become_popover(channel);
                return Made { app };
            }
            pid => {
                drop(channel);
                // SAFETY: a raw syscall with a pid of this process's child and no memory.
                let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
                if pidfd < 0 {
                    // SAFETY: signals and reaps this process's own child.
                    unsafe {
                        libc::kill(pid, libc::SIGKILL);
                        libc::waitpid(pid, std::ptr::null_mut(), 0);
                    }
                    continue;
                }
                // SAFETY: pidfd_open returned a new descriptor that nothing else owns.
                let pidfd = unsafe { OwnedFd::from_raw_fd(pidfd as RawFd) };
                let told = send_with_fds(&news, &(pid as u32).to_le_bytes(), &[pidfd.as_fd()]);
                if told.is_err() {
                    // The app gave up waiting: the process would be nobody's.
                    // SAFETY: signals this process's own child, reaped below when it ends.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
                living.push(Living { pid, pidfd, news });
            }
        }
    }
}

/// Sets this process's name in `ps` and /proc/PID/comm (at most 15 bytes are kept).
fn set_name(name: &str) {
    let mut bytes = [0u8; 16];
    let kept = name.len().min(15);
    bytes[..kept].copy_from_slice(&name.as_bytes()[..kept]);
    // SAFETY: prctl reads a NUL-terminated name of at most 16 bytes from a live buffer.
    unsafe { libc::prctl(libc::PR_SET_NAME, bytes.as_ptr()) };
}

/// In the new process: the channel as descriptor 3 and the environment a popover's process
/// started from the file would have.
fn become_popover(channel: OwnedFd) {
    // The copy at 3 is not closed on exec until host.rs takes it, as for a process started
    // from the file. Should this fail, host.rs finds no channel at 3 and says so.
    let _ = process::onto_inherited_fd(channel.as_raw_fd());
    if channel.as_raw_fd() == INHERITED_FD {
        std::mem::forget(channel);
    }
    // Named as the program again, not as the zygote it was copied from.
    set_name(PROGRAM_NAME);
    // One thread: nothing reads the environment while it changes.
    for (name, value) in process::environment() {
        std::env::set_var(name, value);
    }
}

/// Sends `bytes` with `fds` attached (SCM_RIGHTS).
fn send_with_fds(stream: &UnixStream, bytes: &[u8], fds: &[BorrowedFd<'_>]) -> io::Result<()> {
    let raw: Vec<RawFd> = fds.iter().map(|fd| fd.as_raw_fd()).collect();
    let payload = size_of::<RawFd>() * raw.len();
    // SAFETY: CMSG_SPACE only computes a size.
    let space = unsafe { libc::CMSG_SPACE(payload as u32) } as usize;
    let mut control = vec![0u8; space];
    let iov = [IoSlice::new(bytes)];
    // SAFETY: msghdr is plain data; every pointer set below points into live buffers of the
    // stated lengths, and the control header is written inside `control`.
    unsafe {
        let mut message: libc::msghdr = std::mem::zeroed();
        message.msg_iov = iov.as_ptr() as *mut libc::iovec;
        message.msg_iovlen = 1;
        message.msg_control = control.as_mut_ptr().cast();
        message.msg_controllen = space as _;
        let header = libc::CMSG_FIRSTHDR(&message);
        (*header).cmsg_level = libc::SOL_SOCKET;
        (*header).cmsg_type = libc::SCM_RIGHTS;
        (*header).cmsg_len = libc::CMSG_LEN(payload as u32) as _;
        std::ptr::copy_nonoverlapping(raw.as_ptr(), libc::CMSG_DATA(header).cast(), raw.len());
        if libc::sendmsg(stream.as_raw_fd(), &message, libc::MSG_NOSIGNAL) == -1 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Reads exactly `bytes.len()` bytes sent with `send_with_fds`, and the descriptors that
/// came with them (closed on exec), at most `most` of them.
fn receive_with_fds(
    stream: &UnixStream,
    bytes: &mut [u8],
    most: usize,
) -> io::Result<Vec<OwnedFd>> {
    // SAFETY: CMSG_SPACE only computes a size.
    let space = unsafe { libc::CMSG_SPACE((size_of::<RawFd>() * most) as u32) } as usize;
    let mut control = vec![0u8; space];
    let mut iov = [IoSliceMut::new(bytes)];
    let wanted = iov[0].len();
    let mut fds = Vec::new();
    // SAFETY: as in send_with_fds; the kernel writes at most `space` bytes of control data,
    // and each descriptor it passed is owned once, here.
    unsafe {
        let mut message: libc::msghdr = std::mem::zeroed();
        message.msg_iov = iov.as_mut_ptr().cast();
        message.msg_iovlen = 1;
        message.msg_control = control.as_mut_ptr().cast();
        message.msg_controllen = space as _;
        let read = libc::recvmsg(stream.as_raw_fd(), &mut message, libc::MSG_CMSG_CLOEXEC);
        if read == -1 {
            return Err(io::Error::last_os_error());
        }
        let mut header = libc::CMSG_FIRSTHDR(&message);
        while !header.is_null() {
            if (*header).cmsg_level == libc::SOL_SOCKET && (*header).cmsg_type == libc::SCM_RIGHTS {
                let data = libc::CMSG_DATA(header).cast::<RawFd>();
                let count =
                    ((*header).cmsg_len as usize - libc::CMSG_LEN(0) as usize) / size_of::<RawFd>();
                for index in 0..count {
                    fds.push(OwnedFd::from_raw_fd(data.add(index).read_unaligned()));
                }
            }
            header = libc::CMSG_NXTHDR(&message, header);
        }
        if read as usize != wanted {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the other end closed",
            ));
        }
    }
    Ok(fds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_cross_with_their_bytes() {
        let (a, b) = UnixStream::pair().unwrap();
        let (passed, kept) = UnixStream::pair().unwrap();
        send_with_fds(&a, &[7, 8, 9, 10], &[passed.as_fd()]).unwrap();
        drop(passed);
        let mut bytes = [0u8; 4];
        let fds = receive_with_fds(&b, &mut bytes, 2).unwrap();
        assert_eq!(bytes, [7, 8, 9, 10]);
        assert_eq!(fds.len(), 1);
        // The descriptor received is the very socket sent: what is written to it arrives.
        let mut received = UnixStream::from(fds.into_iter().next().unwrap());
        received.write_all(b"hi").unwrap();
        let mut heard = [0u8; 2];
        (&kept).read_exact(&mut heard).unwrap();
        assert_eq!(&heard, b"hi");
    }

    #[test]
    fn a_closed_end_is_an_error_not_a_request() {
        let (a, b) = UnixStream::pair().unwrap();
        drop(a);
        let mut byte = [0u8; 1];
        assert!(receive_with_fds(&b, &mut byte, 2).is_err());
    }
}
