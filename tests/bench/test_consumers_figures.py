"""The consumers benchmark's arithmetic (bench/consumers/figures.py): what its table divides."""

from __future__ import annotations

import pytest

from bench.consumers.figures import bare_figures, ms_per, per_s, ratio, service_figures


def test_a_service_is_timed_from_its_first_commit_over_what_it_committed_after() -> None:
    run = {
        "events": 2000,
        "handled_at_first_commit": 400,  # committed before the window opens: not counted
        "first_commit_s": 12.0,  # after spawn: start-up, join, first batches left out
        "drained_s": 28.0,
        "process_cpu_s": 8.0,
        "postgres_cpu_s": 1.6,
    }
    found = service_figures(run)
    assert found["events_per_s"] == pytest.approx(1600 / 16)
    assert found["events_per_s_from_start"] == pytest.approx(2000 / 28)
    assert found["process_cpu_ms"] == pytest.approx(5.0)
    assert found["postgres_cpu_ms"] == pytest.approx(1.0)


def test_the_bare_loop_is_timed_from_its_first_record() -> None:
    run = {"events": 1000, "seconds": 0.5, "from_start_s": 2.0, "process_cpu_s": 0.2,
           "postgres_cpu_s": 0.05}  # fmt: skip
    found = bare_figures(run)
    assert found["events_per_s"] == pytest.approx(2000)
    assert found["events_per_s_from_start"] == pytest.approx(500)
    assert found["process_cpu_ms"] == pytest.approx(0.2)
    assert found["postgres_cpu_ms"] == pytest.approx(0.05)


def test_nothing_measured_divides_to_zero_and_no_ratio() -> None:
    assert per_s(10, 0.0) == 0.0
    assert ms_per(1.0, 0) == 0.0
    assert ratio(100.0, 0.0) is None
    assert ratio(100.0, 1000.0) == pytest.approx(0.1)
