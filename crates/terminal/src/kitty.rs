//! kitty: the agent's tab and split, chosen through kitty's remote control.
//!
//! kitty is one of the agent's ancestors (it starts each window's program); the socket is
//! the one that process listens on (`listen_on`, which remote control from outside kitty
//! needs), and the window the one whose program is the ancestor kitty started. The `kitty`
//! program on PATH sends the command.

use std::process::Command;

use crate::process::{listening_sockets, ProcessLink};

/// The kitty window (a tab's split) an agent runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KittyWindow {
    /// `unix:PATH` or `unix:@NAME`, as `kitty @ --to` takes it.
    pub to: String,
    /// The program kitty started in the window: what `--match pid:` names.
    pub program: u32,
}

/// Where the agent runs in kitty: `Ok(None)` when kitty is not one of its ancestors,
/// `Err` when it is and does not listen for remote control.
pub(crate) fn window_of(living: &[ProcessLink]) -> Result<Option<KittyWindow>, String> {
    let Some(at) = living.iter().position(|l| l.name == "kitty") else {
        return Ok(None);
    };
    let Some(program) = at.checked_sub(1).map(|below| living[below].pid) else {
        return Ok(None);
    };
    match listening_sockets(living[at].pid).first() {
        Some(socket) => Ok(Some(KittyWindow {
            to: format!("unix:{socket}"),
            program,
        })),
        None => Err(
            "kitty does not listen for remote control (set `allow_remote_control \
                     yes` and `listen_on unix:@kitty` in kitty.conf), so its tab was not chosen"
                .into(),
        ),
    }
}

/// Makes the window current in its tab, and its tab current in its OS window.
pub(crate) fn focus(window: &KittyWindow) -> Result<(), String> {
    let output = Command::new("kitty")
        .args(["@", "--to", &window.to, "focus-window", "--match"])
        .arg(format!("pid:{}", window.program))
        .output()
        .map_err(|e| format!("cannot run kitty: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "kitty refused to switch: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(pid: u32, name: &str) -> ProcessLink {
        ProcessLink {
            pid,
            start: 1,
            name: name.into(),
            on_tty: false,
        }
    }

    #[test]
    fn outside_kitty_there_is_no_kitty_window() {
        assert_eq!(window_of(&[link(10, "bash"), link(9, "xterm")]), Ok(None));
    }

    #[test]
    fn a_kitty_that_does_not_listen_is_named_with_what_to_set() {
        // pid 1 listens on nothing this test can see (or is not readable): no socket.
        let chain = [link(12, "claude"), link(11, "zsh"), link(u32::MAX, "kitty")];
        let refused = window_of(&chain).unwrap_err();
        assert!(refused.contains("allow_remote_control"), "{refused}");
    }
}
