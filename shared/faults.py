"""Named crash points, so tests can kill a real process at an exact step (failpoints)."""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def crash_point(configured: str, name: str) -> None:
    """Exit at once, without cleanup, when TIEPDAN_FAULT_CRASH_AT names this point."""
    if configured and configured == name:
        log.warning("fault injection: crashing at %s", name)
        logging.shutdown()
        os._exit(137)
