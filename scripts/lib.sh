# shellcheck shell=bash
# Helpers shared by scripts/kafka.sh and scripts/postgres.sh (sourced, not run).
# The caller sets NAME (the log prefix and the script's name), PYTHON (the project's venv
# interpreter), REPO (the checkout) and STATE_DIR (the server's state folder).

log() { printf '[%s] %s\n' "$NAME" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$NAME" "$*" >&2; exit 1; }

# lock: serialise start/stop on this state dir (fd 9, released on exit).
lock() {
    exec 9>"$STATE_DIR/.lock"
    flock -w 300 9 || die "another scripts/$NAME.sh has held $STATE_DIR/.lock for 300s; is one stuck?"
}

# need_python MODULE: the venv's Python exists and can import the client we probe with.
need_python() {
    [[ -x "$PYTHON" ]] || die "no Python at $PYTHON (create the venv with 'uv sync', or set TIEPDAN_PYTHON)"
    "$PYTHON" -c "import $1" 2>/dev/null || die "$PYTHON cannot import $1 (run 'uv sync' in $REPO)"
}

# provision COMMAND ARGS...: the Python of these scripts, scripts/provision/ (its
# __main__.py lists the commands), run with $PYTHON.
provision() { "$PYTHON" "$REPO/scripts/provision" "$@"; }

# port_free PORT: true if nothing listens on 127.0.0.1:PORT.
port_free() { provision port-free "$1"; }

# free_ports N: prints N distinct free loopback ports on one line.
free_ports() { provision free-ports "$1"; }
