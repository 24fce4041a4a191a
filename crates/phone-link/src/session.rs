//! Signing in once, and the session kept for every later start, in the store directory the
//! app chose (only the user can read it): the Matrix client's encrypted SQLite store and
//! `session.json`. The session's secrets (the access token and the store's passphrase) go to
//! the person's keyring when the desktop has one ([`crate::keyring`]), else into
//! `session.json` itself (mode 0600). The password is used for the sign-in (and the
//! cross-signing set-up it allows) and never kept.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::time::Duration;

use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::RequestConfig;
use matrix_sdk::encryption::EncryptionSettings;
use matrix_sdk::ruma::api::client::uiaa;
use matrix_sdk::ruma::{OwnedDeviceId, OwnedUserId, UserId};
use matrix_sdk::store::RoomLoadSettings;
use matrix_sdk::{Client, SessionMeta, SessionTokens};
use matrix_sdk_base::crypto::CollectStrategy;
use serde::{Deserialize, Serialize};

use crate::keyring::Keyring;

const SESSION_FILE: &str = "session.json";
const MATRIX_STORE: &str = "matrix";
const KEYRING_LABEL: &str = "Converge Tray: the phone's Matrix session";

/// What a later start needs, as `session.json` holds it.
#[derive(Serialize, Deserialize)]
pub struct Saved {
    pub homeserver: String,
    pub person: String,
    pub room: String,
    user: OwnedUserId,
    device: OwnedDeviceId,
    /// In the file when there was no keyring to keep them; None: in the keyring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secrets: Option<Secrets>,
}

/// What must not be read by anyone but the person.
#[derive(Serialize, Deserialize)]
struct Secrets {
    passphrase: String,
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
}

/// Where the session's secrets are kept, for the person to be told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeptIn {
    Keyring,
    File,
}

impl Saved {
    pub fn kept_in(&self) -> KeptIn {
        if self.secrets.is_some() {
            KeptIn::File
        } else {
            KeptIn::Keyring
        }
    }
}

/// Signs in as `user`, sets up cross-signing for this device, makes the encrypted room with
/// `person`, and keeps the session in `store`.
pub async fn sign_in(
    homeserver: &str,
    user: &str,
    password: &str,
    person: &str,
    store: &Path,
) -> Result<(Client, Saved), String> {
    let person_id = UserId::parse(person).map_err(|_| {
        format!("\"{person}\" is not a Matrix user id (they look like @name:server.org)")
    })?;
    let user_id = UserId::parse(user).ok();
    if user_id.as_deref() == Some(&*person_id) || user == person_id.localpart() {
        // Synapse never pushes a user's own messages to them (bulk_push_rule_evaluator
        // skips the sender), and other homeservers follow it: as the person's own device
        // the app's requests would arrive on the phone without a sound.
        return Err(
            "The app needs an account of its own, not yours: a homeserver never \
             notifies you of what you send yourself, so requests would reach your phone \
             silently. Make one for the app on your homeserver."
                .into(),
        );
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(store)
        .map_err(|error| format!("cannot make {}: {error}", store.display()))?;
    // A new sign-in starts a new device: the old device's keys are of no use to it.
    let _ = fs::remove_dir_all(store.join(MATRIX_STORE));
    let passphrase = random_hex(32)?;
    let client = client(homeserver, store, &passphrase).await?;
    client
        .matrix_auth()
        .login_username(user, password)
        .initial_device_display_name("Converge Tray")
        .await
        .map_err(|error| format!("The homeserver refused the sign-in: {error}"))?;
    client
        .encryption()
        .wait_for_e2ee_initialization_tasks()
        .await;
    if !has_identity(&client).await {
        // The account had an identity from an earlier set-up whose keys are gone with that
        // device: it is the app's own account, so it gets a new one.
        new_identity(&client, user, password).await?;
    }
    let room = client
        .create_dm(&person_id)
        .await
        .map_err(|error| format!("cannot make the room with {person}: {error}"))?;
    let session = client
        .matrix_auth()
        .session()
        .ok_or("signed in, yet the homeserver gave no session")?;
    let secrets = Secrets {
        passphrase,
        access_token: session.tokens.access_token,
        refresh_token: session.tokens.refresh_token,
    };
    let mut saved = Saved {
        homeserver: homeserver.to_owned(),
        person: person_id.to_string(),
        room: room.room_id().to_string(),
        user: session.meta.user_id,
        device: session.meta.device_id,
        secrets: None,
    };
    let text = serde_json::to_vec(&secrets).map_err(|error| error.to_string())?;
    let kept = match Keyring::open().await {
        Some(keyring) => keyring
            .store(KEYRING_LABEL, &keyring_attributes(store), &text)
            .await
            .map_err(|why| tracing::warn!("the session goes to a file: {why}"))
            .is_ok(),
        None => false,
    };
    if !kept {
        saved.secrets = Some(secrets);
    }
    save(store, &saved)?;
    Ok((client, saved))
}

/// How the keyring's item is found again: one per store directory.
fn keyring_attributes(store: &Path) -> HashMap<&'static str, &str> {
    HashMap::from([
        ("application", "dev.converge.tray"),
        ("purpose", "phone-session"),
        ("store", store.to_str().unwrap_or("")),
    ])
}

/// Deletes the session's secrets from the keyring (Phone turned off); the app removes the
/// store directory with `session.json`.
pub async fn forget(store: &Path) {
    if let Some(keyring) = Keyring::open().await {
        if let Err(why) = keyring.forget(&keyring_attributes(store)).await {
            tracing::warn!("the session stays in the keyring: {why}");
        }
    }
}

async fn has_identity(client: &Client) -> bool {
    client
        .encryption()
        .cross_signing_status()
        .await
        .is_some_and(|status| status.is_complete())
}

async fn new_identity(client: &Client, user: &str, password: &str) -> Result<(), String> {
    let Err(error) = client.encryption().bootstrap_cross_signing(None).await else {
        return Ok(());
    };
    let Some(info) = error.as_uiaa_response() else {
        return Err(format!("cannot set up the app's identity: {error}"));
    };
    let mut auth = uiaa::Password::new(
        uiaa::UserIdentifier::Matrix(uiaa::MatrixUserIdentifier::new(user.to_owned())),
        password.to_owned(),
    );
    auth.session = info.session.clone();
    client
        .encryption()
        .bootstrap_cross_signing(Some(uiaa::AuthData::Password(auth)))
        .await
        .map_err(|error| format!("cannot set up the app's identity: {error}"))?;
    if has_identity(client).await {
        Ok(())
    } else {
        Err("the homeserver kept the app's identity from being set up".into())
    }
}

/// Signs in again with the session kept in `store`.
pub async fn resume(store: &Path) -> Result<(Client, Saved), String> {
    let path = store.join(SESSION_FILE);
    let text = fs::read(&path).map_err(|error| {
        format!(
            "Phone is not set up here ({} cannot be read: {error})",
            path.display()
        )
    })?;
    let saved: Saved = serde_json::from_slice(&text).map_err(|error| {
        format!(
            "{} is damaged ({error}): set up Phone again",
            path.display()
        )
    })?;
    let from_keyring;
    let secrets = match &saved.secrets {
        Some(secrets) => secrets,
        None => {
            from_keyring = kept_secrets(store).await?;
            &from_keyring
        }
    };
    let client = client(&saved.homeserver, store, &secrets.passphrase).await?;
    let session = MatrixSession {
        meta: SessionMeta {
            user_id: saved.user.clone(),
            device_id: saved.device.clone(),
        },
        tokens: SessionTokens {
            access_token: secrets.access_token.clone(),
            refresh_token: secrets.refresh_token.clone(),
        },
    };
    client
        .matrix_auth()
        .restore_session(session, RoomLoadSettings::default())
        .await
        .map_err(|error| {
            format!("the kept session cannot be used ({error}): set up Phone again")
        })?;
    Ok((client, saved))
}

async fn kept_secrets(store: &Path) -> Result<Secrets, String> {
    let keyring = Keyring::open().await.ok_or(
        "Phone's keys are in your keyring, and this session has none running: \
         start it (or log in to the desktop again), or set up Phone again",
    )?;
    let text = keyring
        .find(&keyring_attributes(store))
        .await
        .map_err(|why| format!("Phone's keys cannot be read from your keyring: {why}"))?
        .ok_or("Phone's keys are gone from your keyring: set up Phone again")?;
    serde_json::from_slice(&text).map_err(|error| {
        format!("Phone's keys in your keyring are damaged ({error}): set up Phone again")
    })
}

async fn client(homeserver: &str, store: &Path, passphrase: &str) -> Result<Client, String> {
    Client::builder()
        .homeserver_url(homeserver)
        .sqlite_store(store.join(MATRIX_STORE), Some(passphrase))
        .with_encryption_settings(EncryptionSettings {
            auto_enable_cross_signing: true,
            ..Default::default()
        })
        // A request's contents go only to the devices the person's own identity signed,
        // never to one a homeserver's admin added to their account.
        .with_room_key_recipient_strategy(CollectStrategy::IdentityBasedStrategy)
        // A homeserver that is down is said at once, not after minutes of retries: the
        // requests stay on the desktop meanwhile.
        .request_config(
            RequestConfig::new()
                .retry_limit(2)
                .timeout(Duration::from_secs(40)),
        )
        .build()
        .await
        .map_err(|error| format!("cannot reach {homeserver}: {error}"))
}

fn save(store: &Path, saved: &Saved) -> Result<(), String> {
    let text = serde_json::to_vec(saved).map_err(|error| error.to_string())?;
    let path = store.join(SESSION_FILE);
    let partial = store.join(format!("{SESSION_FILE}.partial"));
    let _ = fs::remove_file(&partial);
    let written = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&partial)
        .and_then(|mut file| {
            file.write_all(&text)?;
            file.sync_all()
        })
        .and_then(|()| fs::rename(&partial, &path));
    written.map_err(|error| format!("cannot keep the session in {}: {error}", path.display()))
}

fn random_hex(bytes: usize) -> Result<String, String> {
    let mut random = vec![0u8; bytes];
    getrandom::fill(&mut random).map_err(|error| format!("no randomness: {error}"))?;
    Ok(random.iter().map(|byte| format!("{byte:02x}")).collect())
}
