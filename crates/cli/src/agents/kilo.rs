//! Kilo Code CLI (`@kilocode/cli`): a fork of OpenCode with the same plugin API (the same
//! events, the same reply routes, the same question tool), its own config folder
//! (`$XDG_CONFIG_HOME/kilo`) and its own name in the tray.

use super::opencode::OpenCode;

pub const KILO: OpenCode = OpenCode::fork(&["kilo", "kilocode"], "Kilo Code", "kilo", "kilo");
