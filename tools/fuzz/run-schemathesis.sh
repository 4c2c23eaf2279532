#!/usr/bin/env bash
# Fuzzes the ingestion API with Schemathesis against docs/openapi.json, as the service serves it.
#
# Starts one ingestion service from source on a free port with its own topics and database, creates
# a source for its write key, then runs `st run` twice: the collection API and the operational
# endpoints first, the admin API second (its stateful tests disable sources and rotate keys, which
# would leave the collection API answering only 401). Fails when Schemathesis finds a failure.
# Stops the service and drops its run's topics, consumer groups and database, nothing else.
#
# Environment: KAFKA_BROKERS, MONGODB_URI (default: the local infra), TESSERA_FUZZ_MAX_EXAMPLES
# (default 100), TESSERA_FUZZ_SEED (default 20260301), TESSERA_FUZZ_VENV, TESSERA_FUZZ_REPORT_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"

SCHEMATHESIS_VERSION=4.32.5
VENV="${TESSERA_FUZZ_VENV:-$HOME/.cache/tessera-infra/fuzz-venv}"
MAX_EXAMPLES="${TESSERA_FUZZ_MAX_EXAMPLES:-100}"
SEED="${TESSERA_FUZZ_SEED:-20260301}"
RUN_ID="$(node -e "process.stdout.write(require('node:crypto').randomBytes(4).toString('hex'))")"
REPORT_DIR="${TESSERA_FUZZ_REPORT_DIR:-$ROOT/tmp/fuzz/$RUN_ID}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
export MONGODB_URI="${MONGODB_URI:-mongodb://127.0.0.1:27017/}"

log() { echo "==> fuzz: $*"; }

ensure_venv() {
  if [ "$("$VENV/bin/st" --version 2>/dev/null)" = "st, version $SCHEMATHESIS_VERSION" ]; then return; fi
  local python
  python="$(command -v python3.11 || command -v python3)"
  log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV ($("$python" --version))"
  rm -rf "$VENV"
  "$python" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
}

free_port() {
  node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });"
}

random_secret() {
  node -e "process.stdout.write(require('node:crypto').randomBytes(24).toString('hex'))"
}

ensure_venv
mkdir -p "$REPORT_DIR"
PORT="$(free_port)"
BASE_URL="http://127.0.0.1:$PORT"
ADMIN_TOKEN="$(random_secret)"
TOPIC_SUFFIX="fuzz-$RUN_ID"
DATABASE="tessera_fuzz_$RUN_ID"
SERVICE_LOG="$REPORT_DIR/ingestion.log"
SERVICE_PID=""

stop_service() {
  local status=$?
  if [ -n "$SERVICE_PID" ] && kill -0 "$SERVICE_PID" 2>/dev/null; then
    log "stopping the service (pid $SERVICE_PID)"
    kill -TERM "$SERVICE_PID"
    for _ in $(seq 1 60); do kill -0 "$SERVICE_PID" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$SERVICE_PID" 2>/dev/null && kill -KILL "$SERVICE_PID"
  fi
  node tools/fuzz/drop-run-data.mjs "$TOPIC_SUFFIX" "$DATABASE" ||
    log "could not drop topics *.$TOPIC_SUFFIX and database $DATABASE"
  exit "$status"
}
trap stop_service EXIT

log "starting ingestion on $BASE_URL (topics *.$TOPIC_SUFFIX, database $DATABASE, log $SERVICE_LOG)"
PORT="$PORT" HTTP_HOST=127.0.0.1 ADMIN_TOKEN="$ADMIN_TOKEN" WRITE_KEY_PEPPER="$(random_secret)" PRIVACY_HASH_KEY="$(random_secret)" \
  TESSERA_TOPIC_SUFFIX="$TOPIC_SUFFIX" MONGODB_DATABASE="$DATABASE" KAFKA_TOPIC_PARTITIONS=1 \
  LOG_LEVEL=warn SWC_NODE_PROJECT=tsconfig.base.json \
  node -r @swc-node/register apps/ingestion/src/main.ts >"$SERVICE_LOG" 2>&1 &
SERVICE_PID=$!

for attempt in $(seq 1 120); do
  if ! kill -0 "$SERVICE_PID" 2>/dev/null; then
    tail -n 40 "$SERVICE_LOG"
    log "the service exited before it was ready"
    exit 1
  fi
  curl -fsS "$BASE_URL/health/ready" >/dev/null 2>&1 && break
  [ "$attempt" -eq 120 ] && { tail -n 40 "$SERVICE_LOG"; log "not ready within 60 s"; exit 1; }
  sleep 0.5
done

WRITE_KEY="$(
  curl -fsS -X POST "$BASE_URL/admin/sources" \
    -H "authorization: Bearer $ADMIN_TOKEN" -H 'content-type: application/json' \
    -d "{\"name\":\"schemathesis $RUN_ID\"}" |
    node -e "let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => process.stdout.write(JSON.parse(s).writeKey));"
)"
export TESSERA_FUZZ_WRITE_KEY="$WRITE_KEY" TESSERA_FUZZ_ADMIN_TOKEN="$ADMIN_TOKEN"

# Workers stay at 1: parallel workers trip CPython 3.11's "AST constructor recursion depth mismatch".
# unsupported_method is left out: the service answers an undeclared method with 404, not 405.
st_run() {
  local name="$1"
  shift
  log "schemathesis $SCHEMATHESIS_VERSION: $name (max examples $MAX_EXAMPLES, seed $SEED)"
  (cd "$REPORT_DIR" && "$VENV/bin/st" --config-file "$ROOT/tools/fuzz/schemathesis.toml" run \
    "$BASE_URL/openapi.json" \
    --workers 1 --max-examples "$MAX_EXAMPLES" --seed "$SEED" --generation-database none \
    --exclude-checks unsupported_method \
    --report junit --report-junit-path "$REPORT_DIR/$name.junit.xml" \
    --no-color "$@")
}

status=0
st_run collection --exclude-path-regex '^/admin/' || status=1
st_run admin --include-path-regex '^/admin/' || status=1
if grep -aq '"level":50' "$SERVICE_LOG"; then
  log "errors the service logged (full log: $SERVICE_LOG):"
  grep -a '"level":50' "$SERVICE_LOG" | sed 's/.*"msg"://' | cut -c1-300 | sort | uniq -c | sort -rn |
    head -n 20
fi
[ "$status" -eq 0 ] && log "no failures" || log "schemathesis found failures (reports: $REPORT_DIR)"
exit "$status"
