#!/usr/bin/env bash
# Ingest benchmark: chorus serve (release) against the pywa + FastAPI peer, same load generator,
# same machine, same run. Prints both tables; --json for machine-readable lines.
# Usage: Benchmarks/ingest.sh [--messages N] [--json]
set -euo pipefail
cd "$(dirname "$0")/.."
messages=20000; json=""
while [ $# -gt 0 ]; do
  case "$1" in
    --messages) messages="$2"; shift 2 ;;
    --json) json="--json"; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
swift build -c release --product chorus >/dev/null
chorus=.build/release/chorus

echo "== chorus serve (200 after the commit), WhatsApp and Messenger =="
"$chorus" bench ingest --messages "$messages" $json

echo "== pywa $(python3 -c 'import pywa; print(pywa.__version__)') + FastAPI + uvicorn (200 before the handler), WhatsApp =="
python3 -c 'import pywa, fastapi, uvicorn' 2>/dev/null || pip install -q pywa fastapi uvicorn
peer_dir=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
secret=bench-app-secret
PEER_DB="$peer_dir/peer.sqlite" PEER_APP_SECRET=$secret python3 -m uvicorn --app-dir Benchmarks ingest_peer_pywa:app \
  --host 127.0.0.1 --port "$port" --log-level warning &
peer=$!
trap 'kill $peer 2>/dev/null; rm -rf "$peer_dir"' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/webhooks/whatsapp" && break; sleep 0.2; done
CHORUS_WHATSAPP_APP_SECRET=$secret "$chorus" bench ingest --port "$port" --platform whatsapp --messages "$messages" $json
sleep 2
echo "peer rows stored: $(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from message').fetchone()[0])" "$peer_dir/peer.sqlite")"
echo "peer peak RSS MB: $(awk '/VmHWM/ {printf "%.1f", $2/1024}' /proc/$peer/status)"
