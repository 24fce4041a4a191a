//! `converge-tray --popover-process`: the popover's own process, started by the app (popover.rs)
//! so that everything WebKit loads and starts for the popover ends with it (docs/performance.md).
//! It shows the popover's window and nothing else: no tray, no inbox, no socket. The page's
//! commands go to the app over the channel the app handed down, and the app answers them as
//! it would answer its own popover; the process exits when that channel closes.

use std::collections::HashMap;
use std::io::BufReader;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tauri::ipc::{Invoke, InvokeBody, InvokeError};
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::oneshot;

use super::channel::{self, FromPopover, ToPopover, ENV, INHERITED_FD};
use super::window::{self, LABEL};

/// Exit code when started by anything but the app, or when the app's first message is wrong.
const NOT_STARTED_BY_THE_APP: i32 = 2;

/// The app's end of the channel, and the page's calls waiting for their answers.
struct Channel {
    to_app: Mutex<UnixStream>,
    next_id: AtomicU64,
    waiting: Mutex<HashMap<u64, oneshot::Sender<Result<Value, String>>>>,
}

impl Channel {
    fn send(&self, message: &FromPopover) -> std::io::Result<()> {
        channel::write(&mut *self.to_app.lock().unwrap(), message)
    }

    fn call(&self, command: String, args: Value) -> oneshot::Receiver<Result<Value, String>> {
        let (answer, answered) = oneshot::channel();
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        self.waiting.lock().unwrap().insert(id, answer);
        if let Err(e) = self.send(&FromPopover::Call { id, command, args }) {
            if let Some(answer) = self.waiting.lock().unwrap().remove(&id) {
                let _ = answer.send(Err(format!("the app cannot be reached: {e}")));
            }
        }
        answered
    }

    fn answered(&self, id: u64, result: Result<Value, String>) {
        match self.waiting.lock().unwrap().remove(&id) {
            Some(answer) => {
                let _ = answer.send(result);
            }
            None => tracing::warn!(id, "an answer to no call"),
        }
    }
}

/// The popover's process, built and ready to run; or the exit code if it cannot be. `app`:
/// the process that must hold the channel's other end (the parent, or the zygote's parent).
pub fn build(context: tauri::Context, app: u32) -> Result<tauri::App, i32> {
    // Where a first open's time goes (RUST_LOG=converge_tray=debug; docs/performance.md).
    tracing::debug!("popover process: running");
    let stream = match take_channel(app) {
        Ok(stream) => stream,
        Err(problem) => {
            eprintln!("converge-tray: {problem}; this mode is only for the app itself");
            return Err(NOT_STARTED_BY_THE_APP);
        }
    };
    let mut from_app = BufReader::new(match stream.try_clone() {
        Ok(stream) => stream,
        Err(e) => {
            eprintln!("converge-tray: the popover's channel: {e}");
            return Err(NOT_STARTED_BY_THE_APP);
        }
    });
    let (pinned, snapshot) =
        match channel::read::<ToPopover>(&mut from_app, channel::TO_POPOVER_AT_MOST) {
            Ok(Some(ToPopover::Start { pinned, snapshot })) => (pinned, snapshot),
            other => {
                eprintln!("converge-tray: the popover's process did not get its start: {other:?}");
                return Err(NOT_STARTED_BY_THE_APP);
            }
        };
    let channel = Arc::new(Channel {
        to_app: Mutex::new(stream),
        next_id: AtomicU64::new(1),
        waiting: Mutex::new(HashMap::new()),
    });
    let forwarding = channel.clone();
    tauri::Builder::default()
        .invoke_handler(move |invoke| forward(invoke, &forwarding))
        .setup(move |app| {
            super::synthetic_input::refuse_in_xwayland();
            let window = window::build(app.handle(), snapshot.as_deref())?;
            tracing::debug!("popover process: window built");
            if !pinned {
                let blurred = channel.clone();
                window::hide_on_blur(&window, move || {
                    tracing::info!("popover hidden");
                    let _ = blurred.send(&FromPopover::HiddenByBlur);
                });
            }
            let app = app.handle().clone();
            std::thread::Builder::new()
                .name("popover-channel".into())
                .spawn(move || follow_the_app(&app, from_app, &channel))?;
            Ok(())
        })
        .build(context)
        .map_err(|e| {
            eprintln!("converge-tray: the popover's process cannot start: {e}");
            1
        })
}

/// Descriptor 3, if the app handed it down: a socket whose other end `app` made. It is then
/// closed on exec, so none of WebKit's processes inherits it.
fn take_channel(app: u32) -> Result<UnixStream, String> {
    if std::env::var(ENV).ok().as_deref() != Some(&INHERITED_FD.to_string()) {
        return Err(format!("{ENV} is not set"));
    }
    std::env::remove_var(ENV);
    // SAFETY: fstat and fcntl on a descriptor number only read or set its flags; nothing
    // else in this process uses descriptor 3 before this takes it.
    let is_socket = unsafe {
        let mut stat: libc::stat = std::mem::zeroed();
        libc::fstat(INHERITED_FD, &mut stat) == 0
            && stat.st_mode & libc::S_IFMT == libc::S_IFSOCK
            && libc::fcntl(INHERITED_FD, libc::F_SETFD, libc::FD_CLOEXEC) == 0
    };
    if !is_socket {
        return Err("descriptor 3 is not a socket".into());
    }
    // SAFETY: descriptor 3 is an open socket (checked above) that nothing else owns.
    let stream = UnixStream::from(unsafe { OwnedFd::from_raw_fd(INHERITED_FD) });
    match protocol::socket::peer(&stream).map(|peer| peer.pid) {
        Ok(pid) if pid == app => Ok(stream),
        other => Err(format!(
            "descriptor 3 is not a channel from the app's process {app} (its peer: {other:?})"
        )),
    }
}

/// The page's command, sent to the app; the page gets the app's answer.
fn forward(invoke: Invoke, channel: &Arc<Channel>) -> bool {
    let command = invoke.message.command().to_owned();
    let args = match invoke.message.payload() {
        InvokeBody::Json(args) => args.clone(),
        InvokeBody::Raw(_) => {
            invoke.resolver.reject("the popover's commands take JSON");
            return true;
        }
    };
    let answered = channel.call(command, args);
    invoke.resolver.respond_async(async move {
        match answered.await {
            Ok(result) => result.map_err(InvokeError::from),
            Err(_) => Err(InvokeError::from("the app closed the popover")),
        }
    });
    true
}

/// Does what the app says until it closes the channel, then exits.
fn follow_the_app(app: &AppHandle, mut from_app: BufReader<UnixStream>, channel: &Channel) {
    loop {
        let message = channel::read::<ToPopover>(&mut from_app, channel::TO_POPOVER_AT_MOST);
        match message {
            Ok(Some(ToPopover::Show { anchor })) => show(app, anchor),
            Ok(Some(ToPopover::Hide)) => {
                if let Some(window) = app.get_webview_window(LABEL) {
                    let _ = window.hide();
                    tracing::info!("popover hidden");
                }
            }
            Ok(Some(ToPopover::Event { name, payload })) => {
                if let Err(e) = app.emit(&name, payload) {
                    tracing::warn!("cannot pass {name} to the popover: {e}");
                }
            }
            Ok(Some(ToPopover::Reply { id, result })) => channel.answered(id, result),
            Ok(Some(ToPopover::Start { .. })) => tracing::warn!("a second start ignored"),
            Ok(None) => break,
            Err(e) => {
                tracing::error!("the popover's channel: {e}");
                break;
            }
        }
    }
    tracing::debug!("popover process: the app closed the channel");
    std::process::exit(0);
}

fn show(app: &AppHandle, anchor: Option<window::Anchor>) {
    let Some(window) = app.get_webview_window(LABEL) else {
        return;
    };
    if let Some(anchor) = anchor {
        if let Err(e) = window::place(&window, anchor) {
            tracing::warn!("cannot place the popover: {e}");
        }
    }
    if let Err(e) = window.show().and_then(|_| window.set_focus()) {
        tracing::error!("cannot show the popover: {e}");
        return;
    }
    tracing::info!("popover shown");
}
