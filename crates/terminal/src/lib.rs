//! Where an agent's terminal is, and going there.
//!
//! The place is found from the kernel, never from what the agent says: the asking process's
//! ancestry and controlling terminal, recorded when it asks ([`ProcessTrail`]), then matched
//! against tmux's panes and the X server's windows when the person asks to go there.

mod kitty;
mod process;
mod tmux;
mod trails;
mod visit;
mod x11;

pub use process::{ProcessLink, ProcessTrail};
pub use trails::Trails;
pub use visit::{go_to, in_front, TerminalVisit};
