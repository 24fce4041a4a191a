//! The room's events as the judge sees them: who sent each, from which device, whether it
//! was encrypted by a device the person's cross-signing identity signed, and what it is.

use std::sync::Arc;

use matrix_sdk::deserialized_responses::{EncryptionInfo, VerificationLevel, VerificationState};
use matrix_sdk::ruma::events::reaction::OriginalSyncReactionEvent;
use matrix_sdk::ruma::events::room::message::{
    MessageType, OriginalSyncRoomMessageEvent, Relation,
};
use matrix_sdk::ruma::events::room::redaction::OriginalSyncRoomRedactionEvent;
use matrix_sdk::ruma::UserId;
use matrix_sdk::{Client, Room};
use phone::authority::{Event, Kind, Sealed};

use crate::link::{now_ms, Link};

pub fn listen(link: &Arc<Link>) {
    let on_message = link.clone();
    link.client.add_event_handler(
        move |event: OriginalSyncRoomMessageEvent, room: Room, sealed: Option<EncryptionInfo>| {
            let link = on_message.clone();
            async move {
                if Some(&*event.sender) == link.client.user_id() {
                    return;
                }
                // Verification requests are the verification's business (verification.rs).
                if let MessageType::VerificationRequest(_) = event.content.msgtype {
                    return;
                }
                let kind = match (&event.content.relates_to, &event.content.msgtype) {
                    (Some(Relation::Replacement(_)), _) => Kind::Edit,
                    (_, MessageType::Text(_)) => Kind::Message,
                    _ => Kind::Other,
                };
                let sealed = sealing(&link.client, &event.sender, sealed.as_ref()).await;
                link.judge(&Event {
                    id: event.event_id.to_string(),
                    room: room.room_id().to_string(),
                    sender: event.sender.to_string(),
                    sealed,
                    kind,
                    body: event.content.body().to_owned(),
                    received_ms: now_ms(),
                });
            }
        },
    );
    let on_redaction = link.clone();
    link.client
        .add_event_handler(move |event: OriginalSyncRoomRedactionEvent, room: Room| {
            let link = on_redaction.clone();
            async move {
                if Some(&*event.sender) == link.client.user_id() {
                    return;
                }
                link.judge(&Event {
                    id: event.event_id.to_string(),
                    room: room.room_id().to_string(),
                    sender: event.sender.to_string(),
                    sealed: Sealed::Plaintext,
                    kind: Kind::Redaction,
                    body: String::new(),
                    received_ms: now_ms(),
                });
            }
        });
    let on_reaction = link.clone();
    link.client.add_event_handler(
        move |event: OriginalSyncReactionEvent, room: Room, sealed: Option<EncryptionInfo>| {
            let link = on_reaction.clone();
            async move {
                if Some(&*event.sender) == link.client.user_id() {
                    return;
                }
                let sealed = sealing(&link.client, &event.sender, sealed.as_ref()).await;
                link.judge(&Event {
                    id: event.event_id.to_string(),
                    room: room.room_id().to_string(),
                    sender: event.sender.to_string(),
                    sealed,
                    kind: Kind::Reaction,
                    body: event.content.relates_to.key.clone(),
                    received_ms: now_ms(),
                });
            }
        },
    );
}

/// Whether the crypto layer tied the message's key to a device its owner's identity signed.
/// The state is the one recorded when the key arrived: a key the phone sent before the
/// person was verified here says `UnverifiedIdentity` for good, so whether that identity is
/// verified is asked now, of the device ([`sealing`]). A changed identity
/// (`VerificationViolation`), an unsigned device, an unknown one or a sender that does not
/// own the key never count.
fn bound_to_signed_device(state: &VerificationState) -> bool {
    matches!(
        state,
        VerificationState::Verified
            | VerificationState::Unverified(VerificationLevel::UnverifiedIdentity)
    )
}

/// How an event was sealed: plaintext (what a homeserver's admin can inject), or encrypted
/// by a device; verified only when the crypto layer says the sender's verified identity
/// signed that device, and the device itself says the same.
async fn sealing(client: &Client, sender: &UserId, info: Option<&EncryptionInfo>) -> Sealed {
    let Some(info) = info else {
        return Sealed::Plaintext;
    };
    let Some(device_id) = info.sender_device.as_deref() else {
        return Sealed::Encrypted {
            device: "(unknown device)".into(),
            verified: false,
        };
    };
    let signed = match client.encryption().get_device(sender, device_id).await {
        Ok(Some(device)) => device.is_verified_with_cross_signing(),
        _ => false,
    };
    Sealed::Encrypted {
        device: device_id.to_string(),
        verified: info.sender == sender
            && bound_to_signed_device(&info.verification_state)
            && signed,
    }
}
