"""Runs inside the fresh Debian root as the user "person", with the previous release's
package installed: a person's life with the packages, from the previous release to this one.

1. The previous release runs: its tray item registers, a decision is made from its
   notification, "Start at login" is switched on.
2. This release is installed over it while it runs (apt, as root: see `as_root`). Started
   from its desktop entry, as the launcher would, the new app takes over from the old one
   still running; it opens the old data (the decision is in the audit log, which verifies),
   the jobs file and the autostart entry are untouched; `ctray` on the PATH is the new one
   and reaches it; a second start exits 0.
3. The package is installed again while the new app runs with an approval waiting: the app
   says it was updated and does not restart while the approval waits; once the person
   denies it (from the notification), it restarts into the new program by itself.
4. The autostart entry, run as a login would run it, starts the installed app.

Each release's app and ctray must report, with --version, the commit it was built from: a
package holding a stale build fails here.

Run by tests/package/fresh_system.sh under `xvfb-run -a dbus-run-session`, with the two
versions, the two commits and whether this checkout was clean as arguments. Root's part (apt) is asked for through files in REQUESTS, which
fresh_system.sh serves with a fixed list of commands.
"""
import asyncio
import hashlib
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from desktop import Desktop, TrayItem
from harness import ZYGOTE, Run, comm, eventually, parent_of

APP = "/usr/bin/converge-tray"
REQUESTS = Path("/tmp/check/requests")


async def as_root(command: str) -> int:
    """Asks fresh_system.sh to run one of its root commands; returns its exit status."""
    number = len(list(REQUESTS.glob("done-*"))) + 1
    staged = REQUESTS / f"staged-{number}"
    staged.write_text(command)
    staged.rename(REQUESTS / f"request-{number}")
    done = REQUESTS / f"done-{number}"
    if not await eventually(done.exists, timeout=300, interval=0.3):
        return -1
    return int(done.read_text().strip() or -1)


def running_apps() -> list:
    """This user's processes that run the installed app (its current file, not a deleted one).
    An app's popover runs in a process of its own, the same program: forked by the app's
    zygote (`converge-zygote` in ps, a copy of the app) or started with `--popover-process`
    (docs/tray-app.md). The zygote and those are part of their app, not other apps."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                pid = int(entry.name)
                name = comm(pid)
                if (os.readlink(entry / "exe") == APP and name
                        and b"--popover-process" not in (entry / "cmdline").read_bytes()
                        and ZYGOTE not in (name, comm(parent_of(pid) or 0))):
                    found.append(pid)
            except OSError:
                pass
    return sorted(found)



def ctray(*args, timeout=30) -> subprocess.CompletedProcess:
    return subprocess.run(["ctray", *args], capture_output=True, text=True, timeout=timeout)


def reported_version(program: str) -> str:
    done = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=30)
    return (done.stdout.strip() or done.stderr.strip()).splitlines()[0]


def reports_commit(line: str, name: str, version: str, commit: str, clean: bool) -> bool:
    """`NAME VERSION (commit HASH)`, and no uncommitted changes when the build had none."""
    return (line.startswith(f"{name} {version} (commit {commit}")
            and (not clean or "uncommitted changes" not in line))


def audit_entries() -> int:
    verified = ctray("audit", "verify", "--json")
    return json.loads(verified.stdout)["entries"] if verified.returncode == 0 else -1


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"


def desktop_exec(entry: Path) -> list:
    """The command a launcher runs for a desktop entry (field codes such as %u dropped)."""
    for line in entry.read_text().splitlines():
        if line.startswith("Exec="):
            return [word for word in shlex.split(line[5:]) if not word.startswith("%")]
    return []


class Desk:
    """The headless desktop and the tray items seen on it."""

    def __init__(self, desktop: Desktop):
        self.desktop, self.notes = desktop, desktop.notifications

    async def new_item(self, not_item=None, timeout=60):
        """A registered tray item other than `not_item` (one that went away)."""
        async def probe():
            fresh = [i for i in await self.desktop.tray_items() if i != not_item]
            return fresh[0] if fresh else None
        return await eventually(probe, timeout=timeout, interval=0.2)

    def tray_item(self, registered: str) -> TrayItem:
        service, _, path = registered.partition("/")
        return TrayItem(self.desktop, service, "/" + path if path else "/StatusNotifierItem")

    async def approval_notification(self, title_part: str):
        def probe():
            return [n for n in self.notes.shown if n["summary"].startswith("Approval needed")
                    and title_part in n["body"]]
        shown = await eventually(probe, timeout=30)
        return shown[-1] if shown else None


async def main(old_version: str, new_version: str, old_commit: str, new_commit: str,
               new_clean: bool) -> int:
    home = Path.home()
    run_dir = Path(tempfile.mkdtemp(prefix="converge-run-"))
    os.environ.update(XDG_RUNTIME_DIR=str(run_dir), RUST_LOG="info")
    # As a desktop session does at login: the services D-Bus starts on demand get the
    # display. WebKitGTK's recommended xdg-desktop-portal-gtk, installed with the package,
    # cannot start without it, and GTK then waits on the portal with the main thread.
    subprocess.run(["dbus-update-activation-environment", "--all"], check=True)
    log = open(home / "app.log", "a")
    run = Run()
    desk = Desk(await Desktop.start())
    config = home / ".config/dev.converge.tray"
    autostart_dir = home / ".config/autostart"
    try:
        # 1. The previous release, the very one built from its commit.
        for program, name in [(APP, "converge-tray"), ("ctray", "ctray")]:
            line = reported_version(program)
            if old_version == "0.1.0":
                # 0.1.0 came before --version: it refuses the option, which a later build
                # would answer.
                right = "unknown" in line and "(commit" not in line
            else:
                right = reports_commit(line, name, old_version, old_commit, clean=True)
            run.check(f"the previous release's {name} is {old_version} from {old_commit[:12]}",
                      right, line)
        old_app = subprocess.Popen([APP], stdout=log, stderr=subprocess.STDOUT)
        old_item = await desk.new_item()
        run.check(f"the previous release ({old_version}) runs and registers its tray item",
                  old_item is not None, (home / "app.log").read_text()[-2000:])
        answering = await eventually(lambda: ctray("agents").returncode == 0, timeout=30,
                                     interval=0.3)
        run.check("ctray on the PATH reaches it", bool(answering))
        asker = subprocess.Popen(["ctray", "ask", "Keep this decision across the upgrade",
                                  "--agent", "fresh-system"])
        note = await desk.approval_notification("Keep this decision")
        if note:
            desk.notes.click(note["id"], "approve")
        # Waited for without blocking the loop, which sends the click.
        await eventually(lambda: asker.poll() is not None, timeout=30)
        run.check("a decision from its notification reaches the asking program",
                  note is not None and asker.poll() == 0, desk.notes.shown)
        item = desk.tray_item(old_item)
        await item.click_menu("Start at login")
        # Whole: the file exists a moment before its lines are written (seen once, and its
        # empty digest then differed from the complete file's after the upgrade).
        entries = await eventually(lambda: [entry for entry in autostart_dir.glob("*.desktop")
                                            if "Exec=" in entry.read_text()], timeout=10)
        run.check("Start at login writes an autostart entry", bool(entries))
        # The person's own edit to their jobs file, to be kept as it is.
        with open(config / "jobs.toml", "a") as jobs:
            jobs.write("\n# my own note, kept across upgrades\n")
        kept = {path: digest(path) for path in [config / "jobs.toml", *entries]}
        entries_before = audit_entries()

        # 2. This release over it, the old app still running.
        upgraded = await as_root("upgrade")
        run.check(f"apt upgrades {old_version} to {new_version} while the old app runs",
                  upgraded == 0)
        for program, name in [(APP, "converge-tray"), ("ctray", "ctray")]:
            line = reported_version(program)
            run.check(f"the installed {name} is {new_version} built from the commit under test "
                      f"({new_commit[:12]})",
                      reports_commit(line, name, new_version, new_commit, new_clean), line)
        # The app starts its phone's link from its own directory; run by hand, the link
        # loads (its libraries are on this fresh system) and refuses without its channel.
        link = subprocess.run(["/usr/bin/converge-phone"], capture_output=True, text=True,
                              timeout=30)
        run.check("the phone's link is installed beside the app and runs on a fresh system",
                  link.returncode == 2 and "without its channel" in link.stderr,
                  (link.returncode, link.stderr[-500:]))
        launcher = next(Path("/usr/share/applications").glob("Converge*.desktop"))
        new_app = subprocess.Popen(desktop_exec(launcher), stdout=log,
                                   stderr=subprocess.STDOUT)
        taken_over = await eventually(lambda: old_app.poll() is not None, timeout=30)
        run.check("started from its desktop entry, the new app takes over from the old one "
                  "still running", bool(taken_over) and new_app.poll() is None,
                  (old_app.poll(), new_app.poll()))
        new_item = await desk.new_item(not_item=old_item)
        run.check("the new app registers its tray item", new_item is not None)
        answering = await eventually(lambda: ctray("agents").returncode == 0, timeout=30,
                                     interval=0.3)
        run.check("ctray reaches the new app", bool(answering)
                  and running_apps() == [new_app.pid], running_apps())
        entries_after = audit_entries()
        run.check("the new app opens the old data: the decision is in its audit log, "
                  "and the log verifies", entries_before > 0 and entries_after >= entries_before,
                  (entries_before, entries_after))
        run.check("the jobs file and the autostart entry are untouched by the upgrade",
                  all(digest(path) == value for path, value in kept.items()), kept)
        second = subprocess.run([APP], capture_output=True, text=True, timeout=60)
        run.check("a second start exits 0 and leaves the first running",
                  second.returncode == 0 and new_app.poll() is None,
                  (second.returncode, second.stderr[-500:]))

        # 3. Installed again while it runs, with an approval waiting.
        asker = subprocess.Popen(["ctray", "ask", "Wait through the reinstall", "--agent",
                                  "fresh-system"], stderr=subprocess.DEVNULL)
        note = await desk.approval_notification("Wait through the reinstall")
        reinstalled = await as_root("reinstall")
        run.check("apt installs the package again while the app runs", reinstalled == 0)
        told = await eventually(lambda: [n for n in desk.notes.shown
                                         if n["summary"] == "Converge Tray was updated"],
                                timeout=30)
        run.check("the app says it was updated and restarts when no agent waits",
                  bool(told) and "no agent waits for an answer" in told[0]["body"],
                  desk.notes.shown)
        await asyncio.sleep(6)
        run.check("with an agent's approval waiting, it does not restart",
                  new_app.poll() is None and asker.poll() is None)
        # The first start's demo Converge jobs still wait at their gates: inside the app,
        # they are picked up again after the restart and do not hold it back.
        gates = [json.loads(line) for line in ctray("pending", "--json").stdout.splitlines()]
        run.check("the first start's Converge jobs wait at their gates meanwhile",
                  any(r["agent_id"] != "fresh-system" for r in gates), gates)
        if note:
            desk.notes.click(note["id"], "deny")
        await eventually(lambda: asker.poll() is not None, timeout=30)
        run.check("the approval is denied from its notification",
                  note is not None and asker.poll() == 1)
        restarted = await eventually(lambda: new_app.poll() is not None
                                     and running_apps(), timeout=40)
        run.check("then it restarts into the new program by itself",
                  bool(restarted) and new_app.returncode == 0, (new_app.poll(), restarted))
        restarted_item = await desk.new_item(not_item=new_item)
        answering = await eventually(lambda: ctray("agents").returncode == 0, timeout=30,
                                     interval=0.3)
        run.check("the restarted app registers its tray item and ctray reaches it",
                  restarted_item is not None and bool(answering))
        run.check("the audit log still verifies, with both decisions",
                  audit_entries() >= entries_after + 2)

        # 4. Start at login starts the installed app.
        for pid in running_apps():
            os.kill(pid, signal.SIGTERM)
        await eventually(lambda: not running_apps(), timeout=20)
        entry = next(autostart_dir.glob("*.desktop"))
        command = desktop_exec(entry)
        run.check("the autostart entry starts the installed app", command[:1] == [APP], command)
        at_login = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        login_item = await desk.new_item(not_item=restarted_item)
        run.check("run as a login runs it, the app registers its tray item",
                  login_item is not None and at_login.poll() is None)
    finally:
        for pid in running_apps():
            os.kill(pid, signal.SIGTERM)
        await eventually(lambda: not running_apps(), timeout=20)
        for pid in running_apps():
            os.kill(pid, signal.SIGKILL)
        desk.desktop.stop()
    run.check("the app keeps its data in the person's home",
              (home / ".local/share/dev.converge.tray/inbox.db").exists())
    if run.failed:
        print((home / "app.log").read_text()[-3000:], flush=True)
    return run.finish()


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main(*sys.argv[1:5], new_clean=sys.argv[5] == "yes")))
    except Exception:
        log = Path.home() / "app.log"
        print(log.read_text()[-4000:] if log.exists() else "no app log", flush=True)
        raise
