#!/usr/bin/env bash
# `npm test`: unit tests, then the integration and end-to-end tiers against real Kafka and a real
# store (started by the jest global set-up unless KAFKA_BROKERS / MONGODB_URI are set). Ends with
# one summary line over all tiers.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/dev/ensure-deps.sh
export NX_DAEMON=false NX_TUI=false
OUTPUT="$(mktemp)"
trap 'rm -f "$OUTPUT"' EXIT

summarise() {
  sed 's/\x1b\[[0-9;]*m//g' "$OUTPUT" | awk '
    /Tests:/ { for (i = 1; i < NF; i++) { if ($(i + 1) ~ /^passed/) p += $i; if ($(i + 1) ~ /^failed/) f += $i } }
    END { printf "tests: %d passed, %d failed\n", p, f }'
}

status=0
npx nx run-many -t test --output-style=stream --skip-nx-cache 2>&1 | tee -a "$OUTPUT" || status=$?
if [ "$status" -eq 0 ]; then
  npx nx run-many -t test:int --parallel=1 --output-style=stream 2>&1 | tee -a "$OUTPUT" || status=$?
fi
if [ "$status" -eq 0 ]; then
  npx nx run-many -t e2e --parallel=1 --output-style=stream 2>&1 | tee -a "$OUTPUT" || status=$?
fi
# The fault-injection suite is not part of `npm test` yet: the store-restart bug behind its last
# two kinds of failure is fixed, but one short run since ended with an identity replica whose store
# driver never found the store again (docs/faults.md; issue 9 stays open until short runs pass
# reliably). Run it with `npm run test:faults` (TESSERA_FAULTS_PROFILE=short for 2,500 calls).
summarise
exit "$status"
