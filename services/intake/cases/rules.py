"""The law's filing rules, checked at the edge: every refusal names the field and the rule."""

from __future__ import annotations

from services.intake.cases.schemas import CaseCreate
from services.intake.categories.registry import Categories
from services.intake.categories.schemas import CaseKind
from shared.errors import Unprocessable
from shared.geography import AdminMap

# Who must be named and reachable: complaints and denunciations are processed only for an
# identified person (Luật Khiếu nại Điều 8, Luật Tố cáo Điều 23, 25: anonymous information
# is kept as information, not processed as a denunciation); a dialogue needs someone to
# invite. Petitions and feedback may be anonymous.
NAMED_KINDS = frozenset({CaseKind.complaint, CaseKind.denunciation, CaseKind.dialogue_request})
LEGAL_BASIS = {
    CaseKind.complaint: "Luật Khiếu nại 2011, Điều 8",
    CaseKind.denunciation: "Luật Tố cáo 2018, Điều 23 and 25",
    CaseKind.dialogue_request: "Luật Tiếp công dân 2013, Điều 7",
}


def check_filing_rules(body: CaseCreate, admin_map: AdminMap, categories: Categories) -> None:
    kind = body.kind
    if kind in NAMED_KINDS:
        if body.submitter is None:
            raise Unprocessable.field(
                ["submitter"],
                f"a {kind.value} needs a named submitter, it cannot be anonymous "
                f"({LEGAL_BASIS[kind]})",
            )
        if not body.submitter.reachable:
            raise Unprocessable.field(
                ["submitter"],
                f"a {kind.value} needs a way to reach the submitter: phone, email or address "
                f"({LEGAL_BASIS[kind]})",
            )
    if kind is CaseKind.denunciation and (body.target is None or body.target.empty):
        raise Unprocessable.field(
            ["target"],
            "a denunciation must name whom or what it denounces "
            "(unit_code, decision_ref or person) (Luật Tố cáo 2018, Điều 23)",
        )
    if kind is CaseKind.dialogue_request and body.dialogue is None:
        raise Unprocessable.field(
            ["dialogue"], "a dialogue_request needs dialogue: {topic, preferred_dates}"
        )
    if kind is not CaseKind.dialogue_request and body.dialogue is not None:
        raise Unprocessable.field(["dialogue"], "only a dialogue_request carries dialogue")
    if body.addressed_to == "board" and kind is not CaseKind.feedback:
        raise Unprocessable.field(
            ["addressed_to"],
            "only a feedback (about how cases are handled) is addressed to the people's "
            "inspection board; complaints, denunciations and petitions go to the unit",
        )
    target_unit = body.target.unit_code if body.target else None
    # Digits only: a province or commune code, which must exist (agencies have codes of their own).
    if target_unit and target_unit.isdigit() and admin_map.get(target_unit) is None:
        raise Unprocessable.field(["target", "unit_code"], f"unknown unit code {target_unit!r}")
    if body.location.unit_code is None:
        raise Unprocessable.field(
            ["location", "unit_code"],
            "required: no boundaries file is configured to place lat/lon in a commune",
        )
    if admin_map.get(body.location.unit_code) is None:
        raise Unprocessable.field(
            ["location", "unit_code"], f"unknown unit code {body.location.unit_code!r}"
        )
    if body.category is not None:
        category = categories.get(body.category)
        if category is None:
            raise Unprocessable.field(
                ["category"], f"unknown category {body.category!r}: see GET /v1/categories"
            )
        if kind.value not in category.kinds:
            raise Unprocessable.field(
                ["category"],
                f"category {body.category!r} does not apply to a {kind.value} "
                f"(it applies to: {', '.join(category.kinds)})",
            )
