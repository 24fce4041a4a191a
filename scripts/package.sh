#!/usr/bin/env bash
# Builds the release packages (.deb and .rpm) the Tauri way: `tauri build` with ctray beside
# the app as an external binary (tauri.package.conf.json, kept out of tauri.conf.json so a
# plain cargo build does not need it), so both land in /usr/bin. Prints where they are.
# usage: scripts/package.sh      (scripts/setup.sh installs what it needs)
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
triple=$(rustc -vV | sed -n 's/^host: //p')
cargo build --release --locked -p ctray
# Tauri takes an external binary from beside the config, named for the target it runs on.
mkdir -p target/package
cp "$target/release/ctray" "target/package/ctray-$triple"
# Debian wants the changelog compressed, and the same bytes every build (-n: no name, no time).
gzip -9n < packaging/debian/changelog > target/package/changelog.gz
# Only this build's packages in the bundle folder, whatever was built there before.
rm -rf "$target/release/bundle"
npx tauri build --bundles deb,rpm --ci --config tauri.package.conf.json
ls -l "$target"/release/bundle/deb/*.deb "$target"/release/bundle/rpm/*.rpm
