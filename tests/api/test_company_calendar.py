"""A company's own shift calendar decides its planned time: a plant that works Sundays gets OEE on a Sunday."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandan.collect import ingest_events, ingest_parts
from sandan.domain import Machine
from sandan.monitor.calendar import ShiftCalendar, save_company_calendar

SUNDAY = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)  # 09:00 in Seoul, a Sunday


def _sunday_production(store) -> None:
    store.upsert_machine(
        "acme", Machine(id="m1", company_id="acme", line_id="l1", name="Press 1", ideal_cycle_time_s=60)
    )
    ingest_events(
        store,
        "acme",
        [
            {
                "machine_id": "m1",
                "start": SUNDAY.isoformat(),
                "end": (SUNDAY + timedelta(hours=2)).isoformat(),
                "state": "running",
            }
        ],
    )
    ingest_parts(
        store,
        "acme",
        [
            {
                "time": (SUNDAY + timedelta(minutes=2 * i + 1)).isoformat(),
                "machine_id": "m1",
                "part_id": f"p{i}",
                "result": "ok",
            }
            for i in range(60)
        ],
    )


def _oee(world) -> dict:
    r = world.get(
        "a-admin",
        "/api/v1/companies/acme/oee",
        params={"start": SUNDAY.isoformat(), "end": (SUNDAY + timedelta(hours=2)).isoformat()},
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_the_default_calendar_plans_no_time_on_a_sunday(world):
    _sunday_production(world.store)
    row = _oee(world)["rows"][0]
    assert row["oee_status"] == "no_planned_time" and row["oee"] is None


def test_a_saved_seven_day_calendar_gives_the_sunday_its_oee(world):
    _sunday_production(world.store)
    settings = world.client.app.state.settings
    save_company_calendar(
        settings.data_dir,
        "acme",
        ShiftCalendar.two_shifts(working_weekdays=list(range(7)), korean_public_holidays=False),
    )
    body = str(_oee(world))
    assert (
        "no_planned_time" not in body and "0.5" in body
    )  # 60 parts × 60 s in 2 h running → effectiveness 0.5


def test_an_engineer_sets_the_calendar_through_the_api_and_a_viewer_cannot(world):
    _sunday_production(world.store)
    seven_days = ShiftCalendar.two_shifts(working_weekdays=list(range(7)), korean_public_holidays=False)
    body = seven_days.model_dump(mode="json")
    r = world.put("a-view", "/api/v1/companies/acme/calendar", json=body)
    assert r.status_code == 403
    assert world.get("a-eng", "/api/v1/companies/acme/calendar").json()["working_weekdays"] == [0, 1, 2, 3, 4]
    r = world.put("a-eng", "/api/v1/companies/acme/calendar", json=body)
    assert r.status_code == 200, r.text
    assert world.get("a-view", "/api/v1/companies/acme/calendar").json() == r.json()
    row = _oee(world)["rows"][0]
    assert row["oee_status"] == "ok" and row["effectiveness"] == 0.5  # the Sunday is planned now
    assert any(a["action"] == "calendar.put" for a in world.store.list_audit("acme"))
    # the other company's calendar is untouched
    assert world.get("b-eng", "/api/v1/companies/bravo/calendar").json()["working_weekdays"] == [
        0,
        1,
        2,
        3,
        4,
    ]


def test_a_calendar_with_a_bad_time_is_refused_with_the_field_named(world):
    bad = {"shifts": [{"name": "day", "start": "25:00", "end": "20:00"}]}
    r = world.put("a-eng", "/api/v1/companies/acme/calendar", json=bad)
    assert r.status_code == 422
    assert "start" in r.text
    # a holiday in year 9999 (a typo) too
    typo = {"shifts": [{"name": "day", "start": "08:00", "end": "17:00"}], "holidays": ["9999-12-31"]}
    r = world.put("a-eng", "/api/v1/companies/acme/calendar", json=typo)
    assert r.status_code == 422 and "1900" in r.text, r.text


def test_a_calendar_without_a_working_day_is_refused_and_the_kept_one_stays(world):
    idle = ShiftCalendar.two_shifts(working_weekdays=[], korean_public_holidays=False)
    r = world.put("a-eng", "/api/v1/companies/acme/calendar", json=idle.model_dump(mode="json"))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "no_working_days" and error["where"]["field"] == "working_weekdays"
    assert "tick at least one day of the week" in error["message"]["en"] and "요일" in error["message"]["ko"]
    assert world.get("a-eng", "/api/v1/companies/acme/calendar").json()["working_weekdays"] == [0, 1, 2, 3, 4]
    # listed days only is a calendar
    only_listed = idle.model_copy(update={"extra_working_days": [SUNDAY.date()]})
    r = world.put("a-eng", "/api/v1/companies/acme/calendar", json=only_listed.model_dump(mode="json"))
    assert r.status_code == 200, r.text
