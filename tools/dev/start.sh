#!/usr/bin/env bash
# `npm start`: installs what is missing, starts Kafka and the store (unless KAFKA_BROKERS /
# MONGODB_URI point elsewhere), then the four services in the foreground. Ctrl-C (or SIGTERM)
# stops the services gracefully; the infrastructure keeps running (`npm run infra -- down`).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tools/dev/ensure-deps.sh
bash tools/infra/infra.sh up

export SWC_NODE_PROJECT=tsconfig.base.json
# Local defaults for the secrets ingestion requires; set your own outside a laptop.
export ADMIN_TOKEN="${ADMIN_TOKEN:-tessera-local-admin-token}"
export WRITE_KEY_PEPPER="${WRITE_KEY_PEPPER:-tessera-local-write-key-pepper}"
export PRIVACY_HASH_KEY="${PRIVACY_HASH_KEY:-tessera-local-privacy-hash-key}"
# On a laptop, webhooks may reach receivers on this machine (refused by default, as SSRF).
export WEBHOOK_ALLOWLIST="${WEBHOOK_ALLOWLIST:-127.0.0.1/32,::1/128}"
LOG_DIR="${TESSERA_LOG_DIR:-$PWD/tmp/logs}"
mkdir -p "$LOG_DIR"
declare -A PORTS=([ingestion]="${INGESTION_PORT:-8080}" [identity]="${IDENTITY_PORT:-8081}" \
  [enrichment]="${ENRICHMENT_PORT:-8082}" [activation]="${ACTIVATION_PORT:-8083}")
SERVICES=(ingestion identity enrichment activation)
PIDS=()

stop_all() {
  trap - INT TERM
  echo "==> stopping services"
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait "${PIDS[@]}" 2>/dev/null || true
  exit 0
}
trap stop_all INT TERM

for service in "${SERVICES[@]}"; do
  PORT="${PORTS[$service]}" node -r @swc-node/register "apps/$service/src/main.ts" \
    >"$LOG_DIR/$service.log" 2>&1 &
  PIDS+=("$!")
done

for i in "${!SERVICES[@]}"; do
  service="${SERVICES[$i]}"
  url="http://127.0.0.1:${PORTS[$service]}"
  for _ in $(seq 1 120); do
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
      echo "!! $service exited; last log lines:"; tail -n 30 "$LOG_DIR/$service.log"; stop_all
    fi
    curl -fsS "$url/health/ready" >/dev/null 2>&1 && break
    sleep 1
  done
  if curl -fsS "$url/health/ready" >/dev/null 2>&1; then
    echo "==> $service ready at $url  (log: $LOG_DIR/$service.log)"
  else
    echo "!! $service not ready after 120 s: $(curl -sS "$url/health/ready" 2>&1 || true)"
  fi
done
echo "==> admin API token: $ADMIN_TOKEN  (create a source: curl -XPOST -H \"authorization: Bearer $ADMIN_TOKEN\" -H 'content-type: application/json' -d '{\"name\":\"web\"}' http://127.0.0.1:${PORTS[ingestion]}/admin/sources)"
echo "==> Tessera is running. Ctrl-C stops the services; 'npm run infra -- down' stops Kafka and the store."
wait "${PIDS[@]}"
