#!/usr/bin/env bash
# What the packages carry beside the app, made where tauri.conf.json's bundle files take
# them from (target/package/): ctray, built for release from the same checkout, and the
# changelog, compressed as Debian wants it. Tauri runs this before it bundles
# (build.beforeBundleCommand), so `npm run tauri build` and scripts/package.sh make the
# same packages.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p ctray
mkdir -p target/package
cp "${CARGO_TARGET_DIR:-target}/release/ctray" target/package/ctray
# The same bytes every build (-n: no name, no time).
gzip -9n < packaging/debian/changelog > target/package/changelog.gz
