use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use zbus::blocking::{Connection, MessageIterator};
use zbus::message::{Message, Type};
use zbus::zvariant::{ObjectPath, OwnedObjectPath, OwnedValue, Value};
use zbus::MatchRule;

const PORTAL: &str = "org.freedesktop.portal.Desktop";
const PATH: &str = "/org/freedesktop/portal/desktop";
const SHORTCUTS: &str = "org.freedesktop.portal.GlobalShortcuts";
const REQUEST: &str = "org.freedesktop.portal.Request";
const SESSION: &str = "org.freedesktop.portal.Session";

/// A shortcut the app offers.
#[derive(Debug, Clone)]
pub struct Shortcut {
    /// The app's own name for it, reported back on each press.
    pub id: String,
    /// What it does, in the person's words: the desktop shows it.
    pub description: String,
    /// The keys the app would like, in the XDG shortcuts format (`CTRL+SHIFT+y`); the
    /// desktop may pick others.
    pub preferred_trigger: Option<String>,
}

/// A shortcut the desktop bound, with the keys as the desktop describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bound {
    pub id: String,
    /// For example "Ctrl+Shift+Y"; `None` when the desktop gave no description.
    pub trigger: Option<String>,
}

#[derive(Debug)]
pub enum PortalError {
    /// No portal on the bus, or one without GlobalShortcuts.
    NotOffered(String),
    /// The person declined the desktop's dialog.
    Declined,
    /// The portal answered with an error, or not in the documented form.
    Failed(String),
    /// The portal did not answer in time.
    NoAnswer(&'static str),
    Bus(zbus::Error),
}

impl fmt::Display for PortalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotOffered(why) => write!(f, "the desktop offers no shortcuts portal ({why})"),
            Self::Declined => write!(f, "the shortcuts were declined in the desktop's dialog"),
            Self::Failed(why) => write!(f, "the shortcuts portal refused: {why}"),
            Self::NoAnswer(call) => write!(f, "the shortcuts portal did not answer {call}"),
            Self::Bus(e) => write!(f, "session bus: {e}"),
        }
    }
}

impl std::error::Error for PortalError {}

impl From<zbus::Error> for PortalError {
    fn from(e: zbus::Error) -> Self {
        Self::Bus(e)
    }
}

/// A live session of bound shortcuts. Dropping it closes the session, which releases them.
pub struct PortalShortcuts {
    connection: Connection,
    session: OwnedObjectPath,
    bound: Vec<Bound>,
    version: u32,
    alive: Arc<AtomicBool>,
}

/// How long CreateSession may take; binding may wait for the person in a dialog.
const CREATE_WITHIN: Duration = Duration::from_secs(30);

impl PortalShortcuts {
    /// Binds `shortcuts` through the portal on the session bus. `on_activated` runs on a
    /// listener thread with the id of every believed press. `bind_within` bounds the wait
    /// for the desktop's answer to the binding (it may show the person a dialog first).
    pub fn session(
        shortcuts: &[Shortcut],
        bind_within: Duration,
        on_activated: impl Fn(&str) + Send + 'static,
    ) -> Result<Self, PortalError> {
        Self::on(Connection::session()?, shortcuts, bind_within, on_activated)
    }

    /// The same on the bus at `address` (tests run a bus of their own).
    pub fn at_address(
        address: &str,
        shortcuts: &[Shortcut],
        bind_within: Duration,
        on_activated: impl Fn(&str) + Send + 'static,
    ) -> Result<Self, PortalError> {
        let connection = zbus::blocking::connection::Builder::address(address)?.build()?;
        Self::on(connection, shortcuts, bind_within, on_activated)
    }

    fn on(
        connection: Connection,
        shortcuts: &[Shortcut],
        bind_within: Duration,
        on_activated: impl Fn(&str) + Send + 'static,
    ) -> Result<Self, PortalError> {
        let version = portal_version(&connection)?;
        let portal = name_owner(&connection)
            .ok_or_else(|| PortalError::NotOffered(format!("nobody owns {PORTAL}")))?;
        let sender = connection
            .unique_name()
            .map(|name| name.trim_start_matches(':').replace('.', "_"))
            .ok_or_else(|| PortalError::Failed("no unique name on the bus".into()))?;
        let responses = Responses::listen(&connection, &portal)?;
        let offered = || -> Vec<(&str, HashMap<&str, Value>)> {
            shortcuts
                .iter()
                .map(|shortcut| {
                    let mut info = HashMap::from([(
                        "description",
                        Value::from(shortcut.description.as_str()),
                    )]);
                    if let Some(trigger) = &shortcut.preferred_trigger {
                        info.insert("preferred_trigger", Value::from(trigger.as_str()));
                    }
                    (shortcut.id.as_str(), info)
                })
                .collect()
        };
        let token = next_token();
        let created = responses.call(
            &connection,
            &format!("{PATH}/request/{sender}/{token}"),
            "CreateSession",
            &(HashMap::from([
                ("handle_token", Value::from(token.as_str())),
                ("session_handle_token", Value::from(SESSION_TOKEN)),
                // Not in the documented interface: KDE Plasma 5.27's portal binds only the
                // shortcuts passed here (its BindShortcuts binds nothing and opens System
                // Settings instead). Others ignore an option they do not know.
                ("shortcuts", Value::from(offered())),
            ]),),
            CREATE_WITHIN,
        )?;
        let session = session_handle(&created)?;

        // Listening before binding: a press right after the dialog is not missed.
        let alive = Arc::new(AtomicBool::new(true));
        listen_for_presses(&connection, &portal, &session, &alive, on_activated)?;

        // Bound already (Plasma 5.27, above): binding again would only open System Settings.
        let listed = list_shortcuts(&connection, &responses, &sender, &session);
        if shortcuts
            .iter()
            .all(|shortcut| listed.iter().any(|bound| bound.id == shortcut.id))
        {
            return Ok(Self {
                connection,
                session,
                bound: listed,
                version,
                alive,
            });
        }
        let offered = offered();
        let token = next_token();
        let session_path = ObjectPath::from(&session);
        let bound = responses.call(
            &connection,
            &format!("{PATH}/request/{sender}/{token}"),
            "BindShortcuts",
            &(
                &session_path,
                offered,
                "",
                HashMap::from([("handle_token", Value::from(token.as_str()))]),
            ),
            bind_within,
        );
        let bound = match bound {
            Ok(results) => bound_shortcuts(&results),
            Err(e) => {
                alive.store(false, Ordering::SeqCst);
                close_session(&connection, &session);
                return Err(e);
            }
        };
        Ok(Self {
            connection,
            session,
            bound,
            version,
            alive,
        })
    }

    /// What the desktop bound, with its description of the keys.
    pub fn bound(&self) -> &[Bound] {
        &self.bound
    }

    /// The portal interface's version.
    pub fn version(&self) -> u32 {
        self.version
    }
}

impl Drop for PortalShortcuts {
    fn drop(&mut self) {
        self.alive.store(false, Ordering::SeqCst);
        close_session(&self.connection, &self.session);
    }
}

fn close_session(connection: &Connection, session: &OwnedObjectPath) {
    if let Err(e) =
        connection.call_method(Some(PORTAL), session.as_str(), Some(SESSION), "Close", &())
    {
        tracing::debug!("cannot close the shortcuts session: {e}");
    }
}

/// The session's token, the same on every run: KDE Plasma names the shortcuts' group in
/// its settings after it (with the app's id, empty for an app not in a sandbox), so the keys
/// the person chose there stay with the app.
const SESSION_TOKEN: &str = "converge_tray";

/// What the session has bound; empty if the portal would not say.
fn list_shortcuts(
    connection: &Connection,
    responses: &Responses,
    sender: &str,
    session: &OwnedObjectPath,
) -> Vec<Bound> {
    let token = next_token();
    match responses.call(
        connection,
        &format!("{PATH}/request/{sender}/{token}"),
        "ListShortcuts",
        &(
            ObjectPath::from(session),
            HashMap::from([("handle_token", Value::from(token.as_str()))]),
        ),
        CREATE_WITHIN,
    ) {
        Ok(results) => bound_shortcuts(&results),
        Err(e) => {
            tracing::debug!("the shortcuts portal would not list the session's shortcuts: {e}");
            Vec::new()
        }
    }
}

/// Tokens unique in this process: each request gets its own.
fn next_token() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    format!(
        "converge_tray_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

fn portal_version(connection: &Connection) -> Result<u32, PortalError> {
    let reply = connection
        .call_method(
            Some(PORTAL),
            PATH,
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &(SHORTCUTS, "version"),
        )
        .map_err(|e| PortalError::NotOffered(e.to_string()))?;
    let value: OwnedValue = reply
        .body()
        .deserialize()
        .map_err(|e| PortalError::NotOffered(e.to_string()))?;
    u32::try_from(value).map_err(|e| PortalError::NotOffered(format!("version: {e}")))
}

/// The unique name that owns the portal's name now, if any.
fn name_owner(connection: &Connection) -> Option<String> {
    connection
        .call_method(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            Some("org.freedesktop.DBus"),
            "GetNameOwner",
            &(PORTAL,),
        )
        .ok()?
        .body()
        .deserialize::<String>()
        .ok()
}

type Results = HashMap<String, OwnedValue>;

/// The portal's `Request::Response` signals, from the portal's connection only, handed to
/// the call waiting for them by request path.
struct Responses {
    received: mpsc::Receiver<(String, u32, Results)>,
}

impl Responses {
    fn listen(connection: &Connection, portal: &str) -> Result<Self, PortalError> {
        let rule = MatchRule::builder()
            .msg_type(Type::Signal)
            .sender(portal.to_owned())?
            .interface(REQUEST)?
            .member("Response")?
            .build();
        let signals = MessageIterator::for_match_rule(rule, connection, Some(16))?;
        let (send, received) = mpsc::channel();
        let portal = portal.to_owned();
        std::thread::Builder::new()
            .name("portal-responses".into())
            .spawn(move || {
                for signal in signals.flatten() {
                    let header = signal.header();
                    if header.sender().map(|s| s.as_str()) != Some(portal.as_str()) {
                        continue;
                    }
                    let Some(path) = header.path().map(|p| p.to_string()) else {
                        continue;
                    };
                    let Ok((code, results)) = signal.body().deserialize::<(u32, Results)>() else {
                        continue;
                    };
                    if send.send((path, code, results)).is_err() {
                        return; // nobody waits any more: the session is made or failed
                    }
                }
            })
            .map_err(|e| PortalError::Failed(format!("no listener thread: {e}")))?;
        Ok(Self { received })
    }

    /// Calls `method` and waits for the Response on `expected` (or on the handle the
    /// portal returns, should an older portal not follow the token).
    fn call<B>(
        &self,
        connection: &Connection,
        expected: &str,
        method: &'static str,
        body: &B,
        within: Duration,
    ) -> Result<Results, PortalError>
    where
        B: serde::ser::Serialize + zbus::zvariant::DynamicType,
    {
        let reply = connection
            .call_method(Some(PORTAL), PATH, Some(SHORTCUTS), method, body)
            .map_err(|e| PortalError::Failed(format!("{method}: {e}")))?;
        let handle: OwnedObjectPath = reply
            .body()
            .deserialize()
            .map_err(|e| PortalError::Failed(format!("{method}: {e}")))?;
        let deadline = std::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let (path, code, results) = self
                .received
                .recv_timeout(left)
                .map_err(|_| PortalError::NoAnswer(method))?;
            if path != expected && path != handle.as_str() {
                continue;
            }
            return match code {
                0 => Ok(results),
                1 => Err(PortalError::Declined),
                other => Err(PortalError::Failed(format!(
                    "{method} ended with response {other}"
                ))),
            };
        }
    }
}

fn session_handle(results: &Results) -> Result<OwnedObjectPath, PortalError> {
    let value = results
        .get("session_handle")
        .ok_or_else(|| PortalError::Failed("CreateSession gave no session_handle".into()))?;
    // Documented as a string ("erroneously"), kept so; an object path is taken too.
    let text = match &**value {
        Value::Str(text) => text.to_string(),
        Value::ObjectPath(path) => path.to_string(),
        other => {
            return Err(PortalError::Failed(format!(
                "session_handle of type {}",
                other.value_signature()
            )))
        }
    };
    OwnedObjectPath::try_from(text).map_err(|e| PortalError::Failed(format!("session_handle: {e}")))
}

fn bound_shortcuts(results: &Results) -> Vec<Bound> {
    let Some(value) = results.get("shortcuts") else {
        return Vec::new();
    };
    let Ok(value) = value.try_clone() else {
        return Vec::new();
    };
    let Ok(list) = Vec::<(String, HashMap<String, OwnedValue>)>::try_from(value) else {
        return Vec::new();
    };
    list.into_iter()
        .map(|(id, info)| Bound {
            id,
            trigger: info
                .get("trigger_description")
                .and_then(|v| String::try_from(v.try_clone().ok()?).ok())
                .filter(|text| !text.is_empty()),
        })
        .collect()
}

fn listen_for_presses(
    connection: &Connection,
    portal: &str,
    session: &OwnedObjectPath,
    alive: &Arc<AtomicBool>,
    on_activated: impl Fn(&str) + Send + 'static,
) -> Result<(), PortalError> {
    // No sender in the rule: a forged signal must reach `on_press` to be logged as one.
    let rule = MatchRule::builder()
        .msg_type(Type::Signal)
        .path(PATH)?
        .interface(SHORTCUTS)?
        .member("Activated")?
        .build();
    let signals = MessageIterator::for_match_rule(rule, connection, Some(64))?;
    let portal = portal.to_owned();
    let session = session.clone();
    let alive = Arc::clone(alive);
    std::thread::Builder::new()
        .name("portal-shortcuts".into())
        .spawn(move || {
            for signal in signals.flatten() {
                if !alive.load(Ordering::SeqCst) {
                    return;
                }
                if let Some(id) = on_press(&signal, &portal, &session) {
                    on_activated(&id);
                }
            }
        })
        .map_err(|e| PortalError::Failed(format!("no listener thread: {e}")))?;
    Ok(())
}

/// The id of a believed press, or `None` (ignored, and logged).
fn on_press(signal: &Message, portal: &str, session: &OwnedObjectPath) -> Option<String> {
    let header = signal.header();
    let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
    let Ok((pressed_in, id, _at, _options)) = signal
        .body()
        .deserialize::<(OwnedObjectPath, String, u64, Results)>()
    else {
        tracing::warn!(
            sender,
            "shortcut activation ignored: not in the documented form"
        );
        return None;
    };
    if sender != portal {
        tracing::warn!(
            sender,
            portal,
            id,
            "shortcut activation ignored: not sent by the portal that bound it"
        );
        return None;
    }
    if pressed_in != *session {
        tracing::warn!(
            sender,
            id,
            session = pressed_in.as_str(),
            "shortcut activation ignored: another session's"
        );
        return None;
    }
    Some(id)
}
