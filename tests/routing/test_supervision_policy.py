"""Routing's first due date and notification's clock read the same period (no stack)."""

from __future__ import annotations

from datetime import date

from services.notification.policies.rules import PolicyBook, Unit
from services.routing.supervision.service import load_policy


def test_routing_and_notification_give_a_recommendation_the_same_period() -> None:
    routing = load_policy()["recommendation_answer"]
    (policy,) = PolicyBook.load().in_force("recommendation", "recommended", date(2026, 12, 6))
    assert (policy.duration, policy.unit) == (routing.days, Unit.calendar_days)
    assert policy.check and routing.check  # both still to be checked against the law
    assert "Luật Thực hiện dân chủ ở cơ sở 2022" in policy.basis
    assert "Luật Thực hiện dân chủ ở cơ sở 2022" in routing.basis
