//! Going to an agent's terminal: the tmux pane, then the window that shows it.

use serde::Serialize;
use ts_rs::TS;

use crate::process::ProcessTrail;
use crate::x11::{activate_window_of, WindowOutcome};
use crate::{kitty, tmux};

/// What going to a terminal did, for the person to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct TerminalVisit {
    /// Every step that applied was taken: the person is at the agent's terminal.
    pub arrived: bool,
    /// What was done, in order.
    pub done: Vec<String>,
    /// What could not be done, and what the person can do instead.
    pub problem: Option<String>,
}

impl TerminalVisit {
    /// Nothing could be done: `problem` says why.
    pub fn failed(problem: impl Into<String>) -> Self {
        Self {
            arrived: false,
            done: Vec::new(),
            problem: Some(problem.into()),
        }
    }

    fn stopped(done: Vec<String>, problem: String) -> Self {
        Self {
            arrived: false,
            done,
            problem: Some(problem),
        }
    }
}

fn wayland() -> bool {
    std::env::var_os("WAYLAND_DISPLAY").is_some()
        || std::env::var("XDG_SESSION_TYPE").is_ok_and(|t| t == "wayland")
}

/// Where the terminal is, for a person who has to find it by hand.
fn whereabouts(trail: &ProcessTrail) -> String {
    match &trail.tty {
        Some(tty) => format!("the agent's terminal is {tty}"),
        None => "the agent has no terminal of its own".into(),
    }
}

/// Brings the person to the terminal `trail` (an agent's ancestry, recorded when it asked)
/// runs in: switches tmux to the agent's pane, then brings the terminal window forward.
pub fn go_to(trail: &ProcessTrail) -> TerminalVisit {
    let living = trail.living();
    if living.is_empty() || trail.terminal_ended() {
        return TerminalVisit::failed(
            "The agent and the terminal it ran in have ended: there is nothing to go to.",
        );
    }
    let mut done = Vec::new();
    // The processes that hold the terminal window: the agent's own, or under tmux those of
    // the client that shows its pane.
    let mut outer = living.clone();
    match tmux::pane_of(&living) {
        Err(e) => {
            return TerminalVisit::failed(format!(
                "The agent runs in tmux, and tmux did not answer: {e}"
            ))
        }
        Ok(Some(pane)) => match tmux::go(&pane) {
            Err(e) => {
                return TerminalVisit::failed(format!(
                    "The agent runs in {}, and tmux refused to switch: {e}",
                    pane.describe()
                ))
            }
            Ok(arrival) => {
                let Some(client) = arrival.client_pid else {
                    done.push(format!("Made {} current", pane.describe()));
                    return TerminalVisit::stopped(
                        done,
                        format!(
                            "No terminal shows tmux session \u{201c}{0}\u{201d}: open one with \
                             `tmux -S {1} attach -t {0}`.",
                            pane.session, pane.socket
                        ),
                    );
                };
                done.push(format!("Switched to {}", pane.describe()));
                outer = ProcessTrail::of(client)
                    .map(|t| t.links)
                    .unwrap_or_default();
            }
        },
        Ok(None) => {}
    }
    let mut problems = Vec::new();
    match kitty::window_of(&outer).and_then(|window| window.map(|w| kitty::focus(&w)).transpose()) {
        Ok(Some(())) => done.push("Chose the agent's tab in kitty".to_owned()),
        Ok(None) => {}
        Err(e) => problems.push(format!("{e}.")),
    }
    let window_pids: Vec<u32> = outer.iter().map(|link| link.pid).collect();
    let window_problem = match activate_window_of(&window_pids) {
        WindowOutcome::Activated { title } => {
            done.push(format!(
                "Brought the window \u{201c}{title}\u{201d} forward"
            ));
            None
        }
        WindowOutcome::Refused { title } => Some(format!(
            "The desktop did not bring the window \u{201c}{title}\u{201d} forward (it keeps \
             the focus where you are): find it in the taskbar."
        )),
        WindowOutcome::NotFound | WindowOutcome::NoDisplay(_) if wayland() => Some(format!(
            "This Wayland desktop lets no app bring another app's window forward: find the \
             terminal yourself ({}).",
            whereabouts(trail)
        )),
        WindowOutcome::NotFound => Some(format!(
            "No window of the agent's terminal was found: it may run in a text console, over \
             SSH, or in a terminal that does not say which process owns its window ({}).",
            whereabouts(trail)
        )),
        WindowOutcome::NoDisplay(e) => Some(format!(
            "There is no X display to bring a window forward on ({e}); {}.",
            whereabouts(trail)
        )),
    };
    problems.extend(window_problem);
    if problems.is_empty() {
        return TerminalVisit {
            arrived: true,
            done,
            problem: None,
        };
    }
    TerminalVisit::stopped(done, problems.join(" "))
}

/// Whether the window with the keyboard focus shows the agent's terminal: its own terminal's
/// window, or the one of a tmux client showing its pane now. The person is looking at it
/// (typing there, most likely): no sound needs to call them.
pub fn in_front(trail: &ProcessTrail) -> bool {
    let living = trail.living();
    if living.is_empty() || trail.terminal_ended() {
        return false;
    }
    let Some(active) = crate::x11::active_window_pid() else {
        return false;
    };
    let holders: Vec<u32> = match tmux::pane_of(&living) {
        Ok(Some(pane)) => tmux::clients_showing(&pane)
            .into_iter()
            .filter_map(ProcessTrail::of)
            .flat_map(|client| client.links.into_iter().map(|link| link.pid))
            .collect(),
        _ => living.iter().map(|link| link.pid).collect(),
    };
    holders.contains(&active)
}
