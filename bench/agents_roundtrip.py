"""The approval round trip an external agent sees, against the real app in a headless
desktop: `ctray ask` → the approval notification shown (the Notify call reaching the
desktop's notification server), and a decision (the notification's Approve button) →
`ctray` exited. Also ctray's start-up time, alone and with one API call. Prints medians;
asserts nothing. bench/run uses its functions for the full benchmark.

usage (after `cargo build --release --workspace --bins` and scripts/setup.sh):
  xvfb-run -a dbus-run-session -- ~/.cache/converge-tray/e2e-venv/bin/python \\
      bench/agents_roundtrip.py target/release/converge-tray [RUNS]
ctray is taken from beside the app binary.
"""
import asyncio
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "e2e"))
from desktop import Desktop, isolated_home  # noqa: E402


def median_ms(samples):
    return statistics.median(samples) * 1000


def p90_ms(samples):
    return sorted(samples)[int(0.9 * (len(samples) - 1))] * 1000


def time_runs(argv, runs):
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        samples.append(time.perf_counter() - started)
    return samples


async def wait_for_socket(path: Path, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.connect(str(path))
                return True
        except OSError:
            await asyncio.sleep(0.02)
    return False


async def measure_ctray(ctray: str, runs: int = 200) -> dict:
    """ctray's size and start-up, alone and with one API call (the app must be running)."""
    help_runs = time_runs([ctray, "help"], runs)
    status_runs = time_runs([ctray, "status", "benchmarking", "--agent", "bench"], runs)
    return {
        "ctray_binary_bytes": Path(ctray).stat().st_size,
        "ctray_startup_ms": median_ms(help_runs),
        "ctray_startup_p90_ms": p90_ms(help_runs),
        "ctray_status_call_ms": median_ms(status_runs),
    }


async def measure_round_trip(notes, ctray: str, runs: int = 30) -> dict:
    """`ctray ask` → approval notification shown, and the notification's Approve → ctray
    exited, one request at a time (`notes`: the desktop's notification server)."""
    to_shown, to_exit = [], []
    for i in range(runs):
        title = f"Bench approval {i} {time.monotonic()}"
        started = time.monotonic()
        asker = await asyncio.create_subprocess_exec(
            ctray, "ask", title, "--agent", "bench", "--timeout", "1m",
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        note = None
        while note is None:
            note = next((n for n in notes.shown if title in n["body"]
                         and n["summary"].startswith("Approval needed")), None)
            if note is None:
                await asyncio.sleep(0.001)
        to_shown.append(note["at"] - started)
        decided = time.monotonic()
        notes.click(note["id"], "approve")
        code = await asyncio.wait_for(asker.wait(), timeout=30)
        to_exit.append(time.monotonic() - decided)
        if code != 0:
            raise RuntimeError(f"ctray exited {code} after an approval")
        await asyncio.sleep(0.05)  # one request at a time, as a person decides
    return {
        "ask_to_notification_ms": median_ms(to_shown),
        "ask_to_notification_p90_ms": p90_ms(to_shown),
        "decision_to_ctray_exit_ms": median_ms(to_exit),
        "decision_to_ctray_exit_p90_ms": p90_ms(to_exit),
    }


async def main(app: str, runs: int):
    ctray = str(Path(app).with_name("ctray"))
    home = isolated_home("converge-roundtrip-")
    desktop = await Desktop.start()
    log = open(home / "app.log", "w")
    proc = subprocess.Popen([app], stdout=log, stderr=subprocess.STDOUT)
    try:
        if not await wait_for_socket(home / "run" / "api.sock"):
            sys.exit("the app never opened its socket; see " + str(home / "app.log"))
        await asyncio.sleep(1)  # let start-up settle
        figures = await measure_ctray(ctray)
        figures.update(await measure_round_trip(desktop.notifications, ctray, runs))
        for key, value in figures.items():
            print(f"{key}: {value:.2f}" if isinstance(value, float) else f"{key}: {value}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        desktop.stop()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 30))
