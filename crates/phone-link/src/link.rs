//! The link's state, owned here: the requests open on the phone, the judge of answers, the
//! verification under way, and whether the homeserver can be reached.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use matrix_sdk::config::SyncSettings;
use matrix_sdk::encryption::verification::SasVerification;
use matrix_sdk::ruma::events::room::message::{ReplacementMetadata, RoomMessageEventContent};
use matrix_sdk::ruma::{OwnedEventId, OwnedRoomId, OwnedUserId};
use matrix_sdk::{Client, LoopCtrl};
use phone::authority::{Event, Judge, Setup, Waiting};
use phone::channel::FromLink;
use phone::message::{self, Code, Request};

use crate::outbox::Outbox;
use crate::session::Saved;

/// How long sending a request's message may take before it stays on the desktop.
const SEND_AT_MOST: Duration = Duration::from_secs(20);

pub struct Link {
    pub client: Client,
    pub person: OwnedUserId,
    pub room_id: OwnedRoomId,
    out: Outbox,
    judge: Mutex<Judge>,
    open: Mutex<HashMap<String, Open>>,
    sas: Mutex<Option<SasVerification>>,
    available: AtomicBool,
    high_risk_approvable: AtomicBool,
}

struct Open {
    waiting: Waiting,
    request: Request,
    /// The message on the phone, once sent.
    message: Option<OwnedEventId>,
    /// Decided or gone: kept until its deadline so that a late answer is told apart from
    /// one naming no request, and its code is not given to another.
    ended: bool,
}

impl Link {
    pub fn new(
        client: Client,
        saved: &Saved,
        high_risk_approvable: bool,
        out: Outbox,
    ) -> Result<Self, String> {
        let person = OwnedUserId::try_from(saved.person.as_str())
            .map_err(|error| format!("the kept person {}: {error}", saved.person))?;
        let room_id = OwnedRoomId::try_from(saved.room.as_str())
            .map_err(|error| format!("the kept room {}: {error}", saved.room))?;
        let judge = Judge::new(Setup {
            person: person.to_string(),
            room: room_id.to_string(),
            high_risk_approvable,
        });
        Ok(Link {
            client,
            person,
            room_id,
            out,
            judge: Mutex::new(judge),
            open: Mutex::new(HashMap::new()),
            sas: Mutex::new(None),
            available: AtomicBool::new(true),
            high_risk_approvable: AtomicBool::new(high_risk_approvable),
        })
    }

    pub fn say(&self, message: FromLink) {
        self.out.say(&message);
    }

    pub fn own_user(&self) -> String {
        self.client
            .user_id()
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    pub fn own_device(&self) -> String {
        self.client
            .device_id()
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    /// Whether the person's identity is verified here (by the emoji comparison): only then
    /// are their devices' answers trusted, and requests sent.
    pub async fn person_verified(&self) -> bool {
        matches!(
            self.client.encryption().get_user_identity(&self.person).await,
            Ok(Some(identity)) if identity.is_verified()
        )
    }

    /// Syncs with the homeserver for as long as the link lives, telling the app once when
    /// the homeserver cannot be reached and once when it can again.
    pub async fn keep_in_sync(self: std::sync::Arc<Self>) {
        let settings = SyncSettings::default().timeout(Duration::from_secs(10));
        let link = self.clone();
        let synced = self
            .client
            .sync_with_result_callback(settings, |result| {
                let link = link.clone();
                async move {
                    match result {
                        Ok(_) => {
                            if !link.available.swap(true, Ordering::SeqCst) {
                                link.say(FromLink::Available);
                            }
                        }
                        Err(error) => {
                            if link.available.swap(false, Ordering::SeqCst) {
                                // The error names the sync request's whole address: the log
                                // keeps it, the person reads the homeserver's.
                                tracing::warn!("sync: {error}");
                                link.say(FromLink::Unavailable {
                                    why: format!(
                                        "Your homeserver ({}) cannot be reached: requests stay \
                                         on the desktop.",
                                        link.client.homeserver()
                                    ),
                                });
                            }
                            tokio::time::sleep(Duration::from_secs(2)).await;
                        }
                    }
                    Ok(LoopCtrl::Continue)
                }
            })
            .await;
        if let Err(error) = synced {
            self.say(FromLink::Stopped {
                why: format!("The phone's link stopped: {error}"),
            });
        }
    }

    /// Sends a request's message to the phone, or says why it stays on the desktop.
    pub async fn ask(&self, request_id: String, request: Request, deadline_ms: u64) {
        let not_sent = |why: &str| FromLink::NotSent {
            request_id: request_id.clone(),
            why: why.to_owned(),
        };
        if !self.available.load(Ordering::SeqCst) {
            return self.say(not_sent("The homeserver cannot be reached."));
        }
        if !self.person_verified().await {
            return self.say(not_sent(
                "Your phone has not verified the app yet (Settings → Phone → Verify).",
            ));
        }
        let Some(code) = self.new_code() else {
            return self.say(not_sent("No randomness for the request's code."));
        };
        let approve_here = !request.high_risk || self.high_risk_approvable.load(Ordering::SeqCst);
        let text = message::text(&request, &code, approve_here);
        self.open_request(&request_id, &request, code, deadline_ms);
        let Some(room) = self.client.get_room(&self.room_id) else {
            self.close_request(&request_id);
            return self.say(not_sent(
                "The room with your phone is gone: set up Phone again.",
            ));
        };
        let sent = tokio::time::timeout(
            SEND_AT_MOST,
            room.send(RoomMessageEventContent::text_plain(text)),
        )
        .await;
        match sent {
            Ok(Ok(sent)) => {
                if let Some(open) = self.open_lock().get_mut(&request_id) {
                    open.message = Some(sent.response.event_id);
                }
                self.say(FromLink::Sent { request_id });
            }
            Ok(Err(error)) => {
                self.close_request(&request_id);
                self.say(not_sent(&format!("Sending it failed: {error}")));
            }
            Err(_) => {
                self.close_request(&request_id);
                self.say(not_sent("The homeserver did not take it in time."));
            }
        }
    }

    /// The request ended: answers to it decide nothing, and its message says how it ended.
    pub async fn ended(&self, request_id: &str, how: &str) {
        self.judge_lock().decided_elsewhere(request_id);
        let ended = self.open_lock().get_mut(request_id).and_then(|open| {
            open.ended = true;
            Some((open.message.take()?, open.request.clone()))
        });
        let (Some((message_id, request)), Some(room)) =
            (ended, self.client.get_room(&self.room_id))
        else {
            return;
        };
        let edit = RoomMessageEventContent::text_plain(message::ended(&request, how))
            .make_replacement(ReplacementMetadata::new(message_id, None));
        if let Err(error) = room.send(edit).await {
            tracing::warn!("the phone's message for {request_id} was not updated: {error}");
        }
    }

    /// Judges one event of the room and tells the app what it decided, or why nothing.
    pub fn judge(&self, event: &Event) {
        let waiting: Vec<Waiting> = self
            .open_lock()
            .values()
            .map(|open| open.waiting.clone())
            .collect();
        let judged = self.judge_lock().judge(event, &waiting);
        match judged {
            Ok(decision) => self.say(FromLink::Decided {
                request_id: decision.request_id,
                approved: decision.approved,
                reason: decision.reason,
                device: decision.device,
            }),
            Err(ignored) => self.say(FromLink::Ignored {
                why: format!("event {} in {}: {ignored}", event.id, event.room),
            }),
        }
    }

    /// The person changed whether high risk may be approved from the phone.
    pub fn set_high_risk_approvable(&self, approvable: bool) {
        self.high_risk_approvable
            .store(approvable, Ordering::SeqCst);
        self.judge_lock().set_high_risk_approvable(approvable);
    }

    /// The verification under way, whose emojis the app shows.
    pub fn verifying(&self, sas: Option<SasVerification>) {
        *self.sas.lock().unwrap_or_else(|p| p.into_inner()) = sas;
    }

    /// The person compared the emojis.
    pub async fn confirm(&self, matches: bool) {
        let sas = self.sas.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let Some(sas) = sas else {
            tracing::warn!("a confirmation with no verification under way");
            return;
        };
        let done = if matches {
            sas.confirm().await
        } else {
            sas.mismatch().await
        };
        if let Err(error) = done {
            self.say(FromLink::VerificationFailed {
                why: format!("The comparison could not be sent: {error}"),
            });
        }
    }

    fn new_code(&self) -> Option<Code> {
        for _ in 0..16 {
            let mut random = [0u8; 8];
            getrandom::fill(&mut random).ok()?;
            let code = Code::from_random(&random)?;
            let taken = self
                .open_lock()
                .values()
                .any(|open| open.waiting.code == code.as_str());
            if !taken {
                return Some(code);
            }
        }
        None
    }

    fn open_request(&self, request_id: &str, request: &Request, code: Code, deadline_ms: u64) {
        let waiting = Waiting {
            request_id: request_id.to_owned(),
            code: code.as_str().to_owned(),
            deadline_ms,
            high_risk: request.high_risk,
        };
        let mut open = self.open_lock();
        let now = now_ms();
        open.retain(|_, open| !open.ended || open.waiting.deadline_ms > now);
        open.insert(
            request_id.to_owned(),
            Open {
                waiting,
                request: request.clone(),
                message: None,
                ended: false,
            },
        );
    }

    /// Forgets a request that never reached the phone.
    fn close_request(&self, request_id: &str) {
        self.open_lock().remove(request_id);
    }

    fn open_lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Open>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn judge_lock(&self) -> std::sync::MutexGuard<'_, Judge> {
        self.judge.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Now, in milliseconds since the epoch, on this machine's clock: answers are timed by
/// when the link received them, not by the time a homeserver claims.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_millis() as u64)
        .unwrap_or(0)
}
