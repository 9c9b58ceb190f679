"""Text as citizens type it: normalised to NFC so Vietnamese round-trips byte for byte."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import BeforeValidator, StringConstraints


def _normalise(value: object) -> object:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return unicodedata.normalize("NFC", value).strip()
    return value


def Text(min_length: int = 1, max_length: int = 200) -> type[str]:
    """A stripped, NFC-normalised string of bounded length; NUL characters refused.

    Normalised and stripped before the length is checked, so "   " is blank, not 3 long.
    """
    return Annotated[  # type: ignore[return-value]
        str,
        BeforeValidator(_normalise),
        StringConstraints(min_length=min_length, max_length=max_length),
    ]
