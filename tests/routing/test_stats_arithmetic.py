"""The stats' arithmetic as plain functions, no database: where the median's middle ranks
are in the histogram, the month range of a chart, the days added up by month, and a case's
contribution to the roll-up (the SQL around them is tested through the stack in
test_stats_rollup.py, test_unit_stats.py and test_unit_months.py)."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime, timedelta

import pytest

from services.routing.stats.median import halfway, middle_ranks
from services.routing.stats.months import MAX_MONTHS, add_up, month_range
from services.routing.stats.period import COUNTERS
from services.routing.stats.rollup import TRACKED, figures_of, resolutions_of, resolved_days
from shared.errors import Unprocessable


def test_the_middle_rank_of_an_odd_count_is_one_offset_in_one_bucket() -> None:
    # ranks 0-1 in bucket 0, 2-4 in bucket 3: the middle of 5 is rank 2, bucket 3's first
    assert middle_ranks([(0, 2), (3, 3)]) == {3: [0]}


def test_the_two_middle_ranks_of_an_even_count_may_be_in_two_buckets() -> None:
    # 4 cases: ranks 1 and 2, the last of bucket 1 and the first of bucket 2
    assert middle_ranks([(1, 2), (2, 2)]) == {1: [1], 2: [0]}
    assert middle_ranks([(5, 4)]) == {5: [1, 2]}  # or both in one


def test_no_resolved_case_has_no_middle() -> None:
    assert middle_ranks([]) == {}
    assert middle_ranks([(0, 0), (4, 0)]) == {}


def test_halfway_is_the_one_value_or_the_mean_of_the_two() -> None:
    assert halfway([2.25]) == 2.25
    assert halfway([1.0, 2.5]) == 1.75
    assert halfway([1.0, 1.333333]) == 1.17  # to the hundredth, as the API gives it


def test_the_median_from_the_buckets_is_the_median_of_every_value() -> None:
    """What the queries do, in memory: histogram of whole days, then only the middle
    bucket(s) read in order, at the ranks' offsets; against statistics.median."""
    rng = random.Random(17)
    for size in (1, 2, 3, 10, 11, 200, 201):
        values = [round(rng.expovariate(1 / 9), 4) for _ in range(size)]
        buckets: dict[int, list[float]] = {}
        for v in values:
            buckets.setdefault(int(v), []).append(v)
        counts = sorted((days, len(vs)) for days, vs in buckets.items())
        read: list[float] = []
        for days, offsets in middle_ranks(counts).items():
            read += sorted(buckets[days])[offsets[0] : offsets[0] + len(offsets)]
        assert halfway(read) == round(statistics.median(values), 2), size


NOW = datetime(2026, 5, 31, 18, 0, tzinfo=UTC)  # 1 June 01:00 in Vietnam


def test_the_default_months_are_the_twelve_to_this_local_one() -> None:
    months = month_range(None, None, NOW)
    assert months[0] == date(2025, 7, 1) and months[-1] == date(2026, 6, 1)
    assert len(months) == 12


def test_a_range_of_months_is_inclusive_across_a_year() -> None:
    assert month_range("2025-11", "2026-02", NOW) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]


@pytest.mark.parametrize(
    ("from_", "to"),
    [("2026-03", "2026-02"), ("2026-13", None), ("2026-1", None), ("2020-01", "2026-01")],
)
def test_a_bad_range_of_months_is_refused(from_: str, to: str | None) -> None:
    with pytest.raises(Unprocessable):
        month_range(from_, to, NOW)


def test_at_most_max_months() -> None:
    assert len(month_range("2023-07", "2026-06", NOW)) == MAX_MONTHS
    with pytest.raises(Unprocessable):
        month_range("2023-06", "2026-06", NOW)


def test_days_are_added_up_by_month_and_a_month_without_rows_is_zeros() -> None:
    one = dict.fromkeys(COUNTERS, 1)
    rows = [(date(2026, 1, 1), one), (date(2026, 1, 31), one), (date(2026, 3, 5), one)]
    sums = add_up(rows, ["2026-01", "2026-02", "2026-03"])
    assert dict(sums["2026-01"]) == dict.fromkeys(COUNTERS, 2)
    assert dict(sums["2026-02"]) == dict.fromkeys(COUNTERS, 0)
    assert dict(sums["2026-03"]) == one


def test_a_case_counts_under_its_local_received_day_and_its_whole_days() -> None:
    received = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 2 March 00:30 in Vietnam
    case = {
        "unit_code": "06427",
        "province_code": "01",
        "first_unit_code": None,
        "received_at": received,
        "status": "resolved",
        "accepted_at": received,
        "resolved_at": received + timedelta(days=2, hours=23),
        "resolved_due_at": received + timedelta(days=3),
        "rating_score": 4,
        "kind": "feedback",
        "category": None,
    }
    [(key, counters)] = figures_of(case).items()
    assert key == ("06427", date(2026, 3, 2), "01", "")
    assert counters["resolved_on_time"] == 1 and counters["satisfied"] == 1
    assert resolutions_of(case) == {
        ("unit", "06427", date(2026, 3, 2), 2): {"cases": 1},
        ("province", "01", date(2026, 3, 2), 2): {"cases": 1},
    }
    assert resolved_days(received, received - timedelta(minutes=1)) == 0  # a clock skew


def test_what_the_queues_write_in_sql_moves_no_figure() -> None:
    # queues/repository.py's set_due updates these columns without the ORM's mapper events.
    assert {"due_at", "due_kind", "version"}.isdisjoint(TRACKED)
