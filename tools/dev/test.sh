#!/usr/bin/env bash
# `npm test`: unit tests, then the integration and end-to-end tiers against real Kafka and a real
# store (started by the jest global set-up unless KAFKA_BROKERS / MONGODB_URI are set).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/dev/ensure-deps.sh
export NX_DAEMON=false NX_TUI=false
npx nx run-many -t test --output-style=stream --skip-nx-cache
npx nx run-many -t test:int --parallel=1 --output-style=stream
npx nx run-many -t e2e --parallel=1 --output-style=stream
