"""Where attachments' bytes live: a local folder (embedded mode) or an S3-compatible bucket.

Configured from TIEPDAN_ATTACHMENTS_* (intake's own settings: shared/settings.py is for what
every service needs). A bucket set means S3; otherwise a folder under the data directory.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Protocol, runtime_checkable

from fastapi import Depends, Request
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.applications import Starlette

from shared.context import part, provided
from shared.settings import Environment, Settings

log = logging.getLogger(__name__)


class AttachmentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIEPDAN_ATTACHMENTS_", extra="ignore")

    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    max_per_case: int = Field(default=10, ge=1)
    dir: Path | None = None  # default: data_dir/attachments
    s3_bucket: str = ""
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_prefix: str = "attachments/"


@runtime_checkable  # found by type in the service's context
class ObjectStorage(Protocol):
    async def put(self, key: str, data: BinaryIO, content_type: str) -> None:
        """Store the file from its current position, streamed (never read whole)."""
        ...

    async def get(self, key: str) -> bytes: ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"object key escapes the storage folder: {key!r}")
        return path

    async def put(self, key: str, data: BinaryIO, content_type: str) -> None:
        def write() -> None:
            path = self._path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            with tmp.open("wb") as out:
                shutil.copyfileobj(data, out, 64 * 1024)
            tmp.replace(path)  # never a half-written file under the final name

        await asyncio.to_thread(write)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._path(key).read_bytes)


class S3Storage:
    """aiobotocore, one client per operation: nothing to close at shutdown."""

    def __init__(self, config: AttachmentSettings) -> None:
        # Imported here, not at the top: aiobotocore takes about a second to import, which
        # every intake replica paid at start-up even without a bucket (ready < 3 s).
        from aiobotocore.session import get_session  # type: ignore[import-untyped]

        self.config = config
        self.session = get_session()

    def _client(self) -> Any:
        c = self.config
        return self.session.create_client(
            "s3",
            region_name=c.s3_region,
            endpoint_url=c.s3_endpoint_url,
            aws_access_key_id=c.s3_access_key_id,
            aws_secret_access_key=c.s3_secret_access_key,
        )

    async def put(self, key: str, data: BinaryIO, content_type: str) -> None:
        # botocore reads a seekable file object in chunks (and seeks back to retry).
        async with self._client() as client:
            await client.put_object(
                Bucket=self.config.s3_bucket,
                Key=self.config.s3_prefix + key,
                Body=data,
                ContentType=content_type,
            )

    async def get(self, key: str) -> bytes:
        async with self._client() as client:
            answer = await client.get_object(
                Bucket=self.config.s3_bucket, Key=self.config.s3_prefix + key
            )
            async with answer["Body"] as stream:
                body: bytes = await stream.read()
                return body


def storage_of(app: Starlette) -> ObjectStorage:
    """The app's storage, found by its Protocol (runtime-checkable; mypy asks for a class)."""
    return part(app, ObjectStorage)  # type: ignore[type-abstract]


def build_storage(settings: Settings, config: AttachmentSettings) -> ObjectStorage:
    if config.s3_bucket:
        return S3Storage(config)
    if settings.env is Environment.production:
        log.warning(
            "attachments are kept on local disk: set TIEPDAN_ATTACHMENTS_S3_BUCKET so that "
            "every replica sees them"
        )
    return LocalStorage(config.dir or Path(settings.data_dir) / "attachments")


async def _storage(request: Request) -> ObjectStorage:
    return storage_of(request.app)


AttachmentConfig = Annotated[AttachmentSettings, provided(AttachmentSettings)]
Storage = Annotated[ObjectStorage, Depends(_storage)]
