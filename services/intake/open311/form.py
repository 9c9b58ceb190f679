"""An Open311 POST's form: url-encoded (strict UTF-8) or multipart (with a `media` file),
with `api_key` and `jurisdiction_id` read from the query string too, and every value
checked for characters XML cannot carry before anything else is done with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi import Request
from python_multipart.multipart import parse_options_header
from starlette.datastructures import UploadFile

from services.intake.open311.service import Open311Error
from shared.text import forbidden_character

MAX_FORM_BYTES = 64 * 1024  # a url-encoded report is a few kB; media comes as multipart
QUERY_TOO = ("api_key", "jurisdiction_id")  # the spec's examples put them in either place


@dataclass
class Open311Form:
    values: dict[str, list[str]] = field(default_factory=dict)
    media: bytes | None = None  # a multipart `media` file, read up to one byte past the cap
    media_filename: str | None = None

    def get(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0] if found else None

    def all(self, name: str) -> list[str]:
        return [v for v in self.values.get(name, []) if v]


def _strict_utf8(raw: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(
            raw.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict"
        )
    except UnicodeError:
        raise Open311Error(
            400, "the form is not valid UTF-8: percent-encode UTF-8 bytes only"
        ) from None


def _text_parts_are_utf8(body: bytes, content_type: str) -> None:
    """Starlette reads a multipart text value that is not UTF-8 as Latin-1 without a word:
    check the raw parts that are not files (the body is bounded by the limits middleware)."""
    _, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if not boundary:
        raise Open311Error(400, "a multipart form needs its boundary")
    for part in body.split(b"--" + boundary)[1:]:
        headers, _, value = part.partition(b"\r\n\r\n")
        if b"filename=" in headers.lower():
            continue
        try:
            (headers + value.removesuffix(b"\r\n")).decode("utf-8")
        except UnicodeDecodeError:
            raise Open311Error(400, "the form is not valid UTF-8") from None


async def read_form(request: Request, max_media_bytes: int) -> Open311Form:
    form = Open311Form()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    pairs: list[tuple[str, str]] = []
    if content_type == "multipart/form-data":
        _text_parts_are_utf8(await request.body(), request.headers["content-type"])
        async with request.form(max_files=1, max_fields=200) as parsed:
            for name, value in parsed.multi_items():
                if isinstance(value, str):
                    pairs.append((name, value))
                elif name == "media" and isinstance(value, UploadFile):
                    form.media = await value.read(max_media_bytes + 1)
                    form.media_filename = value.filename
    else:
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_FORM_BYTES:
                raise Open311Error(413, f"a form is limited to {MAX_FORM_BYTES} bytes")
        pairs = _strict_utf8(bytes(raw))
    query = [(k, v) for k, v in request.query_params.multi_items() if k in QUERY_TOO]
    for name, value in [*pairs, *query]:
        bad = forbidden_character(name) or forbidden_character(value)
        if bad is not None:
            raise Open311Error(400, f"{name}: must not contain control characters ({bad})")
        form.values.setdefault(name, []).append(value)
    return form
