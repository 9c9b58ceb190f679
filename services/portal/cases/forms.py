"""The filing form, turned into intake's `POST /v1/cases` body, and the commune found
from what the citizen typed (the units lookup, in any mix of diacritics)."""

from __future__ import annotations

import re
from typing import Any

from services.portal.labels import KINDS
from services.portal.upstream import Api

TEXT_FIELDS = (
    "title", "description", "category", "commune", "unit_code", "address", "full_name",
    "phone", "email", "national_id", "submitter_address", "notify_by", "language",
    "target_person", "target_decision", "dialogue_topic", "date_1", "date_2",
)  # fmt: skip
CODE_IN_TEXT = re.compile(r"\((\d{2}|\d{5})\)\s*$")
UNIT_CODE = re.compile(r"^(\d{2}|\d{5})$")
# Intake names the field of each refusal; these are the form's inputs that show it.
FIELD_OF_LOC = {
    "location.unit_code": "commune",
    "location": "commune",
    "location.address": "address",
    "submitter": "full_name",
    "submitter.full_name": "full_name",
    "submitter.phone": "phone",
    "submitter.email": "email",
    "submitter.national_id": "national_id",
    "submitter.address": "submitter_address",
    "submitter.notify_by": "notify_by",
    "target": "target_person",
    "target.person": "target_person",
    "target.decision_ref": "target_decision",
    "dialogue": "dialogue_topic",
    "dialogue.topic": "dialogue_topic",
    "dialogue.preferred_dates": "date_1",
}


def values_of(form: Any) -> dict[str, str]:
    values = {name: str(form.get(name) or "").strip() for name in TEXT_FIELDS}
    values["publish_consent"] = "on" if form.get("publish_consent") else ""
    values["to_board"] = "on" if form.get("to_board") else ""
    return values


def form_errors(fields: dict[str, str]) -> dict[str, str]:
    return {FIELD_OF_LOC.get(loc, loc): msg for loc, msg in fields.items()}


async def find_unit(api: Api, values: dict[str, str]) -> tuple[str | None, list[dict[str, Any]]]:
    """The unit code the citizen means, or the candidates to choose from."""
    chosen = values["unit_code"]
    if UNIT_CODE.match(chosen):
        return chosen, []
    typed = values["commune"]
    match = CODE_IN_TEXT.search(typed)
    if match:  # picked from the suggestions: "Xã Cai Kinh (06427)"
        return match.group(1), []
    if UNIT_CODE.match(typed):
        return typed, []
    if not typed:
        return None, []
    found = await api.json("intake", "GET", "/v1/units", params={"q": typed, "limit": 10})
    items: list[dict[str, Any]] = found["items"]
    if len(items) == 1:
        return items[0]["code"], []
    return None, items


def case_body(kind: str, values: dict[str, str], unit_code: str) -> dict[str, Any]:
    assert kind in KINDS
    v = values
    location: dict[str, Any] = {"unit_code": unit_code}
    if v["address"]:
        location["address"] = v["address"]
    body: dict[str, Any] = {
        "kind": kind,
        "title": v["title"],
        "description": v["description"],
        "location": location,
        "publish_consent": bool(v["publish_consent"]),
        "channel": "web",
    }
    if v["category"]:
        body["category"] = v["category"]
    if kind == "feedback" and v.get("to_board"):  # also to the unit's inspection board
        body["addressed_to"] = "board"
    person = {
        "full_name": v["full_name"],
        "national_id": v["national_id"],
        "phone": v["phone"],
        "email": v["email"],
        "address": v["submitter_address"],
    }
    if any(person.values()):
        submitter: dict[str, Any] = {k: val for k, val in person.items() if val}
        if v["full_name"] == "":
            submitter["full_name"] = ""  # intake's sentence: the name is required
        if v["notify_by"]:
            submitter["notify_by"] = v["notify_by"]
        if v["language"] in ("vi", "en"):
            submitter["language"] = v["language"]
        body["submitter"] = submitter
    target = {"person": v["target_person"], "decision_ref": v["target_decision"]}
    if any(target.values()):
        body["target"] = {k: val for k, val in target.items() if val}
    if kind == "dialogue_request":
        dates = [d for d in (v["date_1"], v["date_2"]) if d]
        body["dialogue"] = {"topic": v["dialogue_topic"], "preferred_dates": dates}
    return body
