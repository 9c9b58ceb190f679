"""The public deadline calculator on both rule sets, cases worked by hand from the law's words.

Calendar facts used (Bộ luật Lao động 2019 Điều 112, holidays.VN): Tết 2026 is Mon 16 - Fri 20
Feb 2026; Tết 2027 is Thu 4 - Wed 10 Feb 2027 (6-7 Feb a weekend); Hùng Kings' day 2026 falls on
Sun 26 Apr, made up on Mon 27 Apr; 30 Apr and 1 May 2026 are Thu and Fri; Sat 22 Aug 2026 is
worked to give Mon 31 Aug 2026 before National Day (1-2 Sep). A calendar period ends at the end
of its last day, moved to the next working day when that is a day off (Bộ luật Dân sự Điều 147,
148); the day of the starting event is never counted.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from services.notification.calendar.working_days import WorkingDayCalendar
from services.notification.policies.rules import PolicyBook
from services.notification.preview.service import PreviewQuery, preview
from shared.errors import Unprocessable

BOOK = PolicyBook.load()
CAL = WorkingDayCalendar()


def d(text: str) -> date:
    return date.fromisoformat(text)


def span(first: str, last: str) -> list[date]:
    a, b = d(first), d(last)
    return [a + timedelta(i) for i in range((b - a).days + 1)]


TET26 = span("2026-02-14", "2026-02-22")  # weekend, Tết Mon-Fri, weekend
TET27 = span("2027-02-04", "2027-02-10")  # Thu-Wed, a weekend inside

# (query, policy id, duration, unit, due_on, skipped)
CASES: list[Any] = [
    # ---- before 2026-07-01 ------------------------------------------------------------
    # Khiếu nại Điều 27: 10 working days. Fri 13 Feb 2026 → 23,24,25,26,27 | 2,3,4,5,6 Mar.
    pytest.param(
        dict(kind="complaint", step="accept", received="2026-02-13"),
        ("complaint.accept.2011", 10, "working_days", "2026-03-06"),
        [*TET26, d("2026-02-28"), d("2026-03-01")],
        id="complaint-accept-old-across-tet",
    ),
    # Điều 36 (old): 10 days. 13 Feb + 10 = Mon 23 Feb, a working day: nothing rolls.
    pytest.param(
        dict(kind="complaint", step="accept", received="2026-02-13", attempt="second"),
        ("complaint.accept.second.2011", 10, "calendar_days", "2026-02-23"),
        [],
        id="second-time-accept-old-ends-after-tet",
    ),
    # 6 Feb + 10 = Mon 16 Feb, Tết: the end rolls over 16-22 Feb to Mon 23.
    pytest.param(
        dict(kind="complaint", step="accept", received="2026-02-06", attempt="second"),
        ("complaint.accept.second.2011", 10, "calendar_days", "2026-02-23"),
        span("2026-02-16", "2026-02-22"),
        id="second-time-accept-old-rolls-over-tet",
    ),
    # Điều 28: 30 days from acceptance. Mon 19 Jan + 30 = Wed 18 Feb (Tết) → Mon 23 Feb.
    pytest.param(
        dict(kind="complaint", step="resolve", received="2026-01-05", start="2026-01-19"),
        ("complaint.resolve.first.2011", 30, "calendar_days", "2026-02-23"),
        span("2026-02-18", "2026-02-22"),
        id="resolve-first-old-rolls-over-tet",
    ),
    # Complex: 45 days. 19 Jan + 45 = Thu 5 Mar.
    pytest.param(
        dict(
            kind="complaint",
            step="resolve",
            received="2026-01-05",
            start="2026-01-19",
            complexity="complex",
        ),
        ("complaint.resolve.first.2011", 45, "calendar_days", "2026-03-05"),
        [],
        id="resolve-first-old-complex",
    ),
    # Remote area: 45 days too.
    pytest.param(
        dict(
            kind="complaint", step="resolve", received="2026-01-05", start="2026-01-19", remote=True
        ),
        ("complaint.resolve.first.2011", 45, "calendar_days", "2026-03-05"),
        [],
        id="resolve-first-old-remote",
    ),
    # Remote and complex: 60 days. 19 Jan + 60 = Fri 20 Mar.
    pytest.param(
        dict(
            kind="complaint",
            step="resolve",
            received="2026-01-05",
            start="2026-01-19",
            remote=True,
            complexity="complex",
        ),
        ("complaint.resolve.first.2011", 60, "calendar_days", "2026-03-20"),
        [],
        id="resolve-first-old-remote-complex",
    ),
    # A complex complaint's one lawful extension is its 45 days (recompute, never more).
    pytest.param(
        dict(
            kind="complaint",
            step="resolve",
            received="2026-01-05",
            start="2026-01-19",
            complexity="complex",
            extensions=1,
        ),
        ("complaint.resolve.first.2011", 45, "calendar_days", "2026-03-05"),
        [],
        id="resolve-first-old-complex-extended",
    ),
    # Điều 37: 45 days the second time. 19 Jan + 45 = Thu 5 Mar.
    pytest.param(
        dict(
            kind="complaint",
            step="resolve",
            received="2026-01-05",
            start="2026-01-19",
            attempt="second",
        ),
        ("complaint.resolve.second.2011", 45, "calendar_days", "2026-03-05"),
        [],
        id="resolve-second-old",
    ),
    # Remote and complex the second time: 70 days. 19 Jan + 70 = Mon 30 Mar.
    pytest.param(
        dict(
            kind="complaint",
            step="resolve",
            received="2026-01-05",
            start="2026-01-19",
            attempt="second",
            remote=True,
            complexity="complex",
        ),
        ("complaint.resolve.second.2011", 70, "calendar_days", "2026-03-30"),
        [],
        id="resolve-second-old-remote-complex",
    ),
    # Điều 32: the first-time decision sent in 3 working days. Thu 12 Feb → 13 | 23, 24.
    pytest.param(
        dict(kind="complaint", step="notify_parties", received="2026-01-05", start="2026-02-12"),
        ("complaint.notify_parties.2011", 3, "working_days", "2026-02-24"),
        TET26,
        id="first-time-decision-sent-old",
    ),
    # Điều 41: the second-time decision sent in 7 days. Wed 11 Feb + 7 = Wed 18 (Tết) → 23.
    pytest.param(
        dict(
            kind="complaint",
            step="notify_parties",
            received="2026-01-05",
            start="2026-02-11",
            attempt="second",
        ),
        ("complaint.notify_parties.second.2011", 7, "calendar_days", "2026-02-23"),
        span("2026-02-18", "2026-02-22"),
        id="second-time-decision-sent-old-across-tet",
    ),
    # Nghị định 124/2020 Điều 29: published in 15 days. Mon 2 Feb + 15 = Tue 17 (Tết) → 23.
    pytest.param(
        dict(
            kind="complaint",
            step="publish",
            received="2026-01-05",
            start="2026-02-02",
            attempt="second",
        ),
        ("complaint.publish.2020", 15, "calendar_days", "2026-02-23"),
        span("2026-02-17", "2026-02-22"),
        id="second-time-decision-published-old",
    ),
    # Điều 33: 30 days from receiving the decision. Fri 16 Jan + 30 = Sun 15 Feb → Mon 23 Feb.
    pytest.param(
        dict(kind="complaint", step="appeal_window", received="2026-01-05", start="2026-01-16"),
        ("complaint.appeal_window.2011", 30, "calendar_days", "2026-02-23"),
        span("2026-02-15", "2026-02-22"),
        id="appeal-window-old-rolls-over-tet",
    ),
    # Remote: 45 days. 16 Jan + 45 = Mon 2 Mar.
    pytest.param(
        dict(
            kind="complaint",
            step="appeal_window",
            received="2026-01-05",
            start="2026-01-16",
            remote=True,
        ),
        ("complaint.appeal_window.2011", 45, "calendar_days", "2026-03-02"),
        [],
        id="appeal-window-old-remote",
    ),
    # Điều 9: 90 days to file from learning of the decision (before receipt). 2 Jan + 90 = 2 Apr.
    pytest.param(
        dict(kind="complaint", step="file", received="2026-03-02", start="2026-01-02"),
        ("complaint.limitation.2011", 90, "calendar_days", "2026-04-02"),
        [],
        id="limitation-to-file",
    ),
    # Khiếu nại Điều 66: result back to the forwarding body in 7 days. Mon 9 Feb + 7 = 16 → 23.
    pytest.param(
        dict(kind="complaint", step="report_back", received="2026-01-05", start="2026-02-09"),
        ("forwarding_body.result.2011", 7, "calendar_days", "2026-02-23"),
        span("2026-02-16", "2026-02-22"),
        id="report-back-old",
    ),
    # Tố cáo Điều 24: 7 working days to classify. Fri 13 Feb → 23..27, 2, 3 Mar.
    pytest.param(
        dict(kind="denunciation", step="classify", received="2026-02-13"),
        ("denunciation.classify.2018", 7, "working_days", "2026-03-03"),
        [*TET26, d("2026-02-28"), d("2026-03-01")],
        id="denunciation-classify-old",
    ),
    # Several places to check: 10 working days → 4, 5, 6 Mar.
    pytest.param(
        dict(
            kind="denunciation",
            step="classify",
            received="2026-02-13",
            complexity="several_places",
        ),
        ("denunciation.classify.2018", 10, "working_days", "2026-03-06"),
        [*TET26, d("2026-02-28"), d("2026-03-01")],
        id="denunciation-classify-old-several-places",
    ),
    # Điều 24 khoản 2: forward in 5 working days. 13 Feb → 23, 24, 25, 26, 27.
    pytest.param(
        dict(kind="denunciation", step="forward", received="2026-02-13"),
        ("denunciation.forward.2018", 5, "working_days", "2026-02-27"),
        TET26,
        id="denunciation-forward-old",
    ),
    # Điều 29 khoản 3: acceptance notified in 5 working days. Thu 12 Feb → 13 | 23, 24, 25, 26.
    pytest.param(
        dict(kind="denunciation", step="notify_parties", received="2026-02-10", start="2026-02-12"),
        ("denunciation.notify_parties.2018", 5, "working_days", "2026-02-26"),
        TET26,
        id="denunciation-acceptance-notified-old",
    ),
    # Điều 30: 30 days. Tue 20 Jan + 30 = Thu 19 Feb (Tết) → Mon 23.
    pytest.param(
        dict(kind="denunciation", step="resolve", received="2026-01-05", start="2026-01-20"),
        ("denunciation.resolve.2018", 30, "calendar_days", "2026-02-23"),
        span("2026-02-19", "2026-02-22"),
        id="denunciation-resolve-old",
    ),
    # Complex: one extension of 30. 20 Jan + 60 = Sat 21 Mar → Mon 23 Mar.
    pytest.param(
        dict(
            kind="denunciation",
            step="resolve",
            received="2026-01-05",
            start="2026-01-20",
            complexity="complex",
            extensions=1,
        ),
        ("denunciation.resolve.2018", 60, "calendar_days", "2026-03-23"),
        span("2026-03-21", "2026-03-22"),
        id="denunciation-resolve-old-complex-extended",
    ),
    # Very complex: two extensions of 30. 20 Jan + 90 = Mon 20 Apr.
    pytest.param(
        dict(
            kind="denunciation",
            step="resolve",
            received="2026-01-05",
            start="2026-01-20",
            complexity="very_complex",
            extensions=2,
        ),
        ("denunciation.resolve.2018", 90, "calendar_days", "2026-04-20"),
        [],
        id="denunciation-resolve-old-very-complex-twice",
    ),
    # Điều 40: conclusion published in 7 working days. Fri 24 Apr → 28, 29 | 4..8 May.
    pytest.param(
        dict(kind="denunciation", step="publish", received="2026-01-05", start="2026-04-24"),
        ("denunciation.publish.2018", 7, "working_days", "2026-05-08"),
        [*span("2026-04-25", "2026-04-27"), *span("2026-04-30", "2026-05-03")],
        id="denunciation-publish-across-30-april",
    ),
    # Tiếp công dân Điều 28: 10 working days. Fri 24 Apr → 28, 29 | 4..8 | 11, 12, 13 May.
    pytest.param(
        dict(kind="petition", step="answer", received="2026-04-24"),
        ("reception.answer.2013", 10, "working_days", "2026-05-13"),
        [
            *span("2026-04-25", "2026-04-27"),
            *span("2026-04-30", "2026-05-03"),
            *span("2026-05-09", "2026-05-10"),
        ],
        id="petition-answer-across-30-april",
    ),
    # Nghị định 20/2008: forward in 5 working days. 24 Apr → 28, 29 | 4, 5, 6 May.
    pytest.param(
        dict(kind="feedback", step="forward", received="2026-04-24"),
        ("petition.forward.2008", 5, "working_days", "2026-05-06"),
        [*span("2026-04-25", "2026-04-27"), *span("2026-04-30", "2026-05-03")],
        id="feedback-forward",
    ),
    # The last day before the switch keeps the old law: Tue 30 Jun 2026 → 10 working days.
    pytest.param(
        dict(kind="complaint", step="accept", received="2026-06-30"),
        ("complaint.accept.2011", 10, "working_days", "2026-07-14"),
        span("2026-07-04", "2026-07-05") + span("2026-07-11", "2026-07-12"),
        id="complaint-accept-last-day-of-old-law",
    ),
    # ---- from 2026-07-01 ----------------------------------------------------------------
    # Điều 27 as amended: 7 working days. Wed 1 Jul → 2, 3 | 6..10 Jul.
    pytest.param(
        dict(kind="complaint", step="accept", received="2026-07-01"),
        ("complaint.accept.2026", 7, "working_days", "2026-07-10"),
        span("2026-07-04", "2026-07-05"),
        id="complaint-accept-first-day-of-new-law",
    ),
    # Tue 2 Feb 2027 → 3 | 11, 12 | 15, 16, 17, 18 Feb (Tết 4-10 Feb).
    pytest.param(
        dict(kind="complaint", step="accept", received="2027-02-02"),
        ("complaint.accept.2026", 7, "working_days", "2027-02-18"),
        [*TET27, d("2027-02-13"), d("2027-02-14")],
        id="complaint-accept-new-across-tet-2027",
    ),
    # Điều 36 as amended: 7 working days the second time too.
    pytest.param(
        dict(kind="complaint", step="accept", received="2027-02-02", attempt="second"),
        ("complaint.accept.second.2026", 7, "working_days", "2027-02-18"),
        [*TET27, d("2027-02-13"), d("2027-02-14")],
        id="second-time-accept-new-across-tet-2027",
    ),
    # Điều 28: Fri 8 Jan 2027 + 30 = Sun 7 Feb (Tết) → Thu 11 Feb.
    pytest.param(
        dict(kind="complaint", step="resolve", received="2027-01-04", start="2027-01-08"),
        ("complaint.resolve.first.2026", 30, "calendar_days", "2027-02-11"),
        span("2027-02-07", "2027-02-10"),
        id="resolve-first-new-rolls-over-tet-2027",
    ),
    # Điều 37 remote and complex: 70 days. Mon 4 Jan 2027 + 70 = Mon 15 Mar.
    pytest.param(
        dict(
            kind="complaint",
            step="resolve",
            received="2026-12-01",
            start="2027-01-04",
            attempt="second",
            remote=True,
            complexity="complex",
        ),
        ("complaint.resolve.second.2026", 70, "calendar_days", "2027-03-15"),
        [],
        id="resolve-second-new-remote-complex",
    ),
    # Điều 41: a second-time decision dated Mon 1 Feb 2027 + 7 = Mon 8 (Tết) → Thu 11 Feb.
    pytest.param(
        dict(
            kind="complaint",
            step="notify_parties",
            received="2026-12-01",
            start="2027-02-01",
            attempt="second",
        ),
        ("complaint.notify_parties.second.2011", 7, "calendar_days", "2027-02-11"),
        span("2027-02-08", "2027-02-10"),
        id="second-time-decision-sent-across-tet-2027",
    ),
    # Điều 32: a first-time decision dated Wed 3 Feb 2027 → 11, 12 | 15 Feb.
    pytest.param(
        dict(kind="complaint", step="notify_parties", received="2026-12-01", start="2027-02-03"),
        ("complaint.notify_parties.2011", 3, "working_days", "2027-02-15"),
        [*TET27, d("2027-02-13"), d("2027-02-14")],
        id="first-time-decision-sent-across-tet-2027",
    ),
    # Điều 33: received on Fri 8 Jan 2027 + 30 = Sun 7 Feb (Tết) → Thu 11 Feb.
    pytest.param(
        dict(kind="complaint", step="appeal_window", received="2026-12-01", start="2027-01-08"),
        ("complaint.appeal_window.2026", 30, "calendar_days", "2027-02-11"),
        span("2027-02-07", "2027-02-10"),
        id="appeal-window-new-from-a-friday-delivery-before-tet-2027",
    ),
    # Received on Fri 29 Jan 2027 + 30 = Sun 28 Feb → Mon 1 Mar.
    pytest.param(
        dict(kind="complaint", step="appeal_window", received="2026-12-01", start="2027-01-29"),
        ("complaint.appeal_window.2026", 30, "calendar_days", "2027-03-01"),
        [d("2027-02-28")],
        id="appeal-window-new-from-the-last-friday-of-january",
    ),
    # Tố cáo Điều 24: Wed 3 Feb 2027 → 11, 12 | 15..19 Feb.
    pytest.param(
        dict(kind="denunciation", step="classify", received="2027-02-03"),
        ("denunciation.classify.2026", 7, "working_days", "2027-02-19"),
        [*TET27, d("2027-02-13"), d("2027-02-14")],
        id="denunciation-classify-new-across-tet-2027",
    ),
    # Several places: 10 working days → 22, 23, 24 Feb.
    pytest.param(
        dict(
            kind="denunciation",
            step="classify",
            received="2027-02-03",
            complexity="several_places",
        ),
        ("denunciation.classify.2026", 10, "working_days", "2027-02-24"),
        [*TET27, *span("2027-02-13", "2027-02-14"), *span("2027-02-20", "2027-02-21")],
        id="denunciation-classify-new-several-places",
    ),
    # Forwarding keeps the 2018 rule (no newer one): 3 Feb 2027 → 11, 12 | 15, 16, 17.
    pytest.param(
        dict(kind="denunciation", step="forward", received="2027-02-03"),
        ("denunciation.forward.2018", 5, "working_days", "2027-02-17"),
        [*TET27, d("2027-02-13"), d("2027-02-14")],
        id="denunciation-forward-new",
    ),
    # Tiếp công dân Điều 28 over Vietnam Culture Day: Fri 20 Nov 2026 → Mon 7 Dec.
    pytest.param(
        dict(kind="petition", step="answer", received="2026-11-20"),
        ("reception.answer.2013", 10, "working_days", "2026-12-07"),
        [
            *span("2026-11-21", "2026-11-22"),
            d("2026-11-24"),
            *span("2026-11-28", "2026-11-29"),
            *span("2026-12-05", "2026-12-06"),
        ],
        id="petition-answer-over-culture-day",
    ),
    # A dialogue request received Fri 21 Aug 2026: Sat 22 Aug is worked (swap for Mon 31 Aug):
    # 22, 24..28 | 3, 4 | 7, 8 Sep.
    pytest.param(
        dict(kind="dialogue_request", step="answer", received="2026-08-21"),
        ("reception.answer.2013", 10, "working_days", "2026-09-08"),
        [d("2026-08-23"), *span("2026-08-29", "2026-09-02"), *span("2026-09-05", "2026-09-06")],
        id="dialogue-request-answer-over-a-swapped-saturday",
    ),
    # Tố tụng hành chính Điều 116: 1 year from receiving the decision, Fri 29 Jan 2027 → Sat
    # 29 Jan 2028, in Tết 2028 (holidays.VN: Mon 24 - Sat 29 Jan), Sun 30 → Mon 31 Jan 2028.
    pytest.param(
        dict(kind="complaint", step="court_window", received="2026-12-01", start="2027-01-29"),
        ("complaint.court_window.2015", 1, "years", "2028-01-31"),
        span("2028-01-29", "2028-01-30"),
        id="court-window-a-year-from-receipt",
    ),
    # From 29 Feb 2028 the same day a year on does not exist: the month's last, Wed 28 Feb 2029.
    pytest.param(
        dict(
            kind="complaint",
            step="court_window",
            received="2028-01-10",
            start="2028-02-29",
            attempt="second",
        ),
        ("complaint.court_window.2015", 1, "years", "2029-02-28"),
        [],
        id="court-window-from-a-leap-day",
    ),
    # Tố cáo Điều 30 under the new law: Fri 8 Jan 2027 + 30 = Sun 7 Feb → Thu 11 Feb.
    pytest.param(
        dict(kind="denunciation", step="resolve", received="2027-01-04", start="2027-01-08"),
        ("denunciation.resolve.2018", 30, "calendar_days", "2027-02-11"),
        span("2027-02-07", "2027-02-10"),
        id="denunciation-resolve-new-over-tet-2027",
    ),
]


def _query(params: dict[str, Any]) -> PreviewQuery:
    values = dict(params)
    values["received"] = d(values["received"])
    if "start" in values:
        values["start"] = d(values["start"])
    return PreviewQuery(**values)


@pytest.mark.parametrize(("params", "expected", "skipped"), CASES)
def test_the_calculator_gives_the_law_s_due_date(
    params: dict[str, Any], expected: tuple[str, int, str, str], skipped: list[date]
) -> None:
    policy_id, duration, unit, due = expected
    got = preview(BOOK, CAL, _query(params))
    assert (got.policy_id, got.duration, got.unit, got.due_on) == (
        policy_id,
        duration,
        unit,
        d(due),
    )
    assert got.skipped == skipped
    assert got.start == d(params.get("start", params["received"]))
    assert got.due_at.isoformat().startswith(f"{due}T23:59:59")
    assert got.due_at.isoformat().endswith("+07:00")
    assert got.due_on.strftime("%d/%m/%Y") in got.explanation


def test_there_are_thirty_cases_on_both_rule_sets() -> None:
    received = [d(c.values[0]["received"]) for c in CASES]
    switch = date(2026, 7, 1)
    assert len(CASES) >= 30
    assert sum(r < switch for r in received) >= 10 and sum(r >= switch for r in received) >= 10


@pytest.mark.parametrize(
    ("params", "param"),
    [
        pytest.param(
            dict(kind="petition", step="answer", attempt="second"), "attempt", id="2nd-petition"
        ),
        pytest.param(dict(kind="complaint", step="classify"), "step", id="complaint-classify"),
        pytest.param(dict(kind="petition", step="resolve"), "step", id="petition-resolve"),
        pytest.param(dict(kind="complaint", step="dialogue_notice"), "step", id="notice-period"),
        # Publication is the second-time decision's (Nghị định 124/2020 Điều 29).
        pytest.param(dict(kind="complaint", step="publish"), "attempt", id="publish-first-time"),
        pytest.param(
            dict(kind="denunciation", step="classify", received="2018-06-01"),
            "received",
            id="before-the-2018-law",
        ),
        pytest.param(
            dict(kind="denunciation", step="classify", complexity="complex"),
            "complexity",
            id="classify-complex",
        ),
        pytest.param(
            dict(kind="complaint", step="resolve", complexity="complex", extensions=2),
            "extensions",
            id="complaint-extended-twice",
        ),
        pytest.param(
            dict(kind="denunciation", step="resolve", complexity="complex", extensions=2),
            "extensions",
            id="complex-denunciation-extended-twice",
        ),
        pytest.param(
            dict(kind="denunciation", step="resolve", extensions=1),
            "extensions",
            id="extension-without-complexity",
        ),
        pytest.param(
            dict(kind="petition", step="answer", extensions=1), "extensions", id="answer-extended"
        ),
        pytest.param(
            dict(kind="complaint", step="accept", start="2026-12-31"),
            "start",
            id="start-before-receipt",
        ),
    ],
)
def test_a_combination_no_rule_covers_names_the_parameter(
    params: dict[str, Any], param: str
) -> None:
    q = _query({"received": "2027-01-04", **params})
    with pytest.raises(Unprocessable) as refused:
        preview(BOOK, CAL, q)
    assert refused.value.errors and refused.value.errors[0]["loc"] == ["query", param]


def test_an_administrator_s_calendar_correction_moves_the_preview() -> None:
    # Mon 15 Feb 2027 declared a day off: the complaint received Tue 2 Feb is due Fri 19 Feb.
    corrected = WorkingDayCalendar({d("2027-02-15"): False})
    query = _query(dict(kind="complaint", step="accept", received="2027-02-02"))
    got = preview(BOOK, corrected, query)
    assert got.due_on == d("2027-02-19")
    assert d("2027-02-15") in got.skipped
