"""Open311 clients send a written address; Vietnamese addresses run "street, commune,
province". Each must land on the commune it names, or be refused saying why."""

from __future__ import annotations

import pytest

from services.intake.open311.places import Places, locate
from services.intake.open311.service import Open311Error
from shared.geography import AdminMap, Level

MAP = AdminMap.load()
PLACES = Places.build(MAP)


@pytest.mark.parametrize(
    ("address", "code"),
    [
        # A street or hamlet before the commune, whose name shares words with others.
        ("Thôn Đông, Xã Sơn Hòa, Đắk Lắk", "22165"),  # not Xã Hòa Sơn
        ("12 Lê Lợi, Phường Thạnh Mỹ Tây, Thành phố Hồ Chí Minh", "26956"),  # not Trung Mỹ Tây
        ("Số 5 ngõ 3 đường Trần Phú, Xã Anh Sơn, Nghệ An", "17329"),  # not Anh Sơn Đông
        ("Tổ 4, ấp Bình Hòa, Xã Mỹ Hạnh, Tây Ninh", "27976"),
        # Diacritics tell Tân Thạnh from Tân Thành, both in Tây Ninh.
        ("Khu phố 2, Xã Tân Thạnh, Tây Ninh", "27826"),
        ("Khu phố 2, Xã Tân Thành, Tây Ninh", "25534"),
        # Prefixes, the old tone placement, the country, no commas, no province.
        ("Phường Hồng Bàng, TP. Hải Phòng, Việt Nam", "11311"),
        ("Xã Sơn Hoà, Tỉnh Đắk Lắk", "22165"),
        ("Thôn Bản Chắt, Cai Kinh, Lạng Sơn", "06427"),
        ("cai kinh lang son", "06427"),
        ("12 Lê Lợi, Xã Cai Kinh", "06427"),
    ],
)
def test_a_written_address_lands_on_its_commune(address: str, code: str) -> None:
    assert locate(PLACES, None, address, None) == code


def test_every_commune_written_after_a_street_is_found() -> None:
    communes = [u for u in MAP.units.values() if u.level is Level.commune]
    assert len(communes) == 3321
    wrong = {}
    for unit in communes:
        province = MAP.province_of(unit)
        address = f"Số 12 đường Lê Lợi, {unit.name}, {province.name}"
        found = locate(PLACES, None, address, None)
        if found != unit.code:
            wrong[address] = found
    assert wrong == {}


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("Tan Thanh, Tay Ninh", "several communes"),  # without diacritics: two communes
        ("Atlantis", "no known commune"),
        ("12 Lê Lợi, Xã Không Có, Lạng Sơn", "no known commune"),
    ],
)
def test_an_address_that_names_no_single_commune_is_refused(address: str, words: str) -> None:
    with pytest.raises(Open311Error) as refused:
        locate(PLACES, None, address, None)
    assert refused.value.status == 400
    assert words in str(refused.value)


@pytest.mark.parametrize(
    ("address", "words"),
    [
        (", ".join(f"thôn {i}" for i in range(4000)), "limited to 500 characters"),
        ("x" * 501, "limited to 500 characters"),
        (", ".join(["Xóm Mới"] * 12 + ["Cai Kinh", "Lạng Sơn"]), "limited to 12"),
    ],
    ids=["4000-parts", "501-characters", "14-parts"],
)
def test_an_address_longer_than_any_real_one_is_refused_before_any_lookup(
    address: str, words: str
) -> None:
    with pytest.raises(Open311Error) as refused:
        locate(PLACES, None, address, None)
    assert refused.value.status == 400
    assert words in str(refused.value)


def test_the_longest_naming_tail_is_found_in_one_pass() -> None:
    # Twelve parts, the commune only in the last two without its prefix or commas between.
    parts = [f"Ngõ {i}" for i in range(10)] + ["Cai Kinh Lạng Sơn"]
    start, hits = PLACES.words.longest_tail(parts)
    assert (start, [u.code for u in hits]) == (10, ["06427"])
    assert PLACES.words.longest_tail(["Atlantis"]) == (1, [])


def test_every_unit_has_a_point_in_its_own_province() -> None:
    # The shipped points were matched to our codes by province and name: a commune's point
    # lies in Vietnam and near its province's (the largest province spans about 400 km).
    from services.intake.units.centroids import _km

    points = PLACES.centroids
    for unit in MAP.units.values():
        lat, lon = points.of(unit.code)  # type: ignore[misc]
        assert 8.0 <= lat <= 23.5 and 102.0 <= lon <= 117.5, unit.code
        if unit.level is Level.commune and not unit.name.startswith("Đặc khu"):  # islands
            province = points.of(unit.parent_code)
            assert province is not None
            assert _km((lat, lon), province) < 450, (unit.code, unit.name)
    # The nearest commune of a commune's own point is that commune.
    wrong = [
        u.code
        for u in MAP.units.values()
        if u.level is Level.commune
        and points.nearest_commune(*points.of(u.code), within_km=30) != u.code  # type: ignore[misc]
    ]
    assert wrong == []
