//! `ctray remote setup HOST`: the `~/.ssh/config` stanza with which every SSH connection to
//! HOST carries Converge Tray's socket there (OpenSSH's Unix-socket `RemoteForward`), to the
//! place where `ctray` on HOST looks for it (`protocol::socket::FORWARDED_SOCKET`). Printed,
//! or with `--write` added to the file with a backup; `ctray remote remove HOST` takes it out
//! again. docs/remote.md.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use protocol::socket::{default_socket_path, FORWARDED_SOCKET};

use crate::backup::{replace_file, Backup};

#[derive(Debug, PartialEq, Eq)]
pub struct RemoteSetup {
    pub host: String,
    /// Add the stanza to the file instead of printing it.
    pub write: bool,
    /// The ssh config to edit (and to run `ssh -F` with); default `~/.ssh/config`.
    pub config: Option<PathBuf>,
    /// HOST's home directory, if it cannot be asked through ssh.
    pub remote_home: Option<String>,
}

/// What `ssh` runs on HOST to learn its home directory, make the forwarded socket's
/// directory there only the user may enter, and see whether ctray is installed.
const PROBE: &str =
    "umask 077; mkdir -p \"$HOME/.converge-tray\" && chmod 700 \"$HOME/.converge-tray\" \
     && echo \"converge-tray-home:$HOME\" && echo \"converge-tray-ctray:$(command -v ctray)\"";

/// A host as `ssh` takes it on its command line and in a `Host` line: one word, no option.
pub fn check_host(host: &str) -> Result<(), String> {
    let plain = !host.is_empty()
        && !host.starts_with('-')
        && host.len() <= 255
        && !host.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '"' | '#' | '*' | '?' | '!' | '@')
        });
    if plain {
        Ok(())
    } else {
        Err(format!(
            "{host:?} is not a host: give the name you type after ssh (one word, no pattern, no \
             user@: a user goes in a User line)"
        ))
    }
}

pub fn setup(options: &RemoteSetup) -> Result<Vec<String>, String> {
    check_host(&options.host)?;
    let host = &options.host;
    let config = config_path(options.config.as_deref())?;
    let existing = read_config(&config)?;
    if let Some(stanza) = find_stanza(&existing, host) {
        return Ok(vec![
            format!("{host} is already set up in {}:", config.display()),
            String::new(),
            stanza.to_owned(),
        ]);
    }
    let mut said = Vec::new();
    let local = default_socket_path();
    if !local.exists() {
        said.push(format!(
            "note: Converge Tray is not running here (no socket at {}); the forward works once it runs",
            local.display()
        ));
    }
    let (remote_home, ctray_there) = match &options.remote_home {
        Some(home) => (home.clone(), None),
        None => probe(host, options.config.as_deref())?,
    };
    if !remote_home.starts_with('/') {
        return Err(format!(
            "{remote_home:?} is not a home directory; give it with --remote-home /home/you"
        ));
    }
    let remote_socket = format!("{}/{FORWARDED_SOCKET}", remote_home.trim_end_matches('/'));
    // Whether typed here or answered by the other machine, a path is written only if ssh
    // will read it back as it is.
    for path in [remote_socket.as_str(), &local.display().to_string()] {
        check_config_word(path)?;
    }
    let stanza = stanza(host, &remote_socket, &local);
    if let Some(false) = ctray_there {
        said.push(format!(
            "note: ctray is not on {host}'s PATH: install Converge Tray's package there, or copy \
             ctray (one file) into a directory of its PATH"
        ));
    }
    if options.write {
        let mut text = existing.clone();
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(&stanza);
        if let Some(dir) = config.parent() {
            make_private_dir(dir)?;
        }
        said.extend(replace_file(&config, &text, Backup::EachChange)?);
        said.push(format!("added to {}:", config.display()));
    } else {
        said.push(format!(
            "add this to {} (or run again with --write to have it added, with a backup):",
            config.display()
        ));
    }
    said.push(String::new());
    said.push(stanza);
    said.push(format!(
        "While an ssh session to {host} is open, ctray and the agents' hooks on {host} reach \
         Converge Tray here through ~/{FORWARDED_SOCKET} (ctray install claude|codex|… works there \
         as here). Their requests show as \"Remote · via SSH from {host}\"."
    ));
    Ok(said)
}

/// Takes out exactly the stanza `setup --write` added for `host`, with a backup.
pub fn remove(host: &str, config: Option<&Path>) -> Result<Vec<String>, String> {
    check_host(host)?;
    let config = config_path(config)?;
    let existing = read_config(&config)?;
    let Some(stanza) = find_stanza(&existing, host) else {
        return Ok(vec![format!(
            "{host} was not set up by ctray in {}: nothing to remove",
            config.display()
        )]);
    };
    let start = existing.find(stanza).expect("found in it");
    let mut text = existing[..start].to_owned();
    let rest = &existing[start + stanza.len()..];
    // The blank line setup put before it goes with it.
    if text.ends_with("\n\n") {
        text.pop();
    }
    text.push_str(rest.strip_prefix('\n').unwrap_or(rest));
    let mut said = replace_file(&config, &text, Backup::EachChange)?;
    said.push(format!(
        "removed the forward to {host} from {}; an ssh session already open keeps it until it ends",
        config.display()
    ));
    Ok(said)
}

fn config_path(given: Option<&Path>) -> Result<PathBuf, String> {
    match given {
        Some(path) => Ok(path.to_owned()),
        None => std::env::var_os("HOME")
            .filter(|home| !home.is_empty())
            .map(|home| PathBuf::from(home).join(".ssh").join("config"))
            .ok_or_else(|| "HOME is not set: give the file with --config".to_owned()),
    }
}

fn read_config(path: &Path) -> Result<String, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

fn make_private_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

fn first_line(host: &str) -> String {
    format!("# Converge Tray: carries its socket to {host} (ctray remote setup)")
}

fn last_line(host: &str) -> String {
    format!("# End of Converge Tray for {host}")
}

/// A path `stanza` can write so that ssh reads back exactly it: its quoting cannot carry a
/// quote, a backslash, a `#` or a control character (a tab, a newline), so such a path is
/// refused rather than written into a stanza that breaks every ssh command.
fn check_config_word(path: &str) -> Result<(), String> {
    match path
        .chars()
        .find(|c| matches!(c, '"' | '\'' | '\\' | '#') || c.is_control())
    {
        Some(c) => Err(format!(
            "{path:?} cannot be written into the ssh configuration as it is (it holds {c:?}); \
             give a home directory without quotes, backslashes, '#' or control characters \
             with --remote-home"
        )),
        None => Ok(()),
    }
}

/// The stanza as written; paths quoted and `%` doubled, since ssh expands `%` tokens in a
/// `RemoteForward`.
fn stanza(host: &str, remote_socket: &str, local_socket: &Path) -> String {
    let word = |path: &str| {
        let escaped = path.replace('%', "%%");
        if escaped.contains(' ') {
            format!("\"{escaped}\"")
        } else {
            escaped
        }
    };
    format!(
        "{}\nHost {host}\n    RemoteForward {} {}\n    StreamLocalBindUnlink yes\n{}\n",
        first_line(host),
        word(remote_socket),
        word(&local_socket.display().to_string()),
        last_line(host)
    )
}

/// The stanza ctray wrote for `host`, from its first comment line to its last, inclusive.
fn find_stanza<'a>(text: &'a str, host: &str) -> Option<&'a str> {
    let first = format!("{}\n", first_line(host));
    let last = format!("{}\n", last_line(host));
    let start = text
        .match_indices(&first)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || text[..i].ends_with('\n'))?;
    let end = start + text[start..].find(&last)? + last.len();
    Some(&text[start..end])
}

/// Asks HOST, through ssh, for its home directory (making the socket's directory there)
/// and whether ctray is on its PATH. Forwards are off for this connection, so a stanza
/// already in place cannot bind anything.
fn probe(host: &str, config: Option<&Path>) -> Result<(String, Option<bool>), String> {
    let mut ssh = Command::new("ssh");
    if let Some(config) = config {
        ssh.arg("-F").arg(config);
    }
    let output = ssh
        .args([
            "-o",
            "BatchMode=yes",
            "-o",
            "ClearAllForwardings=yes",
            "-o",
            "ConnectTimeout=15",
            "--",
            host,
            PROBE,
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run ssh: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .map(str::to_owned)
    };
    match field("converge-tray-home:") {
        Some(home) if output.status.success() => {
            let ctray = field("converge-tray-ctray:").map(|path| !path.trim().is_empty());
            Ok((home, ctray))
        }
        _ => Err(format!(
            "could not ask {host} for its home directory through ssh ({}); check that `ssh {host}` \
             logs in without a password prompt, or give it with --remote-home /home/you",
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_plain_words() {
        assert!(check_host("devbox").is_ok());
        assert!(check_host("10.0.0.7").is_ok());
        for bad in [
            "",
            "-oProxyCommand=x",
            "dev box",
            "dev*",
            "a\"b",
            "a#b",
            "a\nb",
            "d@h",
        ] {
            assert!(check_host(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn paths_ssh_cannot_read_back_are_refused() {
        assert!(check_config_word("/home/dana x/.converge-tray/api.sock").is_ok());
        assert!(check_config_word("/run/user/1000/100%/api.sock").is_ok());
        for bad in [
            "/home/da\"na",
            "/home/da'na",
            "/home/da\\na",
            "/home/da\tna",
            "/home/da\nna",
            "/home/#dana",
            "/home/dana\u{7f}",
        ] {
            assert!(check_config_word(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_stanza_quotes_and_escapes_paths() {
        let written = stanza(
            "devbox",
            "/home/dana x/.converge-tray/api.sock",
            Path::new("/run/user/1000/100%/api.sock"),
        );
        assert!(written.contains(
            "    RemoteForward \"/home/dana x/.converge-tray/api.sock\" /run/user/1000/100%%/api.sock\n"
        ));
        assert!(written.contains("Host devbox\n"));
        assert!(written.contains("    StreamLocalBindUnlink yes\n"));
    }

    #[test]
    fn finds_only_its_own_stanza_for_that_host() {
        let ours = stanza(
            "devbox",
            "/home/d/.converge-tray/api.sock",
            Path::new("/run/a"),
        );
        let other = stanza(
            "devbox2",
            "/home/d/.converge-tray/api.sock",
            Path::new("/run/a"),
        );
        let text = format!("Host *\n    ServerAliveInterval 30\n\n{other}\n{ours}");
        assert_eq!(find_stanza(&text, "devbox"), Some(ours.as_str()));
        assert_eq!(find_stanza(&text, "devbox2"), Some(other.as_str()));
        assert_eq!(find_stanza(&text, "dev"), None);
        assert_eq!(find_stanza("Host devbox\n    User d\n", "devbox"), None);
    }
}
