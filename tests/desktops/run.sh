#!/usr/bin/env bash
# The app in real desktop sessions, headless, from Debian's packages (scripts/setup.sh
# --tests installs them): GNOME Shell 43 with the AppIndicator extension. Each session's own
# log is printed when it fails to start.
# usage: tests/desktops/run.sh APP_BINARY
set -euo pipefail
cd "$(dirname "$0")/../.."
app=$(realpath "$1")
python="$HOME/.cache/converge-tray/e2e-venv/bin/python"
mkdir -p target/desktops
status=0
start=$SECONDS
"$python" tests/desktops/gnome_e2e.py "$app" target/desktops > target/desktops/gnome.log 2>&1 \
  || status=1
# The checks, and on a failure the shell's and the app's own words.
grep -E '^(PASS|FAIL)|^  |passed' target/desktops/gnome.log || true
if [ $status -ne 0 ]; then
  echo "--- the GNOME test's output (last 80 lines) ---"; tail -80 target/desktops/gnome.log
  echo "--- the app's log (last 40 lines) ---"; tail -40 target/desktops/app-gnome.log 2>/dev/null || true
fi
echo "GNOME session: $((SECONDS - start)) s"
exit $status
