//! X11: the window of a terminal, by the process that owns it (EWMH `_NET_WM_PID`), and
//! bringing it forward the way a taskbar does (`_NET_ACTIVE_WINDOW`).

use std::time::{Duration, Instant};

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    AtomEnum, ClientMessageEvent, ConfigureWindowAux, ConnectionExt, EventMask, InputFocus,
    StackMode, Window,
};
use x11rb::rust_connection::RustConnection;
use x11rb::CURRENT_TIME;

/// What became of a request to bring a window forward.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum WindowOutcome {
    Activated {
        title: String,
    },
    /// Found, asked for, and not given: the window manager keeps the focus where it is.
    Refused {
        title: String,
    },
    /// No window of these processes on this display.
    NotFound,
    /// No X display to ask (`DISPLAY` unset or unreachable).
    NoDisplay(String),
}

/// How long the window manager gets to make the window active before we say it did not.
const ACTIVATION_WAIT: Duration = Duration::from_millis(1500);

/// `_NET_ACTIVE_WINDOW`'s source indication for a pager or taskbar: a direct request from
/// the person, which window managers honour where they would refuse an application's own.
const SOURCE_PAGER: u32 = 2;

struct Atoms {
    client_list: u32,
    wm_pid: u32,
    active_window: u32,
    supporting_wm: u32,
    wm_name: u32,
    utf8: u32,
}

fn atoms(conn: &RustConnection) -> Result<Atoms, String> {
    let intern = |name: &str| -> Result<u32, String> {
        Ok(conn
            .intern_atom(false, name.as_bytes())
            .map_err(|e| e.to_string())?
            .reply()
            .map_err(|e| e.to_string())?
            .atom)
    };
    Ok(Atoms {
        client_list: intern("_NET_CLIENT_LIST")?,
        wm_pid: intern("_NET_WM_PID")?,
        active_window: intern("_NET_ACTIVE_WINDOW")?,
        supporting_wm: intern("_NET_SUPPORTING_WM_CHECK")?,
        wm_name: intern("_NET_WM_NAME")?,
        utf8: intern("UTF8_STRING")?,
    })
}

fn cardinals(conn: &RustConnection, window: Window, property: u32, kind: AtomEnum) -> Vec<u32> {
    conn.get_property(false, window, property, kind, 0, 4096)
        .ok()
        .and_then(|cookie| cookie.reply().ok())
        .and_then(|reply| reply.value32().map(|values| values.collect()))
        .unwrap_or_default()
}

fn title(conn: &RustConnection, atoms: &Atoms, window: Window) -> String {
    let read = |property: u32, kind: u32| {
        conn.get_property(false, window, property, kind, 0, 1024)
            .ok()
            .and_then(|cookie| cookie.reply().ok())
            .map(|reply| String::from_utf8_lossy(&reply.value).into_owned())
            .filter(|text| !text.is_empty())
    };
    read(atoms.wm_name, atoms.utf8)
        .or_else(|| read(AtomEnum::WM_NAME.into(), AtomEnum::STRING.into()))
        .unwrap_or_else(|| format!("0x{window:x}"))
}

/// The top-level windows: the window manager's list, or without one the root's children
/// and theirs (a reparenting frame holds the client one level down).
fn windows(conn: &RustConnection, atoms: &Atoms, root: Window) -> Vec<Window> {
    let listed = cardinals(conn, root, atoms.client_list, AtomEnum::WINDOW);
    if !listed.is_empty() {
        return listed;
    }
    let children = |window: Window| {
        conn.query_tree(window)
            .ok()
            .and_then(|cookie| cookie.reply().ok())
            .map(|tree| tree.children)
            .unwrap_or_default()
    };
    let mut all = Vec::new();
    for window in children(root) {
        all.push(window);
        all.extend(children(window));
    }
    all
}

/// Brings forward the window of the first of `pids` (nearest the agent first) that owns one.
pub(crate) fn activate_window_of(pids: &[u32]) -> WindowOutcome {
    let (conn, screen) = match x11rb::connect(None) {
        Ok(connected) => connected,
        Err(e) => return WindowOutcome::NoDisplay(e.to_string()),
    };
    let root = conn.setup().roots[screen].root;
    let atoms = match atoms(&conn) {
        Ok(atoms) => atoms,
        Err(e) => return WindowOutcome::NoDisplay(e),
    };
    let owned: Vec<(Window, u32)> = windows(&conn, &atoms, root)
        .into_iter()
        .filter_map(|w| {
            Some((
                w,
                *cardinals(&conn, w, atoms.wm_pid, AtomEnum::CARDINAL).first()?,
            ))
        })
        .collect();
    let Some(window) = pids.iter().find_map(|pid| {
        owned
            .iter()
            .find(|(_, owner)| owner == pid)
            .map(|(w, _)| *w)
    }) else {
        return WindowOutcome::NotFound;
    };
    let title = title(&conn, &atoms, window);
    let managed = !cardinals(&conn, root, atoms.supporting_wm, AtomEnum::WINDOW).is_empty();
    let asked = if managed {
        let message = ClientMessageEvent::new(
            32,
            window,
            atoms.active_window,
            [SOURCE_PAGER, CURRENT_TIME, 0, 0, 0],
        );
        conn.send_event(
            false,
            root,
            EventMask::SUBSTRUCTURE_REDIRECT | EventMask::SUBSTRUCTURE_NOTIFY,
            message,
        )
        .map(drop)
    } else {
        // Nobody manages the windows: raise it and give it the keyboard ourselves.
        conn.configure_window(
            window,
            &ConfigureWindowAux::new().stack_mode(StackMode::ABOVE),
        )
        .and_then(|_| conn.set_input_focus(InputFocus::POINTER_ROOT, window, CURRENT_TIME))
        .map(drop)
    };
    if let Err(e) = asked.and_then(|_| conn.flush()) {
        return WindowOutcome::NoDisplay(e.to_string());
    }
    let deadline = Instant::now() + ACTIVATION_WAIT;
    loop {
        let active = if managed {
            cardinals(&conn, root, atoms.active_window, AtomEnum::WINDOW).first() == Some(&window)
        } else {
            conn.get_input_focus()
                .ok()
                .and_then(|cookie| cookie.reply().ok())
                .is_some_and(|focus| focus.focus == window)
        };
        if active {
            return WindowOutcome::Activated { title };
        }
        if Instant::now() >= deadline {
            return WindowOutcome::Refused { title };
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The process that owns the window with the keyboard focus, as the window manager records
/// it (`_NET_ACTIVE_WINDOW`, `_NET_WM_PID`); `None` without a display or a window manager.
pub(crate) fn active_window_pid() -> Option<u32> {
    let (conn, screen) = x11rb::connect(None).ok()?;
    let root = conn.setup().roots[screen].root;
    let atoms = atoms(&conn).ok()?;
    let active = *cardinals(&conn, root, atoms.active_window, AtomEnum::WINDOW).first()?;
    cardinals(&conn, active, atoms.wm_pid, AtomEnum::CARDINAL)
        .first()
        .copied()
}
