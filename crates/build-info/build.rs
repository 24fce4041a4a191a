//! Finds the commit the workspace's sources are at and whether the sources that go into the
//! binaries differ from it, for `--version`. `CONVERGE_TRAY_COMMIT` (40 hex digits, with
//! `+modified` when the sources differ) stands in for git where there is none, as in a
//! build from a source tarball.
use std::path::{Path, PathBuf};
use std::process::Command;

/// Everything tracked but what never goes into a binary: docs, tests, benchmarks, scripts.
const BUILD_INPUTS: &[&str] = &[
    ".",
    ":(exclude)docs",
    ":(exclude)tests",
    ":(exclude)bench",
    ":(exclude)scripts",
    ":(exclude).ci",
    ":(exclude)*.md",
];

fn main() {
    println!("cargo:rerun-if-env-changed=CONVERGE_TRAY_COMMIT");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let (commit, modified) = match std::env::var("CONVERGE_TRAY_COMMIT") {
        Ok(given) => {
            let (commit, modified) = match given.strip_suffix("+modified") {
                Some(commit) => (commit.to_string(), true),
                None => (given, false),
            };
            if commit.len() != 40 || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
                panic!("CONVERGE_TRAY_COMMIT must be a commit's 40 hex digits, optionally followed by +modified; it is {commit:?}");
            }
            (commit, modified)
        }
        Err(_) => from_git(&root).unwrap_or_else(|| ("unknown".to_string(), false)),
    };
    println!("cargo:rustc-env=BUILD_INFO_COMMIT={commit}");
    println!("cargo:rustc-env=BUILD_INFO_MODIFIED={modified}");
}

/// The commit and whether the build's inputs differ from it, watching exactly what can
/// change either: the HEAD, the branch it names, the index and every tracked input file.
fn from_git(root: &Path) -> Option<(String, bool)> {
    let commit = git(root, &["rev-parse", "HEAD"])?.trim().to_string();
    let mut watched: Vec<PathBuf> = Vec::new();
    for name in ["HEAD", "index", "packed-refs"] {
        watched.push(git_path(root, name)?);
    }
    if let Some(branch) = git(root, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(git_path(root, branch.trim())?);
    }
    let mut list = vec!["ls-files", "-z", "--"];
    list.extend(BUILD_INPUTS);
    for file in git(root, &list)?.split('\0').filter(|f| !f.is_empty()) {
        watched.push(root.join(file));
    }
    // A path that does not exist would make Cargo run this script at every build.
    for path in watched.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let mut status = vec!["status", "--porcelain", "--untracked-files=no", "--"];
    status.extend(BUILD_INPUTS);
    let modified = !git(root, &status)?.trim().is_empty();
    Some((commit, modified))
}

fn git_path(root: &Path, name: &str) -> Option<PathBuf> {
    let path = PathBuf::from(git(root, &["rev-parse", "--git-path", name])?.trim());
    Some(if path.is_absolute() {
        path
    } else {
        root.join(path)
    })
}

/// `--no-optional-locks`: reading the status must not rewrite the index this script watches.
fn git(root: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("--no-optional-locks")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}
