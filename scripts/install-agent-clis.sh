#!/usr/bin/env bash
# Installs the real agent programs the end-to-end tests drive offline (Claude Code, Codex,
# Copilot CLI, Qwen Code, OpenCode, Pi, Gemini CLI, Droid, Cline, Qoder CLI, Kilo Code) at the versions pinned in tests/e2e/agent-clis/package-lock.json,
# into a cache outside the clone: ~/.cache/converge-tray/agent-clis (or
# $CONVERGE_E2E_AGENT_CLIS). Nothing is installed for the user: these copies run only under
# the tests' isolated HOME.
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${CONVERGE_E2E_AGENT_CLIS:-$HOME/.cache/converge-tray/agent-clis}"
mkdir -p "$dest"
if cmp -s tests/e2e/agent-clis/package-lock.json "$dest/installed-from.lock" \
   && "$dest/node_modules/.bin/claude" --version >/dev/null 2>&1 \
   && "$dest/node_modules/.bin/codex" --version >/dev/null 2>&1 \
   && "$dest/node_modules/.bin/copilot" --version >/dev/null 2>&1 \
   && "$dest/node_modules/.bin/qwen" --version >/dev/null 2>&1 \
   && "$dest/node_modules/.bin/opencode" --version >/dev/null 2>&1 \
   && "$dest/node_modules/.bin/pi" --version >/dev/null 2>&1 \
   && "$dest/node_modules/.bin/gemini" --version >/dev/null 2>&1 \
   && "$dest/node_modules/.bin/droid" --version >/dev/null 2>&1 \
   && "$dest/node_modules/.bin/cline" --version >/dev/null 2>&1 \
   && "$dest/node_modules/.bin/qodercli" --version >/dev/null 2>&1 \
   && "$dest/node_modules/.bin/kilo" --version >/dev/null 2>&1; then
  exit 0
fi
echo "setup: installing the agent programs for the end-to-end tests into $dest"
cp tests/e2e/agent-clis/package.json tests/e2e/agent-clis/package-lock.json "$dest/"
# Claude Code's install script links its native binary from its platform package.
# `npm install` on the lock, not `npm ci`: npm 11's ci refuses Qwen Code's lock (optional
# platform packages of one of its dependencies that the registry does not have).
(cd "$dest" && npm install --no-audit --no-fund --loglevel=error)
"$dest/node_modules/.bin/claude" --version
"$dest/node_modules/.bin/codex" --version
"$dest/node_modules/.bin/copilot" --version | sed -n 1p
"$dest/node_modules/.bin/qwen" --version
"$dest/node_modules/.bin/opencode" --version
"$dest/node_modules/.bin/pi" --version
"$dest/node_modules/.bin/gemini" --version
"$dest/node_modules/.bin/droid" --version
"$dest/node_modules/.bin/cline" --version
"$dest/node_modules/.bin/qodercli" --version
"$dest/node_modules/.bin/kilo" --version
cp tests/e2e/agent-clis/package-lock.json "$dest/installed-from.lock"
