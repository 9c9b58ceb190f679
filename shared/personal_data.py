"""Personal data kept out of what officials' logs and the public read: one scrubber.

Two uses, one set of patterns:
- `redact_addresses`: a delivery error (notification) loses the e-mail addresses and phone
  numbers a relay or gateway echoes (officials and supervisors read the delivery log, and a
  denouncer's address is confidential: Luật Tố cáo 2018, Điều 8, 47). Strict on phone
  numbers: timestamps, IP addresses and ports stay readable.
- `scrub_public`: a free text published for everyone (a board's recommendation and the
  head's answer, dân biết) also loses phone numbers written with dots, identity card numbers
  (CCCD: 12 digits; CMND: 9 or 12 after its name) and the names that follow a form of
  address (ông, bà, anh, chị, ...). Nghị định 13/2023/NĐ-CP on personal data protection: a
  name, a phone number, an e-mail address and an identity number are personal data.

Names are found by their form, not by a list: a capitalised word (or up to four) after a form
of address, so "anh Thanh" and "bà Nguyễn Thị Hoa" go, "bà con" and "ông Chủ tịch UBND xã"
stay. A name written bare, without a form of address, is not recognised (the texts are
about how cases are handled; the board and the unit still read the original).
"""

from __future__ import annotations

import re

# An e-mail address; a phone number as +<8-15 digits>, 0<9 digits> or 84<9 digits>, spaces or
# hyphens between groups (not dots, and nothing else digit-like).
EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(
    r"(?<![\w.+])(?:\+\d(?:[ -]?\d){7,14}|0\d(?:[ -]?\d){8}|84\d(?:[ -]?\d){8})(?![\w.])"
)
# In prose, Vietnamese numbers are also grouped with dots: 0912.345.678, (+84) 912 345 678.
# 0 + 9 digits (mobile) or 10 (landline, 02xx); +84 / (+84) / (84) for the leading 0.
PROSE_PHONE = re.compile(r"(?<![\w+])(?:\(\+?84\)|\+84|0)[ .-]?[1-9](?:[ .-]?\d){7,9}(?!\d)")
ID_NAMED = re.compile(
    r"(?i)\b(CCCD|CMND|CMT|căn cước(?: công dân)?|chứng minh(?: nhân dân| thư)?|"
    r"số định danh(?: cá nhân)?|hộ chiếu)(\s*(?:số|số:|:)?\s*)[A-Z]?\d{8,12}\b"
)
ID_BARE = re.compile(r"(?<!\d)\d{12}(?!\d)")  # a CCCD (and a personal identification number)
TITLE = re.compile(r"(?i)(?<![^\W\d_])(ông|bà|anh|chị|cô|chú|bác|cụ|em|cháu|cậu|dì|thím|mợ)(\s+)")
WORD = re.compile(r"[^\W\d_]+")
GAP = re.compile(r"[ \t]+")
# A capitalised word after a form of address that begins a title of office, not a name.
OFFICES = frozenset(
    {"chủ tịch", "phó chủ", "bí thư", "trưởng thôn", "trưởng ban", "trưởng phòng",
     "trưởng công", "giám đốc", "cán bộ", "công an", "tổ trưởng", "chánh văn", "thanh tra",
     "phó trưởng", "phó giám", "phó bí", "chánh thanh", "trưởng bản", "trưởng ấp"}
)  # fmt: skip

ADDRESS_WITHHELD = "[address withheld]"
NAME, PHONE_TAG, EMAIL_TAG, ID_TAG = (
    "[họ tên đã ẩn]",
    "[số điện thoại đã ẩn]",
    "[email đã ẩn]",
    "[số giấy tờ đã ẩn]",
)


def redact_addresses(text: str, replacement: str = ADDRESS_WITHHELD) -> str:
    """E-mail addresses and phone numbers out of a technical message (strict patterns)."""
    return PHONE.sub(replacement, EMAIL.sub(replacement, text))


def _name_end(text: str, start: int) -> int | None:
    """The end of the name (1-4 capitalised words) starting at `start`, or None."""
    end, words, pos = None, 0, start
    while words < 4:
        word = WORD.match(text, pos)
        if word is None or not word.group()[0].isupper():
            break
        if words == 0:
            after = GAP.match(text, word.end())
            following = WORD.match(text, after.end()) if after else None
            pair = f"{word.group()} {following.group()}".lower() if following else ""
            if pair in OFFICES:
                return None
        words, end = words + 1, word.end()
        gap = GAP.match(text, end)
        if gap is None:
            break
        pos = gap.end()
    return end


def _names(text: str) -> str:
    out: list[str] = []
    last = 0
    for title in TITLE.finditer(text):
        if title.start() < last:
            continue
        end = _name_end(text, title.end())
        if end is None:
            continue
        out += [text[last : title.end()], NAME]
        last = end
    return "".join(out) + text[last:]


def scrub_public(text: str | None) -> str | None:
    """A free text fit for everyone: no e-mail, phone, identity number, or addressed name."""
    if not text:
        return text
    text = EMAIL.sub(EMAIL_TAG, text)
    text = ID_NAMED.sub(lambda m: f"{m.group(1)}{m.group(2) or ' '}{ID_TAG}", text)
    text = ID_BARE.sub(ID_TAG, text)
    text = PROSE_PHONE.sub(PHONE_TAG, text)
    text = PHONE.sub(PHONE_TAG, text)
    return _names(text)
