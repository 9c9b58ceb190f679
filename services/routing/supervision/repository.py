"""The supervisions' queries: by unit (keyset), the cases in a scope, the recommendations."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.routing.cases.models import RoutedCase
from services.routing.supervision.models import (
    BoardMessage,
    Recommendation,
    Supervision,
    SupervisionEntry,
)
from shared.confidential import CONFIDENTIAL_KINDS
from shared.dates import LOCAL_TZ
from shared.errors import Unprocessable

CASES_SHOWN = 200  # a supervision's page of cases; the board narrows its scope for more


def encode_cursor(at: datetime | date, id_: uuid.UUID) -> str:
    raw = json.dumps({"a": at.isoformat(), "i": str(id_)})
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, uuid.UUID]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return str(raw["a"]), uuid.UUID(raw["i"])
    except (ValueError, KeyError, TypeError) as exc:
        raise Unprocessable.field(["query", "cursor"], "not a cursor from this list") from exc


async def supervisions_of(
    session: AsyncSession, unit_code: str, limit: int, cursor: str | None
) -> list[Supervision]:
    stmt = select(Supervision).where(Supervision.unit_code == unit_code)
    if cursor:
        at, id_ = decode_cursor(cursor)
        stmt = stmt.where(
            tuple_(Supervision.opened_at, Supervision.id) < (datetime.fromisoformat(at), id_)
        )
    stmt = stmt.order_by(Supervision.opened_at.desc(), Supervision.id.desc()).limit(limit)
    return list((await session.scalars(stmt)).all())


async def entries_of(session: AsyncSession, supervision_id: uuid.UUID) -> list[SupervisionEntry]:
    stmt = (
        select(SupervisionEntry)
        .where(SupervisionEntry.supervision_id == supervision_id)
        .order_by(SupervisionEntry.at, SupervisionEntry.id)
    )
    return list((await session.scalars(stmt)).all())


async def recommendations_of(
    session: AsyncSession, supervision_id: uuid.UUID
) -> list[Recommendation]:
    stmt = (
        select(Recommendation)
        .where(Recommendation.supervision_id == supervision_id)
        .order_by(Recommendation.issued_at, Recommendation.id)
    )
    return list((await session.scalars(stmt)).all())


def _late(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(
            RoutedCase.resolved_at.is_not(None),
            RoutedCase.resolved_due_at.is_not(None),
            RoutedCase.resolved_at > RoutedCase.resolved_due_at,
        ),
        and_(
            RoutedCase.resolved_at.is_(None),
            RoutedCase.due_at.is_not(None),
            RoutedCase.due_at < now,
        ),
    )


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, LOCAL_TZ).astimezone(UTC)


def scope_conditions(unit_code: str, scope: dict[str, Any], now: datetime) -> list[Any]:
    where: list[Any] = [RoutedCase.unit_code == unit_code]
    if scope.get("case_ids"):
        where.append(RoutedCase.id.in_([uuid.UUID(str(i)) for i in scope["case_ids"]]))
    if scope.get("received_from"):
        where.append(
            RoutedCase.received_at >= _start_of(date.fromisoformat(scope["received_from"]))
        )
    if scope.get("received_to"):
        end = date.fromisoformat(scope["received_to"]) + timedelta(days=1)
        where.append(RoutedCase.received_at < _start_of(end))
    if scope.get("kinds"):
        where.append(RoutedCase.kind.in_(scope["kinds"]))
    if scope.get("category"):
        where.append(RoutedCase.category == scope["category"])
    if scope.get("late_only"):
        where.append(_late(now))
    return where


async def cases_in_scope(
    session: AsyncSession, unit_code: str, scope: dict[str, Any], now: datetime
) -> tuple[list[tuple[RoutedCase, bool]], bool, dict[str, int]]:
    """The non-confidential cases in scope (at most CASES_SHOWN, with their lateness), whether
    more exist, and the denunciations' counts by status: never a denunciation's row."""
    where = scope_conditions(unit_code, scope, now)
    hidden = RoutedCase.kind.in_(CONFIDENTIAL_KINDS)
    stmt = (
        select(RoutedCase, _late(now))
        .where(*where, ~hidden)
        .order_by(RoutedCase.received_at, RoutedCase.id)
        .limit(CASES_SHOWN + 1)
    )
    rows = [(case, bool(late)) for case, late in (await session.execute(stmt)).all()]
    counts = await session.execute(
        select(RoutedCase.status, func.count()).where(*where, hidden).group_by(RoutedCase.status)
    )
    return rows[:CASES_SHOWN], len(rows) > CASES_SHOWN, {s: int(n) for s, n in counts.all()}


def recommendation_conditions(unit_code: str, state: str | None, today: date) -> list[Any]:
    where: list[Any] = [Recommendation.unit_code == unit_code]
    if state == "answered":
        where.append(Recommendation.state == "answered")
    elif state == "overdue":
        where += [Recommendation.state == "open", Recommendation.due_on < today]
    elif state == "open":
        where += [Recommendation.state == "open", Recommendation.due_on >= today]
    elif state == "public":  # what everyone may read: answered, or open past due
        where.append(or_(Recommendation.state == "answered", Recommendation.due_on < today))
    return where


async def recommendations(
    session: AsyncSession, where: list[Any], limit: int, cursor: str | None
) -> list[Recommendation]:
    stmt = select(Recommendation).where(*where)
    if cursor:
        at, id_ = decode_cursor(cursor)
        stmt = stmt.where(
            tuple_(Recommendation.issued_at, Recommendation.id) < (datetime.fromisoformat(at), id_)
        )
    stmt = stmt.order_by(Recommendation.issued_at.desc(), Recommendation.id.desc()).limit(limit)
    return list((await session.scalars(stmt)).all())


async def figures(
    session: AsyncSession,
    code: str,
    *,
    province: bool,
    start: datetime,
    end: datetime,
    today: date,
) -> dict[str, int]:
    """The public counts of the recommendations made to a unit (a province: to it and its
    communes and agencies) in [start, end): few rows a year, counted live on the index."""
    scope = Recommendation.province_code == code if province else Recommendation.unit_code == code

    def count(condition: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = (
        await session.execute(
            select(
                func.count().label("received"),
                count(Recommendation.state == "answered").label("answered"),
                count(Recommendation.answered_on_time.is_(True)).label("answered_on_time"),
                count(Recommendation.outcome == "accepted").label("accepted"),
                count(Recommendation.outcome == "partly").label("partly"),
                count(Recommendation.outcome == "rejected").label("rejected"),
                count(and_(Recommendation.state == "open", Recommendation.due_on < today)).label(
                    "overdue"
                ),
            ).where(scope, Recommendation.issued_at >= start, Recommendation.issued_at < end)
        )
    ).one()
    return {k: int(v) for k, v in row._mapping.items()}


async def board_messages(
    session: AsyncSession, unit_code: str, limit: int, cursor: str | None
) -> list[BoardMessage]:
    """The board's queue: residents' messages to it, newest first."""
    stmt = select(BoardMessage).where(BoardMessage.unit_code == unit_code)
    if cursor:
        at, id_ = decode_cursor(cursor)
        stmt = stmt.where(
            tuple_(BoardMessage.at, BoardMessage.id) < (datetime.fromisoformat(at), id_)
        )
    return list(
        (
            await session.scalars(
                stmt.order_by(BoardMessage.at.desc(), BoardMessage.id.desc()).limit(limit)
            )
        ).all()
    )


async def locked_recommendation(
    session: AsyncSession, recommendation_id: uuid.UUID
) -> Recommendation | None:
    """The recommendation, locked for a step on it (answer, follow-up), reloaded as it is now;
    None when there is none."""
    stmt = select(Recommendation).where(Recommendation.id == recommendation_id).with_for_update()
    result = await session.execute(stmt.execution_options(populate_existing=True))
    return result.scalar_one_or_none()


async def count_recommendations(session: AsyncSession, supervision_id: uuid.UUID) -> int:
    """How many recommendations a supervision made (counted by the database, not loaded)."""
    count = await session.scalar(
        select(func.count()).where(Recommendation.supervision_id == supervision_id)
    )
    return int(count or 0)


async def supervision(
    session: AsyncSession, supervision_id: uuid.UUID, *, lock: bool
) -> Supervision | None:
    """A supervision; with `lock`, locked for this transaction and freshly read."""
    stmt = select(Supervision).where(Supervision.id == supervision_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(stmt)).scalar_one_or_none()


async def answer_to(session: AsyncSession, request_id: uuid.UUID) -> uuid.UUID | None:
    """An answer to a request for information, if one was given."""
    return await session.scalar(
        select(SupervisionEntry.id).where(SupervisionEntry.answers == request_id).limit(1)
    )
