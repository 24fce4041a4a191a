//! Serves the local API (crates/api) for external agents, with the request defaults from
//! the settings. If it cannot start, the app still runs and says why.

use std::sync::{Arc, RwLock};

use api::{AskDefaults, ServerConfig};
use inbox::Inbox;
use settings::Settings;
use tauri::AppHandle;

use crate::problems;

/// The defaults the server reads for each ask; Settings updates them.
pub struct ApiDefaults(pub Arc<RwLock<AskDefaults>>);

impl ApiDefaults {
    pub fn new(settings: &Settings) -> Self {
        Self(Arc::new(RwLock::new(defaults_of(settings))))
    }

    pub fn update(&self, settings: &Settings) {
        *self.0.write().unwrap() = defaults_of(settings);
    }
}

fn defaults_of(settings: &Settings) -> AskDefaults {
    AskDefaults {
        timeout_ms: i64::from(settings.default_timeout_secs) * 1000,
        on_timeout: settings.default_on_timeout,
    }
}

#[cfg(unix)]
pub fn start(app: &AppHandle, inbox: Inbox, defaults: &ApiDefaults) {
    let path = api::default_socket_path();
    let config = ServerConfig {
        defaults: defaults.0.clone(),
        jobs: Some(Arc::new(crate::jobs::ApiJobs(app.clone()))),
        ..ServerConfig::default()
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        match api::bind(&path) {
            Ok(listener) => {
                tracing::info!(socket = %path.display(), "local API listening");
                api::serve(listener, inbox, config).await;
            }
            Err(e) => {
                problems::report(
                    &app,
                    "Agents cannot reach Converge Tray",
                    &format!("The local API could not start at {}: {e}", path.display()),
                );
            }
        }
    });
}

/// No transport here yet (a named pipe is planned for Windows): say so instead of failing.
#[cfg(not(unix))]
pub fn start(app: &AppHandle, _inbox: Inbox, _defaults: &ApiDefaults) {
    problems::report(
        app,
        "Agents cannot reach Converge Tray",
        "The local API is served over Unix sockets only so far; this platform has none yet.",
    );
}
