"""The public deadline calculator: one step's due date, as the running clocks compute it.

It chooses the policy as the clocks do (`PolicyBook.for_step`: the newest in force on the day of
receipt, at the complaint's attempt), takes the period as `Clocks.start` does
(`Policy.period`), applies extensions as `Clocks.extend` does (`Policy.extended_duration`,
refused as `Policy.extension_refusal` refuses), and counts with the same calendar, the
administrators' corrections included (`add_days`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services.notification.calendar.working_days import WorkingDayCalendar, end_of_local_day
from services.notification.policies.rules import Policy, PolicyBook, Unit, add_days, year_end
from services.notification.preview.schemas import DeadlinePreview
from shared.errors import Unprocessable

# Steps whose policy is no period running forward from an event: a suspension stops other
# clocks, a dialogue notice is a minimum lead time before the session.
NOT_A_PERIOD = frozenset({"suspension", "dialogue_notice"})
EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


@dataclass(frozen=True)
class PreviewQuery:
    kind: str
    step: str
    received: date
    start: date | None = None
    attempt: str = "first"
    remote: bool = False
    complexity: str = "none"
    extensions: int = 0


def _bad(param: str, msg: str) -> Unprocessable:
    return Unprocessable.field(["query", param], msg)


def choose_policy(book: PolicyBook, q: PreviewQuery) -> Policy:
    """The policy a clock of this step would run under, or a 422 naming what no rule covers."""
    if q.step in NOT_A_PERIOD:
        raise _bad("step", f"{q.step} is not a period that runs forward from an event")
    if q.attempt == "second" and q.kind != "complaint":
        raise _bad("attempt", "only a complaint has a second time (Luật Khiếu nại Điều 33)")
    if not EARLIEST <= q.received <= LATEST:
        raise _bad("received", f"must be between {EARLIEST} and {LATEST}")
    policy = book.for_step(q.kind, q.step, q.received, second_time=q.attempt == "second")
    if policy is not None:
        return policy
    of_step = [p for p in book.policies if p.step == q.step and q.kind in p.kinds]
    if not of_step:
        raise _bad("step", f"no rule gives a {q.kind} a {q.step} period")
    if not any(p.attempt in ("any", q.attempt) for p in of_step):
        raise _bad("attempt", f"no rule gives a {q.attempt}-time {q.kind} a {q.step} period")
    first = min(p.effective_from for p in of_step)
    raise _bad("received", f"no rule of {q.kind} {q.step} was in force yet (from {first})")


def _base_period(policy: Policy, q: PreviewQuery) -> tuple[int, Unit]:
    complexity = None if q.complexity == "none" else q.complexity
    if complexity is not None:
        ext = policy.extension
        varies = policy.variant_key(remote=q.remote, complexity=complexity) is not None
        if not varies and (ext is None or complexity not in ext.max_by_complexity):
            raise _bad("complexity", f"{policy.id} does not differ for a {complexity} case")
    return policy.period(remote=q.remote, complexity=complexity)


def _extended(policy: Policy, duration: int, q: PreviewQuery) -> int:
    complexity = None if q.complexity == "none" else q.complexity
    for granted in range(q.extensions):
        refusal = policy.extension_refusal(complexity, granted)
        if refusal is not None:
            raise _bad("extensions", refusal)
        assert complexity is not None  # extension_refusal refuses a case of no complexity
        duration = policy.extended_duration(duration, complexity, remote=q.remote)
    return duration


def skipped_days(calendar: WorkingDayCalendar, unit: Unit, start: date, days: int) -> list[date]:
    """Working-day periods: the days off inside the period. Calendar periods: the days the end
    rolled over because the last day was a day off (Bộ luật Dân sự Điều 148 khoản 5)."""
    due = add_days(calendar, unit, start, days)
    if unit is Unit.working_days:
        first = start + timedelta(days=1)
    elif unit is Unit.years:
        first = year_end(start, days)
    else:
        first = start + timedelta(days)
    span = (due - first).days
    return [
        first + timedelta(i)
        for i in range(max(span, 0))
        if not calendar.is_working_day(first + timedelta(i))
    ]


def _explanation(
    policy: Policy, duration: int, unit: Unit, start: date, due: date, rolled: bool
) -> str:
    days = {Unit.working_days: "ngày làm việc", Unit.years: "năm"}.get(unit, "ngày")
    basis = policy.basis or f"{policy.law}, {policy.article}"
    text = (
        f"Theo {basis}, thời hạn {duration} {days} tính từ ngày tiếp theo ngày "
        f"{start:%d/%m/%Y} và kết thúc vào cuối ngày {due:%d/%m/%Y}"
    )
    if rolled:
        text += " (ngày cuối rơi vào ngày nghỉ nên chuyển sang ngày làm việc tiếp theo)"
    return text + "."


def preview(book: PolicyBook, calendar: WorkingDayCalendar, q: PreviewQuery) -> DeadlinePreview:
    """The due date of one step for a case received on `q.received`, started on `q.start`."""
    policy = choose_policy(book, q)
    start = q.start or q.received
    if not EARLIEST <= start <= LATEST:
        raise _bad("start", f"must be between {EARLIEST} and {LATEST}")
    if start < q.received and "learned" not in policy.starts:
        raise _bad("start", "a clock of this step cannot start before the case was received")
    if q.extensions < 0:
        raise _bad("extensions", "must be 0 or more")
    duration, unit = _base_period(policy, q)
    duration = _extended(policy, duration, q)
    due = add_days(calendar, unit, start, duration)
    skipped = skipped_days(calendar, unit, start, duration)
    return DeadlinePreview(
        policy_id=policy.id,
        law=policy.law,
        article=policy.article,
        duration=duration,
        unit=unit.value,
        start=start,
        due_on=due,
        due_at=end_of_local_day(due),
        effective_from=policy.effective_from,
        skipped=skipped,
        explanation=_explanation(
            policy, duration, unit, start, due, unit is not Unit.working_days and bool(skipped)
        ),
    )
