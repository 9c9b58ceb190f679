"""The closed-loop load generator, run as its own process (`python -m bench.intake.load`).

A separate process so that its CPU is not mixed with the orchestrator's, and can be
accounted on its own: it reports the CPU seconds it used inside the measured window.
C workers each send one request, wait for the answer, and send the next (closed loop); or,
with --rate, requests start at a fixed offered rate whether or not earlier ones have finished
(open loop), and each latency counts from the moment its request was due, so that a stalled
server is not hidden by clients that waited for it (no coordinated omission).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench.common.payloads import Commune, communes, open311_form, submission
from bench.common.timing import latency_summary
from shared.geography import AdminMap

MAX_REQUESTS = 5_000_000  # a hard bound on top of the time bound
REQUEST_TIMEOUT = 30.0
KEY_VARIABLE = "BENCH_OPEN311_API_KEY"  # from the environment: argv is visible to `ps`
ENDPOINTS = {"cases": "POST /v1/cases (JSON)", "open311": "POST /open311/v2/requests.json (form)"}


def summary(samples: list[tuple[float, float, str, str]], duration: float) -> dict[str, Any]:
    """Throughput and latency of the 201s among samples already cut to the window."""
    ok = [s[1] for s in samples if s[2] == "201"]
    return {
        "requests_measured": len(samples),
        "rps": len(ok) / duration,
        "statuses": dict(Counter(s[2] for s in samples)),
        "latency": latency_summary(ok),
    }


async def run_load(
    url: str,
    *,
    concurrency: int,
    duration: float,
    warmup: float,
    seed: int,
    open311_share: float = 0.0,
    api_key: str = "",
    rate: float = 0.0,
    sms: bool = False,
) -> dict[str, Any]:
    places: list[Commune] = communes(AdminMap.load())
    # (start offset, latency, status, endpoint)
    samples: list[tuple[float, float, str, str]] = []
    issued = 0
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=url, limits=limits, timeout=REQUEST_TIMEOUT, trust_env=False
    ) as client:
        began = time.perf_counter()
        window_start, stop_at = began + warmup, began + warmup + duration
        cpu_marks: dict[str, float] = {}
        epoch_marks: dict[str, float] = {"began": time.time()}

        async def send(rng: random.Random, due: float) -> None:
            """One request; its latency counts from `due` (when it should have started)."""
            endpoint = "open311" if rng.random() < open311_share else "cases"
            if endpoint == "open311":
                request = client.build_request(
                    "POST",
                    "/open311/v2/requests.json",
                    data=open311_form(rng, places, api_key, sms=sms),
                )
            else:
                headers = {"Idempotency-Key": str(uuid.uuid4())} if rng.random() < 0.5 else {}
                body = submission(rng, places, sms=sms)
                request = client.build_request("POST", "/v1/cases", json=body, headers=headers)
            try:
                response = await client.send(request)
                status = str(response.status_code)
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            samples.append((due - began, time.perf_counter() - due, status, endpoint))

        async def worker(n: int) -> None:
            nonlocal issued
            rng = random.Random(seed * 1000 + n)
            while time.perf_counter() < stop_at and issued < MAX_REQUESTS:
                issued += 1
                await send(rng, time.perf_counter())

        async def open_loop() -> None:
            """Start request i at began + i/rate; at most `concurrency` in flight (a request
            due while all are busy waits for a slot, and its wait counts in its latency)."""
            nonlocal issued
            rng = random.Random(seed)
            slots = asyncio.Semaphore(concurrency)
            running: set[asyncio.Task[None]] = set()

            async def one(due: float) -> None:
                try:
                    await send(rng, due)
                finally:
                    slots.release()

            while issued < MAX_REQUESTS:
                due = began + issued / rate
                if due >= stop_at:
                    break
                await asyncio.sleep(max(0.0, due - time.perf_counter()))  # the schedule itself
                await slots.acquire()
                issued += 1
                task = asyncio.create_task(one(due))
                running.add(task)
                task.add_done_callback(running.discard)
            await asyncio.gather(*running)

        async def reporter() -> None:
            marks = {"start": window_start, "end": stop_at}
            last_n, last_t = 0, began
            while True:
                for name, at in list(marks.items()):
                    if time.perf_counter() >= at:
                        cpu_marks[name] = time.process_time()
                        epoch_marks[name] = time.time()
                        del marks[name]
                await asyncio.sleep(0.05)
                now = time.perf_counter()
                if now - last_t >= 2.0:
                    n = len(samples)
                    errors = sum(1 for s in samples if s[2] != "201")
                    phase = "warm-up" if now < window_start else "measuring"
                    print(
                        f"[load] {now - began:5.1f}s {phase:9} {n:7d} done "
                        f"{(n - last_n) / (now - last_t):7.1f}/s  errors {errors}",
                        file=sys.stderr,
                        flush=True,
                    )
                    last_n, last_t = n, now

        report = asyncio.create_task(reporter())
        if rate:
            await open_loop()
        else:
            await asyncio.gather(*(worker(n) for n in range(concurrency)))
        report.cancel()
        cpu_marks.setdefault("end", time.process_time())
        epoch_marks.setdefault("end", time.time())
        wall = time.perf_counter() - began

    # The window counts the requests that *started* in it; the last ones finish just after.
    measured = [s for s in samples if warmup <= s[0] < warmup + duration]
    return {
        "concurrency": concurrency,
        "offered_rate": rate or None,
        "duration_s": duration,
        "warmup_s": warmup,
        "open311_share": open311_share,
        "sms": sms,
        "requests_total": len(samples),
        "created_total": sum(1 for s in samples if s[2] == "201"),
        **summary(measured, duration),
        "endpoints": {
            name: summary([s for s in measured if s[3] == name], duration)
            for name in ENDPOINTS
            if any(s[3] == name for s in samples)
        },
        "client_cpu_s": cpu_marks["end"] - cpu_marks.get("start", 0.0),
        "wall_s": wall,
        "began_epoch": epoch_marks["began"],
        "window_epoch": [epoch_marks.get("start", epoch_marks["began"]), epoch_marks["end"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="closed-loop POST /v1/cases load")
    parser.add_argument("--url", required=True)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--open311-share", type=float, default=0.0, help=f"needs ${KEY_VARIABLE}")
    parser.add_argument("--rate", type=float, default=0.0, help="open loop: requests/s offered")
    parser.add_argument("--sms", action="store_true", help="every citizen asks for SMS notices")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if not args.url.startswith("http://127.0.0.1:"):
        parser.error("--url must be http://127.0.0.1:PORT (the benchmark stays on loopback)")
    api_key = os.environ.get(KEY_VARIABLE, "")
    if not 0 <= args.open311_share <= 1 or (args.open311_share and not api_key):
        parser.error(f"--open311-share is 0..1, and above 0 needs an api_key in ${KEY_VARIABLE}")
    result = asyncio.run(
        run_load(
            args.url,
            concurrency=args.concurrency,
            duration=args.duration,
            warmup=args.warmup,
            seed=args.seed,
            open311_share=args.open311_share,
            api_key=api_key,
            rate=args.rate,
            sms=args.sms,
        )
    )
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
