"""End to end: grants. A person approves a card in the popover and allows more of the same
from now on; the next matching `ctray ask` is approved at once, with no card and no
notification; one that does not match, and a high-risk one the grant would cover, still
wait; the tray and the popover count the grant; revoked in the popover it approves nothing;
the audit log verifies and holds each step. Then through the real `ctray hook claude`, fed
Claude Code's PermissionRequest JSON from the project's directory: a `git` grant and an Edit
grant limited to the project made in the popover, and the escapes an agent could try under
them (code through options, a force push, a hook run elsewhere, files outside the project
through `..`, a symbolic link or their own path, a spliced cwd line) each wait for a card.

Run by tests/e2e/run.sh inside `xvfb-run -a dbus-run-session`.
usage: grants_e2e.py APP_BINARY OUTPUT_DIR [CASE…]   (cases: app, grant, approved-at-once,
still-waits, counted, revoke, audit, hook:bash, hook:edit; each stops at its first failed check)
"""
import asyncio
import json
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from desktop import Desktop, isolated_home
from harness import (APP_ID, DRIVER, Cases, Run, card_for, eventually, find_card,
                     resolution_in_audit, start_driver, stop_driven_app)
from webdriver import Session

AGENT = "claude-e2e-grants"
# The Claude Code session the hooks' requests come from.
HOOK_SESSION = "5f0c2a51-e2e0-4c1e-9a7e-grants000001"
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


async def main(app: str, out: Path, only) -> int:
    out.mkdir(parents=True, exist_ok=True)
    ctray = str(Path(app).resolve().with_name("ctray"))
    home = isolated_home("converge-e2e-grants-")
    # A real directory: the kernel's view of where ctray runs must agree with `cwd:`.
    project = home / "shop"
    project.mkdir()
    db = home / "data" / APP_ID / "inbox.db"
    run = Run()
    cases = Cases(run, only)
    check = cases.check
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=2)
    desktop = await Desktop.start()
    notes = desktop.notifications
    driver, wrapper = start_driver(home, out, app, "app-grants.log")
    session = None
    item = None
    # What one case leaves for the next: the first request, asked as the app starts.
    state = {}
    askers = []

    def ask(title, command, runs_in=None):
        """`ctray ask` run from the project, as an agent's hook is, or from `runs_in`."""
        proc = subprocess.Popen([ctray, "ask", title, "--agent", AGENT, "--action", "Bash",
                                 "--details", shell_details(command, project), "--json"],
                                cwd=runs_in or project,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        askers.append(proc)
        return proc

    def hook(tool, tool_input, says_cwd=None, runs_in=None):
        """Claude Code's PermissionRequest for `tool_input`, through the real `ctray hook
        claude` run where Claude Code runs its hooks (the session's directory, or `runs_in`),
        its JSON saying `says_cwd` (the project unless told)."""
        payload = {
            "session_id": HOOK_SESSION, "transcript_path": str(home / "transcript.jsonl"),
            "cwd": str(says_cwd or project), "permission_mode": "default",
            "hook_event_name": "PermissionRequest", "tool_name": tool,
            "tool_input": tool_input, "permission_suggestions": [],
        }
        proc = subprocess.Popen([ctray, "hook", "claude"], cwd=runs_in or project,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        proc.stdin.write(json.dumps(payload))
        proc.stdin.close()
        askers.append(proc)
        return proc

    def allowed(proc):
        """Whether `ctray hook claude` told Claude Code to go ahead."""
        try:
            answer = json.loads(proc.stdout.read() or "null")
            return answer["hookSpecificOutput"]["decision"]["behavior"] == "allow"
        except (ValueError, KeyError, TypeError):
            return False

    async def waits_on_card(proc, title):
        """Still waiting after 2 s, its card in the popover: nothing approved it unseen."""
        await asyncio.sleep(2)
        return proc.poll() is None and await loop.run_in_executor(
            pool, card_for, session, title) is not None

    async def approve_and_allow(title, widest=True):
        """On the card titled `title`: allow from now on, the widest offer (or the
        narrowest), only in the project; returns the offer picked and whether the form
        limits it to the project."""
        card = await loop.run_in_executor(pool, card_for, session, title)
        if card is None:
            return None, False
        card.find("button.allow-toggle").click()
        form = await loop.run_in_executor(pool, lambda: session.wait_for("form.grant-form"))
        # The form opens below the card, out of the popover's view: shown whole first, and
        # again once the choice has changed what it says.
        show_form = ("document.querySelector('form.grant-form')"
                     ".scrollIntoView({block: 'end'})")
        session.execute(show_form)
        radios = form[0].find_all("input[name=grant-what]")
        (radios[-1] if widest else radios[0]).click()
        offer = form[0].find_all(".offer-label")[-1 if widest else 0].text()
        in_project = form[0].find_all("input.grant-in-project")
        limited = bool(in_project) and in_project[0].is_selected()
        session.execute(show_form)
        await asyncio.sleep(0.3)
        form[0].find("button.grant-approve").click()
        return offer, limited

    async def exited(proc, timeout=15):
        return await eventually(lambda: proc.poll() is not None, timeout=timeout)

    def request_id(proc):
        try:
            return json.loads(proc.stdout.read())["id"]
        except (ValueError, KeyError, TypeError):
            return None

    async def app_up():
        nonlocal session, item
        await loop.run_in_executor(pool, Session.wait_for_server, DRIVER)
        session_future = loop.run_in_executor(pool, Session.create, DRIVER, str(wrapper),
                                              ["--pin-popover"])
        item = await desktop.wait_for_item()
        check("the app is up with its tray item", item is not None)
        # The WebDriver session begins once there is a page: the popover, opened by a click.
        state["first"] = ask("Check the working tree", "git status")
        await item.activate()
        session = await asyncio.wait_for(session_future, timeout=120)

    async def grant_made():
        # 1. Approve the first one and allow `git …` commands from now on.
        first = state["first"]
        card = await loop.run_in_executor(pool, card_for, session, "Check the working tree")
        check("the first request waits on its card", card is not None and first.poll() is None)
        card.find("button.allow-toggle").click()
        form = await loop.run_in_executor(pool, lambda: session.wait_for("form.grant-form"))
        labels = [e.text() for e in form[0].find_all("label")] if form else []
        check("the card offers this exact command, then its first words",
                  any("exactly `git status`" in t for t in labels)
                  and any("starting with `git`" in t for t in labels), labels)
        # The offers go narrowest first: this exact command, `git status`, `git`.
        radios = form[0].find_all("input[name=grant-what]")
        radios[-1].click()
        stated = form[0].text()
        check("before acting, the form says what will be allowed, for whom and how long",
                  "git" in stated and "High-risk requests still ask" in stated
                  and str(project) in stated, stated)
        session.execute("document.querySelector('form.grant-form')"
                        ".scrollIntoView({block: 'end'})")
        await asyncio.sleep(0.5)  # the screenshot is of the last frame painted
        await loop.run_in_executor(pool, session.screenshot, str(out / "popover-grant.png"))
        form[0].find("button.grant-approve").click()
        await exited(first)
        check("Approve and allow approves the request (ctray exits 0)", first.returncode == 0,
                  (first.returncode, first.stderr.read() if first.stderr else ""))

    async def approved_by_the_grant():
        # 2. The next matching ask is approved at once: no card, no notification.
        shown_before = len(notes.shown)
        started = time.monotonic()
        second = ask("Look at the log", "git log main")
        await exited(second, timeout=10)
        took = time.monotonic() - started
        second_id = request_id(second)
        resolution = resolution_in_audit(db, second_id) if second_id else None
        check("a matching ctray ask is approved by the grant at once (exit 0)",
                  second.returncode == 0 and resolution is not None
                  and resolution[:2] == ("approved", "grant"), (second.returncode, resolution))
        print(f"  grant-approved ask answered in {took * 1000:.0f} ms", flush=True)
        await asyncio.sleep(1)
        check("and no notification or card was shown for it",
                  not any("Look at the log" in n["body"] for n in notes.shown[shown_before:])
                  and find_card(session, "Look at the log") is None)

    async def still_waits():
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
        check("a request that says the project but runs elsewhere waits for a person",
                  elsewhere.poll() is None
                  and await loop.run_in_executor(pool, card_for, session, "Log from elsewhere")
                  is not None)
        check("an option after the granted words (code through `git -c`) waits for a person",
                  monitor.poll() is None
                  and await loop.run_in_executor(pool, card_for, session, "Status with a monitor")
                  is not None)
        check("a request riskier than the card the grant was made on waits for a person",
                  push.poll() is None
                  and await loop.run_in_executor(pool, card_for, session, "Push the branch")
                  is not None)
        check("a request the grant does not cover waits for a person",
                  other.poll() is None
                  and await loop.run_in_executor(pool, card_for, session, "Remove the build")
                  is not None)
        check("a high-risk request the grant would cover waits for its card",
                  forced.poll() is None
                  and await loop.run_in_executor(pool, card_for, session, "Force the branch")
                  is not None)

    async def counted():
        # 4. The grant is counted in the tray and the popover.
        tooltip = await eventually(
            lambda: _tooltip_with(item, "1 grant active"), timeout=40)
        check("the tray's tooltip counts the grant", tooltip is not None, tooltip)
        active = await loop.run_in_executor(
            pool, lambda: session.wait_for("p.grants-active", timeout=10))
        check("the popover says one grant is active",
                  bool(active) and active[0].text().startswith("1 grant active"),
                  active[0].text() if active else None)

    async def revoked():
        # 5. Revoked in the popover, it approves nothing more.
        active = await loop.run_in_executor(
            pool, lambda: session.wait_for("p.grants-active", timeout=10))
        check("a grant is shown active in the popover", bool(active))
        active[0].click()
        revoke = await loop.run_in_executor(
            pool, lambda: session.wait_for("li.grant button.revoke", timeout=10))
        revoke[0].click()
        gone = await eventually(lambda: not session.find_all("p.grants-active"), timeout=10)
        check("Revoke in the popover ends the grant", bool(gone))
        after = ask("Look at the log again", "git log main")
        await asyncio.sleep(2)
        check("after revoking, the same ask waits for a person",
                  after.poll() is None
                  and await loop.run_in_executor(pool, card_for, session,
                                                 "Look at the log again") is not None)

    async def audit():
        # 6. The audit log verifies and holds each step.
        verified = subprocess.run([ctray, "audit", "verify"], capture_output=True, text=True,
                                  timeout=30)
        steps = audit_steps(db)
        events = [s[0] for s in steps]
        grant_ids = {s[2] for s in steps if s[2]}
        check("the audit log verifies", verified.returncode == 0, verified.stdout)
        check("it records the grant made in the popover, the request it approved and its "
                  "revocation, all naming one grant",
                  ("grant-made", "popover") in [(s[0], s[1]) for s in steps]
                  and ("resolved", "grant") in [(s[0], s[1]) for s in steps]
                  and ("grant-ended", "popover") in [(s[0], s[1]) for s in steps]
                  and len(grant_ids) == 1, events)

    async def hook_bash():
        # 7. Through the real `ctray hook claude`, as Claude Code asks: grants made in the
        # popover, then the escapes an agent could try under them.
        for proc in askers:
            if proc.poll() is None:
                proc.kill()  # the requests above end cancelled: a clear popover
        await eventually(lambda: not session.find_all("li.card[data-request-id]"), timeout=15)
        status = hook("Bash", {"command": "git status", "description": "Check the tree"})
        await approve_and_allow("Bash: git status")
        await exited(status)
        check("through ctray hook claude: Approve and allow on the card tells Claude Code "
                  "to go ahead", allowed(status), status.stderr.read())
        log = hook("Bash", {"command": "git log main"})
        await exited(log, timeout=10)
        check("... and the next `git` command of that session is allowed at once, no card",
                  log.returncode == 0 and allowed(log)
                  and find_card(session, "Bash: git log main") is None)
        escapes = {
            "code through `git -c`": "git -c core.fsmonitor='touch /tmp/pwned' status",
            "an option that runs a program (`--receive-pack=`)":
                "git push --receive-pack='touch /tmp/pwned' origin",
            "an option that moves it out of the project (`-C`)": "git -C /etc log",
            "a force push": "git push origin +main",
        }
        waiting = {what: hook("Bash", {"command": command})
                   for what, command in escapes.items()}
        for what, command in escapes.items():
            check(f"through ctray hook claude, {what} under the `git` grant waits for "
                      "its card", await waits_on_card(waiting[what], f"Bash: {command}"),
                      command)
        elsewhere = hook("Bash", {"command": "git log main"}, runs_in="/tmp")
        check("through ctray hook claude, a hook run outside the project whose JSON says "
                  "the project waits for its card",
                  await waits_on_card(elsewhere, "Bash: git log main"))
        elsewhere.kill()

    async def hook_edit():
        # An Edit grant limited to the project, and the files outside it an Edit could
        # reach: through `..`, through a symbolic link inside the project, by a plain path.
        (project / "src").mkdir()
        for name in ("a.rs", "b.rs"):
            (project / "src" / name).write_text("fn main() {}\n")
        outside = home / "elsewhere"
        outside.mkdir()
        (outside / "notes.txt").write_text("notes\n")
        (project / "linked").symlink_to(outside)

        def edit(path, says_cwd=None):
            return hook("Edit", {"file_path": str(path), "old_string": "fn main() {}",
                                 "new_string": "fn main() { run() }"}, says_cwd=says_cwd)
        first_edit = edit(project / "src" / "a.rs")
        offer, limited = await approve_and_allow(f"Edit: {project / 'src' / 'a.rs'}")
        await exited(first_edit)
        check("an Edit approved with 'any Edit, only in the project' goes ahead",
                  offer is not None and "any" in offer.lower() and limited
                  and allowed(first_edit), (offer, limited))
        second_edit = edit(project / "src" / "b.rs")
        await exited(second_edit, timeout=10)
        check("... and the next Edit in the project is allowed at once",
                  allowed(second_edit))
        escapes = {
            "through `..`": f"{project}/../elsewhere/notes.txt",
            "through a symbolic link inside the project": f"{project}/linked/notes.txt",
            "by its own path": str(outside / "notes.txt"),
        }
        waiting = {what: edit(path) for what, path in escapes.items()}
        for what, path in escapes.items():
            check(f"an Edit of a file outside the project {what} waits for its card",
                      await waits_on_card(waiting[what], f"Edit: {path}"), path)
        # The JSON's cwd spliced with a line of its own: only the kernel's word counts.
        spliced = edit(outside / "spliced.txt", says_cwd=f"{project}\ncwd: {outside}")
        check("an Edit whose JSON splices a second cwd line waits for its card",
                  await waits_on_card(spliced, f"Edit: {outside / 'spliced.txt'}"))

    try:
        cases.add("app", app_up)
        cases.add("grant", grant_made, needs=["app"])
        cases.add("approved-at-once", approved_by_the_grant, needs=["grant"])
        cases.add("still-waits", still_waits, needs=["grant"])
        cases.add("counted", counted, needs=["grant"])
        cases.add("revoke", revoked, needs=["grant"])
        cases.add("audit", audit, needs=["grant", "approved-at-once", "revoke"])
        # What the popover shows from here on is only the hook's requests.
        cases.add("hook:bash", hook_bash, needs=["app"])
        cases.add("hook:edit", hook_edit, needs=["app"])
        await cases.run_all()
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
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))
