"""What keeping the popover ready costs over a day: replays a scripted working day of agent
events against the real app (release build, headless desktop), time compressed, and samples
the memory of the app's whole process tree. The day is replayed twice with the same binary:
as it is, and with every "waits for input" turned into "working", which is what the app saw
before it prepared the popover for waiting agents. The difference in mean memory is what
preparing for a waiting agent costs.

The day (TYPICAL_DAY below) is scripted, not recorded: two coding agents and a script over
8.5 hours, 15 approvals waiting 1–5 minutes, 8 questions or plans waiting 3–45 minutes (the
longest over lunch), long stretches of work with nothing waiting. An agent reports once that
it waits, as the agents' hooks do. Time is compressed (`--minute-seconds`, default 0.5 s per
minute) and the app's own delays with it: the popover's drop delay (30 s → 0.25 s) and the
10 minutes after which a silent agent with nothing pending counts as gone (→ 5 s), so each
happens at the same point of the day as it would.

Run by bench/run_day (it builds the release app and ctray first), under
`xvfb-run -a dbus-run-session`. Prints numbers; asserts nothing.
usage: day_replay.py APP CTRAY OUT_DIR [--minute-seconds S]
"""
import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT / "bench"))
from desktop import Desktop, isolated_home  # noqa: E402
from harness import api_call, stop_app  # noqa: E402
from run import tree_memory, tray_gone, wait_idle, wait_tray_item, warm_up  # noqa: E402

# The app drops a popover hidden this long with nothing waiting (src-tauri/src/popover).
DROP_AFTER_S = 30
# A silent agent with nothing pending counts as gone after this long (crates/inbox).
STALE_AGENT_AFTER_S = 10 * 60

# (minute of the day from 9:00, agent, what happens, minutes it waits)
# working / done: a status; ask: an approval that waits that long (then times out, as if
# decided); waits: the agent reports once that it waits for the person's input, and works
# again that long after.
TYPICAL_DAY = [
    (0, "claude", "working", 0),
    (12, "claude", "ask", 1),
    (30, "codex", "working", 0),
    (40, "claude", "ask", 3),
    (65, "claude", "waits", 6),
    (70, "codex", "ask", 2),
    (90, "claude", "ask", 1),
    (110, "codex", "ask", 1),
    (120, "claude", "waits", 12),
    (140, "claude", "done", 0),
    (165, "codex", "waits", 20),
    (185, "codex", "done", 0),
    (200, "claude", "working", 0),
    (205, "claude", "waits", 45),
    (250, "claude", "working", 0),
    (270, "claude", "ask", 1),
    (300, "codex", "working", 0),
    (305, "claude", "ask", 2),
    (320, "codex", "ask", 1),
    (340, "claude", "waits", 4),
    (360, "codex", "ask", 5),
    (380, "claude", "ask", 1),
    (395, "script", "working", 0),
    (400, "script", "ask", 1),
    (410, "codex", "waits", 3),
    (420, "claude", "waits", 8),
    (440, "codex", "ask", 2),
    (450, "claude", "ask", 1),
    (460, "claude", "done", 0),
    (470, "script", "ask", 1),
    (480, "script", "done", 0),
    (485, "codex", "ask", 1),
    (495, "codex", "waits", 5),
    (505, "codex", "done", 0),
]
DAY_MINUTES = 510


def status(ctray: str, agent: str, state: str, text: str):
    subprocess.run([ctray, "status", text, "--agent", agent, "--state", state],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=10)


async def replay(app: str, ctray: str, out: Path, name: str, minute: float, questions: bool,
                 desktop) -> dict:
    """One replay of the day; memory sampled every 0.2 s of it."""
    home = isolated_home(f"converge-day-{name}-")
    scaled_ms = lambda seconds: str(int(seconds / 60 * minute * 1000))  # noqa: E731
    env = dict(os.environ, NO_COLOR="1",
               CONVERGE_TRAY_DROP_POPOVER_AFTER_MS=scaled_ms(DROP_AFTER_S),
               CONVERGE_TRAY_STALE_AGENT_AFTER_MS=scaled_ms(STALE_AGENT_AFTER_S))
    socket_path = home / "run" / "api.sock"
    log = out / f"day-{name}.log"
    with open(log, "w") as sink:
        proc = subprocess.Popen([app], stdout=sink, stderr=subprocess.STDOUT, env=env)
    samples = []
    try:
        _, item = await wait_tray_item(desktop)
        if item is None:
            raise RuntimeError(f"no tray item; see {log}")
        await wait_idle(proc.pid)
        idle = tree_memory(proc.pid)
        start = time.monotonic()
        pending_ends = []  # (replay second, agent) when a waiting agent works again

        async def sample_until(t: float):
            while time.monotonic() - start < t:
                memory = tree_memory(proc.pid)
                samples.append((memory["pss_kib"], memory["webkit_processes"] > 0))
                await asyncio.sleep(0.2)

        for at, agent, what, lasts in TYPICAL_DAY + [(DAY_MINUTES, "", "end", 0)]:
            due = at * minute
            for end, waiting_agent in sorted(e for e in pending_ends if e[0] <= due):
                await sample_until(end)
                status(ctray, waiting_agent, "working", "Back at work")
                pending_ends.remove((end, waiting_agent))
            await sample_until(due)
            if what in ("working", "done"):
                status(ctray, agent, what, what)
            elif what == "ask":
                # Through the API, for a timeout in milliseconds (ctray's are whole seconds);
                # it times out as if decided then. The API's shortest wait, 1 s, makes the
                # 1-minute approvals 2 minutes long at 0.5 s a minute.
                api_call(socket_path, "approval.ask",
                         {"agent_id": f"script:{agent}", "title": f"{agent}: run the tests?",
                          "timeout_ms": max(1000, int(lasts * minute * 1000)),
                          "wait": False})
            elif what == "waits":
                status(ctray, agent, "waiting-for-input" if questions else "working",
                       "Asks which branch to use")
                pending_ends.append((due + lasts * minute, agent))
        prepared = log.read_text(errors="replace").count("popover process started")
    finally:
        stop_app(proc)
        shutil.rmtree(home, ignore_errors=True)
    await tray_gone(desktop)
    pss = [s[0] for s in samples]
    return {
        "idle_tree_pss_kib": idle["pss_kib"],
        "mean_tree_pss_kib": round(sum(pss) / len(pss)),
        "max_tree_pss_kib": max(pss),
        "share_of_day_popover_prepared": round(sum(s[1] for s in samples) / len(samples), 3),
        "popover_prepared_times": prepared,
        "samples": len(samples),
    }


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("app")
    parser.add_argument("ctray")
    parser.add_argument("out", type=Path)
    parser.add_argument("--minute-seconds", type=float, default=0.5)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    desktop = await Desktop.start()
    # One start not counted: the first GTK app in a fresh D-Bus session starts the
    # accessibility bus, which a real desktop has running already (as bench/run does).
    await warm_up(desktop, args.app, args.out)
    results = {}
    for name, questions in (("approvals-only", False), ("with-questions", True)):
        print(f"replaying the day: {name} ({DAY_MINUTES * args.minute_seconds:.0f} s)",
              flush=True)
        results[name] = await replay(args.app, args.ctray, args.out, name,
                                     args.minute_seconds, questions, desktop)
    desktop.stop()
    before, after = results["approvals-only"], results["with-questions"]
    results["added_mean_tree_pss_kib"] = after["mean_tree_pss_kib"] - before["mean_tree_pss_kib"]
    (args.out / "day_replay.json").write_text(json.dumps(results, indent=2) + "\n")
    print()
    print(f"{'over the day':<40} {'approvals only':>15} {'+ questions':>12}")
    for key, label in (("idle_tree_pss_kib", "idle tree PSS (KiB)"),
                       ("mean_tree_pss_kib", "mean tree PSS (KiB)"),
                       ("max_tree_pss_kib", "max tree PSS (KiB)"),
                       ("share_of_day_popover_prepared", "share of the day popover prepared"),
                       ("popover_prepared_times", "times its process was started")):
        print(f"{label:<40} {before[key]:>15,} {after[key]:>12,}")
    print(f"{'added mean tree PSS (KiB)':<40} {results['added_mean_tree_pss_kib']:>28,}")
    print(f"summary: {args.out / 'day_replay.json'}")


if __name__ == "__main__":
    asyncio.run(main())
