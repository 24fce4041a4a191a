//! On a real bus (a private `dbus-daemon`), with a notification server of the test's own:
//! only the server that showed a notification can act on it, once; a signal forged by any
//! other client of the bus, broadcast or sent straight to the app, decides nothing.
#![cfg(all(unix, not(target_os = "macos")))]

mod common;

use common::Bus;
use std::collections::HashMap;
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use desktop_notifications::{Invoked, Notification, Notifier};
use zbus::blocking::connection::Builder;
use zbus::blocking::Connection;
use zbus::zvariant::OwnedValue;

const PATH: &str = "/org/freedesktop/Notifications";
const INTERFACE: &str = "org.freedesktop.Notifications";

/// A notification as the server got it: id, summary, actions.
type Shown = (u32, String, Vec<String>);

/// What the desktop's notification server saw.
#[derive(Default, Clone)]
struct Seen {
    shown: Arc<Mutex<Vec<Shown>>>,
    closed: Arc<Mutex<Vec<u32>>>,
}

struct FakeServer {
    seen: Seen,
    next: u32,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl FakeServer {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &mut self,
        _app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        _body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        self.next += 1;
        self.seen
            .shown
            .lock()
            .unwrap()
            .push((self.next, summary, actions));
        self.next
    }

    fn close_notification(&self, id: u32) {
        self.seen.closed.lock().unwrap().push(id);
    }
}

struct Desktop {
    bus: Bus,
    server: Connection,
    seen: Seen,
    notifier: Notifier,
    invoked: Receiver<Invoked>,
}

impl Desktop {
    fn start() -> Self {
        let bus = Bus::start();
        let seen = Seen::default();
        let server = Builder::address(bus.address.as_str())
            .unwrap()
            .name("org.freedesktop.Notifications")
            .unwrap()
            .serve_at(
                PATH,
                FakeServer {
                    seen: seen.clone(),
                    next: 40,
                },
            )
            .unwrap()
            .build()
            .unwrap();
        let (tx, invoked) = channel();
        let notifier = Notifier::at_address(&bus.address, "test", move |i| {
            let _ = tx.send(i);
        })
        .unwrap();
        Self {
            bus,
            server,
            seen,
            notifier,
            invoked,
        }
    }

    fn show(&self, tag: &str) -> u32 {
        let note = Notification {
            summary: "Approval needed",
            body: "rm -rf build",
            actions: &[("approve", "Approve"), ("deny", "Deny")],
            body_click: true,
            ..Notification::default()
        };
        self.notifier.show(&note, Some(tag)).unwrap()
    }

    fn app_name(&self) -> String {
        // The notifier's connection is the only other one the server has seen call Notify;
        // find it as an attacker would: every unique name on the bus but its own.
        let names: Vec<String> = self
            .server
            .call_method(
                Some("org.freedesktop.DBus"),
                "/org/freedesktop/DBus",
                Some("org.freedesktop.DBus"),
                "ListNames",
                &(),
            )
            .unwrap()
            .body()
            .deserialize()
            .unwrap();
        names
            .into_iter()
            .filter(|n| n.starts_with(':'))
            .filter(|n| Some(n.as_str()) != self.server.unique_name().map(|u| u.as_str()))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The server's own signal: what a person's click sends.
    fn click(&self, id: u32, action: &str) {
        self.server
            .emit_signal(
                None::<&str>,
                PATH,
                INTERFACE,
                "ActionInvoked",
                &(id, action),
            )
            .unwrap();
    }

    fn next(&self) -> Option<Invoked> {
        self.invoked.recv_timeout(Duration::from_secs(2)).ok()
    }

    fn nothing_more(&self) -> bool {
        self.invoked
            .recv_timeout(Duration::from_millis(400))
            .is_err()
    }
}

fn invoked(tag: &str, action: &str) -> Option<Invoked> {
    Some(Invoked {
        tag: tag.into(),
        action: action.into(),
    })
}

#[test]
fn a_forged_signal_decides_nothing_and_the_servers_click_counts_once() {
    let desktop = Desktop::start();
    let id = desktop.show("request-1");
    assert_eq!(desktop.seen.shown.lock().unwrap().len(), 1);

    // Another client of the same bus: broadcast, then straight to each other connection,
    // for the right id and for guessed ones.
    let attacker = desktop.bus.connect();
    for guess in [id, id - 1, id + 1, 1, 41] {
        for action in ["approve", "deny", "default"] {
            attacker
                .emit_signal(
                    None::<&str>,
                    PATH,
                    INTERFACE,
                    "ActionInvoked",
                    &(guess, action),
                )
                .unwrap();
            for name in desktop.app_name().split(',') {
                if name != attacker.unique_name().unwrap().as_str() {
                    attacker
                        .emit_signal(
                            Some(name),
                            PATH,
                            INTERFACE,
                            "ActionInvoked",
                            &(guess, action),
                        )
                        .unwrap();
                }
            }
        }
    }
    // A forged "closed" must not make the app forget it either.
    attacker
        .emit_signal(
            None::<&str>,
            PATH,
            INTERFACE,
            "NotificationClosed",
            &(id, 2u32),
        )
        .unwrap();
    assert!(
        desktop.nothing_more(),
        "a forged ActionInvoked was believed"
    );
    assert_eq!(desktop.notifier.tags(), vec!["request-1".to_owned()]);

    // The person's click, from the server that showed it, counts; the same click again
    // (a replay, or a second button) does not.
    desktop.click(id, "approve");
    assert_eq!(desktop.next(), invoked("request-1", "approve"));
    desktop.click(id, "approve");
    desktop.click(id, "deny");
    assert!(
        desktop.nothing_more(),
        "an answered notification acted again"
    );
}

#[test]
fn a_body_click_keeps_the_buttons_working() {
    let desktop = Desktop::start();
    let id = desktop.show("request-2");
    desktop.click(id, "default");
    assert_eq!(desktop.next(), invoked("request-2", "default"));
    desktop.click(id, "deny");
    assert_eq!(desktop.next(), invoked("request-2", "deny"));
}

#[test]
fn unknown_and_closed_notifications_decide_nothing() {
    let desktop = Desktop::start();
    // An id the server gave someone else, clicked by the server itself.
    desktop.click(7, "approve");
    let id = desktop.show("request-3");
    desktop.notifier.close("request-3");
    assert_eq!(*desktop.seen.closed.lock().unwrap(), vec![id]);
    desktop.click(id, "approve");
    assert!(desktop.nothing_more());
    assert!(desktop.notifier.tags().is_empty());
}

#[test]
fn without_a_tag_no_buttons_and_nothing_is_believed() {
    let desktop = Desktop::start();
    let note = Notification {
        summary: "Agent finished",
        body: "done",
        actions: &[("approve", "Approve")],
        body_click: true,
        ..Notification::default()
    };
    let id = desktop.notifier.show(&note, None).unwrap();
    let shown = desktop.seen.shown.lock().unwrap().clone();
    assert_eq!(shown, vec![(id, "Agent finished".to_owned(), vec![])]);
    desktop.click(id, "approve");
    assert!(desktop.nothing_more());
}

#[test]
fn a_server_that_gave_up_the_name_can_no_longer_act() {
    let desktop = Desktop::start();
    let id = desktop.show("request-4");
    // The server hands the service over (another daemon takes its place, or it is going
    // away): from then on its signals are not the service's.
    let released: u32 = desktop
        .server
        .call_method(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            Some("org.freedesktop.DBus"),
            "ReleaseName",
            &("org.freedesktop.Notifications",),
        )
        .unwrap()
        .body()
        .deserialize()
        .unwrap();
    assert_eq!(released, 1, "DBUS_RELEASE_NAME_REPLY_RELEASED");
    desktop.click(id, "approve");
    assert!(desktop.nothing_more());
    assert_eq!(desktop.notifier.tags(), vec!["request-4".to_owned()]);
}
