#!/usr/bin/env bash
# The test suite, from a fresh clone: installs the Debian libraries it needs, then `swift test`.
# Usage: scripts/test.sh [extra swift test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# Keep the OpenBLAS kernel the environment chose (older OpenBLAS builds misbehave on newer CPUs).
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
exec swift test "$@"
