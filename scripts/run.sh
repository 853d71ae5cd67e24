#!/usr/bin/env bash
# Quick start: install what is missing, build, and start Chorus on the bundled model.
#
#   scripts/run.sh           chat with the bot: `chorus serve` on the bundled model, with the
#                            simulator playing WhatsApp and a fake Graph API showing the replies
#   scripts/run.sh serve     only `chorus serve` on 127.0.0.1:8080 with development secrets
#                            (written once to .chorus/dev.env, mode 600), for Meta or `chorus simulate`
#   extra arguments go to the chosen command
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
swift build -c release --product chorus
mode="${1:-chat}"
[ $# -gt 0 ] && shift
case "$mode" in
  chat)
    exec .build/release/chorus simulate chat "$@"
    ;;
  serve)
    mkdir -p .chorus
    if [ ! -f .chorus/dev.env ]; then
      umask 077
      {
        for p in MESSENGER INSTAGRAM WHATSAPP; do
          echo "CHORUS_${p}_APP_SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
          echo "CHORUS_${p}_VERIFY_TOKEN=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
          echo "CHORUS_${p}_ACCESS_TOKEN=dev-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
        done
      } > .chorus/dev.env
      echo "wrote development secrets to .chorus/dev.env (mode 600)" >&2
    fi
    set -a; . .chorus/dev.env; set +a
    exec .build/release/chorus serve --database .chorus/queue.sqlite "$@"
    ;;
  *)
    echo "usage: scripts/run.sh [chat|serve] [arguments]" >&2
    exit 2
    ;;
esac
