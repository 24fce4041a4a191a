#!/usr/bin/env bash
# Installs what is needed, builds the frontend and runs Converge Tray (a debug build with
# the frontend embedded). The app lives in the system tray: look for its icon.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
npm run build
cargo build -p ctray
echo "ctray (for scripts and agent hooks): ${CARGO_TARGET_DIR:-target}/debug/ctray"
exec cargo run -- "$@"
