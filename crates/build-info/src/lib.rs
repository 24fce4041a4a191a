//! What a binary was built from, for `--version`: the commit, and whether the sources that
//! went into it differed from that commit. A package or test that finds another commit than
//! the one it expects has caught a stale build.

/// The commit's 40 hex digits, or `unknown` for a build with neither git nor
/// `CONVERGE_TRAY_COMMIT`.
pub const COMMIT: &str = env!("BUILD_INFO_COMMIT");

/// Whether the sources built differed from [`COMMIT`] (uncommitted changes).
pub const MODIFIED: bool = matches!(env!("BUILD_INFO_MODIFIED").as_bytes(), b"true");

/// The line `--version` prints: `NAME VERSION (commit HASH)`, with
/// `, with uncommitted changes` inside the brackets when there were some.
pub fn version_line(program: &str, version: &str) -> String {
    let changes = if MODIFIED {
        ", with uncommitted changes"
    } else {
        ""
    };
    format!("{program} {version} (commit {COMMIT}{changes})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_program_version_and_commit() {
        let line = version_line("ctray", "1.2.3");
        assert!(line.starts_with("ctray 1.2.3 (commit "), "{line}");
        assert!(line.contains(COMMIT));
        assert_eq!(line.ends_with(", with uncommitted changes)"), MODIFIED);
    }

    #[test]
    fn the_commit_is_the_workspace_head() {
        // Built from this repository's checkout, the commit is what git says HEAD is.
        if std::env::var_os("CONVERGE_TRAY_COMMIT").is_some() {
            return; // the commit was given, not read from git
        }
        let output = std::process::Command::new("git")
            .args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"])
            .output()
            .expect("git runs in the checkout the tests are built from");
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), COMMIT);
    }
}
