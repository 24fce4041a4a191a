#!/usr/bin/env bash
# Installs what Converge Tray needs on Debian/Ubuntu, skipping what is already there: to build
# and run it, the system libraries (WebKitGTK, tray, build tools) and the npm packages; with
# --tests, also the test toolchain (the headless test desktop, WebDriver, package tools, the
# real agent programs).
# usage: scripts/setup.sh [--tests]
set -euo pipefail
cd "$(dirname "$0")/.."
tests=false
case "${1:-}" in
  --tests) tests=true ;;
  "") ;;
  *) echo "usage: scripts/setup.sh [--tests]" >&2; exit 2 ;;
esac

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

PACKAGES=(
  # Tauri 2 on Linux
  build-essential pkg-config file libssl-dev libwebkit2gtk-4.1-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev
  # The stores' SQLite: the system's library, not a copy compiled into the binary
  libsqlite3-dev
)
TEST_PACKAGES=(
  # A headless desktop for the end-to-end tests: X server, D-Bus session, tray host,
  # WebDriver for WebKitGTK, input events
  xvfb xauth dbus dbus-x11 xdotool webkit2gtk-driver haskell-status-notifier-item-utils
  python3-venv
  # ... and a terminal for the agent programs that only ask when interactive (Codex)
  tmux
  # ... and an sshd the remote-agent test starts itself, on 127.0.0.1 (never the system's)
  openssh-server
  # Packages: lintian checks the .deb, debootstrap makes the fresh Debian it installs on,
  # rpm reads the .rpm
  lintian debootstrap rpm
  # ... and a window manager with a second window to move the focus to
  openbox x11-apps x11-utils
  # ... and terminals to go to: an X11 terminal, and kitty with its remote control
  xterm kitty
  # ... and a keyring (Secret Service) for the phone's session, unlocked as at a login
  gnome-keyring
  # A real desktop, run headless by tests/desktops: GNOME Shell 43, its tray extension, and
  # gjs, which serves GNOME's notifications
  gnome-shell gnome-shell-extension-appindicator gjs
  # ... and KDE Plasma 5.27 on Wayland: KWin (with XWayland), the panel and its system tray
  # and notifications, the tray's watcher, Qt's Wayland platform, Plasma's XDG portal (its
  # GlobalShortcuts), and what builds the test's pointer and keys for KWin
  kwin-wayland xwayland plasma-workspace plasma-desktop kded5 qtwayland5
  xdg-desktop-portal-kde plasma-wayland-protocols libwayland-dev
)

$tests && PACKAGES+=("${TEST_PACKAGES[@]}")
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v cargo >/dev/null || { echo "setup: Rust is required (https://rustup.rs)"; exit 1; }
command -v npm >/dev/null || { echo "setup: Node.js 20+ and npm are required"; exit 1; }

# npm ci only when the lock file changed since the last install (it starts from nothing).
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.converge-tray-lock 2>/dev/null)" != "$lock_sum" ]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.converge-tray-lock
fi

$tests || { echo "setup: done (to build and run; scripts/setup.sh --tests adds the test tools)"; exit 0; }

# End-to-end tests: a WebDriver server for Tauri apps, and a Python with dbus-next to act as
# the desktop's tray host (and Synapse, for the phone's tests).
if ! command -v tauri-driver >/dev/null; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --version "^2" --locked --quiet
fi
venv="$HOME/.cache/converge-tray/e2e-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check dbus-next==0.2.3
# A real Matrix homeserver for the phone's tests (crates/phone-link/tests), started by them
# on 127.0.0.1 with SQLite.
"$venv/bin/pip" install --quiet --disable-pip-version-check matrix-synapse==1.163.2
# The real agent programs (Claude Code, Codex) at pinned versions, for the e2e tests.
./scripts/install-agent-clis.sh
echo "setup: done"
