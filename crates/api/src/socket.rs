//! The server's side of the socket: made private, and served once.

use std::io;
use std::path::Path;

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;

use protocol::socket::current_uid;

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
    // Bound under a temporary name, made 0600, then renamed into place: a client never
    // finds the socket at its path with the mode bind() gave it (clients refuse a socket
    // others may open, protocol::socket::connect_trusted).
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".{}.new", std::process::id()));
    let temporary = std::path::PathBuf::from(temporary);
    let _ = std::fs::remove_file(&temporary);
    let listener = tokio::net::UnixListener::bind(&temporary)?;
    let placed = std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(0o600))
        .and_then(|()| std::fs::rename(&temporary, path));
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&temporary);
        return Err(e);
    }
    Ok(listener)
}
