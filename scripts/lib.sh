# shellcheck shell=bash
# Helpers shared by scripts/kafka.sh and scripts/postgres.sh (sourced, not run).
# The caller sets NAME (the log prefix) and PYTHON (the project's venv interpreter).

log() { printf '[%s] %s\n' "$NAME" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$NAME" "$*" >&2; exit 1; }

# need_python MODULE: the venv's Python exists and can import the client we probe with.
need_python() {
    [[ -x "$PYTHON" ]] || die "no Python at $PYTHON (create the venv with 'uv sync', or set TIEPDAN_PYTHON)"
    "$PYTHON" -c "import $1" 2>/dev/null || die "$PYTHON cannot import $1 (run 'uv sync' in $REPO)"
}

# port_free PORT: true if nothing listens on 127.0.0.1:PORT.
port_free() {
    "$PYTHON" - "$1" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

# free_ports N: prints N distinct free loopback ports on one line.
free_ports() {
    "$PYTHON" - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
for s in socks:
    s.close()
PY
}
