"""The tables printed at the end of `python -m bench.intake`."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

ORDER = ("intake", "routing", "notification", "load client", "pgbench client")


def _ms(value: float) -> str:
    return f"{value:,.1f} ms"


def _cpu_rows(cpu: dict[str, Any], per_s: float, nproc: int) -> list[tuple[str, str, str]]:
    """(what, cores used on average, CPU ms per transaction) per process group, ours first."""
    cores: dict[str, float] = cpu["cores"]
    names = [n for n in ORDER if n in cores] + sorted(n for n in cores if n not in ORDER)

    def ms(c: float) -> str:
        return f"{1000 * c / per_s:.2f}" if per_s else "-"

    rows = [(n, f"{cores[n]:.2f}", ms(cores[n])) for n in names]
    ours = sum(cores.values())
    rest = max(cpu["machine_busy"] * nproc - ours, 0.0)
    rows.append(("all of the above", f"{ours:.2f}", ms(ours)))
    who = "PG background, others" if any("kafka" in n for n in cores) else "Kafka, PG, others"
    rows.append((f"rest of the machine ({who})", f"{rest:.2f}", ""))
    return rows


def _per_endpoint(endpoints: dict[str, Any], pg: dict[str, Any] | None) -> Table:
    """Each endpoint's share of the closed loop, with the ratios to the pgbench baseline."""
    table = Table(title="Per endpoint (ratios: to pgbench's throughput and latencies)")
    for name in ("", "submissions /s", "p50", "p99", "/s ÷ pgbench", "p50 ÷", "p99 ÷", "errors"):
        table.add_column(name, justify="left" if not name else "right")
    tps = (pg or {}).get("tps", 0.0)
    pg_lat = (pg or {}).get("latency", {})
    labels = {"cases": "native JSON (/v1/cases)", "open311": "Open311 form"}
    for name, block in endpoints.items():
        lat = block["latency"]
        errors = {k: n for k, n in block["statuses"].items() if k != "201"}
        table.add_row(
            labels.get(name, name),
            f"{block['rps']:,.1f}",
            _ms(lat["p50_ms"]),
            _ms(lat["p99_ms"]),
            f"{block['rps'] / tps:.3f}" if tps else "-",
            f"{lat['p50_ms'] / pg_lat['p50_ms']:.1f}x" if pg_lat.get("p50_ms") else "-",
            f"{lat['p99_ms'] / pg_lat['p99_ms']:.1f}x" if pg_lat.get("p99_ms") else "-",
            str(errors or 0),
        )
    return table


def _sms(sms: dict[str, Any] | None) -> str:
    """The citizens' SMS at the end of the drain, or why there are none."""
    if not sms:
        return "not delivered (--no-deliveries: no gateway, notices fail at once)"
    missing = "" if sms["complete"] else f" [red]INCOMPLETE[/] ({sms['dead']:,} given up)"
    return f"{sms['sms_received_by_gateway']:,} / {sms['sms_expected']:,}{missing}"


def print_report(result: dict[str, Any]) -> None:
    out = Console(highlight=False)
    if not out.is_terminal:
        out.width = 110  # a log or a pipe: wide enough that the tables keep one line per row
    m, v = result["machine"], result["versions"]
    out.print(
        f"\n[bold]machine[/]: {m['nproc']} CPUs, {m['cpu_model']}, {m['memory_gib']} GiB, "
        f"Linux {m['kernel']}, load average at start {m['loadavg_at_start']}"
    )
    out.print(
        f"[bold]versions[/]: PostgreSQL {v['postgresql']}, Kafka {v['kafka']}, "
        f"Python {v['python']}, "
        + ", ".join(f"{k} {v[k]}" for k in ("fastapi", "uvicorn", "sqlalchemy", "asyncpg"))
    )
    load, e2e, pg = result["load"], result["e2e"], result.get("pgbench")
    args = result["args"]
    out.print(
        f"[bold]run[/]: {args['concurrency']} clients, {args['warmup']} s warm-up, "
        f"{args['duration']} s measured; phases (s) {result['phases_s']}; "
        f"SIGTERM to exit {result.get('shutdown')}"
    )

    mixed = " (all endpoints)" if len(load.get("endpoints", {})) > 1 else ""
    table = Table(title=f"Submissions{mixed} vs the same transaction in pgbench")
    table.add_column("")
    table.add_column("intake (HTTP)", justify="right")
    table.add_column("pgbench (SQL)", justify="right")
    table.add_column("intake / pgbench", justify="right")
    lat, pg_lat = load["latency"], (pg or {}).get("latency", {})
    rps, tps = load["rps"], (pg or {}).get("tps", 0.0)
    table.add_row(
        "throughput /s",
        f"{rps:,.1f}",
        f"{tps:,.1f}" if pg else "-",
        f"{rps / tps:.3f}" if tps else "-",
    )
    for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms"):
        pg_value = pg_lat.get(key)
        ratio = f"{lat[key] / pg_value:.1f}x" if pg_value else "-"
        table.add_row(
            key.removesuffix("_ms"), _ms(lat[key]), _ms(pg_value) if pg_value else "-", ratio
        )
    table.add_row(
        "completed in window",
        f"{load['statuses'].get('201', 0):,}",
        f"{pg['transactions_measured']:,}" if pg else "-",
        "",
    )
    errors = {k: n for k, n in load["statuses"].items() if k != "201"}
    table.add_row("errors", str(errors or 0), str(pg.get("failed")) if pg else "-", "")
    payload_pg = f"{pg['outbox_payload_bytes']:,.0f} B" if pg else "-"
    table.add_row("outbox payload", f"{result['outbox_payload_bytes']:,.0f} B", payload_pg, "")
    out.print(table)
    if len(load.get("endpoints", {})) > 1:
        out.print(_per_endpoint(load["endpoints"], pg))
    refused = sum(errors.values())
    if refused > 0.01 * max(load["requests_measured"], 1):
        out.print(
            f"[bold red]warning:[/] {refused:,} of {load['requests_measured']:,} requests failed "
            f"({errors}); intake's figures do not measure submissions. Look at the cause first."
        )

    sms = result.get("deliveries")
    sent = " -> SMS to the citizen" if sms else ""
    flow = Table(title=f"End to end: submitted -> routed -> deadline set -> back in intake{sent}")
    flow.add_column("")
    flow.add_column("", justify="right")
    q = e2e["submitted_to_deadline_s"]
    routed = f"{e2e['routed_with_deadline']:,}" + ("" if e2e["complete"] else " [red]INCOMPLETE[/]")
    rates = e2e["stage_rates_during_window"]
    at_end = e2e["at_load_end"]
    quantiles = f"{q['p50']:.2f} / {q['p95']:.2f} / {q['p99']:.2f} s"
    for label, value in (
        ("cases submitted (warm-up + window + tail)", f"{e2e['cases']:,}"),
        ("routed with a deadline, back in intake", routed),
        ("per stage /s while loaded", ", ".join(f"{k} {v:,.1f}" for k, v in rates.items())),
        ("per stage when the load stopped", ", ".join(f"{k} {v}" for k, v in at_end.items())),
        ("drain time after the load stopped", f"{e2e['drain_s']:.1f} s"),
        ("end-to-end throughput (first submit -> last done)", f"{e2e['e2e_throughput']:,.1f} /s"),
        ("submitted -> deadline set, p50 / p95 / p99", quantiles),
        ("SMS to citizens: delivered (at the gateway) / expected", _sms(sms)),
    ):  # fmt: skip
        flow.add_row(label, value)
    out.print(flow)

    timings = Table(title="The services' own timings (from /metrics): count and mean")
    timings.add_column("")
    for phase in ("load", "drain"):
        timings.add_column(f"during {phase}", justify="right")

    def cell(c: dict[str, Any]) -> str:
        return f"{c['count']:,} × {c['mean_ms']:,.1f} ms" if c.get("mean_ms") else "-"

    for key in result["timings"]["load"]:
        timings.add_row(key, *(cell(result["timings"][p].get(key, {})) for p in ("load", "drain")))
    out.print(timings)

    if whole := result.get("whole"):
        busy = f"{whole['seconds']:.1f} s, machine {100 * whole['machine_busy']:.0f}% busy"
        counted = "SMS deliveries counted" if sms else "deliveries not counted"
        t = Table(title=f"Whole pipeline, first request to end of drain, {counted} ({busy})")
        t.add_column("process")
        t.add_column("CPU ms / case", justify="right")
        for name, value in whole["cpu_ms_per_case"].items():
            t.add_row(name, "-" if value is None else f"{value:.2f}")
        total = whole["cpu_ms_per_case_total"]
        texts = f", {sms['sms_received_by_gateway']:,} SMS" if sms else ""
        t.add_row(f"pipeline total ({whole['cases']:,} cases{texts}, load client excluded)",
                  "-" if total is None else f"{total:.2f}")  # fmt: skip
        out.print(t)

    nproc = result["machine"]["nproc"] or 1
    for title, block, per_s in (
        ("CPU while intake was loaded", load, load["rps"]),
        ("CPU while pgbench ran", pg, (pg or {}).get("tps", 0.0)),
    ):
        if not block:
            continue
        cpu = block["cpu"]
        busy = f"{cpu['seconds']:.1f} s, machine {100 * cpu['machine_busy']:.0f}% busy"
        t = Table(title=f"{title} ({busy})")
        t.add_column("process")
        t.add_column("cores", justify="right")
        t.add_column("CPU ms / tx", justify="right")
        for row in _cpu_rows(cpu, per_s, nproc):
            t.add_row(*row)
        out.print(t)
