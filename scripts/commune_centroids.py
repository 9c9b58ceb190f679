"""Regenerate services/intake/units/centroids.csv: a point for each commune and province.

The points are those of the `vietnamadminunits` package (MIT; its `admin_units` table, the
34-province map of 2025), matched to our units by province and name, since the two sources
number about a hundred merged communes differently. Run it where the package is installed:

    uv run --with vietnamadminunits==1.0.4 python scripts/commune_centroids.py
"""

from __future__ import annotations

import csv
import sqlite3
import sys
import unicodedata
from pathlib import Path

import vietnamadminunits

from shared.geography import AdminMap, Level, fold

OUT = Path(__file__).parents[1] / "services/intake/units/centroids.csv"


def _exact(name: str) -> str:
    text = (
        unicodedata.normalize("NFC", name)
        .casefold()
        .replace("–", "-")
        .replace("—", "-")
        .replace("’", "'")
    )
    return " ".join(text.split())


def main() -> None:
    db = Path(vietnamadminunits.__file__).parent / "data" / "dataset.db"
    rows = sqlite3.connect(db).execute(
        "SELECT wardCode, ward, provinceCode, wardLat, wardLon, provinceLat, provinceLon "
        "FROM admin_units"
    )
    by_exact: dict[tuple[str, str], list[tuple[float, float]]] = {}
    by_fold: dict[tuple[str, str], list[tuple[float, float]]] = {}
    by_code: dict[str, tuple[float, float]] = {}
    provinces: dict[str, tuple[float, float]] = {}
    for code, ward, province, lat, lon, plat, plon in rows:
        by_exact.setdefault((province, _exact(ward)), []).append((lat, lon))
        by_fold.setdefault((province, fold(_exact(ward))), []).append((lat, lon))
        by_code[code] = (lat, lon)
        provinces[province] = (plat, plon)
    admin_map = AdminMap.load()
    points: dict[str, tuple[float, float]] = {}
    for unit in admin_map.units.values():
        if unit.level is Level.province:
            points[unit.code] = provinces[unit.code]
            continue
        assert unit.parent_code is not None
        for index, key in ((by_exact, _exact(unit.name)), (by_fold, fold(_exact(unit.name)))):
            found = index.get((unit.parent_code, key), [])
            if len(found) == 1:
                points[unit.code] = found[0]
                break
        else:
            points[unit.code] = by_code[unit.code]
            sys.stderr.write(f"{unit.code} {unit.name}: matched by code only\n")
    with OUT.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["code", "lat", "lon"])
        for code in sorted(points):
            writer.writerow([code, *points[code]])
    sys.stderr.write(f"{len(points)} points written to {OUT}\n")


if __name__ == "__main__":
    main()
