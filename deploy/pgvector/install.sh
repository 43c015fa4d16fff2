#!/usr/bin/env bash
# Installs the pgvector extension into the locally running PostgreSQL (Debian, as root).
#
# Idempotent: exits 0 at once when the server already offers `vector`. Otherwise builds pgvector
# from Debian trixie's source package against the running server's major version. The trixie
# source entry lives in its own list file in a temp dir, so the machine's own apt lists are not
# touched. See docs/decisions/0005-local-servers-and-pgvector.md.
#
# Env: DATABASE_URL (the server to check; default postgres://postgres@127.0.0.1:5432/postgres),
#      PGVECTOR_SUITE (default trixie).
set -euo pipefail

url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tessera}"
# Talk to the maintenance database of the same server: the app database may not exist yet.
admin_url="${url%/*}/postgres"
suite="${PGVECTOR_SUITE:-trixie}"

say() { printf 'pgvector: %s\n' "$*"; }
fail() {
  printf 'pgvector: %s\n' "$*" >&2
  exit 1
}

command -v psql >/dev/null || fail "psql is not installed (apt-get install postgresql-client)"
psql "$admin_url" -Atqc 'select 1' >/dev/null 2>&1 || fail "PostgreSQL does not answer at ${admin_url}"

available() {
  [ "$(psql "$admin_url" -Atqc "SELECT 1 FROM pg_available_extensions WHERE name='vector'")" = "1" ]
}

if available; then
  say "already available"
  exit 0
fi

[ "$(id -u)" = "0" ] || fail "not installed, and installing needs root (run: sudo bash $0)"
command -v apt-get >/dev/null || fail "not installed, and this script only knows Debian/apt (see https://github.com/pgvector/pgvector#installation)"

major="$(psql "$admin_url" -Atqc 'show server_version_num')"
major="$((major / 10000))"
pg_config="/usr/lib/postgresql/${major}/bin/pg_config"
say "building for PostgreSQL ${major}"

export DEBIAN_FRONTEND=noninteractive
build_deps=("postgresql-server-dev-${major}" build-essential dpkg-dev)
if ! apt-get install -y -q "${build_deps[@]}"; then
  apt-get update -q
  apt-get install -y -q "${build_deps[@]}"
fi
[ -x "$pg_config" ] || fail "${pg_config} is missing after installing postgresql-server-dev-${major}"

# Use the same mirror host as the machine's own sources.
mirror="$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
  grep -v security | head -n1 | tr -d ' ' || true)"
mirror="${mirror%/}"
mirror="${mirror:-http://deb.debian.org/debian}"

work="$(mktemp -d /tmp/pgvector.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/src"
printf 'deb-src %s %s main\n' "$mirror" "$suite" >"$work/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$work/sources.list" -o "Dir::Etc::sourceparts=-"
  -o "Dir::State::Lists=$work/lists" -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root")

say "fetching the pgvector source package from ${mirror} ${suite}"
apt-get "${apt_opts[@]}" update -q
(cd "$work/src" && apt-get "${apt_opts[@]}" source -q pgvector)
srcdir="$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'pgvector-*' | head -n1)"
[ -n "$srcdir" ] || fail "apt-get source pgvector produced no source tree"

say "make && make install in ${srcdir##*/}"
make -C "$srcdir" -s PG_CONFIG="$pg_config" -j"$(nproc)"
make -C "$srcdir" -s PG_CONFIG="$pg_config" install

available || fail "built and installed, but the server still does not list the extension"

# Prove it loads: CREATE EXTENSION in a scratch database.
scratch="pgvector_check_$$"
psql "$admin_url" -qc "CREATE DATABASE ${scratch}" >/dev/null
check_url="${url%/*}/${scratch}"
if psql "$check_url" -v ON_ERROR_STOP=1 -Atqc \
  "CREATE EXTENSION vector; SELECT '[1,2,3]'::vector <-> '[1,2,4]'::vector" >/dev/null; then
  psql "$admin_url" -qc "DROP DATABASE ${scratch}" >/dev/null
  say "installed ($(psql "$admin_url" -Atqc "SELECT default_version FROM pg_available_extensions WHERE name='vector'"))"
else
  psql "$admin_url" -qc "DROP DATABASE IF EXISTS ${scratch}" >/dev/null
  fail "CREATE EXTENSION vector failed in a scratch database"
fi
