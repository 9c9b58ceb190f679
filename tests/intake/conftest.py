"""Intake's tests run intake alone (both modes) and play routing's and notification's part
by publishing their events on the bus: the read model is tested against the event contract,
not against the other services' current behaviour."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import StackFactory
from tests.support.stack import Stack


@pytest.fixture
async def intake(stack_factory: StackFactory) -> AsyncIterator[Stack]:
    async with stack_factory(services=("intake",)) as running:
        yield running
