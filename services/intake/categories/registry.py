"""The categories, read once from `categories.yaml` (data an administrator can edit)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import yaml

from shared.context import provided

DEFAULT_FILE = Path(__file__).with_name("categories.yaml")


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name_vi: str
    name_en: str
    kinds: tuple[str, ...]
    keywords: tuple[str, ...] = ()


class Categories:
    def __init__(self, items: list[Category]) -> None:
        self.items = items
        self._by_code = {c.code: c for c in items}
        if len(self._by_code) != len(items):
            raise ValueError("categories.yaml: a category code appears twice")

    @classmethod
    def load(cls, path: Path = DEFAULT_FILE) -> Categories:
        """The categories of a file, read once per process: never changed in place."""
        return _read_categories(path)

    def get(self, code: str) -> Category | None:
        return self._by_code.get(code)

    def for_kind(self, kind: str) -> list[Category]:
        return [c for c in self.items if kind in c.kinds]


CategoriesDep = Annotated[Categories, provided(Categories)]


@functools.cache
def _read_categories(path: Path) -> Categories:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Categories(
        [
            Category(
                code=str(c["code"]),
                name_vi=str(c["name_vi"]),
                name_en=str(c["name_en"]),
                kinds=tuple(c["kinds"]),
                keywords=tuple(c.get("keywords") or ()),
            )
            for c in raw["categories"]
        ]
    )
