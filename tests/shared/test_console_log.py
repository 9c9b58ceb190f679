"""`make run` speaks to a person: readable lines, coloured at a terminal; JSON elsewhere."""

from __future__ import annotations

import logging

from shared.logging import ConsoleFormatter


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord(
        "shared.app", logging.WARNING, __file__, 1, "%s started", ("intake",), None
    )
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_a_line_names_the_service_the_level_and_the_case_it_is_about() -> None:
    line = ConsoleFormatter(colour=False).format(
        _record(service="intake", case_id="7f1c", event_id="e9")
    )
    assert " WARNING intake: intake started  [case_id=7f1c event_id=e9]" in line
    assert not line.startswith("{")


def test_colour_only_at_a_terminal() -> None:
    assert "\x1b[33m" in ConsoleFormatter(colour=True).format(_record(service="intake"))
    assert "\x1b[" not in ConsoleFormatter(colour=False).format(_record(service="intake"))
