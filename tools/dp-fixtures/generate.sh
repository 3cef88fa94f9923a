#!/usr/bin/env bash
# Regenerates libs/dp/fixtures/*.json from Google's dp_accounting and mpmath (PyPI).
# Uses a throwaway virtualenv under .cache/ so nothing is installed system-wide.
# Usage: bash tools/dp-fixtures/generate.sh            (all fixtures, several minutes)
#        DP_FIXTURES_ONLY=pld,wor bash tools/dp-fixtures/generate.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv="$root/.cache/dp-fixtures-venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'dp-accounting==0.6.0' 'mpmath==1.4.1'
fi
exec "$venv/bin/python" "$root/tools/dp-fixtures/generate.py" "$root/libs/dp/fixtures"
