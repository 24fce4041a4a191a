//! A real Synapse homeserver, from the Python the test set-up installs it in
//! (`scripts/setup.sh --tests`), on a free port of 127.0.0.1, with SQLite in a directory of
//! its own; stopped when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use matrix_sdk::reqwest;
use serde_json::{json, Value};

pub struct Synapse {
    pub url: String,
    pub dir: PathBuf,
    python: PathBuf,
    child: Option<Child>,
    http: reqwest::Client,
}

/// The users every test has: the app's account, the person, another user, an admin.
pub const USERS: [(&str, &str, bool); 4] = [
    ("app", "app-password", false),
    ("person", "person-password", false),
    ("intruder", "intruder-password", false),
    ("admin", "admin-password", true),
];

fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("CONVERGE_TEST_PYTHON") {
        return PathBuf::from(python);
    }
    let home = std::env::var_os("HOME").expect("HOME is set");
    Path::new(&home).join(".cache/converge-tray/e2e-venv/bin/python")
}

impl Synapse {
    pub async fn start(name: &str) -> Synapse {
        let python = python();
        let has_synapse = Command::new(&python)
            .args(["-c", "import synapse"])
            .status()
            .is_ok_and(|status| status.success());
        assert!(
            has_synapse,
            "{} has no Synapse: run scripts/setup.sh --tests (or set CONVERGE_TEST_PYTHON)",
            python.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let dir =
            std::env::temp_dir().join(format!("converge-phone-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("homeserver.yaml");
        std::fs::write(&config, config_text(&dir, port)).unwrap();
        let keys = Command::new(&python)
            .args(["-m", "synapse.app.homeserver", "--generate-keys", "-c"])
            .arg(&config)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(keys.success(), "Synapse could not make its signing key");
        let log = std::fs::File::create(dir.join("synapse.log")).unwrap();
        let child = Command::new(&python)
            .args(["-m", "synapse.app.homeserver", "-c"])
            .arg(&config)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut synapse = Synapse {
            url: format!("http://127.0.0.1:{port}"),
            dir,
            python,
            child: Some(child),
            http: reqwest::Client::new(),
        };
        synapse.wait_until_up().await;
        for (user, password, admin) in USERS {
            synapse.register(user, password, admin);
        }
        synapse
    }

    async fn wait_until_up(&mut self) {
        let start = Instant::now();
        loop {
            let up = self
                .http
                .get(format!("{}/_matrix/client/versions", self.url))
                .send()
                .await
                .is_ok_and(|response| response.status().is_success());
            if up {
                return;
            }
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("Synapse exited ({status}):\n{}", self.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "Synapse did not answer in 60 s:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn register(&self, user: &str, password: &str, admin: bool) {
        let script = self.python.with_file_name("register_new_matrix_user");
        let registered = Command::new(script)
            .arg("-c")
            .arg(self.dir.join("homeserver.yaml"))
            .args(["-u", user, "-p", password])
            .arg(if admin { "--admin" } else { "--no-admin" })
            .arg(&self.url)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(registered.success(), "could not register {user}");
    }

    pub fn log(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("synapse.log")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Stops it at once, as a crash or a network cut would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// A client-server API call with `token`; the answer's JSON.
    pub async fn call(&self, method: &str, path: &str, token: &str, body: Value) -> Value {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = self
            .http
            .request(method, format!("{}{path}", self.url))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap()
    }

    /// A password sign-in by plain HTTP: an access token with a device of its own.
    pub async fn token(&self, user: &str, password: &str) -> String {
        let body = json!({
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": user},
            "password": password,
        });
        let answer = self
            .call("POST", "/_matrix/client/v3/login", "", body)
            .await;
        answer["access_token"].as_str().unwrap().to_owned()
    }

    /// What the homeserver's admin can do without any device: act as `user`.
    pub async fn puppet_token(&self, user_id: &str) -> String {
        let admin = self.token("admin", "admin-password").await;
        let path = format!("/_synapse/admin/v1/users/{user_id}/login");
        let answer = self.call("POST", &path, &admin, json!({})).await;
        answer["access_token"].as_str().unwrap().to_owned()
    }
}

impl Drop for Synapse {
    fn drop(&mut self) {
        self.kill();
    }
}

fn config_text(dir: &Path, port: u16) -> String {
    let dir = dir.display();
    let fast = "{per_second: 10000, burst_count: 100000}";
    format!(
        r#"server_name: "localhost"
public_baseurl: "http://127.0.0.1:{port}/"
listeners:
  - {{port: {port}, bind_addresses: ["127.0.0.1"], type: http, tls: false, x_forwarded: false,
     resources: [{{names: [client], compress: false}}]}}
database: {{name: sqlite3, args: {{database: "{dir}/homeserver.db"}}}}
media_store_path: "{dir}/media_store"
signing_key_path: "{dir}/signing.key"
report_stats: false
trusted_key_servers: []
suppress_key_server_warning: true
enable_registration: false
registration_shared_secret: "test-shared-secret"
macaroon_secret_key: "test-macaroon-secret"
form_secret: "test-form-secret"
bcrypt_rounds: 4
url_preview_enabled: false
presence: {{enabled: false}}
rc_message: {fast}
rc_registration: {fast}
rc_login: {{address: {fast}, account: {fast}, failed_attempts: {fast}}}
rc_joins: {{local: {fast}, remote: {fast}}}
rc_joins_per_room: {fast}
rc_invites: {{per_room: {fast}, per_user: {fast}, per_issuer: {fast}}}
rc_key_requests: {fast}
rc_admin_redaction: {fast}
rc_room_creation: {fast}
rc_delayed_event_mgmt: {fast}
"#
    )
}
