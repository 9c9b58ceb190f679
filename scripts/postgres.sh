#!/usr/bin/env bash
# A private PostgreSQL cluster for the test suite and the benchmark, from Debian's
# postgresql package, listening only on 127.0.0.1 on a free port.
#
#   scripts/postgres.sh start    install (root, once) / initdb (once) / start; no-op if running
#   scripts/postgres.sh stop     stop (fast shutdown)
#   scripts/postgres.sh status   exit 0 if running and answering, 3 if not running
#   scripts/postgres.sh env      print: export TIEPDAN_TEST_DATABASE_URL=postgresql://tiepdan:tiepdan@127.0.0.1:<port>/postgres
#
# The URL names a superuser (tests CREATE DATABASE on it).
#
# Environment:
#   TIEPDAN_TEST_DATABASE_URL  use this server instead (start/stop do nothing when
#                              it answers; it is printed by env)
#   TIEPDAN_PG_STATE_DIR       default <repo>/.tiepdan/pg
#   TIEPDAN_PG_BINDIR          default: the newest /usr/lib/postgresql/*/bin
#   TIEPDAN_PG_START_TIMEOUT   seconds, default 60
#   TIEPDAN_PG_STOP_MODE       pg_ctl's stop mode: fast (default), or immediate (a crash,
#                              as a fault test wants: recovery runs at the next start)
#   TIEPDAN_PYTHON             default <repo>/.venv/bin/python (needs asyncpg)
#
# State: data/ (the cluster; owned by the `postgres` OS user when run as root,
# since PostgreSQL refuses to run as root), postgres.log, run/ (unix socket),
# port. stdout carries only what `env` prints; progress and errors go to stderr.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${TIEPDAN_PG_STATE_DIR:-$REPO/.tiepdan/pg}"
DATA_DIR="$STATE_DIR/data"
SOCK_DIR="$STATE_DIR/run"
LOG_FILE="$STATE_DIR/postgres.log"
PORT_FILE="$STATE_DIR/port"
START_TIMEOUT="${TIEPDAN_PG_START_TIMEOUT:-60}"
PYTHON="${TIEPDAN_PYTHON:-$REPO/.venv/bin/python}"
PRESET="${TIEPDAN_TEST_DATABASE_URL:-}"
ROLE="tiepdan"
PASSWORD="tiepdan"

NAME=postgres
# shellcheck source=scripts/lib.sh
source "$REPO/scripts/lib.sh"

url_for() { printf 'postgresql://%s:%s@127.0.0.1:%s/postgres' "$ROLE" "$PASSWORD" "$1"; }

# probe URL TIMEOUT: a real client connects and runs a query, retrying every 0.5 s.
probe() { provision postgres-probe "$@"; }

# The pre-set TIEPDAN_TEST_DATABASE_URL is the one this script prints for its own
# cluster (e.g. exported by a previous `env` in the same shell).
preset_is_ours() {
    [[ -n "$PRESET" && -f "$PORT_FILE" && "$PRESET" == "$(url_for "$(cat "$PORT_FILE")")" ]]
}

# external: true if a foreign TIEPDAN_TEST_DATABASE_URL must be used; dies if it
# is set but does not answer.
external() {
    [[ -n "$PRESET" ]] || return 1
    preset_is_ours && return 1
    need_python asyncpg
    if probe "$PRESET" "${1:-5}"; then
        return 0
    fi
    die "TIEPDAN_TEST_DATABASE_URL is set but that server does not answer; start it, or unset the variable to let scripts/postgres.sh run a private cluster"
}

# --- who runs the server -----------------------------------------------------

RUN_USER="$(id -un)"
if (( EUID == 0 )); then
    RUN_USER="postgres"
fi

# as CMD...: run as the server's OS user (from / so that no cwd warnings appear).
as() {
    if (( EUID == 0 )); then
        (cd / && runuser -u "$RUN_USER" -- "$@")
    else
        "$@"
    fi
}

find_bindir() {
    if [[ -n "${TIEPDAN_PG_BINDIR:-}" ]]; then
        [[ -x "$TIEPDAN_PG_BINDIR/initdb" ]] || die "TIEPDAN_PG_BINDIR=$TIEPDAN_PG_BINDIR has no initdb"
        printf '%s\n' "$TIEPDAN_PG_BINDIR"
        return 0
    fi
    # An existing cluster must be run by its own major version.
    if [[ -r "$DATA_DIR/PG_VERSION" ]]; then
        local v
        v="$(cat "$DATA_DIR/PG_VERSION")"
        if [[ -x "/usr/lib/postgresql/$v/bin/initdb" ]]; then
            printf '%s\n' "/usr/lib/postgresql/$v/bin"
            return 0
        fi
        die "the cluster in $DATA_DIR is PostgreSQL $v but /usr/lib/postgresql/$v/bin is missing; install postgresql-$v or remove $STATE_DIR"
    fi
    local d
    d="$(find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null \
        | sort -V | tail -n 1)"
    [[ -n "$d" ]] || return 1
    dirname "$d"
}

ensure_installed() {
    BINDIR="$(find_bindir)" && return 0
    if (( EUID != 0 )); then
        die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin and we are not root: install them (sudo apt-get install -y postgresql) or set TIEPDAN_TEST_DATABASE_URL to a server you run"
    fi
    command -v apt-get >/dev/null || die "PostgreSQL is not installed and apt-get is unavailable; install PostgreSQL or set TIEPDAN_TEST_DATABASE_URL"
    log "installing Debian's postgresql package (one-off)"
    export DEBIAN_FRONTEND=noninteractive
    local updated=0
    if ! apt-cache policy postgresql 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        apt-get update >&2 || die "apt-get update failed"
        updated=1
    fi
    if ! apt-get install -y --no-install-recommends postgresql >&2; then
        (( updated == 0 )) || die "apt-get install -y postgresql failed"
        apt-get update >&2 || die "apt-get update failed"
        apt-get install -y --no-install-recommends postgresql >&2 || die "apt-get install -y postgresql failed"
    fi
    BINDIR="$(find_bindir)" || die "postgresql was installed but no /usr/lib/postgresql/*/bin/initdb exists"
}

# --- cluster -----------------------------------------------------------------

# running_port: prints the port if our cluster is running.
running_port() {
    [[ -n "${BINDIR:-}" ]] || BINDIR="$(find_bindir)" || return 1
    [[ -f "$DATA_DIR/PG_VERSION" ]] || return 1
    as "$BINDIR/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1 || return 1
    # postmaster.pid line 4 is the port.
    sed -n 4p "$DATA_DIR/postmaster.pid" 2>/dev/null
}

prepare_state_dir() {
    mkdir -p "$STATE_DIR"
    if (( EUID == 0 )); then
        id -u "$RUN_USER" >/dev/null 2>&1 || die "OS user '$RUN_USER' does not exist (it comes with the postgresql package)"
        chown "$RUN_USER:" "$STATE_DIR"
        as test -w "$STATE_DIR" \
            || die "the '$RUN_USER' OS user cannot write $STATE_DIR (a parent directory is not traversable); set TIEPDAN_PG_STATE_DIR to a directory it can reach, e.g. /var/tmp/tiepdan-pg"
    fi
    if [[ -d "$DATA_DIR" ]]; then
        local owner
        owner="$(stat -c %U "$DATA_DIR")"
        [[ "$owner" == "$RUN_USER" ]] \
            || die "$DATA_DIR belongs to '$owner' but the server would run as '$RUN_USER'; run as '$owner' or remove $STATE_DIR"
    fi
    as mkdir -p "$SOCK_DIR"
    as chmod 0700 "$SOCK_DIR"
}

init_cluster() {
    [[ -f "$DATA_DIR/PG_VERSION" ]] && return 0
    log "initdb: new cluster in $DATA_DIR (superuser $ROLE, $("$BINDIR/postgres" --version))"
    as rm -rf "$DATA_DIR"
    local pwfile="$STATE_DIR/.pwfile"
    # shellcheck disable=SC2016  # $1/$2 expand in the inner shell
    as sh -c 'umask 077; printf "%s\n" "$1" >"$2"' _ "$PASSWORD" "$pwfile"
    if ! as "$BINDIR/initdb" -D "$DATA_DIR" --username="$ROLE" --pwfile="$pwfile" \
            --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
            >"$STATE_DIR/initdb.log" 2>&1; then
        as rm -f "$pwfile"
        tail -n 20 "$STATE_DIR/initdb.log" >&2
        die "initdb failed; full log: $STATE_DIR/initdb.log"
    fi
    as rm -f "$pwfile"
    # Our settings live in tiepdan.conf, rewritten on every start.
    # shellcheck disable=SC2016  # $1/$2 expand in the inner shell
    as sh -c 'printf "\n# tiepdan test settings\n%s\n" "$2" >>"$1/postgresql.conf"' _ "$DATA_DIR" \
        "include_if_exists = 'tiepdan.conf'"
}

write_settings() {
    local port="$1" socket_dirs="$SOCK_DIR" dsm="posix"
    # A unix socket path is limited to 107 bytes; use TCP only if ours is longer.
    if (( ${#SOCK_DIR} + 20 > 107 )); then
        socket_dirs=""
    fi
    # Containers often give /dev/shm only 64 MB: keep parallel-query DSM out of it.
    local shm_kb
    shm_kb="$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 {print $2}')"
    if [[ -z "$shm_kb" ]] || (( shm_kb < 1048576 )); then
        dsm="mmap"
    fi
    # shellcheck disable=SC2016  # $1 expands in the inner shell
    as sh -c 'cat >"$1"' _ "$DATA_DIR/tiepdan.conf" <<EOF
# generated by tiepdan scripts/postgres.sh on every start; edits are lost
listen_addresses = '127.0.0.1'
port = ${port}
unix_socket_directories = '${socket_dirs}'
unix_socket_permissions = 0700
max_connections = 200
shared_buffers = 256MB
effective_cache_size = 1GB
maintenance_work_mem = 64MB
work_mem = 4MB
random_page_cost = 1.1
dynamic_shared_memory_type = ${dsm}
# durability stays on: the benchmark measures this server
fsync = on
synchronous_commit = on
full_page_writes = on
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
log_min_duration_statement = -1
EOF
}

# --- commands ----------------------------------------------------------------

cmd_start() {
    if external 5; then
        log "using the server at TIEPDAN_TEST_DATABASE_URL; nothing to start"
        return 0
    fi
    need_python asyncpg
    ensure_installed
    prepare_state_dir
    lock

    local port
    if port="$(running_port)" && [[ -n "$port" ]]; then
        if probe "$(url_for "$port")" 10; then
            log "already running on 127.0.0.1:$port"
            printf '%s\n' "$port" >"$PORT_FILE"
            return 0
        fi
        die "a server runs on $DATA_DIR (port $port) but does not accept $ROLE; see $LOG_FILE or stop it with 'scripts/postgres.sh stop'"
    fi

    init_cluster
    port=""
    if [[ -f "$PORT_FILE" ]]; then
        port="$(cat "$PORT_FILE")"
        if ! port_free "$port"; then
            log "previous port $port is taken by something else; picking a new one"
            port=""
        fi
    fi
    [[ -n "$port" ]] || port="$(free_ports 1)"
    write_settings "$port"
    printf '%s\n' "$port" >"$PORT_FILE"

    if [[ -f "$LOG_FILE" ]]; then mv -f "$LOG_FILE" "$LOG_FILE.1"; fi
    as touch "$LOG_FILE"
    log "starting PostgreSQL $(cat "$DATA_DIR/PG_VERSION") on 127.0.0.1:$port; log: $LOG_FILE"
    # 9>&-: the postmaster must not inherit (and hold for ever) our lock fd.
    if ! as "$BINDIR/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t "$START_TIMEOUT" start \
            >/dev/null 2>"$STATE_DIR/pg_ctl.err" 9>&-; then
        cat "$STATE_DIR/pg_ctl.err" >&2
        log "last lines of $LOG_FILE:"
        tail -n 30 "$LOG_FILE" >&2
        die "PostgreSQL did not start"
    fi
    if ! probe "$(url_for "$port")" "$START_TIMEOUT"; then
        tail -n 30 "$LOG_FILE" >&2
        die "PostgreSQL started but $(url_for "$port") does not accept connections"
    fi
    log "ready on 127.0.0.1:$port"
}

cmd_stop() {
    if [[ -n "$PRESET" ]] && ! preset_is_ours; then
        log "TIEPDAN_TEST_DATABASE_URL is not ours; not stopping it"
        return 0
    fi
    if ! BINDIR="$(find_bindir)" || [[ ! -f "$DATA_DIR/PG_VERSION" ]]; then
        log "not running"
        return 0
    fi
    exec 9>"$STATE_DIR/.lock"
    if ! flock -w 10 9; then
        # A postmaster started by an earlier version of this script inherited
        # the lock fd and holds it while it runs; stopping it releases the lock.
        local holder
        holder="$(sed -n 1p "$DATA_DIR/postmaster.pid" 2>/dev/null)"
        if [[ -z "$holder" || "$(readlink "/proc/$holder/fd/9" 2>/dev/null)" != "$STATE_DIR/.lock" ]]; then
            flock -w 290 9 || die "another scripts/postgres.sh has held $STATE_DIR/.lock for 300s; is one stuck?"
        fi
    fi
    if ! running_port >/dev/null; then
        log "not running"
        return 0
    fi
    local mode="${TIEPDAN_PG_STOP_MODE:-fast}"
    [[ "$mode" == fast || "$mode" == immediate ]] || die "TIEPDAN_PG_STOP_MODE must be fast or immediate, not '$mode'"
    log "stopping PostgreSQL ($DATA_DIR, $mode)"
    as "$BINDIR/pg_ctl" -D "$DATA_DIR" -m "$mode" -w -t 60 stop >/dev/null || die "pg_ctl stop failed; see $LOG_FILE"
    log "stopped"
}

cmd_status() {
    if [[ -n "$PRESET" ]] && ! preset_is_ours; then
        need_python asyncpg
        if probe "$PRESET" 3 2>/dev/null; then
            log "external server answering at TIEPDAN_TEST_DATABASE_URL"
            return 0
        fi
        log "external server at TIEPDAN_TEST_DATABASE_URL is not answering"
        return 3
    fi
    local port
    if ! port="$(running_port)" || [[ -z "$port" ]]; then
        log "not running"
        return 3
    fi
    need_python asyncpg
    if probe "$(url_for "$port")" 3 2>/dev/null; then
        log "running on 127.0.0.1:$port (PostgreSQL $(cat "$DATA_DIR/PG_VERSION"), data $DATA_DIR)"
        return 0
    fi
    log "running on 127.0.0.1:$port but not accepting $ROLE"
    return 1
}

cmd_env() {
    if external 5; then
        printf 'export TIEPDAN_TEST_DATABASE_URL=%q\n' "$PRESET"
        return 0
    fi
    local port
    if ! port="$(running_port)" || [[ -z "$port" ]]; then
        die "the private cluster is not running; run 'scripts/postgres.sh start' first"
    fi
    printf 'export TIEPDAN_TEST_DATABASE_URL=%q\n' "$(url_for "$port")"
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
