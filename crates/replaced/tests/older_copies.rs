//! A real program replaced on disk while it runs, as dpkg does it (the new file is written
//! beside it and renamed over it): the running copy is found as an older copy, this process
//! is not, and `stop` ends it; a copy in another session of the same user is not found.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

fn install(from: &Path, to: &Path) {
    let staged = to.with_extension("dpkg-new");
    std::fs::copy(from, &staged).unwrap();
    std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::rename(&staged, to).unwrap();
}

/// Starts `command`. The tests run in parallel: a fork in another test's thread can briefly
/// hold a copy of the descriptor this one wrote a new program through, and the kernel then
/// refuses to run the file ("text file busy") until that child has exec'd.
fn spawn(command: &mut Command) -> std::process::Child {
    for _ in 0..50 {
        match command.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(Duration::from_millis(20));
            }
            started => return started.unwrap(),
        }
    }
    panic!("the program stayed busy");
}

fn sleep_binary() -> &'static Path {
    ["/usr/bin/sleep", "/bin/sleep"]
        .into_iter()
        .map(Path::new)
        .find(|p| p.exists())
        .expect("a sleep program")
}

#[test]
fn a_copy_running_a_replaced_file_is_found_and_stopped() {
    let dir = std::env::temp_dir().join(format!("replaced-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("agent-tray");
    install(sleep_binary(), &exe);
    let mut old = spawn(Command::new(&exe).arg("60").stdout(Stdio::null()));
    let pid = old.id();
    // Not replaced yet: the running copy is the file at the path.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(replaced::older_copies(&exe), Vec::<u32>::new());

    install(sleep_binary(), &exe); // the upgrade
    assert_eq!(replaced::older_copies(&exe), vec![pid]);
    // Another path is another program.
    assert_eq!(
        replaced::older_copies(&dir.join("other")),
        Vec::<u32>::new()
    );

    // sleep ends on SIGTERM: asked, not killed.
    let stopped = std::thread::spawn(move || replaced::stop(pid, Duration::from_secs(5)));
    let status = old.wait().unwrap();
    assert_eq!(stopped.join().unwrap(), replaced::Stopped::Asked);
    assert!(!status.success());
    assert_eq!(replaced::older_copies(&exe), Vec::<u32>::new());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Another session of the same person (another runtime directory and session bus, as a
/// second login or a test desktop has) runs its own app: a start in this session must not
/// end it, even once its file was replaced.
#[test]
fn a_copy_in_another_session_is_left_alone() {
    let dir = std::env::temp_dir().join(format!("replaced-session-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("agent-tray");
    install(sleep_binary(), &exe);
    let other_runtime = dir.join("other-run");
    std::fs::create_dir_all(&other_runtime).unwrap();
    let mut elsewhere = spawn(
        Command::new(&exe)
            .arg("60")
            .env("XDG_RUNTIME_DIR", &other_runtime)
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}/bus", other_runtime.display()),
            )
            .stdout(Stdio::null()),
    );
    let mut here = spawn(Command::new(&exe).arg("60").stdout(Stdio::null()));
    std::thread::sleep(Duration::from_millis(100));
    install(sleep_binary(), &exe); // the upgrade

    assert_eq!(replaced::older_copies(&exe), vec![here.id()]);

    // A copy whose runtime directory alone differs is another session too.
    let mut other_dir_only = spawn(
        Command::new(&exe)
            .arg("60")
            .env("XDG_RUNTIME_DIR", &other_runtime)
            .stdout(Stdio::null()),
    );
    std::thread::sleep(Duration::from_millis(100));
    install(sleep_binary(), &exe);
    assert!(!replaced::older_copies(&exe).contains(&other_dir_only.id()));
    assert!(!replaced::older_copies(&exe).contains(&elsewhere.id()));

    for child in [&mut elsewhere, &mut here, &mut other_dir_only] {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_copy_that_ignores_sigterm_is_killed_after_the_grace_period() {
    let mut stubborn = Command::new("sh")
        .args(["-c", "trap '' TERM; while :; do sleep 0.1; done"])
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let pid = stubborn.id();
    let stopped = std::thread::spawn(move || replaced::stop(pid, Duration::from_millis(300)));
    stubborn.wait().unwrap();
    assert_eq!(stopped.join().unwrap(), replaced::Stopped::Killed);
}

#[test]
fn this_test_program_is_not_replaced_and_a_missing_process_is_gone() {
    assert_eq!(replaced::replacement(), None);
    assert_eq!(
        replaced::stop(u32::MAX / 2, Duration::from_millis(10)),
        replaced::Stopped::Gone
    );
}
