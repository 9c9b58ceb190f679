"""Filing a case: the law's filing rules, idempotency, and the `case.submitted` event; and
the resolution as the citizen, or (published) the public, reads it."""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake import SOURCE
from services.intake.cases import repository
from services.intake.cases.models import Case
from services.intake.cases.rules import check_filing_rules
from services.intake.cases.schemas import (
    CaseCreate,
    CaseCreated,
    Language,
    NotifyBy,
    ResolutionRead,
)
from services.intake.cases.secrets import (
    IdentityCipher,
    hash_token,
    new_access_token,
    new_tracking_code,
)
from services.intake.categories.registry import Categories
from services.intake.limits.buckets import RateLimiter, contact_key
from services.intake.units.boundaries import Boundaries
from shared.errors import Conflict, Unprocessable
from shared.events import (
    CaseStatus,
    CaseSubmitted,
    DialoguePreference,
    Location,
    Target,
    new_event,
)
from shared.geography import AdminMap
from shared.messaging.outbox import Outbox

# A sealed answer holds the case's access token: kept only as long as a retry is likely.
ANSWER_TTL = timedelta(hours=24)
SWEEP_CHANCE = 0.02  # of new claims that also delete a few expired answers


def request_fingerprint(body: CaseCreate) -> str:
    # The default recipient left out: a retry sent before the field existed still matches.
    unset = {"addressed_to"} if body.addressed_to == "unit" else None
    return hashlib.sha256(body.model_dump_json(exclude=unset).encode()).hexdigest()


async def submit_case(
    session: AsyncSession,
    body: CaseCreate,
    *,
    outbox: Outbox,
    admin_map: AdminMap,
    cipher: IdentityCipher,
    categories: Categories,
    idempotency_key: str | None,
    media_url: str | None = None,
    contact_limiter: RateLimiter | None = None,
    boundaries: Boundaries | None = None,
    idempotency_ttl: timedelta = ANSWER_TTL,
) -> tuple[int, dict[str, Any]]:
    """File a case; with an idempotency key, a retry gets the first answer again."""
    fingerprint = request_fingerprint(body)  # of the request as sent, before placing it
    body = place(body, boundaries)
    check_filing_rules(body, admin_map, categories)
    if idempotency_key is not None:
        replay = await _claim_key(session, idempotency_key, fingerprint, idempotency_ttl)
        if replay is not None:
            status, stored = replay
            return status, cipher.decrypt(stored["sealed"].encode())
    # Counted only for a valid new case: a corrected retry or a replay costs nothing.
    if contact_limiter is not None and body.submitter is not None:
        key = contact_key(body.submitter.phone, body.submitter.email)
        if key is not None:
            await contact_limiter.check(key, "from this contact", session)

    now = datetime.now(UTC)
    token = new_access_token()
    case = {
        "id": uuid.uuid4(),
        "tracking_code": new_tracking_code(),
        "access_token_hash": hash_token(token),
        "kind": body.kind.value,
        "title": body.title,
        "description": body.description,
        "category": body.category,
        "location_unit_code": body.location.unit_code,
        "address": body.location.address,
        "lat": body.location.lat,
        "lon": body.location.lon,
        "target": body.target.model_dump(exclude_none=True) if body.target else None,
        "publish_consent": body.publish_consent,
        "channel": body.channel.value,
        "submitted_at": now,
        "status": CaseStatus.submitted.value,
        "status_at": now,
        "dialogue": body.dialogue.model_dump(mode="json") if body.dialogue else None,
        "media_url": media_url,
    }
    submitter: dict[str, Any] | None = None
    contact_ref: str | None = None
    contact_channel, language = NotifyBy.none, Language.vi
    if body.submitter is not None:
        contact_channel, language = body.submitter.contact_channel, body.submitter.language
        # No reference when the citizen wants no notices: notification then has nobody to tell.
        if contact_channel is not NotifyBy.none:
            contact_ref = new_access_token()
        submitter = {
            "case_id": case["id"],
            # What the citizen gave: notify_by and language only when chosen, not defaults.
            "ciphertext": cipher.encrypt(
                body.submitter.model_dump(mode="json", exclude_none=True, exclude_unset=True)
            ),
            "contact_ref_hash": hash_token(contact_ref) if contact_ref else None,
        }
    event = new_event(
        CaseSubmitted.type,
        source=SOURCE,
        case_id=case["id"],
        at=now,
        data=CaseSubmitted(
            tracking_code=case["tracking_code"],
            kind=body.kind.value,
            title=body.title,
            description=body.description,
            category=body.category,
            location=Location(**body.location.model_dump()),
            target=Target(**body.target.model_dump()) if body.target else None,
            channel=body.channel.value,
            submitted_at=now,
            anonymous=body.submitter is None,
            publish_consent=body.publish_consent,
            dialogue=DialoguePreference(**body.dialogue.model_dump()) if body.dialogue else None,
            contact_ref=contact_ref,
            contact_channel=contact_channel.value,
            language=language.value,
            addressed_to=body.addressed_to,
        ),
    )
    # The case, its submitter, its first timeline row and its event: Core, no unit of work
    # (one statement on PostgreSQL).
    first_entry = {
        "event_id": event.id,
        "case_id": case["id"],
        "at": now,
        "status": CaseStatus.submitted.value,
        "step": "received",
        "note": None,
    }
    created = CaseCreated(
        id=case["id"],
        tracking_code=case["tracking_code"],
        access_token=token,
        status=CaseStatus.submitted.value,
        submitted_at=now,
    ).model_dump(mode="json")
    answer = None
    if idempotency_key is not None:
        # The answer holds the access token, which is never stored in clear: seal it.
        sealed = {"sealed": cipher.encrypt(created).decode()}
        answer = {"key": idempotency_key, "status_code": 201, "response": sealed}
    await repository.add_case(session, case, submitter, first_entry, outbox, event, answer)
    return 201, created


def place(body: CaseCreate, boundaries: Boundaries | None) -> CaseCreate:
    """A location given as lat/lon only gets its commune from the boundaries file."""
    where = body.location
    if where.unit_code is not None or boundaries is None or where.lat is None or where.lon is None:
        return body  # without a file, the filing rules refuse a location with no unit_code
    code = boundaries.commune_at(where.lat, where.lon)
    if code is None:
        raise Unprocessable.field(
            ["location"],
            f"lat {where.lat}, lon {where.lon} lies in no commune of the boundaries file: "
            "send location.unit_code",
        )
    return body.model_copy(update={"location": where.model_copy(update={"unit_code": code})})


async def _claim_key(
    session: AsyncSession, key: str, fingerprint: str, ttl: timedelta = ANSWER_TTL
) -> tuple[int, dict[str, Any]] | None:
    """Insert the key first: a concurrent retry blocks on it, then finds the stored answer.
    An answer older than `ttl` is expired: replaced, the key claimed afresh (one statement)."""
    now = datetime.now(UTC)
    if await repository.claim_key(session, key, fingerprint, now, now - ttl):
        if random.random() < SWEEP_CHANCE:  # a sampling, not a secret
            await repository.sweep_expired_answers(session, now - ttl)
        return None
    existing = await repository.stored_answer(session, key)
    if existing.request_hash != fingerprint:
        raise Conflict("Idempotency-Key was already used with a different request body")
    if existing.status_code is None or existing.response is None:
        raise Conflict(
            "a request with this Idempotency-Key is still being processed",
            headers={"Retry-After": "1"},
        )
    return existing.status_code, existing.response


def published_resolution(case: Case) -> ResolutionRead | None:
    """The resolution, where the unit published it and the citizen consented."""
    if case.resolution and case.resolution.get("publish") and case.publish_consent:
        return resolution_of(case)
    return None


def resolution_of(case: Case) -> ResolutionRead | None:
    if not case.resolution or "summary" not in case.resolution:
        return None
    received = case.resolution.get("received_on")
    return ResolutionRead(
        summary=case.resolution["summary"],
        decision_ref=case.resolution.get("decision_ref"),
        resolved_on=date.fromisoformat(case.resolution["resolved_on"]),
        received_on=date.fromisoformat(received) if received else None,
    )
