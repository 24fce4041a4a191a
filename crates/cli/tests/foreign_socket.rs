//! ctray talks only to this user's app. A socket at its path that another user made, or
//! that another user's process serves, or that others could replace, is refused before a
//! byte is sent: `ctray ask` exits 3 and says why, a hook prints nothing. The impostor here
//! answers every question with "approved", as an attacker's would.
#![cfg(target_os = "linux")]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::{ctray, finish, text};

const NOBODY: u32 = 65534;

/// Binds `path` (making its directory, owned by `dir_owner`), then listens as `uid`: the
/// kernel reports a listener's uid as of `listen()`. Answers "approved" to anything and
/// prints `received` for each message.
const IMPOSTOR: &str = r#"
import json, os, socket, sys
path, uid, dir_owner = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
d = os.path.dirname(path)
os.makedirs(d, exist_ok=True)
os.chown(d, dir_owner, dir_owner)
os.chmod(d, 0o700)
s = socket.socket(socket.AF_UNIX)
s.bind(path)
os.chmod(path, 0o600)
if uid != os.getuid():
    os.setgid(uid)
    os.setuid(uid)
s.listen(8)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    f = c.makefile("rb")
    for line in f:
        print("received", flush=True)
        req = json.loads(line)
        request = {"id": "x", "agent_id": "a", "action": "ask", "title": "t", "details": "",
                   "on_timeout": "deny", "resolution": {"outcome": "approved", "by": "popover",
                   "at": 1, "reason": None}}
        c.sendall((json.dumps({"jsonrpc": "2.0", "id": req.get("id"), "result": request}) + "\n").encode())
"#;

struct Impostor {
    child: Child,
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Impostor {
    fn start(uid: u32, dir_owner: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        // The temp dir itself is private; the world must be able to reach the impostor's
        // directory inside it for a process of another uid to serve there.
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        let socket = dir.path().join("run").join("api.sock");
        let mut child = Command::new("python3")
            .args(["-c", IMPOSTOR])
            .arg(&socket)
            .arg(uid.to_string())
            .arg(dir_owner.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut ready = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(ready.trim(), "ready", "the impostor did not start");
        Self {
            child,
            socket,
            _dir: dir,
        }
    }

    /// How many messages reached it.
    fn received(mut self) -> usize {
        let _ = self.child.kill();
        let mut out = String::new();
        let _ = self.child.stdout.take().unwrap().read_to_string(&mut out);
        let _ = self.child.wait();
        out.lines().filter(|l| *l == "received").count()
    }
}

fn me() -> u32 {
    // SAFETY: getuid cannot fail and has no preconditions.
    unsafe { libc::getuid() }
}

fn as_root() -> bool {
    if me() == 0 {
        return true;
    }
    eprintln!("skipped: making files and processes of another user needs root (CI runs as root)");
    false
}

fn permission_request() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/payloads/claude/permission_request.json"),
    )
    .unwrap()
}

/// `ctray ask` and `ctray hook claude` against the impostor: both refuse, and it hears
/// nothing. Returns ask's stderr.
fn refused(impostor: Impostor) -> String {
    let ask = finish(ctray(
        &impostor.socket,
        &["ask", "Deploy?", "--timeout", "5s"],
        None,
    ));
    let hook = finish(ctray(
        &impostor.socket,
        &["hook", "claude"],
        Some(&permission_request()),
    ));
    let stderr = text(&ask.stderr);
    assert_eq!(ask.status.code(), Some(3), "ask was not refused: {stderr}");
    assert!(stderr.contains("Nothing was sent"), "{stderr}");
    assert_eq!(hook.status.code(), Some(0));
    assert_eq!(text(&hook.stdout), "", "a hook printed a decision");
    assert_eq!(
        impostor.received(),
        0,
        "ctray sent something to the impostor"
    );
    stderr
}

#[test]
fn a_socket_in_another_users_directory_is_refused() {
    if !as_root() {
        return;
    }
    let stderr = refused(Impostor::start(NOBODY, NOBODY));
    assert!(
        stderr.contains("directory belongs to uid 65534"),
        "{stderr}"
    );
}

#[test]
fn a_socket_served_by_another_users_process_is_refused() {
    if !as_root() {
        return;
    }
    // Directory and socket are ours; only the process listening is not.
    let stderr = refused(Impostor::start(NOBODY, me()));
    assert!(stderr.contains("runs as uid 65534"), "{stderr}");
}

#[test]
fn a_directory_others_can_use_is_refused() {
    let impostor = Impostor::start(me(), me());
    let dir = impostor.socket.parent().unwrap().to_owned();
    std::fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let stderr = refused(impostor);
    assert!(
        stderr.contains("others may use its directory (mode 777"),
        "{stderr}"
    );
}

#[test]
fn a_socket_others_can_open_is_refused() {
    let impostor = Impostor::start(me(), me());
    std::fs::set_permissions(
        &impostor.socket,
        std::os::unix::fs::PermissionsExt::from_mode(0o666),
    )
    .unwrap();
    let stderr = refused(impostor);
    assert!(stderr.contains("others may open the socket"), "{stderr}");
}

#[test]
fn the_same_checks_pass_for_the_users_own_app() {
    // The positive control: the real server, set up as the app sets it up, is trusted.
    let app = common::app();
    let agents = finish(ctray(&app.socket, &["agents"], None));
    assert_eq!(agents.status.code(), Some(0), "{}", text(&agents.stderr));
}
