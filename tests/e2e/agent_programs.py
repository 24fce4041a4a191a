"""Driving a real agent program in the end-to-end tests: its terminal (a private tmux
server), the popover's card that shows its command, and the agent as the app lists it."""
import subprocess
import time
from pathlib import Path

from harness import api_call


def card_with_command(session, command, timeout=30.0):
    """The popover's card whose shown command line is `command` (None if it never comes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for card in session.find_all("li.card[data-request-id]"):
            try:
                if card.find("pre.command").text() == command:
                    return card
            except Exception:  # no command on this card, or it went away while we looked
                continue
        time.sleep(0.05)
    return None


def deny_with_reason(session, card, reason):
    card.find("button.deny").click()
    field = session.wait_for("input.reason")
    field[0].type(reason + "\ue007")


class Tmux:
    """An interactive program in a terminal of its own, on a private tmux server."""

    def __init__(self, home: Path, name: str, ready: str):
        self.socket = str(home / f"tmux-{name}.sock")
        self.name = name
        self.ready = ready

    def start(self, cwd: Path, command: str):
        # A session left by a case that failed midway goes first.
        self.stop()
        # A server still ending from the last `stop` refuses a new session for a moment.
        for attempt in range(3):
            started = subprocess.run(["tmux", "-S", self.socket, "new-session", "-d", "-s",
                                      self.name, "-x", "160", "-y", "45", "-c", str(cwd),
                                      f"{command}; echo EXITED=$?; sleep 3600"])
            if started.returncode == 0:
                return
            time.sleep(0.5)
        raise RuntimeError(f"tmux would not start {command}")

    def screen(self) -> str:
        """What the terminal shows, without its blank lines (a failure's detail shows it
        whole, however short the output it is cut into)."""
        out = subprocess.run(["tmux", "-S", self.socket, "capture-pane", "-p", "-t", self.name],
                             capture_output=True, text=True)
        return "\n".join(line.rstrip() for line in out.stdout.splitlines() if line.strip())

    def keys(self, *keys):
        for key in keys:
            subprocess.run(["tmux", "-S", self.socket, "send-keys", "-t", self.name, key])
            time.sleep(0.3)

    def type_line(self, text, timeout=20.0):
        """Types `text` once the program shows it is ready for a prompt, and sends it once
        it is on the screen (a key pressed while the program is still drawing is lost)."""
        deadline = time.monotonic() + timeout
        while self.ready not in self.screen() and time.monotonic() < deadline:
            time.sleep(0.2)
        subprocess.run(["tmux", "-S", self.socket, "send-keys", "-t", self.name, "-l", text])
        while text not in self.screen() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.3)
        self.keys("Enter")

    def stop(self):
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)


def agent_named(socket_path, prefix):
    agents = api_call(socket_path, "agents.list").get("result") or []
    return next((a for a in agents if a["name"].startswith(prefix)), None)
