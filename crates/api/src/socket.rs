//! Where the socket lives and how it is made private.

use std::io;
use std::path::{Path, PathBuf};

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;

/// `$CONVERGE_TRAY_SOCKET`, else `$XDG_RUNTIME_DIR/converge-tray/api.sock` (a per-user
/// tmpfs), else `/tmp/converge-tray-<uid>/api.sock` in a directory only the user can enter.
pub fn default_socket_path() -> PathBuf {
    if let Some(path) = std::env::var_os("CONVERGE_TRAY_SOCKET") {
        return PathBuf::from(path);
    }
    if let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(runtime)
            .join("converge-tray")
            .join("api.sock");
    }
    std::env::temp_dir()
        .join(format!("converge-tray-{}", current_uid()))
        .join("api.sock")
}

#[cfg(unix)]
pub(crate) fn current_uid() -> u32 {
    // SAFETY: getuid cannot fail and has no preconditions.
    unsafe { libc::getuid() }
}

#[cfg(not(unix))]
fn current_uid() -> u32 {
    0
}

/// Binds the socket: its directory 0700 and owned by us, the socket 0600. A socket file
/// left by a dead app is replaced; a live one means another app is serving, which is an error.
#[cfg(unix)]
pub fn bind(path: &Path) -> io::Result<tokio::net::UnixListener> {
    use std::os::unix::fs::MetadataExt;

    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("the socket path has no directory"))?;
    std::fs::create_dir_all(dir)?;
    let meta = std::fs::metadata(dir)?;
    if meta.uid() != current_uid() {
        return Err(io::Error::other(format!(
            "{} belongs to another user; refusing to serve there",
            dir.display()
        )));
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    if path.exists() {
        if std::os::unix::net::UnixStream::connect(path).is_ok() {
            return Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!("another Converge Tray already serves {}", path.display()),
            ));
        }
        std::fs::remove_file(path)?;
    }
    let listener = tokio::net::UnixListener::bind(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    Ok(listener)
}
