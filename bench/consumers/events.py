"""The events the contenders read: `case.submitted` as intake's relay publishes them, and the
`case.routed` routing would publish for the same cases, keyed by case as the relays key them."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from bench.common.payloads import SENTENCES, TITLES
from shared.bus.base import OutgoingRecord
from shared.events import CASE_ROUTED, CASE_SUBMITTED, CaseRouted, CaseSubmitted, new_event
from shared.events.cases import Location
from shared.geography import AdminMap, AdminUnit, Level

KINDS = ("feedback", "petition", "complaint")
# A few real communes get most cases (as a busy one does), the rest spread over the country.
BUSY = ("06427", "06436", "00004")


def _record(topic: str, case_id: uuid.UUID, type_: str, payload: bytes) -> OutgoingRecord:
    # The relays' shape: keyed by case (a case's events stay in order on one partition),
    # the event type as a header.
    return OutgoingRecord(topic, str(case_id), payload, (("type", type_.encode()),))


def cases(count: int, topic: str, *, routed: bool) -> list[OutgoingRecord]:
    """`count` case.submitted, then (with `routed`) the case.routed of each, in that order:
    routing's output comes after intake's, as in production."""
    rng = random.Random(14)
    admin = AdminMap.load()
    communes = [u for u in admin.units.values() if u.level is Level.commune]
    busy = [admin.units[code] for code in BUSY if code in admin.units]
    start = datetime.now(UTC) - timedelta(minutes=30)
    submitted: list[OutgoingRecord] = []
    steps: list[OutgoingRecord] = []
    for i in range(count):
        place: AdminUnit = rng.choice(busy) if busy and rng.random() < 0.3 else rng.choice(communes)
        province = admin.province_of(place)
        kind = KINDS[i % 3]
        fill = {"commune": place.name, "province": province.name}
        description = " ".join(
            s.format(n=rng.randint(2, 40), m=rng.randint(100, 900), d=rng.randint(1, 28),
                     mo=rng.randint(1, 10), **fill)
            for s in rng.sample(SENTENCES, 4)
        )  # fmt: skip
        case_id, code = uuid.uuid4(), f"B{i:011d}"
        at = start + timedelta(milliseconds=i)
        event = new_event(
            CASE_SUBMITTED,
            source="intake",
            case_id=case_id,
            at=at,
            data=CaseSubmitted(
                tracking_code=code,
                kind=kind,
                title=rng.choice(TITLES[kind]).format(**fill),
                description=description,
                location=Location(unit_code=place.code, address="Số 12 đường Lê Lợi"),
                channel="web",
                submitted_at=at,
                anonymous=False,
                contact_ref=f"contact-{i}",
            ),
        )
        submitted.append(_record(topic, case_id, CASE_SUBMITTED, event.to_bytes()))
        if routed:
            step = new_event(
                CASE_ROUTED,
                source="routing",
                case_id=case_id,
                at=at + timedelta(seconds=1),
                data=CaseRouted(
                    tracking_code=code,
                    kind=kind,
                    unit_code=place.code,
                    province_code=province.code,
                    actor="system:routing",
                    received_at=at,
                    unit_name=f"UBND {place.name}",
                    rule="place.commune",
                    reason="competent for the place",
                ),
            )
            steps.append(_record(topic, case_id, CASE_ROUTED, step.to_bytes()))
    return submitted + steps
