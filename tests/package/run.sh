#!/usr/bin/env bash
# The packages, end to end: built (scripts/package.sh), checked as files (check_deb.sh),
# built again to compare contents lists, then on a fresh Debian 12 (fresh_system.sh): the
# previous release installed and used, this one installed over it, then removed.
# usage: tests/package/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bundle="${CARGO_TARGET_DIR:-target}/release/bundle"
listing() { dpkg-deb -c "$1" | awk '{ print $1, $2, $3, $6, $7, $8 }'; }
status=0
# Built in a target directory of its own; cached after one build.
previous=$(tests/package/previous_release.sh | tail -1)
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
# The .rpm cannot be installed here (no rpm-based system to install on): its contents and
# requirements are checked as files.
rpm_files=$(rpm -qlp "$rpm" 2>/dev/null)
rpm_requires=$(rpm -qp --requires "$rpm" 2>/dev/null)
if grep -qx /usr/bin/converge-tray <<<"$rpm_files" && grep -qx /usr/bin/ctray <<<"$rpm_files" \
    && grep -qx /usr/bin/converge-phone <<<"$rpm_files" \
    && grep -q '^/usr/share/applications/.*\.desktop$' <<<"$rpm_files" \
    && grep -q '^/usr/share/icons/hicolor/' <<<"$rpm_files"; then
  echo "PASS the .rpm holds the app, ctray and converge-phone in /usr/bin, the desktop entry and the icons"
else
  echo "FAIL the .rpm holds the app, ctray and converge-phone in /usr/bin, the desktop entry and the icons"
  echo "$rpm_files"; status=1
fi
# --dump: path size mtime digest mode ...; ctray must stay a program a person can run.
ctray_mode=$(rpm -qp --dump "$rpm" 2>/dev/null | awk '$1 == "/usr/bin/ctray" { print $5 }')
if [ "$ctray_mode" = 0100755 ]; then
  echo "PASS the .rpm's ctray is executable by everyone (mode $ctray_mode)"
else
  echo "FAIL the .rpm's ctray is executable by everyone (mode ${ctray_mode:-missing})"; status=1
fi
if grep -q "^libwebkit2gtk-4.1" <<<"$rpm_requires" && grep -q sqlite-libs <<<"$rpm_requires" \
    && grep -q libxdo <<<"$rpm_requires"; then
  echo "PASS the .rpm requires WebKitGTK 4.1, SQLite and libxdo"
else
  echo "FAIL the .rpm requires WebKitGTK 4.1, SQLite and libxdo"; echo "$rpm_requires"; status=1
fi
tests/package/fresh_system.sh "$previous" "$deb" || status=1
exit $status
