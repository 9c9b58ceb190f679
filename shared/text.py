"""Text as citizens type it: normalised to NFC so Vietnamese round-trips byte for byte."""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints


def _clean(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return unicodedata.normalize("NFC", value)


def Text(min_length: int = 1, max_length: int = 200) -> type[str]:
    """A stripped, NFC-normalised string of bounded length, NUL characters refused."""
    return Annotated[  # type: ignore[return-value]
        str,
        AfterValidator(_clean),
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
    ]
