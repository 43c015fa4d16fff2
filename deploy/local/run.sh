#!/bin/sh
# Entry of `npm start` and `npm test`: runs deploy/local/<command>.ts on the project's Node 24
# (node_modules/.bin/node, from the `node` devDependency), installing dependencies first when
# that Node is missing. This part is plain sh because the machine's own Node may be older.
#   sh deploy/local/run.sh start|test [args...]
set -eu
cd "$(dirname "$0")/../.."
command="${1:?usage: sh deploy/local/run.sh start|test [args...]}"
shift

node24_ok() {
  [ -x node_modules/.bin/node ] &&
    node_modules/.bin/node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 24 ? 0 : 1)' 2>/dev/null
}

if ! node24_ok; then
  if [ "${CI:-}" = "true" ]; then
    echo "run.sh: installing dependencies (npm ci)"
    bash deploy/local/npm-ci.sh
  else
    echo "run.sh: installing dependencies (npm install)"
    npm install --no-audit --no-fund
  fi
  node24_ok || { echo "run.sh: node_modules/.bin/node is not Node 24 after installing; check the 'node' devDependency and allowScripts in package.json" >&2; exit 1; }
fi

exec node_modules/.bin/node "deploy/local/${command}.ts" "$@"
