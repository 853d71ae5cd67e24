#!/usr/bin/env bash
# Installs the Debian packages Chorus builds against, if any is missing (needs root or sudo).
set -euo pipefail
# postgresql: the server the queue tests start privately (scripts/postgres.sh); not needed to run Chorus on SQLite.
packages=(libsqlite3-dev libssl-dev libcurl4-openssl-dev libopenblas-dev libjpeg62-turbo-dev libpng-dev pkg-config postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
