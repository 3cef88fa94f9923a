#!/usr/bin/env bash
# The whole test suite, as README and CI run it: real Kafka and Redis first, then lint, typecheck,
# unit, integration and end-to-end tests. Ends with one summary line: "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/../.."

step() { printf '\n== %s\n' "$1"; }

step "infrastructure (Kafka, Redis)"
bash tools/infra/up.sh

step "chromium (browser tests)"
bash tools/test/ensure-chromium.sh

step "models and data sets (cached, SHA-256 pinned)"
npm run --silent setup:models
npm run --silent setup:data

step "lint"
npm run --silent lint  # computes the Nx project graph first: module-boundary rules need it

step "typecheck"
npx tsc -p tsconfig.json --noEmit

# One project at a time: end-to-end tests start many processes and reset Cohort's topics, so
# they must not share the two cores or the broker with the other suites.
mkdir -p .cache/test-results
rm -f .cache/test-results/*.json
status=0
for project in unit int e2e; do
  step "tests: $project"
  npx vitest run --project "$project" --reporter=default --reporter=json \
    --outputFile.json=".cache/test-results/$project.json" || status=$?
done
node tools/test/summary.js .cache/test-results/unit.json .cache/test-results/int.json .cache/test-results/e2e.json
exit "$status"
