"""The app's icon in a session's own icon theme directory, as the .deb installs it in
/usr/share/icons/hicolor: desktops look it up by name for the tray item and notifications."""
import shutil
from pathlib import Path

ICONS = Path(__file__).resolve().parent.parent.parent / "icons"


def install_icon(data_home: Path):
    for size, source in (("32x32", "32x32.png"), ("128x128", "128x128.png")):
        apps = data_home / "icons/hicolor" / size / "apps"
        apps.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ICONS / source, apps / "converge-tray.png")
