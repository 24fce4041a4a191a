#!/usr/bin/env bash
# Installs everything Converge Tray needs to build, run and test on Debian/Ubuntu:
# system libraries (WebKitGTK, tray, build tools), the headless test desktop, npm packages.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

PACKAGES=(
  # Tauri 2 on Linux
  build-essential pkg-config file libssl-dev libwebkit2gtk-4.1-dev libxdo-dev
  libayatana-appindicator3-dev librsvg2-dev
  # The stores' SQLite: the system's library, not a copy compiled into the binary
  libsqlite3-dev
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
)

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

npm ci --no-audit --no-fund --loglevel=error

# End-to-end tests: a WebDriver server for Tauri apps, and a Python with dbus-next to act as
# the desktop's tray host.
if ! command -v tauri-driver >/dev/null; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --version "^2" --locked --quiet
fi
venv="$HOME/.cache/converge-tray/e2e-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check dbus-next==0.2.3
# The real agent programs (Claude Code, Codex) at pinned versions, for the e2e tests.
./scripts/install-agent-clis.sh
echo "setup: done"
