//! On a real bus (a private `dbus-daemon`), with a notification server that takes the
//! calls and never answers them (a frozen desktop shell): a notification gives up after
//! `CALL_TIMEOUT` with an error, and what is on screen can be asked meanwhile.
#![cfg(all(unix, not(target_os = "macos")))]

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use desktop_notifications::{Notification, Notifier, CALL_TIMEOUT};
use zbus::blocking::connection::Builder;
use zbus::zvariant::OwnedValue;

struct HungServer;

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl HungServer {
    #[allow(clippy::too_many_arguments)]
    async fn notify(
        &self,
        _app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        _summary: String,
        _body: String,
        _actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        std::future::pending::<()>().await;
        0
    }
}

#[test]
fn a_server_that_never_answers_holds_a_notification_for_call_timeout_and_nothing_else() {
    let bus = common::Bus::start();
    let address = bus.address.as_str();
    let _server = Builder::address(address)
        .unwrap()
        .name("org.freedesktop.Notifications")
        .unwrap()
        .serve_at("/org/freedesktop/Notifications", HungServer)
        .unwrap()
        .build()
        .unwrap();
    let notifier = Notifier::at_address(address, "test", |_| {}).unwrap();
    let note = Notification {
        summary: "Approval needed",
        body: "rm -rf build",
        actions: &[("approve", "Approve"), ("deny", "Deny")],
        ..Notification::default()
    };

    let (shown, took, asked_meanwhile) = std::thread::scope(|scope| {
        let showing = scope.spawn(|| {
            let started = Instant::now();
            (notifier.show(&note, Some("request-1")), started.elapsed())
        });
        std::thread::sleep(Duration::from_millis(500));
        let started = Instant::now();
        let tags = notifier.tags();
        let asked = (tags, started.elapsed());
        let (shown, took) = showing.join().unwrap();
        (shown, took, asked)
    });
    drop(bus);

    assert!(
        shown.is_err(),
        "a notification never answered is an error: {shown:?}"
    );
    assert!(
        took >= CALL_TIMEOUT && took < CALL_TIMEOUT + Duration::from_secs(5),
        "it gave up after {took:?}, not after about {CALL_TIMEOUT:?}"
    );
    let (tags, asking_took) = asked_meanwhile;
    assert!(tags.is_empty(), "nothing is on screen: {tags:?}");
    assert!(
        asking_took < Duration::from_secs(2),
        "what is on screen was answered only after {asking_took:?}, behind the hung call"
    );
    assert!(
        notifier.tags().is_empty(),
        "a notification never answered is not tracked"
    );
}
