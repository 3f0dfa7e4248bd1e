#!/usr/bin/env bash
# `npm test`: everything CI checks, from a fresh clone. Installs the real services the tests use
# (Debian packages when root), builds, typechecks, checks the dependency rule, and runs every Jest
# project (unit, integration, e2e). Prints a one-line summary at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)

bash scripts/system-packages.sh
bash scripts/node-packages.sh
npm run --silent build
npm run --silent typecheck
npm run --silent lint:deps

bash scripts/container-engine.sh up "$$"; trap 'bash scripts/container-engine.sh down "$$"' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM
eval "$(bash scripts/container-engine.sh env)"
mkdir -p .tmp
results=.tmp/jest-results.json
rm -f "$results"
set +e
# Integration and e2e suites start real processes (redis-server, janus, chromium) on 2 cores: run
# files two at a time so timing bounds in the tests hold.
npx jest --ci --maxWorkers=2 --json --outputFile="$results" "$@"
status=$?
# The real-KMS suite: installs and starts the KMS of ../shared/kms (or $KMS_DIR) on this host; never skipped.
node scripts/real-kms-suite.mjs || status=1
bash scripts/unit-tests-node24.sh || status=1
set -e

if [ -f "$results" ]; then
  node -e '
    const r = require(process.argv[1]);
    const secs = Math.round(Date.now() / 1000) - Number(process.argv[2]);
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped; suites: ${r.numPassedTestSuites}/${r.numTotalTestSuites}; ${secs} s`);
  ' "$PWD/$results" "$started"
fi
exit "$status"
