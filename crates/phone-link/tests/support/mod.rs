//! What the phone's test runs against: a real Synapse on 127.0.0.1, the link as the app
//! starts it, and the person's phone played by a second real Matrix client.

pub mod link;
pub mod phone;
pub mod synapse;

use std::time::{Duration, Instant};

/// Waits until `found` gives something, or fails the test saying what it waited for.
pub async fn eventually<T>(
    what: &str,
    within: Duration,
    mut found: impl FnMut() -> Option<T>,
) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = found() {
            return value;
        }
        assert!(start.elapsed() < within, "waited {within:?} for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
