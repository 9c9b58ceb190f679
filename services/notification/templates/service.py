"""Notice templates (Jinja2), in Vietnamese and English: subject, body and SMS text.

A template file holds three blocks: `subject`, `body`, `sms`. SMS text never carries what a
case is about, and a denunciation's (`confidential`) not even its status: a denouncer's phone
may be seen by others (Luật Tố cáo Điều 47). `sms_label` is the status without diacritics, so
that a Vietnamese SMS stays in the GSM alphabet (one message, not three).
"""

from __future__ import annotations

import unicodedata
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from services.notification.channels.base import Message

if TYPE_CHECKING:
    from jinja2 import Environment

LANGUAGES = ("vi", "en")
# What a public status means, said to the citizen in a sentence ("Hồ sơ X ... ").
STATUS_LABELS = {
    "vi": {
        "submitted": "đã được tiếp nhận",
        "routed": "đã được chuyển đến cơ quan có thẩm quyền",
        "accepted": "đã được thụ lý",
        "rejected": "không được thụ lý",
        "info_requested": "cần ông/bà bổ sung thông tin",
        "resolved": "đã có kết quả giải quyết",
        "closed": "đã kết thúc",
        "withdrawn": "đã được rút",
        "appealed": "đã được khiếu nại lần hai",
    },
    "en": {
        "submitted": "has been received",
        "routed": "has been sent to the competent authority",
        "accepted": "has been accepted for handling",
        "rejected": "was not accepted",
        "info_requested": "needs more information from you",
        "resolved": "has been resolved",
        "closed": "is closed",
        "withdrawn": "was withdrawn",
        "appealed": "has been appealed",
    },
}
_DIR = Path(__file__).parent


class Templates:
    def __init__(self, folder: Path = _DIR) -> None:
        self.folder = folder

    @cached_property
    def env(self) -> Environment:
        # Jinja on the first notice, not while the service starts (issue 15).
        from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

        return Environment(
            loader=FileSystemLoader(self.folder),
            autoescape=select_autoescape(enabled_extensions=(), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(
        self, template: str, language: str, context: dict[str, Any], recipient: str
    ) -> Message:
        lang = language if language in LANGUAGES else "vi"
        tpl = self.env.get_template(f"{lang}/{template}.txt")
        status = str(context.get("status", ""))
        label = STATUS_LABELS[lang].get(status, status)
        ctx = tpl.new_context({**context, "status_label": label, "sms_label": unaccented(label)})
        blocks = {
            name: "".join(tpl.blocks[name](ctx)).strip() for name in ("subject", "body", "sms")
        }
        return Message(
            recipient=recipient,
            subject=blocks["subject"],
            body=blocks["body"],
            sms=blocks["sms"],
            payload={"template": template, "language": lang, **context},
        )


def unaccented(text: str) -> str:
    """ "đã được tiếp nhận" -> "da duoc tiep nhan"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
