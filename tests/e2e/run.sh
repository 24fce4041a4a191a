#!/usr/bin/env bash
# End-to-end tests of the built app in a headless desktop (Xvfb + D-Bus session + tray host),
# driven through tauri-driver. Screenshots and logs go to target/e2e/.
# usage: tests/e2e/run.sh [APP_BINARY]   (scripts/setup.sh --tests installs what it needs)
set -euo pipefail
cd "$(dirname "$0")/../.."
app=$(realpath "${1:-${CARGO_TARGET_DIR:-target}/debug/converge-tray}")
venv="$HOME/.cache/converge-tray/e2e-venv"
mkdir -p target/e2e
rm -f target/e2e/*.log
desktop() { xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- "$venv/bin/python" "$@"; }
status=0
# The binaries under test are this checkout's, not a stale build.
source tests/build_identity.sh
reports_this_checkout "the app under test" "$("$app" --version)" || status=1
reports_this_checkout "ctray beside it" "$("$(dirname "$app")/ctray" --version)" || status=1
desktop tests/e2e/tray_e2e.py "$app" target/e2e || status=1
desktop tests/e2e/no_tray_e2e.py "$app" target/e2e || status=1
desktop tests/e2e/focus_e2e.py "$app" target/e2e || status=1
desktop tests/e2e/popover_process_e2e.py "$app" target/e2e || status=1
# The stand-in XDG portal checked against the documented interface, then the app under it.
desktop tests/e2e/portal_selftest.py >target/e2e/portal-selftest.log 2>&1 \
  && echo "PASS the stand-in GlobalShortcuts portal follows the documented interface" \
  || { cat target/e2e/portal-selftest.log; status=1; }
desktop tests/e2e/wayland_e2e.py "$app" target/e2e || status=1
desktop tests/e2e/agents_e2e.py "$app" target/e2e || status=1
desktop tests/e2e/grants_e2e.py "$app" target/e2e || status=1
desktop tests/e2e/terminal_e2e.py "$app" target/e2e || status=1
desktop tests/e2e/knowingly_e2e.py "$app" target/e2e || status=1
desktop tests/e2e/remote_e2e.py "$app" target/e2e || status=1
# The real agent programs (scripts/install-agent-clis.sh), against a scripted model.
desktop tests/e2e/real_agents_e2e.py "$app" target/e2e || status=1
# The agent programs added since (Pi, Gemini CLI, …), as named cases.
desktop tests/e2e/more_agents_e2e.py "$app" target/e2e || status=1
desktop tests/e2e/storage_e2e.py "$app" target/e2e || status=1
desktop tests/e2e/hung_desktop_e2e.py "$app" target/e2e || status=1
desktop tests/e2e/sessions_e2e.py "$app" target/e2e || status=1
# Last: it may leave a frozen app's WebKit process behind for a moment, and no_tray_e2e
# counts WebKit processes machine-wide.
desktop tests/e2e/security_e2e.py "$app" target/e2e || status=1
exit $status
