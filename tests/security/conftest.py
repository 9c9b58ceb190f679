from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import StackFactory
from tests.support.stack import Stack


@pytest.fixture
async def intake(stack_factory: StackFactory) -> AsyncIterator[Stack]:
    async with stack_factory(services=("intake",)) as running:
        yield running
