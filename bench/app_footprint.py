"""First footprint figures of the app: spawn → ready, memory of the whole process tree idle
(popover never opened) and with the popover open. Prints numbers; asserts nothing.

usage (after `cargo build --release` and scripts/setup.sh):
  xvfb-run -a dbus-run-session -- ~/.cache/converge-tray/e2e-venv/bin/python \\
      bench/app_footprint.py target/release/converge-tray
The footprint issue's bench/run will supersede this with a bare-Tauri reference and medians.
"""
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "e2e"))
from desktop import Desktop  # noqa: E402

FIELDS = ("Pss", "Anonymous", "Rss")


def process_tree(root: int) -> list:
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                ppid = int(stat[stat.rindex(")") + 2:].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except OSError:
                pass
    tree, stack = [], [root]
    while stack:
        pid = stack.pop()
        tree.append(pid)
        stack.extend(children.get(pid, []))
    return tree


def tree_memory_kib(root: int):
    """Summed smaps_rollup fields (KiB) and the process names of the tree."""
    total, names = dict.fromkeys(FIELDS, 0), []
    for pid in process_tree(root):
        try:
            names.append(Path(f"/proc/{pid}/comm").read_text().strip())
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                key = line.split(":")[0]
                if key in total:
                    total[key] += int(line.split()[1])
        except OSError:
            pass
    return total, names


def show(label, memory):
    total, names = memory
    figures = ", ".join(f"{k} {v / 1024:.1f} MiB" for k, v in total.items())
    print(f"{label}: {len(names)} processes ({', '.join(names)}): {figures}", flush=True)


async def main(app: str):
    home = tempfile.mkdtemp(prefix="converge-footprint-")
    os.environ.update(HOME=home, XDG_DATA_HOME=f"{home}/data",
                      XDG_CONFIG_HOME=f"{home}/config", RUST_LOG="info")
    desktop = await Desktop.start()
    print(f"binary: {os.path.getsize(app)} bytes", flush=True)
    started = time.monotonic()
    proc = subprocess.Popen([app, "--demo", "--pin-popover"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        for line in proc.stdout:
            if " ready" in line:
                break
        ready_ms = (time.monotonic() - started) * 1000
        item = await desktop.wait_for_item()
        item_ms = (time.monotonic() - started) * 1000
        print(f"spawn -> ready: {ready_ms:.0f} ms; spawn -> tray item seen: {item_ms:.0f} ms")
        await asyncio.sleep(5)
        show("idle, popover never opened", tree_memory_kib(proc.pid))
        await item.activate()
        await asyncio.sleep(5)
        show("popover open", tree_memory_kib(proc.pid))
    finally:
        proc.terminate()
        desktop.stop()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
