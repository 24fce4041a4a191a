//! The person's phone for the app's end-to-end test (tests/e2e/phone_e2e.py): a real Matrix
//! client with a device of its own and cross-signing, as Element X is, driven one JSON
//! command per line on standard input, answering one JSON line each on standard output.
//!
//! Commands: `{"do": "sign_in", "url", "user", "password", "store"}`,
//! `{"do": "join_invited"}`, `{"do": "accept_verification"}` (answers the emojis),
//! `{"do": "confirm"}`, `{"do": "message", "contains", "within"?}` (a new message, waited
//! for a minute or `within` seconds),
//! `{"do": "edit", "contains"}` (an edit of one), `{"do": "send", "text"}`.
//! Each answer is `{"ok": …}` or `{"error": "…"}`.

#![recursion_limit = "256"]

use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use matrix_sdk::config::SyncSettings;
use matrix_sdk::deserialized_responses::EncryptionInfo;
use matrix_sdk::encryption::verification::{
    SasState, SasVerification, Verification, VerificationRequest, VerificationRequestState,
};
use matrix_sdk::encryption::EncryptionSettings;
use matrix_sdk::ruma::events::room::message::{
    MessageType, OriginalSyncRoomMessageEvent, Relation, RoomMessageEventContent,
};
use matrix_sdk::{Client, Room, RoomState};
use serde_json::{json, Value};

const WITHIN: Duration = Duration::from_secs(60);

#[derive(Clone)]
struct Received {
    body: String,
    encrypted: bool,
    edit: bool,
}

#[derive(Default)]
struct Phone {
    client: Option<Client>,
    room: Option<Room>,
    received: Arc<Mutex<Vec<Received>>>,
    request: Arc<Mutex<Option<VerificationRequest>>>,
    sas: Option<SasVerification>,
}

#[tokio::main]
async fn main() {
    // Its log is the test's (phone-stand-in.log): undecryptable events and the like.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(std::io::stderr)
        .init();
    let mut phone = Phone::default();
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let answer = match serde_json::from_str::<Value>(&line) {
            Ok(command) => match phone.run(&command).await {
                Ok(value) => json!({ "ok": value }),
                Err(error) => json!({ "error": error }),
            },
            Err(error) => json!({ "error": format!("not JSON: {error}") }),
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{answer}");
        let _ = out.flush();
    }
}

async fn eventually<T>(what: &str, found: impl FnMut() -> Option<T>) -> Result<T, String> {
    eventually_within(WITHIN, what, found).await
}

async fn eventually_within<T>(
    within: Duration,
    what: &str,
    mut found: impl FnMut() -> Option<T>,
) -> Result<T, String> {
    let start = Instant::now();
    loop {
        if let Some(value) = found() {
            return Ok(value);
        }
        if start.elapsed() > within {
            return Err(format!("waited {within:?} for {what}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn text(command: &Value, key: &str) -> Result<String, String> {
    command[key]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("\"{key}\" is missing"))
}

impl Phone {
    fn client(&self) -> Result<&Client, String> {
        self.client.as_ref().ok_or_else(|| "not signed in".into())
    }

    async fn run(&mut self, command: &Value) -> Result<Value, String> {
        match command["do"].as_str().unwrap_or_default() {
            "sign_in" => self.sign_in(command).await,
            "join_invited" => self.join_invited().await,
            "accept_verification" => self.accept_verification().await,
            "confirm" => self.confirm().await,
            "message" => self.received(command, false).await,
            "edit" => self.received(command, true).await,
            "send" => {
                let room = self.room.as_ref().ok_or("no room joined")?;
                let sent = room
                    .send(RoomMessageEventContent::text_plain(text(command, "text")?))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(json!(sent.response.event_id.to_string()))
            }
            other => Err(format!("no command {other:?}")),
        }
    }

    async fn sign_in(&mut self, command: &Value) -> Result<Value, String> {
        let client = Client::builder()
            .homeserver_url(text(command, "url")?)
            .sqlite_store(text(command, "store")?, None)
            .with_encryption_settings(EncryptionSettings {
                auto_enable_cross_signing: true,
                ..Default::default()
            })
            .build()
            .await
            .map_err(|e| e.to_string())?;
        client
            .matrix_auth()
            .login_username(&text(command, "user")?, &text(command, "password")?)
            .initial_device_display_name("phone")
            .await
            .map_err(|e| e.to_string())?;
        client
            .encryption()
            .wait_for_e2ee_initialization_tasks()
            .await;
        let (seen, asked) = (self.received.clone(), self.request.clone());
        client.add_event_handler(
            move |event: OriginalSyncRoomMessageEvent,
                  client: Client,
                  info: Option<EncryptionInfo>| {
                let (seen, asked) = (seen.clone(), asked.clone());
                async move {
                    if let MessageType::VerificationRequest(_) = event.content.msgtype {
                        *asked.lock().unwrap() = client
                            .encryption()
                            .get_verification_request(&event.sender, &event.event_id)
                            .await;
                        return;
                    }
                    let (edit, body) = match &event.content.relates_to {
                        Some(Relation::Replacement(replacement)) => {
                            (true, replacement.new_content.msgtype.body().to_owned())
                        }
                        _ => (false, event.content.msgtype.body().to_owned()),
                    };
                    seen.lock().unwrap().push(Received {
                        body,
                        encrypted: info.is_some(),
                        edit,
                    });
                }
            },
        );
        let syncing = client.clone();
        tokio::spawn(async move {
            let _ = syncing
                .sync(SyncSettings::default().timeout(Duration::from_millis(500)))
                .await;
        });
        let device = client.device_id().map(ToString::to_string);
        self.client = Some(client);
        Ok(json!(device))
    }

    async fn join_invited(&mut self) -> Result<Value, String> {
        let client = self.client()?.clone();
        let invited = eventually("an invitation", || {
            client
                .rooms()
                .into_iter()
                .find(|room| room.state() == RoomState::Invited)
        })
        .await?;
        invited.join().await.map_err(|e| e.to_string())?;
        let id = invited.room_id().to_owned();
        let room = eventually("the room joined", || {
            client
                .get_room(&id)
                .filter(|room| room.state() == RoomState::Joined)
        })
        .await?;
        // As a phone does in the moment after joining, before its person walks back to the
        // desk: it learns the devices of the room's other member, so that a request to
        // verify from one of them is recognised (matrix-sdk ignores a request from a device
        // it has not heard of yet, and never looks at it again).
        let start = Instant::now();
        loop {
            let mut others = Vec::new();
            for member in room
                .members(matrix_sdk::RoomMemberships::JOIN)
                .await
                .map_err(|e| e.to_string())?
            {
                if Some(member.user_id()) != client.user_id() {
                    others.push(member.user_id().to_owned());
                }
            }
            let mut known = !others.is_empty();
            for user in &others {
                let devices = client
                    .encryption()
                    .get_user_devices(user)
                    .await
                    .map_err(|e| e.to_string())?;
                known &= devices.devices().next().is_some();
            }
            if known {
                break;
            }
            if start.elapsed() > WITHIN {
                return Err("the room's other member's devices never became known".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.room = Some(room);
        Ok(json!(id.to_string()))
    }

    async fn accept_verification(&mut self) -> Result<Value, String> {
        let asked = self.request.clone();
        let request = eventually("a request to verify", || asked.lock().unwrap().clone()).await?;
        request.accept().await.map_err(|e| e.to_string())?;
        let sas = eventually("the emoji comparison", || match request.state() {
            VerificationRequestState::Transitioned {
                verification: Verification::SasV1(sas),
                ..
            } => Some(sas),
            _ => None,
        })
        .await?;
        sas.accept().await.map_err(|e| e.to_string())?;
        let emojis = eventually("the emojis", || sas.emoji()).await?;
        self.sas = Some(sas);
        Ok(json!(emojis
            .iter()
            .map(|emoji| [emoji.symbol, emoji.description])
            .collect::<Vec<_>>()))
    }

    async fn confirm(&mut self) -> Result<Value, String> {
        let sas = self.sas.take().ok_or("no comparison under way")?;
        sas.confirm().await.map_err(|e| e.to_string())?;
        eventually("the comparison done", || {
            matches!(sas.state(), SasState::Done { .. }).then_some(())
        })
        .await?;
        Ok(json!(true))
    }

    /// The first message (or edit) holding `contains`, waited for `within` seconds if given.
    async fn received(&self, command: &Value, edit: bool) -> Result<Value, String> {
        let contains = text(command, "contains")?;
        let within = command["within"]
            .as_u64()
            .map_or(WITHIN, Duration::from_secs);
        let seen = self.received.clone();
        let found = eventually_within(within, &format!("a message with {contains:?}"), || {
            seen.lock()
                .unwrap()
                .iter()
                .find(|m| m.edit == edit && m.body.contains(&contains))
                .cloned()
        })
        .await?;
        Ok(json!({ "body": found.body, "encrypted": found.encrypted }))
    }
}
