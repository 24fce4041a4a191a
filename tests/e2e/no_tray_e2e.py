"""End to end on a desktop without a tray: the app must keep running, say so in a
notification that names the shortcut, and open the popover from that shortcut.

Run by tests/e2e/run.sh inside its own `xvfb-run -a dbus-run-session`.
usage: no_tray_e2e.py APP_BINARY OUTPUT_DIR [CASE…]   (cases: app, idle, shortcut-opens,
dropped, approval-prepares; each stops at its first failed check)
"""
import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

from dbus_next import BusType
from dbus_next.aio import MessageBus

from desktop import NotificationServer, isolated_home
from harness import Cases, Run, api_call, eventually, stop_app, visible_windows, webkit_processes


async def main(app: str, out: Path, only) -> int:
    home = isolated_home("converge-e2e-notray-")
    os.environ["CONVERGE_TRAY_DROP_POPOVER_AFTER_MS"] = "1500"
    run = Run()
    cases = Cases(run, only)
    check = cases.check
    bus = await MessageBus(bus_type=BusType.SESSION).connect()
    notes = NotificationServer()
    bus.export("/org/freedesktop/Notifications", notes)
    await bus.request_name("org.freedesktop.Notifications")
    # No status-notifier-watcher, no tray host: the tray cannot be built.
    with open(out / "app-no-tray.log", "w") as log:
        proc = subprocess.Popen([app, "--pin-popover"], stdout=log, stderr=subprocess.STDOUT)

    async def app_up():
        told = await eventually(lambda: [n for n in notes.shown
                                         if n["summary"] == "Converge Tray is running"])
        check("without a tray the app says so in a notification naming the shortcut",
              bool(told) and "Ctrl+Alt+Shift+C" in told[0]["body"], notes.shown)
        check("the app keeps running without a tray", proc.poll() is None)

    async def idle():
        check("with nothing waiting, the idle app runs no WebView process",
              webkit_processes() == [], webkit_processes())

    async def shortcut_opens():
        subprocess.run(["xdotool", "key", "ctrl+alt+shift+c"], check=True)
        shown = await eventually(visible_windows, timeout=15)
        check("the toggle shortcut opens the popover", bool(shown))
        check("the open popover has its WebView process", bool(webkit_processes()))

    async def dropped():
        # Hidden for a while (shortened here to 1.5 s), the popover is dropped with its
        # WebView, and the next open builds it again.
        subprocess.run(["xdotool", "key", "ctrl+alt+shift+c"], check=True)
        await eventually(lambda: not visible_windows(), timeout=10)
        gone = await eventually(lambda: not webkit_processes(), timeout=15)
        check("a popover hidden for a while is dropped with its WebView process",
              bool(gone), webkit_processes())
        subprocess.run(["xdotool", "key", "ctrl+alt+shift+c"], check=True)
        shown = await eventually(visible_windows, timeout=15)
        check("after the drop the shortcut opens a new popover", bool(shown))

    async def approval_prepares():
        # An approval arriving has the popover built hidden, kept while it waits, and
        # dropped once nothing waits.
        subprocess.run(["xdotool", "key", "ctrl+alt+shift+c"], check=True)
        await eventually(lambda: not visible_windows(), timeout=10)
        await eventually(lambda: not webkit_processes(), timeout=15)
        socket_path = home / "run" / "api.sock"
        asked = api_call(socket_path, "approval.ask",
                         {"agent_id": "e2e", "title": "Prepare the popover?",
                          "timeout_ms": 120000, "wait": False})
        prepared = await eventually(webkit_processes, timeout=15)
        check("an approval arriving has the popover prepared hidden",
              "result" in asked and bool(prepared) and visible_windows() == [],
              (asked, prepared, visible_windows()))
        await asyncio.sleep(3)  # twice the drop delay
        check("while the approval waits the hidden popover is kept",
              bool(webkit_processes()))
        api_call(socket_path, "approval.cancel",
                 {"id": asked.get("result", {}).get("id"), "reason": "e2e: done"})
        gone = await eventually(lambda: not webkit_processes(), timeout=15)
        check("once nothing waits (the agent cancelled) the hidden popover is dropped",
              bool(gone), webkit_processes())

    try:
        cases.add("app", app_up)
        cases.add("idle", idle, needs=["app"])
        cases.add("shortcut-opens", shortcut_opens, needs=["app"])
        # Each first presses the toggle key to hide the popover the case before left open.
        cases.add("dropped", dropped, needs=["shortcut-opens"])
        cases.add("approval-prepares", approval_prepares, needs=["dropped"])
        await cases.run_all()
    finally:
        stop_app(proc)
        bus.disconnect()
        shutil.rmtree(home, ignore_errors=True)
    return run.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))
