from __future__ import annotations

import pytest

from tests.conftest import StackFactory, without_notification_workers
from tests.support.http_server import http_server  # noqa: F401  (a fixture)


@pytest.fixture
def stack_factory(stack_factory: StackFactory) -> StackFactory:
    """Tests here drive the sweeper and the deliverer themselves, with a clock they control."""
    return without_notification_workers(stack_factory)
