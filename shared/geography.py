"""Vietnam's administrative map since 2025-07-01: 34 provinces and 3,321 communes (GSO codes).

Read from the `vietnam-provinces` package; both intake (validation, lookup) and routing
(responsibility) need it, so it lives here as read-only reference data.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from vietnam_provinces import Province, Ward

from shared.context import provided


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


# What precedes a name in a written address ("Tỉnh Lạng Sơn", "TP. Huế", "Xã Cai Kinh").
_PROVINCE_PREFIXES = ("tỉnh ", "thành phố ", "tp. ", "tp.", "tp ")
_COMMUNE_PREFIXES = ("xã ", "phường ", "đặc khu ", "thị trấn ", "p. ", "x. ")
_COUNTRY = {"việt nam", "viet nam", "vietnam"}


def _bare(name: str, prefixes: tuple[str, ...]) -> str:
    """A name as written, without its administrative prefix: NFC, case-folded, single-spaced."""
    text = " ".join(unicodedata.normalize("NFC", name).casefold().split())
    for prefix in prefixes:
        if text.startswith(prefix) and len(text) > len(prefix):
            return text[len(prefix) :].strip()
    return text


class AdminMap:
    def __init__(self, units: list[AdminUnit]) -> None:
        self.units = {u.code: u for u in units}
        # Exact names (diacritics kept: "Tân Thạnh" is not "Tân Thành"), then folded ones.
        self._names: dict[tuple[Level, str], list[AdminUnit]] = {}
        for u in units:
            prefixes = _PROVINCE_PREFIXES if u.level is Level.province else _COMMUNE_PREFIXES
            bare = _bare(u.name, prefixes)
            for key in {(u.level, bare), (u.level, "~" + fold(bare))}:
                self._names.setdefault(key, []).append(u)

    @classmethod
    def load(cls) -> AdminMap:
        """The package's map, built once per process (a service's start built it in 0.1-0.2 s
        of CPU, each time): it is read-only, and the package's data cannot change while the
        process runs."""
        return _package_map()

    def get(self, code: str) -> AdminUnit | None:
        return self.units.get(code)

    def province_of(self, unit: AdminUnit) -> AdminUnit:
        return unit if unit.parent_code is None else self.units[unit.parent_code]

    def count(self, level: Level) -> int:
        return sum(1 for u in self.units.values() if u.level is level)

    def _named(self, level: Level, part: str, parent: str | None) -> list[AdminUnit]:
        bare = _bare(part, _PROVINCE_PREFIXES if level is Level.province else _COMMUNE_PREFIXES)
        for key in ((level, bare), (level, "~" + fold(bare))):
            hits = [
                u for u in self._names.get(key, []) if parent is None or u.parent_code == parent
            ]
            if hits:
                return hits
        return []

    def is_province_name(self, text: str) -> bool:
        return bool(self._named(Level.province, text, None))

    def communes_in_address(self, address: str) -> list[AdminUnit]:
        """The communes a written address names, read as Vietnamese addresses are written:
        "street, commune, province" (comma-separated, most specific first). The province is
        the last part when it names one; the commune is the nearest part before it whose whole
        name (with or without "Xã"/"Phường") is a commune's, diacritics first, then without.
        Several communes: the address is ambiguous; none: it names no commune this way."""
        parts = [p.strip() for p in address.split(",") if p.strip()]
        if parts and _bare(parts[-1], ()) in _COUNTRY:
            parts.pop()
        province = None
        if parts:
            provinces = self._named(Level.province, parts[-1], None)
            if len(provinces) == 1:
                province = provinces[0].code
                parts.pop()
        for part in reversed(parts):
            hits = self._named(Level.commune, part, province)
            if hits:
                return hits
        return []

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


@functools.cache
def _package_map() -> AdminMap:
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
    return AdminMap(units)


AdminMapDep = Annotated[AdminMap, provided(AdminMap)]
