#!/usr/bin/env bash
# The test suite, from a fresh clone: installs the Debian packages it needs, starts a private
# PostgreSQL on loopback for the queue tests (unless CHORUS_TEST_POSTGRES_URL is already set),
# runs `swift test`, and stops and removes the cluster on exit.
# Usage: scripts/test.sh [extra swift test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Keep the OpenBLAS kernel the environment chose (older OpenBLAS builds misbehave on newer CPUs).
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
if [ -z "${CHORUS_TEST_POSTGRES_URL:-}" ]; then
  CHORUS_PG_DIR="$(mktemp -d /tmp/chorus-pg-test.XXXXXX)"
  export CHORUS_PG_DIR
  trap 'scripts/postgres.sh stop' EXIT
  CHORUS_TEST_POSTGRES_URL="$(scripts/postgres.sh start)"
  export CHORUS_TEST_POSTGRES_URL
  echo "PostgreSQL for the queue tests: $(sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#' <<<"$CHORUS_TEST_POSTGRES_URL")" >&2
fi
swift test "$@"
