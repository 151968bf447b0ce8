"""Alert rules count the company's planned time: a no-data rule hears part records and machine events as well as
readings, and nights off, weekends, holidays and breaks neither count towards its window nor open an alert; an
OEE rule counts from the company's calendar, as its dashboard does. Both stores, the calendar saved in the data
folder as the calendar page saves it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sandan.collect import ingest_readings
from sandan.domain import Company, Line, Machine, Site
from sandan.monitor.alert_store import open_alert_store
from sandan.monitor.alerts import AlertRule, Delivery, evaluate_alerts
from sandan.monitor.calendar import ShiftCalendar, save_company_calendar
from tests.monitor.conftest import COMPANY, add_events, add_parts, kst, spread

QUIET = Delivery(backoff_s=0.0, private_webhooks=True)


@pytest.fixture
def plant(store):
    store.upsert_company(Company(id=COMPANY, name="에이크미 정밀"))
    store.upsert_site(COMPANY, Site(id="s1", company_id=COMPANY, name="본공장"))
    store.upsert_line(COMPANY, Line(id="L1", company_id=COMPANY, site_id="s1", name="가공 1라인"))
    for mid, name in (("M1", "CNC 1"), ("M2", "CNC 2"), ("M3", "조립기")):
        store.upsert_machine(
            COMPANY, Machine(id=mid, company_id=COMPANY, line_id="L1", name=name, ideal_cycle_time_s=60)
        )
    return store


@pytest.fixture
def data_dir(tmp_path):
    """A data folder whose company works one day shift, 08-17 with lunch 12-13, Monday to Friday."""
    folder = tmp_path / "data"
    save_company_calendar(folder, COMPANY, ShiftCalendar.one_shift())
    return folder


@pytest.fixture
def alerts(data_dir):
    return open_alert_store(data_dir)


def rule(alerts, **fields) -> AlertRule:
    r = AlertRule(**fields)
    alerts.put_rule(COMPANY, r.id, r.model_dump(mode="json"), "kim")
    return r


def run(store, alerts, at):
    return [(c.event, c.subject) for c in evaluate_alerts(store, COMPANY, at, alerts=alerts, delivery=QUIET)]


def reading(store, machine, at, signal="temp") -> None:
    row = {"time": at.isoformat(), "machine_id": machine, "signal": signal, "value": 50.0}
    assert ingest_readings(store, COMPANY, [row], register_signals=True).rejected == 0


def test_part_records_and_machine_events_count_as_data_unless_the_rule_names_a_signal(plant, alerts):
    now = kst("2025-03-10", "10:00")  # a Monday, in the shift
    add_parts(plant, "M1", [now - timedelta(minutes=5)])  # a part counter, no sensors
    add_events(plant, [("M2", now - timedelta(minutes=8), None, "running", None)])  # an MES's state event
    reading(plant, "M3", now - timedelta(hours=1))  # a sensor that went quiet an hour ago
    rule(alerts, id="silent", kind="no_data", window_s=600)
    assert run(plant, alerts, now) == [("opened", "M3")]
    alert = alerts.list_alerts(COMPANY)[0]
    assert alert["message_en"] == (
        "no data (readings, part records or machine events) from M3 for 10 min in planned time"
    )
    assert (
        alert["message_ko"] == "M3에서 계획 시간 10분 동안 데이터(측정값, 생산 실적, 설비 이벤트)가 없습니다"
    )

    # a rule on one signal hears that signal only: parts and events do not keep it quiet
    rule(alerts, id="temp", kind="no_data", signal="temp", window_s=600)
    opened = [c for c in run(plant, alerts, now) if c[0] == "opened"]
    assert sorted(opened) == [("opened", "M1/temp"), ("opened", "M2/temp"), ("opened", "M3/temp")]


def test_an_event_begun_before_the_window_and_still_open_is_not_data(plant, alerts):
    now = kst("2025-03-10", "10:00")
    add_events(plant, [("M1", now - timedelta(hours=1), None, "running", None)])  # then the collector died
    add_events(plant, [("M2", now - timedelta(hours=1), now - timedelta(minutes=3), "running", None)])
    rule(alerts, id="silent", kind="no_data", line_id="L1", machine_ids=["M1", "M2"], window_s=600)
    assert run(plant, alerts, now) == [("opened", "M1")]  # M2's state ended (was reported) in the window


def test_a_weekend_neither_opens_an_alert_nor_counts_towards_the_window(plant, alerts):
    reading(plant, "M1", kst("2025-03-14", "16:55"))  # Friday, five minutes before the shift ends
    rule(alerts, id="silent", kind="no_data", machine_ids=["M1"], window_s=600)
    assert run(plant, alerts, kst("2025-03-14", "17:30")) == []
    assert run(plant, alerts, kst("2025-03-15", "10:00")) == []  # Saturday
    assert run(plant, alerts, kst("2025-03-16", "10:00")) == []  # Sunday
    # 5 planned minutes on Friday + 5 on Monday: the reading is on the window's edge, still in it
    assert run(plant, alerts, kst("2025-03-17", "08:05")) == []
    assert run(plant, alerts, kst("2025-03-17", "08:06")) == [("opened", "M1")]


def test_a_public_holiday_is_not_planned_time(plant, alerts):
    reading(
        plant, "M1", kst("2025-02-28", "16:55")
    )  # Friday before 삼일절 (Sat) and its substitute (Mon 3 Mar)
    rule(alerts, id="silent", kind="no_data", machine_ids=["M1"], window_s=600)
    assert run(plant, alerts, kst("2025-03-03", "10:00")) == []
    assert run(plant, alerts, kst("2025-03-04", "08:05")) == []
    assert run(plant, alerts, kst("2025-03-04", "08:06")) == [("opened", "M1")]


def test_lunch_is_not_planned_time(plant, alerts):
    reading(plant, "M1", kst("2025-03-10", "11:55"))
    rule(alerts, id="silent", kind="no_data", machine_ids=["M1"], window_s=600)
    assert run(plant, alerts, kst("2025-03-10", "12:30")) == []
    assert run(plant, alerts, kst("2025-03-10", "13:05")) == []  # 5 + 5 planned minutes
    assert run(plant, alerts, kst("2025-03-10", "13:06")) == [("opened", "M1")]


def test_an_open_alert_is_held_overnight_and_closes_when_the_machine_reports_again(plant, alerts):
    reading(plant, "M1", kst("2025-03-10", "16:40"))
    rule(alerts, id="silent", kind="no_data", machine_ids=["M1"], window_s=600, hold_s=0)
    assert run(plant, alerts, kst("2025-03-10", "16:51")) == [("opened", "M1")]
    # the plant going home is not the machine coming back: no "cleared" at 17:00
    assert run(plant, alerts, kst("2025-03-10", "17:30")) == []
    assert run(plant, alerts, kst("2025-03-11", "03:00")) == []
    assert alerts.count_alerts(COMPANY, "open") == 1
    add_parts(plant, "M1", [kst("2025-03-11", "08:20")])
    assert run(plant, alerts, kst("2025-03-11", "08:30")) == [("closed", "M1")]
    assert alerts.count_alerts(COMPANY) == 1


def test_oee_drop_counts_from_the_companys_calendar_as_the_dashboard_does(plant, tmp_path, alerts):
    morning, lunch = (kst("2025-03-10", "08:00"), kst("2025-03-10", "12:00"))
    afternoon, home = (kst("2025-03-10", "13:00"), kst("2025-03-10", "17:00"))
    add_events(plant, [("M1", morning, lunch, "running", None), ("M1", afternoon, home, "running", None)])
    add_parts(plant, "M1", spread(morning, lunch, 240) + spread(afternoon, home, 240))  # at the ideal 60 s
    fields = {"id": "oee", "kind": "oee_drop", "threshold": 0.8, "machine_ids": ["M1"], "window_s": 14 * 3600}
    evening = kst("2025-03-10", "22:00")
    rule(alerts, **fields)
    assert run(plant, alerts, evening) == []  # the day shift worked through: OEE ≈ 100 %
    # a company that saved no calendar counts on two 12-h shifts: 08-22 less lunch plans 13 h, 8 h ran
    elsewhere = open_alert_store(tmp_path / "default")
    rule(elsewhere, **fields)
    assert run(plant, elsewhere, evening) == [("opened", "M1")]
