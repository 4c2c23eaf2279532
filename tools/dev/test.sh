#!/usr/bin/env bash
# `npm test`: unit tests, then the integration and end-to-end tiers against real Kafka and a real
# store (started by the jest global set-up unless KAFKA_BROKERS / MONGODB_URI are set), then the
# short fault-injection suite (it restarts that local Kafka and store). Ends with one summary line
# over all tiers.
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
# The fault-injection suite, short version (2,500 calls); `npm run test:faults` runs the full one
# (20,000). It stops and starts the broker and the store, so it runs only against tools/infra's own.
LOCAL_KAFKA="127.0.0.1:${KAFKA_PORT:-9092}"
if [ "$status" -eq 0 ] && [ -n "${KAFKA_BROKERS:-}" ] && [ "$KAFKA_BROKERS" != "$LOCAL_KAFKA" ]; then
  echo "fault suite not run: it restarts the broker and the store, which it can do only for" \
    "tools/infra's own ($LOCAL_KAFKA), and KAFKA_BROKERS=$KAFKA_BROKERS" | tee -a "$OUTPUT"
elif [ "$status" -eq 0 ]; then
  TESSERA_FAULTS_PROFILE="${TESSERA_FAULTS_PROFILE:-short}" npx nx run faults-suite:faults \
    --output-style=stream 2>&1 | tee -a "$OUTPUT" || status=$?
fi
summarise
exit "$status"
