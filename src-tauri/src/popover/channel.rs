//! What the app and the popover's own process say to each other (popover.rs), one JSON
//! message per line over a socket pair the app made and only that process inherited.
//! Holding the other end is the popover's authority: no path, no name, nothing another
//! program could open (docs/security.md).

use std::io::{self, BufRead, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::window::Anchor;

/// The inherited end's file descriptor in the popover's process.
pub const INHERITED_FD: i32 = 3;
/// Set, to the descriptor's number, for the popover's process only.
pub const ENV: &str = "CONVERGE_TRAY_POPOVER_CHANNEL";

/// The longest message the app reads from the popover: its calls are a few ids and a grant.
pub const FROM_POPOVER_AT_MOST: usize = 1024 * 1024;
/// The longest message the popover reads from the app: an inbox resync can be large.
pub const TO_POPOVER_AT_MOST: usize = 256 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ToPopover {
    /// The first message: how to build the window.
    Start {
        /// Keep it open when it loses focus (`--pin-popover`).
        pinned: bool,
        /// The inbox as JSON, handed to the page before its code runs (popover.rs).
        snapshot: Option<String>,
    },
    /// Show it beside `anchor` and give it focus.
    Show {
        anchor: Option<Anchor>,
    },
    Hide,
    /// A Tauri event for the page, as the app would emit it to its own windows.
    Event {
        name: String,
        payload: Value,
    },
    /// The answer to `FromPopover::Call` number `id`: the command's value or its error.
    Reply {
        id: u64,
        result: Result<Value, String>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FromPopover {
    /// The page called `command` (crates/page-contract) with `args`, as it would in the app.
    Call {
        id: u64,
        command: String,
        args: Value,
    },
    /// It hid itself after losing focus.
    HiddenByBlur,
}

pub fn write<T: Serialize>(to: &mut impl Write, message: &T) -> io::Result<()> {
    let mut line = serde_json::to_vec(message)?;
    line.push(b'\n');
    to.write_all(&line)?;
    to.flush()
}

/// The next message, or `None` at the end of the stream. A line longer than `at_most` or one
/// that is not such a message is an error: the other side is not the one we started.
pub fn read<T: DeserializeOwned>(from: &mut impl BufRead, at_most: usize) -> io::Result<Option<T>> {
    let mut line = Vec::new();
    let read = io::Read::take(&mut *from, at_most as u64 + 1).read_until(b'\n', &mut line)?;
    if read == 0 {
        return Ok(None);
    }
    if line.last() != Some(&b'\n') {
        let problem = if line.len() > at_most {
            format!("a message longer than {at_most} bytes")
        } else {
            "a message cut short".to_owned()
        };
        return Err(io::Error::new(io::ErrorKind::InvalidData, problem));
    }
    serde_json::from_slice(&line)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn messages_go_through_one_per_line() {
        let mut wire = Vec::new();
        let sent = [
            ToPopover::Start {
                pinned: false,
                snapshot: Some(r#"{"pending": []}"#.into()),
            },
            ToPopover::Show {
                anchor: Some(Anchor::point(tauri::PhysicalPosition::new(10.0, 20.0))),
            },
            ToPopover::Reply {
                id: 7,
                result: Err("no request r-1".into()),
            },
        ];
        for message in &sent {
            write(&mut wire, message).unwrap();
        }
        let mut from = Cursor::new(wire);
        for message in &sent {
            let got: ToPopover = read(&mut from, 1024).unwrap().unwrap();
            assert_eq!(&got, message);
        }
        assert_eq!(read::<ToPopover>(&mut from, 1024).unwrap(), None);
    }

    #[test]
    fn an_oversized_cut_or_foreign_message_is_an_error() {
        let call = FromPopover::Call {
            id: 1,
            command: "inbox_decide".into(),
            args: serde_json::json!({"requestId": "x".repeat(100)}),
        };
        let mut wire = Vec::new();
        write(&mut wire, &call).unwrap();
        let error = read::<FromPopover>(&mut Cursor::new(wire.clone()), 64).unwrap_err();
        assert!(error.to_string().contains("longer than 64"), "{error}");
        wire.pop();
        let error = read::<FromPopover>(&mut Cursor::new(wire), 1024).unwrap_err();
        assert!(error.to_string().contains("cut short"), "{error}");
        let foreign = b"{\"kind\":\"decide_everything\"}\n".to_vec();
        assert!(read::<FromPopover>(&mut Cursor::new(foreign), 1024).is_err());
    }
}
