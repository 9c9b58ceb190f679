"""The dialogue notice is a least lead time (from 2026-07-01, at least 5 days before the
session, Nghị định 154/2026, check): sooner is a 409 naming the rule, unless the citizen
agreed to an earlier date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from services.notification.policies.rules import PolicyBook
from services.routing.workflow.law import LawBook
from tests.routing.test_workflow_machine import COMPLAINT
from tests.support.routing_workflow import routed_case, step
from tests.support.stack import Stack


def _in(days: int) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


async def test_a_dialogue_sooner_than_the_notice_needs_the_citizen_s_agreement(
    stack: Stack,
) -> None:
    case = await routed_case(stack, **COMPLAINT)  # received now: the 2026 rules
    assert (await step(stack, case["id"], "accept")).status_code == 200
    soon = {"starts_at": _in(3), "place": "Trụ sở UBND xã"}
    refused = await step(stack, case["id"], "dialogues", soon)
    assert refused.status_code == 409, refused.text
    assert "154/2026" in refused.json()["rule"] and "5 days" in refused.json()["detail"]
    agreed = await step(stack, case["id"], "dialogues", soon | {"citizen_agreed": True})
    assert agreed.status_code == 200, agreed.text
    later = await step(stack, case["id"], "dialogues", soon | {"starts_at": _in(6)})
    assert later.status_code == 200, later.text


def test_the_notice_is_the_policy_notification_lists() -> None:
    rule = LawBook.load().dialogue_notice(date(2026, 7, 1))
    policy = PolicyBook.load().get("dialogue.notice.2026")
    assert rule is not None and policy is not None
    assert (rule.days, rule.effective_from) == (policy.duration, policy.effective_from)
    assert LawBook.load().dialogue_notice(date(2026, 6, 30)) is None  # no such rule before
