//! tmux: the pane an agent runs in, and switching the person's tmux client to it.
//!
//! The server is one of the agent's ancestors (tmux starts each pane's shell); its socket is
//! the one that process listens on, and the pane the one whose first process is an ancestor.
//! The `tmux` program on PATH is what talks to it, never one the agent's processes name.

use std::process::Command;

use crate::process::{listening_sockets, ProcessLink};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TmuxPane {
    pub socket: String,
    /// `%N`: stays the same while panes and windows move.
    pub id: String,
    pub session: String,
    pub window: String,
    pub index: String,
}

impl TmuxPane {
    pub fn describe(&self) -> String {
        format!(
            "tmux session \u{201c}{}\u{201d}, window {}, pane {}",
            self.session, self.window, self.index
        )
    }
}

/// The client a pane was made current in, and whether one was attached at all.
pub(crate) struct TmuxArrival {
    /// The attached client's process: the terminal to bring forward is one of its
    /// ancestors. `None` when no client is attached to the server.
    pub client_pid: Option<u32>,
}

fn tmux(socket: &str, args: &[&str]) -> Result<String, String> {
    let output = Command::new("tmux")
        .arg("-S")
        .arg(socket)
        .args(args)
        .env_remove("TMUX")
        .output()
        .map_err(|e| format!("cannot run tmux: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "tmux {}: {}",
            args.first().copied().unwrap_or(""),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The pane among `living` (an agent's living ancestry), if a tmux server is one of them.
pub(crate) fn pane_of(living: &[ProcessLink]) -> Result<Option<TmuxPane>, String> {
    let Some(server) = living.iter().find(|l| l.name.starts_with("tmux")) else {
        return Ok(None);
    };
    let mut last_error = None;
    for socket in listening_sockets(server.pid)
        .into_iter()
        .filter(|s| !s.starts_with('@'))
    {
        // The socket's server must be the ancestor: a path can be taken over by another.
        match tmux(&socket, &["display-message", "-p", "#{pid}"]) {
            Ok(pid) if pid.trim() == server.pid.to_string() => {}
            Ok(_) => continue,
            Err(e) => {
                last_error = Some(e);
                continue;
            }
        }
        let panes = tmux(
            &socket,
            &[
                "list-panes",
                "-a",
                "-F",
                "#{pane_pid}\t#{pane_id}\t#{session_name}\t#{window_index}\t#{pane_index}",
            ],
        )?;
        return Ok(panes.lines().find_map(|line| {
            let [pid, id, session, window, index] = line.split('\t').collect::<Vec<_>>()[..] else {
                return None;
            };
            living
                .iter()
                .any(|l| l.pid.to_string() == pid)
                .then(|| TmuxPane {
                    socket: socket.clone(),
                    id: id.into(),
                    session: session.into(),
                    window: window.into(),
                    index: index.into(),
                })
        }));
    }
    match last_error {
        Some(e) => Err(e),
        None => Ok(None),
    }
}

/// Makes `pane` the current pane of its window and its window the current one, then switches
/// the client the person used last (preferring one already on the pane's session) to it.
pub(crate) fn go(pane: &TmuxPane) -> Result<TmuxArrival, String> {
    tmux(
        &pane.socket,
        &[
            "select-window",
            "-t",
            &pane.id,
            ";",
            "select-pane",
            "-t",
            &pane.id,
        ],
    )?;
    let clients = tmux(
        &pane.socket,
        &[
            "list-clients",
            "-F",
            "#{client_pid}\t#{client_activity}\t#{client_name}\t#{session_name}",
        ],
    )?;
    let chosen = clients
        .lines()
        .filter_map(|line| {
            let [pid, activity, name, session] = line.split('\t').collect::<Vec<_>>()[..] else {
                return None;
            };
            let rank = (
                session == pane.session,
                activity.parse::<u64>().unwrap_or(0),
            );
            Some((rank, pid.parse::<u32>().ok()?, name.to_owned()))
        })
        .max_by_key(|(rank, ..)| *rank);
    let Some((_, client_pid, client)) = chosen else {
        return Ok(TmuxArrival { client_pid: None });
    };
    tmux(
        &pane.socket,
        &["switch-client", "-c", &client, "-t", &pane.id],
    )?;
    Ok(TmuxArrival {
        client_pid: Some(client_pid),
    })
}

/// The processes of the clients that show `pane` now (their current pane is it).
pub(crate) fn clients_showing(pane: &TmuxPane) -> Vec<u32> {
    tmux(
        &pane.socket,
        &["list-clients", "-F", "#{client_pid}\t#{pane_id}"],
    )
    .unwrap_or_default()
    .lines()
    .filter_map(|line| {
        let (pid, shown) = line.split_once('\t')?;
        (shown == pane.id).then(|| pid.parse().ok()).flatten()
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ProcessTrail;
    use std::time::{Duration, Instant};

    /// A tmux server of its own, on a socket in a fresh directory; killed on drop.
    struct Server {
        socket: String,
        dir: std::path::PathBuf,
    }

    impl Server {
        fn start(name: &str) -> Option<Self> {
            if Command::new("tmux").arg("-V").output().is_err() {
                eprintln!("tmux is not installed: skipped (setup.sh installs it for the tests)");
                return None;
            }
            let dir = std::env::temp_dir().join(format!("tmux-test-{}-{name}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let socket = dir.join("sock").display().to_string();
            let server = Self { socket, dir };
            // Window 0 runs a shell that runs `sleep`, as a pane's shell runs an agent.
            server
                .run(&[
                    "-f",
                    "/dev/null",
                    "new-session",
                    "-d",
                    "-s",
                    "work",
                    "-x",
                    "80",
                    "-y",
                    "24",
                    "sh -c 'sleep 60; true'",
                ])
                .unwrap();
            server
                .run(&["new-window", "-t", "work", "sleep 60"])
                .unwrap();
            Some(server)
        }

        fn run(&self, args: &[&str]) -> Result<String, String> {
            tmux(&self.socket, args)
        }

        fn pane_pid(&self, target: &str) -> u32 {
            self.run(&["display-message", "-p", "-t", target, "#{pane_pid}"])
                .unwrap()
                .trim()
                .parse()
                .unwrap()
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.run(&["kill-server"]);
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    /// The `sleep` the pane's shell started: the agent, one level below the pane.
    fn child_of(pid: u32) -> u32 {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
                .unwrap_or_default();
            if let Some(child) = children.split_whitespace().next() {
                return child.parse().unwrap();
            }
            assert!(
                Instant::now() < deadline,
                "the pane's shell started nothing"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn the_pane_is_found_from_the_agents_ancestry_and_made_current() {
        let Some(server) = Server::start("find") else {
            return;
        };
        let agent = child_of(server.pane_pid("work:0.0"));
        let trail = ProcessTrail::of(agent).unwrap();
        let pane = pane_of(&trail.living()).unwrap().expect("the pane");
        assert_eq!(pane.socket, server.socket);
        assert_eq!((pane.session.as_str(), pane.window.as_str()), ("work", "0"));
        // The session's current window is 1 (the last made); going makes it 0.
        assert_eq!(
            server
                .run(&["display-message", "-p", "-t", "work", "#{window_index}"])
                .unwrap()
                .trim(),
            "1"
        );
        let arrival = go(&pane).unwrap();
        assert_eq!(arrival.client_pid, None, "no client is attached");
        assert_eq!(
            server
                .run(&["display-message", "-p", "-t", "work", "#{window_index}"])
                .unwrap()
                .trim(),
            "0"
        );
    }

    #[test]
    fn a_process_outside_tmux_has_no_pane() {
        let trail = ProcessTrail::of(std::process::id()).unwrap();
        let outside: Vec<_> = trail
            .living()
            .into_iter()
            .filter(|l| !l.name.starts_with("tmux"))
            .collect();
        assert_eq!(pane_of(&outside).unwrap(), None);
    }

    #[test]
    fn an_attached_client_is_switched_to_the_agents_pane() {
        let Some(server) = Server::start("client") else {
            return;
        };
        server
            .run(&["new-session", "-d", "-s", "other", "sleep 60"])
            .unwrap();
        // A client on the other session, in a pseudo-terminal `script` gives it.
        let mut client = Command::new("script")
            .args([
                "-qfc",
                &format!("tmux -S {} attach -t other", server.socket),
                "/dev/null",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("script (util-linux)");
        let deadline = Instant::now() + Duration::from_secs(5);
        while server
            .run(&["list-clients", "-F", "#{client_name}"])
            .unwrap()
            .trim()
            .is_empty()
        {
            assert!(Instant::now() < deadline, "the client did not attach");
            std::thread::sleep(Duration::from_millis(50));
        }
        let agent = child_of(server.pane_pid("work:0.0"));
        let pane = pane_of(&ProcessTrail::of(agent).unwrap().living())
            .unwrap()
            .unwrap();
        let arrival = go(&pane).unwrap();
        let client_pid = arrival.client_pid.expect("the attached client");
        let shown = server
            .run(&[
                "list-clients",
                "-F",
                "#{client_pid} #{session_name} #{pane_id}",
            ])
            .unwrap();
        client.kill().unwrap();
        let _ = client.wait();
        assert_eq!(shown.trim(), format!("{client_pid} work {}", pane.id));
    }
}
