//! Signing in once, and the session kept for every later start: in the store directory the
//! app chose (only the user can read it), the Matrix client's encrypted SQLite store and
//! `session.json` with the access token and the store's passphrase. The password is used
//! for the sign-in (and the cross-signing set-up it allows) and never kept.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;
use std::time::Duration;

use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::config::RequestConfig;
use matrix_sdk::encryption::EncryptionSettings;
use matrix_sdk::ruma::api::client::uiaa;
use matrix_sdk::ruma::UserId;
use matrix_sdk::store::RoomLoadSettings;
use matrix_sdk::Client;
use matrix_sdk_base::crypto::CollectStrategy;
use serde::{Deserialize, Serialize};

const SESSION_FILE: &str = "session.json";
const MATRIX_STORE: &str = "matrix";

/// What a later start needs: secrets, so the file is the user's alone (mode 0600).
#[derive(Serialize, Deserialize)]
pub struct Saved {
    pub homeserver: String,
    pub person: String,
    pub room: String,
    passphrase: String,
    session: MatrixSession,
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
        return Err(
            "The app needs an account of its own, not yours: make one for it on your homeserver."
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
    let saved = Saved {
        homeserver: homeserver.to_owned(),
        person: person_id.to_string(),
        room: room.room_id().to_string(),
        passphrase,
        session,
    };
    save(store, &saved)?;
    Ok((client, saved))
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
    let client = client(&saved.homeserver, store, &saved.passphrase).await?;
    client
        .matrix_auth()
        .restore_session(saved.session.clone(), RoomLoadSettings::default())
        .await
        .map_err(|error| {
            format!("the kept session cannot be used ({error}): set up Phone again")
        })?;
    Ok((client, saved))
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
