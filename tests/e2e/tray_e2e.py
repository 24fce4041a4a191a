"""End to end: the real app binary in a headless desktop (Xvfb, a D-Bus session, a
StatusNotifier tray host), its popover WebView driven through tauri-driver and
WebKitWebDriver, outcomes read back from the app's own SQLite audit log.

Run by tests/e2e/run.sh inside `xvfb-run -a dbus-run-session`.
usage: tray_e2e.py APP_BINARY OUTPUT_DIR
"""
import asyncio
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from desktop import Desktop
from webdriver import Session

DRIVER = "http://127.0.0.1:4444"
APP_ID = "dev.converge.tray"


class Run:
    def __init__(self):
        self.passed, self.failed = 0, 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"PASS {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name} {detail}", flush=True)


async def eventually(probe, timeout=20.0, interval=0.1):
    """Polls `probe` (sync or async) until it returns something truthy; returns the last value."""
    deadline = time.monotonic() + timeout
    value = None
    while time.monotonic() < deadline:
        value = probe()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        await asyncio.sleep(interval)
    return value


def visible_windows(title="Converge Tray"):
    out = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title],
                         capture_output=True, text=True)
    return out.stdout.split()


def resolution_in_audit(db: Path, request_id: str):
    """(outcome, decided_by, reason) of the request's `resolved` audit entry, if any."""
    if not db.exists():
        return None
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute(
            "SELECT outcome, decided_by, reason FROM audit WHERE request_id = ? AND event = 'resolved'",
            (request_id,)).fetchone()
    finally:
        conn.close()


async def main(app: str, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="converge-e2e-"))
    os.environ.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"),
                      XDG_CONFIG_HOME=str(home / "config"), RUST_LOG="info")
    db = home / "data" / APP_ID / "inbox.db"
    run = Run()
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=2)

    desktop = await Desktop.start()
    driver = subprocess.Popen(["tauri-driver", "--port", "4444",
                               "--native-driver", "/usr/bin/WebKitWebDriver"],
                              stdout=open(out / "tauri-driver.log", "w"), stderr=subprocess.STDOUT)
    session = None
    try:
        await loop.run_in_executor(pool, Session.wait_for_server, DRIVER)
        # The session request returns only once a WebView exists, and the app creates its
        # popover only when asked: ask for the session now, open the popover below.
        # --pin-popover: Xvfb has no window manager to give focus, so no hide-on-blur here.
        session_future = loop.run_in_executor(
            pool, Session.create, DRIVER, app, ["--demo", "--pin-popover"])

        item = await desktop.wait_for_item()
        run.check("the app registers a tray item", item is not None)
        run.check("no window is visible at start", visible_windows() == [], visible_windows())
        tooltip = await eventually(
            lambda: _tooltip_if(item, "3 approvals waiting"), timeout=20)
        run.check("the tooltip counts agents and approvals",
                  tooltip == "Converge — 3 agents working, 3 approvals waiting", repr(tooltip))
        run.check("the tray shows the pending count as its title", await item.prop("Title") == "3")
        labels = await item.menu_labels()
        run.check("the tray menu has Open and Quit",
                  {"Open", "Quit Converge Tray"} <= set(labels), labels)

        await item.activate()
        session = await asyncio.wait_for(session_future, timeout=120)
        run.check("a left click on the tray shows the popover",
                  bool(await eventually(visible_windows, timeout=10)))
        cards = await loop.run_in_executor(
            pool, lambda: session.wait_for("li.card[data-request-id]", count=3))
        run.check("the popover lists the three pending approvals", len(cards) == 3)
        await loop.run_in_executor(pool, session.screenshot, str(out / "popover.png"))

        # Approve the first (most urgent) card with the mouse.
        first = cards[0]
        first_id = first.attribute("data-request-id")
        first.find("button.approve").click()
        outcome = await eventually(lambda: resolution_in_audit(db, first_id))
        run.check("a click on Approve is recorded in the audit log as approved by the popover",
                  outcome is not None and outcome[:2] == ("approved", "popover"), outcome)
        await loop.run_in_executor(
            pool, lambda: session.wait_for("li.card[data-request-id]", count=2))
        run.check("the approved card leaves the popover", True)

        # Deny the next one from the keyboard, with a reason.
        second_id = session.find_all("li.card[data-request-id]")[0].attribute("data-request-id")
        session.keys("d")
        await loop.run_in_executor(pool, lambda: session.wait_for("input"))
        session.keys("not on a Friday\ue007")  # \ue007 is WebDriver's Enter
        outcome = await eventually(lambda: resolution_in_audit(db, second_id))
        run.check("d, a reason and Enter deny the selected request with that reason",
                  outcome == ("denied", "popover", "not on a Friday"), outcome)
        tooltip = await eventually(lambda: _tooltip_if(item, "1 approval waiting"), timeout=10)
        run.check("the tooltip follows the decisions", tooltip is not None and
                  tooltip.endswith("1 approval waiting"), repr(tooltip))

        session.keys("\ue00c")  # Escape
        hidden = await eventually(lambda: visible_windows() == [], timeout=10)
        run.check("Escape hides the popover", bool(hidden))
        await item.click_menu("Open")
        shown = await eventually(visible_windows, timeout=10)
        run.check("the tray menu's Open shows it again", bool(shown))
        await loop.run_in_executor(pool, session.screenshot, str(out / "popover-after.png"))
    except Exception:
        traceback.print_exc()
        run.check("the end-to-end run completed", False)
    finally:
        if session is not None:
            await loop.run_in_executor(pool, session.close)
        driver.terminate()
        desktop.stop()
        pool.shutdown(wait=False, cancel_futures=True)
    print(f"{run.passed} passed, {run.failed} failed", flush=True)
    return 0 if run.failed == 0 else 1


async def _tooltip_if(item, suffix):
    tooltip = await item.tooltip()
    return tooltip if tooltip.endswith(suffix) else None


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]))))
