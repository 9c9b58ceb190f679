"""Where the benchmarks talk (stderr, so that stdout stays the report) and where their
results go: bench/results/ (gitignored)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Coroutine
from typing import Any

from rich.console import Console

from bench.common.stack import REPO

console = Console(stderr=True, highlight=False, soft_wrap=True)
RESULTS = REPO / "bench" / "results"


def say(message: str) -> None:
    console.print(f"[bold cyan]\\[bench][/] {message}")


def run_and_keep(
    family: str,
    run: Coroutine[Any, Any, dict[str, Any]],
    print_report: Callable[[dict[str, Any]], None],
) -> None:
    """Run a benchmark, keep its result as bench/results/<family>-<time>.json, print it.
    Interrupted, it says so: the run removed what it had created on the way out."""
    try:
        result = asyncio.run(run)
    except KeyboardInterrupt:
        say("interrupted: what this run created has been removed")
        raise SystemExit(130) from None
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{family}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    print_report(result)
    say(f"result written to {path.relative_to(REPO)}")
