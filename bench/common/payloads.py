"""Realistic submissions: Vietnamese text with diacritics, real communes, named submitters."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from shared.geography import AdminMap, Level, fold

KINDS = ("feedback", "petition", "complaint")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi")
MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Đức", "Quốc", "Thu")
GIVEN = ("An", "Bình", "Cường", "Dũng", "Hà", "Hạnh", "Hùng", "Lan", "Linh", "Mai", "Nam")
GIVEN2 = ("Phương", "Quân", "Thảo", "Trang", "Tuấn", "Yến", "Đạt", "Hiếu", "Khánh", "Sơn")
STREETS = (
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Trãi",
    "Hai Bà Trưng",
    "Quang Trung",
    "Lý Thường Kiệt",
)

TITLES = {
    "feedback": (
        "Đèn đường hỏng kéo dài tại {commune}",
        "Rác thải tồn đọng ven đường liên thôn ở {commune}",
        "Ổ gà lớn trên tuyến đường chính qua {commune}",
        "Tiếng ồn từ xưởng gỗ ban đêm tại {commune}",
    ),
    "petition": (
        "Kiến nghị nâng cấp đường giao thông nông thôn {commune}",
        "Đề nghị lắp đặt hệ thống nước sạch cho khu dân cư {commune}",
        "Kiến nghị bố trí thêm phòng học cho trường tiểu học {commune}",
        "Đề nghị nạo vét kênh thoát nước trước mùa mưa ở {commune}",
    ),
    "complaint": (
        "Khiếu nại quyết định bồi thường khi thu hồi đất tại {commune}",
        "Khiếu nại việc từ chối cấp giấy chứng nhận quyền sử dụng đất ở {commune}",
        "Khiếu nại quyết định xử phạt vi phạm hành chính của UBND {commune}",
        "Khiếu nại việc chậm giải quyết hồ sơ tách thửa tại {commune}",
    ),
}
SENTENCES = (
    "Tình trạng này đã kéo dài hơn {n} tuần nhưng chưa được cơ quan chức năng xử lý dứt điểm.",
    "Người dân trong thôn đã nhiều lần phản ánh qua tổ trưởng tổ dân phố và trưởng thôn.",
    "Vào buổi tối, đoạn đường dài khoảng {m} mét không có ánh sáng, rất nguy hiểm cho học sinh.",
    "Gia đình tôi đã nộp đầy đủ hồ sơ theo hướng dẫn của bộ phận một cửa từ ngày {d}/{mo}/2026.",
    "Theo quyết định số {n}/QĐ-UBND, mức bồi thường thấp hơn nhiều so với giá thị trường.",
    "Chúng tôi đề nghị Ủy ban nhân dân {commune} xem xét, kiểm tra và trả lời bằng văn bản.",
    "Khi trời mưa lớn, nước ngập sâu khoảng {n}0 centimét, xe máy không thể đi qua được.",
    "Nhiều hộ gia đình ở {province} phải mua nước bình với giá cao để phục vụ sinh hoạt.",
    "Cán bộ tiếp nhận hẹn trả kết quả sau {n} ngày làm việc nhưng đến nay vẫn chưa có phản hồi.",
    "Tôi gửi kèm ảnh chụp hiện trường và bản sao các giấy tờ liên quan để cơ quan tiện đối chiếu.",
    "Việc này ảnh hưởng trực tiếp đến sinh kế của {n} hộ dân đang sống dọc tuyến đường.",
    "Đề nghị cơ quan có thẩm quyền làm rõ căn cứ pháp lý và hướng dẫn thủ tục tiếp theo.",
    "Trước đây địa phương đã có kế hoạch sửa chữa nhưng chưa thấy triển khai trên thực tế.",
    "Tôi cam đoan nội dung trình bày trên là đúng sự thật và chịu trách nhiệm trước pháp luật.",
)


@dataclass(frozen=True, slots=True)
class Commune:
    code: str
    name: str
    province: str


def communes(admin_map: AdminMap) -> list[Commune]:
    return [
        Commune(u.code, u.name, admin_map.province_of(u).name)
        for u in admin_map.units.values()
        if u.level is Level.commune
    ]


def _person(rng: random.Random) -> str:
    given = rng.choice(GIVEN + GIVEN2)
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {given}"


def _description(rng: random.Random, fill: dict[str, str]) -> str:
    """300-900 characters of Vietnamese, from the sentences above."""
    sentences: list[str] = []
    target = rng.randint(300, 900)
    for _ in range(40):  # bounded: 40 sentences is far beyond 900 characters
        if sum(len(s) + 1 for s in sentences) >= target:
            break
        template = rng.choice(SENTENCES)
        sentences.append(
            template.format(
                n=rng.randint(2, 30),
                m=rng.randint(2, 9) * 100,
                d=rng.randint(1, 28),
                mo=rng.randint(1, 12),
                **fill,
            )
        )
    return " ".join(sentences)


def submission(rng: random.Random, places: list[Commune], *, sms: bool = False) -> dict[str, Any]:
    """One POST /v1/cases body: 3 kinds, a real commune, 300-900 characters of description.

    `sms`: the citizen asks to be told by SMS (`notify_by`), as the half who also give an
    e-mail would otherwise be told by e-mail. The same draws either way, so that a run with
    and one without files the same cases."""
    kind = rng.choice(KINDS)
    place = rng.choice(places)
    fill = {"commune": place.name, "province": place.province}
    description = _description(rng, fill)
    name = _person(rng)
    submitter: dict[str, Any] = {
        "full_name": name,
        "phone": f"09{rng.randint(0, 99_999_999):08d}",
        "address": f"Số {rng.randint(1, 200)}, đường {rng.choice(STREETS)}, {place.name}, "
        f"{place.province}",
    }
    if kind == "complaint":
        submitter["national_id"] = f"0{rng.randint(10**10, 10**11 - 1)}"
    if rng.random() < 0.5:
        submitter["email"] = f"{fold(name).replace(' ', '.')}{rng.randint(1, 999)}@gmail.com"
    if sms:
        submitter["notify_by"] = "sms"
    return {
        "kind": kind,
        "title": rng.choice(TITLES[kind]).format(**fill),
        "description": description,
        "location": {
            "unit_code": place.code,
            "address": f"Gần số {rng.randint(1, 300)} đường {rng.choice(STREETS)}",
        },
        "submitter": submitter,
        "channel": rng.choice(("web", "mobile")),
        "publish_consent": rng.random() < 0.3,
    }


# Open311 service codes for reports about places (GET /open311/v2/services.json lists them).
SERVICE_CODES = ("environment", "transport", "construction", "land", "public_order", "health")
REPORTS = (
    "Cột đèn số {n} trên đường {street} bị nghiêng, có nguy cơ đổ vào nhà dân.",
    "Nắp cống trước số {n} đường {street} bị vỡ, người đi đường dễ bị sụp chân.",
    "Bãi rác tự phát cạnh chợ {commune} bốc mùi hôi thối, ruồi nhặng nhiều.",
    "Đoạn đường {street} qua {commune} có ổ gà sâu khoảng {n} centimét.",
    "Cây xanh gãy cành chắn ngang vỉa hè đường {street} sau trận mưa đêm qua.",
)


def open311_form(
    rng: random.Random, places: list[Commune], api_key: str, *, sms: bool = False
) -> dict[str, str]:
    """One Open311 POST requests.json form, as an app such as FixMyStreet sends it: a commune
    code as address_id (four in five), else a written address: street, commune, province.

    `sms`: the citizen is told by SMS. Open311 has no field to choose the channel, and intake
    tells by e-mail whoever gives one, so the e-mail is left out (still drawn, so that the
    forms are otherwise the same as without)."""
    place = rng.choice(places)
    fill = {"commune": place.name, "province": place.province}
    report = rng.choice(REPORTS).format(n=rng.randint(2, 300), street=rng.choice(STREETS), **fill)
    family, middle, given = _person(rng).split(" ", 2)
    form = {
        "api_key": api_key,
        "service_code": rng.choice(SERVICE_CODES),
        "description": f"{report} {_description(rng, fill)}",
        "first_name": family,
        "last_name": f"{middle} {given}",
        "phone": f"09{rng.randint(0, 99_999_999):08d}",
        "device_id": f"android-{rng.randint(10**8, 10**9 - 1)}",
    }
    if rng.random() < 0.5:
        email = f"{fold(given)}{rng.randint(1, 9999)}@gmail.com"
        if not sms:
            form["email"] = email
    if rng.random() < 0.8:
        form["address_id"] = place.code
    else:  # matched by name in intake, written as addresses are: street, commune, province
        street = f"{rng.randint(1, 300)} {rng.choice(STREETS)}"
        form["address_string"] = f"{street}, {place.name}, {place.province}"
    return form
