//! `ctray` on a machine the app's socket is forwarded to: the forwarded socket found without
//! configuration, a lost connection said plainly or, with a key, found again, and
//! `ctray remote setup|remove` editing an ssh config. A forwarding proxy in this test plays
//! the part of sshd's end of an SSH forward (docs/remote.md); the real sshd is driven by
//! tests/e2e/remote_e2e.py.

mod common;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{app, ctray, finish, text, wait_pending};
use inbox::{Resolver, Verdict};

/// Listens at `path` (in a directory only this user may enter, as sshd's forward) and
/// carries every connection to `upstream`, until its connections are dropped.
struct Forward {
    open: Arc<Mutex<Vec<UnixStream>>>,
}

impl Forward {
    fn start(path: &Path, upstream: PathBuf) -> Self {
        let dir = path.parent().unwrap();
        std::fs::create_dir_all(dir).unwrap();
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let listener = UnixListener::bind(path).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let open: Arc<Mutex<Vec<UnixStream>>> = Arc::default();
        let connections = open.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = UnixStream::connect(&upstream) else {
                    continue;
                };
                connections
                    .lock()
                    .unwrap()
                    .extend([client.try_clone().unwrap(), server.try_clone().unwrap()]);
                pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
                pipe(server, client);
            }
        });
        Self { open }
    }

    /// The SSH connection drops: every carried connection ends, the listener stays (sshd's
    /// socket file is there until a new connection binds it again).
    fn drop_connections(&self) {
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

fn pipe(mut from: UnixStream, mut to: UnixStream) {
    std::thread::spawn(move || {
        let mut buffer = [0u8; 8192];
        while let Ok(n) = from.read(&mut buffer) {
            if n == 0 || to.write_all(&buffer[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(std::net::Shutdown::Both);
    });
}

/// `ctray` as on the remote machine: no `CONVERGE_TRAY_SOCKET`, no app of its own.
fn remote_ctray(home: &Path, args: &[&str]) -> Command {
    let runtime = home.join("empty-runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_ctray"));
    command
        .args(args)
        .env_remove("CONVERGE_TRAY_SOCKET")
        .env("HOME", home)
        .env("XDG_RUNTIME_DIR", &runtime)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[test]
fn the_forwarded_socket_is_found_in_the_home_directory() {
    let app = app();
    let home = tempfile::tempdir().unwrap();
    let _forward = Forward::start(
        &home.path().join(".converge-tray/api.sock"),
        app.socket.clone(),
    );
    let out = remote_ctray(
        home.path(),
        &["status", "migrating", "--agent", "devbox-agent"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        app.agent("script:devbox-agent").activity.as_deref(),
        Some("migrating")
    );

    // Without the forward, it says where it looked.
    let nowhere = tempfile::tempdir().unwrap();
    let out = remote_ctray(nowhere.path(), &["pending"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("not reachable"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn hooks_installed_on_the_remote_machine_ask_through_the_forward() {
    let app = app();
    let home = tempfile::tempdir().unwrap();
    let _forward = Forward::start(
        &home.path().join(".converge-tray/api.sock"),
        app.socket.clone(),
    );
    let install = remote_ctray(home.path(), &["install", "claude"])
        .output()
        .unwrap();
    assert_eq!(install.status.code(), Some(0), "{}", text(&install.stderr));
    let settings = std::fs::read_to_string(home.path().join(".claude/settings.json")).unwrap();
    assert!(settings.contains("hook claude"), "{settings}");

    // Claude Code on that machine runs the hook it was given; it reaches the app here.
    let payload = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/payloads/claude/permission_request.json"),
    )
    .unwrap();
    let mut hook = remote_ctray(home.path(), &["hook", "claude"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    hook.stdin
        .take()
        .unwrap()
        .write_all(payload.as_bytes())
        .unwrap();
    let request = wait_pending(&app.inbox);
    assert_eq!(request.agent_id, "claude-code:abc123");
    app.inbox
        .decide(&request.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let out = finish(hook);
    assert!(
        text(&out.stdout).contains("\"behavior\":\"allow\""),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_lost_connection_is_said_plainly() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let forward_path = dir.path().join("fwd/api.sock");
    let forward = Forward::start(&forward_path, app.socket.clone());
    let child = ctray(&forward_path, &["ask", "Deploy over a flaky link"], None);
    wait_pending(&app.inbox);
    forward.drop_connections();
    let out = finish(child);
    assert_eq!(out.status.code(), Some(3));
    let said = text(&out.stderr);
    assert!(said.contains("lost while waiting for a decision"), "{said}");
    assert!(said.contains("--key"), "{said}");
}

#[test]
fn with_a_key_a_lost_connection_finds_the_same_request_again() {
    let app = app();
    let dir = tempfile::tempdir().unwrap();
    let forward_path = dir.path().join("fwd/api.sock");
    let forward = Forward::start(&forward_path, app.socket.clone());
    let child = ctray(
        &forward_path,
        &["ask", "Migrate over a flaky link", "--key", "migrate-7"],
        None,
    );
    let asked = wait_pending(&app.inbox);
    forward.drop_connections();
    std::thread::sleep(Duration::from_millis(800)); // it is asked again meanwhile
    let pending = app.inbox.pending().unwrap();
    assert_eq!(pending.len(), 1, "no second card");
    assert_eq!(pending[0].id, asked.id);
    app.inbox
        .decide(&asked.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let out = finish(child);
    let said = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("asking again with key migrate-7"), "{said}");
}

fn ctray_remote(config: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["remote"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--config", config.to_str().unwrap()]);
    Command::new(env!("CARGO_BIN_EXE_ctray"))
        .args(&all)
        .env("XDG_RUNTIME_DIR", "/run/user/1000")
        .env_remove("CONVERGE_TRAY_SOCKET")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn remote_setup_prints_adds_once_and_remove_takes_out_exactly_that() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ssh/config");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    let mine = "Host *\n    ServerAliveInterval 30\n\nHost devbox\n    User dana\n";
    std::fs::write(&config, mine).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let setup = ["setup", "devbox", "--remote-home", "/home/dana"];

    // Printed: the file is not touched.
    let out = ctray_remote(&config, &setup);
    let said = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let forward = "    RemoteForward /home/dana/.converge-tray/api.sock /run/user/1000/converge-tray/api.sock\n";
    assert!(said.contains(forward), "{said}");
    assert!(said.contains("--write"), "{said}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), mine);

    // Written: after what was there, with a backup as private as the file.
    let mut write = setup.to_vec();
    write.push("--write");
    let out = ctray_remote(&config, &write);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(&config).unwrap();
    assert!(written.starts_with(mine), "{written}");
    assert!(
        written.contains("Host devbox\n    RemoteForward "),
        "{written}"
    );
    assert!(written.contains(forward), "{written}");
    assert!(
        written.contains("    StreamLocalBindUnlink yes\n"),
        "{written}"
    );
    let backups: Vec<PathBuf> = std::fs::read_dir(config.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.to_string_lossy().contains("before-ctray"))
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    assert_eq!(std::fs::read_to_string(&backups[0]).unwrap(), mine);
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!((mode(&config), mode(&backups[0])), (0o600, 0o600));

    // Again: nothing added twice.
    let out = ctray_remote(&config, &write);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("already set up"));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), written);

    // Removed: the file is as it was.
    let out = ctray_remote(&config, &["remove", "devbox"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), mine);
    let out = ctray_remote(&config, &["remove", "devbox"]);
    assert!(text(&out.stdout).contains("nothing to remove"));
}

#[test]
fn remote_setup_says_why_when_the_host_cannot_be_asked() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hosts = format!("Host nowhere\n    HostName 127.0.0.1\n    Port {port}\n");
    std::fs::write(&config, &hosts).unwrap();
    let out = ctray_remote(&config, &["setup", "nowhere", "--write"]);
    assert_eq!(out.status.code(), Some(1));
    let said = text(&out.stderr);
    assert!(said.contains("could not ask nowhere"), "{said}");
    assert!(said.contains("--remote-home"), "{said}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), hosts);

    let out = ctray_remote(&config, &["setup", "-oProxyCommand=touch /tmp/x"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("is not a host"));
}

/// A home with a quote or a tab (typed, or answered by the other machine) would write a
/// stanza that breaks every ssh command: refused, and the file left as it was (issue 25).
#[test]
fn remote_setup_refuses_a_home_ssh_could_not_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ssh/config");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    let mine = "Host devbox\n    User dana\n";
    std::fs::write(&config, mine).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    for home in [
        "/home/da\"na",
        "/home/da\tna",
        "/home/da'na",
        "/home/da\\na",
    ] {
        let out = ctray_remote(
            &config,
            &["setup", "devbox", "--remote-home", home, "--write"],
        );
        assert_ne!(out.status.code(), Some(0), "{home:?}");
        assert!(
            text(&out.stderr).contains("cannot be written into the ssh configuration"),
            "{}",
            text(&out.stderr)
        );
        assert_eq!(std::fs::read_to_string(&config).unwrap(), mine, "{home:?}");
    }
}
