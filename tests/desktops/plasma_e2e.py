"""The app in a real KDE Plasma 5.27 Wayland session (tests/desktops/plasma.py): Plasma's own
panel and system tray, its notification server, and its XDG portal's GlobalShortcuts.

Checks what a person on Plasma sees and does, pressing with a pointer and keys through KWin:
the tray item is drawn in the panel's system tray; a click on it opens the popover beside
it, above the panel, focused and without a taskbar entry of its own; Escape and a click
elsewhere close it; the shortcuts are bound through Plasma's portal and its key (pressed as
keys) opens the popover; a request arrives as Plasma's notification with Approve and Deny,
whose Approve decides it (a forged action signal from another program on the bus does not);
a click on a notification's body opens the popover on that request's card, where keys an
X11 program presses through XWayland decide nothing.

usage: plasma_e2e.py APP_BINARY KWIN_FAKE_INPUT OUTPUT_DIR
"""
import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))

from harness import Run, eventually, stop_app  # noqa: E402
from icons import install_icon  # noqa: E402
from plasma import PlasmaSession, SessionFailed  # noqa: E402

TITLE = "Converge Tray"


def changed_columns(before: Path, after: Path, box):
    """The x of each column inside `box` whose pixels changed between the screenshots."""
    from PIL import Image, ImageChops
    x, y, w, h = box
    a = Image.open(before).convert("RGB").crop((x, y, x + w, y + h))
    b = Image.open(after).convert("RGB").crop((x, y, x + w, y + h))
    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 40 else 0)
    columns = []
    for cx in range(w):
        if any(diff.getpixel((cx, cy)) for cy in range(h)):
            columns.append(x + cx)
    return columns


def buttons(shot: Path, window):
    """The buttons along the bottom of a Plasma notification popup, left to right, as
    (x_from, x_to, y): runs of non-background pixels on the row through their middle. Plasma
    puts a notification's actions there, right-aligned, in the order the app gave them."""
    from PIL import Image
    image = Image.open(shot).convert("RGB")
    x, y, w, h = window["x"], window["y"], window["width"], window["height"]

    def run_of_buttons(row):
        background = image.getpixel((x + w - 3, row))
        runs, start = [], None
        for px in range(x + w // 3, x + w - 2):
            pixel = image.getpixel((px, row))
            differs = sum(abs(a - b) for a, b in zip(pixel, background)) > 24
            if differs and start is None:
                start = px
            elif not differs and start is not None:
                if px - start >= 24:
                    runs.append((start, px - 1, row))
                start = None
        return runs
    # The row through the buttons' middle: the one with the most near-white pixels (their
    # faces) in the popup's last 40 rows.
    best = max(range(y + h - 40, y + h - 4),
               key=lambda row: sum(1 for px in range(x + w // 3, x + w - 2)
                                   if min(image.getpixel((px, row))) >= 246))
    return run_of_buttons(best)


async def popover(session):
    found = [w for w in await session.windows() if w["caption"] == TITLE]
    return found[0] if found else None


async def settled_popover(session, timeout=20.0):
    """The popover's window once it is shown and stands still (KWin maps it, then it moves
    itself beside the anchor)."""
    last = None
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        found = await popover(session)
        if found and found == last:
            return found
        last = found
        await asyncio.sleep(0.3)
    return None


async def notifications(session):
    return [w for w in await session.windows()
            if w["notification"] and w["resourceClass"] == "org.kde.plasmashell"]


def ask(ctray, env, title, details):
    return subprocess.Popen([ctray, "ask", title, "--agent", "plasma-e2e", "--details",
                             details], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


async def main(app: str, fake_input: str, out: Path) -> int:
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    run = Run()
    root = Path(tempfile.mkdtemp(prefix="converge-plasma-"))
    session = PlasmaSession(root, Path(fake_input))
    app_proc = None
    askers = []
    try:
        try:
            await session.start()
        except SessionFailed as why:
            run.check("KDE Plasma 5.27 starts headless with its panel, system tray and "
                      "notification server", False, f"{why}\n{session.log_tail()}")
            return run.finish()
        run.check("KDE Plasma 5.27 starts headless with its panel, system tray and "
                  "notification server", True)
        panel = next(w for w in await session.windows() if w["dock"])
        before = out / "plasma-before.png"

        # The panel once drawn and still (its applets, the keyboard layout's among them, come
        # in one by one): what the app's icon is then told apart from.
        strips = []

        async def panel_still():
            from PIL import Image
            await session.screenshot(before)
            strip = Image.open(before).convert("RGB").crop(
                (panel["x"], panel["y"], panel["x"] + panel["width"],
                 panel["y"] + panel["height"]))
            strips.append(strip.tobytes())
            return (len(set(strip.get_flattened_data())) > 20 and len(strips) >= 4
                    and len(set(strips[-4:])) == 1)
        run.check("its panel is drawn and settles", await eventually(
            panel_still, timeout=40, interval=0.5), len(strips))

        env = dict(session.env, RUST_LOG="info", CONVERGE_TRAY_SOCKET=str(root / "api.sock"))
        config = Path(env["XDG_CONFIG_HOME"]) / "dev.converge.tray"
        config.mkdir(parents=True, exist_ok=True)
        (config / "jobs.toml").write_text("# desktop test: no Converge jobs\n")
        # Its icon where an installed package puts it: the notifications show it.
        install_icon(Path(env["XDG_DATA_HOME"]))
        app_log = open(out / "app-plasma.log", "w")
        app_proc = subprocess.Popen([app], env=env, stdout=app_log, stderr=subprocess.STDOUT)

        # Plasma's tray grows leftwards from the clock: the columns that change in the
        # panel's right half are the new icon.
        tray_area = (panel["x"] + panel["width"] // 2, panel["y"],
                     panel["width"] // 2, panel["height"])
        icon = []
        for _ in range(80):
            await session.screenshot(out / "plasma-tray.png")
            icon = changed_columns(before, out / "plasma-tray.png", tray_area)
            if len(icon) >= 8:
                break
            await asyncio.sleep(0.25)
        run.check("the app's icon is drawn in Plasma's system tray (the panel's pixels "
                  "changed where the tray grew)", len(icon) >= 8, (len(icon), app_proc.poll()))
        if len(icon) < 8:
            return run.finish()
        # The new icon is the leftmost run of changed columns.
        left = icon[0]
        right = left
        for column in icon[1:]:
            if column - right > 3:
                break
            right = column
        icon_x = (left + right) // 2
        icon_y = panel["y"] + panel["height"] // 2
        print(f"  the icon: x {left}..{right}, panel at y {panel['y']}", flush=True)

        await session.click(icon_x, icon_y)
        shown = await settled_popover(session)
        await asyncio.sleep(1)  # its page painted (for the screenshot only)
        await session.screenshot(out / "plasma-popover.png")
        run.check("a click on it opens the popover beside it: above the panel, over the icon",
                  bool(shown) and shown["x"] <= icon_x <= shown["x"] + shown["width"]
                  and 0 <= panel["y"] - (shown["y"] + shown["height"]) <= 24, (shown, icon_x))
        run.check("the popover has the keyboard focus, and no taskbar entry of its own",
                  bool(shown) and shown["active"] and shown["skipTaskbar"], shown)
        await session.keys("esc")
        gone = await eventually(lambda: popover_gone(session), timeout=10)
        run.check("Escape closes it", gone)

        await session.click(icon_x, icon_y)
        reopened = await settled_popover(session)
        await session.click(300, 300)  # the empty desktop
        gone = await eventually(lambda: popover_gone(session), timeout=10)
        run.check("a click elsewhere takes the focus from it, and it closes",
                  bool(reopened) and gone, reopened)

        # The shortcuts, through Plasma's own portal (started on demand by the bus).
        shortcuts = Path(env["XDG_CONFIG_HOME"]) / "kglobalshortcutsrc"
        bound = await eventually(lambda: shortcuts.exists() and "[converge_tray]" in
                                 shortcuts.read_text() and shortcuts.read_text(), timeout=20)
        group = (bound or "").split("[converge_tray]", 1)[-1].split("\n[", 1)[0]
        run.check("the shortcuts are bound through Plasma's portal, with the keys the app "
                  "offered (Plasma's shortcut settings list them)",
                  "toggle-popover=Ctrl+Alt+Shift+C" in group and "approve=Ctrl+Alt+Shift+A"
                  in group, group.strip())
        # Not within 0.4 s of the click that closed it: the app takes an open then for the
        # tail of that click (a tray click that blurred it must not reopen it).
        await asyncio.sleep(1)
        await session.keys("ctrl", "alt", "shift", "c")
        by_key = await settled_popover(session)
        run.check("its key, pressed as keys, opens the popover beside the tray icon",
                  bool(by_key) and by_key["x"] <= icon_x <= by_key["x"] + by_key["width"],
                  by_key)
        await session.keys("ctrl", "alt", "shift", "c")
        gone = await eventually(lambda: popover_gone(session), timeout=10)
        run.check("and pressed again closes it", gone)

        # A request: Plasma's notification with the app's two actions.
        ctray = str(Path(app).with_name("ctray"))
        first = ask(ctray, env, "Deploy to production?", "kubectl apply -f prod.yaml")
        askers.append(first)
        popup = await eventually(lambda: notifications(session), timeout=20)
        await asyncio.sleep(1)  # slid in
        popup = await notifications(session)
        await session.screenshot(out / "plasma-notification.png")
        found = buttons(out / "plasma-notification.png", popup[0]) if popup else []
        run.check("a request arrives as Plasma's notification, with two buttons "
                  "(Approve, Deny)", len(found) == 2, (popup, found))

        # Another program on the bus sends the action signal itself: it decides nothing.
        for notification_id in range(1, 20):
            await session.bus.send(Message_signal(notification_id))
        await asyncio.sleep(1)
        run.check("a forged ActionInvoked from another program decides nothing",
                  first.poll() is None, first.returncode)

        if len(found) == 2:
            start, end, row = found[0]
            await session.click((start + end) // 2, row)
            done = await eventually(lambda: first.poll() is not None, timeout=20)
            run.check("pressing Approve on Plasma's notification decides it: the asking "
                      "program exits 0", bool(done) and first.returncode == 0,
                      (first.returncode, first.stdout.read() if done else ""))

        # Two requests; the body of the newer one's notification is clicked, then the global
        # approve key is pressed, which acts on the card on screen: the newer is approved, so
        # the popover opened on its card (the older one is selected otherwise).
        older = ask(ctray, env, "Run the migrations?", "make migrate")
        askers.append(older)
        await eventually(lambda: notifications(session), timeout=20)
        await asyncio.sleep(1.5)
        newer = ask(ctray, env, "Publish the release?", "make publish")
        askers.append(newer)
        await eventually(lambda: notifications_at_least(session, 2), timeout=20)
        await asyncio.sleep(1.5)
        popups = sorted(await notifications(session), key=lambda w: w["y"])
        await session.screenshot(out / "plasma-two-notifications.png")
        # Plasma stacks popups upwards from the panel: the newest on top.
        if popups:
            top = popups[0]
            await session.click(top["x"] + top["width"] // 3, top["y"] + top["height"] // 2)
        on_card = await settled_popover(session)
        if on_card:
            # A person's moment to read it: the key approves only a card seen whole, which
            # the page measures once it has laid the card out.
            await asyncio.sleep(1)
            await session.screenshot(out / "plasma-on-card.png")
            # Any program of the person's may press keys on the session's X11 display
            # (XTest through XWayland), where the popover is an X11 window: it refuses them.
            subprocess.run(["xdotool", "key", "a", "Return"], env=env, check=True)
            await asyncio.sleep(1.5)
            # They reached the popover and it refused them (not merely lost on the way).
            refused = (out / "app-plasma.log").read_text(errors="replace").count(
                "popover input refused: not made by a person's device")
            run.check("keys an X11 program presses (XTest, through XWayland) reach the open "
                      "popover and decide nothing: it refuses them",
                      newer.poll() is None and older.poll() is None and refused >= 4,
                      (newer.poll(), older.poll(), refused))
            await session.keys("ctrl", "alt", "shift", "a")
        decided = await eventually(lambda: newer.poll() is not None, timeout=15)
        await session.screenshot(out / "plasma-decided-by-key.png")
        run.check("a click on a notification's body opens the popover on that request's card "
                  "(the approve key, through Plasma's portal, then approves that one, not the "
                  "older)",
                  bool(on_card) and bool(decided) and newer.returncode == 0
                  and older.poll() is None, (len(popups), on_card, newer.returncode,
                                             older.poll()))
    finally:
        for proc in askers:
            if proc.poll() is None:
                proc.kill()
        if app_proc:
            stop_app(app_proc)
        session.stop()
        shutil.rmtree(root, ignore_errors=True)
    return run.finish()


async def popover_gone(session):
    return await popover(session) is None


async def notifications_at_least(session, count):
    return len(await notifications(session)) >= count


def Message_signal(notification_id):  # noqa: N802 (reads as the message it makes)
    from dbus_next import Message, MessageType
    return Message(message_type=MessageType.SIGNAL, path="/org/freedesktop/Notifications",
                   interface="org.freedesktop.Notifications", member="ActionInvoked",
                   signature="us", body=[notification_id, "approve"])


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))))
