"""A point for every commune and province (`centroids.csv`, made by
scripts/commune_centroids.py), and the commune whose point is nearest a given one.

Open311 shows a commune's point in place of a citizen's own when the citizen did not consent
to publish it, and, without a boundaries file, places a lat/long in the commune whose point
is nearest (a fair guess that routing can correct by transfer). Nearest is found in a grid of
quarter-degree cells, searched ring by ring outwards, not by a scan of all 3,321 communes.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from shared.geography import AdminMap, Level

FILE = Path(__file__).with_name("centroids.csv")
CELL = 0.25  # degrees: about 28 km of latitude
Point = tuple[float, float]  # (lat, lon)


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / CELL), math.floor(lon / CELL)


def _km(a: Point, b: Point) -> float:
    # Equirectangular: exact enough across a few cells, and cheap.
    x = math.radians(b[1] - a[1]) * math.cos(math.radians((a[0] + b[0]) / 2))
    y = math.radians(b[0] - a[0])
    return 6371.0 * math.hypot(x, y)


class Centroids:
    def __init__(self, points: dict[str, Point], communes: set[str]) -> None:
        self.points = points
        self._grid: dict[tuple[int, int], list[str]] = {}
        for code in communes:
            self._grid.setdefault(_cell(*points[code]), []).append(code)

    @classmethod
    def load(cls, admin_map: AdminMap, path: Path = FILE) -> Centroids:
        with path.open(encoding="utf-8", newline="") as f:
            points = {r["code"]: (float(r["lat"]), float(r["lon"])) for r in csv.DictReader(f)}
        missing = [code for code in admin_map.units if code not in points]
        if missing:
            raise ValueError(
                f"{path} has no point for units {', '.join(missing[:5])}: the map changed; "
                "regenerate it with scripts/commune_centroids.py"
            )
        communes = {c for c, u in admin_map.units.items() if u.level is Level.commune}
        return cls(points, communes)

    def of(self, code: str | None) -> Point | None:
        """The point of a commune or province (a commune's code may carry its province's)."""
        return self.points.get(code) if code else None

    def nearest_commune(self, lat: float, lon: float, within_km: float) -> str | None:
        """The commune whose point is nearest (lat, lon), if one lies within `within_km`."""
        row, col = _cell(lat, lon)
        best: tuple[float, str] | None = None
        rings = math.ceil(within_km / (CELL * 111.0 * 0.9)) + 1  # a cell is >= 0.9 * 28 km wide
        for ring in range(rings + 1):
            for r in range(row - ring, row + ring + 1):
                for c in range(col - ring, col + ring + 1):
                    if max(abs(r - row), abs(c - col)) != ring:
                        continue  # inner rings were searched already
                    for code in self._grid.get((r, c), ()):
                        distance = _km((lat, lon), self.points[code])
                        if best is None or distance < best[0]:
                            best = (distance, code)
            # A point in a ring further out is at least `ring` cells away: stop once beaten.
            if best is not None and best[0] <= ring * CELL * 111.0 * 0.9:
                break
        return best[1] if best is not None and best[0] <= within_km else None
