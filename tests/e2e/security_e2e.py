"""End to end: what must never decide, and what must never freeze.

A. A notification signal forged by another program on the session bus decides nothing; a
   click on the real notification server's button does, once.
B. Hammering the global approve key while cards come and go never freezes the app.
C. The approve key pressed the moment a card arrives is refused with a notification, not
   lost and not taken as an approval; pressed again a moment later it approves; with nothing
   pending it says so.
E. A high-risk request is never approved by the key; the deny key denies it.
F. The approve key approves only what the person is looking at: the one approval
   notification on screen, or the card selected in the open popover. With several
   notifications on screen, or none, it opens the popover instead of deciding; a request
   whose details its notification cannot show is opened, not approved; every key decision
   names the agent and the request.

The app binary is started directly (no WebDriver), in a desktop with a tray host and the fake
notification server of desktop.py; agents are `ctray` processes, keys come from `xdotool`.
Run by tests/e2e/run.sh inside its own `xvfb-run -a dbus-run-session`.
The parts run as named cases (app, forged-signal, key-at-arrival, high-risk,
key-acts-on-what-is-seen, hammer, still-running, keys-off), each stopping at its first failed
check.
usage: security_e2e.py APP_BINARY OUTPUT_DIR [CASE…]   (ctray is taken from beside the app
binary)
"""
import asyncio
import functools
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from dbus_next import BusType, Message, MessageType
from dbus_next.aio import MessageBus

from desktop import Desktop, isolated_home
from harness import (APP_ID, Cases, Run, api_call, audit_entries, eventually, stop_app,
                     visible_windows)

APPROVE_KEY = "ctrl+alt+shift+a"
NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"


class Scenario:
    def __init__(self, app: str, out: Path, home: Path, desktop: Desktop, run: Cases):
        self.app, self.out, self.home, self.desktop, self.run = app, out, home, desktop, run
        self.ctray = str(Path(app).with_name("ctray"))
        self.socket = home / "run" / "api.sock"
        self.db = home / "data" / APP_ID / "inbox.db"
        self.notes = desktop.notifications
        self.askers = []
        self.resolutions = {}
        # Unique bus names that called Notify: the app's notification connection.
        self.notifiers = set()
        desktop.bus.add_message_handler(self._record_notifier)

    def _record_notifier(self, msg: Message):
        if msg.message_type == MessageType.METHOD_CALL and msg.member == "Notify" and msg.sender:
            self.notifiers.add(msg.sender)
        return None  # not handled here: the NotificationServer answers it

    # --- helpers, all with timeouts, none blocking the event loop (the fake notification
    # server answers the app's Notify calls on it) ---

    async def in_thread(self, fn, *args, **kwargs):
        return await asyncio.get_running_loop().run_in_executor(
            None, functools.partial(fn, *args, **kwargs))

    async def ctray_run(self, *args, timeout=10.0):
        """(exit code, stdout + stderr) of a short ctray command; exit None if it hung."""
        try:
            done = await self.in_thread(subprocess.run, [self.ctray, *args], capture_output=True,
                                        text=True, timeout=timeout, stdin=subprocess.DEVNULL)
            return done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired:
            return None, f"ctray {' '.join(args)} did not answer within {timeout:.0f} s"

    def ask(self, title, agent, timeout):
        proc = subprocess.Popen([self.ctray, "ask", title, "--agent", agent, "--timeout", timeout,
                                 "--json"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        self.askers.append(proc)
        return proc

    async def exited(self, proc, timeout):
        """The exit code once `proc` exits, or None if it is still running after `timeout`."""
        await eventually(lambda: proc.poll() is not None, timeout=timeout, interval=0.05)
        return proc.poll()

    def resolution(self, proc):
        """(outcome, by) that an exited ctray --json printed, or None."""
        if proc not in self.resolutions:
            try:
                out, _ = proc.communicate(timeout=5)
                res = json.loads(out or "null")["resolution"]
                self.resolutions[proc] = (res["outcome"], res["by"])
            except Exception:
                self.resolutions[proc] = None
        return self.resolutions[proc]

    async def pending(self):
        """The pending requests from the local API, or None if the app does not answer."""
        try:
            reply = await asyncio.wait_for(
                self.in_thread(api_call, self.socket, "approvals.pending"), timeout=15)
            return reply.get("result")
        except Exception:
            return None

    async def clear_queue(self, timeout=10.0):
        """Cancels whatever is still pending; True once nothing is."""
        for request in await self.pending() or []:
            try:
                await asyncio.wait_for(self.in_thread(
                    api_call, self.socket, "approval.cancel",
                    {"id": request["id"], "reason": "e2e: clearing the queue"}), timeout=15)
            except Exception:
                pass
        return bool(await eventually(lambda: self._empty(), timeout=timeout, interval=0.1))

    async def _empty(self):
        return await self.pending() == []

    def kill_askers(self):
        for proc in self.askers:
            if proc.poll() is None:
                proc.kill()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
        self.askers.clear()

    def approval_note(self, title):
        return [n for n in self.notes.shown
                if n["summary"].startswith("Approval needed") and title in n["body"]]

    def notes_since(self, index, predicate):
        return [n for n in self.notes.shown[index:] if predicate(n)]

    async def press(self, key=APPROVE_KEY):
        await self.in_thread(subprocess.run, ["xdotool", "key", key], timeout=10,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    # --- A ---

    async def forged_signal(self):
        run = self.run
        title = "Forged?"
        asker = self.ask(title, "forge-test", "2m")
        shown = await eventually(lambda: self.approval_note(title), timeout=30)
        run.check("[A] ctray ask shows an approval notification with Approve and Deny",
                  bool(shown) and {"approve", "deny"} <= set(shown[0]["actions"]),
                  self.notes.shown)
        if not shown:
            return
        nid = shown[0]["id"]
        waiting = await self.pending() or []
        request_id = next((r["id"] for r in waiting if r["title"] == title), None)

        attacker = await MessageBus(bus_type=BusType.SESSION).connect()
        witness = await MessageBus(bus_type=BusType.SESSION).connect()
        seen = []
        try:
            # A bystander that listens for ActionInvoked, to prove the forgery was on the bus.
            witness.add_message_handler(
                lambda m: seen.append(m.body) if m.message_type == MessageType.SIGNAL
                and m.member == "ActionInvoked" and m.sender == attacker.unique_name else None)
            await self._dbus(witness, "AddMatch", "s", [
                f"type='signal',interface='{NOTIFICATIONS}',member='ActionInvoked'"])
            names = (await self._dbus(attacker, "ListNames"))[0]
            ours = {self.desktop.bus.unique_name, attacker.unique_name, witness.unique_name}
            targets = sorted({n for n in names if n.startswith(":")} - ours | self.notifiers)
            ids = sorted({nid, max(nid - 1, 0), nid + 1, *range(1, 11)})
            broadcast = 0
            for forged_id in ids:
                for destination in [None, *targets]:
                    await attacker.send(Message(
                        message_type=MessageType.SIGNAL, destination=destination,
                        path=NOTIFICATIONS_PATH, interface=NOTIFICATIONS,
                        member="ActionInvoked", signature="us", body=[forged_id, "approve"]))
                    broadcast += destination is None
            print(f"[A] forged ActionInvoked(approve) from {attacker.unique_name} for ids {ids},"
                  f" broadcast and to {targets}; the app's notifier: {sorted(self.notifiers)}",
                  flush=True)
            await eventually(lambda: len(seen) >= broadcast, timeout=5)
            run.check("[A] (harness) the forged signal really went out on the session bus",
                      len(seen) >= broadcast and [nid, "approve"] in seen, (broadcast, seen))
            await asyncio.sleep(2.5)  # nothing to poll for: the point is that nothing happens
            still_waiting = asker.poll() is None
            run.check("[A] a forged 'approve' signal from another program on the bus does not "
                      "decide: ctray keeps waiting",
                      still_waiting, f"ctray exited {asker.poll()}: {self.resolution(asker)}"
                      if not still_waiting else "")
            waiting = await self.pending() or []
            run.check("[A] after the forgery the request is still pending in the app",
                      request_id is not None and request_id in [r["id"] for r in waiting],
                      (request_id, waiting))
        finally:
            attacker.disconnect()
            witness.disconnect()

        # Positive control: the real notification server's click does decide.
        self.notes.click(nid, "approve")
        code = await self.exited(asker, timeout=10)
        resolution = self.resolution(asker) if code is not None else None
        run.check("[A] control: a click on the real notification's Approve makes the waiting "
                  "ctray exit 0, approved by the notification",
                  still_waiting and code == 0 and resolution == ("approved", "notification"),
                  "ctray was already decided before the real click" if not still_waiting
                  else (code, resolution))

        # Replay: the same click again changes nothing, and the app still answers.
        before = audit_entries(self.db, request_id) if request_id else None
        self.notes.click(nid, "approve")
        await asyncio.sleep(1.5)  # again nothing to poll for
        after = audit_entries(self.db, request_id) if request_id else None
        resolved = [e for e in after or [] if e[0] == "resolved"]
        code, said = await self.ctray_run("agents", timeout=10)
        run.check("[A] a replayed Approve click on the same notification decides nothing new, "
                  "and the app still answers",
                  before == after and len(resolved) == 1 and await self.pending() == []
                  and code == 0, (before, after, code, said))

    @staticmethod
    async def _dbus(bus, member, signature="", body=()):
        reply = await asyncio.wait_for(bus.call(Message(
            destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
            interface="org.freedesktop.DBus", member=member, signature=signature,
            body=list(body))), timeout=10)
        if reply.message_type == MessageType.ERROR:
            raise RuntimeError(f"{member}: {reply.error_name} {reply.body}")
        return reply.body

    # --- C ---

    async def key_at_arrival(self):
        run = self.run
        title = "Just arrived"
        asker = self.ask(title, "moment", "1m")
        shown = await eventually(lambda: self.approval_note(title), timeout=30, interval=0.02)
        if not shown:
            run.check("[C] ctray ask shows its approval notification", False, self.notes.shown)
            return
        mark = len(self.notes.shown)
        await self.press()
        pressed = time.monotonic()
        refused = await eventually(lambda: self.notes_since(
            mark, lambda n: n["summary"].startswith("Not approved")), timeout=3, interval=0.05)
        run.check("[C] the approve key pressed the moment a card arrives is refused with a "
                  "'Not approved' notification naming the request and saying to press again",
                  bool(refused) and title in refused[0]["body"]
                  and "again" in refused[0]["body"].lower(),
                  refused or [n["summary"] for n in self.notes.shown[mark:]])
        run.check("[C] that first press did not approve: ctray is still waiting",
                  asker.poll() is None, f"ctray exited {asker.poll()}: {self.resolution(asker)}"
                  if asker.poll() is not None else "")

        await asyncio.sleep(max(0.0, 1.5 - (time.monotonic() - pressed)))
        mark = len(self.notes.shown)
        await self.press()
        code = await self.exited(asker, timeout=10)
        resolution = self.resolution(asker) if code is not None else None
        confirmed = await eventually(lambda: self.notes_since(
            mark, lambda n: n["summary"] == "Approved · moment" and title in n["body"]),
            timeout=5)
        run.check("[C] pressed again a moment later, the key approves: ctray exits 0, approved "
                  "by the shortcut, and an 'Approved' notification confirms it",
                  code == 0 and resolution == ("approved", "shortcut") and bool(confirmed),
                  (code, resolution, [n["summary"] for n in self.notes.shown[mark:]]))

        empty = await self.clear_queue()
        await asyncio.sleep(0.5)  # let the app settle on "nothing pending"
        mark = len(self.notes.shown)
        await self.press()
        nothing = await eventually(lambda: self.notes_since(
            mark, lambda n: n["summary"] == "Nothing to approve"), timeout=3, interval=0.05)
        run.check("[C] with nothing pending, the approve key says 'Nothing to approve'",
                  empty and bool(nothing), [n["summary"] for n in self.notes.shown[mark:]])

    # --- F ---

    async def popover_closed(self):
        if visible_windows():
            await self.press("ctrl+alt+shift+c")
        return bool(await eventually(lambda: visible_windows() == [], timeout=10))

    async def key_acts_on_what_is_seen(self):
        run = self.run
        await self.popover_closed()
        oldest, newest = "Run database migration on staging", "Restart nginx"
        migration = self.ask(oldest, "ops-bot", "2m")
        await eventually(lambda: self.approval_note(oldest), timeout=30)
        await asyncio.sleep(0.3)
        nginx = self.ask(newest, "web-bot", "2m")
        shown = await eventually(lambda: self.approval_note(newest), timeout=30)
        await asyncio.sleep(1.5)  # past the first second of both
        mark = len(self.notes.shown)
        await self.press()
        opened = await eventually(visible_windows, timeout=10)
        told = await eventually(lambda: self.notes_since(
            mark, lambda n: n["summary"].startswith("Not approved")), timeout=5)
        run.check("[F] with two approval notifications on screen the approve key approves "
                  "neither: it opens the popover and says why",
                  bool(shown) and bool(opened) and migration.poll() is None
                  and nginx.poll() is None and bool(told)
                  and "2 approval notifications are on screen" in told[0]["body"],
                  (migration.poll(), nginx.poll(), told, bool(opened)))
        run.check("[F] (harness) the popover closes again", await self.popover_closed())

        # The person closes the migration's notification: nginx alone is on screen.
        self.notes.dismiss(self.approval_note(oldest)[0]["id"])
        await asyncio.sleep(0.5)
        mark = len(self.notes.shown)
        await self.press()
        code = await self.exited(nginx, timeout=10)
        confirmed = await eventually(lambda: self.notes_since(
            mark, lambda n: n["summary"] == "Approved · web-bot" and newest in n["body"]),
            timeout=5)
        run.check("[F] with one approval notification on screen the key approves that request, "
                  "not the oldest, and its confirmation names the agent and the request",
                  code == 0 and self.resolution(nginx) == ("approved", "shortcut")
                  and migration.poll() is None and bool(confirmed),
                  (code, self.resolution(nginx) if code is not None else None,
                   migration.poll(), [n["summary"] for n in self.notes.shown[mark:]]))

        # No notification on screen any more: the key shows the request instead.
        mark = len(self.notes.shown)
        await self.press()
        opened = await eventually(visible_windows, timeout=10)
        await asyncio.sleep(1.0)
        run.check("[F] with no approval notification on screen the key opens the popover on the "
                  "waiting request and approves nothing",
                  bool(opened) and migration.poll() is None,
                  (bool(opened), migration.poll()))
        # The popover is open on it, and it is short: the key approves the selected card.
        await self.press()
        code = await self.exited(migration, timeout=10)
        confirmed = await eventually(lambda: self.notes_since(
            mark, lambda n: n["summary"] == "Approved · ops-bot" and oldest in n["body"]),
            timeout=5)
        run.check("[F] in the open popover the key approves the card selected there",
                  code == 0 and self.resolution(migration) == ("approved", "shortcut")
                  and bool(confirmed), (code, [n["summary"] for n in self.notes.shown[mark:]]))
        await self.popover_closed()

        # Details longer than the notification can show: Open and Deny, never Approve.
        title = "Apply the generated migration"
        details = "\n".join(f"ALTER TABLE t{i} ADD COLUMN c{i} int;" for i in range(1500))
        long_one = subprocess.Popen([self.ctray, "ask", title, "--agent", "ops-bot", "--details",
                                     "-", "--timeout", "2m", "--json"], stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        long_one.stdin.write(details)
        long_one.stdin.close()
        long_one.stdin = None  # so that communicate() reads its answer without writing
        self.askers.append(long_one)
        shown = await eventually(lambda: self.approval_note(title), timeout=30)
        actions = shown[0]["actions"] if shown else {}
        run.check("[F] a request whose details its notification cannot show offers Open and "
                  "Deny, not Approve, and says how long it is",
                  set(actions) == {"open", "deny", "default"} and "1,500 lines" in shown[0]["body"],
                  shown[:1])
        await asyncio.sleep(1.5)
        mark = len(self.notes.shown)
        await self.press()
        opened = await eventually(visible_windows, timeout=10)
        told = await eventually(lambda: self.notes_since(
            mark, lambda n: n["summary"].startswith("Not approved")), timeout=5)
        run.check("[F] the approve key does not approve it either: it opens the popover on it",
                  bool(opened) and long_one.poll() is None and bool(told)
                  and "longer than its notification" in told[0]["body"],
                  (bool(opened), long_one.poll(), told))
        if shown:
            self.notes.click(shown[0]["id"], "approve")  # a button the server never offered
        await asyncio.sleep(1.0)
        run.check("[F] an Approve on that notification (never offered) approves nothing",
                  long_one.poll() is None, long_one.poll())
        await self.press("ctrl+alt+shift+d")
        code = await self.exited(long_one, timeout=10)
        run.check("[F] the deny key denies the request the popover shows (ctray exits 1)",
                  code == 1 and self.resolution(long_one) == ("denied", "shortcut"),
                  (code, self.resolution(long_one) if code is not None else None))
        await self.popover_closed()

    # --- E ---

    async def high_risk(self):
        """A high-risk request is never approved by the global approve key, however long it
        has waited; the deny key still denies it."""
        run = self.run
        title = "Clean the web root"
        proc = subprocess.Popen([self.ctray, "ask", title, "--agent", "cleaner", "--details",
                                 "rm -rf /srv/www", "--timeout", "1m", "--json"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        self.askers.append(proc)
        shown = await eventually(lambda: self.approval_note(title), timeout=30)
        pending = await self.pending() or []
        risk = next((r.get("risk") for r in pending if r["title"] == title), None)
        run.check("[E] a request to delete files recursively arrives as high risk, with its rule",
                  bool(shown) and risk == {"level": "high", "rule": "deletes files recursively"},
                  risk)
        await asyncio.sleep(1.5)  # past the first second
        mark = len(self.notes.shown)
        await self.press()
        refused = await eventually(lambda: self.notes_since(
            mark, lambda n: n["summary"] == "Not approved: high risk"), timeout=5)
        run.check("[E] the approve key refuses a high-risk request and says why",
                  bool(refused) and title in refused[0]["body"] and proc.poll() is None,
                  ([n["summary"] for n in self.notes.shown[mark:]], proc.poll()))
        await self.press("ctrl+alt+shift+d")
        code = await self.exited(proc, timeout=10)
        run.check("[E] the deny key still denies it (ctray exits 1, denied by the shortcut)",
                  code == 1 and self.resolution(proc) == ("denied", "shortcut"),
                  (code, self.resolution(proc) if code is not None else None))

    # --- B ---

    async def hammer(self, rounds=20):
        run = self.run
        hammer = Hammer(APPROVE_KEY)
        results = []  # (round, exit code or None, (outcome, by) or None, seconds)
        frozen = None
        hammer.start()
        try:
            timed_out_in_a_row = 0
            for n in range(1, rounds + 1):
                if not await self.clear_queue(timeout=20):
                    frozen = f"before round {n} the queue could not be emptied"
                    break
                started = time.monotonic()
                asker = self.ask(f"Round {n}", "hammer", "30s")
                code = await self.exited(asker, timeout=15)
                took = time.monotonic() - started
                resolution = self.resolution(asker) if code is not None else None
                results.append((n, code, resolution, round(took, 1)))
                if code is not None:
                    timed_out_in_a_row = 0
                    continue
                self.kill_askers()
                timed_out_in_a_row += 1
                answer, said = await self.ctray_run("agents", timeout=5)
                if answer != 0:
                    frozen = f"after round {n} the app's API no longer answers ({said})"
                    break
                if timed_out_in_a_row >= 2:
                    frozen = (f"rounds {n - 1} and {n} were never approved by the hammered key: "
                              "its shortcut handling looks frozen")
                    break
        finally:
            hammer.stop()
        print(f"[B] {hammer.presses} presses of {APPROVE_KEY} ({hammer.failures} failed); "
              f"rounds (n, exit, resolution, s): {results}", flush=True)
        bad = [r for r in results if r[1] != 0 or r[2] != ("approved", "shortcut")]
        run.check(f"[B] with the approve key hammered, each of {rounds} requests is approved by "
                  "it within 15 s (ctray exits 0)",
                  frozen is None and len(results) == rounds and not bad,
                  f"{'THE APP LOOKS FROZEN: ' + frozen + '; ' if frozen else ''}"
                  f"failed rounds: {bad}")

        self.kill_askers()
        code, said = await self.ctray_run("agents", timeout=5)
        run.check("[B] after the hammering the app still answers (ctray agents within 5 s)",
                  code == 0, f"THE APP LOOKS FROZEN: {said}" if code is None else (code, said))
        await self.clear_queue()
        title = "After the hammering"
        asker = self.ask(title, "hammer", "5s")
        shown = await eventually(lambda: self.approval_note(title), timeout=10)
        run.check("[B] after the hammering a new request still shows its notification",
                  bool(shown), "no notification within 10 s: THE APP LOOKS FROZEN")
        if shown:
            await asyncio.sleep(max(0.0, 1.5 - (time.monotonic() - shown[0]["at"])))
            await self.press()
            code = await self.exited(asker, timeout=10)
            resolution = self.resolution(asker) if code is not None else None
            run.check("[B] after the hammering one press of the approve key still approves",
                      code == 0 and resolution == ("approved", "shortcut"), (code, resolution))


class Hammer(threading.Thread):
    """Presses `key` every ~40 ms until stopped."""

    def __init__(self, key):
        super().__init__(daemon=True)
        self.key, self.presses, self.failures = key, 0, 0
        self._stop_event = threading.Event()

    def run(self):
        while not self._stop_event.is_set():
            try:
                subprocess.run(["xdotool", "key", self.key], timeout=5,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
                self.presses += 1
            except (subprocess.SubprocessError, OSError):
                self.failures += 1
            self._stop_event.wait(0.04)

    def stop(self):
        self._stop_event.set()
        self.join(timeout=10)


async def main(app: str, out: Path, only) -> int:
    out.mkdir(parents=True, exist_ok=True)
    home = isolated_home("converge-e2e-security-")
    run = Run()
    cases = Cases(run, only)
    check = cases.check
    desktop = await Desktop.start()
    # Each part's checks stop that part at the first that fails.
    scenario = Scenario(app, out, home, desktop, cases)
    log = open(out / "app-security.log", "w")
    app_process = {"proc": subprocess.Popen([app], stdout=log, stderr=subprocess.STDOUT)}

    async def answering():
        answer = await scenario.ctray_run("agents", timeout=5)
        return answer if answer[0] == 0 else None

    async def app_up():
        proc = app_process["proc"]
        try:
            item = await asyncio.wait_for(desktop.wait_for_item(timeout=60), timeout=70)
        except (TimeoutError, asyncio.TimeoutError):
            item = None
        answers = await eventually(answering, timeout=60, interval=0.5)
        up = item is not None and answers is not None
        check("the app is up: tray item registered, local API answering", up,
              (item, answers, proc.poll()))

    def part(body):
        async def with_a_clean_queue():
            try:
                await body()
            finally:
                scenario.kill_askers()
                await scenario.clear_queue()
        return with_a_clean_queue

    async def still_running():
        proc = app_process["proc"]
        check("the app is still running at the end", proc.poll() is None, proc.poll())

    async def keys_off():
        """D. The person turned the global approve/deny keys off: restarted with that
        setting, the approve key decides nothing and answers nothing (it is not the app's
        any more); the toggle key still is."""
        stop_app(app_process["proc"])
        settings = home / "config" / APP_ID / "settings.json"
        saved = json.loads(settings.read_text()) if settings.exists() else {}
        saved.setdefault("shortcuts", {})["decision_keys"] = False
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps(saved))
        app_process["proc"] = subprocess.Popen([app], stdout=log, stderr=subprocess.STDOUT)
        answers = await eventually(answering, timeout=60, interval=0.5)
        check("[D] the app restarts with the approve/deny keys turned off", answers is not None)
        title = "Keys are off"
        asker = scenario.ask(title, "keys-off", "1m")
        await eventually(lambda: scenario.approval_note(title), timeout=15)
        await asyncio.sleep(1.5)  # past the first-second refusal
        seen = len(scenario.notes.shown)
        for _ in range(3):
            await scenario.press()
            await asyncio.sleep(0.3)
        await asyncio.sleep(1.5)
        answered = scenario.notes_since(seen, lambda n: not n["summary"].startswith("Approval"))
        check("[D] with the keys off, the approve key approves nothing and says nothing",
              asker.poll() is None and answered == [],
              (asker.poll(), [n["summary"] for n in answered]))
        await scenario.press("ctrl+alt+shift+c")
        shown = await eventually(visible_windows, timeout=15)
        check("[D] the toggle key still opens the popover", bool(shown))

    try:
        cases.add("app", app_up)
        cases.add("forged-signal", part(scenario.forged_signal), needs=["app"])
        cases.add("key-at-arrival", part(scenario.key_at_arrival), needs=["app"])
        cases.add("high-risk", part(scenario.high_risk), needs=["app"])
        cases.add("key-acts-on-what-is-seen", part(scenario.key_acts_on_what_is_seen),
                  needs=["app"])
        cases.add("hammer", part(scenario.hammer), needs=["app"])
        cases.add("still-running", still_running, needs=["app"])
        # Last: it restarts the app with its keys off.
        cases.add("keys-off", part(keys_off), needs=["app"])
        await cases.run_all()
    finally:
        scenario.kill_askers()
        stop_app(app_process["proc"])
        log.close()
        desktop.stop()
        shutil.rmtree(home, ignore_errors=True)
    return run.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))
