#!/usr/bin/env bash
# A private PostgreSQL cluster on loopback, for the tests and for developers.
#
#   scripts/postgres.sh start   # initdb in a temporary folder, start on a free port, print the URL
#   scripts/postgres.sh url     # print the URL of the running cluster
#   scripts/postgres.sh stop    # stop it and delete its folder
#
# The cluster's folder is $CHORUS_PG_DIR (default /tmp/chorus-pg-<uid>); its URL is written to
# $CHORUS_PG_DIR/url (user chorus, a random password, database chorus). PostgreSQL refuses to run
# as root, so under root the cluster belongs to the `postgres` user that Debian's package creates.
# Throwaway settings: fsync off (tests only; CHORUS_PG_DURABLE=1 keeps PostgreSQL's durable
# defaults, for benchmarks), 300 connections (tests run in parallel).
set -euo pipefail

dir="${CHORUS_PG_DIR:-/tmp/chorus-pg-$(id -u)}"

bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return; fi
  local newest
  newest=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$newest" ] && [ -x "$newest/initdb" ] || { echo "no PostgreSQL server binaries: run scripts/install-deps.sh (package postgresql)" >&2; exit 1; }
  echo "$newest"
}

# Runs a command as the cluster's owner (postgres under root, else the caller).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  local port
  for port in $(seq 55432 55532); do
    (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null || { echo "$port"; return; }
  done
  echo "no free port in 55432-55532" >&2; exit 1
}

start() {
  if [ -f "$dir/url" ] && as_owner "$(bindir)/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    cat "$dir/url"; return
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  local bin port password
  local fast="-c fsync=off -c full_page_writes=off"
  [ "${CHORUS_PG_DURABLE:-0}" = 1 ] && fast=""
  bin=$(bindir)
  port=$(free_port)
  password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  chmod 700 "$dir"
  printf '%s\n' "$password" > "$dir/pwfile"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir/pwfile"
  as_owner "$bin/initdb" -D "$dir/data" -U chorus --pwfile="$dir/pwfile" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  rm -f "$dir/pwfile"
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 $fast" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  PGPASSWORD="$password" "$bin/psql" -q -h 127.0.0.1 -p "$port" -U chorus -d postgres -c "CREATE DATABASE chorus" >/dev/null
  local url="postgres://chorus:$password@127.0.0.1:$port/chorus?sslmode=disable"
  printf '%s\n' "$url" > "$dir/url"
  chmod 600 "$dir/url"
  echo "$url"
}

stop() {
  [ -d "$dir" ] || return 0
  if [ -d "$dir/data" ]; then as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) [ -f "$dir/url" ] && cat "$dir/url" || { echo "no cluster running in $dir: scripts/postgres.sh start" >&2; exit 1; } ;;
  *) echo "usage: $0 start|url|stop" >&2; exit 2 ;;
esac
