#!/usr/bin/env bash
# The whole test suite, as README and CI run it: real Kafka and Redis first, then lint, typecheck,
# unit, integration and end-to-end tests. Ends with one summary line: "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { printf '\n== %s\n' "$1"; }

step "infrastructure (Kafka, Redis)"
bash tools/infra/up.sh

step "lint"
npm run --silent lint  # computes the Nx project graph first: module-boundary rules need it

step "typecheck"
npx tsc -p tsconfig.json --noEmit

step "tests (unit, integration, end-to-end)"
mkdir -p .cache
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.cache/test-results.json || status=$?
node tools/test/summary.js .cache/test-results.json
exit "$status"
