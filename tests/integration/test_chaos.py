"""The chaos benchmark's short run (issue 15): about twenty faults under load, nothing lost.

bench/chaos/ with a PostgreSQL and a Kafka of its own, two replicas of each service,
random SIGKILLs of replicas and of the broker, PostgreSQL crashes, a broker outage and a
database restart. The long run (200+ faults) is `python -m bench.chaos`; its figures are
in docs/benchmarks.md."""

from __future__ import annotations

import pytest

from bench.chaos.run import Config, run_chaos
from bench.common.stack import REPO

pytestmark = pytest.mark.integration


@pytest.mark.timeout(1500)
async def test_twenty_faults_under_load_lose_double_and_strand_nothing() -> None:
    result = await run_chaos(
        Config(
            kills=20,
            interval=1.5,
            rate=3.0,
            broker_outage=5.0,
            seed=20261206,
            state_dir=REPO / ".tiepdan" / "chaos-test",
        )
    )
    verdict = result["verdict"]
    assert verdict["accepted"] > 0
    assert verdict["lost"] == 0, verdict
    assert verdict["doubled"] == 0, verdict
    assert verdict["stuck"] == 0, verdict
    assert verdict["half_written"] == 0, verdict
    assert verdict["dead_lettered"] == 0, verdict
    assert sum(verdict["unpublished"].values()) == 0, verdict
    assert sum(verdict["consumer_lag"].values()) == 0, verdict
    assert result["gave_up"] == 0
    assert sum(result["faults"][k]["trials"] for k in result["faults"]) == 22
    # Clients meet 503s, timeouts and refused connections while things restart; never a 500.
    assert not any(counts.get("500") for counts in result["answers"].values()), result["answers"]
