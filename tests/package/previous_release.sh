#!/usr/bin/env bash
# The previous release's .deb, for the upgrade test: built from its commit (named in
# tests/package/previous-release) in a worktree beside the cache, into a target directory of
# its own. Never the checkout's: Cargo names a workspace crate's artifacts by name, version and
# path inside the workspace, so the two commits' crates would share artifacts and one build
# would link the other's. Kept in the cache by commit (the target directory is removed once the
# .deb is made): later runs take it as it is. Prints the .deb's path on the last line.
# usage: tests/package/previous_release.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
read -r version commit < <(grep -v '^#' tests/package/previous-release)
cache="$HOME/.cache/converge-tray/previous-release"
deb="$cache/converge-tray_${version}_${commit:0:12}.deb"
if [ -s "$deb" ]; then
  echo "previous release $version: $deb (cached)" >&2
  echo "$deb"
  exit 0
fi
mkdir -p "$cache"
target="$cache/target"
rm -rf "$target"
export CARGO_TARGET_DIR="$target"
tree="$cache/src"
git worktree remove --force "$tree" 2>/dev/null || rm -rf "$tree"
git worktree prune
git worktree add --detach "$tree" "$commit" >/dev/null
echo "previous release $version: building its packages from $commit" >&2
(
  cd "$tree"
  # What the upgrade test needs of the old release is its package (files, scripts, data), not
  # its speed: built without whole-program LTO, in 16 codegen units (the whole build took
  # 714 s from cold on a 2-core machine, docs/performance.md; no figure with LTO to compare).
  export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  scripts/package.sh >/dev/null
)
mv "$target/release/bundle/deb/"*"_${version}_"*.deb "$deb.tmp"
mv "$deb.tmp" "$deb"
rm -rf "$target"
git worktree remove --force "$tree"
echo "$deb"
