#!/usr/bin/env bash
# What the packages carry beside the app, made where tauri.conf.json's bundle files take
# them from (target/package/): ctray and the phone's link (converge-phone, which the app
# starts from its own directory), built for release from the same checkout, and the
# changelog, compressed as Debian wants it. Tauri runs this before it bundles
# (build.beforeBundleCommand), so `npm run tauri build` and scripts/package.sh make the
# same packages.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p ctray
mkdir -p target/package
cargo build --profile phone-release --locked -p phone-link
cp "${CARGO_TARGET_DIR:-target}/release/ctray" target/package/ctray
cp "${CARGO_TARGET_DIR:-target}/phone-release/converge-phone" target/package/converge-phone
# The same bytes every build (-n: no name, no time).
gzip -9n < packaging/debian/changelog > target/package/changelog.gz
