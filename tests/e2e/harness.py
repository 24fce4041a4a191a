"""The e2e scenarios' shared harness: the app's id and tauri-driver's address, the
PASS/FAIL tally (Run), a scenario's named cases (Cases), polling (eventually), starting and stopping a WebDriver-driven app,
looking at the desktop (visible windows, WebKit processes), a JSON-RPC call on the app's
local API socket, and read-only queries of the app's SQLite store (audit log, pending
requests). The headless desktop itself is in desktop.py, the WebDriver client in
webdriver.py; each *_e2e.py file is one scenario and imports from these, never from
another scenario.
"""
import asyncio
import shutil
import sqlite3
import subprocess
import time
import traceback
from pathlib import Path

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

    def finish(self) -> int:
        """Prints the tally; returns the scenario's exit status."""
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 0 if self.failed == 0 else 1


class CaseFailed(Exception):
    pass


class Cases:
    """A scenario's named cases, run in the order they were added. A case stops at its first
    failed check (`check`); a case whose needs failed is skipped and counts as failed. Given
    case names (from the command line: `run.sh grants:revoke`), only those run, with the
    cases they need."""

    def __init__(self, run: Run, only=()):
        self.run, self.only, self.failed, self.planned = run, list(only), set(), []

    def check(self, name, ok, detail=""):
        self.run.check(name, ok, detail)
        if not ok:
            raise CaseFailed(name)

    def add(self, name, body, needs=()):
        self.planned.append((name, body, tuple(needs)))

    def wanted(self):
        names = [name for name, _, _ in self.planned]
        for name in self.only:
            if name not in names:
                self.run.check(f"a case named {name}", False,
                               f"(this scenario's cases: {', '.join(names)})")
        wanted = set(self.only) & set(names) if self.only else set(names)
        needs = {name: needs for name, _, needs in self.planned}
        more = list(wanted)
        while more:
            for need in needs.get(more.pop(), ()):
                if need not in wanted:
                    wanted.add(need)
                    more.append(need)
        return wanted

    async def run_all(self):
        wanted = self.wanted()
        for name, body, needs in self.planned:
            if name not in wanted:
                continue
            missing = [need for need in needs if need in self.failed]
            if missing:
                self.run.check(f"{name}: skipped, it needs {', '.join(missing)}", False)
                self.failed.add(name)
                continue
            print(f"CASE {name}", flush=True)
            try:
                await body()
            except CaseFailed:
                self.failed.add(name)
            except Exception:
                traceback.print_exc()
                self.run.check(f"{name} ran to its end", False)
                self.failed.add(name)


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


async def stop_driven_app(loop, pool, session, driver, desktop, home: Path):
    """Ends a WebDriver scenario: the session (and with it the app), the drivers, the
    desktop, the worker threads and the isolated home."""
    if session is not None:
        await loop.run_in_executor(pool, session.close)
    driver.terminate()
    desktop.stop()
    pool.shutdown(wait=False, cancel_futures=True)
    shutil.rmtree(home, ignore_errors=True)


def start_driver(home: Path, out: Path, app: str, log_name: str):
    """tauri-driver on port 4444, and a wrapper for the app that keeps its log in `out`
    (WebKitWebDriver starts the app when the session is created)."""
    native = home / "WebKitWebDriver"
    native.write_text('#!/bin/sh\nexec /usr/bin/WebKitWebDriver "$@" '
                      f'>>"{out / "webkitwebdriver.log"}" 2>&1\n')
    native.chmod(0o755)
    driver = subprocess.Popen(["tauri-driver", "--port", "4444",
                               "--native-driver", str(native)],
                              stdout=open(out / "tauri-driver.log", "a"), stderr=subprocess.STDOUT)
    wrapper = home / "converge-tray"
    wrapper.write_text(f'#!/bin/sh\nexec "{app}" "$@" >>"{out / log_name}" 2>&1\n')
    wrapper.chmod(0o755)
    (out / log_name).unlink(missing_ok=True)
    return driver, wrapper


def visible_windows(title="Converge Tray"):
    out = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", title],
                         capture_output=True, text=True)
    return out.stdout.split()


async def show_popover(item, timeout=5.0):
    """Opens the popover from the tray as a person does: a click on the item, and another if
    that one hid it (a WebDriver session may have put it on screen first)."""
    for _ in range(2):
        await item.activate()
        if await eventually(lambda: visible_windows(), timeout=timeout):
            return True
    return False


def api_call(socket_path: Path, method: str, params=None):
    """One JSON-RPC call on the app's Unix socket, as an agent would make it."""
    import json
    import socket
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(str(socket_path))
        request = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params or {}}
        s.sendall(json.dumps(request).encode() + b"\n")
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            reply += chunk
    return json.loads(reply)


# The copy of the app that makes its popover's processes (src-tauri/src/popover/zygote.rs),
# by its name in /proc/PID/comm.
ZYGOTE = "converge-zygote"


def comm(pid: int) -> str:
    """A process's name ("" once it is gone)."""
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def parent_of(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("PPid:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def webkit_processes():
    out = subprocess.run(["pgrep", "-f", "WebKitWebProcess"], capture_output=True, text=True)
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

def audit_entries(db: Path, request_id: str):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT event, outcome, decided_by FROM audit WHERE request_id = ? "
                            "ORDER BY seq", (request_id,)).fetchall()
    finally:
        conn.close()


def pending_in_store(db: Path):
    """(id, title) of the pending requests, oldest first."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT id, title FROM requests WHERE outcome IS NULL "
                            "ORDER BY created_at, rowid").fetchall()
    finally:
        conn.close()


def find_card(session, title):
    """The popover's card whose title is `title`, or None."""
    for card in session.find_all("li.card[data-request-id]"):
        try:
            if card.find("h3.title").text() == title:
                return card
        except Exception:  # a card removed while we looked at it
            continue
    return None


def card_for(session, title, timeout=15.0):
    """The card titled `title`, once it is there (None if it never comes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        card = find_card(session, title)
        if card is not None:
            return card
        time.sleep(0.1)
    return None


def click_when_shown(element, timeout=5.0):
    """Clicks `element` once it can be clicked: a popover prepared hidden shows its cards in
    the DOM a moment before its window is on screen."""
    from webdriver import WebDriverError
    deadline = time.monotonic() + timeout
    while True:
        try:
            element.click()
            return
        except WebDriverError as error:
            if "not interactable" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def approve_on_card(card, timeout=5.0):
    """Approves a card the way a person must: its details opened first where they do not
    fit the card, then Approve, then "Yes, approve" where it asks (high risk)."""
    opener = card.find_all("button.open-all")
    if opener and opener[0].text().startswith("Open"):
        opener[0].click()
    high_risk = card.attribute("data-risk") == "high"
    card.find("button.approve").click()
    if not high_risk:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        confirm = card.find_all("button.confirm-approve")
        if confirm:
            confirm[0].click()
            return
        time.sleep(0.1)
    raise RuntimeError("a high-risk card's Approve did not ask for a confirmation")


def stop_app(proc):
    """Ends the app if it still runs: SIGTERM, then SIGKILL if it has not stopped in 10 s
    (said, since an app that ignores SIGTERM is worth knowing about)."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        print("the app did not stop on SIGTERM within 10 s; killing it", flush=True)
        proc.kill()
        proc.wait(timeout=10)


def window_manager_ready():
    """openbox sets _NET_SUPPORTING_WM_CHECK on the root window once it manages the screen."""
    out = subprocess.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"],
                         capture_output=True, text=True)
    return "window id" in out.stdout


async def start_window_manager(run):
    """openbox, which Xvfb alone does not have, once it manages the screen; None (and a
    failed check) if it does not come up."""
    wm = subprocess.Popen(["openbox", "--sm-disable"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    if await eventually(window_manager_ready, timeout=20):
        return wm
    run.check("openbox manages the screen", False)
    wm.terminate()
    return None
