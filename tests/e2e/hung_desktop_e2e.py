"""End to end: a notification server that stops answering (a frozen desktop shell) stalls
nothing but the notifications.

Every call to the notification server waits for its answer, on a thread of its own and for
at most 10 s. While the server answers none, agents still ask and are answered by the
local API, the popover still shows what waits and decides it, the next notification is
still tried, and once the server answers again the next request's notification shows.

The real app in a headless desktop, its popover driven through tauri-driver; requests come
from `ctray ask`, outcomes are read back from the app's audit log and from ctray's exit.
Run by tests/e2e/run.sh inside its own `xvfb-run -a dbus-run-session`.
usage: hung_desktop_e2e.py APP_BINARY OUTPUT_DIR [CASE…]   (ctray is taken from beside the
app binary; cases: app, gives-up, api, popover, server-back; each stops at its first failed
check)
"""
import asyncio
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from desktop import Desktop, isolated_home
from harness import (APP_ID, DRIVER, Cases, Run, api_call, approve_on_card, card_for,
                     eventually, resolution_in_audit, start_driver, stop_driven_app)
from webdriver import Session

FIRST = "Restart the API deployment"
SECOND = "Rotate the staging keys"
AFTER = "Publish the release notes"


async def main(app: str, out: Path, only) -> int:
    out.mkdir(parents=True, exist_ok=True)
    ctray = str(Path(app).with_name("ctray"))
    home = isolated_home("converge-e2e-hung-desktop-")
    db = home / "data" / APP_ID / "inbox.db"
    socket_path = home / "run" / "api.sock"
    run = Run()
    cases = Cases(run, only)
    check = cases.check
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=3)
    desktop = await Desktop.start()
    notes = desktop.notifications
    driver, wrapper = start_driver(home, out, app, "app-hung-desktop.log")
    session = None
    item = None
    # What one case leaves for the next: the two requests asked while the server hangs.
    state = {}
    askers = []

    def ask(title, details):
        proc = subprocess.Popen([ctray, "ask", title, "--agent", "deployer", "--details",
                                 details, "--timeout", "5m"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        askers.append(proc)
        return proc

    def in_pool(fn, *args):
        return loop.run_in_executor(pool, fn, *args)

    def timed_api_call(method):
        """(seconds, answer or the error) of one call on the local API."""
        started = time.monotonic()
        try:
            answer = api_call(socket_path, method)
        except OSError as error:
            answer = error
        return round(time.monotonic() - started, 2), answer

    async def app_up():
        nonlocal session, item
        await in_pool(Session.wait_for_server, DRIVER)
        session_future = in_pool(Session.create, DRIVER, str(wrapper), ["--pin-popover"])
        item = await desktop.wait_for_item()
        await eventually(lambda: socket_path.exists())
        desktop.hang_notifications()
        state["first"] = ask(FIRST, "kubectl rollout restart deploy/api")
        state["second"] = ask(SECOND, "vault write -f transit/keys/staging/rotate")
        session = await asyncio.wait_for(session_future, timeout=120)

    async def gives_up():
        # Each call gives up after 10 s (desktop-notifications' CALL_TIMEOUT) and the next
        # is made: the second request's notification is asked for too.
        held = await eventually(lambda: len(desktop.held) >= 2, timeout=30)
        check("with the server hung, a call to it gives up in time and the next one is "
              "made (both requests' notifications asked for)", bool(held), len(desktop.held))

    async def api():
        # The API: answers in well under a second when nothing else is going on.
        seconds, answer = await in_pool(timed_api_call, "agents.list")
        check("the local API still answers agents at once (agents.list within 2 s)",
              isinstance(answer, dict) and "result" in answer and seconds < 2,
              (seconds, answer))
        seconds, answer = await in_pool(timed_api_call, "approvals.pending")
        titles = ([r["title"] for r in answer["result"]]
                  if isinstance(answer, dict) and "result" in answer else answer)
        check("... and lists both requests as pending (within 2 s)",
              seconds < 2 and isinstance(titles, list) and {FIRST, SECOND} <= set(titles),
              (seconds, titles))

    async def popover():
        first = state["first"]
        # The person: the popover shows both and decides.
        await item.activate()
        card = await in_pool(card_for, session, FIRST)
        check("the popover still shows what waits", card is not None
              and await in_pool(card_for, session, SECOND) is not None)
        card_id = card.attribute("data-request-id") if card is not None else None
        if card is not None:
            approve_on_card(card)
        outcome = await eventually(lambda: card_id and resolution_in_audit(db, card_id),
                                   timeout=10)
        done = await eventually(lambda: first.poll() is not None, timeout=10)
        check("... and Approve in it approves, from the popover (ctray exits 0)",
              outcome is not None and outcome[:2] == ("approved", "popover")
              and bool(done) and first.returncode == 0, (outcome, first.poll()))
        check("the server was still hung throughout", len(desktop.held) >= 2,
              len(desktop.held))

    async def server_back():
        second = state["second"]
        # The server comes back: the notifications go on.
        desktop.answer_notifications()
        after = ask(AFTER, "gh release edit v2.4.0 --notes-file NOTES.md")
        shown = await eventually(lambda: [n for n in notes.shown if AFTER in n["body"]],
                                 timeout=30)
        check("once the server answers again, a new request's notification shows",
              bool(shown), [n["summary"] for n in notes.shown])
        second.kill()
        after.kill()

    try:
        cases.add("app", app_up)
        cases.add("gives-up", gives_up, needs=["app"])
        cases.add("api", api, needs=["app"])
        # "Still hung throughout": both calls were held, which gives-up waits for.
        cases.add("popover", popover, needs=["app", "gives-up"])
        # Last: it makes the server answer again.
        cases.add("server-back", server_back, needs=["app"])
        await cases.run_all()
    finally:
        for proc in askers:
            if proc.poll() is None:
                proc.kill()
        await stop_driven_app(loop, pool, session, driver, desktop, home)
    return run.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))
