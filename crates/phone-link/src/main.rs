//! `converge-phone`: the phone's link. The Matrix client that carries requests to the
//! person's phone and their answers back, in a process of its own so that the app's binary
//! and memory stay as they are when Phone is off. The app starts it with one end of a socket
//! pair on descriptor 3 (and `CONVERGE_PHONE_CHANNEL=3`); that channel is the only way it
//! reaches the app, and when it closes the link ends.
//!
//! - [`session`]: signing in once, the session kept for later starts.
//! - [`link`]: the state of the link: open requests, the judge, the verification.
//! - [`events`]: what the room's events are, for the judge.
//! - [`verification`]: the emoji comparison with the person's phone.

#![recursion_limit = "256"]

mod events;
mod keyring;
mod link;
mod outbox;
mod session;
mod verification;

use std::os::fd::FromRawFd;
use std::os::unix::net::UnixStream;
use std::process::ExitCode;
use std::sync::Arc;

use phone::channel::{self, FromLink, ToLink};
use tokio::sync::mpsc;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

use crate::link::Link;
use crate::outbox::Outbox;

fn main() -> ExitCode {
    // The app's log gets this process's standard error. The Matrix SDK logs every failed
    // request as an error, also the expected ones ("no such account data"), and the link
    // says what matters to the app itself (`Unavailable`), so its HTTP layer stays quiet.
    let filter = Targets::new()
        .with_target("converge_phone", LevelFilter::INFO)
        .with_target("matrix_sdk::http_client", LevelFilter::OFF)
        // A failed sync is logged by the link once, not every few seconds while it lasts.
        .with_target("matrix_sdk::sync", LevelFilter::OFF)
        .with_default(LevelFilter::ERROR);
    tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(filter)
        .init();
    let channel = match inherited_channel() {
        Ok(channel) => channel,
        Err(why) => {
            eprintln!("converge-phone: {why}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("converge-phone: no async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(run(channel));
    // The Matrix client's store work runs on blocking threads that outlive its tasks: the
    // link ends now rather than when they notice.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    code
}

/// The channel the app handed down, checked to be a socket: the link is never started by
/// hand, and a descriptor 3 that is something else is refused rather than written to.
fn inherited_channel() -> Result<UnixStream, String> {
    match std::env::var(channel::ENV) {
        Ok(fd) if fd == channel::INHERITED_FD.to_string() => {}
        _ => {
            return Err(format!(
                "started without its channel: the app starts it, with {}={}",
                channel::ENV,
                channel::INHERITED_FD
            ))
        }
    }
    // Safety: the app put the channel on this descriptor for this process alone, and
    // nothing else in this process owns it.
    let stream = unsafe { UnixStream::from_raw_fd(channel::INHERITED_FD) };
    stream.local_addr().map_err(|error| {
        format!(
            "descriptor {} is not a socket: {error}",
            channel::INHERITED_FD
        )
    })?;
    Ok(stream)
}

async fn run(channel: UnixStream) -> ExitCode {
    let out = match channel.try_clone() {
        Ok(writer) => Outbox::new(writer),
        Err(error) => {
            eprintln!("converge-phone: the channel cannot be shared: {error}");
            return ExitCode::FAILURE;
        }
    };
    let mut inbox = read_channel(channel);
    let (store, started) = match inbox.recv().await {
        None => return ExitCode::SUCCESS,
        Some(ToLink::SignIn {
            homeserver,
            user,
            password,
            person,
            store,
            high_risk_approvable,
        }) => {
            let started = session::sign_in(&homeserver, &user, &password, &person, &store)
                .await
                .map(|signed_in| (signed_in, high_risk_approvable));
            (store, started)
        }
        Some(ToLink::Resume {
            store,
            high_risk_approvable,
        }) => {
            let started = session::resume(&store)
                .await
                .map(|signed_in| (signed_in, high_risk_approvable));
            (store, started)
        }
        Some(other) => {
            let why = format!("the app's first message must sign in or resume, not {other:?}");
            out.say(&FromLink::Stopped { why });
            return ExitCode::FAILURE;
        }
    };
    let ((client, saved), high_risk_approvable) = match started {
        Ok(started) => started,
        Err(why) => {
            out.say(&FromLink::Stopped { why });
            return ExitCode::FAILURE;
        }
    };
    let link = match Link::new(client, &saved, high_risk_approvable, out) {
        Ok(link) => Arc::new(link),
        Err(why) => {
            eprintln!("converge-phone: {why}");
            return ExitCode::FAILURE;
        }
    };
    events::listen(&link);
    verification::listen(&link);
    link.say(FromLink::SignedIn {
        user: link.own_user(),
        device: link.own_device(),
        person: link.person.to_string(),
        room: link.room_id.to_string(),
        verified: link.person_verified().await,
        keys_in_keyring: saved.kept_in() == session::KeptIn::Keyring,
    });
    let sync = tokio::spawn(link.clone().keep_in_sync());
    while let Some(message) = inbox.recv().await {
        match message {
            ToLink::Verify => {
                tokio::spawn(verification::start(link.clone()));
            }
            ToLink::Confirm { matches } => link.confirm(matches).await,
            ToLink::Ask {
                request_id,
                request,
                deadline_ms,
            } => {
                let link = link.clone();
                tokio::spawn(async move { link.ask(request_id, request, deadline_ms).await });
            }
            ToLink::Ended { request_id, how } => {
                let link = link.clone();
                tokio::spawn(async move { link.ended(&request_id, &how).await });
            }
            ToLink::HighRisk { approvable } => link.set_high_risk_approvable(approvable),
            ToLink::SignOut => {
                if let Err(error) = link.client.matrix_auth().logout().await {
                    tracing::warn!("signing out: {error}");
                }
                session::forget(&store).await;
                break;
            }
            ToLink::SignIn { .. } | ToLink::Resume { .. } => {
                tracing::warn!("ignored a second sign-in: the link is signed in");
            }
        }
    }
    // The app closed the channel: it quit, or Phone was turned off.
    sync.abort();
    ExitCode::SUCCESS
}

/// The app's messages, read on a thread of their own (the channel is a blocking socket).
/// The receiver ends when the channel does, or when the app sends something unreadable.
fn read_channel(channel: UnixStream) -> mpsc::UnboundedReceiver<ToLink> {
    let (sender, receiver) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        let mut reader = std::io::BufReader::new(channel);
        loop {
            match channel::receive::<ToLink>(&mut reader) {
                Ok(Some(message)) => {
                    if sender.send(message).is_err() {
                        return;
                    }
                }
                Ok(None) => return,
                Err(error) => {
                    eprintln!("converge-phone: the app's channel: {error}");
                    return;
                }
            }
        }
    });
    receiver
}
