//! A process's ancestry as the kernel records it in /proc.

use std::collections::HashSet;

/// One process of an ancestry. The start time tells this process from a later one that
/// was given the same pid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessLink {
    pub pid: u32,
    /// Clock ticks after boot (`/proc/PID/stat` field 22).
    pub start: u64,
    /// The kernel's short name (`comm`), e.g. `tmux: server`, `xterm`.
    pub name: String,
    /// Runs on the trail's terminal: a shell or program in it, not the terminal itself
    /// (a terminal emulator or tmux server has no controlling terminal of its own).
    pub on_tty: bool,
}

/// A process and its ancestors, nearest first, and its controlling terminal: recorded when an
/// agent's hook asks, while every process of the chain is alive.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProcessTrail {
    pub links: Vec<ProcessLink>,
    /// `/dev/pts/N` (or `/dev/ttyN`) of the first process of the chain that has one.
    pub tty: Option<String>,
}

/// More than any real chain of shells, multiplexers and terminals; a bound on a loop that
/// reads what other processes could change under it.
const MAX_LINKS: usize = 64;

struct Stat {
    ppid: u32,
    start: u64,
    tty_nr: u64,
    name: String,
}

fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name is in parentheses and may itself hold spaces and parentheses.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_owned();
    let fields: Vec<&str> = text.get(close + 1..)?.split_whitespace().collect();
    // fields[0] is field 3 of proc(5).
    Some(Stat {
        ppid: fields.get(1)?.parse().ok()?,
        tty_nr: fields.get(4)?.parse().ok()?,
        start: fields.get(19)?.parse().ok()?,
        name,
    })
}

/// The device path of a `tty_nr` (proc(5)): pseudo-terminals and virtual consoles.
fn tty_path(tty_nr: u64) -> Option<String> {
    if tty_nr == 0 {
        return None;
    }
    let major = (tty_nr >> 8) & 0xfff;
    let minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
    match major {
        136..=143 => Some(format!("/dev/pts/{}", (major - 136) * 256 + minor)),
        4 if minor < 64 => Some(format!("/dev/tty{minor}")),
        _ => None,
    }
}

impl ProcessTrail {
    /// `pid` and its ancestors up to (not including) the first process, or `None` when
    /// `pid` is not a live process.
    pub fn of(pid: u32) -> Option<Self> {
        let mut trail = Self::default();
        let mut tty_nr = 0;
        let mut next = pid;
        while next > 1 && trail.links.len() < MAX_LINKS {
            let Some(stat) = stat(next) else { break };
            if tty_nr == 0 && stat.tty_nr != 0 {
                tty_nr = stat.tty_nr;
                trail.tty = tty_path(tty_nr);
            }
            trail.links.push(ProcessLink {
                pid: next,
                start: stat.start,
                name: stat.name,
                on_tty: tty_nr != 0 && stat.tty_nr == tty_nr,
            });
            next = stat.ppid;
        }
        (!trail.links.is_empty()).then_some(trail)
    }

    /// Whether the terminal it ran on is gone: every process on it has ended. `false` for a
    /// process that had no terminal.
    pub fn terminal_ended(&self) -> bool {
        let on_tty: Vec<&ProcessLink> = self.links.iter().filter(|l| l.on_tty).collect();
        !on_tty.is_empty()
            && on_tty
                .iter()
                .all(|l| stat(l.pid).is_none_or(|now| now.start != l.start))
    }

    /// The links still alive as the same processes, nearest first.
    pub fn living(&self) -> Vec<ProcessLink> {
        self.links
            .iter()
            .filter(|link| stat(link.pid).is_some_and(|now| now.start == link.start))
            .cloned()
            .collect()
    }
}

/// The paths of the Unix sockets `pid` listens on (`@name` for an abstract one), from its
/// open files and the kernel's socket table.
pub(crate) fn listening_sockets(pid: u32) -> Vec<String> {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    let inodes: HashSet<String> = fds
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|target| {
            let target = target.to_str()?;
            Some(
                target
                    .strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_owned(),
            )
        })
        .collect();
    let Ok(table) = std::fs::read_to_string("/proc/net/unix") else {
        return Vec::new();
    };
    parse_listening(&table, &inodes)
}

/// `__SO_ACCEPTCON`: the socket listens.
const ACCEPTS: u32 = 0x10000;

fn parse_listening(table: &str, inodes: &HashSet<String>) -> Vec<String> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            // Num RefCount Protocol Flags Type St Inode Path
            let fields: Vec<&str> = line.split_whitespace().collect();
            let flags = u32::from_str_radix(fields.get(3)?, 16).ok()?;
            let path = fields.get(7)?;
            (flags & ACCEPTS != 0 && inodes.contains(*fields.get(6)?)).then(|| path.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trail_holds_this_process_and_its_parents_nearest_first() {
        let me = std::process::id();
        let trail = ProcessTrail::of(me).unwrap();
        assert_eq!(trail.links[0].pid, me);
        let parent = std::os::unix::process::parent_id();
        if parent > 1 {
            assert_eq!(trail.links[1].pid, parent);
        }
        assert_eq!(trail.living(), trail.links);
    }

    #[test]
    fn a_process_that_ended_is_no_longer_living_and_a_missing_pid_has_no_trail() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        let trail = ProcessTrail::of(child.id()).unwrap();
        assert_eq!(trail.links[0].name, "sleep");
        assert_eq!(trail.links[1].pid, std::process::id());
        child.kill().unwrap();
        child.wait().unwrap();
        let living = trail.living();
        assert!(living.iter().all(|l| l.pid != child.id()));
        assert_eq!(living[0].pid, std::process::id());
        assert!(ProcessTrail::of(child.id()).is_none());
    }

    #[test]
    fn a_pid_given_to_a_later_process_is_not_the_recorded_one() {
        let me = std::process::id();
        let mut trail = ProcessTrail::of(me).unwrap();
        trail.links[0].start += 1;
        assert!(trail.living().iter().all(|l| l.pid != me));
    }

    #[test]
    fn a_terminal_has_ended_once_every_process_on_it_has() {
        // `sleep` on a pseudo-terminal of its own, which `script` holds open.
        let mut holder = std::process::Command::new("script")
            .args(["-qfc", "sleep 30", "/dev/null"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("script (util-linux)");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let sleeper = loop {
            let found = std::fs::read_dir("/proc")
                .unwrap()
                .flatten()
                .find_map(|entry| {
                    let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
                    let trail = ProcessTrail::of(pid)?;
                    (trail.links[0].name == "sleep"
                        && trail.links.iter().any(|l| l.pid == holder.id()))
                    .then_some(trail)
                });
            if let Some(trail) = found {
                break trail;
            }
            assert!(std::time::Instant::now() < deadline, "sleep did not start");
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert!(sleeper.tty.as_deref().unwrap().starts_with("/dev/pts/"));
        assert!(sleeper.links[0].on_tty);
        assert!(!sleeper.terminal_ended());
        let holder_link = sleeper.links.iter().find(|l| l.pid == holder.id()).unwrap();
        assert!(!holder_link.on_tty, "the terminal's holder is not on it");
        // Closing the terminal hangs up what runs on it.
        holder.kill().unwrap();
        holder.wait().unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !sleeper.terminal_ended() {
            assert!(
                std::time::Instant::now() < deadline,
                "sleep outlived its terminal"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    #[test]
    fn pseudo_terminals_and_consoles_are_named_from_their_device_numbers() {
        assert_eq!(tty_path(0), None);
        assert_eq!(tty_path(136 << 8 | 3), Some("/dev/pts/3".into()));
        // pts 300: major 137, minor 44.
        assert_eq!(tty_path(137 << 8 | 44), Some("/dev/pts/300".into()));
        assert_eq!(tty_path(4 << 8 | 2), Some("/dev/tty2".into()));
    }

    #[test]
    fn only_listening_sockets_of_the_process_are_read_from_the_table() {
        let table = "Num       RefCount Protocol Flags    Type St Inode Path\n\
            0000: 00000002 00000000 00010000 0001 01 1943786 /tmp/tmux-0/default\n\
            0000: 00000003 00000000 00000000 0001 03 1944906 /tmp/tmux-0/default\n\
            0000: 00000002 00000000 00010000 0001 01 55 /run/other\n\
            0000: 00000002 00000000 00010000 0001 01 1943787 @kitty-1\n\
            0000: 00000002 00000000 00010000 0001 01 1943788\n";
        let inodes: HashSet<String> = ["1943786", "1944906", "1943787", "1943788"]
            .map(String::from)
            .into();
        assert_eq!(
            parse_listening(table, &inodes),
            ["/tmp/tmux-0/default", "@kitty-1"]
        );
    }

    #[test]
    fn a_process_that_listens_on_a_unix_socket_is_seen_listening() {
        let dir = std::env::temp_dir().join(format!("terminal-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("listen.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let found = listening_sockets(std::process::id());
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(found.contains(&path.display().to_string()), "{found:?}");
    }
}
