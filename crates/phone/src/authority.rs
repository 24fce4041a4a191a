//! Which answers from the phone decide a request. Only the person decides: an answer counts
//! only when it comes from the person's own Matrix user, from a device their cross-signing
//! identity verified, encrypted, in the room set up with them, naming an open request by
//! its code, before its deadline, the first time, and not as an edit or a redaction of
//! another message. Everything else is ignored, with the reason for the log.

use std::collections::HashSet;

use crate::message::{self, Answer};

/// What the Matrix client reports about one event in a room it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The homeserver's id for the event: the same id seen twice is a replay.
    pub id: String,
    pub room: String,
    pub sender: String,
    /// How it reached the client. A homeserver's admin can inject events into any room on
    /// it, but not encrypted ones from a device the person verified.
    pub sealed: Sealed,
    pub kind: Kind,
    /// The event's text (a message's body); empty for others.
    pub body: String,
    /// When the client received it, in milliseconds since the epoch (not the timestamp the
    /// sender's server claims).
    pub received_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sealed {
    /// Sent in the clear.
    Plaintext,
    /// Encrypted by `device`; `verified`: the sender's cross-signing identity signed that
    /// device, and the client trusts that identity.
    Encrypted { device: String, verified: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A new text message (a reply is one too).
    Message,
    /// A message that replaces an earlier one (`m.replace`).
    Edit,
    /// A redaction of an earlier event.
    Redaction,
    /// A reaction (`m.annotation`): sent unencrypted by every client.
    Reaction,
    /// Anything else (a poll, a file, a state change).
    Other,
}

/// A request waiting for an answer, as the phone's side knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub request_id: String,
    pub code: String,
    pub deadline_ms: u64,
    pub high_risk: bool,
}

/// Who may answer, and where: fixed when Phone is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setup {
    /// The person's Matrix user id.
    pub person: String,
    /// The one room shared with them.
    pub room: String,
    /// Whether a high-risk request may be approved from the phone (deny always may).
    pub high_risk_approvable: bool,
}

/// An answer that decides a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub request_id: String,
    pub approved: bool,
    pub reason: Option<String>,
    /// The device it came from, for the audit log (surface `phone`).
    pub device: String,
}

/// Why an event decided nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ignored {
    Replayed,
    OtherRoom { room: String },
    OtherUser { sender: String },
    NotEncrypted,
    UnverifiedDevice { device: String },
    Edit,
    Redaction,
    Reaction,
    NotAMessage,
    NotAnAnswer,
    NoSuchRequest { code: String },
    AlreadyDecided { request_id: String },
    TooLate { request_id: String },
    HighRiskApprovalOff { request_id: String },
}

impl std::fmt::Display for Ignored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ignored::Replayed => write!(f, "an event already seen (a replay)"),
            Ignored::OtherRoom { room } => write!(f, "sent in another room ({room})"),
            Ignored::OtherUser { sender } => {
                write!(f, "sent by {sender}, who is not the person")
            }
            Ignored::NotEncrypted => write!(f, "not encrypted"),
            Ignored::UnverifiedDevice { device } => {
                write!(f, "from device {device}, which the person has not verified")
            }
            Ignored::Edit => write!(f, "an edit of an earlier message"),
            Ignored::Redaction => write!(f, "a redaction"),
            Ignored::Reaction => write!(f, "a reaction (reactions are not encrypted)"),
            Ignored::NotAMessage => write!(f, "not a text message"),
            Ignored::NotAnAnswer => write!(f, "not \"approve CODE\" or \"deny CODE\""),
            Ignored::NoSuchRequest { code } => write!(f, "no open request has code {code}"),
            Ignored::AlreadyDecided { request_id } => {
                write!(f, "request {request_id} was already decided")
            }
            Ignored::TooLate { request_id } => {
                write!(f, "request {request_id}'s deadline had passed")
            }
            Ignored::HighRiskApprovalOff { request_id } => write!(
                f,
                "request {request_id} is high risk, and approving those from the phone is off"
            ),
        }
    }
}

/// Judges the events of the phone's room, remembering what it has seen and decided.
#[derive(Debug)]
pub struct Judge {
    setup: Setup,
    seen: HashSet<String>,
    decided: HashSet<String>,
}

impl Judge {
    pub fn new(setup: Setup) -> Self {
        Judge {
            setup,
            seen: HashSet::new(),
            decided: HashSet::new(),
        }
    }

    /// Whether a high-risk request may be approved from the phone, as the person now says.
    pub fn set_high_risk_approvable(&mut self, approvable: bool) {
        self.setup.high_risk_approvable = approvable;
    }

    /// Marks a request decided elsewhere (the desktop, a terminal, a timeout): an answer to
    /// it from the phone then decides nothing.
    pub fn decided_elsewhere(&mut self, request_id: &str) {
        self.decided.insert(request_id.to_owned());
    }

    /// Whether `event` decides one of `waiting`, and how; or why it does not.
    pub fn judge(&mut self, event: &Event, waiting: &[Waiting]) -> Result<Decision, Ignored> {
        if !self.seen.insert(event.id.clone()) {
            return Err(Ignored::Replayed);
        }
        if event.room != self.setup.room {
            return Err(Ignored::OtherRoom {
                room: event.room.clone(),
            });
        }
        if event.sender != self.setup.person {
            return Err(Ignored::OtherUser {
                sender: event.sender.clone(),
            });
        }
        match event.kind {
            Kind::Message => {}
            Kind::Edit => return Err(Ignored::Edit),
            Kind::Redaction => return Err(Ignored::Redaction),
            Kind::Reaction => return Err(Ignored::Reaction),
            Kind::Other => return Err(Ignored::NotAMessage),
        }
        let device = match &event.sealed {
            Sealed::Plaintext => return Err(Ignored::NotEncrypted),
            Sealed::Encrypted {
                device,
                verified: false,
            } => {
                return Err(Ignored::UnverifiedDevice {
                    device: device.clone(),
                })
            }
            Sealed::Encrypted {
                device,
                verified: true,
            } => device.clone(),
        };
        let answer = message::read_answer(&event.body).ok_or(Ignored::NotAnAnswer)?;
        let Some(request) = waiting.iter().find(|w| w.code == answer.code()) else {
            return Err(Ignored::NoSuchRequest {
                code: answer.code().to_owned(),
            });
        };
        let request_id = request.request_id.clone();
        if self.decided.contains(&request_id) {
            return Err(Ignored::AlreadyDecided { request_id });
        }
        if event.received_ms >= request.deadline_ms {
            return Err(Ignored::TooLate { request_id });
        }
        let (approved, reason) = match answer {
            Answer::Approve { .. } => (true, None),
            Answer::Deny { reason, .. } => (false, reason),
        };
        if approved && request.high_risk && !self.setup.high_risk_approvable {
            return Err(Ignored::HighRiskApprovalOff { request_id });
        }
        self.decided.insert(request_id.clone());
        Ok(Decision {
            request_id,
            approved,
            reason,
            device,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERSON: &str = "@ana:example.org";
    const ROOM: &str = "!tray:example.org";

    fn judge() -> Judge {
        Judge::new(Setup {
            person: PERSON.into(),
            room: ROOM.into(),
            high_risk_approvable: false,
        })
    }

    fn waiting() -> Vec<Waiting> {
        vec![
            Waiting {
                request_id: "r1".into(),
                code: "K7R4M".into(),
                deadline_ms: 10_000,
                high_risk: false,
            },
            Waiting {
                request_id: "r2".into(),
                code: "WXY34".into(),
                deadline_ms: 10_000,
                high_risk: true,
            },
        ]
    }

    fn answer(id: &str, body: &str) -> Event {
        Event {
            id: id.into(),
            room: ROOM.into(),
            sender: PERSON.into(),
            sealed: Sealed::Encrypted {
                device: "PHONE1".into(),
                verified: true,
            },
            kind: Kind::Message,
            body: body.into(),
            received_ms: 5_000,
        }
    }

    #[test]
    fn the_persons_verified_device_approves_and_denies_with_a_reason() {
        let mut judge = judge();
        let approved = judge
            .judge(&answer("$1", "approve K7R4M"), &waiting())
            .unwrap();
        assert_eq!(
            approved,
            Decision {
                request_id: "r1".into(),
                approved: true,
                reason: None,
                device: "PHONE1".into()
            }
        );
        let denied = judge
            .judge(&answer("$2", "deny WXY34 not today"), &waiting())
            .unwrap();
        assert!(!denied.approved);
        assert_eq!(denied.reason.as_deref(), Some("not today"));
    }

    #[test]
    fn an_unverified_or_plaintext_answer_decides_nothing() {
        let mut judge = judge();
        let mut unverified = answer("$1", "approve K7R4M");
        unverified.sealed = Sealed::Encrypted {
            device: "NEWDEVICE".into(),
            verified: false,
        };
        assert_eq!(
            judge.judge(&unverified, &waiting()),
            Err(Ignored::UnverifiedDevice {
                device: "NEWDEVICE".into()
            })
        );
        // What a homeserver's admin can inject: the person's user id, in the clear.
        let mut injected = answer("$2", "approve K7R4M");
        injected.sealed = Sealed::Plaintext;
        assert_eq!(
            judge.judge(&injected, &waiting()),
            Err(Ignored::NotEncrypted)
        );
        // Neither used up the request: the person's own answer still decides it.
        assert!(judge
            .judge(&answer("$3", "approve K7R4M"), &waiting())
            .is_ok());
    }

    #[test]
    fn another_user_or_another_room_decides_nothing() {
        let mut judge = judge();
        let mut other_user = answer("$1", "approve K7R4M");
        other_user.sender = "@mallory:example.org".into();
        assert!(matches!(
            judge.judge(&other_user, &waiting()),
            Err(Ignored::OtherUser { .. })
        ));
        let mut other_room = answer("$2", "approve K7R4M");
        other_room.room = "!elsewhere:example.org".into();
        assert!(matches!(
            judge.judge(&other_room, &waiting()),
            Err(Ignored::OtherRoom { .. })
        ));
    }

    #[test]
    fn edits_redactions_reactions_and_replays_decide_nothing() {
        let mut judge = judge();
        for (kind, ignored) in [
            (Kind::Edit, Ignored::Edit),
            (Kind::Redaction, Ignored::Redaction),
            (Kind::Reaction, Ignored::Reaction),
            (Kind::Other, Ignored::NotAMessage),
        ] {
            let mut event = answer(&format!("${kind:?}"), "approve K7R4M");
            event.kind = kind;
            assert_eq!(judge.judge(&event, &waiting()), Err(ignored));
        }
        // A denial, then the same event again: the replay decides nothing more.
        let deny = answer("$deny", "deny K7R4M");
        assert!(judge.judge(&deny, &waiting()).is_ok());
        assert_eq!(judge.judge(&deny, &waiting()), Err(Ignored::Replayed));
    }

    #[test]
    fn the_first_answer_wins_and_late_ones_lose() {
        let mut judge = judge();
        assert!(judge.judge(&answer("$1", "deny K7R4M"), &waiting()).is_ok());
        assert_eq!(
            judge.judge(&answer("$2", "approve K7R4M"), &waiting()),
            Err(Ignored::AlreadyDecided {
                request_id: "r1".into()
            })
        );
        judge.decided_elsewhere("r2");
        assert_eq!(
            judge.judge(&answer("$3", "deny WXY34"), &waiting()),
            Err(Ignored::AlreadyDecided {
                request_id: "r2".into()
            })
        );
        let mut fresh = Judge::new(judge.setup.clone());
        let mut late = answer("$4", "approve K7R4M");
        late.received_ms = 10_000;
        assert_eq!(
            fresh.judge(&late, &waiting()),
            Err(Ignored::TooLate {
                request_id: "r1".into()
            })
        );
    }

    #[test]
    fn an_answer_must_name_an_open_request() {
        let mut judge = judge();
        assert_eq!(
            judge.judge(&answer("$1", "approve"), &waiting()),
            Err(Ignored::NotAnAnswer)
        );
        assert_eq!(
            judge.judge(&answer("$2", "approve AAAAA"), &waiting()),
            Err(Ignored::NoSuchRequest {
                code: "AAAAA".into()
            })
        );
    }

    #[test]
    fn high_risk_is_denied_from_the_phone_but_approved_there_only_when_allowed() {
        let mut judge = judge();
        assert_eq!(
            judge.judge(&answer("$1", "approve WXY34"), &waiting()),
            Err(Ignored::HighRiskApprovalOff {
                request_id: "r2".into()
            })
        );
        assert!(
            !judge
                .judge(&answer("$2", "deny WXY34"), &waiting())
                .unwrap()
                .approved
        );

        let mut allowed = Judge::new(Setup {
            high_risk_approvable: true,
            ..judge.setup.clone()
        });
        assert!(
            allowed
                .judge(&answer("$3", "approve WXY34"), &waiting())
                .unwrap()
                .approved
        );
    }

    #[test]
    fn every_reason_reads_as_a_sentence() {
        let text = Ignored::UnverifiedDevice {
            device: "NEWDEVICE".into(),
        }
        .to_string();
        assert_eq!(
            text,
            "from device NEWDEVICE, which the person has not verified"
        );
    }
}
