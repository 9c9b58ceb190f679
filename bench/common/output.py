"""Where the benchmarks talk (stderr, so that stdout stays the report) and where their
results go: bench/results/ (gitignored)."""

from __future__ import annotations

from rich.console import Console

from bench.common.stack import REPO

console = Console(stderr=True, highlight=False, soft_wrap=True)
RESULTS = REPO / "bench" / "results"


def say(message: str) -> None:
    console.print(f"[bold cyan]\\[bench][/] {message}")
