"""Ending a headless desktop session (gnome.py, plasma.py): what they started, what their
session bus started on demand, and the document portal's mount."""
import os
import signal
import subprocess
from pathlib import Path


def end_session(procs, run_dir: Path):
    """SIGTERM to each of `procs` (a Popen, ended with its process group, or a daemon's pid),
    then SIGKILL to every process whose environment carries this session's runtime directory
    (what the bus started on demand), then the document portal's FUSE mount, which a killed
    portal leaves behind."""
    for proc in procs:
        try:
            if isinstance(proc, int):
                os.kill(proc, signal.SIGTERM)
            else:
                os.killpg(proc.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
    marker = f"XDG_RUNTIME_DIR={run_dir}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker in (entry / "environ").read_bytes().split(b"\0"):
                    os.kill(int(entry.name), signal.SIGKILL)
            except (OSError, ProcessLookupError):
                pass
    subprocess.run(["fusermount3", "-u", "-z", str(run_dir / "doc")],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
