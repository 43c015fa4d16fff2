#!/usr/bin/env bash
# `npm ci`, with one fallback for this kind of machine: its registry serves only the packages of
# its own platform, so package-lock.json cannot list the other platforms' optional binaries
# (@biomejs/cli-darwin-*, @nx/nx-win32-*, ...) and `npm ci` rejects it as "Missing: ... from lock
# file". Then: clean `npm install` from the lock file, and fail if that would change the lock file,
# which is the guarantee `npm ci` gives.
set -euo pipefail
cd "$(dirname "$0")/../.."

log="$(mktemp)"
trap 'rm -f "$log" package-lock.json.ci-before' EXIT
# Output is shown once npm is done, without the engine warnings of the machine's older Node.
quiet() { grep -v 'EBADENGINE' "$log" || true; }
status=0
npm ci --no-audit --no-fund "$@" >"$log" 2>&1 || status=$?
quiet
[ "$status" = "0" ] && exit 0
if ! grep -q 'Missing: .* from lock file' "$log" ||
  grep 'Missing: .* from lock file' "$log" | grep -qvE 'Missing: (@[a-z0-9-]+/)?[a-z0-9-]*(android|darwin|freebsd|openbsd|sunos|win32|aix|netbsd|musl|arm|ia32|ppc64|s390x|riscv64|loong64|wasm32)[a-z0-9-]*@'; then
  echo "npm-ci: npm ci failed" >&2
  exit 1
fi

echo "npm-ci: lock file lacks other platforms' optional binaries (registry does not serve them); installing from it with npm install"
cp package-lock.json package-lock.json.ci-before
rm -rf node_modules
status=0
npm install --no-audit --no-fund "$@" >"$log" 2>&1 || status=$?
quiet
[ "$status" = "0" ] || { echo "npm-ci: npm install failed" >&2; exit 1; }
if ! cmp -s package-lock.json package-lock.json.ci-before; then
  mv package-lock.json.ci-before package-lock.json
  echo "npm-ci: package-lock.json is out of date with package.json: run npm install and commit the lock file" >&2
  exit 1
fi
