#!/bin/sh
# Starts one Tessera service of the image: the one named as the first argument, else the one in
# TESSERA_SERVICE (baked in from the build arg SERVICE; a Deployment or compose file may set it).
# Remaining arguments go to the service. `exec` makes node PID 1, so SIGTERM from Kubernetes or
# `docker stop` reaches the service itself, which shuts down gracefully (SHUTDOWN_TIMEOUT_MS).
# The services start no child processes, so PID 1 has no zombies to reap and needs no init.
#
# Usage: entrypoint.sh [ingestion|identity|enrichment|activation] [args...]
set -eu

app_root=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)

services() {
  for main in "$app_root"/apps/*/src/main.js; do
    [ -f "$main" ] || continue
    service=${main%/src/main.js}
    printf ' %s' "${service##*/}"
  done
}

fail() {
  printf 'tessera: %s; the image runs one of:%s\n' "$1" "$(services)" >&2
  printf 'usage: %s <service>, or set TESSERA_SERVICE\n' "$0" >&2
  exit 64
}

service=${TESSERA_SERVICE:-}
if [ $# -gt 0 ]; then
  service=$1
  shift
fi

case $service in
  '') fail 'no service named' ;;
  *[!a-z-]*) fail "\"$service\" is not a service name" ;;
esac

main="$app_root/apps/$service/src/main.js"
[ -f "$main" ] || fail "no service \"$service\""

exec node --enable-source-maps "$main" "$@"
