"""Every unit a case can be sent to: the administrative map, plus agencies from a data file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml

from shared.context import provided
from shared.geography import AdminMap, fold

AGENCIES_FILE = Path(__file__).with_name("agencies.yaml")
REMOTE_FILE = Path(__file__).with_name("remote.yaml")
# The direct superior of a province's People's Committee, for a second-time complaint (check).
CENTRAL = "TTCP"


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    level: str  # province | commune | agency | central
    parent_code: str | None
    province_code: str  # the province it belongs to (itself for a province or a central body)
    fields: tuple[str, ...] = field(default_factory=tuple)
    division_type: str = ""
    remote: bool = False

    @property
    def display(self) -> str:
        """The body that acts: a commune's or province's People's Committee, or the agency."""
        return f"UBND {self.name}" if self.level in ("commune", "province") else self.name


class UnitRegistry:
    def __init__(
        self,
        admin_map: AdminMap,
        agencies: list[dict[str, Any]],
        remote: dict[str, Any] | None = None,
    ) -> None:
        self.admin_map = admin_map
        remote = remote or {}
        self.remote_codes = frozenset(str(c) for c in remote.get("units") or [])
        self.remote_types = frozenset(str(t) for t in remote.get("division_types") or [])
        self.agencies: dict[str, Unit] = {}
        for a in agencies:
            parent = a.get("parent")
            code = str(a["code"])
            self.agencies[code] = Unit(
                code=code,
                name=str(a["name"]),
                level=str(a["level"]),
                parent_code=str(parent) if parent else None,
                province_code=str(parent) if parent else code,
                fields=tuple(str(f) for f in a.get("fields", []) or []),
                division_type=str(a["level"]),
                remote=bool(a.get("remote", False)) or code in self.remote_codes,
            )

    @classmethod
    def load(
        cls, admin_map: AdminMap, path: Path = AGENCIES_FILE, remote: Path = REMOTE_FILE
    ) -> UnitRegistry:
        return cls(
            admin_map,
            yaml.safe_load(path.read_text(encoding="utf-8")) or [],
            yaml.safe_load(remote.read_text(encoding="utf-8")) or {},
        )

    def get(self, code: str) -> Unit | None:
        if code in self.agencies:
            return self.agencies[code]
        unit = self.admin_map.get(code)
        if unit is None:
            return None
        province = self.admin_map.province_of(unit)
        return Unit(
            code=unit.code,
            name=unit.name,
            level=unit.level.value,
            parent_code=unit.parent_code,
            province_code=province.code,
            division_type=unit.division_type,
            remote=unit.code in self.remote_codes or unit.division_type in self.remote_types,
        )

    def department(self, province_code: str, field_name: str) -> Unit | None:
        """The province's agency for a field (land, construction...), if the registry has one."""
        for agency in self.agencies.values():
            if agency.parent_code == province_code and field_name in agency.fields:
                return agency
        return None

    def communes_of(self, province_code: str) -> list[str]:
        return [u.code for u in self.admin_map.units.values() if u.parent_code == province_code]

    def agencies_of(self, code: str) -> list[Unit]:
        """The agencies directly under a unit (a province's departments and inspectorate)."""
        return [a for a in self.agencies.values() if a.parent_code == code]

    def search_agencies(self, words: list[str], parent: str | None) -> list[Unit]:
        return [
            a
            for a in self.agencies.values()
            if (parent is None or a.parent_code == parent)
            and all(w in fold(f"{a.name} {a.code}") for w in words)
        ]

    def superior(self, code: str) -> Unit | None:
        """The direct superior: a commune's is its province; a province's, the central body."""
        unit = self.get(code)
        if unit is None:
            return None
        if unit.parent_code:
            return self.get(unit.parent_code)
        if unit.level == "province":
            return self.get(CENTRAL)
        return None


Units = Annotated[UnitRegistry, provided(UnitRegistry)]
