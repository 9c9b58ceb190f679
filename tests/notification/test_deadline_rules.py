"""Deadlines from the law's rules, dates worked out by hand from printed calendars.

    January 2027            February 2027           March 2027
 Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su
              1  2  3     1  2  3  4  5  6  7     1  2  3  4  5  6  7
  4  5  6  7  8  9 10     8  9 10 11 12 13 14     8  9 10 ...
 11 12 13 14 15 16 17    15 16 17 18 19 20 21
 18 19 20 21 22 23 24    22 23 24 25 26 27 28
 25 26 27 28 29 30 31
Tết 2027 (holidays.VN): off Thu 4 - Wed 10 Feb. 24 Nov 2026 (Tue): Vietnam Culture Day.
"""

from __future__ import annotations

from datetime import date

import pytest

from services.notification.calendar.working_days import WorkingDayCalendar
from services.notification.policies.rules import PolicyBook

BOOK = PolicyBook.load()
CAL = WorkingDayCalendar()


def policy(kind: str, starts: str, step: str, received: date, second: bool = False):
    [chosen] = [
        p for p in BOOK.in_force(kind, starts, received, second_time=second) if p.step == step
    ]
    return chosen


@pytest.mark.parametrize(
    ("kind", "starts", "step", "received", "second", "start", "remote", "complexity", "due"),
    [
        # Khiếu nại Điều 28: 30 days from acceptance. Wed 6 Jan 2027 + 30 = Fri 5 Feb (Tết)
        # -> first working day after: Thu 11 Feb.
        pytest.param(
            "complaint",
            "accepted",
            "resolve",
            date(2027, 1, 4),
            False,
            date(2027, 1, 6),
            False,
            None,
            date(2027, 2, 11),
            id="resolve-30-ends-in-tet",
        ),
        # Remote area 45: 6 Jan + 45 = Sat 20 Feb -> Mon 22 Feb.
        pytest.param(
            "complaint",
            "accepted",
            "resolve",
            date(2027, 1, 4),
            False,
            date(2027, 1, 6),
            True,
            None,
            date(2027, 2, 22),
            id="resolve-remote-45",
        ),
        # Complex 45 (same date as remote).
        pytest.param(
            "complaint",
            "accepted",
            "resolve",
            date(2027, 1, 4),
            False,
            date(2027, 1, 6),
            False,
            "complex",
            date(2027, 2, 22),
            id="resolve-complex-45",
        ),
        # Remote and complex 60: 6 Jan + 60 = Sun 7 Mar -> Mon 8 Mar.
        pytest.param(
            "complaint",
            "accepted",
            "resolve",
            date(2027, 1, 4),
            False,
            date(2027, 1, 6),
            True,
            "complex",
            date(2027, 3, 8),
            id="resolve-remote-complex-60",
        ),
        # Month end: 31 Jan 2027 + 30 = Tue 2 Mar (February 2027 has 28 days).
        pytest.param(
            "complaint",
            "accepted",
            "resolve",
            date(2027, 1, 4),
            False,
            date(2027, 1, 31),
            False,
            None,
            date(2027, 3, 2),
            id="resolve-month-end",
        ),
        # Điều 37, second time: 45; remote complex 70. 1 Oct 2026 + 70 = Thu 10 Dec 2026.
        pytest.param(
            "complaint",
            "accepted",
            "resolve",
            date(2026, 9, 28),
            True,
            date(2026, 10, 1),
            True,
            "complex",
            date(2026, 12, 10),
            id="second-time-remote-complex-70",
        ),
        # 1 Oct 2026 + 45 = Sun 15 Nov -> Mon 16 Nov.
        pytest.param(
            "complaint",
            "accepted",
            "resolve",
            date(2026, 9, 28),
            True,
            date(2026, 10, 1),
            False,
            None,
            date(2026, 11, 16),
            id="second-time-45",
        ),
        # Điều 36 before 2026-07-01: 10 days. Received Tue 30 Jun 2026 + 10 = Fri 10 Jul.
        pytest.param(
            "complaint",
            "received",
            "accept",
            date(2026, 6, 30),
            True,
            date(2026, 6, 30),
            False,
            None,
            date(2026, 7, 10),
            id="second-accept-old-10-days",
        ),
        # From 2026-07-01: 7 working days. Wed 1 Jul -> 2,3 | 6-10 -> Fri 10 Jul.
        pytest.param(
            "complaint",
            "received",
            "accept",
            date(2026, 7, 1),
            True,
            date(2026, 7, 1),
            False,
            None,
            date(2026, 7, 10),
            id="second-accept-new-7-wd",
        ),
        # Điều 33: appeal window 30 days from receiving the decision. Mon 25 Jan 2027 + 30 =
        # Wed 24 Feb.
        pytest.param(
            "complaint",
            "delivered",
            "appeal_window",
            date(2026, 12, 1),
            False,
            date(2027, 1, 25),
            False,
            None,
            date(2027, 2, 24),
            id="appeal-window-30",
        ),
        # Remote 45: 25 Jan + 45 = Thu 11 Mar 2027.
        pytest.param(
            "complaint",
            "delivered",
            "appeal_window",
            date(2026, 12, 1),
            False,
            date(2027, 1, 25),
            True,
            None,
            date(2027, 3, 11),
            id="appeal-window-remote-45",
        ),
        # Điều 33, no decision in time: from the day the resolve deadline passed (Wed 6 Jan
        # 2027, not counted) + 30 = Fri 5 Feb, in Tết -> Thu 11 Feb.
        pytest.param(
            "complaint",
            "resolve_deadline_passed",
            "appeal_window",
            date(2026, 12, 1),
            False,
            date(2027, 1, 6),
            False,
            None,
            date(2027, 2, 11),
            id="appeal-window-no-decision-over-tet",
        ),
        # Remote 45: Thu 21 Jan 2027 + 45 = Sun 7 Mar -> Mon 8 Mar.
        pytest.param(
            "complaint",
            "resolve_deadline_passed",
            "appeal_window",
            date(2026, 12, 1),
            False,
            date(2027, 1, 21),
            True,
            None,
            date(2027, 3, 8),
            id="appeal-window-no-decision-remote-45",
        ),
        # Điều 32: send the decision within 3 working days. Wed 3 Feb 2027 -> 11, 12, 15 Feb.
        pytest.param(
            "complaint",
            "resolved",
            "notify_parties",
            date(2026, 12, 1),
            False,
            date(2027, 2, 3),
            False,
            None,
            date(2027, 2, 15),
            id="notify-parties-over-tet",
        ),
        # Tố cáo Điều 24: 7 working days. Fri 20 Nov 2026: 23, (24 off), 25, 26, 27, 30,
        # 1 Dec, 2 Dec -> Wed 2 Dec.
        pytest.param(
            "denunciation",
            "received",
            "classify",
            date(2026, 11, 20),
            False,
            date(2026, 11, 20),
            False,
            None,
            date(2026, 12, 2),
            id="classify-over-culture-day",
        ),
        # Several places to check: 10 working days -> 3, 4, 7 Dec -> Mon 7 Dec.
        pytest.param(
            "denunciation",
            "received",
            "classify",
            date(2026, 11, 20),
            False,
            date(2026, 11, 20),
            False,
            "several_places",
            date(2026, 12, 7),
            id="classify-several-places-10",
        ),
        # Điều 30: 30 days from acceptance. Thu 1 Oct 2026 + 30 = Sat 31 Oct -> Mon 2 Nov.
        pytest.param(
            "denunciation",
            "accepted",
            "resolve",
            date(2026, 9, 28),
            False,
            date(2026, 10, 1),
            False,
            None,
            date(2026, 11, 2),
            id="denunciation-resolve-30",
        ),
        # Điều 29: notify acceptance in 5 working days. Thu 28 Jan 2027: 29 | 1, 2, 3 | (Tết) 11.
        pytest.param(
            "denunciation",
            "accepted",
            "notify_parties",
            date(2027, 1, 20),
            False,
            date(2027, 1, 28),
            False,
            None,
            date(2027, 2, 11),
            id="notify-acceptance-over-tet",
        ),
        # Điều 40: publish within 7 working days. Thu 19 Nov 2026: 20, 23, 25, 26, 27, 30, 1 Dec.
        pytest.param(
            "denunciation",
            "resolved",
            "publish",
            date(2026, 9, 1),
            False,
            date(2026, 11, 19),
            False,
            None,
            date(2026, 12, 1),
            id="publish-7-wd",
        ),
    ],
)
def test_due_dates_from_the_law(
    kind, starts, step, received, second, start, remote, complexity, due
):
    chosen = policy(kind, starts, step, received, second)
    assert chosen.due_on(start, CAL, remote=remote, complexity=complexity) == due


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        pytest.param(date(2026, 6, 30), "complaint.resolve.first.2011", id="before-switch"),
        pytest.param(date(2026, 7, 1), "complaint.resolve.first.2026", id="on-switch-day"),
    ],
)
def test_a_case_keeps_the_rules_in_force_when_received(received: date, expected: str) -> None:
    assert policy("complaint", "accepted", "resolve", received).id == expected


def test_both_rule_sets_are_present_and_unverified_facts_are_marked() -> None:
    ids = {p.id for p in BOOK.policies}
    assert {"complaint.accept.2011", "complaint.accept.2026"} <= ids
    new = [p for p in BOOK.policies if p.effective_from.isoformat() == "2026-07-01"]
    assert new and all(p.check for p in new)
    for p in BOOK.policies:
        assert p.law and p.article, p.id


def test_second_time_selects_article_37() -> None:
    assert policy("complaint", "accepted", "resolve", date(2026, 6, 1), True).article == "Điều 37"
    assert policy("complaint", "accepted", "resolve", date(2026, 6, 1), False).article == "Điều 28"
