#!/usr/bin/env bash
# The previous release's .deb, for the upgrade test: built from its commit (named in
# tests/package/previous-release) in a worktree beside the cache, with the same target
# directory, so only the workspace's own crates are compiled again. Kept in the cache by
# commit: later runs take it as it is. Prints the .deb's path on the last line.
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
target="$(realpath -m "${CARGO_TARGET_DIR:-target}")"
export CARGO_TARGET_DIR="$target"
mkdir -p "$cache"
tree="$cache/src"
git worktree remove --force "$tree" 2>/dev/null || rm -rf "$tree"
git worktree prune
git worktree add --detach "$tree" "$commit" >/dev/null
echo "previous release $version: building its packages from $commit" >&2
(
  cd "$tree"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  scripts/package.sh >/dev/null
)
mv "$target/release/bundle/deb/"*"_${version}_"*.deb "$deb.tmp"
rm -rf "$target/release/bundle"
mv "$deb.tmp" "$deb"
git worktree remove --force "$tree"
echo "$deb"
