"""End to end: the popover in a process of its own, as it runs on a Linux desktop (the other
scenarios that drive the popover through WebDriver have it in the app's process, the only
one WebKitWebDriver can drive; docs/tray-app.md). With a window manager (openbox), real key
presses (xdotool) into the popover's window, and the app's tray activated over D-Bus.

The popover's processes are made by the app's zygote, a copy of the app forked at its start
(so that a cold open skips the dynamic loader), and the zygote ends with the app.
It checks what a person would notice: the popover opens from the tray, decides with the
keyboard as the popover (the audit says so), follows the inbox while open, hides, and is
dropped with every WebKit process once hidden for a while; a popover process that crashes
is reported and the next click opens a new one; quitting the app leaves none behind. And it
tries to forge the popover's authority: the channel has no name to open, WebKit's own
processes and the zygote do not hold it, the zygote's own socket cannot be opened either,
and `converge-tray --popover-process` started by another program refuses to run.

Run by tests/e2e/run.sh inside its own `xvfb-run -a dbus-run-session`.
usage: popover_process_e2e.py APP_BINARY OUTPUT_DIR [CASE…]   (cases: app, idle,
approval-starts, webkit-in-popover, channel, forged-start, open-approve, arrives-while-open,
escape-hides, dropped, agent-waits, crash-reported, crash-reopens, second-crash, in-app, full-window-link,
killed-leaves-none; each stops at its first failed check)
"""
import asyncio
import errno
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from desktop import Desktop, TrayItem, isolated_home
from harness import (APP_ID, ZYGOTE, Cases, Run, api_call, comm, eventually, parent_of,
                     resolution_in_audit, start_window_manager, stop_app, visible_windows)

DROP_AFTER_MS = 2000


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def zygotes(app_pid: int) -> list[int]:
    return [p for p in children(app_pid) if comm(p) == ZYGOTE]


def popover_processes(app_pid: int) -> list[int]:
    """The app's popover processes: made by its zygote, or started from the program's file."""
    made = [p for z in zygotes(app_pid) for p in children(z)]
    return made + [p for p in children(app_pid) if "--popover-process" in cmdline(p)]


def webkit_under(pid: int) -> list[int]:
    """WebKit's processes below `pid`, at any depth."""
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            todo.append(child)
            if any("WebKit" in part for part in cmdline(child)[:1]):
                found.append(child)
    return found


def all_webkit() -> list[str]:
    out = subprocess.run(["pgrep", "-f", "WebKit(Web|Network)Process"], capture_output=True,
                         text=True)
    return out.stdout.split()


def socket_inode(pid: int, fd: int):
    try:
        target = os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        return None
    return target[len("socket:["):-1] if target.startswith("socket:[") else None


def unix_socket_path(inode: str):
    """The path a Unix socket is bound to (None: it has no name), from /proc/net/unix."""
    for line in Path("/proc/net/unix").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[6] == inode:
            return fields[7] if len(fields) > 7 else None
    return "not listed"


def sockets_of(pid: int) -> set[str]:
    inodes = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for fd in fds:
        inode = socket_inode(pid, int(fd))
        if inode:
            inodes.add(inode)
    return inodes


def window_pid(window_id: str):
    out = subprocess.run(["xdotool", "getwindowpid", window_id], capture_output=True, text=True)
    return int(out.stdout) if out.returncode == 0 and out.stdout.strip() else None


def press(window_id: str, *keys: str):
    """Focuses the window as a click into it would (openbox does not focus a window mapped
    after a D-Bus call: focus_e2e.py), then presses `keys` as the person would."""
    subprocess.run(["xdotool", "windowactivate", "--sync", window_id], capture_output=True,
                   timeout=10)
    subprocess.run(["xdotool", "key", "--delay", "80", *keys], check=True, timeout=10)


def logged(log: Path, text: str, after: int = 0) -> bool:
    return log.exists() and text in log.read_text(errors="replace")[after:]


async def main(app: str, out: Path, only) -> int:
    home = isolated_home("converge-e2e-popproc-")
    os.environ["CONVERGE_TRAY_DROP_POPOVER_AFTER_MS"] = str(DROP_AFTER_MS)
    run = Run()
    cases = Cases(run, only)
    check = cases.check
    wm = await start_window_manager(run)
    if wm is None:
        return run.finish()
    desktop = await Desktop.start()
    socket_path = home / "run" / "api.sock"
    db = home / "data" / APP_ID / "inbox.db"
    log = out / "app-popover-process.log"
    with open(log, "w") as sink:
        proc = subprocess.Popen([app], stdout=sink, stderr=subprocess.STDOUT)
    item = None
    # What one case leaves for the next: the first request and the popover's process, its
    # WebKit processes, its window, the popover processes started after a crash, and those
    # of the app's second run.
    state = {}

    def ask(title: str) -> str:
        asked = api_call(socket_path, "approval.ask",
                         {"agent_id": "e2e-agent", "title": title, "timeout_ms": 120000,
                          "wait": False})
        return asked["result"]["id"]

    async def app_up():
        nonlocal item
        item = await desktop.wait_for_item()
        await eventually(lambda: socket_path.exists())

    async def idle():
        check("idle, the app runs no popover process and no WebKit process",
              popover_processes(proc.pid) == [] and webkit_under(proc.pid) == [],
              (popover_processes(proc.pid), webkit_under(proc.pid)))
        state["zygote"] = zygotes(proc.pid)
        check("idle, one zygote waits to make the popover's process, holding one socket",
              len(state["zygote"]) == 1 and len(sockets_of(state["zygote"][0])) == 1,
              (state["zygote"], [sockets_of(z) for z in state["zygote"]]))

    async def approval_starts():
        # An approval arrives: the popover's process is started, hidden, as the app's child.
        state["first"] = ask("Deploy the docs site?")
        started = await eventually(lambda: popover_processes(proc.pid), timeout=15)
        popover = started[0] if started else None
        state["popover"] = popover
        check("an approval arriving starts the popover's own process, made by the app's "
              "zygote and named as the program, with no window shown",
              popover is not None and parent_of(popover) in zygotes(proc.pid)
              and comm(popover) == "converge-tray" and visible_windows() == [],
              (started, popover and parent_of(popover), popover and comm(popover),
               visible_windows()))

    async def webkit_in_popover():
        popover = state["popover"]
        await eventually(lambda: webkit_under(popover), timeout=15)
        # The app's first: WebKit may start another process meanwhile, under the popover's.
        under_app = webkit_under(proc.pid)
        webkit = webkit_under(popover)
        state["webkit"] = webkit
        check("its WebKit processes are the popover process's, none the app's",
              bool(under_app) and set(under_app) <= set(webkit), (under_app, webkit))

    async def channel_unreachable():
        # Forging the popover's authority.
        popover, webkit = state["popover"], state["webkit"]
        channel = socket_inode(popover, 3)
        check("the popover's channel is a socket with no name anyone could open",
              channel is not None and unix_socket_path(channel) is None,
              (channel, channel and unix_socket_path(channel)))
        try:
            os.open(f"/proc/{popover}/fd/3", os.O_RDWR)
            opened = "opened"
        except OSError as e:
            opened = errno.errorcode.get(e.errno, str(e.errno))
        check("another process cannot open the channel through /proc", opened == "ENXIO",
              opened)
        holders = [p for p in webkit if channel in sockets_of(p)]
        check("none of WebKit's processes inherited the channel", holders == [], holders)
        zygote = parent_of(popover)
        check("the zygote that made it kept no end of its channel",
              zygote in zygotes(proc.pid) and channel not in sockets_of(zygote),
              (zygote, sockets_of(zygote)))
        requests = sorted(sockets_of(zygote))
        opened = []
        for fd in os.listdir(f"/proc/{zygote}/fd"):
            if socket_inode(zygote, int(fd)) in requests:
                try:
                    os.open(f"/proc/{zygote}/fd/{fd}", os.O_RDWR)
                    opened.append("opened")
                except OSError as e:
                    opened.append(errno.errorcode.get(e.errno, str(e.errno)))
        check("the zygote's own socket has no name and cannot be opened through /proc",
              bool(requests) and all(unix_socket_path(i) is None for i in requests)
              and opened and all(o == "ENXIO" for o in opened), (requests, opened))

    async def forged_start():
        forged = subprocess.run([app, "--popover-process"], capture_output=True, text=True,
                                timeout=20)
        check("converge-tray --popover-process started by another program refuses to run",
              forged.returncode == 2 and "only for the app" in forged.stderr,
              (forged.returncode, forged.stderr[-300:]))
        # Handed a socket on descriptor 3 by a process other than its parent, it refuses too.
        forged = subprocess.run(
            ["sh", "-c", f'"{app}" --popover-process 3<&0; exit $?'], stdin=socket_for_forgery(),
            capture_output=True, text=True, timeout=20,
            env=dict(os.environ, CONVERGE_TRAY_POPOVER_CHANNEL="3"))
        check("handed a socket that is not from its parent, it refuses to run",
              forged.returncode == 2 and "not a channel from the app's process" in forged.stderr,
              (forged.returncode, forged.stderr[-300:]))

    async def open_approve():
        # The person opens it from the tray and decides with the keyboard.
        popover, first = state["popover"], state["first"]
        mark = len(log.read_text(errors="replace"))
        await item.activate()
        shown = await eventually(visible_windows, timeout=15)
        state["shown"] = shown
        check("a tray click shows the popover, a window of the popover's process",
              bool(shown) and window_pid(shown[0]) == popover,
              (shown, shown and window_pid(shown[0]), popover))
        painted = await eventually(lambda: logged(log, "popover painted", mark), timeout=20)
        check("its page paints the inbox, reported to the app", bool(painted))
        press(shown[0], "a")
        outcome = await eventually(lambda: resolution_in_audit(db, first), timeout=15)
        check("a pressed in the popover approves the request, recorded as decided by the "
              "popover", outcome is not None and outcome[:2] == ("approved", "popover"),
              outcome)

    async def arrives_while_open():
        # While it is open, a new approval reaches it.
        shown = state["shown"]
        second = ask("Delete the preview branch?")
        await asyncio.sleep(1.5)
        press(shown[0], "d", "Return")
        outcome = await eventually(lambda: resolution_in_audit(db, second), timeout=15)
        check("an approval arriving while it is open shows up in it and is denied from it",
              outcome is not None and outcome[:2] == ("denied", "popover"), outcome)

    async def escape_hides():
        shown = state["shown"]
        press(shown[0], "Escape")
        hidden = await eventually(lambda: not visible_windows(), timeout=10)
        check("Escape hides it", bool(hidden))

    async def dropped():
        gone = await eventually(lambda: not popover_processes(proc.pid) and not all_webkit(),
                                timeout=DROP_AFTER_MS / 1000 + 15)
        check("hidden for a while with nothing waiting, it is dropped: no popover process "
              "and no WebKit process left", bool(gone),
              (popover_processes(proc.pid), all_webkit()))
        check("the app runs on after the drop", proc.poll() is None)

    async def agent_waits():
        # No approval, but an agent waits for the person (a question in its terminal): the
        # popover is prepared, hidden, as for an approval; once the agent works again, it is
        # dropped like any hidden popover.
        def report(state_now: str):
            api_call(socket_path, "agent.update",
                     {"agent_id": "e2e-asks", "name": "Asks a question", "state": state_now})
        report("waiting-for-input")
        started = await eventually(lambda: popover_processes(proc.pid), timeout=15)
        check("an agent waiting for input starts the popover's process, with no window shown",
              bool(started) and not visible_windows(), (started, visible_windows()))
        await asyncio.sleep(DROP_AFTER_MS / 1000 + 1)
        check("it stays prepared while the agent waits",
              popover_processes(proc.pid) == started, popover_processes(proc.pid))
        report("working")
        gone = await eventually(lambda: not popover_processes(proc.pid) and not all_webkit(),
                                timeout=DROP_AFTER_MS / 1000 + 15)
        check("once nothing waits, it is dropped with every WebKit process", bool(gone),
              (popover_processes(proc.pid), all_webkit()))

    async def crash_reported():
        # A popover process that dies is reported, and the next click opens a new one.
        await item.activate()
        restarted = await eventually(lambda: popover_processes(proc.pid), timeout=15)
        state["restarted"] = restarted
        await eventually(visible_windows, timeout=15)
        if restarted:
            os.kill(restarted[0], signal.SIGKILL)
        told = await eventually(lambda: [n for n in desktop.notifications.shown
                                         if n["summary"] == "The popover stopped"], timeout=15)
        check("a popover process killed is reported to the person",
              bool(told), [n["summary"] for n in desktop.notifications.shown])

    async def crash_reopens():
        restarted = state["restarted"]
        await eventually(lambda: not visible_windows(), timeout=10)
        await item.activate()
        again = await eventually(
            lambda: [p for p in popover_processes(proc.pid) if p not in restarted], timeout=15)
        state["again"] = again
        shown = await eventually(visible_windows, timeout=15)
        check("the next click opens a new popover process", bool(again) and bool(shown),
              (again, shown))

    async def second_crash():
        # Killed again, it is not started a third time: the popover opens inside the app.
        again = state["again"]
        if again:
            os.kill(again[0], signal.SIGKILL)
        told = await eventually(lambda: [n for n in desktop.notifications.shown
                                         if n["summary"] == "The popover stopped"
                                         and "inside the app" in n["body"]], timeout=15)
        check("killed a second time, the person is told it now opens inside the app",
              bool(told), [n["body"] for n in desktop.notifications.shown][-3:])

    async def in_app():
        await eventually(lambda: not visible_windows(), timeout=10)
        await item.activate()
        shown = await eventually(visible_windows, timeout=15)
        check("the next click opens it in the app's own process, where the person can "
              "still decide", bool(shown) and window_pid(shown[0]) == proc.pid
              and popover_processes(proc.pid) == [],
              (shown, shown and window_pid(shown[0]), popover_processes(proc.pid)))
        if shown:
            third = ask("Rotate the staging keys?")
            await asyncio.sleep(1.5)
            press(shown[0], "a")
            outcome = await eventually(lambda: resolution_in_audit(db, third), timeout=15)
            check("approved there, recorded as decided by the popover",
                  outcome is not None and outcome[:2] == ("approved", "popover"), outcome)

    async def full_window_link():
        nonlocal proc, item
        # The app killed outright leaves no popover behind (a new run of the app).
        stop_app(proc)
        mark = len(log.read_text(errors="replace"))
        with open(log, "a") as sink:
            proc = subprocess.Popen([app], stdout=sink, stderr=subprocess.STDOUT)
        await eventually(lambda: socket_path.exists() and popover_processes(proc.pid) == []
                         and api_ready(socket_path), timeout=20)
        ask("Prepare the popover once more?")
        orphans = await eventually(lambda: popover_processes(proc.pid), timeout=15) or []
        state["orphans"] = orphans
        state["second_zygote"] = zygotes(proc.pid)

        # Its "Open full window" (the footer link, clicked as the person would) opens the
        # app's full window: a command that builds a window in the app.
        old_service = item.service

        async def new_item():
            items = await desktop.tray_items()
            fresh = [i for i in items if not i.startswith(old_service)]
            return fresh[0] if fresh else None
        registered = await eventually(new_item, timeout=20)
        if registered:
            service, _, path = registered.partition("/")
            item = TrayItem(desktop, service, "/" + path if path else "/StatusNotifierItem")
            await item.activate()
        shown = await eventually(visible_windows, timeout=15)
        if shown:
            await eventually(lambda: logged(log, "popover painted", mark), timeout=20)
            subprocess.run(["xdotool", "mousemove", "--window", shown[0], "63", "457",
                            "click", "1"], check=True, timeout=10)
        full = await eventually(lambda: [w for w in visible_windows()
                                         if window_pid(w) == proc.pid], timeout=20)
        check("its Open full window link opens the app's full window and hides it",
              bool(shown) and window_pid(shown[0]) in orphans and bool(full)
              and shown[0] not in visible_windows(), (shown, full, visible_windows()))

    async def killed_leaves_none():
        orphans = state["orphans"]
        proc.kill()
        proc.wait(timeout=10)
        left = await eventually(lambda: not [p for p in orphans if Path(f"/proc/{p}").exists()
                                             and "Z" not in status_of(p)], timeout=10)
        check("the app killed, its popover process ends too", bool(left) and bool(orphans),
              orphans)
        zygote = state.get("second_zygote") or []
        gone = await eventually(lambda: not [p for p in zygote if Path(f"/proc/{p}").exists()
                                             and "Z" not in status_of(p)], timeout=10)
        check("and so does its zygote", bool(zygote) and bool(gone), zygote)

    try:
        cases.add("app", app_up)
        cases.add("idle", idle, needs=["app"])
        cases.add("approval-starts", approval_starts, needs=["app"])
        cases.add("webkit-in-popover", webkit_in_popover, needs=["approval-starts"])
        cases.add("channel", channel_unreachable, needs=["webkit-in-popover"])
        cases.add("forged-start", forged_start, needs=["app"])
        cases.add("open-approve", open_approve, needs=["approval-starts"])
        cases.add("arrives-while-open", arrives_while_open, needs=["open-approve"])
        cases.add("escape-hides", escape_hides, needs=["open-approve"])
        # Dropped once hidden with nothing waiting.
        cases.add("dropped", dropped, needs=["escape-hides"])
        cases.add("agent-waits", agent_waits, needs=["dropped"])
        # A click on the tray starts a popover process when there is none: shown from idle,
        # or from the drop above.
        cases.add("crash-reported", crash_reported, needs=["app"])
        cases.add("crash-reopens", crash_reopens, needs=["crash-reported"])
        cases.add("second-crash", second_crash, needs=["crash-reopens"])
        cases.add("in-app", in_app, needs=["second-crash"])
        # Last: they kill the app and start it again, then kill it.
        cases.add("full-window-link", full_window_link, needs=["app"])
        cases.add("killed-leaves-none", killed_leaves_none, needs=["full-window-link"])
        await cases.run_all()
    finally:
        stop_app(proc)
        desktop.stop()
        wm.terminate()
        shutil.rmtree(home, ignore_errors=True)
    return run.finish()


def api_ready(socket_path: Path) -> bool:
    try:
        return "result" in api_call(socket_path, "agents.list")
    except OSError:
        return False


def status_of(pid: int) -> str:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("State:"):
                return line
    except OSError:
        pass
    return ""


def socket_for_forgery():
    """One end of a socket pair this test made (its other end stays here)."""
    import socket
    ours, theirs = socket.socketpair()
    socket_for_forgery.kept = ours
    return theirs


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))
