//! Writing the people's own files (an agent's settings, ~/.ssh/config) safely: the new
//! content is renamed into place, never half-written, and the file as it was is kept as
//! `<file>.before-ctray-<unix seconds>`.
//!
//! For an agent's settings ctray keeps one backup per file: the file as it was before the
//! first install. Installing again (a new `--timeout`, ctray moved) or uninstalling makes
//! none, so the backup that is there is the person's original, which uninstall can give
//! back byte for byte.

use std::path::{Path, PathBuf};

/// When a change to a file is preceded by a copy of the file as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backup {
    /// Before every change (`ctray remote setup --write`, `remote remove`).
    EachChange,
    /// Only if the file has no backup yet: the first install into a file.
    FirstOnly,
    /// Never: a reinstall (the file already holds ctray's hooks, so it is not the
    /// original), or an uninstall.
    Never,
}

/// Writes `text` to `path` unless it already holds it, creating its folder if need be;
/// the old file is copied aside first as `backup` says, and the new one renamed into
/// place. Returns a line naming the backup, if one was made.
pub fn replace_file(path: &Path, text: &str, backup: Backup) -> Result<Vec<String>, String> {
    let old = match std::fs::read(path) {
        Ok(old) => Some(old),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    if old.as_deref() == Some(text.as_bytes()) {
        return Ok(Vec::new());
    }
    let fail = |what: &str, e: std::io::Error| format!("cannot {what} {}: {e}", path.display());
    let mut said = Vec::new();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| fail("create the folder of", e))?;
    }
    let back_up = match backup {
        Backup::EachChange => true,
        Backup::FirstOnly => backups_of(path).is_empty(),
        Backup::Never => false,
    };
    if let (Some(old), true) = (&old, back_up) {
        let backup = new_backup_path(path);
        std::fs::write(&backup, old).map_err(|e| fail("back up", e))?;
        // A backup is as private as what it copies (~/.ssh/config, a settings file).
        if let Ok(metadata) = std::fs::metadata(path) {
            let _ = std::fs::set_permissions(&backup, metadata.permissions());
        }
        said.push(format!("backup: {}", backup.display()));
    }
    let temporary = path.with_extension("ctray-tmp");
    std::fs::write(&temporary, text).map_err(|e| fail("write next to", e))?;
    if let Ok(metadata) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&temporary, metadata.permissions());
    }
    std::fs::rename(&temporary, path).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        fail("replace", e)
    })?;
    Ok(said)
}

/// The backups ctray made of `path` (any version of it), oldest first: the first is the
/// file as it was before ctray ever changed it.
pub fn backups_of(path: &Path) -> Vec<PathBuf> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Vec::new();
    };
    let prefix = format!("{}.before-ctray-", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    }) else {
        return Vec::new();
    };
    let mut found: Vec<(u64, u64, PathBuf)> = entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let file_name = entry.file_name().to_string_lossy().into_owned();
            let stamp = file_name.strip_prefix(&prefix)?;
            // `<seconds>` or `<seconds>-<n>` (two in the same second).
            let (seconds, n) = stamp.split_once('-').unwrap_or((stamp, "0"));
            Some((seconds.parse().ok()?, n.parse().ok()?, dir.join(&file_name)))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, _, path)| path).collect()
}

/// `settings.json` → `settings.json.before-ctray-<unix seconds>` (never overwriting one).
fn new_backup_path(path: &Path) -> PathBuf {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let mut candidate = path.with_file_name(format!("{name}.before-ctray-{now}"));
    let mut n = 1;
    while candidate.exists() {
        candidate = path.with_file_name(format!("{name}.before-ctray-{now}-{n}"));
        n += 1;
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_backup_for_an_install_one_per_change_for_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("settings.json");
        std::fs::write(&file, "original").unwrap();
        replace_file(&file, "first", Backup::FirstOnly).unwrap();
        replace_file(&file, "second", Backup::FirstOnly).unwrap();
        replace_file(&file, "third", Backup::Never).unwrap();
        let [only] = backups_of(&file).try_into().unwrap();
        assert_eq!(std::fs::read_to_string(only).unwrap(), "original");
        replace_file(&file, "fourth", Backup::EachChange).unwrap();
        assert_eq!(backups_of(&file).len(), 2);
        assert_eq!(
            std::fs::read_to_string(&backups_of(&file)[0]).unwrap(),
            "original",
            "oldest first"
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "fourth");
    }

    #[test]
    fn finds_only_this_files_backups() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("hooks.json");
        for name in [
            "hooks.json.before-ctray-20-1",
            "hooks.json.before-ctray-20",
            "hooks.json.before-ctray-3",
            "hooks.json.ctray-tmp",
            "other.json.before-ctray-1",
            "hooks.json.before-ctray-x",
        ] {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        let names: Vec<String> = backups_of(&file)
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "hooks.json.before-ctray-3",
                "hooks.json.before-ctray-20",
                "hooks.json.before-ctray-20-1"
            ]
        );
    }
}
