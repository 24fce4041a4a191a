#!/usr/bin/env bash
# Installs what building and running need (what is missing only), builds the frontend and
# runs Converge Tray (a debug build with the frontend embedded). The app lives in the system
# tray: look for its icon. ctray is installed into ~/.local/bin, so agents' hooks and scripts
# find it on the PATH.
# usage: scripts/run.sh [--demo] [--pin-popover]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
npm run build
cargo build -p ctray
bin="$HOME/.local/bin"
mkdir -p "$bin"
# A copy, not a link into the build directory: hooks written by `ctray install` name this
# path, which a rebuild or a `cargo clean` does not take away.
install -m 755 "${CARGO_TARGET_DIR:-target}/debug/ctray" "$bin/ctray"
case ":$PATH:" in
  *":$bin:"*) echo "ctray: $bin/ctray (on your PATH)" ;;
  *) echo "ctray: $bin/ctray; $bin is not on your PATH: add it with"
     echo "  export PATH=\"$bin:\$PATH\"    (Debian's ~/.profile adds it at your next login)" ;;
esac
exec cargo run -- "$@"
