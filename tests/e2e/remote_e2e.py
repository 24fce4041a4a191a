"""End to end: an agent on another machine asks through SSH. An `sshd` of the test's own
(Debian's openssh-server, its own host key and config in a temporary directory, on a free
port of 127.0.0.1, key-only login) stands in for the remote machine; `ssh -R` carries the
app's socket there, and `ctray ask` runs through that SSH session.

- The card is marked remote, with the host, never as the local `ssh` process it is not; the
  audit log records it so.
- Approved in the popover, the remote ctray exits 0.
- The SSH connection killed while its request waits: the request ends cancelled.
- Without the forward, the remote ctray exits 3 with a clear message.
- `ctray remote setup devbox --write` asks the host (through ssh) for its home, writes the
  ssh config stanza; every `ssh devbox` then forwards the socket to ~/.converge-tray there,
  where the remote ctray finds it without configuration. The forward dropped and made again
  while a keyed ask waits: the remote ctray finds the same request, and its approval.
- A process in another PID namespace, given the socket's directory by a bind mount (a
  container), is marked as from a container.
- A grant made in the popover for a local Claude Code session (`ctray hook claude`) approves
  nothing that comes through SSH under the same session id: it waits on a card marked
  remote; `ctray pending` through SSH lists the peer's own request, not the local one.
- Settings → Other machines refusing devbox: its next ask is turned away (exit 3), no card,
  and Settings lists it as turned away.

Run by tests/e2e/run.sh inside `xvfb-run -a dbus-run-session`.
usage: remote_e2e.py APP_BINARY OUTPUT_DIR [CASE…]   (cases: app, marked-remote, approve,
link-drops, no-forward, setup, forward, reconnect, container, local-grant, refused; each
stops at its first failed check)
"""
import asyncio
import json
import os
import shlex
import socket
import sqlite3
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from desktop import Desktop, isolated_home
from harness import (approve_on_card, APP_ID, DRIVER, Cases, Run, audit_entries, card_for,
                     eventually, find_card, pending_in_store, resolution_in_audit, start_driver,
                     stop_driven_app)
from webdriver import Session

SSHD = "/usr/sbin/sshd"
# A Claude Code session on this machine, whose id a peer through SSH borrows.
CLAUDE_SESSION = "0b7e1d1e-e2e0-4f00-8a11-remote000001"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sshd:
    """An sshd of the test's own: key-only, on 127.0.0.1, Unix-socket forwarding allowed."""

    def __init__(self, home: Path):
        self.dir = Path(tempfile.mkdtemp(prefix="converge-sshd-"))
        self.dir.chmod(0o700)
        # The remote machine's home and (empty) runtime directory, set for every session.
        self.remote_home = self.dir / "remote-home"
        self.remote_home.mkdir(mode=0o700)
        remote_runtime = self.dir / "remote-runtime"
        remote_runtime.mkdir(mode=0o700)
        self.port = free_port()
        self.key = self.dir / "client_key"
        host_key = self.dir / "host_key"
        for path in (host_key, self.key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
                           check=True)
        (self.dir / "authorized_keys").write_text((self.dir / "client_key.pub").read_text())
        (self.dir / "authorized_keys").chmod(0o600)
        self.remote_dir = self.dir / "remote"
        self.remote_dir.mkdir(mode=0o700)
        config = self.dir / "sshd_config"
        config.write_text(f"""
ListenAddress 127.0.0.1
Port {self.port}
HostKey {host_key}
PidFile {self.dir}/sshd.pid
AuthorizedKeysFile {self.dir}/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
AllowStreamLocalForwarding yes
StreamLocalBindUnlink yes
SetEnv HOME={self.remote_home} XDG_RUNTIME_DIR={remote_runtime}
""")
        # The person's ssh config: the host alias `devbox`, as `ctray remote setup` finds it.
        self.client_config = self.dir / "ssh_config"
        self.client_config.write_text(f"""Host devbox
    HostName 127.0.0.1
    Port {self.port}
    User {os.environ.get('USER', 'root')}
    IdentityFile {self.key}
    BatchMode yes
    StrictHostKeyChecking no
    UserKnownHostsFile /dev/null
    LogLevel ERROR
""")
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # its privilege separation dir
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)],
                                     stdout=open(self.dir / "sshd.log", "w"),
                                     stderr=subprocess.STDOUT)

    def ssh(self, local_socket: Path | None, *command: str,
            stdin: str | None = None) -> subprocess.Popen:
        """`ssh` to the test's sshd, forwarding `local_socket` to `remote.sock` there; the
        remote command reads `stdin` when given."""
        forward = (["-R", f"{self.remote_dir}/remote.sock:{local_socket}"]
                   if local_socket else [])
        proc = subprocess.Popen(
            ["ssh", "-F", "/dev/null", "-i", str(self.key), "-p", str(self.port),
             "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
             "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
             "-o", "StreamLocalBindUnlink=yes", "-o", "ExitOnForwardFailure=yes",
             *forward, f"{os.environ.get('USER', 'root')}@127.0.0.1", *command],
            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if stdin is not None:
            proc.stdin.write(stdin)
            proc.stdin.close()
        return proc

    def devbox(self, *options: str, command: str | None = None) -> subprocess.Popen:
        """`ssh [options] devbox [command]` with the person's ssh config (whatever it
        forwards)."""
        return subprocess.Popen(["ssh", "-F", str(self.client_config), *options, "devbox",
                                 *([command] if command else [])],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def stop(self):
        self.proc.terminate()


def requester_in_audit(db: Path, request_id: str):
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        row = conn.execute("SELECT requester FROM audit WHERE request_id = ? "
                           "AND event = 'requested'", (request_id,)).fetchone()
        return row[0] if row else None
    finally:
        conn.close()


async def main(app: str, out: Path, only) -> int:
    out.mkdir(parents=True, exist_ok=True)
    ctray = str(Path(app).with_name("ctray"))
    home = isolated_home("converge-e2e-remote-")
    db = home / "data" / APP_ID / "inbox.db"
    local_socket = home / "run" / "api.sock"
    run = Run()
    cases = Cases(run, only)
    check = cases.check
    loop = asyncio.get_running_loop()
    pool = ThreadPoolExecutor(max_workers=2)
    desktop = await Desktop.start()
    driver, wrapper = start_driver(home, out, app, "app-remote.log")
    sshd = Sshd(home)
    session = None
    item = None
    # What one case leaves for the next: the first request and its card, the forward
    # `ctray remote setup` wrote, the forwarding link and the keyed ask through it.
    state = {}
    sessions = []

    def remote_ask(title, forward=True):
        remote_socket = sshd.remote_dir / ("remote.sock" if forward else "absent.sock")
        # The remote side runs the command through its shell: each word quoted.
        command = ["env", f"CONVERGE_TRAY_SOCKET={remote_socket}", ctray, "ask", title,
                   "--agent", "devbox-agent", "--details", "./deploy.sh --env staging"]
        proc = sshd.ssh(local_socket if forward else None, shlex.join(command))
        sessions.append(proc)
        return proc

    async def app_up():
        nonlocal session, item
        await loop.run_in_executor(pool, Session.wait_for_server, DRIVER)
        session_future = loop.run_in_executor(pool, Session.create, DRIVER, str(wrapper),
                                              ["--pin-popover"])
        item = await desktop.wait_for_item()
        answering = await eventually(lambda: local_socket.exists(), timeout=30)
        check("the app serves its socket", bool(answering))

        # The WebDriver session begins once there is a page: the popover, opened by a click
        # once the first request (case marked-remote's) is asked through SSH.
        state["first"] = remote_ask("Deploy from the devbox")
        await item.activate()
        session = await asyncio.wait_for(session_future, timeout=120)

    async def marked_remote():
        # 1. Asked through SSH: marked remote, with the host.
        first = state["first"]
        card = await loop.run_in_executor(pool, card_for, session, "Deploy from the devbox", 30)
        marked = card.find("p.remote").text() if card else None
        check("a request through an SSH forward appears marked remote, with its host",
              marked == "Remote · via SSH from 127.0.0.1",
              (marked, first.poll(), first.stderr.read() if first.poll() else ""))
        await loop.run_in_executor(pool, session.screenshot, str(out / "popover-remote.png"))
        request_id = card.attribute("data-request-id") if card else None
        requester = requester_in_audit(db, request_id) if request_id else None
        check("the audit log records it as via SSH from the host",
              requester is not None and requester.endswith("via SSH from 127.0.0.1"),
              requester)
        state["card"] = card

    async def approved():
        first, card = state["first"], state["card"]
        # 2. Approved in the popover: the remote ctray exits 0.
        approve_on_card(card)
        done = await eventually(lambda: first.poll() is not None, timeout=20)
        check("approved in the popover, the remote ctray exits 0 (through ssh)",
              bool(done) and first.returncode == 0,
              (first.returncode, first.stderr.read() if done else ""))

    async def link_drops():
        # 3. The SSH connection dies while its request waits: it ends cancelled.
        second = remote_ask("Deploy while the link drops")
        card = await loop.run_in_executor(pool, card_for, session,
                                          "Deploy while the link drops", 30)
        second_id = card.attribute("data-request-id") if card else None
        second.kill()  # the connection drops; its shell would collect it
        second.wait()
        ended = await eventually(lambda: resolution_in_audit(db, second_id), timeout=20) \
            if second_id else None
        check("a killed SSH connection cancels its waiting request",
              ended is not None and ended[0] == "cancelled", ended)

    async def no_forward():
        # 4. No forward: the remote ctray says so and exits 3.
        third = remote_ask("Deploy without the forward", forward=False)
        done = await eventually(lambda: third.poll() is not None, timeout=20)
        said = third.stderr.read() if done else ""
        check("without the forward, the remote ctray exits 3 with a clear message",
              bool(done) and third.returncode == 3 and "not reachable" in said,
              (third.returncode, said))

    async def remote_setup():
        # 5. `ctray remote setup devbox --write`: the stanza, from the host's own home.
        setup = subprocess.run([ctray, "remote", "setup", "devbox", "--write",
                                "--config", str(sshd.client_config)],
                               capture_output=True, text=True, timeout=60)
        config = sshd.client_config.read_text()
        forwarded = sshd.remote_home / ".converge-tray" / "api.sock"
        check("ctray remote setup --write adds the forward to the host's home, from ssh",
              setup.returncode == 0
              and f"RemoteForward {forwarded} {local_socket}" in config
              and "StreamLocalBindUnlink yes" in config
              and (forwarded.parent.stat().st_mode & 0o777) == 0o700,
              (setup.returncode, setup.stdout, setup.stderr, config))
        state["forwarded"] = forwarded

    async def forward():
        forwarded = state["forwarded"]
        # 6. Any `ssh devbox` now carries the socket; the remote ctray finds it by itself.
        # The agent runs in its own session (tmux, say), not in the one that forwards.
        link = sshd.devbox("-N")
        sessions.append(link)
        bound = await eventually(lambda: forwarded.exists(), timeout=20)
        agent = sshd.devbox("-o", "ClearAllForwardings=yes", command=shlex.join(
            [ctray, "ask", "Migrate the devbox database", "--agent", "devbox-agent",
             "--key", "migrate-7"]))
        sessions.append(agent)
        card = await loop.run_in_executor(pool, card_for, session,
                                          "Migrate the devbox database", 30)
        marked = card.find("p.remote").text() if card else None
        check("through the configured forward, found without CONVERGE_TRAY_SOCKET, "
              "the card names the host alias",
              bool(bound) and marked == "Remote · via SSH from devbox",
              (bound, marked, agent.poll()))
        state.update(link=link, agent=agent)
        state["migrate_id"] = card.attribute("data-request-id") if card else None

    async def reconnect():
        link, agent, migrate_id = state["link"], state["agent"], state["migrate_id"]
        # 7. The forwarding connection drops and is made again (a laptop's wifi): the
        # keyed ask finds the same request, which is not closed as orphaned meanwhile.
        link.kill()
        link.wait()
        link = sshd.devbox("-N")
        sessions.append(link)
        await asyncio.sleep(8)  # past the 5 s in which a gone asker's request is closed
        card = await loop.run_in_executor(pool, card_for, session,
                                          "Migrate the devbox database", 10)
        same = card.attribute("data-request-id") if card else None
        asked = audit_entries(db, migrate_id) if migrate_id else []
        waiting = [t for _, t in pending_in_store(db) if t == "Migrate the devbox database"]
        check("after the forward is made again, the same request still waits (no second "
              "card, not cancelled)",
              same == migrate_id and agent.poll() is None and len(waiting) == 1
              and [e for e in asked if e[0] == "resolved"] == [],
              (same, migrate_id, agent.poll(), waiting, asked))
        if card:
            approve_on_card(card)
        done = await eventually(lambda: agent.poll() is not None, timeout=20)
        said = agent.stderr.read() if done else ""
        check("approved, the remote ctray that reconnected exits 0 and said it asked again",
              bool(done) and agent.returncode == 0 and "asking again with key migrate-7"
              in said, (agent.returncode, said))

    async def container():
        # 8. A container: another PID namespace, given the socket's directory by a bind mount.
        mount = sshd.dir / "container-socket"
        mount.mkdir(mode=0o700)
        as_root = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
        in_container = subprocess.Popen(
            ["unshare", *as_root, "--mount", "--pid", "--fork", "sh", "-c",
             'mount --bind "$1" "$2" && CONVERGE_TRAY_SOCKET="$2/api.sock" exec "$3" ask '
             '"Build the image" --agent container-agent', "sh",
             str(local_socket.parent), str(mount), ctray],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        sessions.append(in_container)
        card = await loop.run_in_executor(pool, card_for, session, "Build the image", 30)
        marked = card.find("p.remote").text() if card else None
        check("a process in another PID namespace, through a bind mount, is marked as from "
              "a container", marked == "Remote · from a container",
              (marked, in_container.poll(),
               in_container.stderr.read() if in_container.poll() is not None else ""))
        if card:
            card.find("button.deny").click()
        await eventually(lambda: in_container.poll() is not None, timeout=20)

    async def local_grant():
        # 9. A grant made for a local Claude Code session approves nothing that comes
        # through SSH under the same session id, and a peer sees only its own requests.
        shop = home / "shop"
        shop.mkdir()

        def hook_payload(command):
            return json.dumps({
                "session_id": CLAUDE_SESSION, "transcript_path": str(home / "t.jsonl"),
                "cwd": str(shop), "permission_mode": "default",
                "hook_event_name": "PermissionRequest", "tool_name": "Bash",
                "tool_input": {"command": command}, "permission_suggestions": []})

        def local_hook(command):
            proc = subprocess.Popen([ctray, "hook", "claude"], cwd=shop, stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            proc.stdin.write(hook_payload(command))
            proc.stdin.close()
            sessions.append(proc)
            return proc

        def remote_ctray(*args, stdin=None):
            # In the project's directory there too: the same session, the same place.
            command = shlex.join(["env", f"CONVERGE_TRAY_SOCKET={sshd.remote_dir}/remote.sock",
                                  ctray, *args])
            proc = sshd.ssh(local_socket, f"cd {shlex.quote(str(shop))} && {command}",
                            stdin=stdin)
            sessions.append(proc)
            return proc

        granted = local_hook("git status")
        card = await loop.run_in_executor(pool, card_for, session, "Bash: git status", 30)
        if card:
            card.find("button.allow-toggle").click()
            form = await loop.run_in_executor(pool, lambda: session.wait_for("form.grant-form"))
            form[0].find_all("input[name=grant-what]")[-1].click()  # any `git …`
            # Not limited to the project: only where the request comes from can stop it.
            for box in form[0].find_all("input.grant-in-project"):
                if box.is_selected():
                    box.click()
            form[0].find("button.grant-approve").click()
        await eventually(lambda: granted.poll() is not None, timeout=20)
        said = granted.stdout.read() if granted.poll() is not None else ""
        check("a local Claude Code session's `git status` is approved with a grant for "
              "any `git` command, anywhere", '"behavior":"allow"' in said, said)
        local_push = local_hook("git push origin main")  # riskier: waits for its card
        riding = remote_ctray("hook", "claude", stdin=hook_payload("git log main"))
        card = await loop.run_in_executor(pool, card_for, session, "Bash: git log main", 30)
        await asyncio.sleep(1)
        marked = card.find("p.remote").text() if card else None
        check("the same session's `git log main` through SSH is not approved by the local "
              "grant: it waits on a card marked remote",
              riding.poll() is None and marked == "Remote · via SSH from 127.0.0.1",
              (marked, riding.poll(), riding.stderr.read() if riding.poll() else ""))
        listing = remote_ctray("pending", "--json")
        await eventually(lambda: listing.poll() is not None, timeout=20)
        # One request a line, as JSON.
        seen = [json.loads(line).get("title") for line in listing.stdout.read().splitlines()
                if line.strip()] if listing.returncode == 0 else listing.stderr.read()
        check("through SSH, `ctray pending` lists the peer's own request and not the "
              "local one", "Bash: git log main" in seen
              and "Bash: git push origin main" not in seen, seen)
        for title in ("Bash: git log main", "Bash: git push origin main"):
            card = find_card(session, title)
            if card:
                card.find("button.deny").click()
                await asyncio.sleep(0.5)
        await eventually(lambda: riding.poll() is not None and local_push.poll() is not None,
                         timeout=20)

    async def refuse():
        # 10. Settings → Other machines, in the full window: devbox refused. Its next ask
        # is turned away at once; no card.
        await item.click_menu("Open full window")
        await loop.run_in_executor(pool, lambda: session.switch_to_page("window.html"))
        tab = await eventually(lambda: [t for t in session.find_all('button[role="tab"]')
                                        if t.text() == "Settings"], timeout=20)
        tab[0].click()
        host = await loop.run_in_executor(
            pool, lambda: session.wait_for('input[aria-label="SSH host to refuse"]'))
        host[0].type("devbox")
        next(b for b in session.find_all("fieldset button") if b.text() == "Add").click()
        session.find_all('form[aria-label="Settings"] button[type="submit"]')[0].click()
        settings_file = home / "config" / APP_ID / "settings.json"
        saved = await eventually(lambda: settings_file.exists() and json.loads(
            settings_file.read_text()).get("remote", {}).get("refused_hosts") == ["devbox"])
        refused = sshd.devbox("-o", "ClearAllForwardings=yes", command=shlex.join(
            [ctray, "ask", "Drop the staging tables", "--agent", "devbox-agent"]))
        sessions.append(refused)
        done = await eventually(lambda: refused.poll() is not None, timeout=20)
        said = refused.stderr.read() if done else ""
        carded = [t for _, t in pending_in_store(db) if t == "Drop the staging tables"]
        check("refused in Settings, devbox's next ask is turned away (exit 3), no card",
              bool(saved) and bool(done) and refused.returncode == 3
              and "refuses requests from devbox" in said and carded == [],
              (saved, refused.returncode, said, carded))
        shown = await eventually(lambda: [e.text() for e in session.find_all(
            'ul[aria-labelledby="remote-refusals-title"] li')], timeout=10)
        check("Settings shows what it turned away, as it happens",
              bool(shown) and shown[0].startswith("devbox (through SSH): 1 request, last at"),
              shown)
        session.execute("document.querySelector('ul[aria-labelledby=\"remote-refusals-title\"]')"
                        ".scrollIntoView({block: 'end'})")
        await asyncio.sleep(0.5)  # the screenshot is the last painted frame
        await loop.run_in_executor(pool, session.screenshot,
                                   str(out / "window-settings-remote.png"))

    try:
        cases.add("app", app_up)
        cases.add("marked-remote", marked_remote, needs=["app"])
        cases.add("approve", approved, needs=["marked-remote"])
        cases.add("link-drops", link_drops, needs=["app"])
        cases.add("no-forward", no_forward, needs=["app"])
        cases.add("setup", remote_setup, needs=["app"])
        cases.add("forward", forward, needs=["setup"])
        cases.add("reconnect", reconnect, needs=["forward"])
        cases.add("container", container, needs=["app"])
        cases.add("local-grant", local_grant, needs=["app"])
        # Last: devbox refused from here on.
        cases.add("refused", refuse, needs=["app"])
        await cases.run_all()
        if cases.failed:
            log = sshd.dir / "sshd.log"
            if log.exists():
                print(log.read_text()[-1500:], flush=True)
    finally:
        for proc in sessions:
            if proc.poll() is None:
                proc.kill()
        sshd.stop()
        await stop_driven_app(loop, pool, session, driver, desktop, home)
    return run.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))
