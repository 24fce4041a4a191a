//! What the app and the phone's link (the Matrix client, a process of its own) say to each
//! other: one JSON message per line over a socket pair the app made and only that process
//! inherited, as the popover's process does. The link never opens the local API; holding
//! its end of the channel is all it can do with the app.

use std::io::{self, BufRead, Write};
use std::path::PathBuf;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::message::Request;

/// The inherited end's file descriptor in the link's process.
pub const INHERITED_FD: i32 = 3;
/// Set, to the descriptor's number, for the link's process only.
pub const ENV: &str = "CONVERGE_PHONE_CHANNEL";
/// The longest message either side reads: a request's details are cut at 2,000 characters.
pub const MESSAGE_AT_MOST: usize = 256 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ToLink {
    /// The first message after Settings → Phone: sign in with a password (used once, never
    /// stored), make the room with `person`, keep the session in `store`.
    SignIn {
        homeserver: String,
        user: String,
        password: String,
        person: String,
        store: PathBuf,
        high_risk_approvable: bool,
    },
    /// The first message at every later start: the session kept in `store`.
    Resume {
        store: PathBuf,
        high_risk_approvable: bool,
    },
    /// Ask the person's phone to verify this device (emoji comparison).
    Verify,
    /// The person compared the emojis shown in the app with their phone's.
    Confirm { matches: bool },
    /// Send this request to the phone.
    Ask {
        request_id: String,
        request: Request,
        /// When it is denied unanswered, in milliseconds since the epoch.
        deadline_ms: u64,
    },
    /// Phone is turned off: sign this device out of the homeserver (its access token stops
    /// working there), then end.
    SignOut,
    /// Whether a high-risk request may be approved from the phone changed in Settings.
    HighRisk { approvable: bool },
    /// The request ended (on the desktop, in a terminal, by its deadline, or on the phone):
    /// the phone's message is edited to say how, and answers to it decide nothing.
    Ended { request_id: String, how: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FromLink {
    /// Signed in: this device, the room with the person, and whether the person verified
    /// this device (until then nothing is sent).
    SignedIn {
        user: String,
        device: String,
        /// The person's Matrix user id.
        person: String,
        room: String,
        verified: bool,
        /// Whether the session's secrets are in the person's keyring (else in a file only
        /// the user can read).
        #[serde(default)]
        keys_in_keyring: bool,
    },
    /// The emojis to compare with the phone's, in order: (symbol, description).
    Emojis { emojis: Vec<(String, String)> },
    /// The person's identity and this device verified each other.
    Verified,
    /// The verification ended without trust: why, in words for the person.
    VerificationFailed { why: String },
    /// The request's message is on the phone.
    Sent { request_id: String },
    /// The request was not sent, and stays on the desktop: why, in words for the person.
    NotSent { request_id: String, why: String },
    /// The person answered from a verified device.
    Decided {
        request_id: String,
        approved: bool,
        reason: Option<String>,
        /// The Matrix device id, for the audit log.
        device: String,
    },
    /// An event in the room that decided nothing, and why (for the log).
    Ignored { why: String },
    /// Phone escalation does not work now (the homeserver is unreachable, the session was
    /// signed out): what happened, in words for the person. Said once until it works again.
    Unavailable { why: String },
    /// It works again after `Unavailable`.
    Available,
    /// The link ended and will not work until Phone is set up again (the sign-in failed,
    /// the kept session is unreadable): why, in words for the person.
    Stopped { why: String },
}

/// Writes one message as a line.
pub fn send<T: Serialize>(to: &mut impl Write, message: &T) -> io::Result<()> {
    let mut line = serde_json::to_vec(message)?;
    line.push(b'\n');
    to.write_all(&line)?;
    to.flush()
}

/// Reads the next message; `Ok(None)` at the end of the channel. A line longer than
/// [`MESSAGE_AT_MOST`] or one that is not a message is an error.
pub fn receive<T: DeserializeOwned>(from: &mut impl BufRead) -> io::Result<Option<T>> {
    let mut line = Vec::new();
    let read =
        io::Read::take(&mut *from, MESSAGE_AT_MOST as u64 + 1).read_until(b'\n', &mut line)?;
    if read == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "a message longer than the channel allows, or cut off",
        ));
    }
    serde_json::from_slice(&line)
        .map(Some)
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_crosses_as_one_line_and_the_end_is_none() {
        let mut wire = Vec::new();
        let ended = ToLink::Ended {
            request_id: "r1".into(),
            how: "Approved on the desktop".into(),
        };
        send(&mut wire, &ended).unwrap();
        send(&mut wire, &ToLink::Verify).unwrap();
        assert_eq!(wire.iter().filter(|byte| **byte == b'\n').count(), 2);
        let mut reader = io::Cursor::new(wire);
        assert_eq!(receive::<ToLink>(&mut reader).unwrap(), Some(ended));
        assert_eq!(
            receive::<ToLink>(&mut reader).unwrap(),
            Some(ToLink::Verify)
        );
        assert_eq!(receive::<ToLink>(&mut reader).unwrap(), None);
    }

    #[test]
    fn an_oversized_cut_off_or_foreign_line_is_an_error() {
        let long = format!(
            "{{\"kind\":\"verify\",\"x\":\"{}\"}}\n",
            "a".repeat(MESSAGE_AT_MOST)
        );
        let cut = b"{\"kind\":\"verify\"".to_vec();
        let foreign = b"{\"kind\":\"shutdown\"}\n".to_vec();
        for wire in [long.into_bytes(), cut, foreign] {
            let error = receive::<ToLink>(&mut io::Cursor::new(wire)).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        }
    }
}
