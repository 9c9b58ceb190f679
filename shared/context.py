"""The one place a service's context is kept on its app, and how code reaches its parts.

A service's lifespan builds one typed object (shared.kernel.Kernel and the service's own
dataclass around it) and installs it here. Endpoints, dependencies and middleware take its
parts by type, `part(app, Categories)` or `Annotated[Categories, provided(Categories)]`:
the features need not import the service's context class, which imports every feature
(that import would put each feature folder in a cycle with every other).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any, TypeVar

from fastapi import Depends, Request
from starlette.applications import Starlette

T = TypeVar("T")


class _Installed:
    """The context and its parts (its fields, and its kernel's), looked up by type."""

    def __init__(self, context: object, parts: Iterable[object]) -> None:
        self.context = context
        self.parts: list[object] = []
        for value in (context, *parts):
            for item in (value, *_fields(value)):
                if item is not None and all(item is not known for known in self.parts):
                    self.parts.append(item)
        self.found: dict[type, object] = {}

    def find(self, kind: type[T], *, optional: bool = False) -> T | None:
        value = self.found.get(kind)
        if value is None:
            # a class or a runtime-checkable Protocol (ObjectStorage); found once, then cached
            matches = [item for item in self.parts if isinstance(item, kind)]
            if optional and not matches:
                return None
            if len(matches) != 1:
                what = "several parts are" if matches else "no part is"
                raise LookupError(f"{what} a {kind.__name__} in the service's context")
            value = self.found[kind] = matches[0]
        assert isinstance(value, kind)
        return value


def _fields(value: object) -> list[object]:
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return []
    return [getattr(value, field.name) for field in dataclasses.fields(value)]


def install(app: Starlette, context: object, *parts: object) -> None:
    """Keep `context` on the app; `parts` (e.g. its kernel) have their fields indexed too."""
    app.state.context = _Installed(context, parts)


def _installed(app: Starlette) -> _Installed:
    installed = getattr(app.state, "context", None)
    if not isinstance(installed, _Installed):
        raise RuntimeError("the service's context is not built (is the lifespan running?)")
    return installed


def context_of(app: Starlette, kind: type[T]) -> T:
    """The service's context object, checked to be a `kind`."""
    context = _installed(app).context
    if not isinstance(context, kind):
        raise TypeError(f"the app's context is a {type(context).__name__}, not a {kind.__name__}")
    return context


def part(app: Starlette, kind: type[T]) -> T:
    """The one part of the app's context that is a `kind`."""
    value = _installed(app).find(kind)
    assert value is not None
    return value


def optional_part(app: Starlette, kind: type[T]) -> T | None:
    """The part that is a `kind`, or None when the context has none (an optional file...)."""
    return _installed(app).find(kind, optional=True)


def provided(kind: type[T]) -> Any:
    """A FastAPI dependency on the context's `kind`: `Annotated[Kind, provided(Kind)]`."""

    async def dependency(request: Request) -> T:  # async: FastAPI runs a plain def in a thread
        return part(request.app, kind)

    dependency.__name__ = f"provided_{kind.__name__}"
    return Depends(dependency)
