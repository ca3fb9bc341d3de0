#!/usr/bin/env bash
# Local infrastructure for development and tests: PostgreSQL databases and a Kafka broker.
#
#   bash deploy/local/infra.sh up       # make sure PostgreSQL and Kafka are there (idempotent)
#   bash deploy/local/infra.sh status   # say what is running and where
#   bash deploy/local/infra.sh down     # stop the Kafka broker(s) this script started, nothing else
#
# PostgreSQL is never started here: the server at DATABASE_URL must be running; the script
# creates the project's databases on it when they are missing.
# Kafka: a broker at KAFKA_BROKERS is used when it answers; a broker already answering on
# 127.0.0.1:$KAFKA_PORT is reused; otherwise the Apache Kafka jars are fetched from Maven
# Central (cached), KRaft storage is formatted and a single-node broker+controller is started
# in the background. `up` returns only once the broker answers admin requests.
#
# See docs/local-infrastructure.md for every variable and for troubleshooting.
set -euo pipefail

# ---------------------------------------------------------------------------------------------
# Settings (every one can be overridden from the environment)
# ---------------------------------------------------------------------------------------------
# Set when the caller chose a version: `down` then stops only that version's broker.
KAFKA_VERSION_REQUESTED="${KAFKA_VERSION:-}"
# Kafka 4.4.0 passed the kafkajs compatibility trial (docs/local-infrastructure.md); 3.9.2 also works.
KAFKA_VERSION="${KAFKA_VERSION:-4.4.0}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_READY_TIMEOUT_SECONDS="${KAFKA_READY_TIMEOUT_SECONDS:-120}"
DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/leak_response}"
TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/leak_response_test}"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
STATE_ROOT="$SCRIPT_DIR/.state"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/leak-response"

LOCAL_BROKER="127.0.0.1:$KAFKA_PORT"
# Storage formatted by one Kafka version is not guaranteed to open with another: one folder per version.
KAFKA_STATE="$STATE_ROOT/kafka-$KAFKA_VERSION"
KAFKA_JARS="$CACHE_ROOT/kafka-$KAFKA_VERSION/libs"
KAFKA_JARS_STAMP="$CACHE_ROOT/kafka-$KAFKA_VERSION/libs.complete"
KAFKA_POM="$SCRIPT_DIR/kafka/pom.xml"

# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------
say() { printf '[infra] %s\n' "$*"; }
warn() { printf '[infra] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[infra] ERROR: %s\n' "$1" >&2
  shift
  local line
  for line in "$@"; do printf '[infra]        %s\n' "$line" >&2; done
  exit 1
}

# Seconds since the epoch with millisecond precision, for the timings we print.
now_ms() { date +%s%3N; }
elapsed_since() { echo "$(( ($(now_ms) - $1) ))ms"; }

# True when something accepts TCP connections on 127.0.0.1:$1.
port_is_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# Who listens on a port, for error messages (best effort).
port_owner() {
  if command -v ss >/dev/null 2>&1; then
    ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -1
  fi
}

# The major version of a Kafka version string, e.g. 3 for 3.9.2.
major_of() { echo "${1%%.*}"; }

require_node_modules() {
  command -v node >/dev/null 2>&1 || die "node is not installed (Node 20 is required)."
  [[ -d "$REPO_ROOT/node_modules/kafkajs" && -d "$REPO_ROOT/node_modules/pg" ]] ||
    die "node_modules is missing kafkajs/pg." "Run 'npm ci' in $REPO_ROOT first."
}

# Runs the readiness probe (kafka-ready.mjs) against the given brokers.
# Args: brokers timeout_seconds [pid] ; returns the probe's exit code.
kafka_answers() {
  local brokers="$1" timeout_s="$2" pid="${3:-}"
  local args=(--brokers "$brokers" --timeout-ms "$((timeout_s * 1000))")
  [[ -n "$pid" ]] && args+=(--pid "$pid")
  (cd "$REPO_ROOT" && node "$SCRIPT_DIR/kafka-ready.mjs" "${args[@]}")
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------------------------

# postgres://u@h:5432/db?x=y -> postgres://u@h:5432/postgres?x=y
admin_url_of() {
  local url="$1" base query=""
  base="${url%%\?*}"
  [[ "$url" == *\?* ]] && query="?${url#*\?}"
  echo "${base%/*}/postgres$query"
}

# postgres://u@h:5432/db?x=y -> db
database_of() {
  local base="${1%%\?*}"
  echo "${base##*/}"
}

# postgres://u:secret@h:5432/db -> h:5432 (never print passwords)
server_of() {
  local rest="${1#*://}"
  rest="${rest%%/*}"
  echo "${rest##*@}"
}

ensure_database_with_psql() {
  local url="$1" admin db server exists
  admin="$(admin_url_of "$url")"
  db="$(database_of "$url")"
  server="$(server_of "$url")"
  if ! psql "$admin" -X -q -tAc 'SELECT 1' >/dev/null 2>&1; then
    die "PostgreSQL at $server does not answer (tried the 'postgres' database of $server)." \
      "Start PostgreSQL (Debian: 'pg_ctlcluster 15 main start') or point DATABASE_URL / TEST_DATABASE_URL at a running server." \
      "psql said: $(psql "$admin" -X -q -tAc 'SELECT 1' 2>&1 | head -1)"
  fi
  exists="$(psql "$admin" -X -q -tAc "SELECT 1 FROM pg_database WHERE datname = '${db//\'/\'\'}'")"
  if [[ "$exists" == "1" ]]; then
    say "PostgreSQL $server: database $db exists"
  else
    psql "$admin" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"${db//\"/\"\"}\"" >/dev/null
    say "PostgreSQL $server: created database $db"
  fi
}

ensure_databases() {
  local url urls=("$DATABASE_URL")
  # The test setup points both at the test database; do the work once.
  [[ "$TEST_DATABASE_URL" != "$DATABASE_URL" ]] && urls+=("$TEST_DATABASE_URL")
  for url in "${urls[@]}"; do
    if command -v psql >/dev/null 2>&1; then
      ensure_database_with_psql "$url"
    else
      require_node_modules
      (cd "$REPO_ROOT" && node "$SCRIPT_DIR/pg-ensure-db.mjs" "$url") ||
        die "PostgreSQL at $(server_of "$url") does not answer or refused to create $(database_of "$url")." \
          "Start PostgreSQL or point DATABASE_URL / TEST_DATABASE_URL at a running server."
    fi
  done
}

# ---------------------------------------------------------------------------------------------
# Kafka: jars
# ---------------------------------------------------------------------------------------------

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then echo "$JAVA_HOME/bin/java"; else command -v java || true; fi
}

# Kafka 3.x brokers run on Java 11+, Kafka 4.x brokers need Java 17+.
require_java() {
  local java needed actual
  java="$(java_bin)"
  [[ -n "$java" ]] || die "Java is not installed; it is needed to run the local Kafka broker." \
    "Install a JDK 17 (Debian: 'apt-get install -y openjdk-17-jre-headless'), or set KAFKA_BROKERS to a running broker."
  needed=11
  [[ "$(major_of "$KAFKA_VERSION")" -ge 4 ]] && needed=17
  actual="$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\)\(\.[0-9]*\)*.*".*/\1/p' | head -1)"
  [[ "$actual" == "1" ]] && actual=8 # "1.8.0_x" style
  if [[ -z "$actual" || "$actual" -lt "$needed" ]]; then
    die "Kafka $KAFKA_VERSION needs Java $needed or newer; $java is Java ${actual:-unknown}." \
      "Set JAVA_HOME to a newer JDK, or choose another KAFKA_VERSION."
  fi
}

# The logging backend the broker needs (see the profiles in kafka/pom.xml).
logging_profile() {
  if [[ "$(major_of "$KAFKA_VERSION")" -ge 4 ]]; then echo log4j2; else echo log4j1; fi
}

# Fetches the broker jars into the cache unless they are there already (for this pom).
ensure_kafka_jars() {
  local stamp_value started tmp
  stamp_value="$KAFKA_VERSION $(logging_profile) $(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  if [[ -f "$KAFKA_JARS_STAMP" && "$(cat "$KAFKA_JARS_STAMP")" == "$stamp_value" ]]; then
    say "Kafka $KAFKA_VERSION jars: cached in $KAFKA_JARS"
    return
  fi
  command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is not installed; it fetches the Kafka jars from Maven Central." \
    "Install it (Debian: 'apt-get install -y maven'), or set KAFKA_BROKERS to a running broker."

  say "Kafka $KAFKA_VERSION jars: fetching from Maven Central with Maven (first run only)..."
  started="$(now_ms)"
  tmp="$KAFKA_JARS.partial"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  mkdir -p "$STATE_ROOT"
  if ! mvn -B --no-transfer-progress -Dstyle.color=never -f "$KAFKA_POM" \
    -Dkafka.version="$KAFKA_VERSION" -P "$(logging_profile)" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$STATE_ROOT/maven.log" 2>&1; then
    rm -rf "$tmp"
    rmdir "$(dirname "$KAFKA_JARS")" 2>/dev/null || true
    die "Maven could not fetch org.apache.kafka:kafka_2.13:$KAFKA_VERSION (full log: $STATE_ROOT/maven.log):" \
      "$(grep -m1 -E '\[ERROR\]' "$STATE_ROOT/maven.log")" \
      "Check that the version exists on Maven Central and that Maven can reach it (see ~/.m2/settings.xml)."
  fi
  # Swap in the complete folder only now, so an interrupted download is never mistaken for a cache.
  rm -rf "$KAFKA_JARS"
  mv "$tmp" "$KAFKA_JARS"
  echo "$stamp_value" >"$KAFKA_JARS_STAMP"
  say "Kafka $KAFKA_VERSION jars: $(find "$KAFKA_JARS" -name '*.jar' | wc -l) jars fetched in $(elapsed_since "$started")"
}

# ---------------------------------------------------------------------------------------------
# Kafka: configuration, storage, process
# ---------------------------------------------------------------------------------------------

write_server_properties() {
  cat >"$KAFKA_STATE/server.properties" <<EOF
# Written by deploy/local/infra.sh for Kafka $KAFKA_VERSION; rewritten on every start.
# Single node in KRaft mode: this process is both the broker and the (only) controller.
process.roles=broker,controller
node.id=1
# Static quorum: works the same on 3.9 and 4.x and needs no --standalone formatting.
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$KAFKA_STATE/data

# One node: every internal topic must accept a replication factor of 1, or consumer groups
# ("group coordinator is not available") and idempotent/transactional producers fail.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
default.replication.factor=1
min.insync.replicas=1
# Tests join groups constantly; do not wait 3 s for more members.
group.initial.rebalance.delay.ms=0

# Several partitions per topic, so per-key ordering is really exercised.
num.partitions=3
auto.create.topics.enable=true
delete.topic.enable=true

# Small footprint: the machine is shared; tests create and delete many small topics.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.segment.bytes=16777216
log.retention.hours=24
log.retention.check.interval.ms=300000
EOF
}

# Loggers that write a few lines for every topic, partition or consumer group: tests create
# thousands of those, so they log at WARN; start-up and errors stay visible.
QUIET_LOGGERS=(
  kafka.request.logger state.change.logger kafka.cluster kafka.log kafka.coordinator
  kafka.server.ReplicaFetcherManager kafka.server.ReplicaAlterLogDirsManager
  org.apache.kafka.storage org.apache.kafka.coordinator.group
  org.apache.kafka.controller.ReplicationControlManager
)

write_logging_config() {
  # The broker's own log goes to stdout, which `up` sends to $KAFKA_STATE/kafka.log.
  local logger i=0
  if [[ "$(logging_profile)" == "log4j2" ]]; then
    {
      echo 'appender.stdout.type = Console'
      echo 'appender.stdout.name = STDOUT'
      echo 'appender.stdout.layout.type = PatternLayout'
      echo 'appender.stdout.layout.pattern = [%d] %p %m (%c)%n'
      echo 'rootLogger.level = INFO'
      echo 'rootLogger.appenderRef.stdout.ref = STDOUT'
      for logger in "${QUIET_LOGGERS[@]}"; do
        i=$((i + 1))
        echo "logger.quiet$i.name = $logger"
        echo "logger.quiet$i.level = WARN"
      done
    } >"$KAFKA_STATE/log4j2.properties"
  else
    {
      echo 'log4j.rootLogger=INFO, stdout'
      echo 'log4j.appender.stdout=org.apache.log4j.ConsoleAppender'
      echo 'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout'
      echo 'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n'
      for logger in "${QUIET_LOGGERS[@]}"; do echo "log4j.logger.$logger=WARN"; done
    } >"$KAFKA_STATE/log4j.properties"
  fi
}

logging_jvm_options() {
  if [[ "$(logging_profile)" == "log4j2" ]]; then
    echo "-Dlog4j2.configurationFile=$KAFKA_STATE/log4j2.properties"
  else
    echo "-Dlog4j.configuration=file:$KAFKA_STATE/log4j.properties"
  fi
}

# Formats the KRaft storage once per version folder (meta.properties marks a formatted log dir).
format_storage_if_needed() {
  local java cluster_id
  [[ -f "$KAFKA_STATE/data/meta.properties" ]] && return
  java="$(java_bin)"
  cluster_id="$("$java" -cp "$KAFKA_JARS/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)"
  [[ -n "$cluster_id" ]] || die "kafka.tools.StorageTool random-uuid printed nothing (broken jar cache?)." \
    "Delete $CACHE_ROOT/kafka-$KAFKA_VERSION and run again."
  say "Kafka $KAFKA_VERSION: formatting KRaft storage in $KAFKA_STATE/data (cluster id $cluster_id)"
  "$java" -cp "$KAFKA_JARS/*" $(logging_jvm_options) kafka.tools.StorageTool format \
    -t "$cluster_id" -c "$KAFKA_STATE/server.properties" >"$KAFKA_STATE/format.log" 2>&1 ||
    die "formatting the Kafka storage failed; see $KAFKA_STATE/format.log:" "$(tail -5 "$KAFKA_STATE/format.log")"
}

# The PID in a state folder's PID file, if that process is still a Kafka broker.
broker_pid_in() {
  local pid_file="$1/kafka.pid" pid
  [[ -f "$pid_file" ]] || return 1
  pid="$(cat "$pid_file")"
  [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
  # Guard against a recycled PID: the process must be a JVM running kafka.Kafka.
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

# True when the server.properties in state folder $1 has the client listener on port $2.
listens_on_port() {
  grep -q "^listeners=PLAINTEXT://127.0.0.1:$2," "$1/server.properties" 2>/dev/null
}

# The version of a broker started by this script (any version folder) that listens on port $1.
our_broker_version_on_port() {
  local dir
  for dir in "$STATE_ROOT"/kafka-*/; do
    dir="${dir%/}"
    [[ -d "$dir" ]] || continue
    if broker_pid_in "$dir" >/dev/null && listens_on_port "$dir" "$1"; then
      echo "${dir##*/kafka-}"
      return 0
    fi
  done
  return 1
}

start_broker() {
  local java started pid
  require_java
  ensure_kafka_jars
  mkdir -p "$KAFKA_STATE/data"
  write_server_properties
  write_logging_config
  format_storage_if_needed

  java="$(java_bin)"
  started="$(now_ms)"
  say "Kafka $KAFKA_VERSION: starting broker on $LOCAL_BROKER (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT), log in $KAFKA_STATE/kafka.log"
  # setsid: the broker gets its own session, so it outlives this script, the test run that
  # called it and a Ctrl-C in the terminal. `down` stops it. `9>&-`: it must not inherit the lock.
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of JVM options
  setsid "$java" $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    "$(logging_jvm_options)" -Dkafka.logs.dir="$KAFKA_STATE/logs" \
    -cp "$KAFKA_JARS/*" kafka.Kafka "$KAFKA_STATE/server.properties" \
    >"$KAFKA_STATE/kafka.log" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$KAFKA_STATE/kafka.pid"

  local rc=0
  kafka_answers "$LOCAL_BROKER" "$KAFKA_READY_TIMEOUT_SECONDS" "$pid" || rc=$?
  if [[ $rc -ne 0 ]]; then
    [[ $rc -eq 1 ]] && kill "$pid" 2>/dev/null || true
    rm -f "$KAFKA_STATE/kafka.pid"
    die "the Kafka broker did not become ready (see $KAFKA_STATE/kafka.log). Last lines:" \
      "$(grep -E 'ERROR|FATAL|Exception' "$KAFKA_STATE/kafka.log" | tail -5)" "$(tail -3 "$KAFKA_STATE/kafka.log")"
  fi
  say "Kafka $KAFKA_VERSION: broker ready on $LOCAL_BROKER (pid $pid) in $(elapsed_since "$started")"
}

ensure_kafka() {
  require_node_modules

  # 1. An explicitly configured broker elsewhere: use it or fail; never start a local one for it.
  if [[ -n "${KAFKA_BROKERS:-}" && "$KAFKA_BROKERS" != "$LOCAL_BROKER" && "$KAFKA_BROKERS" != "localhost:$KAFKA_PORT" ]]; then
    kafka_answers "$KAFKA_BROKERS" 20 ||
      die "KAFKA_BROKERS=$KAFKA_BROKERS does not answer Kafka admin requests." \
        "Start that cluster, or unset KAFKA_BROKERS to let this script run a local broker on $LOCAL_BROKER."
    say "Kafka: using KAFKA_BROKERS=$KAFKA_BROKERS (nothing started)"
    return
  fi

  # 2. A broker this script started earlier that is still starting or running.
  local pid
  if pid="$(broker_pid_in "$KAFKA_STATE")"; then
    listens_on_port "$KAFKA_STATE" "$KAFKA_PORT" ||
      die "Kafka $KAFKA_VERSION started by this script (pid $pid) runs with $(grep -m1 '^listeners=' "$KAFKA_STATE/server.properties"), not on port $KAFKA_PORT." \
        "Run 'bash deploy/local/infra.sh down' first to restart it on another port."
    kafka_answers "$LOCAL_BROKER" "$KAFKA_READY_TIMEOUT_SECONDS" "$pid" >/dev/null ||
      die "the Kafka broker we started earlier (pid $pid) does not answer on $LOCAL_BROKER." \
        "See $KAFKA_STATE/kafka.log; 'bash deploy/local/infra.sh down' then 'up' restarts it."
    say "Kafka $KAFKA_VERSION: reusing our broker on $LOCAL_BROKER (pid $pid)"
    return
  fi

  # 3. Something else on the port: reuse it if it is a Kafka broker, refuse otherwise.
  if port_is_open "$KAFKA_PORT"; then
    if kafka_answers "$LOCAL_BROKER" 15 >/dev/null 2>&1; then
      local other
      if other="$(our_broker_version_on_port "$KAFKA_PORT")"; then
        warn "reusing Kafka $other (started by this script) on $LOCAL_BROKER although KAFKA_VERSION=$KAFKA_VERSION." \
          "To switch: 'bash deploy/local/infra.sh down' then 'up'."
      else
        say "Kafka: reusing the broker already answering on $LOCAL_BROKER (not started by this script)"
      fi
      return
    fi
    die "port $KAFKA_PORT is taken by something that is not a Kafka broker: $(port_owner "$KAFKA_PORT")" \
      "Stop it, or run the broker on other ports: KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093 (and KAFKA_BROKERS=127.0.0.1:19092 for the tests)."
  fi
  if port_is_open "$KAFKA_CONTROLLER_PORT"; then
    die "port $KAFKA_CONTROLLER_PORT (the Kafka controller listener) is taken: $(port_owner "$KAFKA_CONTROLLER_PORT")" \
      "Stop that process, or choose another port with KAFKA_CONTROLLER_PORT."
  fi

  # 4. Nothing there: start our own.
  start_broker
}

# ---------------------------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------------------------

# One `up` at a time per checkout: test runs started in parallel all call `up`.
take_lock() {
  mkdir -p "$STATE_ROOT"
  exec 9>"$STATE_ROOT/infra.lock"
  if ! flock -w 600 9; then die "another 'infra.sh' has held $STATE_ROOT/infra.lock for 10 minutes."; fi
}

cmd_up() {
  local started
  started="$(now_ms)"
  take_lock
  ensure_databases
  ensure_kafka
  say "up: ready in $(elapsed_since "$started") (DATABASE_URL db $(database_of "$DATABASE_URL"), test db $(database_of "$TEST_DATABASE_URL"), Kafka ${KAFKA_BROKERS:-$LOCAL_BROKER})"
}

stop_pid() {
  local pid="$1" waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  # A clean shutdown lets the next start skip log recovery; give it up to 30 s.
  while kill -0 "$pid" 2>/dev/null && [[ $waited -lt 300 ]]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    warn "pid $pid did not stop within 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
}

cmd_down() {
  local dir pid stopped=0 pattern="kafka-*"
  [[ -n "$KAFKA_VERSION_REQUESTED" ]] && pattern="kafka-$KAFKA_VERSION_REQUESTED"
  take_lock
  shopt -s nullglob
  for dir in "$STATE_ROOT"/$pattern/; do
    dir="${dir%/}"
    if pid="$(broker_pid_in "$dir")"; then
      say "stopping Kafka ${dir##*/kafka-} (pid $pid)..."
      stop_pid "$pid"
      stopped=$((stopped + 1))
    fi
    rm -f "$dir/kafka.pid"
  done
  if [[ $stopped -eq 0 ]]; then say "down: no broker started by this script is running"; else say "down: stopped $stopped broker(s)"; fi
}

cmd_status() {
  local url server db dir pid
  say "PostgreSQL:"
  for url in "$DATABASE_URL" "$TEST_DATABASE_URL"; do
    server="$(server_of "$url")"
    db="$(database_of "$url")"
    if ! command -v psql >/dev/null 2>&1; then
      say "  $server/$db (psql not installed; not checked)"
    elif psql "$url" -X -q -tAc 'SELECT 1' >/dev/null 2>&1; then
      say "  $server/$db: reachable"
    else
      say "  $server/$db: NOT reachable"
    fi
  done

  say "Kafka:"
  local found=0
  shopt -s nullglob
  for dir in "$STATE_ROOT"/kafka-*/; do
    dir="${dir%/}"
    if pid="$(broker_pid_in "$dir")"; then
      found=1
      say "  started by this script: Kafka ${dir##*/kafka-}, pid $pid, $(grep -m1 '^listeners=' "$dir/server.properties"), log $dir/kafka.log"
    fi
  done
  [[ $found -eq 0 ]] && say "  no broker started by this script is running"
  local target="${KAFKA_BROKERS:-$LOCAL_BROKER}"
  if command -v node >/dev/null 2>&1 && [[ -d "$REPO_ROOT/node_modules/kafkajs" ]]; then
    if kafka_answers "$target" 5 >/dev/null 2>&1; then say "  $target: answers"; else say "  $target: does NOT answer"; fi
  fi
}

usage() {
  cat <<EOF
usage: bash deploy/local/infra.sh up|down|status

  up      create the PostgreSQL databases if missing; use or start a Kafka broker; wait until it answers
  down    stop the Kafka broker(s) this script started (never anything else);
          with KAFKA_VERSION set, only that version's broker
  status  what is running and where

Environment: DATABASE_URL, TEST_DATABASE_URL, KAFKA_BROKERS, KAFKA_VERSION (default $KAFKA_VERSION),
KAFKA_PORT, KAFKA_CONTROLLER_PORT, KAFKA_HEAP_OPTS, KAFKA_READY_TIMEOUT_SECONDS, XDG_CACHE_HOME, JAVA_HOME.
EOF
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  -h | --help | help) usage ;;
  *)
    usage >&2
    exit 64
    ;;
esac
