#!/usr/bin/env bash
# Real PostgreSQL and Kafka for the integration tests and the benchmark.
#
#   eval "$(scripts/test-infra.sh up)"   start both (no-op when running), export
#                                        TIEPDAN_TEST_DATABASE_URL and
#                                        TIEPDAN_KAFKA_BOOTSTRAP_SERVERS
#   scripts/test-infra.sh down           stop both
#   scripts/test-infra.sh status         exit 0 if both answer
#   scripts/test-infra.sh env            print the export lines of running servers
#
# stdout carries only the export lines; progress and errors go to stderr. If
# provisioning fails, `up` exits 1 and prints `false` on stdout, so that
# `eval "$(scripts/test-infra.sh up)"` fails too (eval of an empty string would
# succeed). TIEPDAN_SKIP_INTEGRATION=1 makes `up` print nothing and succeed.
# Servers named by a pre-set TIEPDAN_TEST_DATABASE_URL or
# TIEPDAN_KAFKA_BOOTSTRAP_SERVERS are used instead of private ones; see
# scripts/postgres.sh and scripts/kafka.sh for the other settings.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

log() { printf '[test-infra] %s\n' "$*" >&2; }

cmd_up() {
    if [[ "${TIEPDAN_SKIP_INTEGRATION:-}" == 1 ]]; then
        log "TIEPDAN_SKIP_INTEGRATION=1: not provisioning PostgreSQL and Kafka"
        return 0
    fi
    local started=$SECONDS
    # Both at once: the JVM start dominates, PostgreSQL fits inside it.
    local pg_rc=0 kafka_rc=0 pg_pid
    "$HERE/postgres.sh" start >&2 &
    pg_pid=$!
    "$HERE/kafka.sh" start >&2 || kafka_rc=$?
    wait "$pg_pid" || pg_rc=$?

    local envs="" failed=()
    if (( pg_rc == 0 )); then
        envs+="$("$HERE/postgres.sh" env)"$'\n' || failed+=("PostgreSQL")
    else
        failed+=("PostgreSQL")
    fi
    if (( kafka_rc == 0 )); then
        envs+="$("$HERE/kafka.sh" env)"$'\n' || failed+=("Kafka")
    else
        failed+=("Kafka")
    fi

    if (( ${#failed[@]} )); then
        local what="${failed[0]}"
        (( ${#failed[@]} == 1 )) || what="${failed[0]} and ${failed[1]}"
        printf '%s\n' "false"
        printf '\n[test-infra] ERROR: could not provision %s for the integration tests (details above). Fix that, or on a machine that truly cannot run a real PostgreSQL and Kafka set TIEPDAN_SKIP_INTEGRATION=1 to skip those tests.\n' "$what" >&2
        exit 1
    fi
    printf '%s' "$envs"
    log "PostgreSQL and Kafka ready in $((SECONDS - started))s"
}

cmd_down() {
    local rc=0
    "$HERE/kafka.sh" stop >&2 || rc=1
    "$HERE/postgres.sh" stop >&2 || rc=1
    return "$rc"
}

cmd_status() {
    local rc=0
    "$HERE/postgres.sh" status || rc=$?
    "$HERE/kafka.sh" status || rc=$?
    return "$rc"
}

cmd_env() {
    "$HERE/postgres.sh" env
    "$HERE/kafka.sh" env
}

case "${1:-}" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    env) cmd_env ;;
    *)
        echo "usage: $0 {up|down|status|env}" >&2
        exit 2
        ;;
esac
