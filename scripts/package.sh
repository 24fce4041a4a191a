#!/usr/bin/env bash
# Builds the release packages (.deb and .rpm) the Tauri way: `tauri build`, which also builds
# the frontend first and ctray before bundling (tauri.conf.json's beforeBuildCommand and
# beforeBundleCommand), so ctray lands in /usr/bin beside the app. The same as
# `npm run tauri build`, with only this build's packages in the bundle folder. Prints where
# they are.
# usage: scripts/package.sh      (scripts/setup.sh installs what it needs)
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
rm -rf "$target/release/bundle"
npx tauri build --bundles deb,rpm --ci
# What Tauri's .deb cannot say (it has Depends and Recommends only): GNOME shows tray icons
# only with the AppIndicator extension. Suggested, not recommended: a recommendation would
# pull GNOME Shell's extension onto every desktop.
for deb in "$target"/release/bundle/deb/*.deb; do
  unpacked=$(mktemp -d)
  dpkg-deb -R "$deb" "$unpacked"
  chmod 0755 "$unpacked"  # it becomes the package's ./ entry: mktemp made it 0700
  grep -q '^Suggests:' "$unpacked/DEBIAN/control" \
    || sed -i '/^Depends:/a Suggests: gnome-shell-extension-appindicator' "$unpacked/DEBIAN/control"
  dpkg-deb --root-owner-group -Zgzip -b "$unpacked" "$deb" >/dev/null
  rm -rf "$unpacked"
done
ls -l "$target"/release/bundle/deb/*.deb "$target"/release/bundle/rpm/*.rpm
