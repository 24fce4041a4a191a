#!/usr/bin/env bash
# Which of the agent programs the end-to-end tests drive have a newer version in the npm
# registry than the one tested (tests/e2e/agent-clis/package.json, the one place they are
# pinned). Changes nothing; run it now and then, and test a newer one before pinning it.
# usage: scripts/agent-versions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
pins=tests/e2e/agent-clis/package.json
newer=0
while IFS=$'\t' read -r package tested; do
  if ! newest=$(npm view "$package" version 2>/dev/null); then
    echo "$package: tested $tested; the registry did not answer"
    continue
  fi
  if [ "$newest" = "$tested" ]; then
    echo "$package: $tested, the newest"
  else
    echo "$package: tested $tested, newest $newest"
    newer=$((newer + 1))
  fi
done < <(node -e '
  const deps = require(process.argv[1]).dependencies
  for (const [name, version] of Object.entries(deps)) console.log(`${name}\t${version}`)
' "$(realpath "$pins")")
echo "$newer of them newer than tested"
