"""End to end: agents against the real app. `ctray ask` blocks, its notification appears, a
person decides in the popover, and ctray exits with that decision (0 approved, 1 denied,
2 timed out); Claude Code's PermissionRequest hook gets exactly the allow JSON. The app
starts for the first time, so its demo Converge jobs run: one converges on its own, the
other waits at its gate until approved in the popover.

Run by tests/e2e/run.sh inside its own `xvfb-run -a dbus-run-session`.
usage: agents_e2e.py APP_BINARY OUTPUT_DIR [CASE…]   (ctray is taken from beside the app
binary; cases: app, notify, open, approve, deny-reason, timeout, claude-hook, high-risk, batch,
demo-jobs, converge-app, jobs-cli, jobs-tab, remove-finished; each stops at its first failed
check)
"""
import asyncio
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from desktop import Desktop, isolated_home
from harness import (approve_on_card, APP_ID, DRIVER, Cases, Run, api_call, card_for, eventually,
                     find_card, resolution_in_audit, start_driver, stop_driven_app,
                     visible_windows)
from webdriver import Session

PAYLOADS = Path(__file__).resolve().parents[2] / "crates" / "cli" / "tests" / "payloads"
ALLOW = ('{"hookSpecificOutput":{"hookEventName":"PermissionRequest",'
         '"decision":{"behavior":"allow"}}}\n')


def card_starting(session, prefix, timeout=30.0):
    """The first card whose title starts with `prefix`, once it is there (None if never)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for card in session.find_all("li.card[data-request-id]"):
            try:
                if card.find("h3.title").text().startswith(prefix):
                    return card
            except Exception:  # a card removed while we looked at it
                continue
        time.sleep(0.1)
    return None


def card_gone(session, title, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if find_card(session, title) is None:
            return True
        time.sleep(0.1)
    return False


def click_run(session, job_name):
    """Clicks the Run button of the job named `job_name` in the Jobs tab."""
    job = next(j for j in session.find_all("li.job") if j.find("h3.name").text() == job_name)
    job.find("button.start").click()


def approval_note(notes, title):
    return [n for n in notes.shown
            if n["summary"].startswith("Approval needed") and title in n["body"]]


async def main(app: str, out: Path, only) -> int:
    out.mkdir(parents=True, exist_ok=True)
    ctray = str(Path(app).with_name("ctray"))
    home = isolated_home("converge-e2e-agents-", first_start=True)
    db = home / "data" / APP_ID / "inbox.db"
    socket_path = home / "run" / "api.sock"
    run = Run()
    cases = Cases(run, only)
    check = cases.check
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=2)
    desktop = await Desktop.start()
    notes = desktop.notifications
    driver, wrapper = start_driver(home, out, app, "app-agents.log")
    session = None
    item = None
    askers = []
    # What one case leaves for the next: the session asked for as the app starts, the first
    # request (waiting for the popover), the demo job's gate.
    state = {}

    def ask(*args, stdin=None):
        proc = subprocess.Popen([ctray, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        askers.append(proc)
        if stdin is not None:
            proc.stdin.write(stdin)
        proc.stdin.close()
        return proc

    async def exited(proc, timeout=15):
        return await eventually(lambda: proc.poll() is not None, timeout=timeout)

    async def app_up():
        nonlocal item
        await loop.run_in_executor(pool, Session.wait_for_server, DRIVER)
        state["session"] = loop.run_in_executor(
            pool, Session.create, DRIVER, str(wrapper), ["--pin-popover"])
        item = await desktop.wait_for_item()
        check("the app is up with its tray item", item is not None)
        # The tray item can show before the local API has bound its socket: an agent asking
        # in that moment finds no app (ctray exits 3). Wait until the API answers.
        answering = await eventually(lambda: subprocess.run(
            [ctray, "agents"], capture_output=True, timeout=10).returncode == 0, timeout=30)
        check("the local API answers", bool(answering))

    async def notify():
        # 1. ctray ask blocks until a person approves in the popover: exit 0.
        title = "Deploy 2.4.1 to production?"
        deploy = ask("ask", title, "--agent", "deploy.sh", "--details",
                     "./deploy.sh --env production", "--timeout", "2m")
        state["deploy"] = (deploy, title)
        shown = await eventually(lambda: approval_note(notes, title))
        check("ctray ask shows an approval notification with Approve and Deny",
              bool(shown) and {"approve", "deny"} <= set(shown[0]["actions"]), notes.shown)
        check("ctray ask blocks while nobody has decided", deploy.poll() is None)

    async def popover_open():
        nonlocal session
        await item.activate()
        session = await asyncio.wait_for(state["session"], timeout=120)

    async def approve_in_popover():
        deploy, title = state["deploy"]
        card = await loop.run_in_executor(pool, card_for, session, title)
        check("the popover shows the request with its exact command",
              card is not None and card.find("pre.details").text()
              == "./deploy.sh --env production")
        await loop.run_in_executor(pool, session.screenshot, str(out / "popover-ctray.png"))
        approve_on_card(card)
        await exited(deploy)
        check("Approve in the popover makes ctray exit 0", deploy.returncode == 0,
              (deploy.returncode, deploy.stderr.read() if deploy.stderr else ""))

    async def deny_reason():
        # 2. A deny with a reason: exit 1, the reason on stderr.
        title = "Drop the staging database?"
        drop = ask("ask", title, "--agent", "migrate", "--details", "-",
                   stdin="DROP DATABASE staging;\n")
        card = await loop.run_in_executor(pool, card_for, session, title)
        check("details read from stdin are shown verbatim",
              card is not None and card.find("pre.details").text() == "DROP DATABASE staging;")
        card.find("button.deny").click()
        reason = await loop.run_in_executor(pool, lambda: session.wait_for("input.reason"))
        reason[0].type("use a migration\ue007")
        await exited(drop)
        stderr = drop.stderr.read()
        check("Deny with a reason makes ctray exit 1 with the reason on stderr",
              drop.returncode == 1 and "use a migration" in stderr,
              (drop.returncode, stderr))

    async def timed_out():
        # 3. Nobody decides: exit 2 at the deadline, and the card goes away.
        title = "Rotate the signing key?"
        quick = ask("ask", title, "--agent", "keys", "--timeout", "3s", "--json")
        card = await loop.run_in_executor(pool, card_for, session, title)
        check("a short-lived request appears in the popover", card is not None)
        await exited(quick, timeout=20)
        printed = json.loads(quick.stdout.read() or "null")
        check("with no decision in time ctray exits 2 and --json prints the timeout",
              quick.returncode == 2 and printed["resolution"]["outcome"] == "timed-out",
              (quick.returncode, printed))
        gone = await loop.run_in_executor(pool, card_gone, session, title)
        check("the timed-out card leaves the popover", bool(gone))

    async def claude_hook():
        # 4. Claude Code's PermissionRequest hook: the documented input, allow on approve.
        hook_input = (PAYLOADS / "claude" / "permission_request.json").read_text()
        claude = ask("hook", "claude", stdin=hook_input)
        card = await loop.run_in_executor(pool, card_for, session, "Bash: rm -rf node_modules")
        check("a Claude Code permission request becomes a card showing the real command",
              card is not None and card.find("pre.command").text() == "rm -rf node_modules")
        request_id = card.attribute("data-request-id")
        await loop.run_in_executor(pool, session.screenshot, str(out / "popover-claude.png"))
        if card is not None:
            card.find("button.raw-toggle").click()
        raw = await loop.run_in_executor(
            pool, lambda: session.wait_for("li.card pre.details", timeout=5))
        check("... with the tool input as the agent sent it one click away",
              any('"command": "rm -rf node_modules"' in d.text() for d in raw))
        approve_on_card(card)
        await exited(claude)
        printed = claude.stdout.read()
        check("approving it prints exactly Claude Code's allow JSON and exits 0",
              claude.returncode == 0 and printed == ALLOW, (claude.returncode, printed))
        outcome = await eventually(lambda: resolution_in_audit(db, request_id))
        check("the audit log has the approval, by the popover",
              outcome is not None and outcome[:2] == ("approved", "popover"), outcome)
        check("the popover stayed open throughout (pinned)", bool(visible_windows()))

    async def high_risk():
        # 4b. A high-risk ask: the card says so, with the rule that fired.
        title = "Clean the build cache"
        risky = ask("ask", title, "--agent", "cleanup.sh", "--details", "rm -rf ~/.cache/build")
        card = await loop.run_in_executor(pool, card_for, session, title)
        badge = card.find("p.risk").text() if card is not None else None
        check("a high-risk request's card shows its level and the rule that fired",
              card is not None and card.attribute("data-risk") == "high"
              and badge == "High risk · deletes files recursively", badge)
        await loop.run_in_executor(pool, session.screenshot, str(out / "popover-risk.png"))
        if card is not None:
            card.find("button.deny").click()
            reason = await loop.run_in_executor(pool, lambda: session.wait_for("input.reason"))
            reason[0].type("\ue007")
        await exited(risky)

    async def batch_approve():
        # 4c. A batch: three marked, two approved together, the high-risk one left for its card.
        batch = {t: ask("ask", t, "--agent", "batch.sh", "--details", d, "--timeout", "2m")
                 for t, d in (("Batch: run the tests", "cargo test"),
                              ("Batch: build the docs", "cargo doc"),
                              ("Batch: wipe the cache", "rm -rf ~/.cache/batch"))}
        cards = {}
        for t in batch:
            cards[t] = await loop.run_in_executor(pool, card_for, session, t)
        for card in cards.values():
            if card is not None:
                card.find(".mark").click()
        bar = await loop.run_in_executor(pool, lambda: session.wait_for(".batch-approve"))
        label = bar[0].text() if bar else ""
        check("marking three cards states what a batch will do before it acts",
              all(cards.values()) and label.startswith("Approve 2"), label)
        if bar:
            bar[0].click()
        safe = [batch["Batch: run the tests"], batch["Batch: build the docs"]]
        for proc in safe:
            await exited(proc)
        risky_one = batch["Batch: wipe the cache"]
        check("approving the batch approves the two (ctray exits 0), and leaves the "
              "high-risk one waiting for its card",
              [p.returncode for p in safe] == [0, 0] and risky_one.poll() is None,
              ([p.returncode for p in safe], risky_one.poll()))
        card = await loop.run_in_executor(pool, card_for, session, "Batch: wipe the cache")
        if card is not None:
            card.find("button.deny").click()
            reason = await loop.run_in_executor(pool, lambda: session.wait_for("input.reason"))
            reason[0].type("\ue007")
        await exited(risky_one)

    async def demo_jobs():
        # 5. First start: the demo Converge jobs ran; the one over the limit waits.
        def converge_agents():
            agents = api_call(socket_path, "agents.list")["result"]
            return {a["name"]: a for a in agents if a["kind"] == "converge"}
        agents = await eventually(lambda: len(converge_agents()) == 2 and converge_agents())
        lunch = (agents or {}).get("Expense review · team lunch", {})
        check("the demo job within the limit converged on its own",
              lunch.get("state") == "done"
              and lunch.get("activity", "").startswith("Converged after"), agents)
        title = "Reimburse 1840.00 EUR to Dana Okafor for Flights and hotel, RustConf Berlin"
        state["gate"] = title
        card = await loop.run_in_executor(pool, card_for, session, title)
        check("the demo job over the limit waits at its gate with the proposal as is",
              card is not None and "reimbursement-planner proposes Proposals reimburse "
              "(confidence 0.92)" in card.find("pre.details").text())
        check("its approval was announced in a notification",
              bool(approval_note(notes, title)))
        approve_on_card(card)
        travel = await eventually(
            lambda: (converge_agents().get("Expense review · conference travel", {})
                     .get("state") == "done") and converge_agents())
        check("approving it resumes the job, which converges",
              bool(travel) and travel["Expense review · conference travel"]["activity"]
              .startswith("Converged after"), travel)

    async def converge_app():
        # 5b. A Converge application in its own process (crates/protocol's example): its
        # gate asks over the local API; approved, the engine resumes and promotes the plan;
        # rejected, nothing is promoted.
        example = Path(app).parent / "examples" / "converge_gate"
        for release, approve in (("9.9.9", True), ("6.6.6", False)):
            gated = subprocess.Popen([str(example), release], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
            askers.append(gated)
            card = await loop.run_in_executor(pool, card_starting, session,
                                              f"Promote: Roll out release {release}")
            action = card.find(".request-action") if card is not None else None
            check(f"a Converge app's gate (release {release}) arrives as a card, as a "
                  "Converge agent's request: its action in words, the gate's id beside",
                  action is not None and action.text() == "Promote the proposals"
                  and action.attribute("title") == "converge.promote:Proposals",
                  action.text() if action is not None else None)
            if card is None:
                break
            if approve:
                approve_on_card(card)
            else:
                card.find("button.deny").click()
                reason = await loop.run_in_executor(pool,
                                                    lambda: session.wait_for("input.reason"))
                reason[0].type("not this week\ue007")
            await exited(gated, timeout=30)
            printed = gated.stdout.read()
            if approve:
                check("approved in the popover, the Converge app resumes, converges and "
                      "promotes the plan (exit 0)", gated.returncode == 0
                      and f"promoted: Roll out release {release}" in printed,
                      (gated.returncode, printed, gated.stderr.read()))
            else:
                check("rejected in the popover, it converges with nothing promoted (exit 1)",
                      gated.returncode == 1 and "promoted: nothing" in printed,
                      (gated.returncode, printed, gated.stderr.read()))

    async def jobs_cli():
        # 6. Jobs from the command line: list them, start one again.
        title = state["gate"]
        listed = subprocess.run([ctray, "jobs"], capture_output=True, text=True, timeout=30)
        check("ctray jobs lists the jobs file's jobs and the runs",
              listed.returncode == 0 and "travel-expense\texpense" in listed.stdout
              and "\tconverged\t" in listed.stdout, listed.stdout + listed.stderr)
        started = subprocess.run([ctray, "job", "start", "travel-expense"], capture_output=True,
                                 text=True, timeout=30)
        check("ctray job start runs a job again, and its gate asks again",
              started.returncode == 0 and started.stdout.startswith("started travel-expense")
              and await loop.run_in_executor(pool, card_for, session, title) is not None,
              started.stdout + started.stderr)
        unknown = subprocess.run([ctray, "job", "start", "poetry"], capture_output=True,
                                 text=True, timeout=30)
        check("an unknown job is refused with a clear message",
              unknown.returncode != 0 and 'no job "poetry"' in unknown.stderr, unknown.stderr)

    async def jobs_tab():
        # 7. The full window's Jobs tab starts a job and shows its run.
        await item.click_menu("Open full window")
        await loop.run_in_executor(pool, lambda: session.switch_to_page("window.html"))
        tabs = await loop.run_in_executor(pool, lambda: session.wait_for('button[role="tab"]'))
        next(t for t in tabs if t.text() == "Jobs").click()
        await loop.run_in_executor(pool, lambda: session.wait_for("li.job", count=2))
        runs_before = len(session.find_all("li.run-entry"))
        await loop.run_in_executor(pool, click_run, session, "Expense review · team lunch")
        more = await loop.run_in_executor(
            pool, lambda: session.wait_for("li.run-entry", count=runs_before + 1))
        newest = more[0]
        converged = await eventually(
            lambda: "Converged" in session.find_all("li.run-entry")[0].text(), timeout=15)
        check("Run in the Jobs tab starts the job; its run appears and converges",
              len(more) == runs_before + 1 and bool(converged)
              and "team lunch" in newest.text(), newest.text())
        await asyncio.sleep(1)
        await loop.run_in_executor(pool, session.screenshot, str(out / "window-jobs.png"))

    async def remove_finished():
        # 8. Finished agents leave the list when the person says so; one waiting stays.
        before = await loop.run_in_executor(pool, lambda: api_call(socket_path, "agents.list"))
        before = {a["id"]: a for a in before["result"]}
        finished = {i for i, a in before.items()
                    if a["state"] in ("idle", "done", "error", "gone") and a["pending"] == 0}
        next(t for t in session.find_all('button[role="tab"]') if t.text() == "Agents").click()
        remove = await loop.run_in_executor(
            pool, lambda: session.wait_for(".remove-finished button"))
        label = remove[0].text() if remove else ""
        check("the Agents tab offers to remove the finished agents, counting them",
              label == f"Remove finished agents ({len(finished)})" and len(finished) >= 2,
              (label, before))
        if remove:
            remove[0].click()
        after = await eventually(lambda: (
            lambda ids: ids if not ids & finished else None)(
                {a["id"] for a in api_call(socket_path, "agents.list")["result"]}))
        check("... and removes exactly those: the agents still waiting or at work stay "
              "listed", after is not None and after == set(before) - finished,
              (after, set(before) - finished))

    try:
        cases.add("app", app_up)
        cases.add("notify", notify, needs=["app"])
        # The WebDriver session is taken here: every case on a page needs this one.
        cases.add("open", popover_open, needs=["app"])
        cases.add("approve", approve_in_popover, needs=["notify", "open"])
        cases.add("deny-reason", deny_reason, needs=["open"])
        cases.add("timeout", timed_out, needs=["open"])
        cases.add("claude-hook", claude_hook, needs=["open"])
        cases.add("high-risk", high_risk, needs=["open"])
        cases.add("batch", batch_approve, needs=["open"])
        cases.add("demo-jobs", demo_jobs, needs=["open"])
        cases.add("converge-app", converge_app, needs=["open"])
        # Its job's gate asks again, the first ask approved in demo-jobs.
        cases.add("jobs-cli", jobs_cli, needs=["demo-jobs"])
        cases.add("jobs-tab", jobs_tab, needs=["open"])
        # In the full window the case above opened.
        cases.add("remove-finished", remove_finished, needs=["jobs-tab"])
        await cases.run_all()
    finally:
        for proc in askers:
            if proc.poll() is None:
                proc.kill()
        await stop_driven_app(loop, pool, session, driver, desktop, home)
    return run.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))
