"""Runs inside the fresh Debian root, after `apt install ./converge-tray.deb`: the installed
app, started headless as a user would start it, registers its tray item; `ctray` on the PATH
reaches it; a second start hands over to the first and exits 0.

Run by tests/package/fresh_system.sh under `xvfb-run -a dbus-run-session`.
"""
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from desktop import Desktop
from harness import Run, eventually


async def main() -> int:
    # The person's own home, so what the app keeps there can be checked after removal.
    home = Path.home()
    run_dir = Path(tempfile.mkdtemp(prefix="converge-run-"))
    os.environ.update(XDG_RUNTIME_DIR=str(run_dir), RUST_LOG="info")
    run = Run()
    desktop = await Desktop.start()
    app = subprocess.Popen(["converge-tray"], stdout=open(home / "app.log", "w"),
                           stderr=subprocess.STDOUT)
    try:
        run.check("the installed app is on the PATH as converge-tray, ctray beside it",
                  shutil.which("converge-tray") == "/usr/bin/converge-tray"
                  and shutil.which("ctray") == "/usr/bin/ctray")
        item = await desktop.wait_for_item(timeout=60)
        run.check("started headless, the installed app registers its tray item",
                  item is not None, (home / "app.log").read_text()[-2000:])
        answering = await eventually(lambda: subprocess.run(
            ["ctray", "agents"], capture_output=True).returncode == 0, timeout=30, interval=0.3)
        run.check("ctray on the PATH reaches the installed app", bool(answering))
        asked = subprocess.run(["ctray", "status", "checking the package", "--agent",
                                "fresh-system"], capture_output=True, text=True)
        run.check("an agent reports to it through ctray", asked.returncode == 0,
                  asked.stderr)
        second = subprocess.run(["converge-tray"], capture_output=True, text=True, timeout=60)
        run.check("a second start exits 0 and leaves the first running",
                  second.returncode == 0 and app.poll() is None,
                  (second.returncode, second.stderr[-500:]))
    finally:
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()
        desktop.stop()
    run.check("the app keeps its data in the person's home",
              (home / ".local/share/dev.converge.tray/inbox.db").exists())
    if run.failed:
        print((home / "app.log").read_text()[-1500:], flush=True)
    return run.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
