"""Reading a submitter's identity (resolving officials only, every read logged), and key
rotation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.cases.models import Case, Submitter
from services.intake.cases.secrets import IdentityCipher, hash_token
from services.intake.identity import repository
from services.intake.identity.models import SubmitterRead
from services.intake.identity.rotation import rotate_identities
from shared.auth import Principal, Role
from shared.db import Database
from shared.errors import Forbidden, NotFound

# Only the officials who resolve the case; supervisors (people's inspection boards) and
# admins never see a denouncer's identity (Luật Tố cáo Điều 8, 47).
READERS = frozenset({Role.official, Role.unit_head})


async def read_submitter(
    session: AsyncSession, case_id: uuid.UUID, principal: Principal, cipher: IdentityCipher
) -> dict[str, Any]:
    case = await session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}")
    if principal.role not in READERS:
        raise Forbidden(f"role {principal.role.value} never reads a submitter's identity")
    if case.unit_code is None or principal.unit_code != case.unit_code:
        raise Forbidden(
            f"only officials of the responsible unit ({case.unit_code or 'not yet routed'}) "
            "read the submitter's identity"
        )
    submitter = await session.get(Submitter, case_id)
    if submitter is None:
        raise NotFound("this case was filed anonymously: there is no identity to read")
    session.add(
        SubmitterRead(
            id=uuid.uuid4(),
            case_id=case_id,
            actor=principal.sub,
            role=principal.role.value,
            unit_code=principal.unit_code,
            at=datetime.now(UTC),
        )
    )
    await session.flush()
    return cipher.decrypt(submitter.ciphertext)


async def resolve_contact(
    session: AsyncSession, ref: str, cipher: IdentityCipher
) -> dict[str, str]:
    """The citizen's addresses by channel, for the notification service at delivery time.
    Logged like every other read of an identity."""
    found = await resolve_contacts(session, [ref], cipher)
    if ref not in found:
        raise NotFound("unknown contact reference")
    return found[ref]


async def resolve_contacts(
    session: AsyncSession, refs: list[str], cipher: IdentityCipher
) -> dict[str, dict[str, str]]:
    """`resolve_contact` for several references at once (a delivery's claim): the known
    ones' addresses by reference, each read logged; an unknown reference is left out."""
    hashed = {hash_token(ref): ref for ref in refs}
    read = {"actor": "system:notification", "role": "system", "at": datetime.now(UTC)}
    sealed = await repository.read_by_contacts(session, list(hashed), read)
    return {hashed[ref_hash]: _addresses(cipher.decrypt(s)) for ref_hash, s in sealed.items()}


def _addresses(identity: dict[str, Any]) -> dict[str, str]:
    channels = {"email": identity.get("email"), "sms": identity.get("phone")}
    return {k: str(v) for k, v in channels.items() if v}


async def rotate_identity_keys(
    database: Database, cipher: IdentityCipher, *, batch_size: int = 500
) -> int:
    """Re-encrypt every identity with the newest key (the first of TIEPDAN_IDENTITY_KEYS);
    `tiepdan keys rotate-identity` (identity/rotation.py) does the sealed answers too."""
    return await rotate_identities(database, cipher, batch_size=batch_size)
