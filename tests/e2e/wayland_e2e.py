"""End to end in a Wayland session (XDG_SESSION_TYPE=wayland; the windows still draw on
Xvfb): the global shortcuts come through the XDG Desktop Portal's GlobalShortcuts, here the
stand-in of tests/e2e/portal.py on the session bus, which follows the documented interface.

1. With the portal: the app binds its four shortcuts with descriptions and the settings'
   keys as preferred triggers; Settings says the shortcuts come through the desktop's portal,
   with the keys the desktop chose; a press reported by the portal toggles the popover,
   approves and denies (recorded as by shortcut); the same signal forged by another program
   on the session bus decides nothing; Quit closes the session.
2. The person declines the desktop's dialog: the app says the shortcuts are limited and
   registers its X11 keys.
3. No portal at all: the app says so, and its X11 keys still work where X11 reaches.

Run by tests/e2e/run.sh inside its own `xvfb-run -a dbus-run-session`.
usage: wayland_e2e.py APP_BINARY OUTPUT_DIR [CASE…]   (cases: portal, declined, no-portal, the
parts 1 to 3, each with its own app and desktop; each stops at its first failed check)
"""
import asyncio
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

from desktop import Desktop, isolated_home
from harness import (APP_ID, Cases, Run, eventually, pending_in_store, resolution_in_audit,
                     stop_app, visible_windows)
from portal import ShortcutsPortal

os.environ.update(XDG_SESSION_TYPE="wayland", GDK_BACKEND="x11")
# WebKit asks the portal for interfaces the stand-in does not have (Inhibit, Settings); it
# answers with an error, which dbus-next also logs at length.
logging.disable(logging.ERROR)


def logged(path: Path, text: str) -> bool:
    return path.exists() and text in path.read_text(errors="replace")


async def with_portal(app: str, out: Path, check):
    ctray = str(Path(app).with_name("ctray"))
    home = isolated_home("converge-e2e-wayland-")
    db = home / "data" / APP_ID / "inbox.db"
    log = out / "app-wayland.log"
    portal = await ShortcutsPortal().start()
    desktop = await Desktop.start()
    with open(log, "w") as log_file:
        proc = subprocess.Popen([app, "--pin-popover"], stdout=log_file,
                                stderr=subprocess.STDOUT)
    askers = []

    def ask(title):
        proc = subprocess.Popen([ctray, "ask", title, "--agent", "wayland-check"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        askers.append(proc)
        return proc

    async def waiting(title):
        found = await eventually(lambda: [r for r in pending_in_store(db) if r[1] == title],
                                 timeout=15)
        return found[0][0] if found else None

    try:
        item = await desktop.wait_for_item()
        bound = await portal.wait_bound(timeout=30)
        ids = {s["id"]: s for s in (bound or {}).get("shortcuts", [])}
        check("the app binds its four shortcuts through the portal",
              set(ids) == {"toggle-popover", "approve", "deny", "go-to-terminal"}, bound)
        check("each with what it does, and the settings' keys as preferred triggers",
              ids.get("approve", {}).get("preferred_trigger") == "CTRL+ALT+SHIFT+a"
              and ids.get("toggle-popover", {}).get("preferred_trigger") == "CTRL+ALT+SHIFT+c"
              and "Approve" in ids.get("approve", {}).get("description", "")
              and ids.get("go-to-terminal", {}).get("preferred_trigger")
              == "CTRL+ALT+SHIFT+t", ids)
        path = bound["path"]

        # What Settings shows (SettingsView.test.ts shows it is rendered as it comes).
        said = await eventually(lambda: logged(log, "shortcuts through the desktop's portal: "
                                               "Through your desktop's shortcuts portal"),
                                timeout=10)
        check("the app says the shortcuts come through the desktop's portal, with the "
              "keys the desktop chose", bool(said)
              and logged(log, "approve: CTRL+ALT+SHIFT+a"))

        # A press the portal reports toggles the popover.
        portal.activate(path, "toggle-popover")
        shown = await eventually(visible_windows, timeout=10)
        check("the portal's toggle shortcut opens the popover", bool(shown))
        portal.activate(path, "toggle-popover")
        hidden = await eventually(lambda: visible_windows() == [], timeout=10)
        check("and closes it", bool(hidden))

        # Go to terminal, with no agent heard from yet: it says so.
        before = len(desktop.notifications.shown)
        portal.activate(path, "go-to-terminal")
        told = await eventually(lambda: [n for n in desktop.notifications.shown[before:]
                                         if n["summary"] == "No terminal to go to"], timeout=10)
        check("the portal's go-to-terminal shortcut, with no agent yet, says so",
              bool(told), desktop.notifications.shown[before:])

        # Approve and deny, reported by the portal.
        asker = ask("Deploy through the portal")
        first = await waiting("Deploy through the portal")
        await asyncio.sleep(1.2)  # the approve key's grace period for a new arrival
        portal.activate(path, "approve")
        done = await eventually(lambda: asker.poll() is not None, timeout=15)
        check("the portal's approve shortcut approves the waiting request",
              bool(done) and asker.returncode == 0
              and (resolution_in_audit(db, first) or ())[:2] == ("approved", "shortcut"),
              (asker.returncode, resolution_in_audit(db, first) if first else None))

        # The same signal from another program on the session bus: nothing happens.
        asker = ask("Forged through the bus")
        second = await waiting("Forged through the bus")
        await asyncio.sleep(1.2)
        forger = await portal.forge_activated(path, "approve")
        forger_broadcast = await portal.forge_activated(path, "approve", destination=None)
        await asyncio.sleep(2)
        check("an Activated signal forged by another program decides nothing",
              asker.poll() is None and resolution_in_audit(db, second) is None
              and logged(log, "not sent by the portal that bound it"),
              (forger, forger_broadcast, asker.poll()))
        portal.activate(path, "deny")
        done = await eventually(lambda: asker.poll() is not None, timeout=15)
        check("the portal's deny shortcut denies it",
              bool(done) and asker.returncode == 1
              and (resolution_in_audit(db, second) or ())[:2] == ("denied", "shortcut"),
              (asker.returncode, resolution_in_audit(db, second) if second else None))

        await item.click_menu("Quit Converge Tray")
        closed = await eventually(lambda: portal.sessions[path].get("closed"), timeout=15)
        check("on quit, the portal session ends", bool(closed))
    finally:
        for asker in askers:
            if asker.poll() is None:
                asker.kill()
        stop_app(proc)
        desktop.stop()
        await portal.stop()
        shutil.rmtree(home, ignore_errors=True)


async def without_portal(app: str, out: Path, check, declined: bool):
    home = isolated_home("converge-e2e-wayland-x11-")
    log = out / ("app-wayland-declined.log" if declined else "app-wayland-no-portal.log")
    portal = None
    if declined:
        portal = await ShortcutsPortal().start()
        portal.refuse_binding = True
    desktop = await Desktop.start()
    notes = desktop.notifications
    with open(log, "w") as log_file:
        proc = subprocess.Popen([app], stdout=log_file, stderr=subprocess.STDOUT)
    what = "the person declines the desktop's dialog" if declined else "no portal runs"
    try:
        await desktop.wait_for_item()
        told = await eventually(lambda: [n for n in notes.shown
                                         if n["summary"] == "Global shortcuts are limited"],
                                timeout=20)
        body = told[0]["body"] if told else ""
        reason = "declined" if declined else "no shortcuts portal"
        check(f"when {what}, the app says the shortcuts are limited and why",
              reason in body and "X11 window has focus" in body
              and "tray icon and the popover offer everything" in body, notes.shown)
        # The X11 keys are registered all the same.
        registered = await eventually(lambda: logged(log, "ready"), timeout=20)
        await asyncio.sleep(0.5)
        subprocess.run(["xdotool", "key", "ctrl+alt+shift+c"], check=True)
        shown = await eventually(visible_windows, timeout=10)
        check(f"when {what}, the X11 keys still work where X11 reaches",
              bool(registered) and bool(shown))
    finally:
        stop_app(proc)
        desktop.stop()
        if portal:
            await portal.stop()
        shutil.rmtree(home, ignore_errors=True)


async def main(app: str, out: Path, only) -> int:
    out.mkdir(parents=True, exist_ok=True)
    run = Run()
    cases = Cases(run, only)
    check = cases.check

    async def portal():
        await with_portal(app, out, check)

    async def declined():
        await without_portal(app, out, check, declined=True)

    async def no_portal():
        await without_portal(app, out, check, declined=False)

    cases.add("portal", portal)
    cases.add("declined", declined)
    cases.add("no-portal", no_portal)
    await cases.run_all()
    return run.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))
