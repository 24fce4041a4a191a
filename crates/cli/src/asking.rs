//! `ctray ask`: asks, waits for the decision through lost connections, and withdraws the
//! request when the person presses Ctrl-C.
//!
//! The request is made with `wait: false` and then waited on with `approval.wait`, rather
//! than with one blocking `approval.ask`: that way ctray holds the request's id while it
//! waits, which is what withdrawing it (`approval.cancel`) takes. To the app both are the
//! same wait: a client gone mid-wait leaves its request to the orphan rule either way.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use protocol::client::{Client, ClientError};
use protocol::model::ApprovalRequest;
use protocol::rpc::{code, AskParams};

use crate::durations::spoken;
use crate::interrupt::{self, Interrupted};
use crate::printable;

pub enum Asked {
    Answered(Box<ApprovalRequest>),
    /// The connection was lost mid-wait and could not be made again: why, for the person.
    Lost(String),
    /// Ctrl-C, and what became of the request.
    Interrupted(Withdrawal),
}

pub enum Withdrawal {
    /// Withdrawn: the app closed it as cancelled by the requester.
    Cancelled(Box<ApprovalRequest>),
    /// It was decided (or ended) before the withdrawal reached the app: the app's words.
    AlreadyEnded(String),
    /// Ctrl-C came before the app had the request.
    NeverAsked,
    /// The app could not be reached to withdraw it: why. It closes the request by itself
    /// once it sees ctray gone (docs/protocol.md, the orphan rule).
    NotWithdrawn(String),
}

/// How long a keyed ask keeps trying to reach the app again after its connection was lost
/// (an SSH connection carrying it dropped and is being made again).
const RECONNECT_FOR: Duration = Duration::from_secs(30);
/// A connection that is lost again and again is not worth chasing for ever.
const MAX_RECONNECTS: u32 = 10;
/// After Ctrl-C, how long to let an ask already on its way reach the app, so that what
/// it made can be withdrawn. The app answers `wait: false` at once; this bounds a stuck one.
const FINISH_ASKING_WITHIN: Duration = Duration::from_secs(5);
/// How long the withdrawal may take: the app answers a cancel at once; this bounds a stuck
/// one, so that Ctrl-C never leaves ctray hanging.
const WITHDRAW_WITHIN: Duration = Duration::from_secs(5);
/// The reason the card and the audit log show for a withdrawal.
const WITHDRAWN: &str = "withdrawn with Ctrl-C in ctray";

enum Event {
    Finished(Result<Asked, ClientError>),
    Interrupted,
}

/// Asks and waits for the decision. Ctrl-C while waiting withdraws the request in the app
/// before ctray goes (`Asked::Interrupted`).
pub fn ask(params: &AskParams) -> Result<Asked, ClientError> {
    let (events, arrivals) = mpsc::channel();
    if interrupt::on_ctrl_c(events.clone(), |Interrupted| Event::Interrupted).is_err() {
        // No handler (no socket pair, no thread): Ctrl-C keeps its default.
        return ask_through_lost_connections(params, &|_| {});
    }
    let asked: Arc<Mutex<Option<String>>> = Arc::default();
    let asking = {
        let (params, asked) = (params.clone(), asked.clone());
        std::thread::Builder::new()
            .name("ctray-ask".into())
            .spawn(move || {
                let noted = |id: &str| *asked.lock().unwrap() = Some(id.to_owned());
                let _ = events.send(Event::Finished(ask_through_lost_connections(
                    &params, &noted,
                )));
            })
    };
    if asking.is_err() {
        return ask_through_lost_connections(params, &|_| {});
    }
    match arrivals.recv() {
        Ok(Event::Finished(result)) => result,
        Ok(Event::Interrupted) => Ok(Asked::Interrupted(withdraw(&asked, &arrivals))),
        Err(_) => Err(ClientError::Unavailable(
            "the asking thread ended without an answer".into(),
        )),
    }
}

/// Withdraws the request being waited on, once its id is known.
fn withdraw(asked: &Mutex<Option<String>>, arrivals: &Receiver<Event>) -> Withdrawal {
    interrupt::restore_default();
    let until = Instant::now() + FINISH_ASKING_WITHIN;
    let id = loop {
        if let Some(id) = asked.lock().unwrap().clone() {
            break id;
        }
        match arrivals.recv_timeout(Duration::from_millis(20)) {
            // Ended (decided at once by a grant, or failed) before there was a wait.
            Ok(Event::Finished(Ok(Asked::Answered(request)))) => {
                let outcome = request.resolution.as_ref().map(|r| crate::word(&r.outcome));
                return Withdrawal::AlreadyEnded(format!(
                    "the request was already {}",
                    outcome.as_deref().unwrap_or("decided")
                ));
            }
            Ok(Event::Finished(_)) | Err(RecvTimeoutError::Disconnected) => {
                return Withdrawal::NeverAsked
            }
            Ok(Event::Interrupted) | Err(RecvTimeoutError::Timeout) => {
                if Instant::now() >= until {
                    return Withdrawal::NeverAsked;
                }
            }
        }
    };
    // A connection of its own: the asking one is busy waiting. The app lets the same
    // process withdraw what it asked.
    let withdrawn = Client::connect_with(Some(WITHDRAW_WITHIN))
        .and_then(|mut app| app.cancel(&id, Some(WITHDRAWN)));
    match withdrawn {
        Ok(request) => Withdrawal::Cancelled(Box::new(request)),
        Err(ClientError::Rpc(e)) if e.code == code::ALREADY_RESOLVED => {
            Withdrawal::AlreadyEnded(printable(&e.message))
        }
        Err(e) => Withdrawal::NotWithdrawn(printable(&e.to_string())),
    }
}

/// Asks and waits. A connection lost while waiting (the app quit, or the SSH connection
/// that carried it dropped) is said plainly; with an idempotency key, ctray asks again
/// with the same key until the app answers or `RECONNECT_FOR` passes, and finds the same
/// request (still waiting, or how it ended meanwhile). `noted` hears each pending
/// request's id before the wait for it begins.
fn ask_through_lost_connections(
    params: &AskParams,
    noted: &dyn Fn(&str),
) -> Result<Asked, ClientError> {
    let ask_only = AskParams {
        wait: false,
        ..params.clone()
    };
    let mut client = Client::connect()?;
    let mut lost = 0;
    loop {
        let answered = client.ask(&ask_only).and_then(|request| {
            if !request.is_pending() {
                return Ok(request);
            }
            noted(&request.id);
            client.wait(&request.id)
        });
        let why = match answered {
            Err(ClientError::Unavailable(why)) => why,
            other => return other.map(|request| Asked::Answered(Box::new(request))),
        };
        lost += 1;
        let Some(key) = params
            .idempotency_key
            .as_ref()
            .filter(|_| lost <= MAX_RECONNECTS)
        else {
            return Ok(Asked::Lost(format!(
                "the connection to Converge Tray was lost while waiting for a decision ({why}); \
                 if an SSH connection carried it, it dropped. The app closes the request as \
                 cancelled within seconds, unless it is asked again with the same --key"
            )));
        };
        eprintln!(
            "ctray: the connection to Converge Tray was lost while waiting ({why}); asking again \
             with key {} for up to {}",
            printable(key),
            spoken(RECONNECT_FOR.as_millis() as i64)
        );
        client = reconnect(RECONNECT_FOR)?;
    }
}

fn reconnect(within: Duration) -> Result<Client, ClientError> {
    let until = Instant::now() + within;
    loop {
        match Client::connect() {
            Ok(client) => return Ok(client),
            Err(ClientError::Unavailable(_)) if Instant::now() < until => {
                std::thread::sleep(Duration::from_millis(250));
            }
            Err(e) => return Err(e),
        }
    }
}
