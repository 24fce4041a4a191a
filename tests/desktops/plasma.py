"""A real KDE Plasma 5.27 Wayland session, headless: KWin with a virtual output and
software rendering, XWayland, kded5 (the tray's watcher), plasmashell (its panel, system
tray and notification server), and, started on demand by the session bus as in a login,
Plasma's XDG portal with its GlobalShortcuts. On a private session bus and a stand-in
system bus: nothing of this machine's is touched.

The test looks and presses through KWin's own interfaces: a KWin script reports the windows
(back over D-Bus), org.kde.KWin.ScreenShot2 takes screenshots, and kwin-fake-input
(tests/desktops/kwin-fake-input) moves the pointer and presses keys through KWin's
fake-input protocol, as a person's mouse and keyboard would. KWin grants those two only to
programs a .desktop file names (X-KDE-DBUS-Restricted-Interfaces,
X-KDE-Wayland-Interfaces): the session writes them into its own data directory.

Started from Debian's packages: kwin-wayland, plasma-workspace, plasma-desktop, kded5,
qtwayland5, xdg-desktop-portal-kde (scripts/setup.sh --tests installs them).
"""
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from dbus_next import Message, MessageType, Variant
from dbus_next.aio import MessageBus
from dbus_next.service import ServiceInterface, method

from teardown import end_session

WIDTH, HEIGHT = 1280, 800
# Where the test's KWin scripts report to, on the session's bus.
REPORTS = "dev.converge.tray.DesktopTest"

# Evdev key codes (linux/input-event-codes.h).
KEYS = {"ctrl": 29, "alt": 56, "shift": 42, "esc": 1, "enter": 28, "a": 30, "c": 46, "j": 36, "k": 37,
        "d": 32}

WINDOWS_SCRIPT = """
const windows = workspace.clientList().map(w => ({
    caption: w.caption, resourceClass: String(w.resourceClass), pid: w.pid,
    x: w.x, y: w.y, width: w.width, height: w.height, windowType: w.windowType,
    active: w.active, skipTaskbar: w.skipTaskbar, dock: w.dock,
    notification: w.notification || w.criticalNotification, minimized: w.minimized}));
callDBus("%(service)s", "/", "%(service)s", "Report", "%(marker)s", JSON.stringify(windows));
"""


class SessionFailed(RuntimeError):
    pass


class Reports(ServiceInterface):
    """Receives what the KWin scripts send back."""

    def __init__(self):
        super().__init__(REPORTS)
        self.waiting = {}

    @method()
    def Report(self, marker: "s", value: "s"):  # noqa: F821 (D-Bus signature)
        future = self.waiting.pop(marker, None)
        if future and not future.done():
            future.set_result(json.loads(value))


class PlasmaSession:
    def __init__(self, root: Path, fake_input: Path):
        self.root = root
        self.fake_input = fake_input.resolve()
        self.run_dir = root / "run"
        self.logs = {}
        self.procs = []
        self.bus = None
        self.env = {}
        self.reports = Reports()
        self.input = None
        self.scripts = 0

    async def start(self, timeout=90.0):
        """Starts the session; returns once the panel with its system tray, the tray's
        watcher and the notification server are up. Fails with the desktop's logs
        otherwise."""
        home = self.root / "home"
        self.run_dir.mkdir(parents=True, mode=0o700)
        home.mkdir(parents=True)
        bin_dir = self.root / "bin"
        bin_dir.mkdir()
        env = dict(os.environ)
        for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XAUTHORITY", "WAYLAND_DISPLAY"):
            env.pop(name, None)
        env.update(HOME=str(home), XDG_RUNTIME_DIR=str(self.run_dir),
                   XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
                   XDG_CACHE_HOME=str(home / ".cache"), LIBGL_ALWAYS_SOFTWARE="1",
                   XDG_SESSION_TYPE="wayland", XDG_CURRENT_DESKTOP="KDE",
                   XDG_SESSION_DESKTOP="KDE", KDE_FULL_SESSION="true", KDE_SESSION_VERSION="5",
                   QT_QPA_PLATFORM="wayland", WAYLAND_DISPLAY="wayland-plasma-test",
                   NO_AT_BRIDGE="1", QT_ACCESSIBILITY="0")
        self._grant_test_tools(Path(env["XDG_DATA_HOME"]) / "applications")
        system_bus = f"unix:path={self.run_dir}/system_bus_socket"
        self._daemon(env, system_bus)
        env["DBUS_SYSTEM_BUS_ADDRESS"] = system_bus
        session_bus = f"unix:path={self.run_dir}/bus"
        self._daemon(env, session_bus)
        env["DBUS_SESSION_BUS_ADDRESS"] = session_bus
        self.env = env
        self.bus = await MessageBus(bus_address=session_bus,
                                    negotiate_unix_fd=True).connect()
        self.bus.export("/", self.reports)
        await self.bus.request_name(REPORTS)

        # The packaged kwin_wayland carries a file capability (cap_sys_resource), and
        # executing such a file fails where that capability cannot be had (a container): a
        # copy has none. KWin's own platform plugin checks the file's name: the copy keeps it.
        kwin = bin_dir / "kwin_wayland"
        shutil.copyfile("/usr/bin/kwin_wayland", kwin)  # the contents only: no xattrs
        kwin.chmod(0o755)
        # What KWin starts when it is ready carries the session's DISPLAY (its XWayland).
        env_file = self.root / "kwin-session.env"
        reporter = bin_dir / "session-env"
        reporter.write_text('#!/bin/sh\nenv > "$1.tmp" && mv "$1.tmp" "$1"\nexec sleep 1000000\n')
        reporter.chmod(0o755)
        self.kwin = self._start("kwin", [str(kwin), "--virtual", "--xwayland",
                                         "--width", str(WIDTH), "--height", str(HEIGHT),
                                         "--socket", env["WAYLAND_DISPLAY"], "--no-lockscreen",
                                         "--exit-with-session", f"{reporter} {env_file}"], env)
        deadline = time.monotonic() + timeout
        await self._until(deadline, lambda: env_file.exists(), "KWin did not start XWayland",
                          self.kwin)
        display = next((line.split("=", 1)[1] for line in env_file.read_text().splitlines()
                        if line.startswith("DISPLAY=")), "")
        if not display:
            raise SessionFailed("KWin started its session without a DISPLAY (no XWayland)")
        env["DISPLAY"] = display
        # Services the bus starts on demand (the portal, its KDE backend) need the display.
        subprocess.run(["dbus-update-activation-environment", "DISPLAY"], env=env, check=True)
        self.kded = self._start("kded5", ["kded5"], env)
        self.shell = self._start("plasmashell", ["plasmashell", "--no-respawn"], env)

        async def ready():
            return (await self.has_owner("org.kde.StatusNotifierWatcher")
                    and await self.has_owner("org.freedesktop.Notifications")
                    and any(name.startswith("org.kde.StatusNotifierHost-")
                            for name in await self.names())
                    and any(w["dock"] for w in await self.windows()))
        await self._until(deadline, ready, "plasmashell did not bring its panel, system tray "
                          "and notification server", self.shell, self.kded)
        self.input = subprocess.Popen([str(self.fake_input)], env=env, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True)
        self.procs.append(self.input)
        await self._press("move 1 1")

    def _grant_test_tools(self, applications: Path):
        """The .desktop files by which KWin lets this test's Python take screenshots and
        kwin-fake-input press: KWin matches the running program's file to `Exec=`."""
        applications.mkdir(parents=True)
        python = os.path.realpath(sys.executable)
        (applications / "converge-tray-desktop-test.desktop").write_text(
            "[Desktop Entry]\nType=Application\nName=Converge Tray desktop test\n"
            f"Exec={python}\nNoDisplay=true\n"
            "X-KDE-DBUS-Restricted-Interfaces=org.kde.KWin.ScreenShot2\n")
        (applications / "converge-tray-desktop-test-input.desktop").write_text(
            "[Desktop Entry]\nType=Application\nName=Converge Tray desktop test input\n"
            f"Exec={self.fake_input}\nNoDisplay=true\n"
            "X-KDE-Wayland-Interfaces=org_kde_kwin_fake_input\n")

    def _start(self, name, argv, env):
        log = open(self.root / f"{name}.log", "w")
        self.logs[name] = self.root / f"{name}.log"
        proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc

    async def _until(self, deadline, probe, failure, *watched):
        while time.monotonic() < deadline:
            for proc in watched:
                if proc.poll() is not None:
                    raise SessionFailed(f"{failure}: {Path(proc.args[0]).name} exited "
                                        f"({proc.returncode})")
            try:
                value = probe()
                if asyncio.iscoroutine(value):
                    value = await value
                if value:
                    return value
            except (RuntimeError, asyncio.TimeoutError):  # not up yet
                pass
            await asyncio.sleep(0.25)
        raise SessionFailed(failure)

    def _daemon(self, env, address):
        out = subprocess.run(["dbus-daemon", "--session", f"--address={address}", "--fork",
                              "--print-pid"], env=env, check=True, capture_output=True,
                             text=True)
        self.procs.append(int(out.stdout.split()[0]))

    def log_tail(self, lines=40) -> str:
        parts = []
        for name, path in self.logs.items():
            try:
                text = "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            except OSError:
                text = "(no log)"
            parts.append(f"--- {name}'s log (last {lines} lines) ---\n{text}")
        return "\n".join(parts)

    async def call(self, dest, path, iface, member, signature="", body=(), fds=()):
        reply = await asyncio.wait_for(
            self.bus.call(Message(destination=dest, path=path, interface=iface, member=member,
                                  signature=signature, body=list(body),
                                  unix_fds=list(fds))), timeout=20)
        if reply.message_type == MessageType.ERROR:
            raise RuntimeError(f"{member}: {reply.error_name}: {reply.body}")
        return reply.body

    async def names(self):
        [names] = await self.call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                  "org.freedesktop.DBus", "ListNames")
        return names

    async def has_owner(self, name) -> bool:
        [owned] = await self.call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                  "org.freedesktop.DBus", "NameHasOwner", "s", [name])
        return owned

    async def windows(self):
        """Every window KWin manages: caption, class, geometry, type, whether it is active."""
        self.scripts += 1
        marker = f"windows-{os.getpid()}-{self.scripts}"
        script = self.root / f"{marker}.js"
        script.write_text(WINDOWS_SCRIPT % {"service": REPORTS, "marker": marker})
        future = asyncio.get_running_loop().create_future()
        self.reports.waiting[marker] = future
        [number] = await self.call("org.kde.KWin", "/Scripting", "org.kde.kwin.Scripting",
                                   "loadScript", "ss", [str(script), marker])
        try:
            await self.call("org.kde.KWin", f"/{number}", "org.kde.kwin.Script", "run")
            return await asyncio.wait_for(future, timeout=10)
        finally:
            self.reports.waiting.pop(marker, None)
            await self.call("org.kde.KWin", "/Scripting", "org.kde.kwin.Scripting",
                            "unloadScript", "s", [marker])

    async def screenshot(self, path: Path):
        """The whole screen as KWin composites it, saved as PNG."""
        from PIL import Image
        read_end, write_end = os.pipe()
        try:
            [info] = await self.call(
                "org.kde.KWin.ScreenShot2", "/org/kde/KWin/ScreenShot2",
                "org.kde.KWin.ScreenShot2", "CaptureArea", "iiuua{sv}h",
                [0, 0, WIDTH, HEIGHT, {"native-resolution": Variant("b", True)}, 0],
                fds=[write_end])
        finally:
            os.close(write_end)
        with os.fdopen(read_end, "rb") as pipe:
            data = await asyncio.get_running_loop().run_in_executor(None, pipe.read)
        width, height, stride = (info[k].value for k in ("width", "height", "stride"))
        Image.frombuffer("RGBA", (width, height), data, "raw", "BGRA", stride, 1).save(path)

    async def _press(self, command):
        def send():
            self.input.stdin.write(command + "\n")
            self.input.stdin.flush()
            return self.input.stdout.readline().strip()
        answer = await asyncio.get_running_loop().run_in_executor(None, send)
        if answer != "ok":
            raise RuntimeError(f"kwin-fake-input: {answer or 'ended'}")

    async def click(self, x, y):
        await self._press(f"move {x} {y}")
        await asyncio.sleep(0.1)
        await self._press("click")

    async def hover(self, x, y):
        await self._press(f"move {x} {y}")

    async def keys(self, *names):
        """Presses the keys together, as a chord: down in order, up in reverse."""
        for name in names:
            await self._press(f"key {KEYS[name]} down")
        for name in reversed(names):
            await self._press(f"key {KEYS[name]} up")

    def stop(self):
        if self.input and self.input.poll() is None:
            self.input.stdin.close()
        if self.bus:
            self.bus.disconnect()
        end_session(reversed(self.procs), self.run_dir)
