"""The tables printed at the end of `python -m bench.routing`."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _ms(value: float) -> str:
    return f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"


def _ratio(a: float, b: float) -> str:
    return f"{a / b:,.1f}x" if b else "-"


def _head(out: Console, result: dict[str, Any]) -> None:
    m, v = result["machine"], result.get("versions", {})
    out.print(
        f"\n[bold]machine[/]: {m['nproc']} CPUs, {m['cpu_model']}, {m['memory_gib']} GiB, "
        f"Linux {m['kernel']}, load average at start {m['loadavg_at_start']}"
    )
    out.print(
        "[bold]versions[/]: "
        + ", ".join(f"{k} {v[k]}" for k in ("postgresql", "kafka", "python", "fastapi",
                                             "uvicorn", "sqlalchemy", "asyncpg", "aiokafka")
                    if k in v)
    )  # fmt: skip
    out.print(f"[bold]phases (s)[/]: {result['phases_s']}")


def _queue(out: Console, q: dict[str, Any]) -> None:
    load = q["load"]
    t = Table(
        title=f"GET /v1/queues/{q['unit']} (page {q['page_size']}) vs the keyset SQL via asyncpg"
        f" — {load['rows']:,} cases ({load['size']}), loaded in {load['load_s']} s"
    )
    for col in ("shape", "n", "HTTP p50", "HTTP p99", "SQL p50", "SQL p99", "p99 ratio",
                "counts SQL p50"):  # fmt: skip
        t.add_column(col, justify="left" if col == "shape" else "right")
    for s in q["shapes"]:
        h, r, c = s["http"], s["sql"], s["counts_sql"]
        errors = {k: n for k, n in h["statuses"].items() if k != "200"}
        name = s["shape"] + (f" [red]{errors}[/]" if errors else "")
        t.add_row(
            name, str(h["n"]), _ms(h["p50_ms"]), _ms(h["p99_ms"]), _ms(r["p50_ms"]),
            _ms(r["p99_ms"]), _ratio(h["p99_ms"], r["p99_ms"]), _ms(c["p50_ms"]),
        )  # fmt: skip
    out.print(t)
    out.print("times in ms; 'counts SQL' is the per-status count every page also runs")
    for s in q["shapes"]:
        out.print(f"  EXPLAIN {s['shape']}: {s['explain']['summary']}")
        out.print(f"    generic plan (prepared): {s['explain_generic']['summary']}")
    out.print(f"  EXPLAIN counts (first page): {q['shapes'][0]['explain_counts']['summary']}")
    out.print(f"  following next_cursor: {q['walk_40_pages']}")
    out.print(f"  load average after the phase: {[round(x, 2) for x in q['loadavg_after']]}")


def _stats(out: Console, s: dict[str, Any]) -> None:
    load = s["load"]
    t = Table(
        title=f"GET /v1/stats/units/... {s['period']} vs count(*) — {load['rows']:,} cases "
        f"({load['size']}), loaded in {load['load_s']} s"
    )
    for col in ("unit", "n", "HTTP p50", "HTTP p99", "count(*) p50", "count(*) p99", "p50 ratio"):
        t.add_column(col, justify="left" if col == "unit" else "right")
    for shape in s["shapes"]:
        h, r = shape["http"], shape["sql"]
        errors = {k: n for k, n in h["statuses"].items() if k != "200"}
        name = shape["shape"] + (f" [red]{errors}[/]" if errors else "")
        t.add_row(
            name, str(h["n"]), _ms(h["p50_ms"]), _ms(h["p99_ms"]), _ms(r["p50_ms"]),
            _ms(r["p99_ms"]), _ratio(h["p50_ms"], r["p50_ms"]),
        )  # fmt: skip
    out.print(t)
    for shape in s["shapes"]:
        if "report_http" in shape:
            rep, base = shape["report_http"], shape["sql"]
            out.print(
                f"  {shape['shape']}: GET /v1/reports/units/... p50 {_ms(rep['p50_ms'])}, "
                f"p99 {_ms(rep['p99_ms'])} ms ({_ratio(rep['p50_ms'], base['p50_ms'])} count(*)); "
                f"statuses {rep['statuses']}"
            )
    for shape in s["shapes"]:  # issue 17: the index and the board's counts in the figures
        if "satisfaction_scan_sql" in shape:
            h, scan = shape["http"], shape["satisfaction_scan_sql"]
            out.print(
                f"  {shape['shape']}: satisfaction {shape['satisfaction']}; recommendations "
                f"{shape['recommendations']}; the index read from the cases instead: p50 "
                f"{_ms(scan['p50_ms'])}, p99 {_ms(scan['p99_ms'])} ms (figures p50 "
                f"{_ratio(h['p50_ms'], scan['p50_ms'])} of it)"
            )
    for shape in s["shapes"]:
        if shape["slow"]:
            out.print(f"[bold red]{shape['shape']}: slower than 2 s[/] (plans below)")
        out.print(f"  {shape['shape']}, the endpoint's statements (p50 ms; plan):")
        for name, part in shape["statements"].items():
            out.print(f"    {name:<20} {_ms(part['p50_ms']):>9}  {part['explain']['summary']}")
            if "explain_generic" in part:
                out.print(f"      generic plan (prepared): {part['explain_generic']['summary']}")
        out.print(f"    {'baseline count(*)':<20} {'':>9}  {shape['explain_baseline']['summary']}")
    out.print(f"  load average after the phase: {[round(x, 2) for x in s['loadavg_after']]}")


def _flow(out: Console, f: dict[str, Any]) -> None:
    r, b = f["routing"], f["floor"]
    t = Table(title=f"{f['events']:,} case.submitted: routing's consumer vs a plain consumer")
    t.add_column("")
    t.add_column("routing (tiepdan serve)", justify="right")
    t.add_column("floor (aiokafka + INSERT)", justify="right")
    t.add_column("routing / floor", justify="right")
    t.add_row(
        "events/s", f"{r['events_per_s']:,.1f}", f"{b['events_per_s']:,.1f}",
        f"{r['events_per_s'] / b['events_per_s']:.2f}" if b["events_per_s"] else "-",
    )  # fmt: skip
    t.add_row("measured over", f"{r['window_s']:.1f} s", f"{b['seconds']:.1f} s", "")
    t.add_row(
        "done", f"{r['cases']:,} routed, {r['published']:,} published"
        + ("" if r["complete"] else " [red]INCOMPLETE[/]"),
        f"{b['events']:,}" + ("" if b["complete"] else " [red]INCOMPLETE[/]"), "",
    )  # fmt: skip
    t.add_row(
        "CPU ms / event", f"{r['cpu_ms_per_event']:.2f} (service)",
        f"{b['client_cpu_ms_per_event']:.2f} (client)", "",
    )  # fmt: skip
    t.add_row(
        "from process start", f"{r['events_per_s_from_start']:,.1f}/s (ready {r['ready_s']:.1f} s)",
        "", "",
    )  # fmt: skip
    out.print(t)
    out.print(
        f"  envelopes: median {f['envelope_bytes_median']:,} B, published in "
        f"{f['publish_s']:.1f} s; load average after: {[round(x, 2) for x in f['loadavg_after']]}"
    )


def print_report(result: dict[str, Any]) -> None:
    out = Console(highlight=False)
    if not out.is_terminal:
        out.width = 150
    _head(out, result)
    if "queue" in result:
        _queue(out, result["queue"])
    if "stats" in result:
        _stats(out, result["stats"])
    if "flow" in result:
        _flow(out, result["flow"])
