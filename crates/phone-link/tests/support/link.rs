//! The link as the app starts it: `converge-phone` with one end of a socket pair on
//! descriptor 3, and nothing else to reach.

use std::io::BufReader;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use phone::channel::{self, FromLink, ToLink};

pub struct Link {
    child: Child,
    to: Option<UnixStream>,
    heard: mpsc::Receiver<FromLink>,
    /// Everything it said so far, for a failure's message.
    pub said: Vec<FromLink>,
}

impl Link {
    pub fn start() -> Link {
        let (ours, theirs) = UnixStream::pair().unwrap();
        let theirs_fd = theirs.as_raw_fd();
        let mut command = Command::new(env!("CARGO_BIN_EXE_converge-phone"));
        command.env(channel::ENV, channel::INHERITED_FD.to_string());
        // Safety: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                // Already descriptor 3: only its close-on-exec flag is cleared.
                let done = if theirs_fd == channel::INHERITED_FD {
                    libc::fcntl(theirs_fd, libc::F_SETFD, 0)
                } else {
                    libc::dup2(theirs_fd, channel::INHERITED_FD)
                };
                if done < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().unwrap();
        drop(theirs);
        let (sender, heard) = mpsc::channel();
        let reader = ours.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(reader);
            while let Ok(Some(message)) = channel::receive::<FromLink>(&mut reader) {
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        Link {
            child,
            to: Some(ours),
            heard,
            said: Vec::new(),
        }
    }

    pub fn tell(&mut self, message: &ToLink) {
        channel::send(self.to.as_mut().expect("the channel is open"), message).unwrap();
    }

    /// Waits for the first message `wanted` picks, past others. A decision it did not
    /// want fails the test at once: nothing decides that the test did not mean to.
    pub fn expect<T>(
        &mut self,
        what: &str,
        within: Duration,
        mut wanted: impl FnMut(&FromLink) -> Option<T>,
    ) -> T {
        let start = Instant::now();
        loop {
            let left = within.saturating_sub(start.elapsed());
            match self.heard.recv_timeout(left) {
                Ok(message) => {
                    self.said.push(message.clone());
                    if let Some(found) = wanted(&message) {
                        return found;
                    }
                    assert!(
                        !matches!(message, FromLink::Decided { .. }),
                        "while waiting for {what}, the link decided: {message:?}\nall: {:#?}",
                        self.said
                    );
                }
                Err(_) => panic!(
                    "waited {within:?} for {what}; the link said: {:#?}",
                    self.said
                ),
            }
        }
    }

    /// Everything said since the last call, without waiting beyond `quiet`.
    pub fn drain(&mut self, quiet: Duration) -> Vec<FromLink> {
        let mut drained = Vec::new();
        while let Ok(message) = self.heard.recv_timeout(quiet) {
            self.said.push(message.clone());
            drained.push(message);
        }
        drained
    }

    /// Closes the channel, as the app does when it quits; the link's exit status.
    pub fn close(mut self) -> ExitStatus {
        // The reading thread holds a copy of the socket: shut it, not just this copy.
        if let Some(to) = self.to.take() {
            let _ = to.shutdown(std::net::Shutdown::Both);
        }
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the link outlived its channel by 10 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
