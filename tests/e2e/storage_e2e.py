"""End to end: when its storage fails, the app says so, in the app and not only in a log,
and loses nothing it can keep.

1. A directory where the database should be, and a data directory that cannot be created:
   the app ends with exit code 1, a clear message on stderr and a notification; no panic.
2. A database file full of junk: the app starts afresh, keeps the old file byte for byte
   and names it in a notification.
3. Junk written over the write-ahead log after a crash (kill -9 with a request pending):
   the log is kept aside and the person is told the last changes could not be read.
4. A decision written into the requests table by hand: an agent re-attaching gets an error,
   never "approved", and the person is notified.

Run by tests/e2e/run.sh inside its own `xvfb-run -a dbus-run-session`.
usage: storage_e2e.py APP_BINARY OUTPUT_DIR [CASE…]   (cases: db-directory, data-dir, junk-db,
junk-wal, hand-edit, risk-rules; each stops at its first failed check)
"""
import asyncio
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from dbus_next import BusType
from dbus_next.aio import MessageBus

from desktop import NotificationServer, isolated_home
from harness import APP_ID, Cases, Run, api_call, eventually, stop_app


def summaries(notes):
    return [n["summary"] for n in notes.shown]


def note(notes, summary):
    return next((n for n in notes.shown if n["summary"] == summary), None)


async def run_to_exit(app, log_path, timeout=20):
    """Starts the app and waits for it to end; returns (exit code, its output)."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen([app], stdout=log, stderr=subprocess.STDOUT)
    ended = await eventually(lambda: proc.poll() is not None, timeout=timeout)
    if not ended:
        proc.kill()
        proc.wait()
    return proc.returncode, Path(log_path).read_text(errors="replace")


def start(app, log_path):
    log = open(log_path, "w")
    return subprocess.Popen([app], stdout=log, stderr=subprocess.STDOUT)


async def main(app: str, out: Path, only) -> int:
    out.mkdir(parents=True, exist_ok=True)
    ctray = str(Path(app).with_name("ctray"))
    run = Run()
    cases = Cases(run, only)
    check = cases.check
    bus = await MessageBus(bus_type=BusType.SESSION).connect()
    notes = NotificationServer()
    bus.export("/org/freedesktop/Notifications", notes)
    await bus.request_name("org.freedesktop.Notifications")
    homes = []
    async def db_directory():
        # 1a. A directory in the database's place.
        home = isolated_home("converge-e2e-storage-dir-")
        homes.append(home)
        data = home / "data" / APP_ID
        (data / "inbox.db").mkdir(parents=True)
        code, output = await run_to_exit(app, out / "app-storage-dir.log")
        told = await eventually(lambda: note(notes, "Converge Tray cannot start"), timeout=5)
        check("a directory where the database should be ends the app with exit code 1",
              code == 1, (code, output[-2000:]))
        check("... with a clear message, not a panic",
              "is a directory, not a database file" in output and "panicked" not in output,
              output[-2000:])
        check("... and tells the person in a notification",
              told is not None and "is a directory" in told["body"], summaries(notes))

    async def data_dir():
        # 1b. A data directory that cannot be made (a file is in its way).
        home = isolated_home("converge-e2e-storage-file-")
        homes.append(home)
        (home / "data").mkdir(parents=True, exist_ok=True)
        (home / "data" / APP_ID).write_text("not a directory\n")
        notes.shown.clear()
        code, output = await run_to_exit(app, out / "app-storage-file.log")
        told = await eventually(lambda: note(notes, "Converge Tray cannot start"), timeout=5)
        check("a data directory that cannot be created ends the app with exit code 1, "
              "a clear message and a notification",
              code == 1 and "cannot create the data directory" in output
              and "panicked" not in output and told is not None,
              (code, output[-2000:], summaries(notes)))

    async def junk_db():
        # 2. A database full of junk: started afresh, the old file kept and named.
        home = isolated_home("converge-e2e-storage-junk-")
        homes.append(home)
        data = home / "data" / APP_ID
        data.mkdir(parents=True)
        junk = bytes((i * 13) % 256 for i in range(64 * 1024))
        (data / "inbox.db").write_bytes(junk)
        notes.shown.clear()
        proc = start(app, out / "app-storage-junk.log")
        try:
            told = await eventually(lambda: note(notes, "The inbox was started afresh"))
            kept = sorted(data.glob("inbox.db.unreadable-*"))
            check("a junk database is kept byte for byte and the app starts afresh",
                  len(kept) == 1 and kept[0].read_bytes() == junk and proc.poll() is None,
                  (kept, proc.poll()))
            check("... and the notification names where the old file is",
                  told is not None and str(kept[0] if kept else "?") in told["body"],
                  told)
            # The notification comes as the inbox opens; the API starts just after.
            api_socket = home / "run" / "api.sock"
            answer = await eventually(lambda: api_socket.exists()
                                      and api_call(api_socket, "agents.list"))
            check("... and the app serves agents again", "result" in (answer or {}), answer)
        finally:
            stop_app(proc)

    async def junk_wal():
        # 3. Junk over the write-ahead log after a crash.
        home = isolated_home("converge-e2e-storage-wal-")
        homes.append(home)
        data = home / "data" / APP_ID
        socket_path = home / "run" / "api.sock"
        proc = start(app, out / "app-storage-wal-1.log")
        try:
            await eventually(lambda: socket_path.exists())
            asked = await eventually(lambda: api_call(socket_path, "approval.ask", {
                "agent_id": "e2e", "title": "Waiting when the app crashed",
                "timeout_ms": 600000, "wait": False}) if socket_path.exists() else None)
            check("a request is pending before the crash", "result" in (asked or {}), asked)
        finally:
            proc.kill()  # kill -9: nothing checkpointed
            proc.wait()
        wal = data / "inbox.db-wal"
        size = wal.stat().st_size if wal.exists() else 0
        check("the crash left a write-ahead log", size > 0, size)
        garbage = bytes((i * 7) % 251 for i in range(size))
        wal.write_bytes(garbage)
        notes.shown.clear()
        proc = start(app, out / "app-storage-wal-2.log")
        try:
            title = "The last changes before a crash could not be read"
            told = await eventually(lambda: note(notes, title))
            kept = sorted(data.glob("inbox.db-wal.unreadable-*"))
            check("an unreadable write-ahead log is kept, not dropped",
                  len(kept) == 1 and kept[0].read_bytes() == garbage, kept)
            check("... and the person is told where it is",
                  told is not None and bool(kept) and str(kept[0]) in told["body"],
                  summaries(notes))
        finally:
            stop_app(proc)

    async def hand_edit():
        # 4. A decision edited into the database by hand is not handed to the agent.
        home = isolated_home("converge-e2e-storage-edit-")
        homes.append(home)
        db = home / "data" / APP_ID / "inbox.db"
        socket_path = home / "run" / "api.sock"
        notes.shown.clear()
        proc = start(app, out / "app-storage-edit.log")
        try:
            await eventually(lambda: socket_path.exists())
            asked = await eventually(lambda: api_call(socket_path, "approval.ask", {
                "agent_id": "e2e", "title": "Deploy?", "timeout_ms": 600000,
                "wait": False}) if socket_path.exists() else None)
            request_id = asked["result"]["id"]
            with sqlite3.connect(db) as conn:
                conn.execute("UPDATE requests SET outcome = 'approved', decided_by = 'popover',"
                             " decided_at = ? WHERE id = ?", (int(time.time() * 1000), request_id))
            waited = api_call(socket_path, "approval.wait", {"id": request_id})
            check("an agent re-attaching to a decision edited into the database gets an "
                  "error, not 'approved'",
                  waited.get("error", {}).get("code") == -32007 and "result" not in waited,
                  waited)
            told = await eventually(lambda: note(notes, "Converge Tray refused something"))
            check("... and the person is told in a notification",
                  told is not None and "changed outside Converge Tray" in told["body"],
                  summaries(notes))
            ask = subprocess.run([ctray, "pending"], capture_output=True, text=True, timeout=10)
            check("... and the app still answers", ask.returncode == 0, ask.stderr)
        finally:
            stop_app(proc)

    async def risk_rules():
        # 5. The user's risk rules: a broken file is reported and the built-in rules apply;
        # a valid one adds its rules.
        for rules, broken in (('{"rules": [{"name": "", "level": "high", "contains": ["x"]}]}',
                               True),
                              ('{"rules": [{"name": "touches billing", "level": "high", '
                               '"contains": ["billing-api"]}]}', False)):
            home = isolated_home("converge-e2e-storage-rules-")
            homes.append(home)
            config = home / "config" / APP_ID
            (config / "risk-rules.json").write_text(rules)
            socket_path = home / "run" / "api.sock"
            notes.shown.clear()
            proc = start(app, out / "app-storage-rules.log")
            try:
                await eventually(lambda: socket_path.exists())

                def risk_of(title, details):
                    answer = api_call(socket_path, "approval.ask", {
                        "agent_id": "e2e", "title": title, "details": details,
                        "timeout_ms": 60000, "wait": False})
                    return answer.get("result", {}).get("risk")
                if broken:
                    told = await eventually(
                        lambda: note(notes, "Your risk rules are not in force"))
                    check("a broken risk-rules file is reported, saying the built-in rules "
                          "apply", told is not None and "built-in rules apply" in told["body"],
                          summaries(notes))
                    built_in = await eventually(lambda: risk_of("Clean", "rm -rf /tmp/x"))
                    check("... and the built-in rules still apply", (built_in or {})
                          .get("rule") == "deletes files recursively", built_in)
                else:
                    mine = await eventually(lambda: risk_of("Restart", "kubectl rollout "
                                                            "restart billing-api"))
                    check("a rule from the user's file gives its level and name",
                          mine == {"level": "high", "rule": "touches billing"}, mine)
            finally:
                stop_app(proc)

    try:
        # Each case starts the app on a home of its own, and ends it.
        cases.add("db-directory", db_directory)
        cases.add("data-dir", data_dir)
        cases.add("junk-db", junk_db)
        cases.add("junk-wal", junk_wal)
        cases.add("hand-edit", hand_edit)
        cases.add("risk-rules", risk_rules)
        await cases.run_all()
    finally:
        bus.disconnect()
        for home in homes:
            shutil.rmtree(home, ignore_errors=True)
    return run.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))
