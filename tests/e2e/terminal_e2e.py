"""End to end: "Go to terminal". Under a window manager (openbox), two xterm windows: one
shows a tmux session whose second window runs an agent in its second pane, the other runs an
agent in a plain shell; a third agent runs in a tmux session no terminal shows. Each asks
through the real `ctray hook claude`. "Go to terminal" on each card, clicked in the popover:
- the plain xterm's card makes that xterm the active window;
- the tmux card switches the tmux client to the agent's window and pane, and makes the xterm
  showing that client the active window;
- the detached session's card makes the agent's window current in that session and says,
  on the card, that no terminal shows it and how to open one;
- the global key goes to the agent that asked last (the tmux one);
- an agent whose terminal was closed says so on its row instead of doing nothing;
- an approval from the agent whose terminal has the focus comes without a sound, one from
  elsewhere with one.
Each is asserted from tmux (`list-clients`, `display-message`) and from the X server
(`_NET_ACTIVE_WINDOW`), never from the app's own log.

Run by tests/e2e/run.sh inside `xvfb-run -a dbus-run-session`.
usage: terminal_e2e.py APP_BINARY OUTPUT_DIR [CASE…]   (cases: app, agents, plain, tmux,
detached, kitty, global-key, sounds, terminal-closed; each stops at its first failed check)
"""
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from desktop import Desktop, isolated_home
from harness import (APP_ID, DRIVER, Cases, Run, click_when_shown, eventually, start_driver,
                     start_window_manager, stop_driven_app)
from webdriver import Session

TMUX_SESSION = "5f0c2a51-e2e0-4c1e-9a7e-terminal0001"
PLAIN_SESSION = "5f0c2a51-e2e0-4c1e-9a7e-terminal0002"
SOLO_SESSION = "5f0c2a51-e2e0-4c1e-9a7e-terminal0003"
KITTY_SESSION = "5f0c2a51-e2e0-4c1e-9a7e-terminal0004"
FRONT_SESSION = "5f0c2a51-e2e0-4c1e-9a7e-terminal0005"
BACK_SESSION = "5f0c2a51-e2e0-4c1e-9a7e-terminal0006"


def xprop_root(prop):
    out = subprocess.run(["xprop", "-root", prop], capture_output=True, text=True).stdout
    return out.split("#", 1)[1].strip() if "#" in out else ""


def active_window():
    """The X server's active window as the window manager records it, as an int."""
    value = xprop_root("_NET_ACTIVE_WINDOW").split(",")[0].strip()
    return int(value, 16) if value.startswith("0x") else None


def window_of(pid):
    """The managed window whose _NET_WM_PID is `pid`."""
    for wid in xprop_root("_NET_CLIENT_LIST").replace(",", " ").split():
        out = subprocess.run(["xprop", "-id", wid, "_NET_WM_PID"], capture_output=True,
                             text=True).stdout
        if out.strip().endswith(f"= {pid}"):
            return int(wid, 16)
    return None


def kitty_focus(to):
    """(window pid, its tab the active one, the window focused) for each kitty window."""
    out = subprocess.run(["kitty", "@", "--to", to, "ls"], capture_output=True, text=True)
    try:
        return [(w["pid"], t["is_active_tab"], w["is_focused"])
                for o in json.loads(out.stdout) for t in o["tabs"] for w in t["windows"]]
    except ValueError:
        return []


def requests_by_agent(db: Path):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return dict(conn.execute("SELECT agent_id, id FROM requests WHERE outcome IS NULL")
                    .fetchall())
    finally:
        conn.close()


async def main(app: str, out: Path, only) -> int:
    out.mkdir(parents=True, exist_ok=True)
    ctray = str(Path(app).resolve().with_name("ctray"))
    home = isolated_home("converge-e2e-terminal-")
    db = home / "data" / APP_ID / "inbox.db"
    run = Run()
    cases = Cases(run, only)
    check = cases.check
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=2)
    wm = await start_window_manager(run)
    if wm is None:
        return run.finish()
    desktop = await Desktop.start()
    driver, wrapper = start_driver(home, out, app, "app-terminal.log")
    session = None
    # What one case leaves for the next: the terminals, their windows, the agent's pane.
    state = {}
    spawned = []
    sock, solo_sock = str(home / "tmux.sock"), str(home / "solo.sock")

    def tmux(socket, *args):
        return subprocess.run(["tmux", "-S", socket, *args], capture_output=True,
                              text=True).stdout.strip()

    def agent_command(session_id, command):
        """A shell that asks through the real hook, as Claude Code's would, then stays."""
        payload = home / f"{session_id}.json"
        payload.write_text(json.dumps({
            "session_id": session_id, "transcript_path": str(home / "t.jsonl"),
            "cwd": str(home), "permission_mode": "default",
            "hook_event_name": "PermissionRequest", "tool_name": "Bash",
            "tool_input": {"command": command}, "permission_suggestions": [],
        }))
        return f"cd {home}; {ctray} hook claude < {payload}; exec sleep 600"

    def xterm(title, *command):
        proc = subprocess.Popen(["xterm", "-T", title, "-e", *command],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        spawned.append(proc)
        return proc

    async def show_popover():
        item = await desktop.wait_for_item()
        await item.activate()

    async def go_on_card(agent_id):
        """Clicks "Go to terminal" on the agent's card; the card's problem line, if any."""
        request_id = requests_by_agent(db).get(agent_id)
        card = session.find_all(f"li.card[data-request-id='{request_id}']")
        if not card:
            return None, "no card"
        button = card[0].find("button.go-terminal")
        await loop.run_in_executor(pool, click_when_shown, button)
        await asyncio.sleep(2)
        problems = [p.text() for p in card[0].find_all(".terminal-problem")]
        return True, problems[0] if problems else ""

    async def app_up():
        nonlocal session
        await loop.run_in_executor(pool, Session.wait_for_server, DRIVER)
        session_future = loop.run_in_executor(pool, Session.create, DRIVER, str(wrapper), [])
        await show_popover()
        session = await asyncio.wait_for(session_future, timeout=120)

    async def agents_ask():
        # The tmux xterm: window "editor", and window "agent" whose second pane runs the agent.
        tmux_xterm = xterm("agents", "tmux", "-S", sock, "-f", "/dev/null", "new-session",
                           "-s", "work", "-n", "editor")
        await eventually(lambda: tmux(sock, "list-clients", "-F", "#{client_pid}"), timeout=15)
        tmux(sock, "new-window", "-d", "-t", "work:", "-n", "agent", "sleep 600")
        plain_xterm = xterm("plain", "bash", "-c", agent_command(PLAIN_SESSION, "echo plain"))
        tmux(solo_sock, "-f", "/dev/null", "new-session", "-d", "-s", "solo", "-n", "idle",
             "sleep 600")
        tmux(solo_sock, "new-window", "-d", "-t", "solo:", "-n", "agent",
             agent_command(SOLO_SESSION, "echo solo"))
        # kitty, listening for remote control: the agent in its first tab, a second tab
        # opened after it and current.
        kitty_to = f"unix:@converge-e2e-kitty-{home.name}"
        kitty = subprocess.Popen(
            ["kitty", "-o", "allow_remote_control=yes", "--listen-on", kitty_to, "-T", "kitty",
             "sh", "-c", agent_command(KITTY_SESSION, "echo kitty")],
            env={**os.environ, "LIBGL_ALWAYS_SOFTWARE": "1"},
            stdout=open(out / "kitty.log", "w"), stderr=subprocess.STDOUT)
        spawned.append(kitty)
        await eventually(lambda: kitty_focus(kitty_to), timeout=20)
        subprocess.run(["kitty", "@", "--to", kitty_to, "launch", "--type=tab", "sleep", "600"],
                       capture_output=True)
        await asyncio.sleep(1)
        # Asked last: the one the global key goes to.
        tmux(sock, "split-window", "-d", "-t", "work:agent",
             agent_command(TMUX_SESSION, "echo tmux"))
        agents = [f"claude-code:{s}"
                  for s in (TMUX_SESSION, PLAIN_SESSION, SOLO_SESSION, KITTY_SESSION)]
        asked = await eventually(lambda: all(a in requests_by_agent(db) for a in agents),
                                 timeout=20)
        check("four agents ask through the real hook: in tmux, in an xterm, in a "
              "detached tmux session, in kitty", bool(asked), requests_by_agent(db))
        state.update(plain_xterm=plain_xterm, kitty=kitty, kitty_to=kitty_to)
        state["tmux_window"] = await eventually(lambda: window_of(tmux_xterm.pid), timeout=10)
        state["plain_window"] = await eventually(lambda: window_of(plain_xterm.pid), timeout=10)
        state["agent_pane"] = tmux(sock, "display-message", "-p", "-t", "work:agent.1",
                                   "#{pane_id}")

    async def plain():
        plain_window = state["plain_window"]
        await show_popover()
        clicked, problem = await go_on_card(f"claude-code:{PLAIN_SESSION}")
        check("Go to terminal on the plain xterm's card makes that xterm the active "
              "window (X server)", clicked and active_window() == plain_window,
              f"active {active_window()}, plain {plain_window}, problem {problem!r}")

    async def in_tmux():
        agent_pane, tmux_window = state["agent_pane"], state["tmux_window"]
        await show_popover()
        clicked, problem = await go_on_card(f"claude-code:{TMUX_SESSION}")
        shown = tmux(sock, "list-clients", "-F", "#{session_name}:#{window_name} #{pane_id}")
        check("Go to terminal on the tmux card switches the tmux client to the agent's "
              "window and pane (tmux)", shown == f"work:agent {agent_pane}",
              f"{shown!r}, agent pane {agent_pane}, problem {problem!r}")
        check("... and makes the xterm showing that client the active window (X server)",
              active_window() == tmux_window,
              f"active {active_window()}, tmux xterm {tmux_window}")

    async def detached():
        await show_popover()
        clicked, problem = await go_on_card(f"claude-code:{SOLO_SESSION}")
        current = tmux(solo_sock, "display-message", "-p", "-t", "solo", "#{window_name}")
        check("Go to terminal on the detached session's card makes the agent's window "
              "current there (tmux)", current == "agent", current)
        check("... and says on the card that no terminal shows it, and how to open one",
              "No terminal shows tmux session" in problem and "attach -t solo" in problem,
              problem)

    async def in_kitty():
        kitty, kitty_to = state["kitty"], state["kitty_to"]
        kitty_window = window_of(kitty.pid)
        before = kitty_focus(kitty_to)
        await show_popover()
        clicked, problem = await go_on_card(f"claude-code:{KITTY_SESSION}")
        after = kitty_focus(kitty_to)
        agent_window = [w for w in after if w[0] != before[-1][0]]
        check("Go to terminal on the kitty card makes the agent's tab current in kitty "
              "(kitty's own list), where another tab was",
              len(before) == 2 and before[-1][1] and not before[0][1]
              and agent_window and agent_window[0][1] and agent_window[0][2],
              f"before {before}, after {after}, problem {problem!r}")
        check("... and makes the kitty window the active one (X server)",
              kitty_window is not None and active_window() == kitty_window,
              f"active {active_window()}, kitty {kitty_window}")

    async def global_key():
        plain_window, tmux_window = state["plain_window"], state["tmux_window"]
        agent_pane = state["agent_pane"]
        # Away from both: the plain xterm active, the tmux client on its editor window.
        tmux(sock, "select-window", "-t", "work:editor")
        subprocess.run(["xdotool", "windowactivate", str(plain_window)], check=False)
        await eventually(lambda: active_window() == plain_window, timeout=5)
        subprocess.run(["xdotool", "key", "ctrl+alt+shift+t"], check=True)
        went = await eventually(lambda: active_window() == tmux_window, timeout=10)
        shown = tmux(sock, "list-clients", "-F", "#{session_name}:#{window_name} #{pane_id}")
        check("the global key goes to the terminal of the agent that asked last: its "
              "pane (tmux) in its window (X server)",
              bool(went) and shown == f"work:agent {agent_pane}",
              f"active {active_window()}, tmux {shown!r}")

    async def sounds():
        # Sounds: an approval from the agent whose terminal has the focus (the tmux client now
        # shows its new pane, in the active xterm) comes silent; one from elsewhere sounds.
        notes = desktop.notifications
        tmux(sock, "split-window", "-t", "work:agent", agent_command(FRONT_SESSION, "echo front"))
        tmux(solo_sock, "new-window", "-d", "-t", "solo:",
             agent_command(BACK_SESSION, "echo back"))

        def note_with(text):
            return next((n for n in notes.shown if text in n["body"]), None)
        await eventually(lambda: note_with("echo front") and note_with("echo back"), timeout=20)
        front, back = note_with("echo front") or {}, note_with("echo back") or {}
        check("an approval from the agent whose terminal has the focus comes without a "
              "sound", front.get("hints", {}).get("suppress-sound") is True
              and "sound-name" not in front.get("hints", {}), front)
        check("... and one from an agent elsewhere with the new-message sound",
              back.get("hints", {}).get("sound-name") == "message-new-instant", back)

    async def terminal_closed():
        plain_xterm = state["plain_xterm"]
        # The plain agent's terminal closed: its row says so.
        plain_xterm.kill()
        plain_xterm.wait()
        # Its hook ends with it, and the app closes the request it left.
        await eventually(lambda: f"claude-code:{PLAIN_SESSION}" not in requests_by_agent(db),
                         timeout=15)
        await show_popover()
        row = await eventually(lambda: [
            r for r in session.find_all("li.agent")
            if r.attribute("data-agent-id") == f"claude-code:{PLAIN_SESSION}"
            and r.find_all("button.go-terminal")], timeout=10)
        if row:
            await loop.run_in_executor(pool, click_when_shown, row[0].find("button.go-terminal"))
            await asyncio.sleep(2)
            problems = [p.text() for p in row[0].find_all(".terminal-problem")]
            left = subprocess.run(["ps", "-eo", "pid,ppid,tty,stat,args"], capture_output=True,
                                  text=True).stdout
            check("an agent whose terminal was closed says so on its row",
                  bool(problems) and "ended" in problems[0],
                  (problems, [line for line in left.splitlines()
                              if "pts/" in line and "sleep 600" in line or "ctray" in line]))
        else:
            check("an agent whose terminal was closed says so on its row", False,
                  "no row with a Go to terminal button for the plain agent")
        session.screenshot(out / "terminal-closed-agent.png")

    try:
        cases.add("app", app_up)
        cases.add("agents", agents_ask, needs=["app"])
        cases.add("plain", plain, needs=["agents"])
        cases.add("tmux", in_tmux, needs=["agents"])
        cases.add("detached", detached, needs=["agents"])
        cases.add("kitty", in_kitty, needs=["agents"])
        cases.add("global-key", global_key, needs=["agents"])
        # The tmux client shows the agent's window in the active xterm: the global key's doing.
        cases.add("sounds", sounds, needs=["global-key"])
        # Last: it closes the plain agent's terminal.
        cases.add("terminal-closed", terminal_closed, needs=["agents"])
        await cases.run_all()
    finally:
        for proc in spawned:
            proc.kill()
        for socket in (sock, solo_sock):
            tmux(socket, "kill-server")
        await stop_driven_app(loop, pool, session, driver, desktop, home)
        wm.terminate()
    return run.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))
