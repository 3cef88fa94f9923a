#!/usr/bin/env bash
# Chromium for the browser tests (driven by playwright-core at /usr/bin/chromium): installed from
# Debian's apt when missing, as tools/infra/up.sh installs redis-server. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."

CHROMIUM=/usr/bin/chromium
if [[ -x "$CHROMIUM" ]]; then
  echo "chromium ready ($("$CHROMIUM" --version 2>/dev/null | head -n 1))"
  exit 0
fi
command -v apt-get >/dev/null 2>&1 || { echo "chromium is missing and apt-get is not available: install Chromium at $CHROMIUM" >&2; exit 1; }
sudo=()
if ((EUID != 0)); then
  command -v sudo >/dev/null 2>&1 || { echo "installing chromium needs root (or sudo)" >&2; exit 1; }
  sudo=(sudo -n)
fi
mkdir -p .data
out=.data/apt-chromium.log
echo "chromium not found; installing Debian's chromium ..."
if ! { "${sudo[@]}" apt-get update && DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends chromium; } >"$out" 2>&1; then
  tail -n 30 "$out" >&2
  echo "installing chromium with apt-get failed (output above)" >&2
  exit 1
fi
echo "chromium ready ($("$CHROMIUM" --version 2>/dev/null | head -n 1))"
