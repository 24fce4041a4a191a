//! Where the app's socket is, and how a client makes sure what answers there is this
//! user's app before it sends anything.

use std::io;
use std::path::{Path, PathBuf};

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

/// Where an SSH connection from the person's desktop puts the app's socket on a machine the
/// agent runs on: `~/.converge-tray/api.sock` (`ctray remote setup HOST` writes the
/// `RemoteForward` for it; docs/remote.md). `None` without a home directory.
pub fn forwarded_socket_path() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(FORWARDED_SOCKET))
}

/// The forwarded socket's place under the home directory.
pub const FORWARDED_SOCKET: &str = ".converge-tray/api.sock";

/// Where a client connects: `$CONVERGE_TRAY_SOCKET` if set; else the app of this machine
/// (`default_socket_path`) if its socket is there; else a socket forwarded from the person's
/// desktop, if one is there; else the local path, so the error names where the app would be.
pub fn client_socket_path() -> PathBuf {
    let local = default_socket_path();
    if std::env::var_os("CONVERGE_TRAY_SOCKET").is_some() || local.exists() {
        return local;
    }
    forwarded_socket_path()
        .filter(|forwarded| std::fs::symlink_metadata(forwarded).is_ok())
        .unwrap_or(local)
}

#[cfg(unix)]
pub fn current_uid() -> u32 {
    // SAFETY: getuid cannot fail and has no preconditions.
    unsafe { libc::getuid() }
}

#[cfg(not(unix))]
fn current_uid() -> u32 {
    0
}

/// Connects as a client, after checking that what answers is this user's app: the socket's
/// directory and the socket itself belong to this user and nobody else may use them, and the
/// process listening on it runs as this user (`SO_PEERCRED`). Without these checks another
/// local user who made the directory first (the `/tmp` fallback, when there is no
/// `XDG_RUNTIME_DIR`) could answer every question with "approved". An untrusted socket is a
/// `PermissionDenied` error that says what is wrong; nothing has been sent to it.
#[cfg(unix)]
pub fn connect_trusted(path: &Path) -> io::Result<std::os::unix::net::UnixStream> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};

    let me = current_uid();
    let refuse = |what: String| {
        io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("refusing to use {}: {what}", path.display()),
        )
    };
    // Nothing there is "not running", whoever owns the directory.
    let meta = std::fs::symlink_metadata(path)?;
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::other("the socket path has no directory"))?;
    let dir_meta = std::fs::symlink_metadata(dir)?;
    if !dir_meta.is_dir() {
        return Err(refuse(format!("{} is not a directory", dir.display())));
    }
    if dir_meta.uid() != me {
        return Err(refuse(format!(
            "its directory belongs to uid {}, not to you (uid {me})",
            dir_meta.uid()
        )));
    }
    if dir_meta.mode() & 0o077 != 0 {
        return Err(refuse(format!(
            "others may use its directory (mode {:o}; the app makes it 700)",
            dir_meta.mode() & 0o777
        )));
    }
    if !meta.file_type().is_socket() {
        return Err(refuse("it is not a socket".into()));
    }
    if meta.uid() != me {
        return Err(refuse(format!(
            "the socket belongs to uid {}, not to you (uid {me})",
            meta.uid()
        )));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(refuse(format!(
            "others may open the socket (mode {:o})",
            meta.mode() & 0o777
        )));
    }
    let stream = std::os::unix::net::UnixStream::connect(path)?;
    let server = peer_uid(&stream)?;
    if server != me {
        return Err(refuse(format!(
            "the program serving it runs as uid {server}, not as you (uid {me})"
        )));
    }
    Ok(stream)
}

/// The process at the other end of a Unix socket, from the kernel: for a socket pair, the
/// process that made the pair.
#[cfg(target_os = "linux")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    pub pid: u32,
    pub uid: u32,
}

#[cfg(target_os = "linux")]
pub fn peer(stream: &std::os::unix::net::UnixStream) -> io::Result<Peer> {
    use std::os::fd::AsRawFd;
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = std::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are valid for writes and `len` is `cred`'s size.
    let status = unsafe {
        libc::getsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&mut cred as *mut libc::ucred).cast(),
            &mut len,
        )
    };
    if status != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Peer {
        pid: cred.pid as u32,
        uid: cred.uid,
    })
}

/// The uid of the process at the other end, from the kernel.
#[cfg(target_os = "linux")]
fn peer_uid(stream: &std::os::unix::net::UnixStream) -> io::Result<u32> {
    peer(stream).map(|peer| peer.uid)
}

/// macOS and the BSDs: the effective uid of the peer.
#[cfg(all(unix, not(target_os = "linux")))]
fn peer_uid(stream: &std::os::unix::net::UnixStream) -> io::Result<u32> {
    use std::os::fd::AsRawFd;
    let (mut uid, mut gid) = (0, 0);
    // SAFETY: both out-pointers are valid for writes.
    if unsafe { libc::getpeereid(stream.as_raw_fd(), &mut uid, &mut gid) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(uid)
}
