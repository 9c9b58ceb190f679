"""Where SQL lives: every statement of a feature is built in its repository module(s).

A module under services/ may import SQL construction from SQLAlchemy (select, insert,
update, delete, text, func, and the like; a dialect's insert; the sqlalchemy module
itself) only if it is a repository (`repository.py`, or a module of a `repository/`
package), a `models.py` (server defaults, index expressions) or a migration. The imports
are read with `ast`, so `dict.update(...)` or a word in a docstring never counts, and an
import inside a function or under TYPE_CHECKING does.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ROOT / "services"

# What builds SQL: statements, clauses, functions, literals.
SQL_NAMES = frozenset(
    {
        "select",
        "insert",
        "update",
        "delete",
        "text",
        "func",
        "literal",
        "literal_column",
        "column",
        "table",
        "values",
        "case",
        "cast",
        "and_",
        "or_",
        "not_",
        "exists",
        "union",
        "union_all",
        "intersect",
        "except_",
        "tuple_",
        "bindparam",
        "distinct",
        "extract",
        "over",
        "any_",
        "all_",
        "true",
        "false",
        "null",
        "lateral",
        "join",
        "outerjoin",
        "type_coerce",
        "sql",  # the sqlalchemy.sql package: everything above
        "expression",
        "functions",
        "dialects",
        "postgresql",
        "sqlite",
    }
)
# Modules whose every name builds SQL (`from sqlalchemy.dialects.postgresql import insert`).
SQL_MODULES = ("sqlalchemy.dialects", "sqlalchemy.sql", "sqlalchemy.future")

# Modules outside a repository that may still build SQL, each with its reason. Files of the
# features being optimised elsewhere (intake cases/actions, routing cases/workflow,
# notification deadlines/notices) that still had SQL would be listed here as "to move";
# none has any left.
ALLOWED: dict[str, str] = {}


def sql_imports(source: str) -> list[str]:
    """The SQL-building imports of a module's source, as `module:name`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "sqlalchemy"]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            module = node.module
            if module.startswith(SQL_MODULES):
                found += [f"{module}:{a.name}" for a in node.names]
            elif module == "sqlalchemy":
                found += [f"{module}:{a.name}" for a in node.names if a.name in SQL_NAMES]
    return found


def may_build_sql(path: Path) -> bool:
    parts = path.relative_to(SERVICES).parts
    return (
        path.name in ("repository.py", "models.py")
        or "repository" in parts[:-1]
        or "migrations" in parts[:-1]
    )


def test_sql_is_built_only_in_repositories_models_and_migrations() -> None:
    outside = {}
    for path in sorted(SERVICES.rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if may_build_sql(path) or name in ALLOWED:
            continue
        imports = sql_imports(path.read_text(encoding="utf-8"))
        if imports:
            outside[name] = imports
    assert outside == {}, (
        "SQL built outside a repository: move these queries into the feature's "
        f"repository.py (CONTRIBUTING.md, 'Where things live'): {outside}"
    )


def test_the_allowlist_names_only_files_that_still_need_it() -> None:
    stale = [
        name
        for name in ALLOWED
        if not (ROOT / name).exists() or not sql_imports((ROOT / name).read_text("utf-8"))
    ]
    assert stale == [], f"take these off ALLOWED in tests/test_layout.py: {stale}"


@pytest.mark.parametrize(
    "source",
    [
        "from sqlalchemy import select",
        "from sqlalchemy import func as f",
        "from sqlalchemy import Column, text",
        "from sqlalchemy.dialects.postgresql import insert",
        "from sqlalchemy.dialects import postgresql",
        "from sqlalchemy.sql import expression",
        "from sqlalchemy.sql.expression import literal_column",
        "import sqlalchemy as sa",
        "import sqlalchemy.dialects.sqlite",
        "def f():\n    from sqlalchemy import update\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sqlalchemy import delete\n",
    ],
)
def test_an_sql_import_is_found(source: str) -> None:
    assert sql_imports(source)


@pytest.mark.parametrize(
    "source",
    [
        "counts = {}\ncounts.update(a=1)\nrows.delete(0)",
        '"""SELECT * FROM cases; select(); func.count()"""',
        "from sqlalchemy.ext.asyncio import AsyncSession",
        "from sqlalchemy import Table, event, inspect",
        "from sqlalchemy.exc import IntegrityError",
        "from sqlalchemy.orm import DeclarativeBase",
        "from services.routing.stats import repository\nrepository.select_units()",
        "from .select import update",  # a relative import of our own
    ],
)
def test_what_is_not_an_sql_import(source: str) -> None:
    assert sql_imports(source) == []


def test_repositories_models_and_migrations_may_build_sql() -> None:
    assert may_build_sql(SERVICES / "routing/stats/repository/median.py")
    assert may_build_sql(SERVICES / "intake/limits/repository.py")
    assert may_build_sql(SERVICES / "routing/cases/models.py")
    assert may_build_sql(SERVICES / "routing/migrations/versions/0004_stats_rollup.py")
    assert not may_build_sql(SERVICES / "routing/stats/median.py")
    assert not may_build_sql(SERVICES / "intake/limits/shared.py")
