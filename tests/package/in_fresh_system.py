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
import time
from pathlib import Path

from desktop import Desktop


def check(name, ok, detail=""):
    print(f"{'PASS' if ok else 'FAIL'} {name} {'' if ok else detail}", flush=True)
    return ok


async def main() -> int:
    # The person's own home, so what the app keeps there can be checked after removal.
    home = Path.home()
    run_dir = Path(tempfile.mkdtemp(prefix="converge-run-"))
    os.environ.update(XDG_RUNTIME_DIR=str(run_dir), RUST_LOG="info")
    ok = True
    desktop = await Desktop.start()
    app = subprocess.Popen(["converge-tray"], stdout=open(home / "app.log", "w"),
                           stderr=subprocess.STDOUT)
    try:
        ok &= check("the installed app is on the PATH as converge-tray, ctray beside it",
                    shutil.which("converge-tray") == "/usr/bin/converge-tray"
                    and shutil.which("ctray") == "/usr/bin/ctray")
        item = await desktop.wait_for_item(timeout=60)
        ok &= check("started headless, the installed app registers its tray item",
                    item is not None, (home / "app.log").read_text()[-2000:])
        answered = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            answered = subprocess.run(["ctray", "agents"], capture_output=True, text=True)
            if answered.returncode == 0:
                break
            time.sleep(0.3)
        ok &= check("ctray on the PATH reaches the installed app",
                    answered is not None and answered.returncode == 0,
                    answered and answered.stderr)
        asked = subprocess.run(["ctray", "status", "checking the package", "--agent",
                                "fresh-system"], capture_output=True, text=True)
        ok &= check("an agent reports to it through ctray", asked.returncode == 0,
                    asked.stderr)
        second = subprocess.run(["converge-tray"], capture_output=True, text=True, timeout=60)
        ok &= check("a second start exits 0 and leaves the first running",
                    second.returncode == 0 and app.poll() is None,
                    (second.returncode, second.stderr[-500:]))
    finally:
        app.terminate()
        try:
            app.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app.kill()
        desktop.stop()
    ok &= check("the app keeps its data in the person's home",
                (home / ".local/share/dev.converge.tray/inbox.db").exists())
    print((home / "app.log").read_text()[-1500:] if not ok else "", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
