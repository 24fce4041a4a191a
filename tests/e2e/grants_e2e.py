"""End to end: grants. A person approves a card in the popover and allows more of the same
from now on; the next matching `ctray ask` is approved at once, with no card and no
notification; one that does not match, and a high-risk one the grant would cover, still
wait; the tray and the popover count the grant; revoked in the popover it approves nothing;
the audit log verifies and holds each step.

Run by tests/e2e/run.sh inside `xvfb-run -a dbus-run-session`.
usage: grants_e2e.py APP_BINARY OUTPUT_DIR
"""
import asyncio
import json
import sqlite3
import subprocess
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from desktop import Desktop, isolated_home
from harness import (APP_ID, DRIVER, Run, card_for, eventually, find_card,
                     resolution_in_audit, start_driver, stop_driven_app)
from webdriver import Session

AGENT = "claude-e2e-grants"
def shell_details(command: str, project: Path) -> str:
    """Details as a coding agent's hook writes them: the tool input, then `cwd:`."""
    return json.dumps({"command": command}, indent=2) + f"\ncwd: {project}\n"


def audit_steps(db: Path):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT event, decided_by, grant_id, title FROM audit "
                            "ORDER BY seq").fetchall()
    finally:
        conn.close()


async def main(app: str, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    ctray = str(Path(app).resolve().with_name("ctray"))
    home = isolated_home("converge-e2e-grants-")
    # A real directory: the kernel's view of where ctray runs must agree with `cwd:`.
    project = home / "shop"
    project.mkdir()
    db = home / "data" / APP_ID / "inbox.db"
    run = Run()
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=2)
    desktop = await Desktop.start()
    notes = desktop.notifications
    driver, wrapper = start_driver(home, out, app, "app-grants.log")
    session = None
    askers = []

    def ask(title, command, runs_in=None):
        """`ctray ask` run from the project, as an agent's hook is, or from `runs_in`."""
        proc = subprocess.Popen([ctray, "ask", title, "--agent", AGENT, "--action", "Bash",
                                 "--details", shell_details(command, project), "--json"],
                                cwd=runs_in or project,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        askers.append(proc)
        return proc

    async def exited(proc, timeout=15):
        return await eventually(lambda: proc.poll() is not None, timeout=timeout)

    def request_id(proc):
        try:
            return json.loads(proc.stdout.read())["id"]
        except (ValueError, KeyError, TypeError):
            return None

    try:
        await loop.run_in_executor(pool, Session.wait_for_server, DRIVER)
        session_future = loop.run_in_executor(pool, Session.create, DRIVER, str(wrapper),
                                              ["--pin-popover"])
        item = await desktop.wait_for_item()

        # 1. Approve the first one and allow `git …` commands from now on.
        first = ask("Check the working tree", "git status")
        await item.activate()
        session = await asyncio.wait_for(session_future, timeout=120)
        card = await loop.run_in_executor(pool, card_for, session, "Check the working tree")
        run.check("the first request waits on its card", card is not None and first.poll() is None)
        card.find("button.allow-toggle").click()
        form = await loop.run_in_executor(pool, lambda: session.wait_for("form.grant-form"))
        labels = [e.text() for e in form[0].find_all("label")] if form else []
        run.check("the card offers this exact command, then its first words",
                  any("exactly `git status`" in t for t in labels)
                  and any("starting with `git`" in t for t in labels), labels)
        # The offers go narrowest first: this exact command, `git status`, `git`.
        radios = form[0].find_all("input[name=grant-what]")
        radios[-1].click()
        stated = form[0].text()
        run.check("before acting, the form says what will be allowed, for whom and how long",
                  "git" in stated and "High-risk requests still ask" in stated
                  and str(project) in stated, stated)
        session.execute("document.querySelector('form.grant-form')"
                        ".scrollIntoView({block: 'end'})")
        await asyncio.sleep(0.5)  # the screenshot is of the last frame painted
        await loop.run_in_executor(pool, session.screenshot, str(out / "popover-grant.png"))
        form[0].find("button.grant-approve").click()
        await exited(first)
        run.check("Approve and allow approves the request (ctray exits 0)", first.returncode == 0,
                  (first.returncode, first.stderr.read() if first.stderr else ""))

        # 2. The next matching ask is approved at once: no card, no notification.
        shown_before = len(notes.shown)
        started = time.monotonic()
        second = ask("Look at the log", "git log main")
        await exited(second, timeout=10)
        took = time.monotonic() - started
        second_id = request_id(second)
        resolution = resolution_in_audit(db, second_id) if second_id else None
        run.check("a matching ctray ask is approved by the grant at once (exit 0)",
                  second.returncode == 0 and resolution is not None
                  and resolution[:2] == ("approved", "grant"), (second.returncode, resolution))
        print(f"  grant-approved ask answered in {took * 1000:.0f} ms", flush=True)
        await asyncio.sleep(1)
        run.check("and no notification or card was shown for it",
                  not any("Look at the log" in n["body"] for n in notes.shown[shown_before:])
                  and find_card(session, "Look at the log") is None)

        # 3. What the grant does not cover, or must never approve, still waits.
        other = ask("Remove the build", "rm -rf build")
        forced = ask("Force the branch", "git push --force origin main")
        # Code through an option after the granted word, and a riskier request than the card
        # the grant was made on (a push, from a grant made on `git status`).
        monitor = ask("Status with a monitor", "git -c core.fsmonitor='touch /tmp/pwned' status")
        push = ask("Push the branch", "git push origin main")
        # Says the project, runs elsewhere: the kernel tells where ctray runs.
        elsewhere = ask("Log from elsewhere", "git log main", runs_in="/tmp")
        await asyncio.sleep(2)
        run.check("a request that says the project but runs elsewhere waits for a person",
                  elsewhere.poll() is None
                  and await loop.run_in_executor(pool, card_for, session, "Log from elsewhere")
                  is not None)
        run.check("an option after the granted words (code through `git -c`) waits for a person",
                  monitor.poll() is None
                  and await loop.run_in_executor(pool, card_for, session, "Status with a monitor")
                  is not None)
        run.check("a request riskier than the card the grant was made on waits for a person",
                  push.poll() is None
                  and await loop.run_in_executor(pool, card_for, session, "Push the branch")
                  is not None)
        run.check("a request the grant does not cover waits for a person",
                  other.poll() is None
                  and await loop.run_in_executor(pool, card_for, session, "Remove the build")
                  is not None)
        run.check("a high-risk request the grant would cover waits for its card",
                  forced.poll() is None
                  and await loop.run_in_executor(pool, card_for, session, "Force the branch")
                  is not None)

        # 4. The grant is counted in the tray and the popover.
        tooltip = await eventually(
            lambda: _tooltip_with(item, "1 grant active"), timeout=40)
        run.check("the tray's tooltip counts the grant", tooltip is not None, tooltip)
        active = await loop.run_in_executor(
            pool, lambda: session.wait_for("p.grants-active", timeout=10))
        run.check("the popover says one grant is active",
                  bool(active) and active[0].text().startswith("1 grant active"),
                  active[0].text() if active else None)

        # 5. Revoked in the popover, it approves nothing more.
        active[0].click()
        revoke = await loop.run_in_executor(
            pool, lambda: session.wait_for("li.grant button.revoke", timeout=10))
        revoke[0].click()
        gone = await eventually(lambda: not session.find_all("p.grants-active"), timeout=10)
        run.check("Revoke in the popover ends the grant", bool(gone))
        after = ask("Look at the log again", "git log main")
        await asyncio.sleep(2)
        run.check("after revoking, the same ask waits for a person",
                  after.poll() is None
                  and await loop.run_in_executor(pool, card_for, session,
                                                 "Look at the log again") is not None)

        # 6. The audit log verifies and holds each step.
        verified = subprocess.run([ctray, "audit", "verify"], capture_output=True, text=True,
                                  timeout=30)
        steps = audit_steps(db)
        events = [s[0] for s in steps]
        grant_ids = {s[2] for s in steps if s[2]}
        run.check("the audit log verifies", verified.returncode == 0, verified.stdout)
        run.check("it records the grant made in the popover, the request it approved and its "
                  "revocation, all naming one grant",
                  ("grant-made", "popover") in [(s[0], s[1]) for s in steps]
                  and ("resolved", "grant") in [(s[0], s[1]) for s in steps]
                  and ("grant-ended", "popover") in [(s[0], s[1]) for s in steps]
                  and len(grant_ids) == 1, events)
    except Exception:
        traceback.print_exc()
        run.check("the grants run completed", False)
    finally:
        for proc in askers:
            if proc.poll() is None:
                proc.kill()
        await stop_driven_app(loop, pool, session, driver, desktop, home)
    return run.finish()


async def _tooltip_with(item, text):
    tooltip = await item.tooltip()
    return tooltip if text in tooltip else None


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]))))
