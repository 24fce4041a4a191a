#!/usr/bin/env bash
# The packages, end to end: built (scripts/package.sh), checked as files (check_deb.sh),
# built again to compare contents lists, then installed, run and removed on a fresh
# Debian 12 (fresh_system.sh).
# usage: tests/package/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle="${CARGO_TARGET_DIR:-target}/release/bundle"
listing() { dpkg-deb -c "$1" | awk '{ print $1, $2, $3, $6, $7, $8 }'; }
status=0
scripts/package.sh
deb=$(ls "$bundle"/deb/*.deb)
first=$(listing "$deb")
tests/package/check_deb.sh "$deb" || status=1
# A second build of the same commit: the same files, modes and sizes (dates aside).
scripts/package.sh
if [ "$(listing "$deb")" = "$first" ]; then
  echo "PASS a package built twice from the same commit has the same contents list"
else
  echo "FAIL a package built twice from the same commit has the same contents list"
  diff <(echo "$first") <(listing "$deb") || true
  status=1
fi
rpm=$(ls "$bundle"/rpm/*.rpm)
echo "rpm: $(stat -c %s "$rpm") bytes"
tests/package/fresh_system.sh "$deb" || status=1
exit $status
