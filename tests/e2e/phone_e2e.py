"""End to end: deciding from the phone through Matrix. A real Synapse on 127.0.0.1, the app,
the person's phone played by a real Matrix client with its own device and cross-signing
(crates/phone-link/examples/phone_stand_in.rs), and the person's keyring (GNOME Keyring,
unlocked as at a login). The person sets Phone up in Settings (the session's secrets go to
the keyring), accepts the invitation on the phone, compares the emojis the full window shows
with the phone's and says they match; then `ctray ask` reaches the phone encrypted,
"approve CODE" there makes it exit 0 with the decision recorded as the phone's device,
"deny CODE reason" carries the reason to the agent, a request decided at the desk first has
its phone message edited, with "while the screen is locked" a request waits at the unlocked
desk and goes once the desktop's screensaver says the screen locked, turning Phone off signs
the app's device out and forgets its session (the keyring's item too), and Synapse killed is
told to the person while requests stay on the desktop.

Run by tests/e2e/run.sh inside `xvfb-run -a dbus-run-session`.
usage: phone_e2e.py APP_BINARY OUTPUT_DIR [CASE…]   (cases: app, set-up, verify, approve,
deny, desk-first, locked, turn-off, homeserver-gone; each stops at its first failed check)
"""
import asyncio
import json
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dbus_next import Variant
from dbus_next.aio import MessageBus
from dbus_next.service import ServiceInterface, method

from desktop import Desktop, isolated_home
from harness import (APP_ID, DRIVER, Cases, Run, eventually, start_driver, stop_driven_app)
from webdriver import Session

AGENT = "phone-e2e"
PERSON = "@person:localhost"
FAST = "{per_second: 10000, burst_count: 100000}"


class Synapse:
    """A real Synapse from the test venv, on a free port, SQLite in `home`."""

    def __init__(self, home: Path):
        self.dir = home / "synapse"
        self.dir.mkdir()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = self.dir / "homeserver.yaml"
        self.config.write_text(f"""server_name: "localhost"
public_baseurl: "{self.url}/"
listeners:
  - {{port: {self.port}, bind_addresses: ["127.0.0.1"], type: http, tls: false,
     resources: [{{names: [client], compress: false}}]}}
database: {{name: sqlite3, args: {{database: "{self.dir}/homeserver.db"}}}}
media_store_path: "{self.dir}/media_store"
signing_key_path: "{self.dir}/signing.key"
report_stats: false
trusted_key_servers: []
suppress_key_server_warning: true
enable_registration: false
registration_shared_secret: "e2e-shared-secret"
macaroon_secret_key: "e2e-macaroon-secret"
form_secret: "e2e-form-secret"
bcrypt_rounds: 4
url_preview_enabled: false
presence: {{enabled: false}}
rc_message: {FAST}
rc_registration: {FAST}
rc_login: {{address: {FAST}, account: {FAST}, failed_attempts: {FAST}}}
rc_joins: {{local: {FAST}, remote: {FAST}}}
rc_joins_per_room: {FAST}
rc_invites: {{per_room: {FAST}, per_user: {FAST}, per_issuer: {FAST}}}
rc_key_requests: {FAST}
rc_room_creation: {FAST}
""")
        python = sys.executable
        subprocess.run([python, "-m", "synapse.app.homeserver", "--generate-keys",
                        "-c", str(self.config)], check=True, stdout=subprocess.DEVNULL)
        self.log = self.dir / "synapse.log"
        self.proc = subprocess.Popen([python, "-m", "synapse.app.homeserver",
                                      "-c", str(self.config)],
                                     stdout=open(self.log, "w"), stderr=subprocess.STDOUT)

    def up(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def register(self, user: str, password: str):
        script = Path(sys.executable).with_name("register_new_matrix_user")
        subprocess.run([str(script), "-c", str(self.config), "-u", user, "-p", password,
                        "--no-admin", self.url], check=True, stdout=subprocess.DEVNULL)

    def kill(self):
        self.proc.kill()
        self.proc.wait()


class ScreenSaver(ServiceInterface):
    """The desktop's screensaver, as Plasma and Xfce serve it on the session bus: whether the
    screen is locked, and how long the session has been idle."""

    def __init__(self):
        super().__init__("org.freedesktop.ScreenSaver")
        self.active = False

    @method()
    def GetActive(self) -> "b":
        return self.active

    @method()
    def GetSessionIdleTime(self) -> "u":
        return 0


class Keyring:
    """The person's keyring: GNOME Keyring's Secret Service on the session bus, its login
    keyring made and unlocked with a password as a desktop login does (PAM hands it over)."""

    ATTRIBUTES = {"application": "dev.converge.tray", "purpose": "phone-session"}

    def __init__(self, log: Path):
        self.proc = subprocess.Popen(["gnome-keyring-daemon", "--foreground", "--unlock",
                                      "--components=secrets"], stdin=subprocess.PIPE,
                                     stdout=open(log, "w"), stderr=subprocess.STDOUT)
        self.proc.stdin.write(b"login-password")
        self.proc.stdin.close()

    async def secrets(self) -> list:
        """The app's phone items' secrets, as JSON: what any program of the person's could
        read from an unlocked keyring."""
        bus = await MessageBus().connect()
        try:
            async def interface(path: str, name: str):
                node = await bus.introspect("org.freedesktop.secrets", path)
                return bus.get_proxy_object("org.freedesktop.secrets", path,
                                            node).get_interface(name)
            service = await interface("/org/freedesktop/secrets",
                                      "org.freedesktop.Secret.Service")
            _, plain = await service.call_open_session("plain", Variant("s", ""))
            unlocked, locked = await service.call_search_items(self.ATTRIBUTES)
            found = []
            for path in unlocked + locked:
                item = await interface(path, "org.freedesktop.Secret.Item")
                _, _, value, _ = await item.call_get_secret(plain)
                found.append(json.loads(bytes(value)))
            return found
        finally:
            bus.disconnect()

    def stop(self):
        self.proc.kill()
        self.proc.wait()


class StandIn:
    """The person's phone: phone_stand_in, one JSON command and answer per line."""

    def __init__(self, program: Path, log: Path):
        self.proc = subprocess.Popen([str(program)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=open(log, "w"), text=True)

    def do(self, command: dict):
        self.proc.stdin.write(json.dumps(command) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline() or '{"error": "the phone ended"}')
        if "error" in answer:
            raise RuntimeError(f"the phone: {command['do']}: {answer['error']}")
        return answer["ok"]

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def code_in(body: str):
    found = re.search(r'"deny ([A-Z0-9]{5}) ', body)
    return found.group(1) if found else None


def decision_in_audit(db: Path, request_id: str):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return conn.execute("SELECT outcome, decided_by, device, reason FROM audit "
                            "WHERE request_id = ? AND event = 'resolved'",
                            (request_id,)).fetchone()
    finally:
        conn.close()


async def main(app: str, out: Path, only) -> int:
    out.mkdir(parents=True, exist_ok=True)
    app_path = Path(app).resolve()
    ctray = str(app_path.with_name("ctray"))
    stand_in = app_path.parent / "examples" / "phone_stand_in"
    home = isolated_home("converge-e2e-phone-")
    db = home / "data" / APP_ID / "inbox.db"
    run = Run()
    cases = Cases(run, only)
    check = cases.check
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=2)
    desktop = await Desktop.start()
    notes = desktop.notifications
    synapse = Synapse(home)
    keyring = Keyring(out / "keyring.log")
    phone = StandIn(stand_in, out / "phone-stand-in.log")
    driver, wrapper = start_driver(home, out, app, "app-phone.log")
    session = None
    item = None
    askers = []

    def ask(title: str, details: str):
        proc = subprocess.Popen([ctray, "ask", title, "--agent", AGENT, "--details", details,
                                 "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        askers.append(proc)
        return proc

    def on_phone(command: dict):
        return loop.run_in_executor(pool, phone.do, command)

    def status_line():
        found = session.find_all("fieldset.phone .status-line")
        return found[0].text() if found else ""

    def button(label: str):
        return next((b for b in session.find_all("fieldset.phone button")
                     if b.text() == label), None)

    def token_works(token: str) -> bool:
        request = urllib.request.Request(f"{synapse.url}/_matrix/client/v3/account/whoami",
                                         headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, timeout=10):
                return True
        except urllib.error.HTTPError:
            return False

    async def set_up_form():
        session.execute("document.querySelector('fieldset.phone').scrollIntoView()")
        for field, value in (("phone-homeserver", synapse.url),
                             ("phone-account", "@app:localhost"),
                             ("phone-password", "app-password"),
                             ("phone-person", PERSON)):
            session.find_all(f"#{field}")[0].clear()
            session.find_all(f"#{field}")[0].type(value)
        button("Sign in").click()
        return await eventually(lambda: "Signed in as" in status_line(), timeout=60)

    async def app_up():
        nonlocal session, item
        up = await eventually(synapse.up, timeout=60)
        check("Synapse answers on 127.0.0.1", bool(up), synapse.log.read_text()[-2000:])
        for user in ("app", "person"):
            await loop.run_in_executor(pool, synapse.register, user, f"{user}-password")
        device = await on_phone({"do": "sign_in", "url": synapse.url, "user": "person",
                                 "password": "person-password",
                                 "store": str(home / "phone-store")})
        check("the phone signs in with a device of its own", bool(device), device)
        await loop.run_in_executor(pool, Session.wait_for_server, DRIVER)
        session_future = loop.run_in_executor(pool, Session.create, DRIVER, str(wrapper),
                                              ["--pin-popover"])
        item = await desktop.wait_for_item()
        check("the app is up with its tray item", item is not None)
        await item.activate()
        session = await asyncio.wait_for(session_future, timeout=120)
        await item.click_menu("Open full window")
        await loop.run_in_executor(pool, lambda: session.switch_to_page("window.html"))
        next(t for t in session.find_all('button[role="tab"]') if t.text() == "Settings").click()
        shown = await eventually(lambda: "Phone is off" in status_line(), timeout=20)
        check("Settings → Phone says Phone is off and nothing leaves the machine",
              bool(shown), status_line())

    async def set_up():
        signed_in = await set_up_form()
        check("signing in makes the app's device, and it says the phone has not verified it",
              bool(signed_in) and "not verified" in status_line(), status_line())
        password = session.find_all("#phone-password")
        check("the password is gone from the page",
              not password or password[0].attribute("value") in ("", None))
        room = await on_phone({"do": "join_invited"})
        check("the phone is invited to the app's room and joins it", bool(room), room)
        store = home / "data" / APP_ID / "phone"
        session_file = store / "session.json"
        check("the link keeps its session for the user alone, without the password",
              session_file.exists() and (session_file.stat().st_mode & 0o777) == 0o600
              and "app-password" not in session_file.read_text())
        kept = await keyring.secrets()
        in_file = json.loads(session_file.read_text())
        check("its secrets (the access token, the store's key) are in the person's keyring, "
              "not in the file",
              len(kept) == 1 and {"access_token", "passphrase"} <= kept[0].keys()
              and "secrets" not in in_file
              and kept[0]["access_token"] not in session_file.read_text(), (kept, in_file))
        said = session.find_all("fieldset.phone .keys")
        check("Settings → Phone says its keys are in the keyring",
              bool(said) and "kept in your keyring" in said[0].text())

    async def verify():
        button("Verify with my phone").click()
        try:
            emojis = await on_phone({"do": "accept_verification"})
        except RuntimeError:
            print("  Settings → Phone says:", session.find_all("fieldset.phone")[0].text(),
                  flush=True)
            raise
        shown = await eventually(
            lambda: [e.text() for e in session.find_all('ol[aria-label="Emojis to compare"] li')],
            timeout=30)
        names = [name for _, name in emojis]
        check("the full window shows the same seven emojis as the phone, in order",
              len(shown or []) == 7 and all(name in text for name, text in zip(names, shown)),
              (names, shown))
        await asyncio.sleep(0.5)
        await loop.run_in_executor(pool, session.screenshot, str(out / "window-phone-emojis.png"))
        button("They match").click()
        await on_phone({"do": "confirm"})
        ready = await eventually(lambda: "Requests go to" in status_line(), timeout=30)
        check("once both sides confirm, Phone is ready", bool(ready), status_line())
        # Every request goes to the phone as it arrives.
        session.find_all('input[name="phone-escalate"][value="always"]')[0].click()
        # Scrolled to as a person does: WebKit's WebDriver does not scroll the window's
        # inner scrolling pane to an element below it.
        session.execute("document.querySelector('form[aria-label=\"Settings\"] "
                        "button[type=\"submit\"]').scrollIntoView()")
        session.find_all('form[aria-label="Settings"] button[type="submit"]')[0].click()
        settings_file = home / "config" / APP_ID / "settings.json"
        saved = await eventually(lambda: settings_file.exists()
                                 and '"escalate": "always"' in settings_file.read_text())
        check("the choice to send every request is saved", bool(saved))
        await asyncio.sleep(0.5)
        await loop.run_in_executor(pool, session.screenshot, str(out / "window-phone-ready.png"))
        # A figure for docs/performance.md, not a check: what Phone on costs in memory.
        for pid in subprocess.run(["pgrep", "-x", "converge-phone"], capture_output=True,
                                  text=True).stdout.split():
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            pss = next(line.split()[1] for line in rollup.splitlines()
                       if line.startswith("Pss:"))
            print(f"  the phone's link (pid {pid}): PSS {int(pss):,} KiB", flush=True)

    async def approve():
        asker = ask("Deploy to production?", "kubectl apply -f prod.yaml")
        started = time.monotonic()
        message = await on_phone({"do": "message", "contains": "Deploy to production?"})
        reached = time.monotonic() - started
        code = code_in(message["body"])
        check("the request reaches the phone encrypted, with the command and a code",
              message["encrypted"] and "kubectl apply -f prod.yaml" in message["body"]
              and code is not None, message)
        print(f"  request → phone message: {reached * 1000:.0f} ms", flush=True)
        answered = time.monotonic()
        await on_phone({"do": "send", "text": f"approve {code}"})
        exited = await eventually(lambda: asker.poll() is not None, timeout=30)
        print(f"  phone answer → ctray exit: {(time.monotonic() - answered) * 1000:.0f} ms",
              flush=True)
        output = asker.stdout.read() if exited else ""
        check("approve CODE on the phone makes ctray ask exit 0", asker.returncode == 0,
              (asker.returncode, output, asker.stderr.read() if exited else ""))
        request_id = json.loads(output or "{}").get("id")
        decided = decision_in_audit(db, request_id) if request_id else None
        devices = await on_phone({"do": "edit", "contains": "Approved on the phone"})
        check("the audit log records the phone and its device, and the phone's message says "
              "how it ended", decided is not None and decided[:2] == ("approved", "phone")
              and bool(decided[2]) and bool(devices), decided)

    async def deny():
        asker = ask("Drop the staging database?", "psql -c 'drop database staging'")
        message = await on_phone({"do": "message", "contains": "Drop the staging database?"})
        await on_phone({"do": "send", "text": f"deny {code_in(message['body'])} not today"})
        await eventually(lambda: asker.poll() is not None, timeout=30)
        said = (asker.stdout.read() or "") + (asker.stderr.read() or "")
        check("deny CODE reason on the phone denies it, and the reason reaches the agent",
              asker.returncode != 0 and "not today" in said, (asker.returncode, said))

    async def desk_first():
        asker = ask("Rotate the keys?", "make rotate-keys")
        await on_phone({"do": "message", "contains": "Rotate the keys?"})
        # The one approval notification on screen: its Approve button, at the desk.
        shown = await eventually(lambda: [n for n in notes.shown
                                          if "Rotate the keys?" in n["body"]], timeout=15)
        check("the request also waits on the desktop, as a notification", bool(shown))
        notes.click(shown[-1]["id"], "approve")
        await eventually(lambda: asker.poll() is not None, timeout=30)
        edited = await on_phone({"do": "edit", "contains": "Approved on the desktop"})
        check("decided at the desk first, the phone's message says so",
              asker.returncode == 0 and bool(edited), (asker.returncode, edited))

    async def locked():
        # Requests go to the phone only while the screen is locked.
        screensaver = ScreenSaver()
        bus = await MessageBus().connect()
        bus.export("/org/freedesktop/ScreenSaver", screensaver)
        await bus.request_name("org.freedesktop.ScreenSaver")
        session.find_all('input[name="phone-escalate"][value="locked"]')[0].click()
        session.find_all('form[aria-label="Settings"] button[type="submit"]')[0].click()
        settings_file = home / "config" / APP_ID / "settings.json"
        saved = await eventually(lambda: '"escalate": "locked"' in settings_file.read_text())
        check("the choice to send while the screen is locked is saved", bool(saved))
        asker = ask("Migrate the billing tables?", "make migrate")
        try:
            await on_phone({"do": "message", "contains": "Migrate the billing tables?",
                            "within": 8})
            went_early = True
        except RuntimeError:
            went_early = False
        check("while the person is at the unlocked desk, the request stays there",
              not went_early and asker.poll() is None)
        screensaver.active = True
        started = time.monotonic()
        message = await on_phone({"do": "message", "contains": "Migrate the billing tables?"})
        print(f"  screen locked → phone message: {(time.monotonic() - started) * 1000:.0f} ms",
              flush=True)
        await on_phone({"do": "send", "text": f"approve {code_in(message['body'])}"})
        await eventually(lambda: asker.poll() is not None, timeout=30)
        check("once the screen locks, it reaches the phone, and the phone's answer decides it",
              asker.returncode == 0, asker.returncode)
        bus.disconnect()

    async def turn_off():
        store = home / "data" / APP_ID / "phone"
        token = (await keyring.secrets())[0]["access_token"]
        check("the app's device can use the homeserver while Phone is on", token_works(token))
        button("Turn Phone off").click()
        button("Turn off and forget the session?").click()
        off = await eventually(lambda: "Phone is off" in status_line(), timeout=30)
        check("turning Phone off says so, and forgets the session and keys",
              bool(off) and not store.exists(), status_line())
        check("and signs the app's device out of the homeserver", not token_works(token))
        check("and deletes its secrets from the keyring", await keyring.secrets() == [])
        again = await set_up_form()
        check("Phone can be set up again", bool(again), status_line())

    async def homeserver_gone():
        synapse.kill()
        told = await eventually(lambda: [n for n in notes.shown
                                         if "Phone is unavailable" in n["summary"]], timeout=90)
        check("with the homeserver gone, the person is told in a notification", bool(told),
              [n["summary"] for n in notes.shown[-5:]])
        asker = ask("Restart the web server?", "systemctl restart nginx")
        shown = await eventually(lambda: [n for n in notes.shown
                                          if "Restart the web server?" in n["body"]], timeout=15)
        check("and requests still wait on the desktop", bool(shown) and asker.poll() is None)
        told_again = [n for n in notes.shown if "Phone is unavailable" in n["summary"]]
        check("told once, not at every request", len(told_again) == 1, len(told_again))
        await asyncio.sleep(0.5)
        await loop.run_in_executor(pool, session.screenshot,
                                   str(out / "window-phone-unavailable.png"))

    try:
        cases.add("app", app_up)
        cases.add("set-up", set_up, needs=["app"])
        cases.add("verify", verify, needs=["set-up"])
        cases.add("approve", approve, needs=["verify"])
        cases.add("deny", deny, needs=["verify"])
        cases.add("desk-first", desk_first, needs=["verify"])
        cases.add("locked", locked, needs=["verify"])
        cases.add("turn-off", turn_off, needs=["verify"])
        cases.add("homeserver-gone", homeserver_gone, needs=["set-up"])
        await cases.run_all()
    finally:
        for proc in askers:
            if proc.poll() is None:
                proc.kill()
        phone.stop()
        synapse.kill()
        keyring.stop()
        await stop_driven_app(loop, pool, session, driver, desktop, home)
    return run.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))
