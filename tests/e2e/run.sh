#!/usr/bin/env bash
# End-to-end tests of the built app in a headless desktop (Xvfb + D-Bus session + tray host),
# driven through tauri-driver. Screenshots and logs go to target/e2e/.
# usage: tests/e2e/run.sh [APP_BINARY] [SCENARIO[:CASE]…]   (scripts/setup.sh --tests installs
# what it needs). With no SCENARIO every scenario runs; `run.sh grants` runs one scenario,
# `run.sh more_agents:cline:forged-allow` one case of it (with the cases it needs). Each
# scenario lists its cases in its docstring; a case stops at its first failed check.
set -euo pipefail
cd "$(dirname "$0")/../.."
app="${CARGO_TARGET_DIR:-target}/debug/converge-tray"
if [[ $# -gt 0 && -f "$1" ]]; then app="$1"; shift; fi
app=$(realpath "$app")
venv="$HOME/.cache/converge-tray/e2e-venv"

# Every scenario, in the order a whole run takes them; tests/e2e/NAME_e2e.py each.
scenarios=(
  tray no_tray focus popover_process
  portal_selftest   # the stand-in XDG portal checked against the documented interface
  wayland agents grants terminal knowingly remote
  real_agents       # the real agent programs (scripts/install-agent-clis.sh), scripted model
  more_agents       # the agent programs added since (Pi, Gemini CLI, …)
  storage hung_desktop sessions
  phone             # a real Synapse, and the phone played by a real Matrix client
  # Last: it may leave a frozen app's WebKit process behind for a moment, and no_tray
  # counts WebKit processes machine-wide.
  security
)
# The cases asked for, by scenario ("" for all of its cases).
declare -A chosen=()
for selector in "$@"; do
  scenario="${selector%%:*}"
  if [[ ! " ${scenarios[*]} " == *" $scenario "* ]]; then
    echo "no scenario $scenario; the scenarios: ${scenarios[*]}" >&2
    exit 2
  fi
  if [[ "$selector" == *:* ]]; then
    if [[ "$scenario" == portal_selftest ]]; then
      echo "portal_selftest runs whole: it has no named cases" >&2
      exit 2
    fi
    chosen[$scenario]+=" ${selector#*:}"
  else
    chosen[$scenario]=""
  fi
done

mkdir -p target/e2e
rm -f target/e2e/*.log
# The session bus starts on demand what this machine has installed, except what a desktop
# owns: its notification server, its XDG portal, KDE's helpers. The tests bring stand-ins
# for those; a machine that also has Plasma or a portal installed (setup.sh installs them for
# tests/desktops) would otherwise start the real ones behind the stand-ins' backs.
services=target/e2e/dbus-services
rm -rf "$services" && mkdir -p "$services"
for file in /usr/share/dbus-1/services/*.service; do
  name=$(sed -n 's/^Name=//p' "$file")
  case "$name" in
    org.freedesktop.Notifications | org.freedesktop.portal.* | org.freedesktop.impl.portal.desktop.* \
      | org.kde.*) ;;
    *) ln -s "$file" "$services/" ;;
  esac
done
sed "s|<standard_session_servicedirs */>|<servicedir>$(realpath "$services")</servicedir>|" \
  /usr/share/dbus-1/session.conf > target/e2e/dbus-session.conf
grep -q "<servicedir>" target/e2e/dbus-session.conf \
  || { echo "no service directory in target/e2e/dbus-session.conf" >&2; exit 1; }
export E2E_DBUS_SESSION_CONF="$PWD/target/e2e/dbus-session.conf"
desktop() {
  xvfb-run -a -s "-screen 0 1280x800x24" \
    dbus-run-session --config-file="$E2E_DBUS_SESSION_CONF" -- "$venv/bin/python" "$@"
}
status=0
# The binaries under test are this checkout's, not a stale build.
source tests/build_identity.sh
reports_this_checkout "the app under test" "$("$app" --version)" || status=1
reports_this_checkout "ctray beside it" "$("$(dirname "$app")/ctray" --version)" || status=1
for scenario in "${scenarios[@]}"; do
  if [[ $# -gt 0 && ! -v "chosen[$scenario]" ]]; then continue; fi
  # shellcheck disable=SC2086 # the chosen cases, one word each
  cases=(${chosen[$scenario]:-})
  if [[ "$scenario" == portal_selftest ]]; then
    desktop tests/e2e/portal_selftest.py >target/e2e/portal-selftest.log 2>&1 \
      && echo "PASS the stand-in GlobalShortcuts portal follows the documented interface" \
      || { cat target/e2e/portal-selftest.log; status=1; }
  else
    desktop "tests/e2e/${scenario}_e2e.py" "$app" target/e2e "${cases[@]}" || status=1
  fi
done
exit $status
