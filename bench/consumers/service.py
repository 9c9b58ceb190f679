"""A service's real consumer over a backlog: `tiepdan serve NAME` (production mode) started
after the events are in its topic, watched through its group's committed offsets until they
reach where the topic ended before it started.

Kafka's committed offsets are what the service itself counts as done (it commits after the
batch's transaction), so the watch needs nothing from the service's database or metrics."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from bench.common.cpu import CpuSample, cpu_between, sample_cpu
from bench.common.output import say
from bench.common.stack import PARTITIONS, Infra, start_service, stop_services, wait_ready
from services.catalog import SERVICES

POLL_S = 0.1  # the drain's end is seen at most this late: under 1 % of a 10 s drain
# A sample a second: a pool connection closed inside the window still counts (cpu_between
# keeps each backend's highest value seen). CpuSample.at is wall-clock time.
CPU_EVERY_S = 1.0


def group_of(service: str, prefix: str) -> str:
    """The service's one consumer group, as shared/app.py names it."""
    (name,) = SERVICES[service].definition.consumers
    return prefix + name


async def topic_ends(bootstrap: str, topic: str) -> dict[TopicPartition, tuple[int, int]]:
    """Per partition, (beginning, end) offsets: the backlog the service will find."""
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, isolation_level="read_committed")
    await probe.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]  # Infra's topic
        begins = await probe.beginning_offsets(partitions)
        ends = await probe.end_offsets(partitions)
    finally:
        try:
            await probe.stop()
        except asyncio.CancelledError:
            # aiokafka 0.14: a consumer without a group re-raises, on stop, the cancellation
            # of its own offset-reset task. Only a cancellation of ours goes on.
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
    return {tp: (begins[tp], ends[tp]) for tp in partitions}


def handled(
    committed: dict[TopicPartition, int], ends: dict[TopicPartition, tuple[int, int]]
) -> int:
    """Records of the backlog the group has committed past. Past the backlog's end are the
    service's own events (routing's case.routed, notification's deadline events), which it
    reads back from the same topic: not counted, not waited for."""
    return sum(
        max(0, min(committed.get(tp, begin), end) - begin) for tp, (begin, end) in ends.items()
    )


async def drain(
    infra: Infra, service: str, *, extra_env: dict[str, str], timeout_s: float,
    progress: Callable[[int], None],
) -> dict[str, Any]:  # fmt: skip
    """Start `service`, return when its group has committed the whole backlog (or timeout)."""
    ends = await topic_ends(infra.bootstrap, infra.topic)
    total = handled({tp: end for tp, (_, end) in ends.items()}, ends)
    group = group_of(service, f"{infra.run_id}.")
    env = infra.service_env() | extra_env
    log_dir = infra.work_dir / f"logs-{service}"
    log_dir.mkdir(exist_ok=True)
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.bootstrap)
    await admin.start()
    pg = await infra.admin()
    spawned = time.monotonic()
    svc = start_service(service, env, infra.url(service), log_dir)
    marks: dict[str, float] = {}
    ready = asyncio.create_task(wait_ready([svc], within=timeout_s))
    ready.add_done_callback(
        lambda t: t.cancelled() or t.exception() or marks.setdefault("ready", time.monotonic())
    )
    samples: list[CpuSample] = []
    pids, databases = {service: svc.proc.pid}, {service: infra.databases[service]}
    done = at_first = 0
    committed: dict[TopicPartition, int] = {}
    try:
        while time.monotonic() - spawned < timeout_s:
            if svc.proc.poll() is not None:
                raise RuntimeError(f"{service} exited:\n{svc.log_tail()}")
            found = await admin.list_consumer_group_offsets(group, partitions=list(ends))
            committed = {tp: m.offset for tp, m in found.items() if m.offset >= 0}
            done = handled(committed, ends)
            now = time.monotonic()
            if done and "first_commit" not in marks:
                marks["first_commit"], at_first = now, done
                samples.append(await sample_cpu(pg, pids, databases))
            elif samples and time.time() - samples[-1].at >= CPU_EVERY_S and done < total:
                samples.append(await sample_cpu(pg, pids, databases))
            progress(done)
            if done >= total:
                marks["drained"] = now
                samples.append(await sample_cpu(pg, pids, databases))
                break
            await asyncio.sleep(POLL_S)
        if ready.done() and ready.exception():
            raise RuntimeError(f"{service}: {ready.exception()}\n{svc.log_tail()}")
    except BaseException:
        say(f"{service} log tail:\n{svc.log_tail()}")
        raise
    finally:
        ready.cancel()
        with contextlib.suppress(BaseException):
            await ready
        stopped = stop_services([svc])
        await admin.close()
        await pg.close()
    cpu = cpu_between(samples) if len(samples) > 1 else {}
    return {
        "group": group,
        "events": total,
        "handled": done,
        "complete": done >= total,
        "handled_at_first_commit": at_first,
        # The service's own events it had read back from the topic by then (routing's
        # case.routed...): work inside the window that the events/s do not count.
        "own_events_read_back": sum(
            max(0, committed.get(tp, 0) - end) for tp, (_, end) in ends.items()
        ),
        "ready_s": marks["ready"] - spawned if "ready" in marks else None,
        "first_commit_s": marks.get("first_commit", spawned) - spawned,
        "drained_s": marks.get("drained", time.monotonic()) - spawned,
        "process_cpu_s": cpu.get(service, 0.0),
        "postgres_cpu_s": sum(v for k, v in cpu.items() if k.startswith("postgres")),
        "stopped": stopped,
    }
