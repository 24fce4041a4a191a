"""The app in a real GNOME 43 session (tests/desktops/gnome.py): GNOME Shell's own panel, with
the AppIndicator extension as its tray, and GNOME Shell's own notification server.

Checks what a person on GNOME sees and does: the tray item is drawn in the top bar; its menu
opens the popover; a request arrives as GNOME's notification with Approve and Deny; pressing
Approve there (the pointer over the banner, as a person's) decides it, and the asking program
hears so. Then GNOME as it ships, without the extension: the app says how to show tray icons,
and starting it again (its launcher entry) opens the popover.

usage: gnome_e2e.py APP_BINARY OUTPUT_DIR
"""
import asyncio
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))

from gnome import GnomeSession, SessionFailed  # noqa: E402
from harness import Run, eventually, stop_app  # noqa: E402
from icons import install_icon  # noqa: E402

ITEM = """
    const key = Object.keys(Main.panel.statusArea).find(k =>
        k.startsWith('appindicator-') &&
        Main.panel.statusArea[k]._indicator?.id === 'converge-tray');
    if (!key) return null;
    const button = Main.panel.statusArea[key];
    const [x, y] = button.get_transformed_position();
    return {key, mapped: button.mapped, x, y, width: button.width, height: button.height,
            title: button._indicator.title};"""

NOTIFICATIONS = """
    return Main.messageTray.getSources().flatMap(source => source.notifications.map(n => ({
        title: n.title, body: n.bannerBodyText,
        actions: (n.actions || []).map(a => a.label)})));"""

WINDOWS = """
    return global.get_window_actors().filter(a => a.visible).map(a => {
        const w = a.meta_window, r = w.get_frame_rect();
        return {title: w.get_title(), x: r.x, y: r.y, width: r.width, height: r.height,
                focused: w.has_focus()};
    });"""

# Gives the named window the focus, as GNOME does when it is clicked.
ACTIVATE = """
    const w = global.get_window_actors().map(a => a.meta_window)
        .find(w => w.get_title() === '%s');
    if (!w) return false;
    w.activate(global.get_current_time());
    return true;"""

MENU = """
    const key = Object.keys(Main.panel.statusArea).find(k =>
        Main.panel.statusArea[k]._indicator?.id === 'converge-tray');
    const menu = Main.panel.statusArea[key]?.menu;
    if (!menu || !menu.isOpen) return null;
    return menu._getMenuItems().filter(i => i.label).map(i => {
        const [x, y] = i.get_transformed_position();
        return {label: i.label.text, x, y, width: i.width, height: i.height};
    });"""

# The banner on screen and its buttons, with where they are.
BANNER = """
    const banner = Main.messageTray._banner;
    if (!banner) return null;
    const [x, y] = banner.get_transformed_position();
    const buttons = banner._buttonBox ? banner._buttonBox.get_children().map(b => {
        const [bx, by] = b.get_transformed_position();
        return {label: b.label, mapped: b.mapped, x: bx, y: by, width: b.width,
                height: b.height};
    }) : [];
    return {text: `${banner.notification?.title} ${banner.notification?.bannerBodyText}`,
            x, y, width: banner.width,
            height: banner.height, buttons};"""


async def eventually_eval(session, script, pick=lambda value: value, timeout=30.0):
    """What `pick` makes of the script's value, once that is truthy; None at the timeout."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        picked = pick(await session.eval(script))
        if picked:
            return picked
        await asyncio.sleep(0.25)
    return None


async def settled_eval(session, script, timeout=30.0):
    """The script's value once it is truthy and the same twice running, a quarter second
    apart: a menu or banner that has stopped sliding in. None at the timeout."""
    deadline = asyncio.get_running_loop().time() + timeout
    last = None
    while asyncio.get_running_loop().time() < deadline:
        value = await session.eval(script)
        if value and value == last:
            return value
        last = value
        await asyncio.sleep(0.25)
    return None


def changed_pixels(before: Path, after: Path, box) -> int:
    from PIL import Image, ImageChops
    x, y, w, h = box
    crop = (int(x), int(y), int(x + w), int(y + h))
    a = Image.open(before).convert("RGB").crop(crop)
    b = Image.open(after).convert("RGB").crop(crop)
    diff = ImageChops.difference(a, b).convert("L")
    return sum(diff.histogram()[41:])


async def main(app: str, out: Path) -> int:
    # Absolute: the shell writes the screenshots, from a directory of its own.
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    run = Run()
    root = Path(tempfile.mkdtemp(prefix="converge-gnome-"))
    session = GnomeSession(root)
    app_proc = None
    askers = []
    try:
        try:
            await session.start()
        except SessionFailed as why:
            run.check("GNOME Shell 43 starts headless with its panel and the tray watcher",
                      False, f"{why}\n--- gnome-shell's log ---\n{session.log_tail()}")
            return run.finish()
        version = await session.eval("imports.misc.config.PACKAGE_VERSION")
        run.check(f"GNOME Shell {version} starts headless with its panel and the tray watcher",
                  True)
        await session.screenshot(out / "gnome-before.png")

        env = app_env(session, root)
        app_log = open(out / "app-gnome.log", "w")
        app_proc = subprocess.Popen([app], env=env, stdout=app_log, stderr=subprocess.STDOUT)
        item = None
        for _ in range(120):
            item = await session.eval(ITEM)
            if item and item["mapped"] and item["width"] > 0:
                break
            await asyncio.sleep(0.25)
        run.check("the app's tray item is in GNOME's top bar", bool(item and item["mapped"]),
                  (item, app_proc.poll()))
        if not item:
            return run.finish()
        drawn = 0
        for _ in range(40):
            await session.screenshot(out / "gnome-tray.png")
            drawn = changed_pixels(out / "gnome-before.png", out / "gnome-tray.png",
                                   (item["x"], item["y"], item["width"], item["height"]))
            if drawn > 20:
                break
            await asyncio.sleep(0.25)
        run.check("and its icon is drawn there (the top bar's pixels where it sits changed)",
                  drawn > 20, drawn)

        # A click on the item: GNOME's AppIndicator extension opens the item's menu (an item
        # with a menu is never sent Activate by a left click there), where "Open" is the way
        # to the popover.
        await session.pointer(int(item["x"] + item["width"] / 2),
                              int(item["y"] + item["height"] / 2))
        menu = await settled_eval(session, MENU)
        labels = [entry["label"] for entry in menu or []]
        run.check("a click on the tray item opens its menu in GNOME's panel, with Open first",
                  labels[:2] == ["Open", "Open full window"], labels)
        popover = None
        if menu:
            entry = menu[0]
            await session.pointer(int(entry["x"] + entry["width"] / 2),
                                  int(entry["y"] + entry["height"] / 2))
            popover = await eventually_eval(
                session, WINDOWS, lambda found: [w for w in found or []
                                                 if w["title"] == "Converge Tray"])
        run.check("Open shows the popover, and it has the keyboard focus",
                  bool(popover) and popover[0]["focused"], popover)
        popover = await settled_eval(session, WINDOWS) if popover else None
        popover = [w for w in popover or [] if w["title"] == "Converge Tray"]
        await asyncio.sleep(1)  # its page painted (for the screenshot only)
        await session.screenshot(out / "gnome-popover.png")
        # GNOME sends no click position: the app puts it at the right of the top bar, under
        # the tray icons, as it can through XWayland (a Wayland window cannot place itself).
        run.check("it opens beside the tray icon: just below the top bar, under the icon",
                  bool(popover) and popover[0]["x"] <= item["x"] + item["width"] / 2
                  <= popover[0]["x"] + popover[0]["width"]
                  and 0 <= popover[0]["y"] - (item["y"] + item["height"]) <= 24,
                  (popover, item))
        if popover:
            # Another window takes the focus, as GNOME gives it on a click there. (GNOME's
            # virtual input reaches its own panel, menus and banners but no client's window
            # in this headless session, so the shell is asked as it does on that click.)
            other = subprocess.Popen(["xterm", "-title", "another window", "-geometry",
                                      "40x10+100+300"], env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
            try:
                shown = await eventually_eval(
                    session, WINDOWS, lambda found: [w for w in found or []
                                                     if w["title"] == "another window"])
                await asyncio.sleep(1)
                # xterm mapped over it took the focus: the popover closed then already.
                await session.eval(ACTIVATE % "another window")
                closed = await eventually_eval(
                    session, WINDOWS, lambda found: not [w for w in found or []
                                                         if w["title"] == "Converge Tray"]
                    or None, timeout=10)
                run.check("it closes when another window takes the focus", bool(shown)
                          and bool(closed), shown)
            finally:
                other.terminate()

        # GNOME 43 has no GlobalShortcuts portal: the person is told, and what works instead.
        limited = None
        for _ in range(40):
            limited = [n for n in await session.eval(NOTIFICATIONS) or []
                       if n["title"] == "Global shortcuts are limited"]
            if limited:
                break
            await asyncio.sleep(0.25)
        run.check("GNOME 43 cannot bind global keys: the app says so in a notification, and "
                  "that the tray icon and the popover offer everything",
                  bool(limited) and "no shortcuts portal" in limited[0]["body"]
                  and "tray icon and the popover" in limited[0]["body"], limited)

        ctray = str(Path(app).with_name("ctray"))
        asker = subprocess.Popen([ctray, "ask", "Deploy to production?", "--agent", "gnome-e2e",
                                  "--details", "kubectl apply -f prod.yaml"], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        askers.append(asker)
        shown = None
        for _ in range(80):
            shown = [n for n in await session.eval(NOTIFICATIONS) or []
                     if "Deploy to production?" in (n["title"] + n["body"])]
            if shown:
                break
            await asyncio.sleep(0.25)
        run.check("a request arrives as GNOME's own notification, with Approve and Deny",
                  bool(shown) and {"Approve", "Deny"} <= set(shown[0]["actions"]), shown)
        banner = None
        last = None
        seen = []
        # GNOME shows one banner at a time: the shortcuts notice's, then the request's. It
        # lets a banner go only once the person is active (it waits while they are idle):
        # the pointer moves on the desktop, away from the banner, as a person's does.
        for step in range(240):
            banner = await session.eval(BANNER)
            if banner and None in (banner["x"], banner["y"], banner["width"]):
                banner = None  # made, not yet laid out
            if not seen or seen[-1] != (banner or {}).get("text"):
                seen.append((banner or {}).get("text"))
            if banner and "Deploy to production?" not in banner["text"]:
                await session.hover(200 + step % 50, 500)
            elif not banner:
                # Where the next banner slides in: under the pointer it stays until pressed.
                await session.hover(640, 60 + step % 2)
            else:
                # GNOME shows a banner's buttons once the pointer is over it.
                await session.hover(int(banner["x"] + banner["width"] / 2),
                                    int(banner["y"] + 20))
                banner = await session.eval(BANNER)
                # Pressed once the banner has stopped sliding in.
                if banner and banner == last and any(b["label"] == "Approve" and b["mapped"]
                                          for b in banner["buttons"]):
                    break
                last = banner
            await asyncio.sleep(0.25)
        await session.screenshot(out / "gnome-notification.png")
        approve = next((b for b in (banner or {}).get("buttons", [])
                        if b["label"] == "Approve" and b["mapped"]), None)
        run.check("its banner shows the buttons under the pointer", approve is not None,
                  (banner, "banners seen:", seen))
        if approve:
            await session.pointer(int(approve["x"] + approve["width"] / 2),
                                  int(approve["y"] + approve["height"] / 2))
            done = await eventually(lambda: asker.poll() is not None, timeout=20)
            run.check("pressing Approve on GNOME's banner decides it: the asking program exits 0",
                      bool(done) and asker.returncode == 0,
                      (asker.returncode, asker.stdout.read() if done else ""))

        # Two requests; the body of the newer one's banner is clicked: the popover opens on
        # its card. Then the approve key (an X11 key here, which works while an X11 window
        # such as the popover has the focus, and which any X11 program can press: the X11
        # keys' known reach, docs/security.md) approves the card on screen: the newer, not
        # the older one selected otherwise.
        older = subprocess.Popen([ctray, "ask", "Run the migrations?", "--agent", "gnome-e2e",
                                  "--details", "make migrate"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        askers.append(older)
        await asyncio.sleep(1)
        newer = subprocess.Popen([ctray, "ask", "Publish the release?", "--agent", "gnome-e2e",
                                  "--details", "make publish"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        askers.append(newer)
        body = None
        for step in range(240):
            banner = await session.eval(BANNER)
            if banner and None in (banner["x"], banner["y"], banner["width"]):
                banner = None
            if banner and "Publish the release?" in banner["text"]:
                await session.hover(int(banner["x"] + banner["width"] / 2), int(banner["y"] + 20))
                settled = await settled_eval(session, BANNER, timeout=5)
                if settled and "Publish the release?" in settled["text"]:
                    body = settled
                    break
            elif banner:
                await session.hover(200 + step % 50, 500)  # away: GNOME lets it go
            else:
                await session.hover(640, 60 + step % 2)
            await asyncio.sleep(0.25)
        popover = None
        if body:
            # The title line: the body, not a button.
            await session.pointer(int(body["x"] + body["width"] / 3), int(body["y"] + 22))
            popover = await eventually_eval(
                session, WINDOWS, lambda found: [w for w in found or []
                                                 if w["title"] == "Converge Tray"
                                                 and w["focused"]])
        if popover:
            await asyncio.sleep(1.5)  # a person's moment: the key refuses a card younger
            subprocess.run(["xdotool", "key", "ctrl+alt+shift+a"], env=env, check=True)
        decided = await eventually(lambda: newer.poll() is not None, timeout=15)
        run.check("a click on a banner's body opens the popover on that request's card (the "
                  "approve key then approves that one, not the older)",
                  bool(popover) and bool(decided) and newer.returncode == 0
                  and older.poll() is None, (body, popover, newer.poll(), older.poll()))
    finally:
        for proc in askers:
            if proc.poll() is None:
                proc.kill()
        if app_proc:
            stop_app(app_proc)
        session.stop()
        shutil.rmtree(root, ignore_errors=True)
    await without_tray_extension(run, app, out)
    return run.finish()


def app_env(session: GnomeSession, root: Path) -> dict:
    env = dict(session.env, RUST_LOG="info", CONVERGE_TRAY_SOCKET=str(root / "api.sock"))
    # A jobs file with no jobs: no demo Converge job asks in between.
    config = Path(env["XDG_CONFIG_HOME"]) / "dev.converge.tray"
    config.mkdir(parents=True, exist_ok=True)
    (config / "jobs.toml").write_text("# desktop test: no Converge jobs\n")
    # Its icon where an installed package puts it: the notifications show it.
    install_icon(Path(env["XDG_DATA_HOME"]))
    return env


async def without_tray_extension(run: Run, app: str, out: Path):
    """GNOME without the AppIndicator extension, as Fedora and Debian's GNOME ship it."""
    root = Path(tempfile.mkdtemp(prefix="converge-gnome-plain-"))
    session = GnomeSession(root, tray_extension=False)
    app_proc = None
    try:
        try:
            await session.start()
        except SessionFailed as why:
            run.check("GNOME Shell without the tray extension starts headless", False,
                      f"{why}\n--- gnome-shell's log ---\n{session.log_tail()}")
            return
        env = app_env(session, root)
        app_proc = subprocess.Popen([app], env=env, stdout=open(out / "app-gnome-plain.log", "w"),
                                    stderr=subprocess.STDOUT)
        told = await eventually_eval(
            session, NOTIFICATIONS, lambda found: [n for n in found or []
                                                   if n["title"] == "Converge Tray is running"])
        run.check("GNOME without the tray extension: the app says how to show its icon "
                  "(gnome-shell-extension-appindicator) and that its launcher entry opens the "
                  "popover", bool(told)
                  and "gnome-shell-extension-appindicator" in told[0]["body"]
                  and "launcher opens the popover" in told[0]["body"], told)
        count = len(await session.eval(NOTIFICATIONS) or [])
        await asyncio.sleep(1)
        again = len([n for n in await session.eval(NOTIFICATIONS) or []
                     if n["title"] == "Converge Tray is running"])
        run.check("and says it once", again == 1, (count, again))
        await session.screenshot(out / "gnome-no-tray.png")
        # What the launcher entry runs: the app again, which opens the running one's popover.
        second = subprocess.run([app], env=env, capture_output=True, text=True, timeout=60)
        popover = await eventually_eval(
            session, WINDOWS, lambda found: [w for w in found or []
                                             if w["title"] == "Converge Tray"])
        run.check("starting it again, as its launcher entry does, opens the popover",
                  second.returncode == 0 and bool(popover), (second.returncode, popover))
    finally:
        if app_proc:
            stop_app(app_proc)
        session.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1], Path(sys.argv[2]))))
