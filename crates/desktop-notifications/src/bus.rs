use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use zbus::blocking::{Connection, MessageIterator};
use zbus::message::Type;
use zbus::names::OwnedUniqueName;
use zbus::zvariant::Value;
use zbus::MatchRule;

const BUS_NAME: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";
const INTERFACE: &str = "org.freedesktop.Notifications";
/// The action the specification sends for a click on the notification's body.
pub const BODY_CLICK: &str = "default";

/// What to show.
#[derive(Debug, Clone, Default)]
pub struct Notification<'a> {
    pub summary: &'a str,
    /// Escaped by the caller: many servers read the body as markup.
    pub body: &'a str,
    /// Buttons, as (action id, label).
    pub actions: &'a [(&'a str, &'a str)],
    /// Whether a click on the body is reported (as the action `default`).
    pub body_click: bool,
    /// How urgent the server should treat it (the `urgency` hint): a critical one stays until
    /// the person acts on it.
    pub urgency: Urgency,
    /// Whether the server plays a sound with it.
    pub sound: Sound<'a>,
}

/// The specification's sound hints: the server plays a theme sound by its name, or none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sound<'a> {
    /// Whatever the server does for any notification.
    #[default]
    ServerDefault,
    /// A sound of the freedesktop sound theme (`sound-name`), e.g. `message-new-instant`.
    Named(&'a str),
    /// None at all (`suppress-sound`).
    Silent,
}

/// The specification's urgency levels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Urgency {
    Low,
    #[default]
    Normal,
    Critical,
}

/// A person's click, as the notification server reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoked {
    /// The tag the notification was shown with.
    pub tag: String,
    /// The action id, or `default` for a click on the body.
    pub action: String,
}

struct Shown {
    tag: String,
    /// The unique name of the connection that answered `Notify`: the only sender whose
    /// signals about this notification are believed.
    server: OwnedUniqueName,
    /// A button was taken: later ones are not believed, but it is still closed with its tag.
    answered: bool,
}

/// The notifications shown, by the server's id.
#[derive(Default)]
struct Tracking {
    shown: Mutex<HashMap<u32, Shown>>,
    /// Held while a `Notify` waits for its answer: a signal that arrives before the id is
    /// recorded waits for it instead of being dropped as unknown. Kept apart from `shown`,
    /// so a server slow to answer does not hold up `tags` (what the approve key reads).
    showing: Mutex<()>,
}

type Tracked = Arc<Tracking>;

/// How long a call waits for the notification server: one that does not answer (a hung
/// desktop shell) holds up the notifications after it for no longer than this. A
/// notification shown after its call gave up is not tracked, so its buttons are not believed.
pub const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub struct Notifier {
    connection: Connection,
    app_name: String,
    /// The icon name or file the server shows with each notification (`app_icon`).
    icon: String,
    /// The app's desktop entry, without `.desktop` (the `desktop-entry` hint): the server
    /// groups and names the notifications by it.
    desktop_entry: Option<String>,
    tracked: Tracked,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Notifier {
    /// Connects to the session bus and starts listening; `on_action` runs on the listener's
    /// thread for every believed action.
    pub fn session(
        app_name: &str,
        on_action: impl Fn(Invoked) + Send + 'static,
    ) -> zbus::Result<Self> {
        let connection = zbus::blocking::connection::Builder::session()?
            .method_timeout(CALL_TIMEOUT)
            .build()?;
        Self::on(connection, app_name, on_action)
    }

    /// The same on the bus at `address` (tests run a bus of their own).
    pub fn at_address(
        address: &str,
        app_name: &str,
        on_action: impl Fn(Invoked) + Send + 'static,
    ) -> zbus::Result<Self> {
        let connection = zbus::blocking::connection::Builder::address(address)?
            .method_timeout(CALL_TIMEOUT)
            .build()?;
        Self::on(connection, app_name, on_action)
    }

    fn on(
        connection: Connection,
        app_name: &str,
        on_action: impl Fn(Invoked) + Send + 'static,
    ) -> zbus::Result<Self> {
        let rule = MatchRule::builder()
            .msg_type(Type::Signal)
            .path(PATH)?
            .interface(INTERFACE)?
            .build();
        // Subscribed before the first Notify, so no answer to it can be missed.
        let signals = MessageIterator::for_match_rule(rule, &connection, None)?;
        let tracked = Tracked::default();
        let listener = Arc::downgrade(&tracked);
        let bus = connection.clone();
        std::thread::Builder::new()
            .name("notification-actions".into())
            .spawn(move || {
                let owner = || name_owner(&bus);
                for signal in signals.flatten() {
                    let Some(tracked) = listener.upgrade() else {
                        return;
                    };
                    if let Some(invoked) = on_signal(&tracked, &signal, &owner) {
                        on_action(invoked);
                    }
                }
            })
            .map_err(|e| zbus::Error::Failure(format!("no listener thread: {e}")))?;
        Ok(Self {
            connection,
            app_name: app_name.to_owned(),
            icon: String::new(),
            desktop_entry: None,
            tracked,
        })
    }

    /// Shows the app's icon (a theme icon name or an absolute file path) and names its
    /// desktop entry in every notification.
    pub fn with_identity(mut self, icon: &str, desktop_entry: &str) -> Self {
        self.icon = icon.to_owned();
        self.desktop_entry = Some(desktop_entry.to_owned());
        self
    }

    /// Shows a notification. With a `tag`, its actions are reported with that tag; without
    /// one, nothing about it is believed. Returns the server's id for it.
    pub fn show(&self, notification: &Notification, tag: Option<&str>) -> zbus::Result<u32> {
        let mut actions: Vec<&str> = Vec::new();
        if tag.is_some() {
            for (id, label) in notification.actions {
                actions.extend([*id, *label]);
            }
            if notification.body_click {
                actions.extend([BODY_CLICK, ""]);
            }
        }
        let mut hints: HashMap<&str, Value> = HashMap::new();
        let urgency: u8 = match notification.urgency {
            Urgency::Low => 0,
            Urgency::Normal => 1,
            Urgency::Critical => 2,
        };
        hints.insert("urgency", Value::U8(urgency));
        match notification.sound {
            Sound::ServerDefault => {}
            Sound::Named(name) => {
                hints.insert("sound-name", Value::from(name));
            }
            Sound::Silent => {
                hints.insert("suppress-sound", Value::Bool(true));
            }
        }
        if let Some(entry) = &self.desktop_entry {
            hints.insert("desktop-entry", Value::from(entry.as_str()));
        }
        let _showing = lock(&self.tracked.showing);
        let reply = self.connection.call_method(
            Some(BUS_NAME),
            PATH,
            Some(INTERFACE),
            "Notify",
            &(
                self.app_name.as_str(),
                0u32,
                self.icon.as_str(),
                notification.summary,
                notification.body,
                actions,
                hints,
                -1i32,
            ),
        )?;
        let id: u32 = reply.body().deserialize()?;
        if let (Some(tag), Some(server)) = (tag, reply.header().sender()) {
            lock(&self.tracked.shown).insert(
                id,
                Shown {
                    tag: tag.to_owned(),
                    server: server.to_owned().into(),
                    answered: false,
                },
            );
        }
        Ok(id)
    }

    /// Closes the notifications shown with `tag`; their actions are no longer believed.
    pub fn close(&self, tag: &str) {
        let ids: Vec<u32> = {
            let mut tracked = lock(&self.tracked.shown);
            let ids = tracked
                .iter()
                .filter(|(_, shown)| shown.tag == tag)
                .map(|(id, _)| *id)
                .collect::<Vec<_>>();
            for id in &ids {
                tracked.remove(id);
            }
            ids
        };
        for id in ids {
            if let Err(e) = self.connection.call_method(
                Some(BUS_NAME),
                PATH,
                Some(INTERFACE),
                "CloseNotification",
                &(id,),
            ) {
                tracing::debug!("cannot close notification {id}: {e}");
            }
        }
    }

    /// The tags of the notifications still tracked (shown and not closed).
    pub fn tags(&self) -> Vec<String> {
        lock(&self.tracked.shown)
            .values()
            .map(|shown| shown.tag.clone())
            .collect()
    }
}

/// The unique name that owns `org.freedesktop.Notifications` now, if any.
fn name_owner(bus: &Connection) -> Option<String> {
    bus.call_method(
        Some("org.freedesktop.DBus"),
        "/org/freedesktop/DBus",
        Some("org.freedesktop.DBus"),
        "GetNameOwner",
        &(BUS_NAME,),
    )
    .ok()?
    .body()
    .deserialize::<String>()
    .ok()
}

/// A believed action, or `None` (ignored, and logged when it tried to act). `owner` asks
/// the bus who owns the notification service now; it is asked only for a signal that passed
/// every other check.
fn on_signal(
    tracking: &Tracking,
    signal: &zbus::message::Message,
    owner: &dyn Fn() -> Option<String>,
) -> Option<Invoked> {
    let header = signal.header();
    let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
    // A notification being shown is recorded first.
    drop(lock(&tracking.showing));
    let tracked_map = &tracking.shown;
    match header.member().map(|m| m.as_str()) {
        Some("ActionInvoked") => {
            let (id, action): (u32, String) = signal.body().deserialize().ok()?;
            let tracked = lock(tracked_map);
            let Some(shown) = tracked.get(&id) else {
                tracing::warn!(
                    sender,
                    id,
                    action,
                    "notification action ignored: not a notification this app shows, or already answered"
                );
                return None;
            };
            if shown.server.as_str() != sender {
                tracing::warn!(
                    sender,
                    server = shown.server.as_str(),
                    id,
                    action,
                    "notification action ignored: not sent by the notification server that showed it"
                );
                return None;
            }
            if shown.answered {
                tracing::warn!(
                    sender,
                    id,
                    action,
                    "notification action ignored: already answered"
                );
                return None;
            }
            drop(tracked);
            // The server that showed it may since have handed the service to another.
            let now = owner();
            if now.as_deref() != Some(sender.as_str()) {
                tracing::warn!(
                    sender,
                    owner = now.as_deref().unwrap_or("nobody"),
                    id,
                    action,
                    "notification action ignored: its sender no longer owns the notification service"
                );
                return None;
            }
            let mut tracked = lock(tracked_map);
            let shown = tracked.get_mut(&id).filter(|shown| !shown.answered)?;
            if action != BODY_CLICK {
                shown.answered = true;
            }
            Some(Invoked {
                tag: shown.tag.clone(),
                action,
            })
        }
        Some("NotificationClosed") => {
            let (id, _reason): (u32, u32) = signal.body().deserialize().ok()?;
            let mut tracked = lock(tracked_map);
            if tracked
                .get(&id)
                .is_some_and(|shown| shown.server.as_str() == sender)
            {
                tracked.remove(&id);
            }
            None
        }
        _ => None,
    }
}
