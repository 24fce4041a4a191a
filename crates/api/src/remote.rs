//! Whether a peer on the socket speaks for another machine. OpenSSH's Unix-socket
//! forwarding (`ssh -R remote.sock:local.sock`) connects to the app from the local `ssh`
//! client, so the kernel names that client as the peer: the request is then marked as coming
//! through SSH from the host the client is connected to (its destination argument), never
//! as the local process it is not. A peer in another PID namespace (a container given the
//! socket's directory) is marked as coming from a container.

use std::path::Path;

/// `ssh`'s options that take an argument (OpenSSH 9, `ssh(1)`): the destination is the first
/// argument that is neither one of these nor an option.
const OPTIONS_WITH_ARGUMENT: &str = "BbcDEeFIiJLlmOoPpQRSWw";

/// What the card says of an SSH peer whose destination cannot be read: a connection shared
/// through ControlMaster (its master has renamed itself `ssh: PATH [mux]`).
pub const UNKNOWN_HOST: &str = "an unknown host";

/// Where a peer process speaks for: `Some("ssh:HOST")`, `Some("container")`, or `None` for
/// a local program.
pub fn remote_of(pid: u32, exe: Option<&Path>) -> Option<String> {
    if exe.is_some_and(is_ssh) {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        let args: Vec<String> = cmdline
            .split(|&b| b == 0)
            .filter(|arg| !arg.is_empty())
            .map(|arg| String::from_utf8_lossy(arg).into_owned())
            .collect();
        let host = ssh_destination(&args).unwrap_or_else(|| UNKNOWN_HOST.into());
        return Some(format!("ssh:{host}"));
    }
    let theirs = std::fs::read_link(format!("/proc/{pid}/ns/pid")).ok()?;
    let ours = std::fs::read_link("/proc/self/ns/pid").ok()?;
    (theirs != ours).then(|| "container".to_owned())
}

/// Whether the program is the ssh client: also one replaced on disk by an upgrade while it
/// runs, which the kernel then names `/usr/bin/ssh (deleted)`.
fn is_ssh(exe: &Path) -> bool {
    exe.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.strip_suffix(" (deleted)").unwrap_or(name) == "ssh")
}

/// The destination of an `ssh` command line (`args[0]` is the program), without a user
/// part: `ssh -p 2222 -R a:b dana@devbox` → `devbox`.
pub fn ssh_destination(args: &[String]) -> Option<String> {
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        if arg == "--" {
            return rest.next().map(|d| host_of(d));
        }
        match arg.strip_prefix('-') {
            Some(flags) if !flags.is_empty() => {
                // Clustered flags (`-NT`); one that takes an argument ends the cluster, and
                // takes the rest of it or the next word.
                for (i, flag) in flags.char_indices() {
                    if OPTIONS_WITH_ARGUMENT.contains(flag) {
                        if i + flag.len_utf8() == flags.len() {
                            rest.next();
                        }
                        break;
                    }
                }
            }
            _ => return Some(host_of(arg)),
        }
    }
    None
}

/// Which remote requests the person turned away (Settings → Other machines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemotePolicy {
    /// Off: nothing from another machine or a container is taken.
    pub accept: bool,
    /// SSH hosts refused by name, as the card shows them; case does not matter.
    pub refused_hosts: Vec<String>,
}

impl Default for RemotePolicy {
    fn default() -> Self {
        Self {
            accept: true,
            refused_hosts: Vec::new(),
        }
    }
}

impl RemotePolicy {
    /// Why a peer that speaks for `remote` (`ssh:HOST` or `container`) is turned away, or
    /// `None` when it may ask.
    pub fn refusal(&self, remote: &str) -> Option<String> {
        self.refusal_with(remote, resolved_host)
    }

    /// `refusal`, with `resolve` naming the machine a host alias reaches (`ssh -G`).
    fn refusal_with(
        &self,
        remote: &str,
        resolve: impl Fn(&str) -> Option<String>,
    ) -> Option<String> {
        let from = match remote.strip_prefix("ssh:") {
            Some(host) => format!("{host} (through SSH)"),
            None => "containers".to_owned(),
        };
        if !self.accept {
            return Some(format!(
                "Converge Tray takes no requests from other machines or containers; \
                 refused a request from {from} (Settings → Other machines)"
            ));
        }
        let host = remote.strip_prefix("ssh:")?;
        if host == UNKNOWN_HOST && !self.refused_hosts.is_empty() {
            return Some(
                "Converge Tray refuses requests from some SSH hosts and cannot tell which host \
                 this one comes from (an SSH connection shared through ControlMaster?); \
                 refused (Settings → Other machines)"
                    .to_owned(),
            );
        }
        // The same machine by another name: the alias and the address it resolves to.
        let reaches = |name: &str| resolve(name).unwrap_or_else(|| name.to_lowercase());
        let host_reaches = reaches(host);
        self.refused_hosts
            .iter()
            .any(|refused| refused.eq_ignore_ascii_case(host) || reaches(refused) == host_reaches)
            .then(|| {
                format!("Converge Tray refuses requests from {host} (Settings → Other machines)")
            })
    }
}

/// The remote peers turned away since the app started, so Settings can say what its refusal
/// stopped; by what they spoke for (`ssh:HOST`, `container`).
#[derive(Debug, Clone)]
pub struct Refusals {
    refused: std::sync::Arc<std::sync::Mutex<std::collections::BTreeMap<String, Refused>>>,
    /// Counts every refusal, for whoever shows them to follow.
    changed: tokio::sync::watch::Sender<u64>,
}

impl Default for Refusals {
    fn default() -> Self {
        Self {
            refused: std::sync::Arc::default(),
            changed: tokio::sync::watch::Sender::new(0),
        }
    }
}

/// How often one remote was turned away, and when last (milliseconds since the Unix epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub count: u64,
    pub last_at_ms: i64,
}

/// At most this many remotes are remembered; more would be a host lying about its name.
const MAX_REMEMBERED: usize = 100;

impl Refusals {
    pub fn record(&self, remote: &str, at_ms: i64) {
        {
            let mut refused = self.refused.lock().unwrap();
            if refused.len() >= MAX_REMEMBERED && !refused.contains_key(remote) {
                return;
            }
            let entry = refused.entry(remote.to_owned()).or_insert(Refused {
                count: 0,
                last_at_ms: at_ms,
            });
            entry.count += 1;
            entry.last_at_ms = at_ms;
        }
        self.changed.send_modify(|count| *count += 1);
    }

    /// Wakes at each refusal recorded after it is called.
    pub fn follow(&self) -> tokio::sync::watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// Most recent first.
    pub fn list(&self) -> Vec<(String, Refused)> {
        let mut all: Vec<_> = self
            .refused
            .lock()
            .unwrap()
            .iter()
            .map(|(remote, refused)| (remote.clone(), *refused))
            .collect();
        all.sort_by_key(|(_, refused)| std::cmp::Reverse(refused.last_at_ms));
        all
    }
}

/// The machine `host` reaches as ssh resolves it (`ssh -G`: its `HostName`, lower case),
/// remembered per name; `None` where ssh cannot say.
fn resolved_host(host: &str) -> Option<String> {
    static RESOLVED: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, Option<String>>>,
    > = std::sync::OnceLock::new();
    let cache = RESOLVED.get_or_init(Default::default);
    if let Some(known) = cache.lock().unwrap().get(host) {
        return known.clone();
    }
    let found = resolved_with(None, host);
    cache.lock().unwrap().insert(host.to_owned(), found.clone());
    found
}

/// `ssh -G` for `host`, with the configuration file `config` (else the user's).
fn resolved_with(config: Option<&Path>, host: &str) -> Option<String> {
    if host.starts_with('-') || host == UNKNOWN_HOST {
        return None;
    }
    let mut ssh = std::process::Command::new("ssh");
    if let Some(config) = config {
        ssh.arg("-F").arg(config);
    }
    let output = ssh
        .args(["-G", "--", host])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|output| output.status.success())?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("hostname "))
        .map(|name| name.trim().to_lowercase())
}

/// `user@host` → `host`; `ssh://user@host:22` → `host`.
fn host_of(destination: &str) -> String {
    let plain = destination
        .strip_prefix("ssh://")
        .map(|d| {
            d.rsplit_once(':').map_or(d, |(h, port)| {
                if port.chars().all(|c| c.is_ascii_digit()) {
                    h
                } else {
                    d
                }
            })
        })
        .unwrap_or(destination);
    plain
        .rsplit_once('@')
        .map_or(plain, |(_, host)| host)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dest(line: &str) -> Option<String> {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        ssh_destination(&args)
    }

    #[test]
    fn the_destination_of_an_ssh_command_line() {
        assert_eq!(dest("ssh devbox").as_deref(), Some("devbox"));
        assert_eq!(dest("ssh dana@devbox").as_deref(), Some("devbox"));
        assert_eq!(
            dest("ssh -p 2222 -R /run/ctray.sock:/run/user/1000/converge-tray/api.sock -o StreamLocalBindUnlink=yes dana@10.0.0.7 ctray ask hi").as_deref(),
            Some("10.0.0.7")
        );
        assert_eq!(dest("ssh -NT -i key devbox").as_deref(), Some("devbox"));
        assert_eq!(
            dest("ssh -Rfoo:bar -p2222 devbox").as_deref(),
            Some("devbox")
        );
        assert_eq!(dest("ssh -v -- devbox").as_deref(), Some("devbox"));
        assert_eq!(
            dest("ssh ssh://dana@devbox:2222").as_deref(),
            Some("devbox")
        );
        assert_eq!(dest("ssh -N"), None);
    }

    #[test]
    fn refused_hosts_and_the_switch_for_all() {
        let mut policy = RemotePolicy::default();
        assert_eq!(policy.refusal("ssh:devbox"), None);
        assert_eq!(policy.refusal("container"), None);

        policy.refused_hosts = vec!["DevBox".into()];
        let refused = policy.refusal("ssh:devbox").expect("devbox refused");
        assert!(
            refused.contains("refuses requests from devbox"),
            "{refused}"
        );
        assert_eq!(policy.refusal("ssh:devbox2"), None);
        assert_eq!(policy.refusal("ssh:ci"), None);
        assert_eq!(policy.refusal("container"), None);

        policy.accept = false;
        assert!(policy.refusal("ssh:ci").is_some());
        let containers = policy.refusal("container").expect("containers refused");
        assert!(containers.contains("containers"), "{containers}");
    }

    /// A refused host is refused by any name that reaches it, and where the host cannot be
    /// told, a refusal refuses it (issue 25).
    #[test]
    fn a_refused_host_is_refused_by_its_address_and_an_unknown_one_when_any_is() {
        let policy = RemotePolicy {
            accept: true,
            refused_hosts: vec!["devbox".into()],
        };
        let ssh_config = |name: &str| match name {
            "devbox" | "10.0.0.7" => Some("10.0.0.7".to_owned()),
            other => Some(other.to_lowercase()),
        };
        assert!(policy.refusal_with("ssh:10.0.0.7", ssh_config).is_some());
        assert!(policy.refusal_with("ssh:ci", ssh_config).is_none());
        let unknown = policy
            .refusal_with(&format!("ssh:{UNKNOWN_HOST}"), ssh_config)
            .expect("an unknown host is refused while a host is");
        assert!(unknown.contains("cannot tell which host"), "{unknown}");
        assert!(RemotePolicy::default()
            .refusal_with(&format!("ssh:{UNKNOWN_HOST}"), ssh_config)
            .is_none());
    }

    #[test]
    fn ssh_resolves_an_alias_to_its_address() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        std::fs::write(&config, "Host devbox\n    HostName 10.0.0.7\n").unwrap();
        assert_eq!(
            resolved_with(Some(&config), "devbox").as_deref(),
            Some("10.0.0.7")
        );
        assert_eq!(
            resolved_with(Some(&config), "Other.Example").as_deref(),
            Some("other.example")
        );
    }

    #[test]
    fn an_upgraded_ssh_is_still_ssh() {
        assert!(is_ssh(Path::new("/usr/bin/ssh")));
        assert!(is_ssh(Path::new("/usr/bin/ssh (deleted)")));
        assert!(!is_ssh(Path::new("/usr/bin/sshd")));
        assert!(!is_ssh(Path::new("/usr/bin/ssh-agent")));
    }

    #[test]
    fn a_local_program_is_not_remote() {
        let exe = std::env::current_exe().unwrap();
        assert_eq!(remote_of(std::process::id(), Some(&exe)), None);
    }
}
