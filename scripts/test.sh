#!/usr/bin/env bash
# Installs what is needed (scripts/setup.sh --tests), then runs every check and test, fast ones
# first: formatting, frontend type checks and unit tests, lints, Rust tests (with the
# generated TypeScript bindings' drift check), the end-to-end scenarios, the app in a real
# desktop session (GNOME), the packages. Prints each stage's time.
set -euo pipefail
cd "$(dirname "$0")/.."

stage() {
  local name=$1; shift
  local start=$SECONDS
  echo "==> $name"
  "$@"
  echo "<== $name: $((SECONDS - start))s"
}

stage "setup" ./scripts/setup.sh --tests
# Fast checks first, so a mistake they catch costs seconds, not a build.
stage "rustfmt" cargo fmt --all -- --check
stage "svelte-check" npm run check
stage "frontend unit tests" npm test
# The app crate embeds the built frontend, so it must exist before anything compiles it.
stage "frontend build" npm run build
stage "clippy" cargo clippy --workspace --all-targets --locked -- -D warnings
stage "rust tests" cargo test --workspace --locked
# The app, ctray, and the Converge example the end-to-end run drives.
stage "app, ctray and example build" cargo build --workspace --bins --examples --locked
stage "end-to-end" tests/e2e/run.sh "${CARGO_TARGET_DIR:-target}/debug/converge-tray"
stage "real desktops" tests/desktops/run.sh "${CARGO_TARGET_DIR:-target}/debug/converge-tray"
stage "packages" tests/package/run.sh
echo "all checks passed"
