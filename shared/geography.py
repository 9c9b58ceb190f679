"""Vietnam's administrative map since 2025-07-01: 34 provinces and 3,321 communes (GSO codes).

Read from the `vietnam-provinces` package; both intake (validation, lookup) and routing
(responsibility) need it, so it lives here as read-only reference data.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from vietnam_provinces import Province, Ward


class Level(StrEnum):
    province = "province"
    commune = "commune"


@dataclass(frozen=True, slots=True)
class AdminUnit:
    code: str
    name: str
    level: Level
    division_type: str
    parent_code: str | None
    search_key: str


def fold(text: str) -> str:
    """Lower-case, without diacritics (đ included), single-spaced: 'Cai Kinh' ~ 'cai kính'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().replace(",", " ").split())


class AdminMap:
    def __init__(self, units: list[AdminUnit]) -> None:
        self.units = {u.code: u for u in units}

    @classmethod
    def load(cls) -> AdminMap:
        units = [
            AdminUnit(
                code=f"{p.code.value:02d}",
                name=p.name,
                level=Level.province,
                division_type=p.division_type.value,
                parent_code=None,
                search_key=fold(p.name),
            )
            for p in Province.iter_all()
        ]
        names = {u.code: u.name for u in units}
        for w in Ward.iter_all():
            province = f"{w.province_code.value:02d}"
            units.append(
                AdminUnit(
                    code=f"{w.code.value:05d}",
                    name=w.name,
                    level=Level.commune,
                    division_type=w.division_type.value,
                    parent_code=province,
                    search_key=fold(f"{w.name} {names[province]}"),
                )
            )
        return cls(units)

    def get(self, code: str) -> AdminUnit | None:
        return self.units.get(code)

    def province_of(self, unit: AdminUnit) -> AdminUnit:
        return unit if unit.parent_code is None else self.units[unit.parent_code]

    def count(self, level: Level) -> int:
        return sum(1 for u in self.units.values() if u.level is level)

    def search(self, query: str, *, parent: str | None = None, limit: int = 20) -> list[AdminUnit]:
        words = fold(query).split()
        hits = [
            u
            for u in self.units.values()
            if (parent is None or u.parent_code == parent) and all(w in u.search_key for w in words)
        ]
        # Provinces first, then the shortest names: the closest match of the words given.
        hits.sort(key=lambda u: (u.level is Level.commune, len(u.search_key), u.code))
        return hits[:limit]
