#!/usr/bin/env bash
# The browser for the portal's browser tests: Chromium from Debian's `chromium` package,
# driven by Playwright for Python through its executable_path (Playwright's own browser
# download is not used).
#
#   scripts/browser.sh install   apt-get install chromium when missing (root); no-op otherwise
#   scripts/browser.sh env       print: export TIEPDAN_CHROMIUM=<path>
#
# Environment: TIEPDAN_CHROMIUM  use this browser instead (nothing is installed).
set -euo pipefail
NAME=browser

log() { printf '[%s] %s\n' "$NAME" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$NAME" "$*" >&2; exit 1; }

find_chromium() {
    if [[ -n "${TIEPDAN_CHROMIUM:-}" ]]; then
        [[ -x "$TIEPDAN_CHROMIUM" ]] || die "TIEPDAN_CHROMIUM=$TIEPDAN_CHROMIUM is not executable"
        echo "$TIEPDAN_CHROMIUM"
        return
    fi
    for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
        if [[ -x "$candidate" ]]; then echo "$candidate"; return; fi
    done
}

install() {
    if [[ -n "${TIEPDAN_CHROMIUM:-}" ]]; then find_chromium >/dev/null; return; fi
    if [[ -n "$(find_chromium)" ]]; then return; fi
    [[ "$(id -u)" == 0 ]] || die "chromium is missing and installing it needs root: apt-get install chromium"
    log "installing Debian's chromium package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >&2
    [[ -n "$(find_chromium)" ]] || die "chromium did not install"
}

case "${1:-}" in
    install) install ;;
    env) install; echo "export TIEPDAN_CHROMIUM=$(find_chromium)" ;;
    *) die "usage: scripts/browser.sh install|env" ;;
esac
