#!/usr/bin/env bash
# Quick start: install what is missing, build, and start `chorus serve` on the bundled defaults.
# Usage: scripts/run.sh [extra `chorus serve` arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
swift build -c release --product chorus
mkdir -p .chorus
if [ ! -f .chorus/dev.env ]; then
  umask 077
  {
    for p in MESSENGER INSTAGRAM WHATSAPP; do
      echo "CHORUS_${p}_APP_SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
      echo "CHORUS_${p}_VERIFY_TOKEN=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    done
  } > .chorus/dev.env
  echo "wrote development secrets to .chorus/dev.env (mode 600)" >&2
fi
set -a; . .chorus/dev.env; set +a
exec .build/release/chorus serve --database .chorus/queue.sqlite "$@"
