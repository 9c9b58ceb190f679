"""The one scrubber: public texts lose phones, e-mails, identity numbers and addressed names;
delivery errors keep their strict rule (no stack)."""

from __future__ import annotations

import pytest

from shared.personal_data import redact_addresses, scrub_public

CASES = [
    (
        "Đề nghị UBND xã trả lời đơn của ông Nguyễn Văn An (SĐT 0912.345.678) trước 15/12.",
        "Đề nghị UBND xã trả lời đơn của ông [họ tên đã ẩn] (SĐT [số điện thoại đã ẩn]) "
        "trước 15/12.",
    ),
    (
        "Bà Trần Thị Hoa, CCCD số 001203004567, phản ánh cán bộ địa chính chậm đo đạc.",
        "Bà [họ tên đã ẩn], CCCD số [số giấy tờ đã ẩn], phản ánh cán bộ địa chính chậm đo đạc.",
    ),
    (
        "Liên hệ anh Thanh qua email thanh.nv@gmail.com hoặc +84 912 345 678.",
        "Liên hệ anh [họ tên đã ẩn] qua email [email đã ẩn] hoặc [số điện thoại đã ẩn].",
    ),
    (
        "Hồ sơ của chị Lò Thị Mai, số định danh cá nhân 024190001234, đã quá hạn 12 ngày.",
        "Hồ sơ của chị [họ tên đã ẩn], số định danh cá nhân [số giấy tờ đã ẩn], đã quá hạn "
        "12 ngày.",
    ),
    (
        "Gọi cho hộ gia đình theo số 0203 3870 123.",
        "Gọi cho hộ gia đình theo số [số điện thoại đã ẩn].",
    ),
    ("CMND 082345678 của ông Hoàng A Páo.", "CMND [số giấy tờ đã ẩn] của ông [họ tên đã ẩn]."),
]

KEPT = [
    # Offices, the people at large, amounts, dates, document numbers, areas: not personal.
    "Đề nghị ông Chủ tịch UBND xã chỉ đạo giải quyết dứt điểm trong tháng 12/2026.",
    "Bà con thôn Bản Chắt phản ánh 3 lần về 2.500 m2 đất, Quyết định số 12/QĐ-UBND.",
    "Thu hồi 1.200.000 đồng; hạn trả lời 30 ngày kể từ ngày 20/11/2026.",
    "Dự án 84.500.000.000 đồng, thửa đất số 0123, tờ bản đồ số 45.",
    "Đề nghị đồng chí Bí thư và anh em cán bộ rà soát 15 hồ sơ.",
]


@pytest.mark.parametrize(("text", "public"), CASES)
def test_personal_data_leaves_a_public_text(text: str, public: str) -> None:
    assert scrub_public(text) == public


@pytest.mark.parametrize("text", KEPT)
def test_what_is_not_personal_stays(text: str) -> None:
    assert scrub_public(text) == text


def test_nothing_to_scrub() -> None:
    assert scrub_public(None) is None
    assert scrub_public("") == ""


def test_delivery_errors_keep_timestamps_and_addresses_go() -> None:
    error = "550 rejected <an@example.vn> at 2026-12-07 10:00:01 from 10.0.0.12:25, 0912 345 678"
    assert redact_addresses(error) == (
        "550 rejected <[address withheld]> at 2026-12-07 10:00:01 from 10.0.0.12:25, "
        "[address withheld]"
    )
