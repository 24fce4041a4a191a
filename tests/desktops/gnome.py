"""A real GNOME Shell 43 session, headless: the compositor with a virtual monitor and software
rendering, its own panel, the AppIndicator extension for tray items, and its notification
server, on a private session bus and a stand-in system bus (nothing of this machine's is
touched). The test looks at the shell and presses on it through org.gnome.Shell.Eval, which
the test-only extension beside this file opens.

Started from Debian's packages: gnome-shell, gnome-shell-extension-appindicator, gjs
(scripts/setup.sh --tests installs them).
"""
import asyncio
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from dbus_next import Message, MessageType
from dbus_next.aio import MessageBus

from teardown import end_session

HERE = Path(__file__).resolve().parent
EXTENSIONS = ["ubuntu-appindicators@ubuntu.com", "test-access@converge-tray.dev"]
WIDTH, HEIGHT = 1280, 800


class SessionFailed(RuntimeError):
    pass


class GnomeSession:
    def __init__(self, root: Path, tray_extension: bool = True):
        self.root = root
        # Off: GNOME as it ships (Fedora, Debian's GNOME), which shows no tray icons.
        self.extensions = EXTENSIONS if tray_extension else EXTENSIONS[1:]
        self.run_dir = root / "run"
        self.log_path = root / "gnome-shell.log"
        self.procs = []
        self.bus = None
        self.env = {}

    async def start(self, timeout=60.0):
        """Starts the session; returns once the shell says its start-up is complete and the
        tray watcher is on the bus (with the extension). Fails with the shell's own log
        otherwise."""
        home = self.root / "home"
        self.run_dir.mkdir(parents=True, mode=0o700)
        home.mkdir(parents=True)
        env = dict(os.environ)
        for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XAUTHORITY"):
            env.pop(name, None)
        env.update(HOME=str(home), XDG_RUNTIME_DIR=str(self.run_dir),
                   XDG_CONFIG_HOME=str(home / ".config"), XDG_DATA_HOME=str(home / ".local/share"),
                   XDG_CACHE_HOME=str(home / ".cache"), LIBGL_ALWAYS_SOFTWARE="1",
                   XDG_SESSION_TYPE="wayland", XDG_CURRENT_DESKTOP="GNOME",
                   WAYLAND_DISPLAY="wayland-test", NO_AT_BRIDGE="1", GTK_A11Y="none")
        # gnome-shell asks logind on the system bus and dies without one; an empty bus is
        # enough (no logind: it only warns).
        system_bus = f"unix:path={self.run_dir}/system_bus_socket"
        self._daemon(env, system_bus)
        env["DBUS_SYSTEM_BUS_ADDRESS"] = system_bus
        # The session bus gets the whole environment: the services it starts on demand
        # (dconf, the notification helper) inherit it from the bus, not from us.
        session_bus = f"unix:path={self.run_dir}/bus"
        config = self._session_config()
        env["XDG_DESKTOP_PORTAL_DIR"] = str(self.root / "portals")
        self._daemon(env, session_bus, config)
        env["DBUS_SESSION_BUS_ADDRESS"] = session_bus
        self.env = env
        extensions = Path(env["XDG_DATA_HOME"]) / "gnome-shell/extensions"
        extensions.mkdir(parents=True)
        shutil.copytree(HERE / "gnome-extension/test-access@converge-tray.dev",
                        extensions / "test-access@converge-tray.dev")
        for key, value in (("enabled-extensions", repr(self.extensions)),
                           ("disable-extension-version-validation", "true"),
                           ("welcome-dialog-last-shown-version", "'999'")):
            subprocess.run(["gsettings", "set", "org.gnome.shell", key, value], env=env,
                           check=True)
        self.log = open(self.log_path, "w")
        self.shell = subprocess.Popen(
            ["gnome-shell", "--headless", "--wayland",
             "--virtual-monitor", f"{WIDTH}x{HEIGHT}", "--wayland-display", env["WAYLAND_DISPLAY"]],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(self.shell)
        self.bus = await MessageBus(bus_address=session_bus).connect()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.shell.poll() is not None:
                raise SessionFailed(f"gnome-shell exited ({self.shell.returncode})")
            try:
                # The AppIndicator extension and the panel are only ready once the shell's
                # start-up is complete: an item registered before then may never be drawn.
                if await self.eval("Main.layoutManager._startingUp") is False and (
                        await self.has_owner("org.kde.StatusNotifierWatcher")
                        or self.extensions == EXTENSIONS[1:]):
                    # The X11 display the shell runs (XWayland) and its key, as a login
                    # passes them on.
                    for name in ("DISPLAY", "XAUTHORITY"):
                        value = await self.eval(f"imports.gi.GLib.getenv('{name}')")
                        if not value:
                            raise SessionFailed(f"the shell started no XWayland (no {name})")
                        self.env[name] = value
                    return
            except (RuntimeError, asyncio.TimeoutError):  # not up yet
                pass
            await asyncio.sleep(0.25)
        raise SessionFailed("the shell did not complete its start-up with the tray watcher")

    def _session_config(self) -> Path:
        """A session bus that starts on demand what GNOME would, not KDE's services: this
        machine also has Plasma installed (for tests/desktops/plasma.py), and a portal
        started here would otherwise pick KDE's backend, which a GNOME login never has."""
        services = self.root / "dbus-services"
        services.mkdir()
        for service in Path("/usr/share/dbus-1/services").glob("*.service"):
            name = next((line.split("=", 1)[1] for line in service.read_text().splitlines()
                         if line.startswith("Name=")), "")
            if not (name.startswith("org.kde.") or name.startswith(
                    "org.freedesktop.impl.portal.desktop.kde")):
                (services / service.name).symlink_to(service)
        # The portal's own list of backends, GNOME's only (the portal reads it from here).
        portals = self.root / "portals"
        portals.mkdir()
        for backend in Path("/usr/share/xdg-desktop-portal/portals").glob("*.portal"):
            if backend.name != "kde.portal":
                (portals / backend.name).symlink_to(backend)
        config = self.root / "dbus-session.conf"
        config.write_text(Path("/usr/share/dbus-1/session.conf").read_text().replace(
            "<standard_session_servicedirs />", f"<servicedir>{services}</servicedir>"))
        return config

    def _daemon(self, env, address, config=None):
        kind = f"--config-file={config}" if config else "--session"
        out = subprocess.run(["dbus-daemon", kind, f"--address={address}", "--fork",
                              "--print-pid"], env=env, check=True, capture_output=True,
                             text=True)
        self.procs.append(int(out.stdout.split()[0]))

    def log_tail(self, lines=60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    async def call(self, dest, path, iface, member, signature="", body=()):
        reply = await asyncio.wait_for(
            self.bus.call(Message(destination=dest, path=path, interface=iface, member=member,
                                  signature=signature, body=list(body))), timeout=10)
        if reply.message_type == MessageType.ERROR:
            raise RuntimeError(f"{member}: {reply.error_name}: {reply.body}")
        return reply.body

    async def has_owner(self, name) -> bool:
        [owned] = await self.call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                  "org.freedesktop.DBus", "NameHasOwner", "s", [name])
        return owned

    async def eval(self, script: str):
        """Runs `script` in the shell; its value (the shell hands it over as JSON)."""
        ok, value = await self.call("org.gnome.Shell", "/org/gnome/Shell", "org.gnome.Shell",
                                    "Eval", "s", [f"(() => {{ {script_body(script)} }})()"])
        if not ok:
            raise RuntimeError(f"the shell refused the script: {value}")
        return json.loads(value) if value not in ("", "undefined") else None

    async def screenshot(self, path: Path):
        await self.call("org.gnome.Shell.Screenshot", "/org/gnome/Shell/Screenshot",
                        "org.gnome.Shell.Screenshot", "Screenshot", "bbs",
                        [False, False, str(path)])

    async def pointer(self, x: int, y: int, clicks: int = 1):
        """Moves a virtual pointer (the shell's own input path) to x, y and clicks there
        `clicks` times."""
        await self.eval(f"""
            const Clutter = imports.gi.Clutter, GLib = imports.gi.GLib;
            if (!global._testPointer)
                global._testPointer = Clutter.get_default_backend().get_default_seat()
                    .create_virtual_device(Clutter.InputDeviceType.POINTER_DEVICE);
            let t = GLib.get_monotonic_time();
            global._testPointer.notify_absolute_motion(t, {x}, {y});
            for (let i = 0; i < {clicks}; i++) {{
                global._testPointer.notify_button(t += 30000, Clutter.BUTTON_PRIMARY,
                                                  Clutter.ButtonState.PRESSED);
                global._testPointer.notify_button(t += 30000, Clutter.BUTTON_PRIMARY,
                                                  Clutter.ButtonState.RELEASED);
            }}
            return true;""")

    async def hover(self, x: int, y: int):
        await self.pointer(x, y, clicks=0)

    def stop(self):
        if self.bus:
            self.bus.disconnect()
        end_session(self.procs, self.run_dir)


def script_body(script: str) -> str:
    """An expression becomes `return expression;`; a body with its own return is kept."""
    return script if "return " in script else f"return ({script});"
