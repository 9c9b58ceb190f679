"""The `tiepdan` command."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from rich.console import Console
from rich.progress import Progress, TaskID

from services.intake.open311 import cli as open311_keys
from shared.auth import Role, ensure_dev_keys, issue_dev_token
from shared.logging import configure_logging
from shared.settings import Settings, SettingsError, load_settings

app = typer.Typer(help="tiepdan: citizen feedback and complaint handling", no_args_is_help=True)
keys_app = typer.Typer(help="Signing keys (development) and identity key rotation")
app.add_typer(keys_app, name="keys")
stats_app = typer.Typer(help="Routing's public figures")
app.add_typer(stats_app, name="stats")
app.add_typer(open311_keys.app, name="open311-key")
dlq_app = typer.Typer(help="The dead-letter topic: events a consumer could not handle")
app.add_typer(dlq_app, name="dlq")
err = Console(stderr=True, soft_wrap=True, highlight=False)


class ServiceName(StrEnum):
    intake = "intake"
    routing = "routing"
    notification = "notification"
    portal = "portal"


DEV_ORDER = ("intake", "routing", "notification", "portal")


class MigrateTarget(StrEnum):
    intake = "intake"
    routing = "routing"
    notification = "notification"
    all = "all"


def _settings(**overrides: object) -> Settings:
    try:
        settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        err.print(f"[red]tiepdan: {exc}[/red]")
        raise typer.Exit(2) from None
    configure_logging(level=settings.log_level, fmt=settings.log_format, service=settings.service)
    return settings


@app.command()
def dev(
    host: str = "127.0.0.1",
    only: Annotated[list[ServiceName] | None, typer.Option(help="run only these")] = None,
    ports: Annotated[
        str,
        typer.Option(help="intake,routing,notification[,portal]; three: no portal"),
    ] = "8001,8002,8003,8000",
) -> None:
    """Run intake (:8001), routing (:8002), notification (:8003) and the portal (:8000) in
    embedded mode."""
    from services.dev import run_dev

    # A person at a terminal reads lines, not JSON (TIEPDAN_LOG_FORMAT=json still wins).
    console = None if os.environ.get("TIEPDAN_LOG_FORMAT") else "console"
    settings = _settings(service="dev", log_format=console)
    try:
        port_list = [int(p) for p in ports.split(",")]
        if len(port_list) not in (3, 4):
            raise ValueError
    except ValueError:
        err.print(
            "[red]tiepdan: --ports takes three or four port numbers: 8001,8002,8003[,8000][/red]"
        )
        raise typer.Exit(2) from None
    port_map = dict(zip(DEV_ORDER, port_list, strict=False))
    names: list[str] = [s.value for s in (only or list(ServiceName)) if s.value in port_map]
    asyncio.run(run_dev(settings, host=host, names=names, ports=port_map))


@app.command()
def serve(
    service: ServiceName,
    host: str = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="default: 8001/8002/8003, portal 8000")] = None,
) -> None:
    """Serve one service (production mode reads TIEPDAN_* settings)."""
    from services.catalog import SERVICES

    if service is ServiceName.portal:
        _serve_portal(host, port)
        return
    settings = _settings(service=service.value)
    entry = SERVICES[service.value]
    try:
        application = entry.app(settings)
    except SettingsError as exc:
        err.print(f"[red]tiepdan: {exc}[/red]")
        raise typer.Exit(2) from None
    config = uvicorn.Config(
        application,
        host=host,
        port=port or entry.port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=25,
    )
    _GracefulServer(config).run()


class _GracefulServer(uvicorn.Server):
    """Uvicorn, except that a graceful stop on SIGTERM exits 0.

    Kubernetes sends SIGTERM before every rollout; the service then stops taking requests,
    finishes what it holds and commits its consumers' offsets. Uvicorn re-raises the signal
    afterwards, so the process would die of it (exit -15) and a clean stop would look like
    a crash. SIGINT keeps uvicorn's behaviour."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            self._captured_signals = [s for s in self._captured_signals if s != signal.SIGTERM]


def _serve_portal(host: str, port: int | None) -> None:
    """The portal reads only TIEPDAN_PORTAL_* (and TIEPDAN_ENV): it has no database."""
    from pydantic import ValidationError

    from services.catalog import PORTAL_PORT
    from services.portal.app import create_portal_app
    from services.portal.settings import PortalSettings

    try:
        settings = PortalSettings()
    except ValidationError as exc:
        first = exc.errors()[0]
        err.print(f"[red]tiepdan: bad portal setting {first['loc']}: {first['msg']}[/red]")
        raise typer.Exit(2) from None
    configure_logging(level=settings.log_level, fmt=settings.log_format, service="portal")
    uvicorn.run(
        create_portal_app(settings),
        host=host,
        port=port or PORTAL_PORT,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=25,
    )


@app.command()
def migrate(
    target: MigrateTarget,
    database_url: Annotated[str | None, typer.Option(help="overrides TIEPDAN_DATABASE_URL")] = None,
) -> None:
    """Bring a service's database (or all three, embedded) to the newest schema."""
    from services.catalog import SERVICES
    from shared.migrations import upgrade

    settings = _settings(database_url=database_url)
    names = list(SERVICES) if target is MigrateTarget.all else [target.value]
    if target is MigrateTarget.all and settings.database_url:
        err.print(
            "[red]tiepdan: `migrate all` is for embedded mode; each service has its own "
            "database: run `tiepdan migrate SERVICE --database-url ...`[/red]"
        )
        raise typer.Exit(2)
    with Progress(console=err, transient=False) as progress:
        task = progress.add_task("migrating", total=len(names))
        for name in names:
            progress.update(task, description=f"migrating {name}")
            asyncio.run(
                upgrade(settings.database_url_for(name), SERVICES[name].definition.migrations)
            )
            progress.advance(task)


@app.command("create-topics")
def create_topics() -> None:
    """Create the case-events topic and its dead-letter topic in Kafka (idempotent)."""
    from shared.bus.kafka import KafkaBus

    settings = _settings()
    if not settings.kafka_bootstrap_servers:
        err.print("[red]tiepdan: set TIEPDAN_KAFKA_BOOTSTRAP_SERVERS[/red]")
        raise typer.Exit(2)
    bus = KafkaBus(settings.kafka_bootstrap_servers, options=settings.kafka_client_options())
    created = asyncio.run(
        bus.ensure_topics(
            {
                settings.kafka_topic: settings.kafka_partitions,
                settings.kafka_dead_letter_topic: settings.kafka_partitions,
            },
            replication_factor=settings.kafka_replication_factor,
        )
    )
    err.print(f"created: {', '.join(created) or 'nothing (all exist)'}")


@stats_app.command("rebuild")
def stats_rebuild(
    database_url: Annotated[str | None, typer.Option(help="overrides TIEPDAN_DATABASE_URL")] = None,
) -> None:
    """Recompute routing's figures roll-up from its cases (steps wait until it is done)."""
    import time

    from services.routing.stats.rebuild import rebuild
    from shared.db import Database

    settings = _settings(database_url=database_url)
    began = time.monotonic()

    def say(what: str) -> None:
        err.print(f"[{time.monotonic() - began:6.1f} s] {what}")

    async def run() -> None:
        database = Database(settings.database_url_for("routing"), pool_size=1)
        try:
            async with database.transaction() as session:
                await rebuild(session, say)
            say("committed")
        finally:
            await database.dispose()

    asyncio.run(run())


@keys_app.command("init")
def keys_init(directory: Annotated[Path, typer.Option("--dir")]) -> None:
    """Create a development RSA key pair and jwks.json in DIR, if absent."""
    ensure_dev_keys(directory)
    err.print(f"keys in {directory} (jwks.json for TIEPDAN_JWT_JWKS_URL)")


@keys_app.command("rotate-identity")
def keys_rotate_identity(
    database_url: Annotated[str | None, typer.Option(help="overrides TIEPDAN_DATABASE_URL")] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=10_000)] = 500,
) -> None:
    """Re-encrypt intake's submitter identities and sealed idempotent answers with the
    newest identity key (the first of TIEPDAN_IDENTITY_KEYS), after deleting expired
    answers. Re-runnable; afterwards the older keys can be removed."""
    from datetime import timedelta

    from services.intake.cases.secrets import IdentityCipher
    from services.intake.identity.rotation import rotate_everything
    from shared.db import Database

    settings = _settings(database_url=database_url)
    if not settings.identity_keys:
        err.print("[red]tiepdan: set TIEPDAN_IDENTITY_KEYS=NEW,OLD[,...] (newest first)[/red]")
        raise typer.Exit(2)
    cipher = IdentityCipher.from_settings(settings)

    async def run() -> dict[str, int]:
        database = Database(settings.database_url_for("intake"), pool_size=1)
        try:
            with Progress(console=err, transient=False) as progress:
                tasks: dict[str, TaskID] = {}

                def show(kind: str, done: int, total: int) -> None:
                    if kind not in tasks:
                        tasks[kind] = progress.add_task(f"re-encrypting {kind}", total=total)
                    progress.update(tasks[kind], completed=done)

                return await rotate_everything(
                    database,
                    cipher,
                    answers_ttl=timedelta(hours=settings.idempotency_ttl_hours),
                    batch_size=batch_size,
                    progress=show,
                )
        finally:
            await database.dispose()

    counts = asyncio.run(run())
    err.print(", ".join(f"{kind}: {n}" for kind, n in counts.items()))


@app.command()
def token(
    role: Annotated[Role, typer.Option()],
    sub: Annotated[str, typer.Option()],
    unit: Annotated[str | None, typer.Option()] = None,
    key_dir: Annotated[Path | None, typer.Option(help="default: TIEPDAN_DATA_DIR/keys")] = None,
    ttl: Annotated[int, typer.Option(help="seconds")] = 8 * 3600,
) -> None:
    """Print a development JWT for an official, unit head, supervisor or admin."""
    settings = _settings(log_format="console")
    if role is not Role.admin and not unit:
        err.print("[red]tiepdan: --unit is required for this role[/red]")
        raise typer.Exit(2)
    directory = key_dir or settings.resolved_key_dir()
    sys.stdout.write(
        issue_dev_token(
            directory, role=role, unit_code=unit, sub=sub, settings=settings, ttl_seconds=ttl
        )
        + "\n"
    )


@dlq_app.command("replay")
def dlq_replay(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="list, publish nothing")] = False,
    idle_seconds: Annotated[float, typer.Option(help="stop after this long with none")] = 5.0,
) -> None:
    """Put dead-lettered events back on their topic, once the cause is fixed.

    The consumers that handled an event already skip it; the one that failed handles it
    now. A second replay does not repeat the first; --dry-run lists and commits nothing."""
    from shared.app import build_bus
    from shared.messaging.dead_letters import REPLAY_GROUP, Parked, replay

    settings = _settings()

    async def run() -> list[Parked]:
        bus = build_bus(settings)
        await bus.start()
        try:
            with Progress(console=err, transient=False) as progress:
                task = progress.add_task("dry run" if dry_run else "replaying", total=None)

                def seen(p: Parked) -> None:
                    progress.advance(task)
                    progress.console.print(
                        f"{p.event_type} {p.event_id} case {p.case_id} "
                        f"(consumer {p.consumer}): {p.error}",
                        markup=False,
                    )

                return await replay(
                    bus,
                    dead_letter_topic=settings.kafka_dead_letter_topic,
                    default_topic=settings.kafka_topic,
                    dry_run=dry_run,
                    seen=seen,
                    group=settings.kafka_group_prefix + REPLAY_GROUP,
                    idle_seconds=idle_seconds,
                )
        finally:
            await bus.close()

    done = asyncio.run(run())
    verb = "would replay" if dry_run else "replayed"
    err.print(f"{verb} {len(done)} event(s) from {settings.kafka_dead_letter_topic}")
