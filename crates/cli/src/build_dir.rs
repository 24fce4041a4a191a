//! Whether a program runs from a cargo build directory. `ctray install` writes the path of
//! the ctray that runs it into the agents' settings; a ctray in `target/debug` is gone
//! after `cargo clean` (and replaced by whatever the next build makes), and every hook
//! with it, so the person is told before it bites.

use std::path::{Path, PathBuf};

/// The build directory `exe` is in, if it is in one: under `$CARGO_TARGET_DIR`, or in a
/// `debug` or `release` folder of a folder named `target` or marked as cargo's
/// (`CACHEDIR.TAG`), directly or under a target triple (`target/x86_64-…/release`).
pub fn build_directory(exe: &Path, cargo_target_dir: Option<&Path>) -> Option<PathBuf> {
    if let Some(target) = cargo_target_dir.filter(|dir| !dir.as_os_str().is_empty()) {
        let target = std::fs::canonicalize(target).unwrap_or_else(|_| target.to_owned());
        if exe.starts_with(&target) {
            return Some(target);
        }
    }
    let is_target = |dir: &Path| {
        dir.file_name().is_some_and(|name| name == "target") || dir.join("CACHEDIR.TAG").is_file()
    };
    exe.ancestors()
        .skip(1)
        .filter(|dir| {
            dir.file_name()
                .is_some_and(|name| name == "debug" || name == "release")
        })
        .find_map(|profile| {
            let parent = profile.parent()?;
            if is_target(parent) {
                return Some(parent.to_owned());
            }
            let grandparent = parent.parent()?;
            is_target(grandparent).then(|| grandparent.to_owned())
        })
}

/// The warning `ctray install` prints (on stderr, installing all the same) when the hooks
/// would run a ctray in a build directory.
pub fn warning(exe: &Path, build_dir: &Path, agent: &str) -> String {
    format!(
        "ctray: warning: the hooks will run {exe}, which is in the build directory {dir}: \
         they break when `cargo clean` empties it. Put ctray where it stays and install \
         from there, for example:\n  install -D -m 755 {exe} ~/.local/bin/ctray && \
         ~/.local/bin/ctray install {agent}",
        exe = exe.display(),
        dir = build_dir.display(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_cargos_build_directories() {
        let found = |exe: &str| build_directory(Path::new(exe), None);
        assert_eq!(
            found("/home/d/converge-tray/target/debug/ctray"),
            Some("/home/d/converge-tray/target".into())
        );
        assert_eq!(
            found("/home/d/src/target/release/ctray"),
            Some("/home/d/src/target".into())
        );
        assert_eq!(
            found("/home/d/src/target/x86_64-unknown-linux-gnu/release/ctray"),
            Some("/home/d/src/target".into())
        );
        assert_eq!(
            found("/home/d/src/target/debug/deps/ctray-0123"),
            Some("/home/d/src/target".into())
        );
        assert_eq!(found("/usr/bin/ctray"), None);
        assert_eq!(found("/home/d/.local/bin/ctray"), None);
        assert_eq!(
            found("/home/d/release/ctray"),
            None,
            "a folder named release"
        );
        assert_eq!(found("/home/d/target/ctray"), None);
    }

    #[test]
    fn cargo_target_dir_and_cargos_own_mark() {
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let exe = root.join("build/debug/ctray");
        assert_eq!(build_directory(&exe, None), None);
        assert_eq!(build_directory(&exe, Some(&root)), Some(root.clone()));
        assert_eq!(build_directory(&exe, Some(Path::new(""))), None);
        std::fs::create_dir_all(root.join("build/debug")).unwrap();
        std::fs::write(root.join("build/CACHEDIR.TAG"), "").unwrap();
        assert_eq!(
            build_directory(&exe, None),
            Some(root.join("build")),
            "a target directory of another name, as cargo marks it"
        );
    }
}
