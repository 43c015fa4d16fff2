#!/usr/bin/env bash
# `npm ci` from the committed lock file, which lists every platform's optional binaries
# (deploy/test/workspace.unit.spec.ts checks it), so neither `npm ci` nor `npm install` rewrites it.
# Output is shown once npm is done, without the engine warnings of the machine's older Node.
set -euo pipefail
cd "$(dirname "$0")/../.."

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
npm ci --no-audit --no-fund "$@" >"$log" 2>&1 || status=$?
grep -v 'EBADENGINE' "$log" || true
[ "$status" = "0" ] || { echo "npm-ci: npm ci failed" >&2; exit 1; }
