"""Labelling unexplained downtime: the operator's reason moves the down time into its Pareto bar, the unexplained
list shrinks, and no OEE figure changes (a label explains time, it does not add or remove any)."""

from __future__ import annotations

import pytest

from sandan.domain import InvalidInput, NotFound
from sandan.monitor import downtime_pareto, label_downtime, oee_report, unexplained_downtime
from tests.monitor.conftest import COMPANY, add_events, kst

DAY = "2025-03-10"  # a Monday


def t(clock: str):
    return kst(DAY, clock)


@pytest.fixture
def stops(plant):
    """M1 in the day shift: running, 30 min down 'spindle', running, two unexplained stops of 20 and 40 min."""
    add_events(
        plant,
        [
            ("M1", t("08:00"), t("10:00"), "running", None),
            ("M1", t("10:00"), t("10:30"), "down", "spindle"),
            ("M1", t("10:30"), t("14:00"), "running", None),
            ("M1", t("14:00"), t("14:20"), "down", None),
            ("M1", t("14:20"), t("16:00"), "running", None),
            ("M1", t("16:00"), t("16:40"), "down", None),
            ("M1", t("16:40"), t("20:00"), "running", None),
        ],
    )
    return plant


def _window():
    return (COMPANY, t("08:00"), t("20:00"))


def _bars(store):
    p = downtime_pareto(store, *_window())
    return [
        (r.reason_code if isinstance(r.reason_code, str) else None, r.label_en, r.down_time_s)
        for r in p.itertuples()
    ]


def test_a_label_moves_unexplained_time_into_its_reason(stops):
    assert _bars(stops) == [(None, "(no reason code)", 3600.0), ("spindle", "spindle", 1800.0)]
    todo = unexplained_downtime(stops, *_window())
    assert [(r.event_start, r.down_time_s) for r in todo.itertuples()] == [
        (t("16:00"), 2400.0),
        (t("14:00"), 1200.0),
    ]
    before = oee_report(stops, *_window()).table("machine")

    stored = label_downtime(
        stops, COMPANY, "M1", todo.iloc[0].event_start.to_pydatetime(), " spindle ", "kim"
    )
    assert (stored["reason_code"], stored["labelled_by"]) == ("spindle", "kim")

    assert _bars(stops) == [("spindle", "spindle", 4200.0), (None, "(no reason code)", 1200.0)]
    left = unexplained_downtime(stops, *_window())
    assert [r.event_start for r in left.itertuples()] == [t("14:00")]

    label_downtime(stops, COMPANY, "M1", t("14:00"), "jam", "kim", note="chip jam")
    assert _bars(stops) == [("spindle", "spindle", 4200.0), ("jam", "jam", 1200.0)]
    assert unexplained_downtime(stops, *_window()).empty
    after = oee_report(stops, *_window()).table("machine")
    cols = ["down_time_s", "availability", "oee"]
    assert after[cols].equals(before[cols])


def test_a_label_needs_a_reason_a_zone_and_a_stored_event(stops):
    with pytest.raises(InvalidInput) as bad:
        label_downtime(stops, COMPANY, "M1", t("14:00"), "   ", "kim")
    assert bad.value.code == "bad_reason_code"
    with pytest.raises(InvalidInput):
        label_downtime(stops, COMPANY, "M1", t("14:00"), "x" * 65, "kim")
    with pytest.raises(InvalidInput) as naive:
        label_downtime(stops, COMPANY, "M1", t("14:00").replace(tzinfo=None), "jam", "kim")
    assert naive.value.code == "naive_time"
    with pytest.raises(NotFound) as missing:
        label_downtime(stops, COMPANY, "M1", t("14:01"), "jam", "kim")
    assert missing.value.code == "unknown_event"
    assert len(unexplained_downtime(stops, *_window())) == 2
    assert [a for a in stops.list_audit(COMPANY) if a["action"] == "event.label"] == []
