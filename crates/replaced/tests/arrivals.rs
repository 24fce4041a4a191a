//! Waiting for a file at a path: what a package upgrade does to the app's program (a new
//! file written beside it and renamed over it) is an arrival; another file in the same
//! directory is not, and nothing at all lets the wait run out.
#![cfg(target_os = "linux")]

use std::time::{Duration, Instant};

use replaced::Arrivals;

#[test]
fn a_file_renamed_over_the_path_arrives_and_other_files_do_not() {
    let dir = std::env::temp_dir().join(format!("arrivals-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let program = dir.join("converge-tray");
    std::fs::write(&program, b"old").unwrap();
    let mut arrivals = Arrivals::at(&program).unwrap();

    // Nothing happens: the wait runs out.
    assert!(!arrivals.wait(Some(Duration::from_millis(200))).unwrap());

    // Another program of the same directory, installed the same way: not an arrival.
    std::fs::write(dir.join("other.dpkg-new"), b"x").unwrap();
    std::fs::rename(dir.join("other.dpkg-new"), dir.join("other")).unwrap();
    assert!(!arrivals.wait(Some(Duration::from_millis(200))).unwrap());

    // The upgrade, from another thread while this one waits with no limit.
    let staged = dir.join("converge-tray.dpkg-new");
    let (staged_in_thread, program_in_thread) = (staged.clone(), program.clone());
    let upgrade = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        std::fs::write(&staged_in_thread, b"new").unwrap();
        std::fs::rename(&staged_in_thread, &program_in_thread).unwrap();
    });
    let started = Instant::now();
    assert!(arrivals.wait(None).unwrap());
    println!("arrival seen {:?} after the wait began", started.elapsed());
    upgrade.join().unwrap();
    assert_eq!(std::fs::read(&program).unwrap(), b"new");

    // A file written in place at the path (an installer copying it) arrives too.
    std::fs::write(&program, b"newer").unwrap();
    assert!(arrivals.wait(Some(Duration::from_secs(5))).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_path_in_a_missing_directory_cannot_be_watched() {
    assert!(Arrivals::at(std::path::Path::new("/no/such/dir/converge-tray")).is_err());
}
