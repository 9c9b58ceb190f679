#!/usr/bin/env bash
# A private, single-node Apache Kafka broker (KRaft, combined broker+controller)
# for the test suite and the benchmark, run from Maven Central jars on Java 17.
# No Docker and no Apache download site needed; see
# /work/shared/design/kafka-without-docker.md.
#
#   scripts/kafka.sh start    download (once, cached) and start; no-op if running
#   scripts/kafka.sh stop     stop cleanly (SIGTERM, then SIGKILL after a timeout)
#   scripts/kafka.sh status   exit 0 if running and answering, 3 if not running
#   scripts/kafka.sh env      print: export TIEPDAN_KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:<port>
#
# Environment:
#   TIEPDAN_KAFKA_BOOTSTRAP_SERVERS  use this broker instead (start/stop do nothing
#                                    when it answers; it is printed by env)
#   KAFKA_VERSION                    default 4.3.1 (Strimzi supports 4.2.x/4.3.x)
#   TIEPDAN_KAFKA_STATE_DIR          default <repo>/.tiepdan/kafka
#   TIEPDAN_KAFKA_START_TIMEOUT      seconds to wait for readiness, default 120
#   TIEPDAN_KAFKA_HEAP_OPTS          default "-Xms256m -Xmx512m"
#   TIEPDAN_KAFKA_JVM_OPTS           the collector and compiler flags, default G1 with
#                                    short pauses; `make test` gives a quick-start set
#   TIEPDAN_PYTHON                   default <repo>/.venv/bin/python (needs aiokafka)
#   XDG_CACHE_HOME                   jars are cached in $XDG_CACHE_HOME/tiepdan/kafka-<version>
#
# State (data, log, pid, ports) lives in the state dir: data/, kafka.log,
# kafka.pid, port, controller.port, server.properties, log4j2.properties.
# stdout carries only what `env` prints; progress and errors go to stderr.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KAFKA_VERSION="${KAFKA_VERSION:-4.3.1}"
SCALA_VERSION="2.13"
# Kafka 4.3.x itself depends on log4j-api/log4j-core 2.25.4 (kafka-server pom) and
# on slf4j-api 1.7.36, so the SLF4J binding is log4j-slf4j-impl (the slf4j 1.x one),
# not log4j-slf4j2-impl.
LOG4J2_VERSION="${TIEPDAN_KAFKA_LOG4J2_VERSION:-2.25.4}"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/tiepdan/kafka-${KAFKA_VERSION}"
LIBS_DIR="$CACHE_DIR/libs"
STATE_DIR="${TIEPDAN_KAFKA_STATE_DIR:-$REPO/.tiepdan/kafka}"
DATA_DIR="$STATE_DIR/data"
PID_FILE="$STATE_DIR/kafka.pid"
PORT_FILE="$STATE_DIR/port"
CPORT_FILE="$STATE_DIR/controller.port"
META_FILE="$STATE_DIR/formatted"
LOG_FILE="$STATE_DIR/kafka.log"
PROPS_FILE="$STATE_DIR/server.properties"
LOG4J_FILE="$STATE_DIR/log4j2.properties"
START_TIMEOUT="${TIEPDAN_KAFKA_START_TIMEOUT:-120}"
HEAP_OPTS="${TIEPDAN_KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
JVM_OPTS="${TIEPDAN_KAFKA_JVM_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent}"
PYTHON="${TIEPDAN_PYTHON:-$REPO/.venv/bin/python}"
PRESET="${TIEPDAN_KAFKA_BOOTSTRAP_SERVERS:-}"

NAME=kafka
# shellcheck source=scripts/lib.sh
source "$REPO/scripts/lib.sh"

is_kafka4() { [[ "$KAFKA_VERSION" != [0-3].* ]]; }

# --- process -----------------------------------------------------------------

# our_pid: prints the broker's pid if our broker (this state dir) is alive.
our_pid() {
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE" 2>/dev/null)" || return 1
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [[ -r "/proc/$pid/cmdline" ]] || return 1
    # The pid must still be *our* java (pids get reused after a reboot).
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF "$PROPS_FILE" || return 1
    local state
    state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" || return 1
    [[ "$state" != Z ]] || return 1
    printf '%s\n' "$pid"
}

# probe BOOTSTRAP TIMEOUT [PID]: a real client fetches cluster metadata, retrying
# every 0.5 s until TIMEOUT seconds; exits 2 early if PID dies.
probe() { provision kafka-probe "$@"; }

# preset_is_ours: the pre-set TIEPDAN_KAFKA_BOOTSTRAP_SERVERS names the broker this
# script manages (e.g. exported by a previous `env` in the same shell).
preset_is_ours() {
    [[ -n "$PRESET" && -f "$PORT_FILE" && "$PRESET" == "127.0.0.1:$(cat "$PORT_FILE")" ]]
}

# external: true if an explicit, foreign TIEPDAN_KAFKA_BOOTSTRAP_SERVERS must be used.
# Dies if it is set but nothing answers there.
external() {
    [[ -n "$PRESET" ]] || return 1
    preset_is_ours && return 1
    need_python aiokafka
    if probe "$PRESET" "${1:-10}" 2>/dev/null; then
        return 0
    fi
    die "TIEPDAN_KAFKA_BOOTSTRAP_SERVERS=$PRESET is set but no Kafka broker answers there; start it, or unset the variable to let scripts/kafka.sh run a private broker"
}

# --- install -----------------------------------------------------------------

check_java() {
    command -v java >/dev/null || die "java not found; Kafka ${KAFKA_VERSION} needs Java 17+ (apt-get install -y openjdk-17-jre-headless)"
    local spec
    spec="$(java -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2}')"
    spec="${spec%%.*}"
    if is_kafka4 && [[ "$spec" =~ ^[0-9]+$ ]] && (( spec < 17 )); then
        die "Kafka ${KAFKA_VERSION} needs Java 17+, found Java ${spec}"
    fi
}

write_pom() {
    local logging
    if is_kafka4; then
        logging="
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-api</artifactId><version>${LOG4J2_VERSION}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>${LOG4J2_VERSION}</version></dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>${LOG4J2_VERSION}</version></dependency>"
    else
        logging="
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
    <dependency><groupId>ch.qos.reload4j</groupId><artifactId>reload4j</artifactId><version>1.2.25</version></dependency>"
    fi
    cat >"$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- generated by tiepdan scripts/kafka.sh: the runtime classpath of a Kafka broker -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>tiepdan.local</groupId>
  <artifactId>kafka-broker-runtime</artifactId>
  <version>${KAFKA_VERSION}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_${SCALA_VERSION}</artifactId><version>${KAFKA_VERSION}</version></dependency>${logging}
  </dependencies>
</project>
EOF
}

ensure_jars() {
    if [[ -f "$LIBS_DIR/.complete" ]]; then
        return 0
    fi
    command -v mvn >/dev/null || die "mvn not found; it fetches the Kafka jars from Maven Central (apt-get install -y maven)"
    mkdir -p "$CACHE_DIR"
    # Serialise concurrent downloads of the same version (other checkouts too).
    exec 8>"$CACHE_DIR/.lock"
    flock -w 900 8 || die "another download of Kafka ${KAFKA_VERSION} has held $CACHE_DIR/.lock for 15 minutes"
    if [[ -f "$LIBS_DIR/.complete" ]]; then
        exec 8>&-
        return 0
    fi
    log "downloading Kafka ${KAFKA_VERSION} jars from Maven Central into $CACHE_DIR (one-off)"
    local work="$CACHE_DIR/build"
    rm -rf "$work" "$LIBS_DIR"
    mkdir -p "$work"
    write_pom "$work/pom.xml"
    # -U: retry artifacts that an earlier failed attempt marked missing in ~/.m2.
    if ! (cd "$work" && mvn -B -q -U -Dstyle.color=never \
            org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies \
            -DincludeScope=runtime -DoutputDirectory="$work/libs") >"$work/mvn.log" 2>&1; then
        sed 's/\x1b\[[0-9;]*m//g' "$work/mvn.log" | grep -m 1 -E '^\[ERROR\] [A-Z]' >&2 \
            || tail -n 30 "$work/mvn.log" >&2
        die "Maven could not fetch org.apache.kafka:kafka_${SCALA_VERSION}:${KAFKA_VERSION} (full log: $work/mvn.log); is Maven Central reachable and the version right?"
    fi
    [[ -f "$work/libs/kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar" ]] \
        || die "Maven ran but kafka_${SCALA_VERSION}-${KAFKA_VERSION}.jar is missing from $work/libs"
    ls "$work/libs" >"$work/libs/.complete"
    mv "$work/libs" "$LIBS_DIR"
    rm -rf "$work"
    log "cached $(($(wc -l <"$LIBS_DIR/.complete"))) jars in $LIBS_DIR"
    exec 8>&-
}

# --- configuration -----------------------------------------------------------

write_config() {
    local port="$1" cport="$2"
    cat >"$PROPS_FILE" <<EOF
# generated by tiepdan scripts/kafka.sh; rewritten on every start
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:${cport}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}
advertised.listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${DATA_DIR}
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# a small test box: the stock 128 MiB log-cleaner buffer would be a quarter of the heap
log.cleaner.dedupe.buffer.size=33554432
EOF
    if is_kafka4; then
        cat >>"$PROPS_FILE" <<EOF
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
        cat >"$LOG4J_FILE" <<'EOF'
# generated by tiepdan scripts/kafka.sh (log4j2 properties format; everything to stdout,
# which the script redirects to kafka.log)
status = warn
name = tiepdan-kafka
# Kafka logs its own shutdown from a JVM shutdown hook; log4j's hook would stop
# logging first and lose those lines.
shutdownHook = disable
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.requestchannel.name = kafka.network.RequestChannel$
logger.requestchannel.level = WARN
EOF
    else
        cat >"$LOG4J_FILE" <<'EOF'
# generated by tiepdan scripts/kafka.sh (log4j 1.x / reload4j format)
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
EOF
    fi
}

log_opts() {
    if is_kafka4; then
        printf '%s\n' "-Dlog4j2.configurationFile=$LOG4J_FILE"
    else
        printf '%s\n' "-Dlog4j.configuration=file:$LOG4J_FILE"
    fi
}

# --- commands ----------------------------------------------------------------

cmd_start() {
    if external 10; then
        log "using the broker at TIEPDAN_KAFKA_BOOTSTRAP_SERVERS=$PRESET; nothing to start"
        return 0
    fi
    need_python aiokafka
    mkdir -p "$STATE_DIR"
    lock

    local pid
    if pid="$(our_pid)"; then
        if probe "127.0.0.1:$(cat "$PORT_FILE")" 5 "$pid"; then
            log "already running (pid $pid) on 127.0.0.1:$(cat "$PORT_FILE")"
            return 0
        fi
        # Running but not (yet) answering, e.g. still recovering its logs: wait for it.
        log "pid $pid is running but not answering yet; waiting up to ${START_TIMEOUT}s"
        wait_ready "$pid"
        return 0
    fi

    check_java
    ensure_jars

    # Ports: keep the previous pair when both are still free, otherwise pick a new
    # pair and reformat (the KRaft voter set records the controller endpoint; 4.3.1
    # tolerated a change in a test, but a fresh format is the safe choice for test data).
    local port="" cport=""
    if [[ -f "$PORT_FILE" && -f "$CPORT_FILE" ]]; then
        port="$(cat "$PORT_FILE")"
        cport="$(cat "$CPORT_FILE")"
        if ! port_free "$port" || ! port_free "$cport"; then
            log "previous ports $port/$cport are taken by something else; picking new ones"
            port="" cport=""
        fi
    fi
    if [[ -z "$port" ]]; then
        read -r port cport < <(free_ports 2)
    fi
    local want="kafka=${KAFKA_VERSION} port=${port} controller=${cport}"
    if [[ ! -f "$META_FILE" || "$(cat "$META_FILE")" != "$want" ]]; then
        rm -rf "$DATA_DIR" "$META_FILE"
    fi
    mkdir -p "$DATA_DIR"
    printf '%s\n' "$port" >"$PORT_FILE"
    printf '%s\n' "$cport" >"$CPORT_FILE"
    write_config "$port" "$cport"

    local classpath="$LIBS_DIR/*" logopt
    logopt="$(log_opts)"
    if [[ -f "$LOG_FILE" ]]; then mv -f "$LOG_FILE" "$LOG_FILE.1"; fi
    if [[ ! -f "$META_FILE" ]]; then
        # What `kafka-storage.sh random-uuid` prints, minus a JVM start.
        local cluster_id
        cluster_id="$(provision kafka-cluster-id)"
        log "formatting KRaft storage in $DATA_DIR (cluster id $cluster_id)"
        if ! java "$logopt" -cp "$classpath" kafka.tools.StorageTool format --standalone --ignore-formatted \
                -t "$cluster_id" -c "$PROPS_FILE" >>"$LOG_FILE" 2>&1; then
            tail -n 20 "$LOG_FILE" >&2
            die "formatting the KRaft storage failed; full log: $LOG_FILE"
        fi
        printf '%s\n' "$want" >"$META_FILE"
    fi

    rm -f "$PID_FILE"
    log "starting Kafka ${KAFKA_VERSION} on 127.0.0.1:${port} (controller :${cport}); log: $LOG_FILE"
    # setsid: the broker outlives this script and ignores the caller's Ctrl-C.
    # The inner shell records its own pid and then becomes java (exec). The lock
    # fds are closed so that the broker does not hold our lock for its lifetime.
    # shellcheck disable=SC2086,SC2016  # *_OPTS: several JVM flags; $$/$0: the inner shell's
    setsid bash -c 'echo $$ >"$0"; exec "$@"' "$PID_FILE" \
        java $HEAP_OPTS $JVM_OPTS -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
        "$logopt" -cp "$classpath" kafka.Kafka "$PROPS_FILE" \
        </dev/null >>"$LOG_FILE" 2>&1 8>&- 9>&- &
    # Wait for the pid file written by the child.
    local i
    for ((i = 0; i < 100; i++)); do
        pid="$(our_pid)" && break
        if ! kill -0 $! 2>/dev/null; then break; fi
        sleep 0.1
    done
    pid="$(our_pid)" || { tail -n 40 "$LOG_FILE" >&2; die "the broker JVM did not start; full log: $LOG_FILE"; }
    wait_ready "$pid"
}

wait_ready() {
    local pid="$1" port rc=0
    port="$(cat "$PORT_FILE")"
    probe "127.0.0.1:$port" "$START_TIMEOUT" "$pid" || rc=$?
    if (( rc != 0 )); then
        log "last lines of $LOG_FILE:"
        tail -n 40 "$LOG_FILE" >&2
        if (( rc == 1 )); then
            log "stopping the unresponsive broker (pid $pid)"
            terminate "$pid"
            rm -f "$PID_FILE"
            die "Kafka did not answer a metadata request on 127.0.0.1:$port within ${START_TIMEOUT}s; full log: $LOG_FILE"
        fi
        rm -f "$PID_FILE"
        die "the Kafka broker exited during start-up; full log: $LOG_FILE"
    fi
    log "ready on 127.0.0.1:$port (pid $pid)"
}

# terminate PID: SIGTERM (controlled shutdown), SIGKILL if still alive after 60 s.
terminate() {
    local pid="$1" i
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 600; i++)); do
        our_pid >/dev/null || return 0
        sleep 0.1
    done
    log "pid $pid still alive after 60s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
        our_pid >/dev/null || return 0
        sleep 0.1
    done
}

cmd_stop() {
    if [[ -n "$PRESET" ]] && ! preset_is_ours; then
        log "TIEPDAN_KAFKA_BOOTSTRAP_SERVERS=$PRESET is not ours; not stopping it"
        return 0
    fi
    [[ -d "$STATE_DIR" ]] || { log "not running"; return 0; }
    exec 9>"$STATE_DIR/.lock"
    if ! flock -w 10 9; then
        # A broker started by an earlier version of this script inherited the
        # lock fd and holds it while it runs; stopping it releases the lock.
        local holder
        if ! holder="$(our_pid)" \
                || [[ "$(readlink "/proc/$holder/fd/9" 2>/dev/null)" != "$STATE_DIR/.lock" ]]; then
            flock -w 290 9 || die "another scripts/kafka.sh has held $STATE_DIR/.lock for 300s; is one stuck?"
        fi
    fi
    local pid
    if ! pid="$(our_pid)"; then
        rm -f "$PID_FILE"
        log "not running"
        return 0
    fi
    log "stopping Kafka (pid $pid)"
    terminate "$pid"
    rm -f "$PID_FILE"
    log "stopped"
}

cmd_status() {
    if [[ -n "$PRESET" ]] && ! preset_is_ours; then
        need_python aiokafka
        if probe "$PRESET" 5 2>/dev/null; then
            log "external broker answering at $PRESET"
            return 0
        fi
        log "external broker at $PRESET is not answering"
        return 3
    fi
    local pid
    if ! pid="$(our_pid)"; then
        log "not running"
        return 3
    fi
    need_python aiokafka
    local port
    port="$(cat "$PORT_FILE")"
    if probe "127.0.0.1:$port" 5 "$pid" 2>/dev/null; then
        log "running (pid $pid) on 127.0.0.1:$port, Kafka $(sed -n 's/^kafka=\([^ ]*\).*/\1/p' "$META_FILE" 2>/dev/null)"
        return 0
    fi
    log "pid $pid is running but 127.0.0.1:$port does not answer"
    return 1
}

cmd_env() {
    if external 5; then
        printf 'export TIEPDAN_KAFKA_BOOTSTRAP_SERVERS=%q\n' "$PRESET"
        return 0
    fi
    our_pid >/dev/null || die "the private broker is not running; run 'scripts/kafka.sh start' first"
    printf 'export TIEPDAN_KAFKA_BOOTSTRAP_SERVERS=%q\n' "127.0.0.1:$(cat "$PORT_FILE")"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    *)
        echo "usage: $0 {start|stop|status|env}" >&2
        exit 2
        ;;
esac
