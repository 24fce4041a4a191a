"""Checks portal.py against the documented GlobalShortcuts / Request / Session interfaces, with
a client built from low-level dbus-next messages that does what an app following the spec
does: it predicts each request handle and subscribes to its Response before calling,
creates a session, binds two shortcuts, then takes Activated signals only from the owner of
org.freedesktop.portal.Desktop.
usage: xvfb-run -a dbus-run-session -- ~/.cache/converge-tray/e2e-venv/bin/python \
           tests/e2e/portal_selftest.py
"""
import asyncio
import sys
import traceback

from dbus_next import BusType, Message, MessageType, Variant
from dbus_next.aio import MessageBus

from portal import (ACCESS_DENIED, PORTAL, PORTAL_PATH, REQUEST, SESSION, SHORTCUTS,
                    ShortcutsPortal, escape_sender)

failures = []


def check(ok: bool, what: str, detail=""):
    print(f"{'PASS' if ok else 'FAIL'}: {what}" + (f" ({detail})" if detail and not ok else ""),
          flush=True)
    if not ok:
        failures.append(what)
    return ok


class Client:
    """An app's connection: every message it receives, in order, in `log`."""

    def __init__(self, bus: MessageBus):
        self.bus = bus
        self.log = []
        self.arrived = asyncio.Event()
        bus.add_message_handler(self._receive)

    @classmethod
    async def connect(cls) -> "Client":
        return cls(await MessageBus(bus_type=BusType.SESSION).connect())

    def _receive(self, msg: Message):
        self.log.append(msg)
        self.arrived.set()
        return None

    @property
    def sender(self) -> str:
        return escape_sender(self.bus.unique_name)

    async def call(self, dest, path, iface, member, sig="", body=()) -> Message:
        return await self.bus.call(Message(destination=dest, path=path, interface=iface,
                                           member=member, signature=sig, body=list(body)))

    async def bus_call(self, member, sig="", body=()):
        reply = await self.call("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                "org.freedesktop.DBus", member, sig, body)
        assert reply.message_type == MessageType.METHOD_RETURN, reply.body
        return reply.body

    async def add_match(self, rule: str):
        await self.bus_call("AddMatch", "s", [rule])

    async def portal_owner(self) -> str:
        return (await self.bus_call("GetNameOwner", "s", [PORTAL]))[0]

    async def wait_for(self, accept, timeout=5.0, start=0):
        """The first message in the log from index `start` on that `accept`s, with its index."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for i in range(start, len(self.log)):
                if accept(self.log[i]):
                    return i, self.log[i]
            remaining = deadline - loop.time()
            if remaining <= 0:
                return None, None
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def portal_request(self, member, sig, body, token):
        """As the Request docs say: subscribe to Response on the predicted handle, call, then
        wait for the Response. Returns (reply, response message), and checks the handle and
        that the Response came after the reply."""
        expected = f"{PORTAL_PATH}/request/{self.sender}/{token}"
        await self.add_match(f"type='signal',sender='{PORTAL}',path='{expected}',"
                             f"interface='{REQUEST}',member='Response'")
        start = len(self.log)
        reply = await self.call(PORTAL, PORTAL_PATH, SHORTCUTS, member, sig, body)
        if reply.message_type != MessageType.METHOD_RETURN:
            return reply, None
        handle = reply.body[0]
        check(handle == expected, f"{member}: request handle is request/SENDER/handle_token",
              f"{handle} != {expected}")
        reply_at, _ = await self.wait_for(
            lambda m: m.message_type == MessageType.METHOD_RETURN
            and m.reply_serial == reply.reply_serial, start=start)
        at, response = await self.wait_for(
            lambda m: m.message_type == MessageType.SIGNAL and m.path == handle
            and m.interface == REQUEST and m.member == "Response", start=start)
        if not check(response is not None, f"{member}: Response arrives"):
            return reply, None
        check(reply_at is not None and at > reply_at, f"{member}: Response comes after the reply")
        check(response.signature == "ua{sv}", f"{member}: Response has signature ua{{sv}}",
              response.signature)
        check(response.sender == await self.portal_owner(),
              f"{member}: Response comes from the portal's owner", response.sender)
        return reply, response


def shortcuts_of(results: dict) -> dict:
    return {sid: {k: v.value for k, v in props.items()}
            for sid, props in results["shortcuts"].value}


async def create_session(client: Client, token: str):
    reply, response = await client.portal_request(
        "CreateSession", "a{sv}",
        [{"handle_token": Variant("s", token),
          "session_handle_token": Variant("s", token + "_session")}], token)
    return reply, response


async def bind(client: Client, session: str, token: str, shortcuts):
    return await client.portal_request(
        "BindShortcuts", "oa(sa{sv})sa{sv}",
        [session, shortcuts, "", {"handle_token": Variant("s", token)}], token)


TWO = [["approve", {"description": Variant("s", "Approve the request"),
                    "preferred_trigger": Variant("s", "CTRL+ALT+SHIFT+a")}],
       ["open", {"description": Variant("s", "Open the inbox")}]]


async def scenario():
    portal = await ShortcutsPortal().start()
    app = await Client.connect()
    intruder = await Client.connect()
    owner = await app.portal_owner()
    check(owner == portal.bus.unique_name, "the portal owns org.freedesktop.portal.Desktop")
    check(owner not in (app.bus.unique_name, intruder.bus.unique_name),
          "the portal's connection is its own")

    version = await app.call(PORTAL, PORTAL_PATH, "org.freedesktop.DBus.Properties", "Get",
                             "ss", [SHORTCUTS, "version"])
    check(version.message_type == MessageType.METHOD_RETURN
          and version.body[0].signature == "u" and version.body[0].value == 1,
          "version property is u 1", version.body)

    # --- CreateSession ---
    reply, response = await create_session(app, "ctray_1")
    session = f"{PORTAL_PATH}/session/{app.sender}/ctray_1_session"
    if response:
        code, results = response.body
        check(code == 0, "CreateSession: response 0", code)
        handle = results.get("session_handle")
        check(handle is not None and handle.signature == "s",
              "CreateSession: session_handle is of type s", handle)
        check(handle is not None and handle.value == session,
              "CreateSession: session handle is session/SENDER/session_handle_token", handle)
    check(session in portal.sessions and portal.sessions[session]["sender"] == app.bus.unique_name,
          "portal.sessions records the session and its owner")
    prop = await app.call(PORTAL, session, "org.freedesktop.DBus.Properties", "Get", "ss",
                          [SESSION, "version"])
    check(prop.message_type == MessageType.METHOD_RETURN, "a Session object is exported",
          prop.body)

    # --- someone else's session ---
    stolen = await intruder.call(PORTAL, PORTAL_PATH, SHORTCUTS, "BindShortcuts",
                                 "oa(sa{sv})sa{sv}", [session, TWO, "", {}])
    check(stolen.message_type == MessageType.ERROR and stolen.error_name == ACCESS_DENIED,
          "BindShortcuts on another connection's session fails with AccessDenied",
          (stolen.error_name, stolen.body))
    unknown = await app.call(PORTAL, PORTAL_PATH, SHORTCUTS, "ListShortcuts", "oa{sv}",
                             [f"{PORTAL_PATH}/session/{app.sender}/nope", {}])
    check(unknown.message_type == MessageType.ERROR, "ListShortcuts on an unknown session fails")

    # --- BindShortcuts ---
    bound_wait = asyncio.ensure_future(portal.wait_bound(5))
    _, response = await bind(app, session, "ctray_2", TWO)
    if response:
        code, results = response.body
        check(code == 0, "BindShortcuts: response 0", code)
        got = shortcuts_of(results) if "shortcuts" in results else {}
        check(results.get("shortcuts") is not None
              and results["shortcuts"].signature == "a(sa{sv})",
              "BindShortcuts: shortcuts result is a(sa{sv})")
        check(got == {"approve": {"description": "Approve the request",
                                  "trigger_description": "CTRL+ALT+SHIFT+a"},
                      "open": {"description": "Open the inbox",
                               "trigger_description": "unassigned"}},
              "BindShortcuts: both shortcuts bound, with description and trigger_description",
              got)
    bound = await bound_wait
    check(bound["path"] == session and [s["id"] for s in bound["shortcuts"]] == ["approve", "open"],
          "portal.wait_bound returns the bound session", bound)
    _, response = await bind(app, session, "ctray_3", TWO)
    check(response is not None and response.body[0] == 2,
          "BindShortcuts a second time on a session: response 2",
          response and response.body)
    _, response = await app.portal_request("ListShortcuts", "oa{sv}",
                                           [session, {"handle_token": Variant("s", "ctray_4")}],
                                           "ctray_4")
    check(response is not None and response.body[0] == 0
          and sorted(shortcuts_of(response.body[1])) == ["approve", "open"],
          "ListShortcuts lists the bound shortcuts", response and response.body)

    # --- the person presses the keys ---
    await app.add_match(f"type='signal',path='{PORTAL_PATH}',interface='{SHORTCUTS}'")
    start = len(app.log)
    pressed = portal.activate(session, "approve")
    _, activated = await app.wait_for(
        lambda m: m.message_type == MessageType.SIGNAL and m.member == "Activated", start=start)
    if check(activated is not None, "portal.activate: Activated arrives"):
        check(activated.signature == "osta{sv}" and activated.path == PORTAL_PATH
              and activated.interface == SHORTCUTS,
              "Activated: path, interface, signature as documented",
              (activated.path, activated.interface, activated.signature))
        check(activated.body[:3] == [session, "approve", pressed],
              "Activated: session handle, shortcut id, timestamp", activated.body)
        check(activated.sender == owner,
              "the app can tell Activated comes from the owner of org.freedesktop.portal.Desktop")
    _, deactivated = await app.wait_for(
        lambda m: m.message_type == MessageType.SIGNAL and m.member == "Deactivated", start=start)
    check(deactivated is not None and deactivated.body[:2] == [session, "approve"]
          and deactivated.body[2] >= pressed and deactivated.sender == owner,
          "portal.activate: then Deactivated, from the portal",
          deactivated and deactivated.body)
    intruder_start = len(intruder.log)
    await intruder.add_match(f"type='signal',path='{PORTAL_PATH}',interface='{SHORTCUTS}'")
    portal.activate(session, "open", hold=0)
    _, leaked = await intruder.wait_for(
        lambda m: m.message_type == MessageType.SIGNAL and m.member == "Activated",
        timeout=0.5, start=intruder_start)
    check(leaked is None, "Activated goes to the session's owner only")

    # --- another program forges Activated ---
    for destination, how in (("owner", "sent to the app"), (None, "broadcast")):
        start = len(app.log)
        forger = await portal.forge_activated(session, "approve", destination=destination)
        _, forged = await app.wait_for(
            lambda m: m.message_type == MessageType.SIGNAL and m.member == "Activated",
            start=start)
        if check(forged is not None, f"a forged Activated ({how}) reaches the app"):
            check(forged.path == PORTAL_PATH and forged.interface == SHORTCUTS
                  and forged.signature == "osta{sv}" and forged.body[:2] == [session, "approve"],
                  f"the forged Activated ({how}) looks like the real one")
            check(forged.sender == forger and forged.sender != await app.portal_owner(),
                  f"the app can tell the forged Activated ({how}) is not from the portal's owner",
                  (forged.sender, forger))

    # --- the person refuses; binds only some ---
    other = await Client.connect()
    portal.refuse_binding = True
    _, response = await create_session(other, "x1")
    refused_session = response.body[1]["session_handle"].value
    _, response = await bind(other, refused_session, "x2", TWO)
    check(response is not None and response.body == [1, {}],
          "refuse_binding: response 1, empty results", response and response.body)
    check(portal.sessions[refused_session]["refused"]
          and not portal.sessions[refused_session]["bound"], "refused session is not bound")
    portal.refuse_binding, portal.bind_only = False, {"open"}
    _, response = await create_session(other, "x3")
    partial_session = response.body[1]["session_handle"].value
    _, response = await bind(other, partial_session, "x4", TWO)
    check(response is not None and response.body[0] == 0
          and list(shortcuts_of(response.body[1])) == ["open"],
          "bind_only: only the accepted ids are bound", response and response.body)
    portal.bind_only = None

    # --- no handle_token: the portal picks one, still under request/SENDER/ ---
    reply = await other.call(PORTAL, PORTAL_PATH, SHORTCUTS, "ListShortcuts", "oa{sv}",
                             [partial_session, {}])
    check(reply.message_type == MessageType.METHOD_RETURN
          and reply.body[0].startswith(f"{PORTAL_PATH}/request/{other.sender}/"),
          "without handle_token the request handle is request/SENDER/<generated>", reply.body)
    bad = await other.call(PORTAL, PORTAL_PATH, SHORTCUTS, "CreateSession", "a{sv}",
                           [{"handle_token": Variant("s", "not-valid")}])
    check(bad.message_type == MessageType.ERROR, "an invalid token is refused")

    # --- ShortcutsChanged, closing ---
    start = len(app.log)
    portal.change_trigger(session, "open", "CTRL+O")
    _, changed = await app.wait_for(
        lambda m: m.message_type == MessageType.SIGNAL and m.member == "ShortcutsChanged",
        start=start)
    check(changed is not None and changed.signature == "oa(sa{sv})" and changed.sender == owner,
          "change_trigger: ShortcutsChanged from the portal")
    stolen = await intruder.call(PORTAL, session, SESSION, "Close")
    check(stolen.message_type == MessageType.ERROR and not portal.sessions[session]["closed"],
          "another connection cannot close the session")
    closed = await app.call(PORTAL, session, SESSION, "Close")
    check(closed.message_type == MessageType.METHOD_RETURN and portal.sessions[session]["closed"],
          "the owner closes the session with Session.Close")
    after = await app.call(PORTAL, PORTAL_PATH, SHORTCUTS, "ListShortcuts", "oa{sv}",
                           [session, {}])
    check(after.message_type == MessageType.ERROR, "a closed session is refused")
    await app.add_match(f"type='signal',interface='{SESSION}'")
    _, response = await create_session(app, "ctray_5")
    desktop_closed = response.body[1]["session_handle"].value
    start = len(app.log)
    portal.close_session(desktop_closed)
    _, closed_signal = await app.wait_for(
        lambda m: m.message_type == MessageType.SIGNAL and m.member == "Closed"
        and m.path == desktop_closed, start=start)
    check(closed_signal is not None and closed_signal.interface == SESSION
          and closed_signal.sender == owner, "close_session: Session.Closed to the owner")
    other.bus.disconnect()
    for _ in range(100):
        if portal.sessions[partial_session]["closed"]:
            break
        await asyncio.sleep(0.02)
    check(portal.sessions[partial_session]["closed"],
          "a connection leaving the bus closes its sessions")

    for client in (app, intruder):
        client.bus.disconnect()
    await portal.stop()


def main():
    try:
        asyncio.run(asyncio.wait_for(scenario(), 60))
    except Exception:
        traceback.print_exc()
        check(False, "the self-test ran to the end")
    print(f"{'FAIL' if failures else 'PASS'}: portal self-test"
          + (f", {len(failures)} failed" if failures else ""))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
