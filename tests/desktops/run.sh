#!/usr/bin/env bash
# The app in real desktop sessions, headless, from Debian's packages (scripts/setup.sh
# --tests installs them): GNOME Shell 43 with the AppIndicator extension, and KDE Plasma
# 5.27 on Wayland. Each session's own log is printed when it fails to start.
# usage: tests/desktops/run.sh APP_BINARY
set -euo pipefail
cd "$(dirname "$0")/../.."
app=$(realpath "$1")
python="$HOME/.cache/converge-tray/e2e-venv/bin/python"
out=target/desktops
mkdir -p "$out"
status=0

# Presses for KWin (its fake-input protocol), built from this checkout each run.
tests/desktops/kwin-fake-input/build.sh "$out/kwin-fake-input-build"

desktop() {
  local name=$1 log="$out/$1.log" start=$SECONDS
  shift
  local failed=0
  "$python" "$@" > "$log" 2>&1 || failed=1
  # The checks, and on a failure the desktop's and the app's own words.
  grep -E '^(PASS|FAIL)|^  |passed' "$log" || true
  if [ $failed -ne 0 ]; then
    status=1
    echo "--- the $name test's output (last 80 lines) ---"; tail -80 "$log"
    echo "--- the app's log (last 40 lines) ---"; tail -40 "$out/app-$name.log" 2>/dev/null || true
  fi
  echo "$name session: $((SECONDS - start)) s"
}

desktop gnome tests/desktops/gnome_e2e.py "$app" "$out"
desktop plasma tests/desktops/plasma_e2e.py "$app" "$out/kwin-fake-input-build/kwin-fake-input" "$out"
exit $status
