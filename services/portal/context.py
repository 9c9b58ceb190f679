"""The portal's context: its settings, metrics and the clients of intake's and routing's API.

Built in the lifespan; pages take its parts by type (shared.context).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.portal.metrics import PortalMetrics
from services.portal.settings import PortalSettings
from services.portal.upstream import Api


@dataclass(frozen=True)
class PortalContext:
    settings: PortalSettings
    metrics: PortalMetrics
    api: Api
