"""The portal's transparency page (issue 16): GET /units/20 over 1M cases of Lạng Sơn, beside
routing's figures API alone (GET /v1/stats/units/20), both over HTTP in the same run.

    eval "$(scripts/test-infra.sh up)"; python -m bench.portal [--stats-rows 1000000]

The page asks routing for the unit, its figures, its months (one call to
/v1/stats/units/{code}/months), its period report, its reception calendar and its communes'
names; each of those calls is also timed alone, to show where an uncached view's time goes.
Two portals are measured: one that asks routing on every view
(TIEPDAN_PORTAL_PUBLIC_CACHE_SECONDS=0) and one with the default 60 s cache of public
figures (every request after the warm-up is then a hit). Intake is not started: the page
stands on routing alone (categories then shown by code). Everything the run created is
removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import time
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench.common.machine import machine
from bench.common.output import RESULTS, say
from bench.common.stack import Infra, Service, start_service, stop_services
from bench.common.timing import time_http
from bench.routing.data import PROVINCE, load_stats
from bench.routing.run import routing_service
from services.routing.units.registry import UnitRegistry
from shared.geography import AdminMap


async def _portal_up(portal: Service, *, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        while True:
            if portal.proc.poll() is not None:
                raise RuntimeError(f"portal exited at start-up:\n{portal.log_tail()}")
            try:
                if (await client.get(f"{portal.url}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("portal not up")
            await asyncio.sleep(0.2)


def _page_calls(unit: str) -> dict[str, tuple[str, dict[str, str] | None]]:
    """What services/portal/units/endpoints.py asks routing for, for this year."""
    this = time.strftime("%Y-%m")
    months = {"from": f"{this[:4]}-01", "to": this}
    calls: dict[str, tuple[str, dict[str, str] | None]] = {
        "unit": (f"/v1/units/{unit}", None),
        "figures": (f"/v1/stats/units/{unit}", None),
        "months": (f"/v1/stats/units/{unit}/months", months),
        "report": (f"/v1/reports/units/{unit}", None),
        "reception_sessions": (f"/v1/units/{unit}/reception-sessions", None),
    }
    if unit == PROVINCE:
        calls["communes"] = ("/v1/units", {"parent": unit, "limit": "500"})
    return calls


async def run(args: argparse.Namespace) -> dict[str, Any]:
    infra = Infra.for_new_run()
    result: dict[str, Any] = {"run_id": infra.run_id, "args": vars(args), "machine": machine()}
    admin = AdminMap.load()
    try:
        await infra.create_databases(("stats",))
        await infra.migrate("stats", "routing")
        conn = await asyncpg.connect(infra.url("stats", driver="postgresql"))
        agencies = [a.code for a in UnitRegistry.load(admin).agencies_of(PROVINCE)]
        try:
            say(f"portal: loading {args.stats_rows:,} cases in province {PROVINCE}")
            result["load"] = await load_stats(conn, admin, rows=args.stats_rows, agencies=agencies)
        finally:
            await conn.close()
        async with routing_service(infra, "stats") as routing:
            env = infra.service_env() | {
                "TIEPDAN_PORTAL_ROUTING_URL": routing.url,
                "TIEPDAN_PORTAL_INTAKE_URL": "http://127.0.0.1:9",  # not started
                "TIEPDAN_PORTAL_TIMEOUT_SECONDS": "60",
            }
            portals = []
            for name, seconds in (("uncached", "0"), ("cached", "60")):
                log_dir = infra.work_dir / f"logs-portal-{name}"
                log_dir.mkdir(exist_ok=True)
                kept = env | {"TIEPDAN_PORTAL_PUBLIC_CACHE_SECONDS": seconds}
                portals.append((name, start_service("portal", kept, "", log_dir)))
            try:
                for _, portal in portals:
                    await _portal_up(portal)
                async with httpx.AsyncClient(timeout=120.0, trust_env=False) as client:
                    for unit in (PROVINCE, "06427"):
                        say(f"portal: {args.requests} requests of /units/{unit} and its figures")
                        result[unit] = {
                            "figures_api": await time_http(
                                client, f"{routing.url}/v1/stats/units/{unit}", None,
                                count=args.requests, budget_s=120,
                            ),
                        }  # fmt: skip
                        for name, portal in portals:
                            result[unit][f"portal_page_{name}"] = await time_http(
                                client, f"{portal.url}/units/{unit}", None,
                                count=args.requests, budget_s=120,
                            )  # fmt: skip
                        # Where an uncached view's time goes: each call the page makes to
                        # routing, alone (the page makes them side by side, after the unit).
                        result[unit]["calls"] = {
                            call: await time_http(
                                client, f"{routing.url}{path}", params,
                                count=args.requests, budget_s=60,
                            )
                            for call, (path, params) in _page_calls(unit).items()
                        }  # fmt: skip
            finally:
                stop_services([portal for _, portal in portals])
        result["loadavg_after"] = os.getloadavg()
    finally:
        problems = await infra.cleanup()
        for problem in problems:
            say(f"[red]could not remove {problem}[/red]")
        shutil.rmtree(infra.work_dir, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.portal", description="the portal's transparency page, over HTTP"
    )
    parser.add_argument("--stats-rows", type=int, default=1_000_000, help="cases in province")
    parser.add_argument("--requests", type=int, default=20, help="per address")
    args = parser.parse_args()
    if not (1000 <= args.stats_rows <= 20_000_000 and 1 <= args.requests <= 1000):
        parser.error("--stats-rows 1000..20M, --requests 1..1000")
    result = asyncio.run(run(args))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"portal-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str))
    for unit in (PROVINCE, "06427"):
        for name in ("figures_api", "portal_page_uncached", "portal_page_cached"):
            found = result[unit][name]
            say(
                f"{unit} {name}: p50 {found['p50_ms']:.0f} ms, p99 {found['p99_ms']:.0f} ms, "
                f"{found.get('bytes', 0):,} bytes, {found['statuses']}"
            )
        for call, found in result[unit]["calls"].items():
            say(
                f"{unit}   routing {call}: p50 {found['p50_ms']:.1f} ms, "
                f"p99 {found['p99_ms']:.1f} ms, {found['statuses']}"
            )
    say(f"written to {path}")


if __name__ == "__main__":
    main()
