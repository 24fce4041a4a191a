#!/usr/bin/env bash
# Takes the docs' screenshots from the last end-to-end run (target/e2e/, written by
# tests/e2e/run.sh) and the last real-desktop run (target/desktops/, tests/desktops/run.sh), so what README and docs/ show is the app as it is. Run after the e2e run,
# look at the result, commit it.
# usage: scripts/update-screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# docs/screenshots/NAME.png  <-  target/e2e/SOURCE.png
pairs=(
  popover:popover window-history:window-history window-settings:window-settings
  popover-claude:popover-claude popover-risk:popover-risk window-jobs:window-jobs
  popover-grant:popover-grant popover-remote:popover-remote
  settings-remote:window-settings-remote
  popover-confirm-high-risk:popover-confirm-high-risk popover-long-details:popover-long-details
  window-history-risk:window-history-risk
)
missing=0
for pair in "${pairs[@]}"; do
  name=${pair%%:*} source=target/e2e/${pair#*:}.png
  if [ -s "$source" ]; then
    cp "$source" "docs/screenshots/$name.png"
  else
    echo "missing $source: run tests/e2e/run.sh first"; missing=1
  fi
done
# From the real desktops (tests/desktops/run.sh writes target/desktops/): the part of the
# screen around the tray.
python="$HOME/.cache/converge-tray/e2e-venv/bin/python"
# NAME  SOURCE  crop box (left top right bottom)
crops=(
  "desktop-plasma-popover plasma-popover 560 240 1280 800"
  "desktop-plasma-notification plasma-notification 560 440 1280 800"
  "desktop-gnome-popover gnome-popover 560 0 1280 560"
  "desktop-gnome-notification gnome-notification 280 0 1280 300"
)
for crop in "${crops[@]}"; do
  read -r name source box <<<"$crop"
  if [ -s "target/desktops/$source.png" ]; then
    "$python" -c 'import sys; from PIL import Image
Image.open(sys.argv[1]).crop(tuple(map(int, sys.argv[3:]))).save(sys.argv[2])' \
      "target/desktops/$source.png" "docs/screenshots/$name.png" $box
  else
    echo "missing target/desktops/$source.png: run tests/desktops/run.sh first"; missing=1
  fi
done
exit $missing
