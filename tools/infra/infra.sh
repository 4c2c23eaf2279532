#!/usr/bin/env bash
# Local infrastructure for Tessera without Docker:
#   - Apache Kafka (single-node KRaft, broker+controller) from Maven Central jars
#   - FerretDB v1 (MongoDB wire protocol, SQLite backend), embedded in a tiny Go binary
#
# Usage: tools/infra/infra.sh up|down|status|logs [kafka|ferretdb|mongo] [-f]
# See tools/infra/README.md.
set -euo pipefail

# ----------------------------------------------------------------------------- configuration
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INFRA_HOME="${TESSERA_INFRA_HOME:-$HOME/.cache/tessera-infra}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
MONGO_PORT="${MONGO_PORT:-27017}"
HOST=127.0.0.1
READY_TIMEOUT="${TESSERA_INFRA_READY_TIMEOUT:-120}"
STOP_TIMEOUT="${TESSERA_INFRA_STOP_TIMEOUT:-30}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms128m -Xmx512m}"
MAVEN_REPO_LOCAL="${TESSERA_INFRA_M2:-$INFRA_HOME/m2}"
FERRETDB_LOG_LEVEL="${FERRETDB_LOG_LEVEL:-error}"

KAFKA_SRC="$SCRIPT_DIR/kafka"
FERRET_SRC="$SCRIPT_DIR/ferretdb"
PROBE="$SCRIPT_DIR/probe.mjs"

KAFKA_HOME="$INFRA_HOME/kafka"
KAFKA_LIBS="$KAFKA_HOME/libs"
KAFKA_DATA="$KAFKA_HOME/data"
KAFKA_CONF="$KAFKA_HOME/server.properties"
FERRET_HOME="$INFRA_HOME/ferretdb"
FERRET_BIN="$FERRET_HOME/tessera-ferretdb"
FERRET_DATA="$FERRET_HOME/data"
RUN_DIR="$INFRA_HOME/run"
LOG_DIR="$INFRA_HOME/logs"

# Markers used to recognise our own processes (guards against pid reuse).
KAFKA_MARKER="-Dtessera.infra=kafka"
FERRET_MARKER="tessera-ferretdb"

# ----------------------------------------------------------------------------- helpers
log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

usage() {
  cat >&2 <<EOF
usage: $(basename "$0") <command> [component]

commands:
  up      [kafka|ferretdb]   install (first time) and start, then wait until ready
  down    [kafka|ferretdb]   stop processes started by this script
  status  [kafka|ferretdb]   print the state of each component
  logs    [kafka|ferretdb] [-f]  print (or follow with -f) the log files

component 'mongo' is an alias for 'ferretdb'. State dir: $INFRA_HOME
EOF
}

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is required but not on PATH ($2)"; }

# Keeps one previous generation of a log that is only appended to (log4j rotates kafka.log itself).
rotate_log() {
  local f=$1
  if [[ -f $f ]] && (($(stat -c %s "$f") > 20 * 1024 * 1024)); then
    mv -f "$f" "$f.1"
  fi
}

hash_files() { cat "$@" | sha256sum | cut -d' ' -f1; }

pid_file() { echo "$RUN_DIR/$1.pid"; }

marker_of() {
  case "$1" in
    kafka) echo "$KAFKA_MARKER" ;;
    ferretdb) echo "$FERRET_MARKER" ;;
  esac
}

port_of() {
  case "$1" in
    kafka) echo "$KAFKA_PORT" ;;
    ferretdb) echo "$MONGO_PORT" ;;
  esac
}

# Prints the pid of our running process for the component, or nothing.
running_pid() {
  local comp=$1 pf pid
  pf=$(pid_file "$comp")
  [[ -f $pf ]] || return 0
  pid=$(tr -dc '0-9' <"$pf")
  [[ -n $pid ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  # Make sure the pid still belongs to the process we started.
  if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$(marker_of "$comp")"; then
    echo "$pid"
  fi
}

# True while our process for the component lives. A process in the middle of exec (the launcher
# shell becoming nohup, nohup becoming the server) can briefly show an empty /proc/<pid>/cmdline,
# so one failed look is not taken as death: it must fail three times, 0.3 s apart.
still_running() {
  local i
  for i in 1 2 3; do
    [[ -n $(running_pid "$1") ]] && return 0
    ((i < 3)) && sleep 0.3
  done
  return 1
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

external() {
  case "$1" in
    kafka) [[ -n ${KAFKA_BROKERS:-} ]] ;;
    ferretdb) [[ -n ${MONGODB_URI:-} ]] ;;
  esac
}

log_files() {
  case "$1" in
    kafka) echo "$LOG_DIR/kafka.log $LOG_DIR/kafka.stdout.log" ;;
    ferretdb) echo "$LOG_DIR/ferretdb.log" ;;
  esac
}

print_log_tail() {
  local f
  for f in $(log_files "$1"); do
    [[ -s $f ]] || continue
    printf '\n----- last lines of %s -----\n' "$f" >&2
    tail -n "${2:-60}" "$f" >&2
  done
}

check_probe_deps() {
  need node "Node.js is needed for readiness probes"
  local out
  if ! out=$(node "$PROBE" deps 2>&1); then
    die "$out"
  fi
}

with_lock() {
  mkdir -p "$INFRA_HOME"
  exec 9>"$INFRA_HOME/.lock"
  if ! flock -w 900 9; then die "could not acquire $INFRA_HOME/.lock"; fi
}

# ----------------------------------------------------------------------------- kafka
kafka_version() {
  sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_SRC/pom.xml" | head -n1
}

kafka_install() {
  local want have=""
  want=$(hash_files "$KAFKA_SRC/pom.xml")
  [[ -f $KAFKA_LIBS/.tessera-marker ]] && have=$(cat "$KAFKA_LIBS/.tessera-marker")
  if [[ $want == "$have" ]] && compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null; then
    return 0
  fi
  need mvn "Maven fetches the Kafka jars"
  need java "Kafka needs a JDK 17+"
  log "kafka: fetching Apache Kafka $(kafka_version) jars from Maven Central into $KAFKA_LIBS (first run only)..."
  local tmp="$KAFKA_HOME/libs.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp" "$MAVEN_REPO_LOCAL"
  # Maven's output is kept aside (Debian's mvn -q still prints stray ANSI codes) and shown on failure.
  if ! mvn -B -q -Dstyle.color=never -f "$KAFKA_SRC/pom.xml" \
    "-Dmaven.repo.local=$MAVEN_REPO_LOCAL" \
    dependency:copy-dependencies -DincludeScope=runtime "-DoutputDirectory=$tmp" >"$KAFKA_HOME/mvn.log" 2>&1; then
    cat "$KAFKA_HOME/mvn.log" >&2
    rm -rf "$tmp"
    die "kafka: mvn dependency:copy-dependencies failed (Maven Central reachable?)"
  fi
  echo "$want" >"$tmp/.tessera-marker"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  log "kafka: $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars installed"
}

kafka_write_config() {
  mkdir -p "$KAFKA_DATA" "$LOG_DIR"
  cat >"$KAFKA_CONF" <<EOF
# Generated by tools/infra/infra.sh on every start; edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DATA

auto.create.topics.enable=true
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
group.initial.rebalance.delay.ms=0

# Small footprint: 2-core machine shared with the test suites.
num.network.threads=2
num.io.threads=4
background.threads=4
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=16777216
log.retention.hours=24
log.segment.bytes=104857600
EOF
}

kafka_java() {
  java -Djava.awt.headless=true -cp "$KAFKA_LIBS/*" "$@"
}

kafka_format() {
  [[ -f $KAFKA_DATA/meta.properties ]] && return 0
  local id_file="$KAFKA_HOME/cluster-id" cid
  if [[ ! -s $id_file ]]; then
    cid=$(kafka_java kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1 | tr -d '[:space:]')
    [[ -n $cid ]] || die "kafka: could not generate a cluster id"
    echo "$cid" >"$id_file"
  fi
  cid=$(cat "$id_file")
  log "kafka: formatting KRaft storage in $KAFKA_DATA (cluster id $cid)"
  kafka_java "-Dlog4j.configuration=file:$KAFKA_SRC/log4j.properties" "-Dkafka.logs.dir=$LOG_DIR" \
    kafka.tools.StorageTool format --ignore-formatted -t "$cid" -c "$KAFKA_CONF" >&2 \
    || die "kafka: storage format failed"
}

kafka_start() {
  kafka_write_config
  kafka_format
  rotate_log "$LOG_DIR/kafka.stdout.log"
  local pf
  pf=$(pid_file kafka)
  log "kafka: starting Kafka $(kafka_version) on $HOST:$KAFKA_PORT (controller $HOST:$KAFKA_CONTROLLER_PORT)"
  # SC2086: KAFKA_HEAP_OPTS is a list of JVM flags; SC2016: $$/$0/$@ expand in the child shell.
  # shellcheck disable=SC2086,SC2016
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pf" \
    nohup java $KAFKA_HEAP_OPTS "$KAFKA_MARKER" \
    -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$KAFKA_SRC/log4j.properties" "-Dkafka.logs.dir=$LOG_DIR" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONF" \
    </dev/null >>"$LOG_DIR/kafka.stdout.log" 2>&1 9>&- &
}

# ----------------------------------------------------------------------------- ferretdb
ferret_install() {
  local want have=""
  want=$(hash_files "$FERRET_SRC/main.go" "$FERRET_SRC/go.mod" "$FERRET_SRC/go.sum" "$FERRET_SRC"/patches/*.patch)
  [[ -f $FERRET_HOME/.build-hash ]] && have=$(cat "$FERRET_HOME/.build-hash")
  if [[ $want == "$have" && -x $FERRET_BIN ]]; then
    return 0
  fi
  need go "Go builds the embedded FerretDB binary"
  log "ferretdb: building FerretDB v1.24.2 (embedded, SQLite backend) into $FERRET_BIN (first run only, ~1-2 min)..."
  mkdir -p "$FERRET_HOME"
  # FerretDB's published module, with our patches (tools/infra/ferretdb/patches), in a build copy
  # of the main module that replaces the module by the patched source.
  local build="$FERRET_HOME/build" upstream patch
  rm -rf "$build" && mkdir -p "$build"
  cp "$FERRET_SRC/main.go" "$FERRET_SRC/go.mod" "$FERRET_SRC/go.sum" "$build/"
  upstream=$(cd "$build" && go mod download -json github.com/FerretDB/FerretDB | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -d $upstream ]] || die "ferretdb: could not download github.com/FerretDB/FerretDB"
  cp -R "$upstream" "$build/FerretDB" && chmod -R u+w "$build/FerretDB"
  for patch in "$FERRET_SRC"/patches/*.patch; do
    patch --quiet -p1 -d "$build/FerretDB" <"$patch" >&2 || die "ferretdb: patch $(basename "$patch") does not apply"
  done
  (cd "$build" && go mod edit -replace github.com/FerretDB/FerretDB=./FerretDB \
    && go build -trimpath -tags ferretdb_no_postgresql -o "$FERRET_BIN.tmp" ./) >&2 \
    || die "ferretdb: go build failed"
  rm -rf "$build"
  mv -f "$FERRET_BIN.tmp" "$FERRET_BIN"
  echo "$want" >"$FERRET_HOME/.build-hash"
  log "ferretdb: built"
}

ferret_start() {
  mkdir -p "$FERRET_DATA" "$LOG_DIR"
  rotate_log "$LOG_DIR/ferretdb.log"
  local pf
  pf=$(pid_file ferretdb)
  log "ferretdb: starting FerretDB on $HOST:$MONGO_PORT (sqlite dir $FERRET_DATA)"
  # shellcheck disable=SC2016 # $$/$0/$@ expand in the child shell
  FERRETDB_TELEMETRY=disable DO_NOT_TRACK=1 \
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pf" \
    nohup "$FERRET_BIN" -listen "$HOST:$MONGO_PORT" -sqlite-dir "$FERRET_DATA" -log-level "$FERRETDB_LOG_LEVEL" \
    </dev/null >>"$LOG_DIR/ferretdb.log" 2>&1 9>&- &
}

# ----------------------------------------------------------------------------- generic lifecycle
probe_target() {
  case "$1" in
    kafka) echo "$HOST:$KAFKA_PORT" ;;
    ferretdb) echo "mongodb://$HOST:$MONGO_PORT/" ;;
  esac
}

probe_kind() {
  case "$1" in
    kafka) echo kafka ;;
    ferretdb) echo mongo ;;
  esac
}

# wait_ready <component> — polls until the probe succeeds, the process dies, or the timeout hits.
wait_ready() {
  local comp=$1 deadline left out="" start=$SECONDS
  deadline=$((SECONDS + READY_TIMEOUT))
  log "$comp: waiting for readiness (real round trip, timeout ${READY_TIMEOUT}s)..."
  while ((SECONDS < deadline)); do
    if ! still_running "$comp"; then
      print_log_tail "$comp"
      die "$comp: process exited during startup (see logs above)"
    fi
    if port_open "$(port_of "$comp")"; then
      left=$((deadline - SECONDS))
      ((left > 30)) && left=30
      ((left < 5)) && left=5
      if out=$(PROBE_TIMEOUT_MS=$((left * 1000)) node "$PROBE" "$(probe_kind "$comp")" "$(probe_target "$comp")" 2>&1); then
        log "$comp: ready after $((SECONDS - start))s"
        return 0
      fi
    fi
    sleep 1
  done
  [[ -n $out ]] && log "$comp: last probe output: $out"
  print_log_tail "$comp"
  die "$comp: not ready after ${READY_TIMEOUT}s (pid $(running_pid "$comp") left running; 'infra.sh down $comp' stops it)"
}

comp_up() {
  local comp=$1 pid port
  if external "$comp"; then
    if [[ $comp == kafka ]]; then
      log "kafka: KAFKA_BROKERS is set ($KAFKA_BROKERS); using the external broker, not starting Kafka"
    else
      log "ferretdb: MONGODB_URI is set; using the external MongoDB, not starting FerretDB"
    fi
    return 0
  fi
  port=$(port_of "$comp")
  pid=$(running_pid "$comp")
  if [[ -n $pid ]]; then
    log "$comp: already running (pid $pid), reusing it"
    wait_ready "$comp"
    return 0
  fi
  rm -f "$(pid_file "$comp")"
  if port_open "$port"; then
    die "$comp: port $HOST:$port is already in use by another process (not started by this script); stop it or set $([[ $comp == kafka ]] && echo KAFKA_PORT || echo MONGO_PORT)"
  fi
  if [[ $comp == kafka ]] && port_open "$KAFKA_CONTROLLER_PORT"; then
    die "kafka: controller port $HOST:$KAFKA_CONTROLLER_PORT is already in use; set KAFKA_CONTROLLER_PORT"
  fi
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  if [[ $comp == kafka ]]; then
    kafka_install
    kafka_start
  else
    ferret_install
    ferret_start
  fi
  # Give the detached child a moment to write its pid file.
  local i
  for i in {1..50}; do
    [[ -s $(pid_file "$comp") ]] && break
    sleep 0.1
  done
  wait_ready "$comp"
}

comp_down() {
  local comp=$1 pf pid i
  pf=$(pid_file "$comp")
  if [[ ! -f $pf ]]; then
    log "$comp: not running (no pid file)"
    return 0
  fi
  pid=$(running_pid "$comp")
  if [[ -z $pid ]]; then
    log "$comp: stale pid file, process already gone"
    rm -f "$pf"
    return 0
  fi
  log "$comp: stopping pid $pid (SIGTERM)..."
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$comp: still alive after ${STOP_TIMEOUT}s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$pf"
  log "$comp: stopped"
}

comp_status() {
  local comp=$1 pid port state
  port=$(port_of "$comp")
  if external "$comp"; then
    if [[ $comp == kafka ]]; then
      state="external (KAFKA_BROKERS=$KAFKA_BROKERS)"
    else
      state="external (MONGODB_URI is set)"
    fi
  else
    pid=$(running_pid "$comp")
    if [[ -n $pid ]]; then
      if port_open "$port"; then
        state="running (pid $pid, $HOST:$port)"
      else
        state="starting or unhealthy (pid $pid, $HOST:$port not answering)"
      fi
    elif [[ -f $(pid_file "$comp") ]]; then
      state="stopped (stale pid file)"
    elif port_open "$port"; then
      state="stopped (but $HOST:$port is used by another process)"
    else
      state="stopped"
    fi
  fi
  local installed="not installed"
  if [[ $comp == kafka ]]; then
    compgen -G "$KAFKA_LIBS/kafka_2.13-*.jar" >/dev/null && installed="kafka $(kafka_version) installed"
  else
    [[ -x $FERRET_BIN ]] && installed="ferretdb v1.24.2 built"
  fi
  printf '%-9s %s [%s]\n' "$comp:" "$state" "$installed"
}

comp_logs() {
  local comp=$1 follow=$2 files=() f
  for f in $(log_files "$comp"); do
    [[ -f $f ]] && files+=("$f")
  done
  if ((${#files[@]} == 0)); then
    log "$comp: no log files yet in $LOG_DIR"
    return 0
  fi
  if [[ $follow == 1 ]]; then
    tail -n 50 -F "${files[@]}"
  else
    for f in "${files[@]}"; do
      [[ -s $f ]] || continue
      ((${#files[@]} > 1)) && printf '==> %s <==\n' "$f"
      tail -n "${TESSERA_INFRA_LOG_LINES:-200}" "$f"
    done
  fi
}

# ----------------------------------------------------------------------------- main
main() {
  local cmd=${1:-} follow=0 comps=() arg
  [[ -n $cmd ]] || { usage; exit 2; }
  shift
  for arg in "$@"; do
    case "$arg" in
      kafka) comps+=(kafka) ;;
      ferretdb | mongo | mongodb) comps+=(ferretdb) ;;
      -f | --follow) follow=1 ;;
      *) usage; die "unknown argument '$arg'" ;;
    esac
  done
  ((${#comps[@]})) || comps=(kafka ferretdb)

  local c
  case "$cmd" in
    up)
      with_lock
      check_probe_deps
      local start=$SECONDS
      for c in "${comps[@]}"; do comp_up "$c"; done
      log "up: done in $((SECONDS - start))s"
      for c in "${comps[@]}"; do
        if external "$c"; then continue; fi
        if [[ $c == kafka ]]; then
          log "  KAFKA_BROKERS=$HOST:$KAFKA_PORT"
        else
          log "  MONGODB_URI=mongodb://$HOST:$MONGO_PORT/"
        fi
      done
      ;;
    down)
      with_lock
      for c in "${comps[@]}"; do comp_down "$c"; done
      ;;
    status)
      for c in "${comps[@]}"; do comp_status "$c"; done
      ;;
    logs)
      if ((follow)) && ((${#comps[@]} > 1)); then
        local files=() f
        for c in "${comps[@]}"; do for f in $(log_files "$c"); do [[ -f $f ]] && files+=("$f"); done; done
        ((${#files[@]})) || die "no log files yet in $LOG_DIR"
        tail -n 50 -F "${files[@]}"
      else
        for c in "${comps[@]}"; do comp_logs "$c" "$follow"; done
      fi
      ;;
    -h | --help | help) usage ;;
    *) usage; exit 2 ;;
  esac
}

main "$@"
