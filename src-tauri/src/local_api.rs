//! Serves the local API (crates/api) for external agents, with the request defaults from
//! the settings. If it cannot start, the app still runs and says why.

use std::sync::{Arc, RwLock};

use api::{AskDefaults, Refusals, RemotePolicy, ServerConfig};
use inbox::Inbox;
use settings::Settings;
use tauri::{AppHandle, Manager};

use crate::problems;

/// What of the settings the server reads at each call (the request defaults, which remote
/// peers are turned away); Settings updates them.
pub struct ApiSettings {
    defaults: Arc<RwLock<AskDefaults>>,
    remote: Arc<RwLock<RemotePolicy>>,
    refusals: Refusals,
}

impl ApiSettings {
    pub fn new(settings: &Settings) -> Self {
        Self {
            defaults: Arc::new(RwLock::new(defaults_of(settings))),
            remote: Arc::new(RwLock::new(remote_policy_of(settings))),
            refusals: Refusals::default(),
        }
    }

    /// The remote peers turned away since the app started, most recent first.
    pub fn refusals(&self) -> Vec<settings::RemoteRefusal> {
        self.refusals
            .list()
            .into_iter()
            .map(|(remote, refused)| settings::RemoteRefusal {
                remote,
                count: refused.count,
                last_at: refused.last_at_ms,
            })
            .collect()
    }

    pub fn update(&self, settings: &Settings) {
        *self.defaults.write().unwrap() = defaults_of(settings);
        *self.remote.write().unwrap() = remote_policy_of(settings);
    }
}

fn remote_policy_of(settings: &Settings) -> RemotePolicy {
    RemotePolicy {
        accept: settings.remote.accept,
        refused_hosts: settings.remote.refused_hosts.clone(),
    }
}

fn defaults_of(settings: &Settings) -> AskDefaults {
    AskDefaults {
        timeout_ms: i64::from(settings.default_timeout_secs) * 1000,
        on_timeout: settings.default_on_timeout,
        refuse_unasked_from: settings
            .prompt_only_agents
            .deny_high_risk
            .then_some(inbox::RiskLevel::High),
    }
}

#[cfg(unix)]
pub fn start(app: &AppHandle, inbox: Inbox, settings: &ApiSettings) {
    let path = api::default_socket_path();
    let config = ServerConfig {
        defaults: settings.defaults.clone(),
        remote: settings.remote.clone(),
        refusals: settings.refusals.clone(),
        jobs: Some(Arc::new(crate::jobs::ApiJobs(app.clone()))),
        trails: app.state::<terminal::Trails>().inner().clone(),
        ..ServerConfig::default()
    };
    follow_refusals(app, settings.refusals.follow());
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

#[cfg(unix)]
fn follow_refusals(app: &AppHandle, mut refused: tokio::sync::watch::Receiver<u64>) {
    use tauri::Manager;
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        while refused.changed().await.is_ok() {
            // The list of remote peers turned away, at each refusal (Settings shows it).
            let list = app.state::<ApiSettings>().refusals();
            crate::events::emit::<crate::events::RemoteRefused>(&app, &list);
        }
    });
}

/// No transport here yet (a named pipe is planned for Windows): say so instead of failing.
#[cfg(not(unix))]
pub fn start(app: &AppHandle, _inbox: Inbox, _settings: &ApiSettings) {
    problems::report(
        app,
        "Agents cannot reach Converge Tray",
        "The local API is served over Unix sockets only so far; this platform has none yet.",
    );
}
