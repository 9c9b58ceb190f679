"""Item 16: `tiepdan keys rotate-identity` re-encrypts everything the identity keys seal, the
identities and the idempotent answers (they hold access tokens), with a progress bar; and a
sealed answer expires instead of being kept forever."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from services.intake.cases import service as cases_service
from services.intake.cases.models import IdempotencyRecord, Submitter
from services.intake.cases.secrets import IdentityCipher
from shared.db import Database
from tests.conftest import StackFactory
from tests.support.stack import Stack

TIEPDAN = str(Path(sys.executable).parent / "tiepdan")
CASE = {
    "kind": "petition",
    "title": "Đề nghị sửa đường",
    "description": "Đường liên thôn bị sạt lở.",
    "location": {"unit_code": "06427"},
    "submitter": {"full_name": "Đỗ Văn Em", "phone": "0912000111"},
}


def _current_keys(stack: Stack) -> list[str]:
    settings = stack.settings["intake"]
    if settings.identity_keys:
        return [k.strip() for k in settings.identity_keys.split(",") if k.strip()]
    return [(settings.data_dir / "keys" / "identity.key").read_text().strip()]


async def _file(stack: Stack, key: str, body: dict[str, Any]) -> Any:
    return await stack["intake"].post("/v1/cases", json=body, headers={"Idempotency-Key": key})


async def test_rotate_identity_reseals_identities_and_answers(
    stack_factory: StackFactory, tmp_path: Path
) -> None:
    async with stack_factory(services=("intake",)) as intake:
        first = await _file(intake, "retry-1", CASE)
        assert first.status_code == 201
        await _file(intake, "retry-2", {**CASE, "title": "Đề nghị khác"})
        url = intake.settings["intake"].database_url_for("intake")
        old_keys = _current_keys(intake)
    # Run as an operator would, with intake stopped (SQLite allows one writer).
    new_key = Fernet.generate_key().decode()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIEPDAN_")}
    env["TIEPDAN_DATABASE_URL"] = url
    env["TIEPDAN_IDENTITY_KEYS"] = ",".join([new_key, *old_keys])
    process = await asyncio.create_subprocess_exec(
        TIEPDAN,
        *("keys", "rotate-identity", "--batch-size", "1"),
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, raw = await asyncio.wait_for(process.communicate(), timeout=120)
    stderr = raw.decode()
    assert process.returncode == 0, stderr
    assert "re-encrypting identities" in stderr  # rich's progress bars, one per kind
    assert "re-encrypting sealed answers" in stderr

    only_new = IdentityCipher([new_key])
    database = Database(url, pool_size=1)
    try:
        async with database.sessions() as session:
            identities = list((await session.execute(select(Submitter.ciphertext))).scalars())
            answers = list((await session.execute(select(IdempotencyRecord.response))).scalars())
    finally:
        await database.dispose()
    assert {only_new.decrypt(c)["full_name"] for c in identities} == {"Đỗ Văn Em"}
    sealed = [only_new.decrypt(a["sealed"].encode()) for a in answers if a]
    assert first.json()["access_token"] in {s["access_token"] for s in sealed}
    assert len(sealed) == 2


async def _age(stack: Stack, key: str) -> None:
    old = datetime.now(UTC) - timedelta(days=2)
    async with stack.database("intake").transaction() as session:
        await session.execute(
            update(IdempotencyRecord).where(IdempotencyRecord.key == key).values(created_at=old)
        )


async def test_a_sealed_answer_expires(intake: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    first = await _file(intake, "k-1", CASE)
    assert (await _file(intake, "k-1", CASE)).json() == first.json()  # a retry: the same
    await _age(intake, "k-1")
    other = {**CASE, "title": "Một đề nghị mới"}
    again = await _file(intake, "k-1", other)  # the key is fresh again, not a 409
    assert again.status_code == 201, again.text
    assert again.json()["tracking_code"] != first.json()["tracking_code"]

    await _file(intake, "k-2", CASE)
    await _age(intake, "k-2")
    monkeypatch.setattr(cases_service, "SWEEP_CHANCE", 1.0)  # the next claim sweeps
    await _file(intake, "k-3", {**CASE, "title": "Thứ ba"})
    assert await intake.count("intake", "idempotency_keys", key="k-2") == 0
