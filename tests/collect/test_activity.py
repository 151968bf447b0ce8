"""Who has gone quiet: a member without any record for a day (of its planned time, where its calendar is known),
or ever, is marked on the operator's list."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sandan.collect import ingest_parts, ingest_readings
from sandan.collect.activity import QUIET_AFTER, Activity, cross_tenant_activity
from sandan.domain import Company, Line, Machine, Site
from sandan.monitor.calendar import PlannedStop, ShiftCalendar, save_company_calendar

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _member(store, company_id):
    store.upsert_company(Company(id=company_id, name=company_id, family="press"))
    store.upsert_site(company_id, Site(id="s1", company_id=company_id, name="1공장"))
    store.upsert_line(company_id, Line(id="l1", company_id=company_id, site_id="s1", name="라인"))
    store.upsert_machine(company_id, Machine(id="m1", company_id=company_id, line_id="l1", name="프레스"))


def test_sensors_alone_keep_a_member_active_and_a_day_without_data_makes_it_quiet(duck_store):
    for company_id in ("sensors", "parts-old", "nothing"):
        _member(duck_store, company_id)
    reading = {
        "time": (NOW - timedelta(hours=2)).isoformat(),
        "machine_id": "m1",
        "signal": "온도",
        "value": 41.0,
    }
    assert ingest_readings(duck_store, "sensors", [reading], register_signals=True).rejected == 0
    old = NOW - QUIET_AFTER - timedelta(minutes=1)
    part = {"time": old.isoformat(), "machine_id": "m1", "part_id": "p1", "result": "ok"}
    assert ingest_parts(duck_store, "parts-old", [part]).rejected == 0

    activity = cross_tenant_activity(duck_store, NOW)
    assert activity["sensors"].quiet is False
    assert activity["sensors"].last_record == NOW - timedelta(hours=2)
    assert (activity["parts-old"].last_record, activity["parts-old"].quiet) == (old, True)
    assert (activity["nothing"].last_record, activity["nothing"].quiet) == (None, True)
    # the same part a minute inside the day is not quiet
    assert cross_tenant_activity(duck_store, NOW - timedelta(minutes=2))["parts-old"].quiet is False


# ---- quiet in the member's planned time -------------------------------------------------------------
SEOUL = ZoneInfo("Asia/Seoul")


def kst(day: str, clock: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SEOUL)


def _last_part(store, company_id, at):
    part = {"time": at.isoformat(), "machine_id": "m1", "part_id": "p1", "result": "ok"}
    assert ingest_parts(store, company_id, [part]).rejected == 0


def test_a_weekend_does_not_make_a_weekday_plant_quiet(store, tmp_path):
    """One shift 08-17 with lunch 12-13, Monday to Friday: quiet once a working day's 8 planned hours pass."""
    _member(store, "days")
    save_company_calendar(tmp_path, "days", ShiftCalendar.one_shift())
    _last_part(store, "days", kst("2026-12-04", "16:30"))  # a Friday, half an hour before the shift ends

    def quiet(at):
        return cross_tenant_activity(store, at, data_dir=tmp_path)["days"].quiet

    # Saturday evening: a day of clock time, but half an hour of planned time
    assert not quiet(kst("2026-12-05", "18:00"))
    assert not quiet(kst("2026-12-07", "09:00"))  # Monday morning
    assert not quiet(kst("2026-12-07", "16:29"))  # 0.5 h Friday + 7.5 h Monday (lunch off): 7 h 59 min
    assert quiet(kst("2026-12-07", "16:31"))
    # the caller that passes no data folder counts clock time, as before
    assert cross_tenant_activity(store, kst("2026-12-05", "18:00"))["days"].quiet


def test_holidays_and_planned_stops_are_not_planned_time(store, tmp_path):
    _member(store, "days")
    stock_taking = PlannedStop(
        start=datetime(2026, 12, 8, 8), end=datetime(2026, 12, 8, 12)
    )  # Tuesday morning
    calendar = ShiftCalendar.one_shift(
        holidays=[date(2026, 12, 7)], planned_stops=[stock_taking]
    )  # Monday off
    save_company_calendar(tmp_path, "days", calendar)
    _last_part(store, "days", kst("2026-12-04", "16:30"))
    activity = cross_tenant_activity(store, kst("2026-12-08", "16:00"), data_dir=tmp_path)
    assert activity["days"].quiet is False  # 0.5 h Friday + 3 h Tuesday afternoon
    # + 1 h Tuesday + 3.5 h Wednesday morning = 8 h at 11:30
    assert not cross_tenant_activity(store, kst("2026-12-09", "11:29"), data_dir=tmp_path)["days"].quiet
    assert cross_tenant_activity(store, kst("2026-12-09", "11:31"), data_dir=tmp_path)["days"].quiet


def test_a_member_without_a_calendar_counts_on_two_shifts_and_one_without_records_is_quiet(store, tmp_path):
    for company_id in ("default", "nothing"):
        _member(store, company_id)
    _last_part(store, "default", kst("2026-12-04", "18:00"))  # Friday evening
    monday = cross_tenant_activity(store, kst("2026-12-07", "09:00"), data_dir=tmp_path)
    # two 12-h shifts Monday to Friday: 2 h + the night's 11 h + Monday's first hour, short of 22 h
    assert monday["default"].quiet is False
    assert monday["nothing"] == Activity(None, True)
    # 22 h (a working day of the two shifts) by Monday 18:00: 13 h + 08-12 + 13-18
    assert not cross_tenant_activity(store, kst("2026-12-07", "17:59"), data_dir=tmp_path)["default"].quiet
    assert cross_tenant_activity(store, kst("2026-12-07", "18:01"), data_dir=tmp_path)["default"].quiet
