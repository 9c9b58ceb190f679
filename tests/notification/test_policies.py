"""The deadline rules are data; a case keeps the rules in force on the day it was received."""

from __future__ import annotations

from datetime import date

import pytest

from services.notification.calendar.working_days import WorkingDayCalendar
from services.notification.policies.rules import PolicyBook

BOOK = PolicyBook.load()
CAL = WorkingDayCalendar()


@pytest.mark.parametrize(
    ("received", "policy", "due"),
    [
        # Luật Khiếu nại Điều 27 before the 2026 amendment: 10 (working) days to accept.
        # Tue 30 Jun 2026 → Jul 1,2,3 | 6,7,8,9,10 | 13,14 → Tue 14 Jul.
        pytest.param(date(2026, 6, 30), "complaint.accept.2011", date(2026, 7, 14), id="old-law"),
        # From 2026-07-01 (Luật 136/2025/QH15): 7 working days.
        # Wed 1 Jul 2026 → Jul 2,3 | 6,7,8,9,10 → Fri 10 Jul.
        pytest.param(date(2026, 7, 1), "complaint.accept.2026", date(2026, 7, 10), id="new-law"),
    ],
)
def test_complaint_acceptance_follows_the_law_in_force_on_receipt(
    received: date, policy: str, due: date
) -> None:
    [chosen] = BOOK.in_force("complaint", "received", received)
    assert chosen.id == policy
    assert chosen.due_on(received, CAL) == due


def test_every_policy_names_its_legal_basis() -> None:
    assert BOOK.policies
    for policy in BOOK.policies:
        assert "Điều" in policy.basis, policy.id


def test_petition_answer_is_ten_working_days_over_culture_day() -> None:
    # Luật Tiếp công dân Điều 28. Received Fri 20 Nov 2026: Mon 23, (Tue 24 Nov Vietnam Culture
    # Day, off), 25, 26, 27 | 30, 1, 2, 3, 4 | 7 → the 10th working day is Mon 7 Dec.
    [answer] = BOOK.in_force("petition", "received", date(2026, 11, 20))
    assert answer.due_on(date(2026, 11, 20), CAL) == date(2026, 12, 7)


def test_the_appeal_window_starts_with_a_decision_received_or_with_none_in_time() -> None:
    # Luật Khiếu nại Điều 33: one rule, several starting events; a policy (or an administrator's
    # stored override) written with one starting event reads as a list of one.
    # Điều 33 (and Điều 7): from receiving the decision, or a deadline passing without one.
    for starts in ("delivered", "accept_deadline_passed", "resolve_deadline_passed"):
        [window] = [
            p
            for p in BOOK.in_force("complaint", starts, date(2026, 12, 1))
            if p.step == "appeal_window"
        ]
        assert window.id == "complaint.appeal_window.2026"
    assert (
        BOOK.in_force("complaint", "resolve_deadline_passed", date(2026, 12, 1), second_time=True)
        == []
    )
    accept = BOOK.get("complaint.accept.2026")
    assert accept is not None and accept.starts == ("received",)
    assert type(accept).model_validate({**accept.model_dump(), "starts": "received"}) == accept
