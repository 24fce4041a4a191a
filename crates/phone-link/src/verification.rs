//! The emoji comparison (SAS) between this device and the person's phone: started from the
//! app (Settings → Phone → Verify) or from the phone, only ever with the person's own user.
//! The app shows the emojis; the person says whether they match the phone's.

use std::sync::Arc;

use futures_util::StreamExt;
use matrix_sdk::encryption::verification::{
    SasState, SasVerification, Verification, VerificationRequest, VerificationRequestState,
};
use matrix_sdk::ruma::events::key::verification::request::ToDeviceKeyVerificationRequestEvent;
use matrix_sdk::ruma::events::key::verification::VerificationMethod;
use matrix_sdk::ruma::events::room::member::MembershipState;
use matrix_sdk::ruma::events::room::message::{MessageType, OriginalSyncRoomMessageEvent};
use matrix_sdk::Client;
use phone::channel::FromLink;

use crate::link::Link;

/// Answers the person's own requests to verify; everybody else's are left unanswered.
pub fn listen(link: &Arc<Link>) {
    let in_room = link.clone();
    link.client
        .add_event_handler(move |event: OriginalSyncRoomMessageEvent, client: Client| {
            let link = in_room.clone();
            async move {
                if !matches!(event.content.msgtype, MessageType::VerificationRequest(_))
                    || event.sender != link.person
                {
                    return;
                }
                if let Some(request) = client
                    .encryption()
                    .get_verification_request(&event.sender, &event.event_id)
                    .await
                {
                    tokio::spawn(follow_request(link, request, false));
                }
            }
        });
    let to_device = link.clone();
    link.client.add_event_handler(
        move |event: ToDeviceKeyVerificationRequestEvent, client: Client| {
            let link = to_device.clone();
            async move {
                if event.sender != link.person {
                    return;
                }
                if let Some(request) = client
                    .encryption()
                    .get_verification_request(&event.sender, &event.content.transaction_id)
                    .await
                {
                    tokio::spawn(follow_request(link, request, false));
                }
            }
        },
    );
}

/// Asks the person's phone to compare emojis with this device.
pub async fn start(link: Arc<Link>) {
    // The request goes into the room, encrypted for the members this device knows: until it
    // has seen the person join, their phone could not read it.
    if !person_joined(&link).await {
        return link.say(FromLink::VerificationFailed {
            why: format!(
                "{} has not joined the app's room yet: accept its invitation in your Matrix \
                 app (Element X), then verify.",
                link.person
            ),
        });
    }
    let encryption = link.client.encryption();
    let identity = match encryption.get_user_identity(&link.person).await {
        Ok(Some(identity)) => Some(identity),
        _ => encryption
            .request_user_identity(&link.person)
            .await
            .ok()
            .flatten(),
    };
    let Some(identity) = identity else {
        return link.say(FromLink::VerificationFailed {
            why: format!(
                "{} has no cross-signing identity yet: sign in on your phone (Element X) \
                 and set up its recovery first.",
                link.person
            ),
        });
    };
    match identity
        .request_verification_with_methods(vec![VerificationMethod::SasV1])
        .await
    {
        Ok(request) => follow_request(link, request, true).await,
        Err(error) => link.say(FromLink::VerificationFailed {
            why: format!("The request to verify could not be sent: {error}"),
        }),
    }
}

/// Whether the person is in the room, as the last sync saw it; a join that is on its way is
/// waited for a few seconds.
async fn person_joined(link: &Link) -> bool {
    for _ in 0..50 {
        if let Some(room) = link.client.get_room(&link.room_id) {
            if let Ok(Some(member)) = room.get_member_no_sync(&link.person).await {
                if *member.membership() == MembershipState::Join {
                    return true;
                }
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    false
}

async fn follow_request(link: Arc<Link>, request: VerificationRequest, ours: bool) {
    if !ours {
        if let Err(error) = request.accept().await {
            return link.say(FromLink::VerificationFailed {
                why: format!("The phone's request to verify could not be accepted: {error}"),
            });
        }
    }
    let mut changes = request.changes();
    let mut state = Some(request.state());
    while let Some(now) = state {
        match now {
            VerificationRequestState::Ready { .. } if ours => match request.start_sas().await {
                Ok(Some(sas)) => return follow_sas(link, sas, true).await,
                Ok(None) => {}
                Err(error) => {
                    return link.say(FromLink::VerificationFailed {
                        why: format!("The emoji comparison could not start: {error}"),
                    })
                }
            },
            VerificationRequestState::Transitioned {
                verification: Verification::SasV1(sas),
                ..
            } => return follow_sas(link, sas, false).await,
            VerificationRequestState::Transitioned { .. } => {
                let _ = request.cancel().await;
                return link.say(FromLink::VerificationFailed {
                    why: "The phone chose a way to verify other than comparing emojis.".into(),
                });
            }
            VerificationRequestState::Cancelled(info) => {
                return link.say(FromLink::VerificationFailed {
                    why: format!("The verification was cancelled: {}", info.reason()),
                })
            }
            VerificationRequestState::Done => return,
            _ => {}
        }
        state = changes.next().await;
    }
}

async fn follow_sas(link: Arc<Link>, sas: SasVerification, ours: bool) {
    if !ours && !sas.we_started() {
        if let Err(error) = sas.accept().await {
            return link.say(FromLink::VerificationFailed {
                why: format!("The emoji comparison could not be accepted: {error}"),
            });
        }
    }
    link.verifying(Some(sas.clone()));
    let mut changes = sas.changes();
    let mut state = Some(sas.state());
    let mut shown = false;
    while let Some(now) = state {
        match now {
            SasState::KeysExchanged {
                emojis: Some(emojis),
                ..
            } if !shown => {
                shown = true;
                link.say(FromLink::Emojis {
                    emojis: emojis
                        .emojis
                        .iter()
                        .map(|emoji| (emoji.symbol.to_owned(), emoji.description.to_owned()))
                        .collect(),
                });
            }
            SasState::Done {
                verified_devices,
                verified_identities,
            } => {
                link.verifying(None);
                // The person's identity is marked verified once the signature made from the
                // comparison is stored, a moment after the comparison ends.
                for _ in 0..50 {
                    if link.person_verified().await {
                        return link.say(FromLink::Verified);
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                return link.say(FromLink::VerificationFailed {
                    why: format!(
                        "The comparison finished, yet your identity is not verified here \
                         ({} devices, {} identities verified).",
                        verified_devices.len(),
                        verified_identities.len()
                    ),
                });
            }
            SasState::Cancelled(info) => {
                link.verifying(None);
                return link.say(FromLink::VerificationFailed {
                    why: format!("The verification was cancelled: {}", info.reason()),
                });
            }
            _ => {}
        }
        state = changes.next().await;
    }
}
