"""Which commune a point lies in, from a GeoJSON file of commune boundaries (optional).

Without the file, /v1/cases cannot place a lat/lon alone and says so (Open311 falls back to
the nearest commune's point). The file's 3,321 communes go into Shapely's STRtree, a spatial
index: a point is tested only against the few communes whose bounding boxes hold it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.geography import AdminMap, Level

if TYPE_CHECKING:
    from shapely.geometry import MultiPolygon

DEFAULT_CODE_PROPERTIES = ("ma_xa", "code")

Ring = list[tuple[float, float]]  # (lon, lat), as GeoJSON orders them
Box = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat


class BoundarySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIEPDAN_INTAKE_", extra="ignore")

    # A GeoJSON FeatureCollection of communes (Polygon or MultiPolygon features).
    boundaries_file: Path | None = None
    # The feature property holding the 5-digit commune code; unset: `ma_xa`, else `code`.
    boundaries_code_property: str | None = None


class BoundariesError(ValueError):
    """The boundaries file is missing or malformed: the service refuses to start."""


def _box(ring: Ring) -> Box:
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


@dataclass(frozen=True, slots=True)
class Polygon:
    box: Box
    outer: Ring
    holes: tuple[Ring, ...]


@dataclass(frozen=True, slots=True)
class Commune:
    code: str
    box: Box
    polygons: tuple[Polygon, ...]

    def shape(self) -> MultiPolygon:
        # Shapely (and numpy) only with a boundaries file: without one, a start skips them.
        from shapely.geometry import MultiPolygon
        from shapely.geometry import Polygon as ShapelyPolygon

        return MultiPolygon([ShapelyPolygon(p.outer, p.holes) for p in self.polygons])


class Boundaries:
    def __init__(self, communes: list[Commune], source: str = "") -> None:
        import shapely  # only with a boundaries file: see Commune.shape

        self.communes, self.source = communes, source
        self._shapes = [c.shape() for c in communes]
        shapely.prepare(self._shapes)
        self._tree = shapely.STRtree(self._shapes)

    def commune_at(self, lat: float, lon: float) -> str | None:
        """The code of the commune containing the point, or None when it is in none. A point
        on a border shared by two communes is given to the one listed first in the file."""
        import shapely  # imported by __init__ already: a lookup

        found = self._tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self.communes[int(min(found))].code if len(found) else None

    @classmethod
    def load(cls, path: Path, admin_map: AdminMap, code_property: str | None = None) -> Boundaries:
        where = f"boundaries file {str(path)!r}"
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BoundariesError(f"{where} does not exist") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BoundariesError(f"{where} is not readable GeoJSON: {exc}") from None
        if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
            raise BoundariesError(f"{where} is not a GeoJSON FeatureCollection")
        features = document.get("features")
        if not isinstance(features, list) or not features:
            raise BoundariesError(f"{where} has no features")
        names = (code_property,) if code_property else DEFAULT_CODE_PROPERTIES
        communes = [
            _commune(f, names, admin_map, f"{where}, feature {i}") for i, f in enumerate(features)
        ]
        return cls(communes, str(path))


def _commune(feature: Any, names: tuple[str, ...], admin_map: AdminMap, where: str) -> Commune:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise BoundariesError(f"{where} is not a Feature")
    properties = feature.get("properties") or {}
    raw = next((properties[n] for n in names if properties.get(n) not in (None, "")), None)
    if raw is None:
        raise BoundariesError(f"{where} has no commune code property ({' or '.join(names)})")
    code = f"{raw:05d}" if isinstance(raw, int) else str(raw).strip()
    unit = admin_map.get(code)
    if unit is None or unit.level is not Level.commune:
        raise BoundariesError(f"{where}: {code!r} is not a commune code")
    geometry = feature.get("geometry") or {}
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        parts = [coordinates]
    elif kind == "MultiPolygon" and isinstance(coordinates, list):
        parts = coordinates
    else:
        raise BoundariesError(f"{where} ({code}): geometry must be a Polygon or MultiPolygon")
    polygons = tuple(_polygon(p, f"{where} ({code})") for p in parts)
    if not polygons:
        raise BoundariesError(f"{where} ({code}) has an empty geometry")
    boxes = [p.box for p in polygons]
    box = (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
    return Commune(code, box, polygons)


def _polygon(rings: Any, where: str) -> Polygon:
    if not isinstance(rings, list) or not rings:
        raise BoundariesError(f"{where}: a polygon needs at least its outer ring")
    parsed = [_ring(r, where) for r in rings]
    return Polygon(_box(parsed[0]), parsed[0], tuple(parsed[1:]))


def _ring(ring: Any, where: str) -> Ring:
    try:
        points = [(float(p[0]), float(p[1])) for p in ring]
    except (TypeError, ValueError, IndexError):
        raise BoundariesError(f"{where}: a ring is not a list of [lon, lat] positions") from None
    if len(points) < 4:
        raise BoundariesError(f"{where}: a ring needs at least 4 positions")
    return points


def load_boundaries(admin_map: AdminMap, settings: BoundarySettings) -> Boundaries | None:
    if settings.boundaries_file is None:
        return None
    return Boundaries.load(settings.boundaries_file, admin_map, settings.boundaries_code_property)
