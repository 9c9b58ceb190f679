"""Which unit is responsible, with the rule that matched and the reason, for the record.

The first rule of the routing table (issue: rules as data): a petition, feedback or request
about a place goes to that commune's People's Committee, or the province's when only a
province is named (Luật Tiếp công dân 2013; two-tier local government since 2025-07-01).
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.events import CaseSubmitted
from shared.geography import AdminMap, Level

FALLBACK_UNIT = "UNROUTED"


@dataclass(frozen=True)
class Decision:
    unit_code: str
    unit_name: str
    province_code: str
    rule: str
    reason: str


def decide(case: CaseSubmitted, admin_map: AdminMap) -> Decision:
    code = case.location.unit_code
    unit = admin_map.get(code) if code else None
    if unit is None:
        return Decision(
            FALLBACK_UNIT,
            "Hàng chờ chưa phân loại",
            FALLBACK_UNIT,
            "fallback",
            "no rule matched: the place is not a known commune or province",
        )
    province = admin_map.province_of(unit)
    if unit.level is Level.commune:
        return Decision(
            unit.code,
            f"UBND {unit.name}",
            province.code,
            "place.commune",
            f"vụ việc xảy ra tại {unit.name}, {province.name}: UBND cấp xã có thẩm quyền "
            "xem xét, giải quyết theo địa bàn",
        )
    return Decision(
        unit.code,
        f"UBND {unit.name}",
        province.code,
        "place.province",
        f"vụ việc chỉ nêu địa bàn {unit.name}: UBND cấp tỉnh có thẩm quyền xem xét, giải quyết",
    )
