#!/usr/bin/env bash
# Takes the docs' screenshots from the last end-to-end run (target/e2e/, written by
# tests/e2e/run.sh), so what README and docs/ show is the app as it is. Run after the e2e run,
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
exit $missing
