"""End to end: the real app binary in a headless desktop (Xvfb, a D-Bus session, a
StatusNotifier tray host), its popover WebView driven through tauri-driver and
WebKitWebDriver, outcomes read back from the app's own SQLite audit log.

Run by tests/e2e/run.sh inside `xvfb-run -a dbus-run-session`.
usage: tray_e2e.py APP_BINARY OUTPUT_DIR [CASE…]   (cases: app, tray-item, local-api, menu,
notifications, prepared-hidden, open, approve-click, deny-keys, escape-hides,
notification-opens, notification-approve, shortcut-approve, menu-open, start-at-login,
second-launch, full-window, settings; each stops at its first failed check)
"""
import asyncio
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from desktop import Desktop, isolated_home
from harness import (approve_on_card, APP_ID, DRIVER, Cases, Run, api_call, audit_entries,
                     eventually, pending_in_store, resolution_in_audit, start_driver,
                     stop_driven_app, visible_windows, webkit_processes)
from webdriver import Session


async def main(app: str, out: Path, only) -> int:
    out.mkdir(parents=True, exist_ok=True)
    # A first start (no jobs file yet) with --demo: the demo alone, not the first start's
    # example Converge jobs on top of it.
    home = isolated_home("converge-e2e-", first_start=True)
    db = home / "data" / APP_ID / "inbox.db"
    run = Run()
    cases = Cases(run, only)
    check = cases.check
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=2)

    desktop = await Desktop.start()
    notes = desktop.notifications
    driver, wrapper = start_driver(home, out, app, "app.log")
    session = None
    item = None
    # What one case leaves for the next: the session asked for as the app starts, the
    # approvals' notifications, the popover's cards, the notification used and its request.
    state = {}

    async def app_up():
        nonlocal item
        await loop.run_in_executor(pool, Session.wait_for_server, DRIVER)
        # The session request returns only once a WebView exists, and the app creates its
        # popover only when asked: ask for the session now, open the popover below.
        # --pin-popover: Xvfb has no window manager to give focus, so no hide-on-blur here.
        state["session"] = loop.run_in_executor(
            pool, Session.create, DRIVER, str(wrapper), ["--demo", "--pin-popover"])

        item = await desktop.wait_for_item()
        check("the app registers a tray item", item is not None)
        check("no window is visible at start", visible_windows() == [], visible_windows())

    async def tray_item():
        tooltip = await eventually(
            lambda: _tooltip_if(item, "4 approvals waiting"), timeout=20)
        check("the tooltip counts agents and approvals",
              tooltip == "Converge — 3 agents working, 4 approvals waiting", repr(tooltip))
        check("the tray item is named by the app, not by a bare count: its id, title and "
              "the tooltip's heading",
              (await item.prop("Id"), await item.prop("Title"),
               (await item.prop("ToolTip"))[2])
              == ("converge-tray", "Converge Tray", "Converge Tray"),
              (await item.prop("Id"), await item.prop("Title")))
        check("while approvals wait, the tray item's status is NeedsAttention",
              await item.prop("Status") == "NeedsAttention", await item.prop("Status"))

    async def local_api():
        agents = await loop.run_in_executor(pool, api_call, home / "run" / "api.sock",
                                            "agents.list")
        check("the local API answers on its private socket with the inbox's agents",
              sorted(a["id"] for a in agents["result"]) ==
              ["demo-claude", "demo-codex", "demo-deploy"], agents)

    async def menu():
        labels = await item.menu_labels()
        check("the tray menu has Open, Start at login, Pause notifications and Quit",
              {"Open", "Start at login", "Pause notifications", "Quit Converge Tray"}
              <= set(labels), labels)

    async def notifications():
        approvals = await eventually(
            lambda: [n for n in notes.shown if n["summary"].startswith("Approval needed")]
            if len(notes.shown) >= 4 else None)
        state["approvals"] = approvals
        check("each new approval shows a notification with Approve and Deny buttons",
              approvals is not None and len(approvals) == 4 and all(
                  {"approve", "deny"} <= set(n["actions"]) for n in approvals),
              notes.shown)

    async def prepared_hidden():
        # Approvals are waiting: the popover is built hidden, so the click below only shows
        # it (no_tray_e2e.py checks that an app with nothing waiting runs no WebView).
        prepared = await eventually(webkit_processes, timeout=20)
        check("with approvals waiting, the popover is prepared hidden: its WebView runs, "
              "no window shows", bool(prepared) and visible_windows() == [],
              (prepared, visible_windows()))

    async def popover_open():
        nonlocal session
        session = await asyncio.wait_for(state["session"], timeout=120)
        await item.activate()
        check("a left click on the tray shows the popover",
              bool(await eventually(visible_windows, timeout=10)))
        cards = await loop.run_in_executor(
            pool, lambda: session.wait_for("li.card[data-request-id]", count=4))
        state["cards"] = cards
        check("the popover lists the four pending approvals", len(cards) == 4)
        await loop.run_in_executor(pool, session.screenshot, str(out / "popover.png"))

    async def approve_click():
        # 1. Approve the first (most urgent) card with the mouse.
        cards = state["cards"]
        first_id = cards[0].attribute("data-request-id")
        approve_on_card(cards[0])
        outcome = await eventually(lambda: resolution_in_audit(db, first_id))
        check("a click on Approve is recorded in the audit log as approved by the popover",
              outcome is not None and outcome[:2] == ("approved", "popover"), outcome)
        await loop.run_in_executor(
            pool, lambda: session.wait_for("li.card[data-request-id]", count=3))
        check("the approved card leaves the popover", True)
        closed = await eventually(lambda: _notification_closed(notes, db, first_id))
        check("the notification of a request decided elsewhere is closed", bool(closed))

    async def deny_keys():
        # 2. Deny the next one from the keyboard, with a reason.
        second_id = session.find_all("li.card[data-request-id]")[0].attribute("data-request-id")
        session.keys("d")
        await loop.run_in_executor(pool, lambda: session.wait_for("input"))
        session.keys("not on a Friday\ue007")  # \ue007 is WebDriver's Enter
        outcome = await eventually(lambda: resolution_in_audit(db, second_id))
        check("d, a reason and Enter deny the selected request with that reason",
              outcome == ("denied", "popover", "not on a Friday"), outcome)
        tooltip = await eventually(lambda: _tooltip_if(item, "2 approvals waiting"), timeout=10)
        check("the tooltip follows the decisions", tooltip is not None, repr(tooltip))

    async def escape_hides():
        session.keys("\ue00c")  # Escape
        hidden = await eventually(lambda: visible_windows() == [], timeout=10)
        check("Escape hides the popover", bool(hidden))

    async def notification_opens():
        # A click on a notification's body opens the popover on that request.
        remaining = pending_in_store(db)
        third_id, third_title = remaining[-1]
        note = next(n for n in state["approvals"] if third_title in n["body"])
        state["third_id"], state["note"] = third_id, note
        notes.click(note["id"], "default")
        shown = await eventually(visible_windows, timeout=10)
        selected = await loop.run_in_executor(pool, lambda: _selected_request(session, third_id))
        check("a click on a notification opens the popover on its request",
              bool(shown) and selected == third_id, (shown, selected))
        session.keys("\ue00c")
        await eventually(lambda: visible_windows() == [], timeout=10)

    async def notification_approve():
        # 3. Approve one from its notification's button.
        third_id, note = state["third_id"], state["note"]
        notes.click(note["id"], "approve")
        outcome = await eventually(lambda: resolution_in_audit(db, third_id))
        check("a notification's Approve button approves that request",
              outcome is not None and outcome[:2] == ("approved", "notification"), outcome)
        finished = await eventually(lambda: [n for n in notes.shown
                                             if n["summary"] == "Demo · deploy script finished"])
        check("an agent that finishes says so in a notification",
              bool(finished) and "Done: Deploy release 2.4.1" in finished[0]["body"],
              [n["summary"] for n in notes.shown])
        closed = await eventually(lambda: note["id"] in notes.closed, timeout=10)
        check("the notification closes once used", bool(closed))
        notes.click(note["id"], "deny")  # a stale click on it changes nothing
        await asyncio.sleep(0.5)
        entries = audit_entries(db, third_id)
        check("a second use of a notification changes nothing",
              [e[:2] for e in entries] == [("requested", None), ("resolved", "approved")],
              entries)

    async def shortcut_approve():
        # 4. Approve the last one with the global shortcut (popover closed: its notification
        # is the one on screen).
        (fourth_id, fourth_title), = pending_in_store(db)
        subprocess.run(["xdotool", "key", "ctrl+alt+shift+a"], check=True)
        outcome = await eventually(lambda: resolution_in_audit(db, fourth_id))
        check("the approve shortcut approves the request of the one notification on screen",
              outcome is not None and outcome[:2] == ("approved", "shortcut"), outcome)
        confirmed = await eventually(lambda: [n for n in notes.shown
                                              if n["summary"].startswith("Approved · Demo")
                                              and fourth_title in n["body"]], timeout=10)
        check("a shortcut's decision is confirmed in a notification naming the agent and "
              "the request", bool(confirmed), [n["summary"] for n in notes.shown[-3:]])
        tooltip = await eventually(lambda: _tooltip_if(item, "no agents working"), timeout=10)
        status = await item.prop("Status")
        check("with nothing pending and the agents done, the tray says so, with no count, "
              "and its status is Active again",
              tooltip == "Converge — no agents working" and status == "Active",
              (tooltip, status))

    async def menu_open():
        # 5. The popover comes back from the menu, with its empty state.
        await item.click_menu("Open")
        shown = await eventually(visible_windows, timeout=10)
        check("the tray menu's Open shows the popover again", bool(shown))
        notice = await loop.run_in_executor(pool, lambda: session.wait_for("p.notice"))
        check("with nothing pending the popover says what to do next",
              "No approvals waiting" in notice[0].text() and not session.find_all("li.card"))
        await loop.run_in_executor(pool, session.screenshot, str(out / "popover-empty.png"))

    async def start_at_login():
        # 6. Start at login writes and removes the autostart entry.
        # The autostart crate writes to ~/.config/autostart whatever XDG_CONFIG_HOME says.
        autostart_dir = home / ".config" / "autostart"
        await item.click_menu("Start at login")
        entry = await eventually(lambda: list(autostart_dir.glob("*.desktop")), timeout=10)
        check("Start at login writes an autostart entry", bool(entry), entry)
        await item.click_menu("Start at login")
        gone = await eventually(lambda: not list(autostart_dir.glob("*.desktop")), timeout=10)
        check("unchecking it removes the entry", bool(gone))

    async def second_launch():
        # 7. A second launch hands over to the running app and exits 0.
        session.keys("\ue00c")
        await eventually(lambda: visible_windows() == [], timeout=10)
        second = subprocess.run([app], capture_output=True, timeout=30)
        check("a second launch exits 0", second.returncode == 0, second.returncode)
        shown = await eventually(visible_windows, timeout=10)
        check("a second launch shows the running app's popover", bool(shown))

    async def full_window():
        # 8. The full window, from the tray menu: history from the audit log, search,
        # settings. (The popover's own link hides the popover in the middle of WebDriver's
        # click, which then waits forever for a frame; the link is covered by unit tests.)
        await item.click_menu("Open full window")
        await loop.run_in_executor(pool, lambda: session.switch_to_page("window.html"))
        entries = await loop.run_in_executor(
            pool, lambda: session.wait_for("li.entry[data-seq]", count=8))
        outcomes = sorted(e.attribute("data-outcome")
                          for e in session.find_all("li.entry [data-outcome]"))
        check("the full window's history shows every request and decision",
              len(entries) == 8 and outcomes == ["approved"] * 3 + ["denied"], outcomes)
        await asyncio.sleep(1)  # the screenshot is the last painted frame, not the DOM
        await loop.run_in_executor(pool, session.screenshot, str(out / "window-history.png"))
        search = session.find_all('input[type="search"]')[0]
        search.type("left-pad")
        found = await loop.run_in_executor(
            pool, lambda: session.wait_for("li.entry[data-seq]", count=2))
        check("searching the history narrows it to the matching request",
              all("Install a new dependency" in e.text() for e in found))
        await loop.run_in_executor(pool, session.screenshot, str(out / "window-search.png"))
        # Verifying walks the whole audit chain in the app, off its main thread.
        next(b for b in session.find_all(".verify button") if b.text() == "Verify audit log"
             ).click()
        verified = await eventually(lambda: next(
            (r.text() for r in session.find_all('.verify .result[role="status"]')
             if "verified" in r.text()), None), timeout=10)
        check("Verify audit log checks the whole chain and says it is intact",
              bool(verified) and "chain intact" in verified, verified)

    async def settings():
        next(t for t in session.find_all('button[role="tab"]') if t.text() == "Settings").click()
        keys = await loop.run_in_executor(
            pool, lambda: session.wait_for('input[aria-describedby~="shortcut-format"]', count=4))
        # Open/close, go to terminal, approve, deny.
        _, _, approve_key, deny_key = keys
        approve_key.clear()
        approve_key.type("ctrl+alt+shift+y")
        session.find_all('form[aria-label="Settings"] button[type="submit"]')[0].click()
        settings_file = home / "config" / APP_ID / "settings.json"
        saved = await eventually(lambda: settings_file.exists()
                                 and '"approve": "ctrl+alt+shift+y"' in settings_file.read_text())
        check("Settings saves a new approve shortcut to the settings file", bool(saved))
        # The form is disabled while it saves; a person types again once it is back.
        await eventually(lambda: session.find_all(
            'form[aria-label="Settings"] button[type="submit"]')[0].text() == "Save")

        def problem_beside(field, words: str):
            """The message tied to `field` that holds `words`, once the field is marked
            invalid."""
            if field.attribute("aria-invalid") != "true":
                return None
            texts = [session.execute(
                f"return document.getElementById('{id_}')?.textContent ?? ''")
                for id_ in (field.attribute("aria-describedby") or "").split()]
            return next((t for t in texts if words in t), None)

        # A key another program holds: the system refuses it, and the page says so beside that
        # key's field (from the refusal's key, not by reading its message), saving nothing.
        holder = subprocess.Popen([sys.executable, str(Path(__file__).with_name("hold_key.py")),
                                   "ctrl+alt+shift+o"], stdout=subprocess.PIPE, text=True)
        try:
            check("another program holds Ctrl+Alt+Shift+O",
                  holder.stdout.readline().strip() == "holding")
            open_key = keys[0]
            session.execute("document.querySelectorAll('input[aria-describedby~=\"shortcut-format\"]')"
                            "[0].scrollIntoView({block: 'center'})")
            open_key.clear()
            open_key.type("ctrl+alt+shift+o")
            session.find_all('form[aria-label="Settings"] button[type="submit"]')[0].click()
            problem = await eventually(
                lambda: problem_beside(open_key, "already uses Ctrl+Alt+Shift+O"), timeout=10)
            check("a key another program holds is refused beside its field, and the keys saved "
                  "before stay", bool(problem)
                  and '"toggle_popover": "ctrl+alt+shift+c"' in settings_file.read_text()
                  and '"approve": "ctrl+alt+shift+y"' in settings_file.read_text(), problem)
            await loop.run_in_executor(pool, session.screenshot,
                                       str(out / "window-settings-key-held.png"))
        finally:
            holder.kill()
            holder.wait()
        open_key.clear()
        open_key.type("ctrl+alt+shift+c")
        # Saving leaves the form scrolled to its button; WebDriver's own scrolling would put
        # the field under the window's sticky tab bar.
        session.execute("document.querySelectorAll('input[aria-describedby~=\"shortcut-format\"]')"
                        "[2].scrollIntoView({block: 'center'})")
        deny_key.clear()
        deny_key.type("ctrl+alt+shift+y")
        session.find_all('form[aria-label="Settings"] button[type="submit"]')[0].click()
        problem = await eventually(
            lambda: problem_beside(deny_key, "already the approve key"), timeout=10)
        check("a shortcut used twice is refused next to its field, in plain words, and "
              "not saved", bool(problem)
              and '"deny": "ctrl+alt+shift+d"' in settings_file.read_text(), problem)
        await loop.run_in_executor(pool, session.screenshot, str(out / "window-settings.png"))

    try:
        cases.add("app", app_up)
        cases.add("tray-item", tray_item, needs=["app"])
        cases.add("local-api", local_api, needs=["app"])
        cases.add("menu", menu, needs=["app"])
        cases.add("notifications", notifications, needs=["app"])
        cases.add("prepared-hidden", prepared_hidden, needs=["app"])
        # The WebDriver session is taken here: every case on a page needs this one.
        cases.add("open", popover_open, needs=["app"])
        cases.add("approve-click", approve_click, needs=["open"])
        # The tooltip's count follows the approval above.
        cases.add("deny-keys", deny_keys, needs=["open", "approve-click"])
        cases.add("escape-hides", escape_hides, needs=["open"])
        cases.add("notification-opens", notification_opens, needs=["open", "notifications"])
        cases.add("notification-approve", notification_approve, needs=["notification-opens"])
        # One request left pending: the three before it decided.
        cases.add("shortcut-approve", shortcut_approve,
                  needs=["approve-click", "deny-keys", "notification-approve"])
        # The empty state: every request decided.
        cases.add("menu-open", menu_open, needs=["shortcut-approve"])
        cases.add("start-at-login", start_at_login, needs=["app"])
        cases.add("second-launch", second_launch, needs=["open"])
        # The history holds the four requests and their decisions.
        cases.add("full-window", full_window, needs=["shortcut-approve"])
        cases.add("settings", settings, needs=["full-window"])
        await cases.run_all()
    finally:
        await stop_driven_app(loop, pool, session, driver, desktop, home)
    return run.finish()


def _selected_request(session, wanted, timeout=10.0):
    """The id of the popover's selected card, once it is `wanted` (or the last seen)."""
    deadline = time.monotonic() + timeout
    selected = None
    while time.monotonic() < deadline:
        cards = session.find_all('li.card[aria-selected="true"]')
        selected = cards[0].attribute("data-request-id") if cards else None
        if selected == wanted:
            break
        time.sleep(0.1)
    return selected


def _notification_closed(notes, db, request_id):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        (title,) = conn.execute("SELECT title FROM requests WHERE id = ?", (request_id,)).fetchone()
    finally:
        conn.close()
    ids = [n["id"] for n in notes.shown if n["summary"].startswith("Approval needed")
           and title in n["body"]]
    return ids and all(i in notes.closed for i in ids)


async def _tooltip_if(item, suffix):
    tooltip = await item.tooltip()
    return tooltip if tooltip.endswith(suffix) else None


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))
