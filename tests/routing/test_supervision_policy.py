"""Routing's first due date and notification's clock read the same period (no stack)."""

from __future__ import annotations

from datetime import date

from services.notification.policies.rules import PolicyBook, Unit
from services.routing.supervision.policy import load_policy


def test_routing_and_notification_give_a_recommendation_the_same_period() -> None:
    routing = load_policy()["recommendation_answer"]
    (policy,) = PolicyBook.load().in_force("recommendation", "recommended", date(2026, 12, 6))
    assert (policy.duration, policy.unit) == (routing.days, Unit.calendar_days)
    assert policy.check and routing.check  # both still to be checked against the law
    assert "Luật Thực hiện dân chủ ở cơ sở 2022" in policy.basis
    assert "Luật Thực hiện dân chủ ở cơ sở 2022" in routing.basis


def test_routing_and_notification_give_a_request_for_information_the_same_period() -> None:
    routing = load_policy()["info_request_answer"]
    book = PolicyBook.load()
    (policy,) = book.in_force("information_request", "information_requested", date(2026, 12, 6))
    assert (policy.step, policy.duration, policy.unit) == (
        "answer_information", routing.days, Unit.calendar_days,
    )  # fmt: skip
    assert policy.check and routing.check


def test_a_follow_up_action_runs_to_the_heads_date_marked_check() -> None:
    book = PolicyBook.load()
    (policy,) = book.in_force("recommendation_action", "action_committed", date(2026, 12, 6))
    assert (policy.step, policy.committed, policy.check) == ("follow_up_action", True, True)
    assert "Luật Thực hiện dân chủ ở cơ sở 2022" in policy.basis
