//! The phone's link against a real Synapse, with the person's phone played by a second real
//! Matrix client: set up, verified by comparing emojis, requests out and answers back, and
//! every forged answer deciding nothing.

#![recursion_limit = "256"]

mod support;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use matrix_sdk::encryption::verification::{SasState, Verification, VerificationRequestState};
use matrix_sdk::ruma::events::room::message::{ReplacementMetadata, RoomMessageEventContent};
use matrix_sdk::ruma::OwnedRoomId;
use phone::channel::{FromLink, ToLink};
use phone::message::Request;
use serde_json::json;

use support::eventually;
use support::link::Link;
use support::phone::Phone;
use support::synapse::Synapse;

const PERSON: &str = "@person:localhost";
const SOON: Duration = Duration::from_secs(30);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn request(title: &str, high_risk: bool) -> Request {
    Request {
        agent: "claude".into(),
        host: Some("laptop".into()),
        project: Some("~/src/site".into()),
        title: title.into(),
        details: format!("make {title}"),
        risk: if high_risk {
            "High risk · deletes files"
        } else {
            "Low risk"
        }
        .into(),
        high_risk,
        deadline: "14:32".into(),
    }
}

fn ask(link: &mut Link, id: &str, request: Request, deadline_ms: u64) {
    link.tell(&ToLink::Ask {
        request_id: id.into(),
        request,
        deadline_ms,
    });
}

/// The code the phone's message names, as the person reads it.
fn code_in(body: &str) -> String {
    let start = body.find("\"deny ").expect("the message says how to deny") + "\"deny ".len();
    body[start..start + 5].to_owned()
}

fn ignored(why: &str) -> impl FnMut(&FromLink) -> Option<String> + '_ {
    move |message| match message {
        FromLink::Ignored { why: said } if said.contains(why) => Some(said.clone()),
        _ => None,
    }
}

fn decided(id: &str) -> impl FnMut(&FromLink) -> Option<(bool, Option<String>, String)> + '_ {
    move |message| match message {
        FromLink::Decided {
            request_id,
            approved,
            reason,
            device,
        } if request_id == id => Some((*approved, reason.clone(), device.clone())),
        _ => None,
    }
}

/// Sends a request and waits for the phone to receive it: its code.
async fn ask_and_receive(link: &mut Link, phone: &Phone, id: &str, request: Request) -> String {
    let title = request.title.clone();
    ask(link, id, request, now_ms() + 600_000);
    link.expect(&format!("{id} sent"), SOON, |m| {
        matches!(m, FromLink::Sent { request_id } if request_id == id).then_some(())
    });
    let received = phone
        .message(&format!("{id} on the phone"), |m| {
            m.edits.is_none() && m.body.contains(&format!("asks: {title}"))
        })
        .await;
    assert!(
        received.encrypted,
        "the request reached the phone in the clear: {received:?}"
    );
    assert_eq!(received.sender, "@app:localhost", "{received:?}");
    code_in(&received.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_persons_verified_phone_decides() {
    let mut synapse = Synapse::start("decides").await;
    let store = synapse.dir.join("link-store");
    let phone = Phone::sign_in(
        &synapse.url,
        "person",
        "person-password",
        &synapse.dir.join("phone"),
        true,
    )
    .await;

    // Set up, as Settings → Phone does: the app's account, the person, a store.
    let mut link = Link::start();
    link.tell(&ToLink::SignIn {
        homeserver: synapse.url.clone(),
        user: "app".into(),
        password: "app-password".into(),
        person: PERSON.into(),
        store: store.clone(),
        high_risk_approvable: false,
    });
    let (device, room, verified) = link.expect("signed in", SOON, |m| match m {
        FromLink::SignedIn {
            device,
            room,
            verified,
            ..
        } => Some((device.clone(), room.clone(), *verified)),
        _ => None,
    });
    assert!(!verified, "a new device is not verified by anyone yet");
    let room_id = OwnedRoomId::try_from(room.as_str()).unwrap();
    let app_user = matrix_sdk::ruma::UserId::parse("@app:localhost").unwrap();
    let room = phone.join(&room_id, &app_user).await;

    // Until the person verified the app, nothing is sent.
    ask(
        &mut link,
        "early",
        request("early", false),
        now_ms() + 600_000,
    );
    let why = link.expect("the request kept on the desktop", SOON, |m| match m {
        FromLink::NotSent { request_id, why } if request_id == "early" => Some(why.clone()),
        _ => None,
    });
    assert!(why.contains("not verified"), "{why}");

    // The emoji comparison: the app asks, the phone accepts, both show the same emojis.
    link.tell(&ToLink::Verify);
    let to_verify = eventually("the request to verify on the phone", SOON, || {
        phone.verification.lock().unwrap().clone()
    })
    .await;
    to_verify.accept().await.unwrap();
    let sas = eventually(
        "the emoji comparison on the phone",
        SOON,
        || match to_verify.state() {
            VerificationRequestState::Transitioned {
                verification: Verification::SasV1(sas),
                ..
            } => Some(sas),
            _ => None,
        },
    )
    .await;
    sas.accept().await.unwrap();
    let shown = link.expect("the emojis", SOON, |m| match m {
        FromLink::Emojis { emojis } => Some(emojis.clone()),
        _ => None,
    });
    let on_phone = eventually("the phone's emojis", SOON, || sas.emoji()).await;
    let on_phone: Vec<(String, String)> = on_phone
        .iter()
        .map(|emoji| (emoji.symbol.to_owned(), emoji.description.to_owned()))
        .collect();
    assert_eq!(
        shown, on_phone,
        "the app and the phone show the same seven emojis"
    );
    link.tell(&ToLink::Confirm { matches: true });
    sas.confirm().await.unwrap();
    link.expect("verified", SOON, |m| {
        matches!(m, FromLink::Verified).then_some(())
    });
    eventually("the phone done", SOON, || {
        matches!(sas.state(), SasState::Done { .. }).then_some(())
    })
    .await;

    // Approve from the phone.
    let code = ask_and_receive(&mut link, &phone, "first", request("build", false)).await;
    let answer = room
        .send(RoomMessageEventContent::text_plain(format!(
            "approve {code}"
        )))
        .await
        .unwrap();
    let (approved, reason, from) = link.expect("first decided", SOON, decided("first"));
    assert!(approved && reason.is_none(), "approve decides: approved");
    assert_eq!(from, phone.device(), "the audit names the phone's device");
    let approve_event = answer.response.event_id;

    // Deny with a reason.
    let code = ask_and_receive(&mut link, &phone, "second", request("deploy", false)).await;
    room.send(RoomMessageEventContent::text_plain(format!(
        "Deny {code} not on a Friday"
    )))
    .await
    .unwrap();
    let (approved, reason, _) = link.expect("second decided", SOON, decided("second"));
    assert!(!approved);
    assert_eq!(
        reason.as_deref(),
        Some("not on a Friday"),
        "the reason reaches the agent"
    );

    // Forgeries against an open request: none of them decides it.
    let code = ask_and_receive(&mut link, &phone, "third", request("migrate", false)).await;
    let path =
        |what: &str, txn: &str| format!("/_matrix/client/v3/rooms/{room_id}/send/{what}/{txn}");

    // The homeserver's admin, as the person, in the clear.
    let puppet = synapse.puppet_token(PERSON).await;
    let text = json!({"msgtype": "m.text", "body": format!("approve {code}")});
    synapse
        .call(
            "PUT",
            &path("m.room.message", "forged-1"),
            &puppet,
            text.clone(),
        )
        .await;
    link.expect(
        "the injected plaintext ignored",
        SOON,
        ignored("not encrypted"),
    );

    // Another user in the room (invited by the puppet).
    let invite = format!("/_matrix/client/v3/rooms/{room_id}/invite");
    synapse
        .call(
            "POST",
            &invite,
            &puppet,
            json!({"user_id": "@intruder:localhost"}),
        )
        .await;
    let intruder = synapse.token("intruder", "intruder-password").await;
    synapse
        .call(
            "POST",
            &format!("/_matrix/client/v3/rooms/{room_id}/join"),
            &intruder,
            json!({}),
        )
        .await;
    synapse
        .call(
            "PUT",
            &path("m.room.message", "forged-2"),
            &intruder,
            text.clone(),
        )
        .await;
    link.expect(
        "another user's answer ignored",
        SOON,
        ignored("who is not the person"),
    );

    // The person's own account, from a device their identity never signed.
    let stranger = Phone::sign_in(
        &synapse.url,
        "person",
        "person-password",
        &synapse.dir.join("stranger"),
        false,
    )
    .await;
    let stranger_room = eventually("the room on the new device", SOON, || {
        stranger.client.get_room(&room_id)
    })
    .await;
    stranger_room
        .send(RoomMessageEventContent::text_plain(format!(
            "approve {code}"
        )))
        .await
        .unwrap();
    link.expect(
        "the unverified device ignored",
        SOON,
        ignored("has not verified"),
    );

    // An edit of an earlier answer into an approval.
    let edit = RoomMessageEventContent::text_plain(format!("approve {code}"))
        .make_replacement(ReplacementMetadata::new(approve_event.clone(), None));
    room.send(edit).await.unwrap();
    link.expect("the edit ignored", SOON, ignored("an edit"));

    // A replay: the first approval's ciphertext sent again under a new event id.
    let original = synapse
        .call(
            "GET",
            &format!("/_matrix/client/v3/rooms/{room_id}/event/{approve_event}"),
            &puppet,
            json!({}),
        )
        .await;
    assert_eq!(
        original["type"], "m.room.encrypted",
        "answers travel encrypted"
    );
    synapse
        .call(
            "PUT",
            &path("m.room.encrypted", "replayed-1"),
            &puppet,
            original["content"].clone(),
        )
        .await;
    link.expect(
        "the replayed approval ignored",
        SOON,
        ignored("already decided"),
    );

    // The person's real answer still decides it: nothing above used it up.
    room.send(RoomMessageEventContent::text_plain(format!(
        "approve {code}"
    )))
    .await
    .unwrap();
    let (approved, _, _) = link.expect("third decided", SOON, decided("third"));
    assert!(approved);
    // And the first answer wins: a second one decides nothing.
    room.send(RoomMessageEventContent::text_plain(format!("deny {code}")))
        .await
        .unwrap();
    link.expect("a second answer ignored", SOON, ignored("already decided"));

    // Decided on the desktop first: the phone's message says so, and answers are too late.
    let code = ask_and_receive(&mut link, &phone, "fourth", request("lint", false)).await;
    link.tell(&ToLink::Ended {
        request_id: "fourth".into(),
        how: "Approved on the desktop".into(),
    });
    let edited = phone
        .message("the phone's message edited", |m| {
            m.edits.is_some() && m.body.contains("lint")
        })
        .await;
    assert_eq!(edited.body, "Approved on the desktop: claude asked: lint");
    room.send(RoomMessageEventContent::text_plain(format!(
        "approve {code}"
    )))
    .await
    .unwrap();
    link.expect(
        "an answer after the desktop decided",
        SOON,
        ignored("already decided"),
    );

    // High risk: shown, deny works, approve only if the person allowed it.
    let code = ask_and_receive(&mut link, &phone, "fifth", request("wipe", true)).await;
    room.send(RoomMessageEventContent::text_plain(format!(
        "approve {code}"
    )))
    .await
    .unwrap();
    link.expect("a high-risk approval ignored", SOON, ignored("high risk"));
    room.send(RoomMessageEventContent::text_plain(format!("deny {code}")))
        .await
        .unwrap();
    let (approved, _, _) = link.expect("fifth denied", SOON, decided("fifth"));
    assert!(!approved);
    // The person allows it in Settings: the next high-risk request can be approved there.
    link.tell(&ToLink::HighRisk { approvable: true });
    let code = ask_and_receive(&mut link, &phone, "allowed", request("wipe again", true)).await;
    room.send(RoomMessageEventContent::text_plain(format!(
        "approve {code}"
    )))
    .await
    .unwrap();
    assert!(
        link.expect("a high-risk approval, allowed", SOON, decided("allowed"))
            .0
    );

    // Past its deadline, an answer decides nothing.
    let asked = now_ms();
    ask(&mut link, "sixth", request("late", false), asked + 3_000);
    link.expect("sixth sent", SOON, |m| {
        matches!(m, FromLink::Sent { request_id } if request_id == "sixth").then_some(())
    });
    let late = phone
        .message("sixth on the phone", |m| m.body.contains("asks: late"))
        .await;
    tokio::time::sleep(Duration::from_millis(
        (asked + 3_500).saturating_sub(now_ms()),
    ))
    .await;
    room.send(RoomMessageEventContent::text_plain(format!(
        "approve {}",
        code_in(&late.body)
    )))
    .await
    .unwrap();
    link.expect(
        "a late answer ignored",
        SOON,
        ignored("deadline had passed"),
    );

    // The session is kept for the next start, the user's alone, and without the password.
    assert_eq!(
        link.close().code(),
        Some(0),
        "the link ends cleanly when the app closes its channel"
    );
    let session = store.join("session.json");
    let mode = std::fs::metadata(&session).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the session file is the user's alone");
    assert!(!std::fs::read_to_string(&session)
        .unwrap()
        .contains("app-password"));
    let mut link = Link::start();
    link.tell(&ToLink::Resume {
        store: store.clone(),
        high_risk_approvable: false,
    });
    let (again, same_room, verified) = link.expect("signed in again", SOON, |m| match m {
        FromLink::SignedIn {
            device,
            room,
            verified,
            ..
        } => Some((device.clone(), room.clone(), *verified)),
        _ => None,
    });
    assert_eq!(
        (again, same_room.as_str(), verified),
        (device, room_id.as_str(), true)
    );
    let code = ask_and_receive(
        &mut link,
        &phone,
        "seventh",
        request("after restart", false),
    )
    .await;
    room.send(RoomMessageEventContent::text_plain(format!(
        "approve {code}"
    )))
    .await
    .unwrap();
    assert!(link.expect("seventh decided", SOON, decided("seventh")).0);

    // The homeserver dies mid-wait: the person is told once, and requests stay on the desktop.
    synapse.kill();
    let why = link.expect(
        "told the homeserver is gone",
        Duration::from_secs(60),
        |m| match m {
            FromLink::Unavailable { why } => Some(why.clone()),
            _ => None,
        },
    );
    assert!(why.contains("cannot be reached"), "{why}");
    ask(
        &mut link,
        "eighth",
        request("offline", false),
        now_ms() + 600_000,
    );
    let why = link.expect("kept on the desktop", Duration::from_secs(5), |m| match m {
        FromLink::NotSent { request_id, why } if request_id == "eighth" => Some(why.clone()),
        _ => None,
    });
    assert!(why.contains("cannot be reached"), "{why}");
    let again: Vec<FromLink> = link
        .drain(Duration::from_secs(3))
        .into_iter()
        .filter(|m| matches!(m, FromLink::Unavailable { .. }))
        .collect();
    assert!(again.is_empty(), "told once, not again: {again:?}");
}
