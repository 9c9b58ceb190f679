from __future__ import annotations

import pytest

from tests.support.http_server import http_server  # noqa: F401  (a fixture)


@pytest.fixture(autouse=True)
def _no_background_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests drive the sweeper and the deliverer themselves, with a clock they control.
    monkeypatch.setenv("TIEPDAN_NOTIFY_WORKERS", "false")
