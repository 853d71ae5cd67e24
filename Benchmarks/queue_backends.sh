#!/usr/bin/env bash
# Ingest on each queue backend: the same `chorus serve --ingress-only` (release) on a fresh SQLite
# file and on a private PostgreSQL with its durable defaults (fsync on, synchronous_commit on),
# the same load generator (`chorus bench ingest --port`), one after the other in one run.
# Usage: Benchmarks/queue_backends.sh [--messages N] [--connections N ...]   (CHORUS_BIN skips the build)
set -euo pipefail
cd "$(dirname "$0")/.."
messages=10000; connections=()
while [ $# -gt 0 ]; do
  case "$1" in
    --messages) messages="$2"; shift 2 ;;
    --connections) connections+=(--connections "$2"); shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ ${#connections[@]} -gt 0 ] || connections=(--connections 1 --connections 16 --connections 64)
if [ -z "${CHORUS_BIN:-}" ]; then swift build -c release --product chorus >/dev/null; fi
chorus="${CHORUS_BIN:-.build/release/chorus}"
work=$(mktemp -d)
chmod 711 "$work"  # the cluster runs as the postgres user under root: it must reach its folder
export CHORUS_PG_DIR="$work/pg" CHORUS_PG_DURABLE=1
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; scripts/postgres.sh stop; rm -rf "$work"' EXIT
url=$(scripts/postgres.sh start)
export CHORUS_WHATSAPP_APP_SECRET=bench-app-secret CHORUS_WHATSAPP_VERIFY_TOKEN=v CHORUS_WHATSAPP_ACCESS_TOKEN=t

run() {  # run NAME DATABASE
  local port=$((20000 + RANDOM % 20000))
  "$chorus" serve --ingress-only --platform whatsapp --host 127.0.0.1 --port "$port" --database "$2" --log-level warning &
  server=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  echo "== $1 =="
  "$chorus" bench ingest --port "$port" --platform whatsapp --messages "$messages" "${connections[@]}"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}
run "SQLite (WAL, synchronous=FULL, group commit)" "$work/queue.sqlite"
run "PostgreSQL $("$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/postgres" --version | awk '{print $3}') (fsync on, one transaction per body, pool 10)" "$url"
