"""Intake's context: the kernel and the reference data, keys and limits its requests use.

Built once in the lifespan; endpoints take its parts by type (shared.context).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.intake.actions.service import AppealPolicies, load_appeal_policies
from services.intake.attachments.storage import AttachmentSettings, ObjectStorage, build_storage
from services.intake.cases.secrets import IdentityCipher
from services.intake.categories.registry import Categories
from services.intake.limits.buckets import LimitSettings, RateLimits
from services.intake.limits.shared import limiters
from services.intake.open311.places import Places
from services.intake.units.boundaries import Boundaries, BoundarySettings, load_boundaries
from shared.db import is_sqlite
from shared.geography import AdminMap
from shared.kernel import Kernel, ServiceContext


@dataclass(frozen=True)
class IntakeContext(ServiceContext):
    attachment_settings: AttachmentSettings
    attachment_storage: ObjectStorage
    admin_map: AdminMap
    # None without a boundaries file: lat/lon alone then cannot be placed in a commune.
    boundaries: Boundaries | None
    # Open311's places: names indexed by word, communes' points, the boundaries if any.
    places: Places
    identity_cipher: IdentityCipher
    categories: Categories
    appeal_policies: AppealPolicies
    limit_settings: LimitSettings
    rate_limiters: RateLimits


async def build_context(kernel: Kernel) -> IntakeContext:
    settings = kernel.settings
    attachment_settings = settings.part(AttachmentSettings)
    limit_settings = settings.part(LimitSettings)
    admin_map = AdminMap.load()
    boundaries = load_boundaries(admin_map, settings.part(BoundarySettings))
    return IntakeContext(
        kernel=kernel,
        attachment_settings=attachment_settings,
        attachment_storage=build_storage(settings, attachment_settings),
        admin_map=admin_map,
        boundaries=boundaries,
        places=Places.build(admin_map, boundaries),
        identity_cipher=IdentityCipher.from_settings(settings),
        categories=Categories.load(),
        appeal_policies=load_appeal_policies(),
        limit_settings=limit_settings,
        # One process in embedded mode; replicas on PostgreSQL share their buckets there.
        rate_limiters=limiters(
            limit_settings, shared=not is_sqlite(settings.database_url_for("intake"))
        ),
    )
