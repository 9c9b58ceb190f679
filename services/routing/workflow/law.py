"""The law's lists as data: the grounds for not accepting a case, and how far it may be extended."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

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


class LawBook:
    def __init__(self, grounds: list[Ground], extensions: list[ExtensionRule]) -> None:
        self.grounds = {g.code: g for g in grounds}
        self.extensions = {(e.kind, e.complexity): e for e in extensions}

    @classmethod
    def load(cls, folder: Path = HERE) -> LawBook:
        grounds = yaml.safe_load((folder / "grounds.yaml").read_text(encoding="utf-8"))
        extensions = yaml.safe_load((folder / "extensions.yaml").read_text(encoding="utf-8"))
        return cls(
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
        )

    def ground(self, code: str) -> Ground | None:
        return self.grounds.get(code)

    def extension(self, kind: str, complexity: str) -> ExtensionRule | None:
        return self.extensions.get((kind, complexity))
