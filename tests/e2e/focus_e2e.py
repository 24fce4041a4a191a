"""End to end with a window manager (openbox), which Xvfb alone does not have: the popover
hides when it loses focus, and a tray click right after that blur-hide (the click that
caused it) does not open it again.

Known limit, found here: openbox does not give the popover the focus on show (focus-stealing
prevention: the trigger is a D-Bus call, not an input event of ours), so the test focuses
it as a click into it would, before taking the focus away.

Run by tests/e2e/run.sh inside its own `xvfb-run -a dbus-run-session`.
usage: focus_e2e.py APP_BINARY OUTPUT_DIR
"""
import asyncio
import shutil
import subprocess
import sys
import time
from pathlib import Path

from desktop import Desktop, isolated_home
from tray_e2e import Run, eventually, visible_windows


def focus(window_id):
    subprocess.run(["xdotool", "windowactivate", "--sync", window_id], check=True,
                   timeout=10)


def window_ids(name):
    out = subprocess.run(["xdotool", "search", "--onlyvisible", "--class", name],
                         capture_output=True, text=True)
    return out.stdout.split()


async def main(app: str, out: Path) -> int:
    home = isolated_home("converge-e2e-focus-")
    run = Run()
    wm = subprocess.Popen(["openbox", "--sm-disable"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    # A window that accepts the focus (xclock does not).
    other = subprocess.Popen(["xedit"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    desktop = await Desktop.start()
    with open(out / "app-focus.log", "w") as log:
        proc = subprocess.Popen([app, "--demo"], stdout=log, stderr=subprocess.STDOUT)
    try:
        editor = await eventually(lambda: window_ids("xedit"))
        item = await desktop.wait_for_item()
        await item.activate()
        shown = await eventually(visible_windows, timeout=15)
        run.check("a tray click shows the popover", bool(shown))

        focus(shown[0])
        subprocess.run(["xdotool", "windowactivate", editor[0]], check=True)
        hidden = await eventually(lambda: visible_windows() == [], timeout=10)
        run.check("the popover hides when another window takes the focus", bool(hidden))

        await asyncio.sleep(1)
        await item.activate()
        shown = await eventually(visible_windows, timeout=10)
        run.check("a later tray click shows it again", bool(shown))

        # The click on the tray is what takes the focus away: the blur-hide comes first and
        # the click right after it must not re-open the popover.
        focus(shown[0])
        subprocess.run(["xdotool", "windowactivate", editor[0]], check=True)
        await eventually(lambda: visible_windows() == [], timeout=10, interval=0.01)
        hidden_at = time.monotonic()
        await item.activate()
        gap = time.monotonic() - hidden_at
        await asyncio.sleep(0.5)
        if gap < 0.3:
            run.check("a tray click right after the blur-hide does not re-open it",
                      visible_windows() == [], visible_windows())
        else:
            print(f"SKIP tray-click race: the click came {gap:.2f}s after the hide", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        desktop.stop()
        other.terminate()
        wm.terminate()
        shutil.rmtree(home, ignore_errors=True)
    print(f"{run.passed} passed, {run.failed} failed", flush=True)
    return 0 if run.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]))))
