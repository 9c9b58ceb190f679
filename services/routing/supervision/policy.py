"""The board's periods (policy.yaml): how long a unit's head has to answer a recommendation,
and the unit to answer a request for information, each with its legal basis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import yaml

from shared.context import provided

POLICY = Path(__file__).with_name("policy.yaml")


@dataclass(frozen=True)
class Period:
    days: int
    basis: str
    check: bool

    def due_on(self, start: date) -> date:
        # Calendar days, the day of the event not counted (Bộ luật Dân sự 2015, Điều 147).
        return start + timedelta(days=self.days)


class SupervisionPolicy(dict[str, Period]):
    """The board's periods by name (a type of its own, to be found in routing's context)."""


def load_policy(path: Path = POLICY) -> SupervisionPolicy:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return SupervisionPolicy(
        (name, Period(days=int(p["days"]), basis=str(p["basis"]), check=bool(p.get("check"))))
        for name, p in raw.items()
    )


SupervisionPolicyDep = Annotated[SupervisionPolicy, provided(SupervisionPolicy)]
