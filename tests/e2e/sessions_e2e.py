"""End to end: a start of the app takes over only from older copies of its own session.

The same person runs the app in two sessions (a second login, a second desktop: its own
session bus, runtime directory and home). The app's file is replaced while both run, as a
package upgrade or a rebuild does it. A new start in this session must end this session's
older copy, so that it is the one that runs, and must leave the other session's app running,
with the agent that waits on it still waiting.

Both older copies have an approval waiting, so neither restarts into the new file by
itself (docs/packaging.md): whatever ends them is the new start.

Run by tests/e2e/run.sh inside its own `xvfb-run -a dbus-run-session`.
usage: sessions_e2e.py APP_BINARY OUTPUT_DIR [CASE…]   (ctray is taken from beside the app
binary; cases: app, waiting, take-over, other-session, agent-told; each stops at its first
failed check)
"""
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from desktop import Desktop
from harness import Cases, Run, eventually, stop_app


def session_env(root: Path, bus: str) -> dict:
    """The environment of one session of the person: its own home, runtime directory, bus."""
    runtime = root / "run"
    runtime.mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    config = root / "config" / "dev.converge.tray"
    config.mkdir(parents=True, exist_ok=True)
    (config / "jobs.toml").write_text("# end-to-end test: no Converge jobs\n")
    env = dict(os.environ)
    env.update(HOME=str(root), XDG_DATA_HOME=str(root / "data"),
               XDG_CONFIG_HOME=str(root / "config"), XDG_RUNTIME_DIR=str(runtime),
               DBUS_SESSION_BUS_ADDRESS=bus, RUST_LOG="info",
               CONVERGE_TRAY_SOCKET=str(runtime / "api.sock"))
    return env


def install(source: str, target: Path):
    """As dpkg does it: the new file written beside the old and renamed over it."""
    staged = target.with_name(target.name + ".dpkg-new")
    shutil.copy2(source, staged)
    staged.chmod(0o755)
    staged.rename(target)


def ctray(ctray_path: str, env: dict, *args, timeout=10):
    try:
        return subprocess.run([ctray_path, *args], env=env, capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None


async def answering(ctray_path: str, env: dict, timeout=60):
    async def probe():
        done = await asyncio.get_running_loop().run_in_executor(
            None, lambda: ctray(ctray_path, env, "agents", timeout=5))
        return done is not None and done.returncode == 0
    return bool(await eventually(probe, timeout=timeout, interval=0.3))


async def main(app: str, out: Path, only) -> int:
    out.mkdir(parents=True, exist_ok=True)
    run = Run()
    cases = Cases(run, only)
    check = cases.check
    ctray_path = str(Path(app).with_name("ctray"))
    scratch = Path(tempfile.mkdtemp(prefix="converge-e2e-sessions-"))
    program = scratch / "bin" / "converge-tray"
    program.parent.mkdir()
    install(app, program)
    desktop = await Desktop.start()
    # The other session's bus: a session bus daemon of its own, configured as run.sh's.
    other_bus = subprocess.Popen(["dbus-daemon",
                                  f"--config-file={os.environ['E2E_DBUS_SESSION_CONF']}",
                                  "--nofork", "--print-address=1",
                                  f"--address=unix:path={scratch}/other-bus"],
                                 stdout=subprocess.PIPE, text=True)
    other_address = other_bus.stdout.readline().strip()
    here = session_env(scratch / "here", os.environ["DBUS_SESSION_BUS_ADDRESS"])
    other = session_env(scratch / "other", other_address)
    log = open(out / "app-sessions.log", "w")
    started, askers = [], []
    # What one case leaves for the next: the two sessions' apps and the agents waiting on them.
    state = {}

    def start(env):
        proc = subprocess.Popen([str(program)], env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append(proc)
        return proc

    def ask(env, title):
        proc = subprocess.Popen([ctray_path, "ask", title, "--agent", "sessions",
                                 "--timeout", "5m"], env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        askers.append(proc)
        return proc

    async def app_up():
        elsewhere = start(other)
        older = start(here)
        state.update(elsewhere=elsewhere, older=older)
        up = await answering(ctray_path, other) and await answering(ctray_path, here)
        check("the app runs in two sessions of the same person at once", up,
              (elsewhere.poll(), older.poll()))

    async def waiting():
        state["waiting_elsewhere"] = ask(other, "Keep waiting in the other session")
        state["waiting_here"] = ask(here, "Wait in this session")

        async def both_waiting():
            lists = [ctray(ctray_path, env, "pending", "--json") for env in (other, here)]
            return all(done is not None and done.stdout.strip() for done in lists)
        check("each app has an approval waiting", bool(await eventually(both_waiting)))

    async def take_over():
        older = state["older"]
        install(app, program)  # the upgrade (or a rebuild) replaces the file both run
        newer = start(here)
        taken_over = await eventually(lambda: older.poll() is not None, timeout=30)
        check("a new start ends this session's older copy (it runs the replaced file)",
              bool(taken_over) and newer.poll() is None, (older.poll(), newer.poll()))
        check("the new start answers in this session",
              await answering(ctray_path, here))

    async def other_session():
        elsewhere, waiting_elsewhere = state["elsewhere"], state["waiting_elsewhere"]
        await asyncio.sleep(2)  # the take-over is done; anything more would be wrong
        check("the other session's app is left running: the new start did not end it",
              elsewhere.poll() is None, elsewhere.poll())
        check("the other session's app still answers, and its agent still waits",
              await answering(ctray_path, other, timeout=10)
              and waiting_elsewhere.poll() is None, waiting_elsewhere.poll())

    async def agent_told():
        waiting_here = state["waiting_here"]
        code = waiting_here.poll()
        check("this session's agent, cut off by the take-over, is told (ctray exits)",
              bool(await eventually(lambda: waiting_here.poll() is not None, timeout=15)),
              code)

    try:
        cases.add("app", app_up)
        # Both older copies wait on an approval: neither restarts into the new file by itself.
        cases.add("waiting", waiting, needs=["app"])
        cases.add("take-over", take_over, needs=["waiting"])
        cases.add("other-session", other_session, needs=["waiting", "take-over"])
        cases.add("agent-told", agent_told, needs=["waiting", "take-over"])
        await cases.run_all()
    finally:
        for proc in askers:
            if proc.poll() is None:
                proc.kill()
        for proc in started:
            stop_app(proc)
        other_bus.terminate()
        log.close()
        desktop.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    return run.finish()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))
