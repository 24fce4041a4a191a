#!/usr/bin/env bash
# What the .deb holds and says, before it is installed anywhere: the app and ctray in
# /usr/bin, the phone's link beside them, a desktop entry, icons in the hicolor theme, its dependencies; lintian finds no
# error. Prints the package's size and installed size.
# usage: tests/package/check_deb.sh PACKAGE.deb
set -euo pipefail
deb="$1"
status=0
check() { if eval "$2"; then echo "PASS $1"; else echo "FAIL $1"; status=1; fi; }
contents=$(dpkg-deb -c "$deb" | awk '{ $1=$2=$3=$4=$5=""; sub(/^ +/, ""); sub(/^\.?\/?/, "/"); print }')
check "the app is in /usr/bin" 'grep -qx /usr/bin/converge-tray <<<"$contents"'
check "ctray is in /usr/bin, so hooks point at a path that survives upgrades" \
  'grep -qx /usr/bin/ctray <<<"$contents"'
ctray_mode=$(dpkg-deb -c "$deb" | awk '$6 ~ /usr\/bin\/ctray$/ { print $1 }')
check "ctray is executable by everyone ($ctray_mode)" '[ "$ctray_mode" = -rwxr-xr-x ]'
check "the phone's link is in /usr/bin beside the app, where the app starts it from" \
  'grep -qx /usr/bin/converge-phone <<<"$contents"'
phone_mode=$(dpkg-deb -c "$deb" | awk '$6 ~ /usr\/bin\/converge-phone$/ { print $1 }')
check "the phone's link is executable ($phone_mode)" '[ "$phone_mode" = -rwxr-xr-x ]'
check "a desktop entry for the launcher" \
  'grep -q "^/usr/share/applications/.*\.desktop$" <<<"$contents"'
check "icons in the hicolor theme" \
  'grep -q "^/usr/share/icons/hicolor/.*/apps/converge-tray.png$" <<<"$contents"'
check "copyright and changelog" 'grep -qx /usr/share/doc/converge-tray/copyright <<<"$contents" \
  && grep -qx /usr/share/doc/converge-tray/changelog.gz <<<"$contents"'
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libwebkit2gtk-4.1-0 libgtk-3-0 libsqlite3-0 libxdo3 libc6; do
  check "depends on $lib" 'grep -q "$lib" <<<"$depends"'
done
closed=$(dpkg-deb -c "$deb" | awk '$1 ~ /^d/ && $1 != "drwxr-xr-x" { print $1, $6 }')
check "every directory in it is 0755 (the root's mode included)" '[ -z "$closed" ]'
[ -z "$closed" ] || echo "$closed"
check "suggests GNOME's tray extension (GNOME shows no tray icons without it)" \
  '[ "$(dpkg-deb -f "$deb" Suggests)" = gnome-shell-extension-appindicator ]'
desktop=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards '*usr/share/applications/*.desktop')
check "the desktop entry starts the installed app" 'grep -qx "Exec=converge-tray" <<<"$desktop"'
errors=$(lintian --tag-display-limit 0 "$deb" 2>/dev/null | grep '^E:' || true)
check "lintian finds no error" '[ -z "$errors" ]'
[ -z "$errors" ] || echo "$errors"
echo "package: $(stat -c %s "$deb") bytes; installed: $(dpkg-deb -f "$deb" Installed-Size) KiB"
exit $status
