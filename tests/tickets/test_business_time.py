from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tickets.business_time import (
    ALWAYS_OPEN,
    NoOpenTime,
    Schedule,
    add_business_minutes,
    add_business_time,
    business_minutes_between,
    business_time_between,
    is_open,
    validate_ranges,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
NY = ZoneInfo("America/New_York")
OFFICE = {d: [(8 * 60, 12 * 60), (13 * 60, 17 * 60)] for d in range(5)}  # Mon-Fri, lunch break
OFFICE_HCM = Schedule(zone=HCM, weekly=OFFICE)


def hcm(*args):
    return datetime(*args, tzinfo=HCM)


def test_adds_within_the_same_range():
    assert add_business_minutes(hcm(2026, 11, 23, 9, 0), 30, OFFICE_HCM) == hcm(2026, 11, 23, 9, 30)


def test_skips_lunch_break():
    assert add_business_minutes(hcm(2026, 11, 23, 11, 30), 60, OFFICE_HCM) == hcm(
        2026, 11, 23, 13, 30
    )


def test_starting_in_closed_time_counts_from_opening():
    assert add_business_minutes(hcm(2026, 11, 23, 6, 0), 15, OFFICE_HCM) == hcm(2026, 11, 23, 8, 15)


def test_friday_evening_rolls_over_weekend():
    friday = hcm(2026, 11, 27, 16, 0)
    assert add_business_minutes(friday, 120, OFFICE_HCM) == hcm(2026, 11, 30, 9, 0)


def test_lands_on_closing_time_not_next_opening():
    assert add_business_minutes(hcm(2026, 11, 23, 16, 0), 60, OFFICE_HCM) == hcm(
        2026, 11, 23, 17, 0
    )


def test_holiday_is_closed():
    closed = Schedule(zone=HCM, weekly=OFFICE, closed=frozenset({date(2026, 11, 24)}))
    assert add_business_minutes(hcm(2026, 11, 23, 16, 0), 120, closed) == hcm(2026, 11, 25, 9, 0)


def test_range_ending_at_midnight_and_overnight_shift():
    night = Schedule(zone=HCM, weekly={d: [(22 * 60, 24 * 60), (0, 6 * 60)] for d in range(7)})
    assert add_business_minutes(hcm(2026, 11, 23, 23, 0), 120, night) == hcm(2026, 11, 24, 1, 0)
    assert business_minutes_between(hcm(2026, 11, 23, 21, 0), hcm(2026, 11, 24, 7, 0), night) == 480


def test_spring_forward_night_has_one_real_hour():
    schedule = Schedule(zone=NY, weekly={6: [(60, 180)]})  # Sunday 01:00-03:00 local
    night = datetime(2026, 3, 8, 0, 0, tzinfo=NY)  # DST starts 02:00 that Sunday
    assert business_minutes_between(night, night + timedelta(hours=4), schedule) == 60


def test_fall_back_night_has_three_real_hours():
    schedule = Schedule(zone=NY, weekly={6: [(60, 180)]})
    night = datetime(2026, 11, 1, 0, 0, tzinfo=NY)  # DST ends 02:00 that Sunday
    assert business_minutes_between(night, night + timedelta(hours=5), schedule) == 180


def test_between_is_negative_backwards_and_zero_in_closed_time():
    a, b = hcm(2026, 11, 23, 9, 0), hcm(2026, 11, 23, 10, 0)
    assert business_minutes_between(b, a, OFFICE_HCM) == -60
    assert business_minutes_between(hcm(2026, 11, 28, 9), hcm(2026, 11, 29, 9), OFFICE_HCM) == 0


def test_always_open_is_plain_time():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    assert add_business_minutes(start, 90, ALWAYS_OPEN) == start + timedelta(minutes=90)


def test_calendar_without_open_hours_raises():
    with pytest.raises(NoOpenTime):
        add_business_minutes(hcm(2026, 11, 23, 9), 10, Schedule(zone=HCM, weekly={}))


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_business_minutes(datetime(2026, 11, 23, 9), 10, OFFICE_HCM)  # noqa: DTZ001


def test_validate_ranges_reports_overlap_and_bad_bounds():
    assert validate_ranges([(480, 720), (780, 1020)]) == []
    assert validate_ranges([(480, 720), (700, 800)]) == ["08:00-12:00 overlaps 11:40-13:20."]
    assert validate_ranges([(600, 600)]) == ["10:00-10:00 is not a range within one day."]


# Property tests over random calendars, zones (with and without DST) and instants.
ZONES = [
    ZoneInfo(z)
    for z in ("Asia/Ho_Chi_Minh", "America/New_York", "Europe/Berlin", "Australia/Sydney", "UTC")
]


@st.composite
def schedules(draw):
    weekly = {}
    for weekday in range(7):
        cuts = sorted(draw(st.sets(st.integers(0, 1440), max_size=6)))
        pairs = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
        if pairs:
            weekly[weekday] = pairs
    # Enough open time a week that 20 days of business time fits in the five years searched.
    assume(sum(end - start for pairs in weekly.values() for start, end in pairs) >= 120)
    closed = draw(st.frozensets(st.dates(date(2025, 12, 1), date(2027, 2, 1)), max_size=30))
    return Schedule(zone=draw(st.sampled_from(ZONES)), weekly=weekly, closed=closed)


instants = st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 31), timezones=st.just(UTC))
amounts = st.timedeltas(timedelta(0), timedelta(days=20))


@settings(max_examples=150, deadline=None)
@given(schedules(), instants, amounts)
def test_adding_then_measuring_gives_the_amount_back(schedule, start, amount):
    end = add_business_time(start, amount, schedule)
    assert business_time_between(start, end, schedule) == amount


@settings(max_examples=150, deadline=None)
@given(schedules(), instants, amounts, amounts)
def test_adding_more_never_ends_earlier(schedule, start, a, b):
    small, large = sorted((a, b))
    assert add_business_time(start, small, schedule) <= add_business_time(start, large, schedule)


@settings(max_examples=150, deadline=None)
@given(schedules(), instants, st.timedeltas(timedelta(microseconds=1), timedelta(days=20)))
def test_a_due_time_never_lands_in_closed_time(schedule, start, amount):
    end = add_business_time(start, amount, schedule)
    assert end > start
    # The last instant counted is open time; the result itself may be the closing instant.
    assert is_open(end - timedelta(microseconds=1), schedule)


@settings(max_examples=100, deadline=None)
@given(schedules(), instants, amounts, amounts)
def test_business_time_adds_up_over_a_split(schedule, start, a, b):
    middle, end = start + a, start + a + b
    assert business_time_between(start, end, schedule) == business_time_between(
        start, middle, schedule
    ) + business_time_between(middle, end, schedule)
