"""The chaos run's tables: the audit, recovery by fault kind, what clients were answered."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Protocol

from rich.console import Console
from rich.table import Table


class _Fault(Protocol):
    kind: str
    ready_s: float | None
    caught_up_s: float | None


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def fault_rows(faults: list[Any]) -> dict[str, dict[str, Any]]:
    """Per fault kind: trials, ready again (p50, max) and caught up (p50, max), seconds."""
    by_kind: dict[str, list[_Fault]] = defaultdict(list)
    for fault in faults:
        by_kind[fault.kind].append(fault)
    rows: dict[str, dict[str, Any]] = {}
    for kind, group in by_kind.items():
        ready = [f.ready_s for f in group if f.ready_s is not None]
        caught = [f.caught_up_s for f in group if f.caught_up_s is not None]
        rows[kind] = {
            "trials": len(group),
            "ready_p50_s": _pct(ready, 0.5),
            "ready_max_s": max(ready) if ready else None,
            "caught_up_p50_s": _pct(caught, 0.5),
            "caught_up_max_s": max(caught) if caught else None,
            "never_caught_up": len(group) - len(caught),
        }
    return rows


def _s(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def print_report(result: dict[str, Any]) -> None:
    console = Console()
    verdict = result["verdict"]
    audit = Table(title="Chaos: every accepted case, audited in the three databases and Kafka")
    for column in ("accepted", "lost", "doubled", "stuck", "half-written", "given up",
                   "orphans", "unpublished", "consumer lag", "dead-lettered"):  # fmt: skip
        audit.add_column(column, justify="right")
    audit.add_row(
        str(verdict["accepted"]),
        str(verdict["lost"]),
        str(verdict["doubled"]),
        str(verdict["stuck"]),
        str(verdict["half_written"]),
        str(result["gave_up"]),
        str(verdict["orphans"]),
        str(sum(verdict["unpublished"].values())),
        str(sum(verdict["consumer_lag"].values())),
        str(verdict["dead_lettered"]),
    )
    console.print(audit)

    recovery = Table(title="Recovery by fault kind (seconds)")
    for column in ("fault", "trials", "ready p50", "ready max", "caught up p50",
                   "caught up max", "never caught up"):  # fmt: skip
        recovery.add_column(column, justify="right")
    for kind, row in result["faults"].items():
        recovery.add_row(
            kind,
            str(row["trials"]),
            _s(row["ready_p50_s"]),
            _s(row["ready_max_s"]),
            _s(row["caught_up_p50_s"]),
            _s(row["caught_up_max_s"]),
            str(row["never_caught_up"]),
        )
    console.print(recovery)

    answers = Table(title="What clients were answered, by the fault under way")
    outcomes = sorted({o for counts in result["answers"].values() for o in counts})
    answers.add_column("during")
    for outcome in outcomes:
        answers.add_column(outcome, justify="right")
    for kind, counts in sorted(result["answers"].items()):
        answers.add_row(kind, *(str(counts.get(o, 0)) for o in outcomes))
    console.print(answers)
    console.print(
        f"drain {result['drain_s']} s; "
        + ("[green]clean[/green]" if result["clean"] else "[red]NOT clean[/red]")
    )
