#!/usr/bin/env bash
# Makes sure Postgres, NATS (JetStream) and Redis answer at DATABASE_URL, NATS_URL and REDIS_URL
# (defaults: the local servers of .env.example), and that the database of DATABASE_URL exists.
#
# A server that does not answer on a local address is started, when its binary is installed:
#   Postgres  an existing Debian cluster on that port (pg_ctlcluster), else initdb + pg_ctl in .local/postgres
#   Redis     redis-server --daemonize yes, working folder .local/redis
#   NATS      nats-server -js -sd .local/nats, in the background
# On failure prints one line naming what is missing and exits 1. See docs/runbooks/local-setup.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
local_dir="${TESSERA_LOCAL_DIR:-$root/.local}"
database_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tessera}"
nats_url="${NATS_URL:-nats://127.0.0.1:4222}"
redis_url="${REDIS_URL:-redis://127.0.0.1:6379}"
wait_seconds="${ENSURE_SERVERS_WAIT_SECONDS:-30}"
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-3}"

say() { printf 'ensure-servers: %s\n' "$*"; }
fail() {
  printf 'ensure-servers: %s\n' "$*" >&2
  exit 1
}

# host and port of a URL like scheme://[user[:pass]@]host[:port][/path]
url_host() {
  local rest="${1#*://}"
  rest="${rest%%/*}"
  rest="${rest##*@}"
  printf '%s' "${rest%%:*}"
}
url_port() {
  local rest="${1#*://}"
  rest="${rest%%/*}"
  rest="${rest##*@}"
  if [[ "$rest" == *:* ]]; then printf '%s' "${rest##*:}"; else printf '%s' "$2"; fi
}
is_local() { [[ "$1" == "127.0.0.1" || "$1" == "localhost" || "$1" == "::1" ]]; }

# Waits until "$@" succeeds, for up to $wait_seconds.
wait_for() {
  local deadline=$((SECONDS + wait_seconds))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

find_pg_bin() {
  local name="$1" dir
  if command -v "$name" >/dev/null 2>&1; then
    command -v "$name"
    return 0
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/$name" ]; then
      printf '%s' "$dir/$name"
      return 0
    fi
  done
  return 1
}

# --- Postgres -------------------------------------------------------------------------------
pg_host="$(url_host "$database_url")"
pg_port="$(url_port "$database_url" 5432)"
pg_db="${database_url##*/}"
pg_db="${pg_db%%\?*}"
admin_url="${database_url%/*}/postgres"

pg_answers() { psql "$admin_url" -Atqc 'select 1' >/dev/null 2>&1; }

start_postgres() {
  # A Debian cluster configured for this port (this machine's own server) comes first.
  if command -v pg_lsclusters >/dev/null 2>&1; then
    local cluster
    cluster="$(pg_lsclusters -h 2>/dev/null | awk -v p="$pg_port" '$3 == p { print $1 " " $2; exit }')"
    if [ -n "$cluster" ]; then
      say "starting PostgreSQL cluster ${cluster} (pg_ctlcluster)"
      # shellcheck disable=SC2086
      pg_ctlcluster --skip-systemctl-redirect $cluster start
      return 0
    fi
  fi
  local initdb pg_ctl data="$local_dir/postgres"
  initdb="$(find_pg_bin initdb)" || fail "PostgreSQL does not answer at ${pg_host}:${pg_port} and is not installed (apt-get install postgresql, or docker compose up -d postgres)"
  pg_ctl="$(find_pg_bin pg_ctl)" || fail "pg_ctl not found next to ${initdb}"
  [ "$(id -u)" != "0" ] || fail "PostgreSQL does not answer at ${pg_host}:${pg_port}; initdb will not run as root: start it as another user, or create a Debian cluster (pg_createcluster)"
  mkdir -p "$local_dir"
  if [ ! -f "$data/PG_VERSION" ]; then
    say "initdb ${data}"
    "$initdb" -D "$data" -U postgres --auth=trust -E UTF8 >"$local_dir/postgres-initdb.log" 2>&1 ||
      fail "initdb failed, see $local_dir/postgres-initdb.log"
  fi
  say "starting PostgreSQL from ${data} on port ${pg_port}"
  "$pg_ctl" -D "$data" -l "$local_dir/postgres.log" -w \
    -o "-p ${pg_port} -c listen_addresses=127.0.0.1 -k ${data}" start >/dev/null ||
    fail "pg_ctl start failed, see $local_dir/postgres.log"
}

command -v psql >/dev/null 2>&1 || fail "psql is not installed (apt-get install postgresql-client)"
if ! pg_answers; then
  is_local "$pg_host" || fail "PostgreSQL does not answer at ${pg_host}:${pg_port} (DATABASE_URL), and it is not local, so not starting it"
  start_postgres
  wait_for pg_answers || fail "PostgreSQL did not answer at ${pg_host}:${pg_port} within ${wait_seconds}s"
fi
if [ "$(psql "$admin_url" -Atqc "select 1 from pg_database where datname = '${pg_db}'")" != "1" ]; then
  say "creating database ${pg_db}"
  psql "$admin_url" -qc "CREATE DATABASE \"${pg_db}\"" >/dev/null
fi

# --- Redis ----------------------------------------------------------------------------------
redis_host="$(url_host "$redis_url")"
redis_port="$(url_port "$redis_url" 6379)"

redis_answers() {
  local reply
  { exec 3<>"/dev/tcp/${redis_host}/${redis_port}"; } 2>/dev/null || return 1
  printf 'PING\r\n' >&3
  IFS= read -r -t 2 reply <&3 || reply=""
  exec 3<&- 3>&-
  [[ "$reply" == "+PONG"* || "$reply" == "-NOAUTH"* ]]
}

if ! redis_answers; then
  is_local "$redis_host" || fail "Redis does not answer at ${redis_host}:${redis_port} (REDIS_URL), and it is not local, so not starting it"
  command -v redis-server >/dev/null 2>&1 || fail "Redis does not answer at ${redis_host}:${redis_port} and redis-server is not installed (apt-get install redis-server, or docker compose up -d redis)"
  mkdir -p "$local_dir/redis"
  say "starting redis-server on port ${redis_port} (${local_dir}/redis)"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" --save "" --appendonly no \
    --dir "$local_dir/redis" --logfile "$local_dir/redis/redis.log" --pidfile "$local_dir/redis/redis.pid" >/dev/null
  wait_for redis_answers || fail "Redis did not answer at ${redis_host}:${redis_port} within ${wait_seconds}s, see ${local_dir}/redis/redis.log"
fi

# --- NATS -----------------------------------------------------------------------------------
nats_host="$(url_host "$nats_url")"
nats_port="$(url_port "$nats_url" 4222)"

# The server speaks first: its INFO line says whether JetStream is on.
nats_info() {
  local line
  { exec 3<>"/dev/tcp/${nats_host}/${nats_port}"; } 2>/dev/null || return 1
  IFS= read -r -t 2 line <&3 || line=""
  exec 3<&- 3>&-
  printf '%s' "$line"
}
nats_answers() { [[ "$(nats_info)" == INFO* ]]; }

if ! nats_answers; then
  is_local "$nats_host" || fail "NATS does not answer at ${nats_host}:${nats_port} (NATS_URL), and it is not local, so not starting it"
  command -v nats-server >/dev/null 2>&1 || fail "NATS does not answer at ${nats_host}:${nats_port} and nats-server is not installed (apt-get install nats-server, or docker compose up -d nats)"
  mkdir -p "$local_dir/nats"
  say "starting nats-server -js on port ${nats_port} (${local_dir}/nats)"
  setsid nohup nats-server -a 127.0.0.1 -p "$nats_port" -js -sd "$local_dir/nats" \
    -l "$local_dir/nats/nats.log" -P "$local_dir/nats/nats.pid" </dev/null >/dev/null 2>&1 &
  wait_for nats_answers || fail "NATS did not answer at ${nats_host}:${nats_port} within ${wait_seconds}s, see ${local_dir}/nats/nats.log"
fi
if [[ "$(nats_info)" != *'"jetstream":true'* ]]; then
  fail "NATS at ${nats_host}:${nats_port} answers but JetStream is off (restart it with -js)"
fi

say "postgres ${pg_host}:${pg_port}/${pg_db}, nats ${nats_host}:${nats_port}, redis ${redis_host}:${redis_port}: ok"
