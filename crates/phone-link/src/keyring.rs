//! The person's keyring: the desktop's Secret Service (`org.freedesktop.secrets` on the
//! session bus: GNOME Keyring, KeePassXC, KWallet's), where the session's secrets are kept
//! when there is one, encrypted with the person's login and unlocked when they log in.
//!
//! Only what the link needs: one item per store directory, found by its attributes,
//! replaced when set up again and deleted when Phone is turned off. Secrets cross the bus
//! in the "plain" session algorithm: the session bus is the person's own, and any program
//! on it may ask the keyring for the same item anyway (the Secret Service does not tell
//! one program of the user's from another); what the keyring adds over a file only the
//! user can read is that the secrets are encrypted at rest with the login password.

use std::collections::HashMap;
use std::time::Duration;

use futures_util::StreamExt;
use zbus::zvariant::{ObjectPath, OwnedObjectPath, OwnedValue, Value};
use zbus::{Connection, Proxy};

const SERVICE: &str = "org.freedesktop.secrets";
const SERVICE_PATH: &str = "/org/freedesktop/secrets";
const SERVICE_INTERFACE: &str = "org.freedesktop.Secret.Service";
const COLLECTION_INTERFACE: &str = "org.freedesktop.Secret.Collection";
const ITEM_INTERFACE: &str = "org.freedesktop.Secret.Item";
const PROMPT_INTERFACE: &str = "org.freedesktop.Secret.Prompt";
/// How long the person has to answer the keyring's own "unlock" dialog.
const PROMPT_WAIT: Duration = Duration::from_secs(120);
/// A keyring that does not answer within this is taken as not there.
const CALL_WAIT: Duration = Duration::from_secs(10);

/// (session, parameters, value, content type), as the Secret Service spells a secret.
type Secret = (OwnedObjectPath, Vec<u8>, Vec<u8>, String);

/// The keyring, when the session bus has one.
pub struct Keyring {
    connection: Connection,
    session: OwnedObjectPath,
}

impl Keyring {
    /// The person's keyring, or None when this session has none (no session bus, or no
    /// Secret Service on it, running or startable).
    pub async fn open() -> Option<Keyring> {
        let connection = tokio::time::timeout(CALL_WAIT, Connection::session())
            .await
            .ok()?
            .ok()?;
        let service = service(&connection).await.ok()?;
        // A Secret Service that is not running is started by the bus on the first call
        // (D-Bus activation), as on a desktop where it starts with the session.
        let opened: Result<(OwnedValue, OwnedObjectPath), String> =
            call(&service, "OpenSession", &("plain", Value::from(""))).await;
        match opened {
            Ok((_, session)) => Some(Keyring {
                connection,
                session,
            }),
            Err(why) => {
                tracing::info!("no keyring: {why}");
                None
            }
        }
    }

    /// Keeps `secret` under `attributes` in the default collection, in place of an item
    /// with the same attributes. Asks the person to unlock the collection when it is
    /// locked (the keyring's own dialog).
    pub async fn store(
        &self,
        label: &str,
        attributes: &HashMap<&str, &str>,
        secret: &[u8],
    ) -> Result<(), String> {
        let service = service(&self.connection).await?;
        let collection: OwnedObjectPath = call(&service, "ReadAlias", &("default",)).await?;
        if collection.as_str() == "/" {
            return Err("the keyring has no default collection".into());
        }
        self.unlock(&service, &collection).await?;
        let collection = proxy(&self.connection, &collection, COLLECTION_INTERFACE).await?;
        let mut properties: HashMap<&str, Value> = HashMap::new();
        properties.insert("org.freedesktop.Secret.Item.Label", Value::from(label));
        properties.insert(
            "org.freedesktop.Secret.Item.Attributes",
            Value::from(attributes.clone()),
        );
        let secret: Secret = (
            self.session.clone(),
            Vec::new(),
            secret.to_vec(),
            "text/plain".to_owned(),
        );
        let (_item, prompt): (OwnedObjectPath, OwnedObjectPath) =
            call(&collection, "CreateItem", &(properties, secret, true)).await?;
        self.prompt(&prompt).await.map(|_| ())
    }

    /// The secret kept under `attributes`, None when there is no such item.
    pub async fn find(&self, attributes: &HashMap<&str, &str>) -> Result<Option<Vec<u8>>, String> {
        let service = service(&self.connection).await?;
        let (unlocked, locked): (Vec<OwnedObjectPath>, Vec<OwnedObjectPath>) =
            call(&service, "SearchItems", &(attributes,)).await?;
        let item = match (unlocked.first(), locked.first()) {
            (Some(item), _) => item.clone(),
            (None, Some(item)) => {
                self.unlock(&service, item).await?;
                item.clone()
            }
            (None, None) => return Ok(None),
        };
        let item = proxy(&self.connection, &item, ITEM_INTERFACE).await?;
        let (_, _, value, _): Secret = call(&item, "GetSecret", &(&self.session,)).await?;
        Ok(Some(value))
    }

    /// Deletes every item kept under `attributes`.
    pub async fn forget(&self, attributes: &HashMap<&str, &str>) -> Result<(), String> {
        let service = service(&self.connection).await?;
        let (unlocked, locked): (Vec<OwnedObjectPath>, Vec<OwnedObjectPath>) =
            call(&service, "SearchItems", &(attributes,)).await?;
        for item in unlocked.iter().chain(&locked) {
            let item = proxy(&self.connection, item, ITEM_INTERFACE).await?;
            let prompt: OwnedObjectPath = call(&item, "Delete", &()).await?;
            self.prompt(&prompt).await?;
        }
        Ok(())
    }

    async fn unlock(&self, service: &Proxy<'_>, object: &ObjectPath<'_>) -> Result<(), String> {
        let (_, prompt): (Vec<OwnedObjectPath>, OwnedObjectPath) =
            call(service, "Unlock", &(vec![object],)).await?;
        self.prompt(&prompt).await.map(|_| ())
    }

    /// Shows the keyring's own dialog when it asks for one ("/" when it needs none) and
    /// waits for the person's answer.
    async fn prompt(&self, prompt: &ObjectPath<'_>) -> Result<(), String> {
        if prompt.as_str() == "/" {
            return Ok(());
        }
        let prompt = proxy(&self.connection, prompt, PROMPT_INTERFACE).await?;
        let mut completed = prompt
            .receive_signal("Completed")
            .await
            .map_err(|error| format!("the keyring's dialog: {error}"))?;
        call::<()>(&prompt, "Prompt", &("",)).await?;
        let answer = tokio::time::timeout(PROMPT_WAIT, completed.next())
            .await
            .map_err(|_| "the keyring's dialog was not answered".to_owned())?
            .ok_or("the keyring's dialog went away")?;
        let (dismissed, _): (bool, OwnedValue) = answer
            .body()
            .deserialize()
            .map_err(|error| format!("the keyring's dialog: {error}"))?;
        if dismissed {
            Err("the keyring stayed locked (its dialog was dismissed)".into())
        } else {
            Ok(())
        }
    }
}

async fn service(connection: &Connection) -> Result<Proxy<'static>, String> {
    proxy(
        connection,
        &ObjectPath::from_static_str_unchecked(SERVICE_PATH),
        SERVICE_INTERFACE,
    )
    .await
}

async fn proxy(
    connection: &Connection,
    path: &ObjectPath<'_>,
    interface: &'static str,
) -> Result<Proxy<'static>, String> {
    Proxy::new(connection, SERVICE, path.to_owned(), interface)
        .await
        .map_err(|error| format!("the keyring: {error}"))
}

async fn call<R>(
    proxy: &Proxy<'_>,
    method: &str,
    body: &(impl serde::Serialize + zbus::zvariant::DynamicType),
) -> Result<R, String>
where
    R: for<'d> zbus::zvariant::DynamicDeserialize<'d>,
{
    tokio::time::timeout(CALL_WAIT, proxy.call(method, body))
        .await
        .map_err(|_| format!("the keyring did not answer {method}"))?
        .map_err(|error| format!("the keyring refused {method}: {error}"))
}
