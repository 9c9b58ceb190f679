"""The law's lists as data: the grounds for not accepting a case, and how far it may be extended."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated

import yaml

from shared.context import provided

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Ground:
    code: str
    law: str
    article: str
    kinds: frozenset[str]
    text: str
    check: bool = False


@dataclass(frozen=True)
class ExtensionRule:
    kind: str
    complexity: str
    max: int
    decision_ref_required: bool
    basis: str


@dataclass(frozen=True)
class NoticeRule:
    """The least number of days between telling the parties and a dialogue session."""

    effective_from: date
    days: int
    basis: str
    check: bool = False


class LawBook:
    def __init__(
        self,
        grounds: list[Ground],
        extensions: list[ExtensionRule],
        notices: list[NoticeRule] | None = None,
    ) -> None:
        self.grounds = {g.code: g for g in grounds}
        self.extensions = {(e.kind, e.complexity): e for e in extensions}
        self.notices = sorted(notices or [], key=lambda notice: notice.effective_from)

    @classmethod
    def load(cls, folder: Path = HERE) -> LawBook:
        """The book of a folder, read once per process: it is never changed in place."""
        return _read_book(folder)

    def ground(self, code: str) -> Ground | None:
        return self.grounds.get(code)

    def extension(self, kind: str, complexity: str) -> ExtensionRule | None:
        return self.extensions.get((kind, complexity))

    def dialogue_notice(self, received_on: date) -> NoticeRule | None:
        """The newest notice rule in force on the day the case was received, if any."""
        return next((n for n in reversed(self.notices) if n.effective_from <= received_on), None)


Law = Annotated[LawBook, provided(LawBook)]


@functools.cache
def _read_book(folder: Path) -> LawBook:
    grounds = yaml.safe_load((folder / "grounds.yaml").read_text(encoding="utf-8"))
    extensions = yaml.safe_load((folder / "extensions.yaml").read_text(encoding="utf-8"))
    notices = yaml.safe_load((folder / "dialogue.yaml").read_text(encoding="utf-8"))
    return LawBook(
        [
            Ground(
                code=g["code"],
                law=g["law"],
                article=g["article"],
                kinds=frozenset(g["kinds"]),
                text=" ".join(g["text"].split()),
                check=bool(g.get("check", False)),
            )
            for g in grounds
        ],
        [ExtensionRule(**e) for e in extensions],
        [NoticeRule(**n) for n in notices],
    )
