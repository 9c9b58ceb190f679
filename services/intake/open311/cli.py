"""`tiepdan open311-key create NAME` / `revoke NAME`."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from services.intake.open311.keys import create_key, revoke_key
from shared.db import Database
from shared.settings import load_settings

app = typer.Typer(help="Open311 clients' api keys", no_args_is_help=True)
T = TypeVar("T")


def _run(work: Callable[[AsyncSession], Awaitable[T]], database_url: str | None) -> T:
    settings = load_settings(**({"database_url": database_url} if database_url else {}))

    async def main() -> T:
        database = Database(settings.database_url_for("intake"), pool_size=1)
        try:
            async with database.transaction() as session:
                return await work(session)
        finally:
            await database.dispose()

    return asyncio.run(main())


DbUrl = Annotated[str | None, typer.Option(help="intake's database; overrides settings")]


@app.command()
def create(name: str, database_url: DbUrl = None) -> None:
    """Create a key for client NAME and print it (it is shown only this once)."""
    sys.stdout.write(_run(lambda s: create_key(s, name), database_url) + "\n")


@app.command()
def revoke(name: str, database_url: DbUrl = None) -> None:
    """Revoke client NAME's key."""
    if not _run(lambda s: revoke_key(s, name), database_url):
        typer.echo(f"no active key named {name}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {name}", err=True)
