//! The person's phone, played by a second real Matrix client with a device of its own:
//! what Element X does, through the same SDK.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use matrix_sdk::config::SyncSettings;
use matrix_sdk::deserialized_responses::EncryptionInfo;
use matrix_sdk::encryption::verification::VerificationRequest;
use matrix_sdk::encryption::EncryptionSettings;
use matrix_sdk::ruma::events::room::message::{
    MessageType, OriginalSyncRoomMessageEvent, Relation,
};
use matrix_sdk::ruma::{OwnedEventId, RoomId, UserId};
use matrix_sdk::{Client, Room, RoomState};
use tokio::task::JoinHandle;

/// A message the phone received.
#[derive(Debug, Clone)]
pub struct Received {
    pub sender: String,
    pub body: String,
    pub encrypted: bool,
    /// The event it edits, for an edit.
    pub edits: Option<OwnedEventId>,
}

pub struct Phone {
    pub client: Client,
    pub received: Arc<Mutex<Vec<Received>>>,
    pub verification: Arc<Mutex<Option<VerificationRequest>>>,
    sync: JoinHandle<()>,
}

impl Phone {
    /// Signs in as `user` with a new device; `cross_signing`: the device sets up (on a
    /// fresh account) and is signed by its user's identity, as a phone the person uses is.
    pub async fn sign_in(
        url: &str,
        user: &str,
        password: &str,
        store: &Path,
        cross_signing: bool,
    ) -> Phone {
        let client = Client::builder()
            .homeserver_url(url)
            .sqlite_store(store, None)
            .with_encryption_settings(EncryptionSettings {
                auto_enable_cross_signing: cross_signing,
                ..Default::default()
            })
            .build()
            .await
            .unwrap();
        client
            .matrix_auth()
            .login_username(user, password)
            .initial_device_display_name("phone")
            .await
            .unwrap();
        client
            .encryption()
            .wait_for_e2ee_initialization_tasks()
            .await;
        let received = Arc::new(Mutex::new(Vec::new()));
        let verification = Arc::new(Mutex::new(None));
        let (seen, asked) = (received.clone(), verification.clone());
        client.add_event_handler(
            move |event: OriginalSyncRoomMessageEvent,
                  client: Client,
                  info: Option<EncryptionInfo>| {
                let (seen, asked) = (seen.clone(), asked.clone());
                async move {
                    if let MessageType::VerificationRequest(_) = event.content.msgtype {
                        let request = client
                            .encryption()
                            .get_verification_request(&event.sender, &event.event_id)
                            .await;
                        *asked.lock().unwrap() = request;
                        return;
                    }
                    let edits = match &event.content.relates_to {
                        Some(Relation::Replacement(replacement)) => {
                            Some(replacement.event_id.clone())
                        }
                        _ => None,
                    };
                    let body = match (&event.content.relates_to, &event.content.msgtype) {
                        (Some(Relation::Replacement(replacement)), _) => {
                            replacement.new_content.msgtype.body().to_owned()
                        }
                        (_, msgtype) => msgtype.body().to_owned(),
                    };
                    seen.lock().unwrap().push(Received {
                        sender: event.sender.to_string(),
                        body,
                        encrypted: info.is_some(),
                        edits,
                    });
                }
            },
        );
        let syncing = client.clone();
        let sync = tokio::spawn(async move {
            let _ = syncing
                .sync(SyncSettings::default().timeout(Duration::from_millis(500)))
                .await;
        });
        Phone {
            client,
            received,
            verification,
            sync,
        }
    }

    pub fn device(&self) -> String {
        self.client.device_id().unwrap().to_string()
    }

    /// Joins `room` once invited to it, and waits to know the devices of `inviter` (matrix-sdk
    /// ignores, for good, a request to verify from a device it has not heard of yet).
    pub async fn join(&self, room: &RoomId, inviter: &UserId) -> Room {
        let invited = super::eventually(
            "the invitation to the room",
            Duration::from_secs(30),
            || {
                self.client
                    .get_room(room)
                    .filter(|room| room.state() == RoomState::Invited)
            },
        )
        .await;
        invited.join().await.unwrap();
        let joined = super::eventually("the room joined", Duration::from_secs(30), || {
            self.client
                .get_room(room)
                .filter(|room| room.state() == RoomState::Joined)
        })
        .await;
        for _ in 0..300 {
            let devices = self.client.encryption().get_user_devices(inviter).await;
            if devices.is_ok_and(|devices| devices.devices().next().is_some()) {
                return joined;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{inviter}'s devices never became known to the phone");
    }

    /// The first message received that `wanted` picks.
    pub async fn message(&self, what: &str, wanted: impl Fn(&Received) -> bool) -> Received {
        super::eventually(what, Duration::from_secs(30), || {
            self.received
                .lock()
                .unwrap()
                .iter()
                .find(|m| wanted(m))
                .cloned()
        })
        .await
    }
}

impl Drop for Phone {
    fn drop(&mut self) {
        self.sync.abort();
    }
}
