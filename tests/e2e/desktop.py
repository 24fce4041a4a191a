"""A headless desktop for end-to-end tests, on the D-Bus session bus of dbus-run-session:
a StatusNotifier tray host (status-notifier-watcher + a registered host name) and a
client for the tray item and its menu, as a panel would use them."""
import asyncio
import os
import subprocess
import tempfile
import time
from pathlib import Path

from dbus_next import BusType, Message, MessageType, Variant
from dbus_next.aio import MessageBus
from dbus_next.service import ServiceInterface, method, signal

WATCHER = "org.kde.StatusNotifierWatcher"


def isolated_home(prefix: str, first_start: bool = False) -> Path:
    """A fresh HOME (data, config, API socket inside it) for the app under test. Unless
    `first_start`, it has a jobs file with no jobs, so no demo Converge job starts."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    os.environ.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"),
                      XDG_CONFIG_HOME=str(home / "config"), RUST_LOG="info",
                      CONVERGE_TRAY_SOCKET=str(home / "run" / "api.sock"))
    if not first_start:
        config = home / "config" / "dev.converge.tray"
        config.mkdir(parents=True)
        (config / "jobs.toml").write_text("# end-to-end test: no Converge jobs\n")
    return home


class DBusError(RuntimeError):
    pass


class NotificationServer(ServiceInterface):
    """org.freedesktop.Notifications as a desktop provides it: records what is shown and
    lets the test click a notification's buttons."""

    def __init__(self):
        super().__init__("org.freedesktop.Notifications")
        self.shown = []  # dicts: id, summary, body, actions (id → label)
        self.closed = set()
        self._next = 1

    @method()
    def GetCapabilities(self) -> "as":
        return ["actions", "body", "body-markup"]

    @method()
    def GetServerInformation(self) -> "ssss":
        return ["e2e-notifications", "converge-tray", "1", "1.2"]

    @method()
    def Notify(self, app_name: "s", replaces_id: "u", app_icon: "s", summary: "s", body: "s",
               actions: "as", hints: "a{sv}", expire_timeout: "i") -> "u":
        nid = replaces_id or self._next
        self._next = max(self._next, nid) + 1
        self.shown.append({"id": nid, "summary": summary, "body": body,
                           "actions": dict(zip(actions[::2], actions[1::2])),
                           "app_icon": app_icon,
                           "hints": {key: value.value for key, value in hints.items()},
                           "at": time.monotonic()})
        return nid

    @method()
    def CloseNotification(self, nid: "u"):
        self.closed.add(nid)
        self.NotificationClosed(nid, 3)

    @signal()
    def ActionInvoked(self, nid: "u", action_key: "s") -> "us":
        return [nid, action_key]

    @signal()
    def NotificationClosed(self, nid: "u", reason: "u") -> "uu":
        return [nid, reason]

    def dismiss(self, nid: int):
        """The person closes a notification (or the server lets it expire): gone from screen."""
        self.closed.add(nid)
        self.NotificationClosed(nid, 2)

    def click(self, nid: int, action: str):
        """What a click on a button (or on the body: `default`) sends."""
        self.ActionInvoked(nid, action)


class Desktop:
    def __init__(self, bus: MessageBus):
        self.bus = bus
        self.notifications = NotificationServer()

    @classmethod
    async def start(cls) -> "Desktop":
        watcher = subprocess.Popen(["status-notifier-watcher"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        bus = await MessageBus(bus_type=BusType.SESSION).connect()
        desktop = cls(bus)
        desktop.watcher = watcher
        bus.export("/org/freedesktop/Notifications", desktop.notifications)
        await bus.request_name("org.freedesktop.Notifications")
        for _ in range(100):
            try:
                # Without a registered host, tray libraries refuse to create an item.
                await desktop.call(WATCHER, "/StatusNotifierWatcher", WATCHER,
                                   "RegisterStatusNotifierHost", "s", [bus.unique_name])
                return desktop
            except DBusError:
                await asyncio.sleep(0.1)
        raise RuntimeError("status-notifier-watcher did not come up")

    def hang_notifications(self):
        """The notification server stops answering, as a frozen desktop shell does: every
        call to it is held, unanswered, until `answer_notifications`."""
        self.held = []

        def hold(msg):
            if (msg.message_type == MessageType.METHOD_CALL
                    and msg.interface == "org.freedesktop.Notifications"):
                self.held.append(msg)
                return True
            return None
        self._hold = hold
        self.bus.add_message_handler(hold)

    def answer_notifications(self):
        """The server comes back: it answers the held calls, late, and then new ones."""
        self.bus.remove_message_handler(self._hold)
        for msg in self.held:
            self.bus._process_message(msg)  # dbus-next's dispatch to the exported server
        self.held = []

    def stop(self):
        self.bus.disconnect()
        self.watcher.terminate()

    async def call(self, dest, path, iface, member, sig="", body=()):
        reply = await self.bus.call(Message(destination=dest, path=path, interface=iface,
                                            member=member, signature=sig, body=list(body)))
        if reply.message_type == MessageType.ERROR:
            raise DBusError(f"{member}: {reply.error_name} {reply.body}")
        return reply.body

    async def tray_items(self) -> list:
        body = await self.call(WATCHER, "/StatusNotifierWatcher", "org.freedesktop.DBus.Properties",
                               "Get", "ss", [WATCHER, "RegisteredStatusNotifierItems"])
        return body[0].value

    async def wait_for_item(self, timeout=30.0) -> "TrayItem":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            items = await self.tray_items()
            if items:
                service, _, path = items[0].partition("/")
                return TrayItem(self, service, "/" + path if path else "/StatusNotifierItem")
            await asyncio.sleep(0.1)
        raise TimeoutError("no tray item registered")


class TrayItem:
    def __init__(self, desktop: Desktop, service: str, path: str):
        self.desktop, self.service, self.path = desktop, service, path

    async def prop(self, name):
        body = await self.desktop.call(self.service, self.path, "org.freedesktop.DBus.Properties",
                                       "Get", "ss", ["org.kde.StatusNotifierItem", name])
        return body[0].value

    async def tooltip(self) -> str:
        # (icon name, icon pixmaps, title, description)
        return (await self.prop("ToolTip"))[3]

    async def activate(self, x=10, y=10):
        """What a panel does on a left click."""
        await self.desktop.call(self.service, self.path, "org.kde.StatusNotifierItem",
                                "Activate", "ii", [x, y])

    async def menu_labels(self) -> dict:
        menu = await self.prop("Menu")
        _, layout = await self.desktop.call(self.service, menu, "com.canonical.dbusmenu",
                                            "GetLayout", "iias", [0, -1, []])
        labels = {}

        def walk(node):
            item_id, props, children = node
            if "label" in props:
                labels[props["label"].value.replace("_", "")] = item_id
            for child in children:
                walk(child.value)
        walk(layout)
        return labels

    async def click_menu(self, label: str):
        menu = await self.prop("Menu")
        item_id = (await self.menu_labels())[label]
        try:
            await self.desktop.call(self.service, menu, "com.canonical.dbusmenu", "Event",
                                    "isvu", [item_id, "clicked", Variant("s", ""),
                                             int(time.time())])
        except DBusError as error:
            # Quit may end the app before its reply to the click leaves: that is its answer.
            if not (label.startswith("Quit") and "NoReply" in str(error)):
                raise
