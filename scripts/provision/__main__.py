"""The Python that scripts/kafka.sh, scripts/postgres.sh and scripts/lib.sh run.

    "$PYTHON" scripts/provision COMMAND ARGS...

Run by path (this folder is then the first entry of sys.path), with the interpreter the
scripts name in $PYTHON: the project's venv, made by `uv sync` before any server starts
(`make test`, .ci/run). Only the probes import a client (aiokafka, asyncpg); the port and
cluster-id commands use the standard library alone. Exit codes are the scripts' contract:
see each command.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

USAGE = """usage: provision COMMAND ARGS...
  kafka-probe BOOTSTRAP TIMEOUT [PID]  0 ready, 1 no answer in TIMEOUT s, 2 PID exited
  kafka-cluster-id                     a fresh KRaft cluster id
  postgres-probe URL TIMEOUT           0 connected, 1 no answer in TIMEOUT s
  port-free PORT                       0 if nothing listens on 127.0.0.1:PORT, else 1
  free-ports N                         N distinct free loopback ports, on one line"""


def _kafka_probe(args: list[str]) -> int:
    from kafka_broker import probe

    return probe(args[0], float(args[1]), int(args[2]) if len(args) > 2 else None)


def _kafka_cluster_id(args: list[str]) -> int:
    from kafka_broker import cluster_id

    print(cluster_id())
    return 0


def _postgres_probe(args: list[str]) -> int:
    from postgres_server import probe

    return probe(args[0], float(args[1]))


def _port_free(args: list[str]) -> int:
    from ports import is_free

    return 0 if is_free(int(args[0])) else 1


def _free_ports(args: list[str]) -> int:
    from ports import free

    print(*free(int(args[0])))
    return 0


COMMANDS: dict[str, tuple[Callable[[list[str]], int], range]] = {
    "kafka-probe": (_kafka_probe, range(2, 4)),
    "kafka-cluster-id": (_kafka_cluster_id, range(0, 1)),
    "postgres-probe": (_postgres_probe, range(2, 3)),
    "port-free": (_port_free, range(1, 2)),
    "free-ports": (_free_ports, range(1, 2)),
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS or len(argv) - 1 not in COMMANDS[argv[0]][1]:
        print(USAGE, file=sys.stderr)
        return 64
    run, _ = COMMANDS[argv[0]]
    return run(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
