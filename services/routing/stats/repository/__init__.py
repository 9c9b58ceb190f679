"""The stats feature's SQL, by use (stats/median.py, months.py, service.py and the endpoints
do the arithmetic on what these return):

- figures.py: the public figures, the period report and the satisfaction index;
- median.py: the histogram of days to resolve and one bucket's exact times;
- months.py: the same figures by day of a range, for a chart by month;
- rollup.py: the roll-up's UPSERT increments (stats/rollup.py's mapper events);
- rebuild.py: the roll-up recomputed from the cases (migrations, `tiepdan stats rebuild`).

The reads are re-exported here; the writes are used from their module.
"""

from services.routing.stats.repository.figures import (
    CASE_FIGURES,
    by_kind_and_category,
    cases_in,
    overdue_by_unit,
    rollup_in,
    satisfied_by_day,
    satisfied_by_kind,
    sessions_held,
    sums_by_unit,
    transferred,
    transferred_out,
)
from services.routing.stats.repository.median import bucket, histogram, histogram_by_day
from services.routing.stats.repository.months import overdue_in, sums_by_day, transferred_by_day

__all__ = [
    "CASE_FIGURES",
    "bucket",
    "by_kind_and_category",
    "cases_in",
    "histogram",
    "histogram_by_day",
    "overdue_by_unit",
    "overdue_in",
    "rollup_in",
    "satisfied_by_day",
    "satisfied_by_kind",
    "sessions_held",
    "sums_by_day",
    "sums_by_unit",
    "transferred",
    "transferred_by_day",
    "transferred_out",
]
