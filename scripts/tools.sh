#!/usr/bin/env bash
# Command-line tools some tests run, from Debian's packages, installed when missing.
#
#   scripts/tools.sh ensure    install what is missing (root: apt-get), no-op otherwise
#
# promtool (package `prometheus`): tests/deploy/test_alert_rules.py runs
# `promtool test rules deploy/prometheus/alerts.test.yml`.
set -euo pipefail

NAME=tools
log() { printf '[%s] %s\n' "$NAME" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$NAME" "$*" >&2; exit 1; }

# apt_install COMMAND PACKAGE: make COMMAND available from Debian's PACKAGE.
apt_install() {
    local command="$1" package="$2"
    command -v "$command" >/dev/null && return 0
    (( EUID == 0 )) || die "$command is missing and we are not root: sudo apt-get install -y --no-install-recommends $package"
    command -v apt-get >/dev/null || die "$command is missing and apt-get is unavailable: install $package"
    log "installing Debian's $package package for $command (one-off)"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-cache policy "$package" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        apt-get update >&2 || die "apt-get update failed"
    fi
    apt-get install -y --no-install-recommends "$package" >&2 \
        || { apt-get update >&2 && apt-get install -y --no-install-recommends "$package" >&2; } \
        || die "apt-get install -y $package failed"
    command -v "$command" >/dev/null || die "$package was installed but $command is not on PATH"
}

case "${1:-}" in
    ensure)
        apt_install promtool prometheus
        ;;
    *)
        echo "usage: $0 ensure" >&2
        exit 2
        ;;
esac
