"""One vocabulary of steps: what notification's clocks are called is what routing's queues
listen for (shared.events.DeadlineStep), so a clock is never missed for a misspelled name."""

from __future__ import annotations

from services.notification.policies.rules import PolicyBook
from services.routing.queues.clocks import CLOCKS_BY_STATUS
from shared.events import DeadlineStep


def test_routing_listens_only_for_steps_of_the_vocabulary() -> None:
    for status, steps in CLOCKS_BY_STATUS.items():
        assert steps <= set(DeadlineStep), status


def test_every_clock_a_decision_starts_shows_in_the_resolved_queue() -> None:
    # Khiếu nại Điều 32/41 (send the decision), Nghị định 124/2020 Điều 29 and Tố cáo Điều 40
    # (publish), Khiếu nại Điều 66 (report back): the unit owes them once it has decided.
    book = PolicyBook.load()
    owed = {p.step for p in book.policies if "resolved" in p.starts and p.party == "unit"}
    assert owed <= CLOCKS_BY_STATUS["resolved"]
    assert DeadlineStep.notify_parties in CLOCKS_BY_STATUS["resolved"]


def test_every_clock_a_suspension_starts_shows_while_suspended_and_after() -> None:
    # Tố cáo Điều 34: the suspension decision is sent within 5 working days of its date, a
    # clock that runs while the resolution period stops and is owed after the decision to
    # continue until the sending is recorded.
    book = PolicyBook.load()
    owed = {p.step for p in book.policies if "suspended" in p.starts and p.timer}
    assert DeadlineStep.suspension_notice in owed
    for status in ("suspended", "accepted", "resolved"):
        assert owed <= CLOCKS_BY_STATUS[status], status
