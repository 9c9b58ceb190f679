"""Text as citizens type it: normalised to NFC so Vietnamese round-trips byte for byte."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import BeforeValidator, StringConstraints

# What XML 1.0 cannot carry (its `Char` production): C0 controls other than tab, LF and CR,
# lone surrogates (a JSON "\ud800" escape makes one), U+FFFE and U+FFFF. One such character
# stored would make every XML feed that shows the text unparseable, so none is accepted.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def forbidden_character(value: str) -> str | None:
    """The first character of `value` that XML 1.0 forbids, as U+XXXX; None when clean."""
    found = XML_FORBIDDEN.search(value)
    return f"U+{ord(found.group()):04X}" if found else None


def _normalise(value: object) -> object:
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        bad = forbidden_character(value)
        if bad is not None:
            raise ValueError(f"must not contain control characters ({bad})")
        return unicodedata.normalize("NFC", value).strip()
    return value


def Text(min_length: int = 1, max_length: int = 200) -> type[str]:
    """A stripped, NFC-normalised string of bounded length; characters XML forbids refused.

    Normalised and stripped before the length is checked, so "   " is blank, not 3 long.
    """
    return Annotated[  # type: ignore[return-value]
        str,
        BeforeValidator(_normalise),
        StringConstraints(min_length=min_length, max_length=max_length),
    ]
