"""Where an Open311 request is: the commune from address_id, address_string or lat/long."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Annotated

from services.intake.open311.service import Open311Error
from services.intake.units.boundaries import Boundaries
from services.intake.units.centroids import Centroids
from services.intake.units.lookup import CommuneWords
from shared.context import provided
from shared.geography import AdminMap, Level

# A written address is a few parts ("street, hamlet, commune, province"); bounded before any
# lookup, so a hostile one cannot hold the event loop (4,000 parts took 14.5 s unbounded).
MAX_ADDRESS_CHARS, MAX_ADDRESS_PARTS = 500, 12
# Without a boundaries file, a lat/long goes to the commune whose point is nearest, if any
# lies this close (the largest communes span some 40 km; further off the point is not ours).
NEAREST_WITHIN_KM = 30.0


@dataclass(frozen=True)
class Places:
    admin_map: AdminMap
    words: CommuneWords
    centroids: Centroids
    boundaries: Boundaries | None = None

    @classmethod
    def build(cls, admin_map: AdminMap, boundaries: Boundaries | None = None) -> Places:
        return cls(admin_map, *_indexes(admin_map), boundaries)


@functools.cache
def _indexes(admin_map: AdminMap) -> tuple[CommuneWords, Centroids]:
    """The map's word index and points, built once per process and map (0.07 s of CPU at
    each start): read-only, like the map (`AdminMap.load` gives one per process)."""
    return CommuneWords(admin_map), Centroids.load(admin_map)


def locate(
    places: Places,
    address_id: str | None,
    address_string: str | None,
    latlong: tuple[float, float] | None,
) -> str:
    """The commune code: address_id when it is one, else the address matched by name, else
    the commune containing lat/long (with a boundaries file; else the nearest commune)."""
    if address_id:
        unit = places.admin_map.get(address_id.strip())
        if unit is None or unit.level is not Level.commune:
            raise Open311Error(400, f"address_id {address_id!r} is not a commune code")
        return unit.code
    if address_string:
        return commune_named(places, address_string)
    if latlong is not None:
        if places.boundaries is not None:
            code = places.boundaries.commune_at(*latlong)
        else:
            code = places.centroids.nearest_commune(*latlong, within_km=NEAREST_WITHIN_KM)
        if code is None:
            raise Open311Error(
                400,
                f"lat/long {latlong[0]}, {latlong[1]} lies in no known commune; "
                "send address_id (a commune code) or address_string",
            )
        return code
    raise Open311Error(400, "a location is required: address_id, address_string or lat/long")


def check_address(address: str) -> list[str]:
    """The address's comma-separated parts, refused when longer than any real address."""
    if len(address) > MAX_ADDRESS_CHARS:
        raise Open311Error(400, f"address_string is limited to {MAX_ADDRESS_CHARS} characters")
    parts = [p.strip() for p in address.split(",") if p.strip()]
    if len(parts) > MAX_ADDRESS_PARTS:
        raise Open311Error(
            400, f"address_string is limited to {MAX_ADDRESS_PARTS} comma-separated parts"
        )
    return parts


def commune_named(places: Places, address: str) -> str:
    # Read as written ("street, commune, province"); else the most specific tail of the
    # address whose words name one commune ("Cai Kinh Lạng Sơn", no commas).
    parts = check_address(address)
    admin_map = places.admin_map
    hits = admin_map.communes_in_address(address)
    if not hits:
        start, hits = places.words.longest_tail(parts)
        if start == len(parts) - 1 and admin_map.is_province_name(parts[start]):
            hits = []  # only the province is left: it names no commune
        elif len(hits) > 1 and start == 0:
            hits = hits[:1]  # every word matched: the shortest such name is meant
    if len(hits) == 1:
        return hits[0].code
    if hits:
        names = "; ".join(f"{u.name} ({u.code})" for u in hits[:5])
        raise Open311Error(
            400,
            f"address_string matches several communes ({names}): write the commune with "
            "its diacritics and province, or send address_id",
        )
    raise Open311Error(400, f"address_string {address!r} names no known commune")


def parse_latlong(lat: str | None, long: str | None) -> tuple[float, float] | None:
    """lat and long as numbers (WGS 84 degrees), or None when either is missing."""
    if not (lat and long):
        return None
    try:
        point = float(lat), float(long)
    except ValueError:
        raise Open311Error(400, "lat and long must be decimal degrees (WGS 84)") from None
    if not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180):
        raise Open311Error(400, "lat and long must be decimal degrees (WGS 84)")
    return point


PlacesDep = Annotated[Places, provided(Places)]
