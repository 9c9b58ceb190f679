"""Ordered rules, the first that matches decides; no match goes to the fallback queue."""

from __future__ import annotations

from dataclasses import dataclass

from services.routing.rules.schemas import CaseDraft, RuleSetRead, RuleSpec
from services.routing.units.registry import Unit, UnitRegistry
from shared.geography import fold

FALLBACK_UNIT = "UNROUTED"
FALLBACK_NAME = "Hàng chờ chưa phân loại"
FALLBACK_RULE = "fallback"


@dataclass(frozen=True)
class Decision:
    unit_code: str
    unit_name: str
    province_code: str
    rule: str
    reason: str
    rules_version: int = 0

    @property
    def fallback(self) -> bool:
        return self.rule == FALLBACK_RULE


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def decide(rules: RuleSetRead, draft: CaseDraft, units: UnitRegistry) -> Decision:
    place = units.get(draft.location.unit_code) if draft.location.unit_code else None
    target_code = draft.target.unit_code if draft.target else None
    target = units.get(target_code) if target_code else None
    for rule in rules.rules:
        if not _matches(rule, draft, place):
            continue
        unit = _destination(rule, draft, place, target, units)
        if unit is None:
            continue  # the rule cannot be applied to this case: the next one may
        province = units.get(unit.province_code)
        words = _Blank(
            place=place.name if place else "?",
            province=province.name if province else unit.province_code,
            unit=unit.display,
            target=target.display if target else "?",
            category=draft.category or "?",
        )
        reason = " ".join(rule.reason.format_map(words).split())
        return Decision(unit.code, unit.display, unit.province_code, rule.id, reason, rules.version)
    return Decision(
        FALLBACK_UNIT,
        FALLBACK_NAME,
        FALLBACK_UNIT,
        FALLBACK_RULE,
        "no rule matched: the place and the body concerned are not known units; an "
        "administrator routes the case by hand",
        rules.version,
    )


def _matches(rule: RuleSpec, draft: CaseDraft, place: Unit | None) -> bool:
    if rule.kinds and draft.kind not in rule.kinds:
        return False
    if rule.categories and draft.category not in rule.categories:
        return False
    if rule.place != "anywhere" and (place is None or place.level != rule.place):
        return False
    if rule.target_person:
        person = fold(draft.target.person or "") if draft.target else ""
        # Whole words: "trưởng" must not match inside another word.
        padded = f" {person} "
        if not any(f" {fold(w)} " in padded for w in rule.target_person):
            return False
    return True


def _destination(
    rule: RuleSpec, draft: CaseDraft, place: Unit | None, target: Unit | None, units: UnitRegistry
) -> Unit | None:
    match rule.route_to:
        case "commune_committee":
            return place if place and place.level == "commune" else None
        case "province_committee":
            return units.get(place.province_code) if place else None
        case "province_department":
            field_name = rule.field or draft.category
            if place is None or not field_name:
                return None
            return units.department(place.province_code, field_name)
        case "target_body":
            return target
        case "target_superior":
            return units.superior(target.code) if target else None
        case "unit":
            return units.get(rule.unit_code or "")
    return None
