# Expected dates are worked out by hand from printed month calendars and the
# holiday list below, never by calling the code under test.
#
# What holidays.VN 0.109 encodes for the years used here (checked against its
# source, holidays/countries/vietnam.py):
#   2025: 30 Apr (Wed), 1 May (Thu), 2 May (Fri, swapped: Sat 26 Apr worked).
#   2026: 1 Jan (Thu); Tết 16-20 Feb (Mon-Fri, eve to mùng 4); Hùng Kings 26 Apr
#         (Sun) observed Mon 27 Apr; 30 Apr (Thu); 1 May (Fri); 31 Aug (Mon,
#         swapped: Sat 22 Aug worked); National Day 1-2 Sep (Tue-Wed);
#         Vietnam Culture Day 24 Nov (Tue).
#   2027: 1 Jan (Fri); Tết: mùng 1 is Sat 6 Feb, off Thu 4 Feb to Wed 10 Feb;
#         Hùng Kings 16 Apr (Fri); 30 Apr (Fri); 1 May (Sat) observed Mon 3 May;
#         National Day 2-3 Sep (Thu-Fri); Culture Day 24 Nov (Wed).
#
# Tết 2027: the Labour Code 2019 art. 112 gives 5 days and lets the Prime
# Minister pick them; the official 2027 schedule is not decided yet and the
# library does not know it. It applies the rule it uses since 2014: a Tết day on
# Saturday moves to the previous workday, one on Sunday to the next, giving
# Thu 4 Feb - Wed 10 Feb (5 weekdays off). That is the same shape as the
# official 2024 schedule, when mùng 1 was also a Saturday (29 Tết Thu 8 Feb to
# mùng 5 Wed 14 Feb 2024). These tests pin what the library encodes; the real
# decision must be applied as administrator overrides.
#
#    February 2027           November 2026           December 2026
# Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su
#  1  2  3  4  5  6  7                       1        1  2  3  4  5  6
#  8  9 10 11 12 13 14     2  3  4  5  6  7  8     7  8  9 10 11 12 13
# 15 16 17 18 19 20 21     9 10 11 12 13 14 15    14 15 16 17 18 19 20
# 22 23 24 25 26 27 28    16 17 18 19 20 21 22    21 22 23 24 25 26 27
#                         23 24 25 26 27 28 29    28 29 30 31
#                         30

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.notification.calendar.working_days import (
    LOCAL_TZ,
    WorkingDayCalendar,
    end_of_local_day,
    local_date,
)

CAL = WorkingDayCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        # Tết 2027 as the library encodes it: off Thu 4 - Wed 10 Feb.
        pytest.param(date(2027, 2, 3), True, id="tet2027-wed-3feb-last-day-before"),
        pytest.param(date(2027, 2, 4), False, id="tet2027-thu-4feb-sat-mung1-moved-back"),
        pytest.param(date(2027, 2, 5), False, id="tet2027-fri-5feb-eve"),
        pytest.param(date(2027, 2, 6), False, id="tet2027-sat-6feb-mung1"),
        pytest.param(date(2027, 2, 7), False, id="tet2027-sun-7feb-mung2"),
        pytest.param(date(2027, 2, 8), False, id="tet2027-mon-8feb-mung3"),
        pytest.param(date(2027, 2, 9), False, id="tet2027-tue-9feb-mung4"),
        pytest.param(date(2027, 2, 10), False, id="tet2027-wed-10feb-sun-mung2-moved-on"),
        pytest.param(date(2027, 2, 11), True, id="tet2027-thu-11feb-back-to-work"),
        # Vietnam Culture Day, a holiday from 2026 (domain.md; holidays.VN >= 2026).
        pytest.param(date(2026, 11, 24), False, id="culture-day-2026-tue"),
        pytest.param(date(2025, 11, 24), True, id="culture-day-2025-not-yet-a-holiday"),
        # Swapped Saturdays: a weekend day the government made a working day.
        pytest.param(date(2025, 4, 26), True, id="swap-sat-26apr2025-worked"),
        pytest.param(date(2025, 5, 2), False, id="swap-fri-2may2025-off"),
        pytest.param(date(2026, 8, 22), True, id="swap-sat-22aug2026-worked"),
        pytest.param(date(2026, 8, 31), False, id="swap-mon-31aug2026-off"),
        pytest.param(date(2026, 8, 29), False, id="plain-saturday-29aug2026"),
        # National Day 2026: 2 Sep is a Wednesday, the second day is Tue 1 Sep.
        pytest.param(date(2026, 9, 1), False, id="national-day-2026-tue-1sep"),
        pytest.param(date(2026, 9, 2), False, id="national-day-2026-wed-2sep"),
        pytest.param(date(2026, 9, 3), True, id="national-day-2026-thu-3sep-working"),
        # Labour Code art. 111: Hùng Kings 2026 falls on Sun 26 Apr, Mon 27 is off.
        pytest.param(date(2026, 4, 27), False, id="hung-kings-2026-observed-mon"),
        pytest.param(date(2026, 4, 30), False, id="reunification-2026-thu"),
        pytest.param(date(2026, 5, 1), False, id="labour-day-2026-fri"),
        # 1 May 2027 is a Saturday: compensatory day Mon 3 May (art. 111).
        pytest.param(date(2027, 5, 3), False, id="labour-day-2027-observed-mon"),
        pytest.param(date(2027, 1, 1), False, id="new-year-2027-fri"),
        pytest.param(date(2026, 12, 31), True, id="new-years-eve-2026-thu-working"),
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        # A holiday on a weekend reports the holiday: it is why a weekday is compensated.
        pytest.param(date(2027, 2, 6), "Tết Nguyên Đán", id="tet2027-mung1-on-saturday"),
        # The Sunday mùng 2 is compensated on Wed 10 Feb, labelled mùng 5.
        pytest.param(date(2027, 2, 10), "Mùng năm Tết Nguyên Đán", id="tet2027-compensatory"),
        pytest.param(date(2026, 11, 24), "Ngày Văn hóa Việt Nam", id="culture-day-2026"),
        pytest.param(
            date(2025, 5, 2), "Ngày nghỉ (thay cho ngày 26/04/2025)", id="swapped-day-off-2025"
        ),
        pytest.param(
            date(2026, 4, 27), "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)", id="hung-kings-2026-observed"
        ),
        pytest.param(date(2026, 11, 28), "weekend", id="ordinary-saturday"),
        pytest.param(date(2026, 11, 25), None, id="ordinary-wednesday"),
        pytest.param(date(2025, 4, 26), None, id="swapped-saturday-is-working"),
    ],
)
def test_day_off_reason(day: date, reason: str | None) -> None:
    assert CAL.day_off_reason(day) == reason


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Tiếp công dân art. 28: answer within 10 working days, receipt day not
        # counted. Received Wed 3 Feb 2027, the last working day before Tết:
        # 11,12 | 15-19 | 22,23,24 -> Wed 24 Feb.
        pytest.param(date(2027, 2, 3), 10, date(2027, 2, 24), id="art28-received-before-tet2027"),
        # Received Mon 1 Feb 2027: 2,3 | (Tết) 11,12 | 15-19 | 22 -> Mon 22 Feb.
        pytest.param(date(2027, 2, 1), 10, date(2027, 2, 22), id="art28-received-mon-1feb2027"),
        # Received online during Tết (Sat 6 Feb): counting starts at Thu 11 Feb.
        pytest.param(date(2027, 2, 6), 10, date(2027, 2, 24), id="art28-received-during-tet"),
        # Received Fri 20 Nov 2026: 23 | (24 Culture Day) 25,26,27 | 30, 1-4 Dec
        # | 7 -> Mon 7 Dec (it would be Fri 4 Dec without Culture Day).
        pytest.param(date(2026, 11, 20), 10, date(2026, 12, 7), id="art28-received-fri-20nov2026"),
        # The receipt day is not counted even when it is a working day.
        pytest.param(date(2026, 11, 23), 1, date(2026, 11, 25), id="receipt-day-not-counted"),
        # Swapped Saturday 26 Apr 2025 counts as a working day.
        pytest.param(date(2025, 4, 25), 1, date(2025, 4, 26), id="swap-sat-2025-counts"),
        pytest.param(date(2025, 4, 25), 2, date(2025, 4, 28), id="swap-sat-2025-then-mon"),
        # 30 Apr, 1 May, 2 May (swapped) off, then the weekend -> Mon 5 May 2025.
        pytest.param(date(2025, 4, 29), 1, date(2025, 5, 5), id="apr30-may1-2025-block"),
        # Sat 22 Aug 2026 is worked in exchange for Mon 31 Aug.
        pytest.param(date(2026, 8, 21), 1, date(2026, 8, 22), id="swap-sat-2026-counts"),
        # 24-28 Aug, then off 29 Aug-2 Sep (weekend, swapped Mon, National Day) -> Thu 3 Sep.
        pytest.param(date(2026, 8, 24), 5, date(2026, 9, 3), id="national-day-2026-block"),
        # Hùng Kings observed Mon 27 Apr 2026 -> Tue 28.
        pytest.param(date(2026, 4, 24), 1, date(2026, 4, 28), id="hung-kings-2026-observed"),
        # 30 Apr (Thu), 1 May (Fri), weekend -> Mon 4 May 2026.
        pytest.param(date(2026, 4, 29), 1, date(2026, 5, 4), id="apr30-may1-2026-block"),
        # Tết 2026: off Mon 16 - Fri 20 Feb -> Mon 23 Feb.
        pytest.param(date(2026, 2, 13), 1, date(2026, 2, 23), id="tet2026-block"),
        # Month ends: weekend after the last day of February 2026.
        pytest.param(date(2026, 2, 27), 1, date(2026, 3, 2), id="month-end-feb2026"),
        pytest.param(date(2026, 11, 30), 1, date(2026, 12, 1), id="month-end-nov2026"),
        pytest.param(date(2027, 1, 29), 1, date(2027, 2, 1), id="month-end-jan2027"),
        # Year end: 1 Jan 2027 (Fri) is New Year, then the weekend -> Mon 4 Jan.
        pytest.param(date(2026, 12, 31), 1, date(2027, 1, 4), id="new-year-2027"),
        # 25,28,29,30,31 Dec | (1 Jan) 4-8 Jan -> Fri 8 Jan 2027.
        pytest.param(date(2026, 12, 24), 10, date(2027, 1, 8), id="across-new-year-2027"),
        # Library only: 1 Jan 2026 (Thu) off, Fri 2 Jan working (see override test).
        pytest.param(date(2025, 12, 31), 1, date(2026, 1, 2), id="new-year-2026-library"),
    ],
)
def test_add_working_days(start: date, days: int, expected: date) -> None:
    assert CAL.add_working_days(start, days) == expected


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        # Civil Code art. 147-148: 14 Oct + 30 = Fri 13 Nov 2026, a working day.
        pytest.param(date(2026, 10, 14), 30, date(2026, 11, 13), id="ends-on-working-day"),
        # 23 Oct + 30 = Sun 22 Nov 2026 -> Mon 23 Nov.
        pytest.param(date(2026, 10, 23), 30, date(2026, 11, 23), id="ends-on-sunday"),
        # 22 Oct + 30 = Sat 21 Nov 2026 -> Mon 23 Nov.
        pytest.param(date(2026, 10, 22), 30, date(2026, 11, 23), id="ends-on-saturday"),
        # 25 Oct + 30 = Tue 24 Nov 2026, Culture Day -> Wed 25 Nov.
        pytest.param(date(2026, 10, 25), 30, date(2026, 11, 25), id="ends-on-culture-day"),
        # 26 Jan + 10 = Fri 5 Feb 2027, in Tết -> Thu 11 Feb.
        pytest.param(date(2027, 1, 26), 10, date(2027, 2, 11), id="ends-in-tet2027"),
        # 25 Dec + 7 = Fri 1 Jan 2027, New Year -> Mon 4 Jan.
        pytest.param(date(2026, 12, 25), 7, date(2027, 1, 4), id="ends-on-new-year-2027"),
        # 15 Aug + 7 = Sat 22 Aug 2026, a swapped working Saturday: the period ends there.
        pytest.param(date(2026, 8, 15), 7, date(2026, 8, 22), id="ends-on-swapped-saturday"),
    ],
)
def test_add_calendar_days(start: date, days: int, expected: date) -> None:
    assert CAL.add_calendar_days(start, days) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2027, 2, 3), date(2027, 2, 11), id="over-tet2027"),
        # Strictly after: a working day does not return itself.
        pytest.param(date(2026, 11, 25), date(2026, 11, 26), id="strictly-after"),
        pytest.param(date(2026, 11, 23), date(2026, 11, 25), id="over-culture-day"),
        pytest.param(date(2026, 8, 21), date(2026, 8, 22), id="to-swapped-saturday"),
    ],
)
def test_next_working_day(day: date, expected: date) -> None:
    assert CAL.next_working_day(day) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # start excluded, end included; Tết 2027 contributes nothing.
        pytest.param(
            date(2027, 2, 3), date(2027, 2, 12), [date(2027, 2, 11), date(2027, 2, 12)], id="tet"
        ),
        # The swapped Saturday is listed, the Sunday is not.
        pytest.param(
            date(2026, 8, 21), date(2026, 8, 24), [date(2026, 8, 22), date(2026, 8, 24)], id="swap"
        ),
        pytest.param(date(2026, 11, 25), date(2026, 11, 25), [], id="same-day-empty"),
        pytest.param(date(2026, 11, 27), date(2026, 11, 20), [], id="reversed-empty"),
    ],
)
def test_working_days_between(start: date, end: date, expected: list[date]) -> None:
    assert CAL.working_days_between(start, end) == expected


# The official 2026 New Year schedule (Văn phòng Chính phủ 12729/VPCP-KGVX,
# 25 Dec 2025): civil servants off Thu 1 - Sun 4 Jan, Fri 2 Jan swapped with
# Sat 10 Jan. holidays.VN 0.109 does not have this swap, so it is the
# administrators' job.
NEW_YEAR_2026 = WorkingDayCalendar({date(2026, 1, 2): False, date(2026, 1, 10): True})


@pytest.mark.parametrize(
    ("calendar", "start", "days", "expected"),
    [
        # Fri 2 Jan made off: Mon 5 Jan is the first working day of 2026.
        pytest.param(NEW_YEAR_2026, date(2025, 12, 31), 1, date(2026, 1, 5), id="day-made-off"),
        # Sat 10 Jan made a working day: 5-9 Jan, 10 Jan -> the 6th is Sat 10 Jan.
        pytest.param(
            NEW_YEAR_2026, date(2026, 1, 4), 6, date(2026, 1, 10), id="saturday-made-working"
        ),
        # Overrides only affect their own calendar: the shared cache is not polluted.
        pytest.param(CAL, date(2026, 1, 4), 6, date(2026, 1, 12), id="other-calendar-unaffected"),
        # If the Labour Code amendment for Culture Day did not apply in 2026, an
        # override restores 24 Nov: 23,24,25,26,27 | 30, 1-4 Dec -> Fri 4 Dec.
        pytest.param(
            WorkingDayCalendar({date(2026, 11, 24): True}),
            date(2026, 11, 20),
            10,
            date(2026, 12, 4),
            id="holiday-made-working",
        ),
        # If the official Tết 2027 is Fri 5 - Thu 11 Feb instead: Thu 4 works, Thu 11 is off.
        pytest.param(
            WorkingDayCalendar({date(2027, 2, 4): True, date(2027, 2, 11): False}),
            date(2027, 2, 3),
            2,
            date(2027, 2, 12),
            id="tet2027-official-schedule-differs",
        ),
    ],
)
def test_overrides(calendar: WorkingDayCalendar, start: date, days: int, expected: date) -> None:
    assert calendar.add_working_days(start, days) == expected


@pytest.mark.parametrize(
    ("day", "working", "reason"),
    [
        pytest.param(date(2026, 1, 2), False, "override", id="made-off"),
        pytest.param(date(2026, 1, 10), True, None, id="made-working"),
        pytest.param(date(2026, 1, 1), False, "Tết Dương lịch", id="untouched-holiday"),
    ],
)
def test_override_reasons(day: date, working: bool, reason: str | None) -> None:
    assert NEW_YEAR_2026.is_working_day(day) is working
    assert NEW_YEAR_2026.day_off_reason(day) == reason


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # 17:30Z is 00:30 the next day in UTC+7.
        pytest.param(datetime(2026, 11, 23, 17, 30, tzinfo=UTC), date(2026, 11, 24), id="after"),
        pytest.param(datetime(2026, 11, 23, 17, 0, tzinfo=UTC), date(2026, 11, 24), id="midnight"),
        pytest.param(
            datetime(2026, 11, 23, 16, 59, 59, 999999, tzinfo=UTC), date(2026, 11, 23), id="before"
        ),
        # Already in local time.
        pytest.param(
            datetime(2026, 11, 24, 0, 30, tzinfo=LOCAL_TZ), date(2026, 11, 24), id="local"
        ),
        # Another offset: 2026-11-23 20:00-05:00 is 2026-11-24 08:00+07:00.
        pytest.param(
            datetime(2026, 11, 23, 20, 0, tzinfo=timezone(timedelta(hours=-5))),
            date(2026, 11, 24),
            id="other-offset",
        ),
    ],
)
def test_local_date(moment: datetime, expected: date) -> None:
    assert local_date(moment) == expected


def test_local_date_rejects_naive() -> None:
    # A naive timestamp has no local day; guessing would shift deadlines by 7 hours.
    with pytest.raises(ValueError):
        local_date(datetime(2026, 11, 23, 17, 30))


def test_end_of_local_day() -> None:
    end = end_of_local_day(date(2026, 11, 24))
    assert end == datetime(2026, 11, 24, 16, 59, 59, 999999, tzinfo=UTC)
    assert local_date(end) == date(2026, 11, 24)
    assert local_date(end + timedelta(microseconds=1)) == date(2026, 11, 25)


@pytest.mark.parametrize("days", [pytest.param(0, id="zero"), pytest.param(-1, id="negative")])
def test_non_positive_periods_rejected(days: int) -> None:
    with pytest.raises(ValueError):
        CAL.add_working_days(date(2026, 11, 20), days)
    with pytest.raises(ValueError):
        CAL.add_calendar_days(date(2026, 11, 20), days)


def test_datetime_is_not_a_day() -> None:
    # datetime subclasses date; it would never match an override key.
    with pytest.raises(TypeError):
        CAL.is_working_day(datetime(2026, 11, 24, 9, 0, tzinfo=LOCAL_TZ))
