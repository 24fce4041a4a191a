"""A stand-in for the XDG Desktop Portal's GlobalShortcuts interface (version 1), on the D-Bus
session bus of dbus-run-session, following the documented interfaces:
https://flatpak.github.io/xdg-desktop-portal/docs/doc-org.freedesktop.portal.GlobalShortcuts.html
and org.freedesktop.portal.Request / org.freedesktop.portal.Session.

As xdg-desktop-portal does, it
- answers each method at once with the handle of a Request object, exported at
  /org/freedesktop/portal/desktop/request/SENDER/TOKEN, and emits that Request's Response
  signal a moment later, then unexports it;
- exports a Session at /org/freedesktop/portal/desktop/session/SENDER/TOKEN when
  CreateSession succeeds, and refuses (org.freedesktop.DBus.Error.AccessDenied, "Invalid
  session") a session handle that is unknown, closed or created by another connection;
- sends Response, Activated, Deactivated, ShortcutsChanged and Session.Closed to the session's
  owner only (unicast signals with a destination; `unicast_signals = False` broadcasts them);
- closes the sessions of a connection that leaves the bus.

The test plays the person and the desktop: `refuse_binding`, `bind_only`, `activate()`,
`change_trigger()`, `close_session()`. `forge_activated()` plays another program on the bus.

    portal = await ShortcutsPortal().start()
    session = await portal.wait_bound(30)
    portal.activate(session["path"], "approve")
"""
import asyncio
import random
import re
import time

from dbus_next import BusType, Message, MessageType, Variant
from dbus_next.aio import MessageBus
from dbus_next.constants import MessageFlag, NameFlag, PropertyAccess, RequestNameReply
from dbus_next.errors import DBusError
from dbus_next.service import ServiceInterface, dbus_property, method, signal

PORTAL = "org.freedesktop.portal.Desktop"
PORTAL_PATH = "/org/freedesktop/portal/desktop"
SHORTCUTS = "org.freedesktop.portal.GlobalShortcuts"
REQUEST = "org.freedesktop.portal.Request"
SESSION = "org.freedesktop.portal.Session"

ACCESS_DENIED = "org.freedesktop.DBus.Error.AccessDenied"
INVALID_ARGUMENT = "org.freedesktop.portal.Error.InvalidArgument"

_TOKEN = re.compile(r"[A-Za-z0-9_]+\Z")  # xdp_is_valid_token: a valid object path element


def escape_sender(unique_name: str) -> str:
    """SENDER in request and session handles: the unique name without its initial ':', every
    '.' replaced by '_'."""
    name = unique_name[1:] if unique_name.startswith(":") else unique_name
    return name.replace(".", "_")


def timestamp_ms() -> int:
    """Activated/Deactivated timestamps: millisecond granularity, undefined base."""
    return int(time.monotonic() * 1000)


def shortcuts_variant(shortcuts: list) -> Variant:
    """The `shortcuts` result (a(sa{sv})): id, description, trigger_description."""
    return Variant("a(sa{sv})", [
        [s["id"], {"description": Variant("s", s["description"]),
                   "trigger_description": Variant("s", s["trigger_description"])}]
        for s in shortcuts])


class Request(ServiceInterface):
    def __init__(self, portal: "ShortcutsPortal", path: str, sender: str):
        super().__init__(REQUEST)
        self.portal, self.path, self.sender = portal, path, sender
        self.closed = False

    @method()
    def Close(self):
        self.portal._only_from(self.sender, "Portal operation not allowed, Unmatched caller")
        self.closed = True  # no Response will come
        self.portal._drop_request(self)

    @signal()
    def Response(self, response: "u", results: "a{sv}") -> "ua{sv}":
        # Declared for introspection; ShortcutsPortal sends it (to the caller only).
        return [response, results]


class Session(ServiceInterface):
    def __init__(self, portal: "ShortcutsPortal", path: str, sender: str):
        super().__init__(SESSION)
        self.portal, self.path, self.sender = portal, path, sender

    @method()
    def Close(self):
        self.portal._only_from(self.sender, "Portal operation not allowed, Unmatched caller")
        # Closed by its owner: no Closed signal, as xdg-desktop-portal does.
        self.portal._close_session(self.path, notify=False)

    @signal()
    def Closed(self, details: "a{sv}") -> "a{sv}":
        return details  # declared for introspection; ShortcutsPortal sends it

    @dbus_property(access=PropertyAccess.READ)
    def version(self) -> "u":
        return 1


class GlobalShortcuts(ServiceInterface):
    def __init__(self, portal: "ShortcutsPortal"):
        super().__init__(SHORTCUTS)
        self.portal = portal

    @dbus_property(access=PropertyAccess.READ)
    def version(self) -> "u":
        return self.portal.version

    @method()
    def CreateSession(self, options: "a{sv}") -> "o":
        return self.portal._create_session(options)

    @method()
    def BindShortcuts(self, session_handle: "o", shortcuts: "a(sa{sv})", parent_window: "s",
                      options: "a{sv}") -> "o":
        return self.portal._bind_shortcuts(session_handle, shortcuts, parent_window, options)

    @method()
    def ListShortcuts(self, session_handle: "o", options: "a{sv}") -> "o":
        return self.portal._list_shortcuts(session_handle, options)

    # Declared for introspection; ShortcutsPortal sends them (to the session's owner only).
    @signal()
    def Activated(self, session_handle: "o", shortcut_id: "s", timestamp: "t",
                  options: "a{sv}") -> "osta{sv}":
        return [session_handle, shortcut_id, timestamp, options]

    @signal()
    def Deactivated(self, session_handle: "o", shortcut_id: "s", timestamp: "t",
                    options: "a{sv}") -> "osta{sv}":
        return [session_handle, shortcut_id, timestamp, options]

    @signal()
    def ShortcutsChanged(self, session_handle: "o", shortcuts: "a(sa{sv})") -> "oa(sa{sv})":
        return [session_handle, shortcuts]


class ShortcutsPortal:
    def __init__(self):
        self.bus = None
        self.version = 1
        # The person at the binding dialog (read when BindShortcuts is called):
        self.refuse_binding = False  # True: Response 1 (cancelled), empty results
        self.bind_only = None        # None: every shortcut asked for; else the ids accepted
        # How long after a method's reply its Response comes.
        self.response_delay = 0.05
        self.unicast_signals = True
        # session path → {"path", "sender", "shortcuts": [bound: {"id", "description",
        #   "preferred_trigger", "trigger_description"}], "requested": [as asked],
        #   "parent_window", "bind_attempts", "bound", "refused", "closed"}
        self.sessions = {}
        self.requests = {}     # request path → Request, while it awaits its Response
        self.calls = []        # (member, sender, args) of every GlobalShortcuts call
        self.activations = []  # (session path, shortcut id, timestamp) sent by activate()
        self._owns_bus = False
        self._caller = None
        self._interface = GlobalShortcuts(self)
        self._objects = {}     # exported Session objects by path

    # --- life cycle ---

    async def start(self, bus: MessageBus = None) -> "ShortcutsPortal":
        """Owns org.freedesktop.portal.Desktop on its own session-bus connection (or on `bus`,
        which then must not be shared with clients of the portal)."""
        self._owns_bus = bus is None
        self.bus = bus or await MessageBus(bus_type=BusType.SESSION).connect()
        self.bus.add_message_handler(self._on_message)
        self.bus.export(PORTAL_PATH, self._interface)
        await self._bus_call("AddMatch", "s", [
            "type='signal',sender='org.freedesktop.DBus',interface='org.freedesktop.DBus',"
            "member='NameOwnerChanged'"])
        reply = await self.bus.request_name(PORTAL, NameFlag.DO_NOT_QUEUE)
        if reply not in (RequestNameReply.PRIMARY_OWNER, RequestNameReply.ALREADY_OWNER):
            raise RuntimeError(f"could not own {PORTAL}: {reply}")
        return self

    async def stop(self):
        if not self.bus:
            return
        if self._owns_bus:
            self.bus.disconnect()
        else:
            await self.bus.release_name(PORTAL)
            self.bus.remove_message_handler(self._on_message)
            for path in [PORTAL_PATH, *self.requests, *self._objects]:
                self.bus.unexport(path)
        self.bus = None

    # --- the test's side ---

    def open_sessions(self, sender: str = None) -> list:
        return [s for s in self.sessions.values()
                if not s["closed"] and (sender is None or s["sender"] == sender)]

    async def wait_session(self, timeout: float = 30.0, sender: str = None) -> dict:
        """The newest open session (of `sender`), once there is one."""
        return await self._wait(lambda: self.open_sessions(sender), timeout, "no session created")

    async def wait_bound(self, timeout: float = 30.0, sender: str = None) -> dict:
        """The newest open session (of `sender`) whose BindShortcuts got Response 0."""
        return await self._wait(lambda: [s for s in self.open_sessions(sender) if s["bound"]],
                                timeout, "no shortcuts bound")

    async def wait_bind_attempt(self, timeout: float = 30.0, sender: str = None) -> dict:
        """The newest open session (of `sender`) whose BindShortcuts was answered, whatever
        the answer (e.g. refused with `refuse_binding`)."""
        return await self._wait(
            lambda: [s for s in self.open_sessions(sender) if s["bind_answered"]],
            timeout, "no BindShortcuts answered")

    def activate(self, session_path: str, shortcut_id: str, hold: float = 0.05,
                 check: bool = True) -> int:
        """The person presses the shortcut's keys: Activated now, Deactivated `hold` seconds
        later (0: at once), both from the portal, to the session's owner. Returns the
        Activated timestamp. With `check`, only a bound shortcut of an open session."""
        session = self.sessions[session_path]
        if check:
            if session["closed"]:
                raise ValueError(f"session {session_path} is closed")
            if shortcut_id not in [s["id"] for s in session["shortcuts"]]:
                raise KeyError(f"{shortcut_id!r} is not bound in {session_path}")
        pressed = timestamp_ms()
        self.activations.append((session_path, shortcut_id, pressed))
        self._emit(PORTAL_PATH, SHORTCUTS, "Activated", "osta{sv}",
                   [session_path, shortcut_id, pressed, {}], session["sender"])

        def release():
            if self.bus:
                self._emit(PORTAL_PATH, SHORTCUTS, "Deactivated", "osta{sv}",
                           [session_path, shortcut_id, max(timestamp_ms(), pressed), {}],
                           session["sender"])
        if hold > 0:
            asyncio.get_running_loop().call_later(hold, release)
        else:
            release()
        return pressed

    def change_trigger(self, session_path: str, shortcut_id: str, trigger_description: str):
        """The person reassigns a bound shortcut in the desktop's settings: ShortcutsChanged."""
        session = self.sessions[session_path]
        for shortcut in session["shortcuts"]:
            if shortcut["id"] == shortcut_id:
                shortcut["trigger_description"] = trigger_description
        self._emit(PORTAL_PATH, SHORTCUTS, "ShortcutsChanged", "oa(sa{sv})",
                   [session_path, shortcuts_variant(session["shortcuts"]).value],
                   session["sender"])

    def close_session(self, session_path: str):
        """The desktop ends the session: Session.Closed to its owner, then it is gone."""
        self._close_session(session_path, notify=True)

    async def forge_activated(self, session_path: str, shortcut_id: str,
                              destination: str = "owner", member: str = "Activated") -> str:
        """Another program on the session bus sends a signal with the path, interface, member
        and body of the portal's Activated (or `member`), from a fresh connection that does
        not own org.freedesktop.portal.Desktop. `destination`: "owner" (the session's owner,
        as the portal sends it), None (broadcast) or a bus name. Returns the forger's unique
        name, which is the signal's sender."""
        if destination == "owner":
            session = self.sessions.get(session_path)
            destination = session["sender"] if session and self.unicast_signals else None
        return await forge_signal(PORTAL_PATH, SHORTCUTS, member, "osta{sv}",
                                  [session_path, shortcut_id, timestamp_ms(), {}], destination)

    # --- the portal's side ---

    def _on_message(self, msg: Message):
        if msg.message_type == MessageType.METHOD_CALL:
            return self._dispatch(msg)
        if (msg.message_type == MessageType.SIGNAL and msg.member == "NameOwnerChanged"
              and msg.sender == "org.freedesktop.DBus"):
            name, _, new_owner = msg.body
            if name.startswith(":") and not new_owner:
                # "A client who started a session vanishing from the D-Bus is equivalent to
                # closing all active sessions made by said client."
                for session in self.open_sessions(name):
                    self._close_session(session["path"], notify=False)
                for request in [r for r in self.requests.values() if r.sender == name]:
                    request.closed = True
                    self._drop_request(request)
        return None  # never handled here

    def _dispatch(self, msg: Message):
        """Calls the @method of the portal's own objects itself, with `_caller` set: dbus-next
        0.2.3 gives a method no caller, and logs every DBusError a method raises as an
        unexpected error (after replying with it); from a message handler a DBusError just
        becomes the error reply. Anything else (Introspect, Properties, unknown members) is
        left to dbus-next."""
        for iface in self.bus._path_exports.get(msg.path, []):
            if iface.name != msg.interface:
                continue
            for m in ServiceInterface._get_methods(iface):
                if m.name == msg.member and m.in_signature == msg.signature and not m.disabled:
                    self._caller = msg.sender
                    try:
                        result = m.fn(iface, *ServiceInterface._msg_body_to_args(msg))
                    finally:
                        self._caller = None
                    if msg.flags & MessageFlag.NO_REPLY_EXPECTED:
                        return True
                    body, fds = ServiceInterface._fn_result_to_body(result, m.out_signature_tree)
                    return Message.new_method_return(msg, m.out_signature, body, fds)
        return None

    def _only_from(self, owner: str, text: str):
        if self._caller != owner:
            raise DBusError(ACCESS_DENIED, text)

    def _option(self, options: dict, key: str, signature: str = "s"):
        value = options.get(key)
        if value is None:
            return None
        if value.signature != signature:
            raise DBusError(INVALID_ARGUMENT, f"Invalid type for option '{key}'")
        return value.value

    def _token(self, options: dict, key: str, required: bool) -> str:
        token = self._option(options, key)
        if token is None:
            if required:
                raise DBusError(INVALID_ARGUMENT, f"Missing {key}")
            token = f"t{random.randrange(1 << 32)}"
        if not _TOKEN.match(token):
            raise DBusError(INVALID_ARGUMENT, f"Invalid token '{token}'")
        return token

    def _unique_path(self, path: str, taken) -> str:
        unique = path
        while unique in taken:
            unique = f"{path}/{random.randrange(1 << 32)}"
        return unique

    def _new_request(self, sender: str, options: dict) -> Request:
        token = self._token(options, "handle_token", required=False)
        path = self._unique_path(f"{PORTAL_PATH}/request/{escape_sender(sender)}/{token}",
                                 self.requests)
        request = Request(self, path, sender)
        self.requests[path] = request
        self.bus.export(path, request)
        return request

    def _drop_request(self, request: Request):
        if self.requests.get(request.path) is request:
            del self.requests[request.path]
            if self.bus:
                self.bus.unexport(request.path, request)

    def _respond_later(self, request: Request, answer):
        """After the method's reply: `answer()` → (response, results), sent as the Request's
        Response to its caller; then the Request is gone."""
        def respond():
            if request.closed or not self.bus:
                return
            response, results = answer()
            self._emit(request.path, REQUEST, "Response", "ua{sv}", [response, results],
                       request.sender)
            self._drop_request(request)
        asyncio.get_running_loop().call_later(self.response_delay, respond)

    def _emit(self, path, interface, member, signature, body, owner):
        self.bus.send(Message(message_type=MessageType.SIGNAL, path=path, interface=interface,
                              member=member, signature=signature, body=body,
                              destination=owner if self.unicast_signals else None))

    def _session_of_caller(self, session_handle: str) -> dict:
        session = self.sessions.get(session_handle)
        if not session or session["closed"] or session["sender"] != self._caller:
            raise DBusError(ACCESS_DENIED, "Invalid session")
        return session

    def _create_session(self, options: dict) -> str:
        sender = self._caller
        self.calls.append(("CreateSession", sender, [options]))
        session_token = self._token(options, "session_handle_token", required=True)
        request = self._new_request(sender, options)
        taken = set(self.sessions) | {p for r in self.requests.values()
                                      for p in [getattr(r, "session_path", None)] if p}
        path = self._unique_path(f"{PORTAL_PATH}/session/{escape_sender(sender)}/{session_token}",
                                 taken)
        request.session_path = path

        def answer():
            session = Session(self, path, sender)
            self._objects[path] = session
            self.bus.export(path, session)
            self.sessions[path] = {
                "path": path, "sender": sender, "shortcuts": [], "requested": [],
                "parent_window": None, "bind_attempts": 0, "bind_answered": False,
                "bound": False, "refused": False, "closed": False}
            # `session_handle` is an object path sent as type s (see the spec's note).
            return 0, {"session_handle": Variant("s", path)}
        self._respond_later(request, answer)
        return request.path

    def _bind_shortcuts(self, session_handle, shortcuts, parent_window, options) -> str:
        sender = self._caller
        self.calls.append(("BindShortcuts", sender, [session_handle, shortcuts, parent_window,
                                                     options]))
        requested = []
        for shortcut_id, props in shortcuts:
            if not shortcut_id:
                raise DBusError(INVALID_ARGUMENT, "Unexpected empty shortcut id")
            description = self._option(props, "description")
            trigger = self._option(props, "preferred_trigger")
            requested.append({"id": shortcut_id, "description": description or "",
                              "preferred_trigger": trigger,
                              "trigger_description": trigger or "unassigned"})
        session = self._session_of_caller(session_handle)
        request = self._new_request(sender, options)
        session["bind_attempts"] += 1
        first = session["bind_attempts"] == 1
        refuse = self.refuse_binding
        accepted = None if self.bind_only is None else set(self.bind_only)

        def answer():
            session["bind_answered"] = True
            if not first:  # "An application can only attempt bind shortcuts of a session once."
                return 2, {}
            session["requested"], session["parent_window"] = requested, parent_window
            if refuse:
                session["refused"] = True
                return 1, {}
            session["shortcuts"] = [s for s in requested if accepted is None or s["id"] in accepted]
            session["bound"] = True
            return 0, {"shortcuts": shortcuts_variant(session["shortcuts"])}
        self._respond_later(request, answer)
        return request.path

    def _list_shortcuts(self, session_handle, options) -> str:
        sender = self._caller
        self.calls.append(("ListShortcuts", sender, [session_handle, options]))
        session = self._session_of_caller(session_handle)
        request = self._new_request(sender, options)
        self._respond_later(request, lambda: (0, {"shortcuts":
                                                  shortcuts_variant(session["shortcuts"])}))
        return request.path

    def _close_session(self, path: str, notify: bool):
        session = self.sessions.get(path)
        if not session or session["closed"]:
            return
        session["closed"] = True
        if notify and self.bus:
            self._emit(path, SESSION, "Closed", "a{sv}", [{}], session["sender"])
        obj = self._objects.pop(path, None)
        if obj and self.bus:
            self.bus.unexport(path, obj)

    async def _bus_call(self, member, signature="", body=()):
        reply = await self.bus.call(Message(
            destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
            interface="org.freedesktop.DBus", member=member, signature=signature,
            body=list(body)))
        if reply.message_type == MessageType.ERROR:
            raise RuntimeError(f"{member}: {reply.error_name} {reply.body}")
        return reply.body

    async def _wait(self, found, timeout, what):
        deadline = time.monotonic() + timeout
        while True:
            matches = found()
            if matches:
                return matches[-1]
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{what} within {timeout}s")
            await asyncio.sleep(0.02)


async def forge_signal(path: str, interface: str, member: str, signature: str, body: list,
                       destination: str = None) -> str:
    """Sends a signal from a fresh session-bus connection (one owning no name), as any program
    on the session bus can. Returns that connection's unique name: the signal's sender."""
    bus = await MessageBus(bus_type=BusType.SESSION).connect()
    try:
        await bus.send(Message(message_type=MessageType.SIGNAL, path=path, interface=interface,
                               member=member, signature=signature, body=body,
                               destination=destination))
        # The bus daemon handles a connection's messages in order: once it answers this, it
        # has routed the signal.
        await bus.call(Message(destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
                               interface="org.freedesktop.DBus", member="GetId"))
        return bus.unique_name
    finally:
        bus.disconnect()
