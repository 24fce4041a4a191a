//! The link's half of the channel: what it says to the app.

use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};

use phone::channel::{self, FromLink};

#[derive(Clone)]
pub struct Outbox(Arc<Mutex<UnixStream>>);

impl Outbox {
    pub fn new(channel: UnixStream) -> Self {
        Outbox(Arc::new(Mutex::new(channel)))
    }

    /// Says `message`; when the app is gone the reading side ends the link, so a failed
    /// write is only logged.
    pub fn say(&self, message: &FromLink) {
        let mut channel = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Err(error) = channel::send(&mut *channel, message) {
            tracing::warn!("the app's channel: {error}");
        }
    }
}
