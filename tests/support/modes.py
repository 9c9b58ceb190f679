"""The top of the test pyramid kept narrow: a matrix in full on the embedded stack, and in
production mode (PostgreSQL, Kafka) only the rows whose behaviour could differ there.

A matrix over HTTP (every role on every endpoint, every step from every status) checks code
that is the same in both modes: the access checks, the lifecycle table, the endpoints. What
production mode adds (PostgreSQL's locks and types, the Kafka round trip, the production
keys) is the same for every row, so a few rows, one of each kind, show it; the rest cost
minutes of CI and show nothing more.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import pytest
from _pytest.mark import ParameterSet


def embedded_all_production_some(
    values: Iterable[Any], production: Collection[Any]
) -> list[ParameterSet]:
    """Parameters for `("mode", <name>)`: every value in embedded mode, and the values in
    `production` in production mode too (marked `integration`, like tests/conftest.py's
    `mode`, so that `TIEPDAN_SKIP_INTEGRATION=1` leaves them out)."""
    values = list(values)
    if missing := [v for v in production if v not in values]:
        raise ValueError(f"production rows that are not in the matrix: {missing}")
    embedded = [pytest.param("embedded", v, id=f"embedded-{v}") for v in values]
    chosen = [
        pytest.param("production", v, id=f"production-{v}", marks=pytest.mark.integration)
        for v in values
        if v in production
    ]
    return embedded + chosen
