"""End to end with a window manager (openbox), which Xvfb alone does not have: the popover
hides when it loses focus, and a tray click right after that blur-hide (the click that
caused it) does not open it again.

Known limit, found here: openbox does not give the popover the focus on show (focus-stealing
prevention: the trigger is a D-Bus call, not an input event of ours), so the test focuses
it as a click into it would, before taking the focus away.

Run by tests/e2e/run.sh inside its own `xvfb-run -a dbus-run-session`.
usage: focus_e2e.py APP_BINARY OUTPUT_DIR [CASE…]   (cases: app, open, blur-hides, reopen,
click-after-blur; each stops at its first failed check)
"""
import asyncio
import shutil
import subprocess
import sys
import time
from pathlib import Path

from desktop import Desktop, isolated_home
from harness import Cases, Run, eventually, start_window_manager, stop_app, visible_windows


def focus(window_id):
    """Gives `window_id` the focus as a click into it would; True once the window manager
    reports it active."""
    done = subprocess.run(["xdotool", "windowactivate", "--sync", window_id],
                          capture_output=True, timeout=10)
    return done.returncode == 0 and active_window() == window_id


def active_window():
    out = subprocess.run(["xdotool", "getactivewindow"], capture_output=True, text=True)
    return out.stdout.strip()


def logged(path: Path, text: str) -> bool:
    return path.exists() and text in path.read_text(errors="replace")


def check_showing(check, log: Path, name: str, ok, detail=""):
    """The case's `check`, and on a failure what the desktop looked like: the focus and the
    app's last words (then the failure stops the case)."""
    try:
        check(name, ok, detail)
    finally:
        if not ok:
            print(f"  active window: {active_window() or 'none'}", flush=True)
            for line in log.read_text(errors="replace").splitlines()[-12:]:
                print(f"  app: {line}", flush=True)


def window_ids(name):
    out = subprocess.run(["xdotool", "search", "--onlyvisible", "--class", name],
                         capture_output=True, text=True)
    return out.stdout.split()


async def main(app: str, out: Path, only) -> int:
    home = isolated_home("converge-e2e-focus-")
    run = Run()
    cases = Cases(run, only)
    check = cases.check
    wm = await start_window_manager(run)
    if wm is None:
        return run.finish()
    # A window that accepts the focus (xclock does not).
    other = subprocess.Popen(["xedit"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    desktop = await Desktop.start()
    log = out / "app-focus.log"
    with open(log, "w") as log_file:
        proc = subprocess.Popen([app, "--demo"], stdout=log_file, stderr=subprocess.STDOUT)
    item = None
    # What one case leaves for the next: the editor's window, the popover's on screen.
    state = {}

    async def app_up():
        nonlocal item
        state["editor"] = await eventually(lambda: window_ids("xedit"))
        item = await desktop.wait_for_item()

    async def popover_open():
        await item.activate()
        shown = await eventually(visible_windows, timeout=15)
        state["shown"] = shown
        check_showing(check, log, "a tray click shows the popover", bool(shown))

    async def blur_hides():
        # The person reads the popover before clicking elsewhere: wait for its first paint,
        # then focus it and hand the focus to the editor, each confirmed by openbox.
        shown, editor = state["shown"], state["editor"]
        await eventually(lambda: logged(log, "popover painted"), timeout=20)
        popover_focused = await eventually(lambda: focus(shown[0]), timeout=10, interval=0.5)
        editor_focused = await eventually(lambda: focus(editor[0]), timeout=10, interval=0.5)
        hidden = await eventually(lambda: visible_windows() == [], timeout=10)
        check_showing(check, log, "the popover hides when another window takes the focus",
                      bool(hidden),
                      f"(popover got the focus: {bool(popover_focused)}, "
                      f"the editor got it: {bool(editor_focused)})")

    async def reopen():
        await asyncio.sleep(1)
        await item.activate()
        shown = await eventually(visible_windows, timeout=10)
        state["shown"] = shown
        check_showing(check, log, "a later tray click shows it again", bool(shown))

    async def click_after_blur():
        # The click on the tray is what takes the focus away: the blur-hide comes first and
        # the click right after it must not re-open the popover.
        shown, editor = state["shown"], state["editor"]
        await eventually(lambda: focus(shown[0]), timeout=10, interval=0.5)
        subprocess.run(["xdotool", "windowactivate", editor[0]], check=True)
        await eventually(lambda: visible_windows() == [], timeout=10, interval=0.01)
        hidden_at = time.monotonic()
        await item.activate()
        gap = time.monotonic() - hidden_at
        await asyncio.sleep(0.5)
        if gap < 0.3:
            check("a tray click right after the blur-hide does not re-open it",
                  visible_windows() == [], visible_windows())
        else:
            print(f"SKIP tray-click race: the click came {gap:.2f}s after the hide", flush=True)

    try:
        cases.add("app", app_up)
        cases.add("open", popover_open, needs=["app"])
        cases.add("blur-hides", blur_hides, needs=["open"])
        # A tray click shows a hidden popover: the one the blur hid.
        cases.add("reopen", reopen, needs=["blur-hides"])
        cases.add("click-after-blur", click_after_blur, needs=["reopen"])
        await cases.run_all()
    finally:
        stop_app(proc)
        desktop.stop()
        other.terminate()
        wm.terminate()
        shutil.rmtree(home, ignore_errors=True)
    return run.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))
