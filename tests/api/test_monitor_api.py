"""Monitoring routes: the numbers are the monitor functions' own, labels are stored and audited, rules and the
inbox are tenant-scoped, benchmarks stay anonymous, and the alert evaluator lives and dies with the app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from sandan.api import create_app
from sandan.collect import ingest_events, ingest_parts, ingest_readings
from sandan.domain import Machine
from sandan.monitor import evaluate_alerts, oee_report, open_alert_store
from sandan.settings import Settings
from tests.api.world import assert_error

SEOUL = ZoneInfo("Asia/Seoul")
START = datetime(2025, 3, 10, 8, tzinfo=SEOUL)
END = datetime(2025, 3, 10, 10, tzinfo=SEOUL)
BASE = "/api/v1/companies/acme"
WINDOW = {"start": START.isoformat(), "end": END.isoformat()}


@pytest.fixture
def plant(world):
    """acme: machine m2 (ideal 60 s) on line l1 running 08:00-09:00, down 09:00-09:30 without a reason, running
    again; 100 parts of which 5 are scrap; a measured bore with one outlier at the end."""
    s = world.store
    s.upsert_machine(
        "acme", Machine(id="m2", company_id="acme", line_id="l1", name="CNC 2", ideal_cycle_time_s=60)
    )
    t = START.isoformat
    ev = [
        {
            "machine_id": "m2",
            "start": t(),
            "end": (START + timedelta(hours=1)).isoformat(),
            "state": "running",
        },
        {
            "machine_id": "m2",
            "start": (START + timedelta(hours=1)).isoformat(),
            "end": (START + timedelta(hours=1, minutes=30)).isoformat(),
            "state": "down",
        },
        {
            "machine_id": "m2",
            "start": (START + timedelta(hours=1, minutes=30)).isoformat(),
            "end": END.isoformat(),
            "state": "running",
        },
    ]
    assert ingest_events(s, "acme", ev).rejected == 0
    parts = []
    for i in range(100):
        at = (
            START + timedelta(seconds=65 * i + 30)
            if i < 55
            else START + timedelta(minutes=90, seconds=30 * (i - 55))
        )
        bore = 10.0 + 0.01 * ((i * 7) % 5 - 2) if i < 99 else 11.0
        parts.append(
            {
                "time": at.isoformat(),
                "machine_id": "m2",
                "part_id": f"p{i}",
                "product": "shaft",
                "result": "ng" if i % 20 == 0 else "ok",
                "defect_type": "burr" if i % 40 == 0 else ("crack" if i % 20 == 0 else None),
                "measures": {"bore_mm": bore},
            }
        )
    assert ingest_parts(s, "acme", parts).rejected == 0
    return world


def test_dashboard_returns_the_oee_functions_numbers(plant):
    r = plant.get("a-view", f"{BASE}/oee/dashboard", params=WINDOW)
    assert r.status_code == 200, r.text
    body = r.json()
    report = oee_report(plant.store, "acme", START, END)
    assert body["overall"]["oee"] == pytest.approx(report.overall()["oee"])
    by_machine = {row["machine_id"]: row for row in body["by_machine"]}
    assert by_machine["m2"]["availability"] == pytest.approx(
        report.table("machine").set_index("machine_id").loc["m2", "availability"]
    )
    assert by_machine["m1"]["oee"] == 0.0  # planned time, nothing recorded, nothing produced
    assert body["losses"]["breakdowns_s"] == pytest.approx(1800)
    assert body["unexplained"]["count"] == 1
    assert [m["id"] for m in body["machines"]] == ["m1", "m2"]
    # hour by hour: the two hours of the window, all 100 parts and their 5 scrap
    assert [h["produced_qty"] for h in body["hourly"]] == [55, 45]
    assert sum(h["scrap_qty"] for h in body["hourly"]) == 5
    week = {"start": (END - timedelta(days=7)).isoformat(), "end": END.isoformat()}
    assert plant.get("a-view", f"{BASE}/oee/dashboard", params=week).json()["hourly"] is None


def test_dashboard_drills_down_to_one_machine(plant):
    body = plant.get("a-view", f"{BASE}/oee/dashboard", params={**WINDOW, "machine_id": "m2"}).json()
    assert [row["machine_id"] for row in body["by_machine"]] == ["m2"]
    assert body["overall"]["oee"] == pytest.approx(
        oee_report(plant.store, "acme", START, END, machine_ids=["m2"]).overall()["oee"]
    )


def test_oee_grouping_is_validated(plant):
    r = plant.get("a-view", f"{BASE}/oee", params={**WINDOW, "by": ["line", "day"]})
    assert r.status_code == 200 and {"line_id", "production_day", "oee"} <= set(r.json()["rows"][0])
    assert_error(plant.get("a-view", f"{BASE}/oee", params={**WINDOW, "by": "planet"}), 422)
    assert_error(plant.get("a-view", f"{BASE}/oee/dashboard", params={**WINDOW, "machine_id": "zz"}), 404)


def test_labelling_unexplained_downtime_moves_it_into_the_pareto_under_its_reason(plant):
    rows = plant.get("a-view", f"{BASE}/oee/unexplained", params=WINDOW).json()["rows"]
    assert [(r["machine_id"], r["down_time_s"]) for r in rows] == [("m2", 1800.0)]
    pareto = plant.get("a-view", f"{BASE}/oee/downtime-pareto", params=WINDOW).json()["rows"]
    assert [(p["reason_code"], p["label_en"], p["down_time_s"]) for p in pareto] == [
        (None, "(no reason code)", 1800.0)
    ]
    label = {"machine_id": "m2", "start": rows[0]["event_start"], "reason_code": "spindle"}
    assert_error(plant.post("a-view", f"{BASE}/oee/unexplained/label", json=label), 403)
    assert_error(plant.post("b-eng", f"{BASE}/oee/unexplained/label", json=label), 404)

    r = plant.post("a-eng", f"{BASE}/oee/unexplained/label", json=label)
    assert r.status_code == 200, r.text
    event = r.json()["event"]
    assert (event["machine_id"], event["state"], event["reason_code"], event["labelled_by"]) == (
        "m2",
        "down",
        "spindle",
        "a-eng",
    )

    assert plant.get("a-view", f"{BASE}/oee/unexplained", params=WINDOW).json()["rows"] == []
    pareto = plant.get("a-view", f"{BASE}/oee/downtime-pareto", params=WINDOW).json()["rows"]
    assert [(p["reason_code"], p["label_en"], p["down_time_s"], p["share"]) for p in pareto] == [
        ("spindle", "spindle", 1800.0, 1.0)
    ]
    dashboard = plant.get("a-view", f"{BASE}/oee/dashboard", params=WINDOW).json()
    assert dashboard["unexplained"] == {"count": 0, "down_time_s": 0.0}
    assert [p["reason_code"] for p in dashboard["downtime_pareto"]] == ["spindle"]
    # a label moves down time between bars; it does not add any
    assert dashboard["losses"]["breakdowns_s"] == pytest.approx(1800)
    audit = [a for a in plant.store.list_audit("acme") if a["action"] == "event.label"]
    assert [(a["user_id"], a["target"]) for a in audit] == [
        ("a-eng", f"m2@{(START + timedelta(hours=1)).astimezone(UTC).isoformat()}")
    ]
    assert "spindle" in audit[0]["detail"]


def test_a_label_must_name_a_stored_event_and_a_reason(plant):
    rows = plant.get("a-view", f"{BASE}/oee/unexplained", params=WINDOW).json()["rows"]
    label = {"machine_id": "m2", "start": rows[0]["event_start"], "reason_code": "spindle"}
    missing = {**label, "start": (START + timedelta(minutes=5)).isoformat()}
    assert_error(plant.post("a-eng", f"{BASE}/oee/unexplained/label", json=missing), 404, "unknown_event")
    assert_error(
        plant.post("a-eng", f"{BASE}/oee/unexplained/label", json={**label, "machine_id": "zz"}), 404
    )
    assert_error(
        plant.post("a-eng", f"{BASE}/oee/unexplained/label", json={**label, "reason_code": "  "}), 422
    )
    assert_error(plant.post("a-eng", f"{BASE}/oee/unexplained/label", json={**label, "reason_code": ""}), 422)
    # A start without a zone is refused as everywhere in the API, not read as UTC (where it would name the event)
    # nor as local time: the down event starts at 09:00 in Seoul, 00:00 UTC.
    for naive in ("2025-03-10T00:00:00", "2025-03-10T09:00:00"):
        r = plant.post("a-eng", f"{BASE}/oee/unexplained/label", json={**label, "start": naive})
        assert_error(r, 422, "naive_time")
        assert "time zone" in r.json()["error"]["message"]["en"]
    assert len(plant.get("a-view", f"{BASE}/oee/unexplained", params=WINDOW).json()["rows"]) == 1
    assert not [a for a in plant.store.list_audit("acme") if a["action"] == "event.label"]


def test_quality_table_and_pareto(plant):
    q = plant.get("a-view", f"{BASE}/quality", params=WINDOW).json()["rows"]
    assert (
        q == [pytest.approx(q[0])]
        and q[0]["product"] == "shaft"
        and q[0]["defect_rate"] == pytest.approx(0.05)
    )
    pareto = plant.get("a-view", f"{BASE}/quality/pareto", params=WINDOW).json()["rows"]
    assert [(p["defect_type"], p["scrap_qty"]) for p in pareto] == [("burr", 3), ("crack", 2)]


def test_control_chart_marks_the_outlier(plant):
    r = plant.get("a-view", f"{BASE}/spc/measurement", params={**WINDOW, "characteristic": "bore_mm"})
    assert r.status_code == 200, r.text
    body = r.json()
    individuals = body["series"][0]
    assert len(individuals["values"]) == 100 and len(body["labels"]) == 100
    assert ("WE1", 99) in {(v["rule"], v["index"]) for v in individuals["violations"]}
    assert not body["in_control"]
    p = plant.get("a-view", f"{BASE}/spc/attribute", params={**WINDOW, "chart": "p"}).json()
    assert p["kind"] and len(p["series"][0]["values"]) == 2
    assert_error(
        plant.get("a-view", f"{BASE}/spc/measurement", params={**WINDOW, "characteristic": "nope"}), 422
    )


def test_control_limits_from_a_phase_one_period_judge_the_points_after_it(plant):
    """An engineer sets the limits from the parts before a change and judges the later ones against them."""
    from sandan.monitor import imr_chart

    url = f"{BASE}/spc/measurement"
    whole = plant.get("a-view", url, params={**WINDOW, "characteristic": "bore_mm"}).json()
    values = whole["series"][0]["values"]
    cut = START + timedelta(minutes=30)  # parts every 65 s from 08:00:30: the first 28 are phase I
    body = plant.get(
        "a-view", url, params={**WINDOW, "characteristic": "bore_mm", "baseline_end": cut.isoformat()}
    ).json()
    assert body["baseline_points"] == 28 and whole["baseline_points"] == 100
    individuals = body["series"][0]
    assert individuals["phase"] == ["I"] * 28 + ["II"] * 72
    own = imr_chart(values, 28).series[0]  # the limits of the first 28 parts alone
    assert (individuals["center"][0], individuals["ucl"][0]) == pytest.approx((own.center[0], own.ucl[0]))
    assert individuals["ucl"][0] != pytest.approx(whole["series"][0]["ucl"][0])
    # an hourly p chart of two hours: a phase I of the first hour alone is too short, and said so
    one_hour = {**WINDOW, "baseline_end": (START + timedelta(minutes=30)).isoformat()}
    refused = plant.get("a-view", f"{BASE}/spc/attribute", params=one_hour)
    assert_error(refused, 422, "bad_baseline")
    assert "only 1 point of the chart lies before" in refused.json()["error"]["message"]["en"]
    # a time before the second point: the reason, in plant time, and what to do
    early = plant.get(
        "a-view", url, params={**WINDOW, "characteristic": "bore_mm", "baseline_end": START.isoformat()}
    )
    assert_error(early, 422, "bad_baseline")
    assert "2025-03-10 08:00" in early.json()["error"]["message"]["en"]
    naive = {**WINDOW, "characteristic": "bore_mm", "baseline_end": "2025-03-10T08:30:00"}
    assert_error(plant.get("a-view", url, params=naive), 422, "naive_time")


def test_saved_limits_serve_every_later_capability_study(plant):
    """A characteristic without a drawing in the platform: its limits saved once (checked), a later study without
    limits uses them and says they are the company's; typed limits still come first; forgotten, it asks again."""
    assert_error(
        plant.put("a-eng", f"{BASE}/specs", json={"characteristic": "bore_mm", "lsl": 10.05, "usl": 9.95}),
        422,
        "bad_spec",
    )
    assert_error(plant.put("a-view", f"{BASE}/specs", json={"characteristic": "bore_mm", "usl": 10.05}), 403)
    saved = plant.put("a-eng", f"{BASE}/specs", json={"characteristic": "bore_mm", "lsl": 9.95, "usl": 10.05})
    assert saved.status_code == 200 and saved.json() == {"bore_mm": {"lsl": 9.95, "usl": 10.05}}
    assert plant.get("a-view", f"{BASE}/specs").json() == saved.json()
    params = {**WINDOW, "characteristic": "bore_mm"}
    c = plant.get("a-view", f"{BASE}/spc/capability", params=params).json()
    assert (c["lsl"], c["usl"], c["spec_source"]) == (9.95, 10.05, "company")
    typed = plant.get("a-view", f"{BASE}/spc/capability", params={**params, "usl": 10.2}).json()
    assert (typed["lsl"], typed["usl"], typed["spec_source"]) == (None, 10.2, "given")
    gone = plant.client.delete(
        f"{BASE}/specs", params={"characteristic": "bore_mm"}, headers=plant.auth("a-eng")
    )
    assert gone.status_code == 200 and gone.json() == {}
    assert_error(plant.get("a-view", f"{BASE}/spc/capability", params=params), 422, "no_spec")


def test_process_capability_of_a_characteristic(plant):
    import numpy as np
    from scipy.stats import norm

    bores = np.array([10.0 + 0.01 * ((i * 7) % 5 - 2) for i in range(99)] + [11.0])
    params = {**WINDOW, "characteristic": "bore_mm", "lsl": 9.95, "usl": 10.05}
    c = plant.get("a-view", f"{BASE}/spc/capability", params=params).json()
    # by hand: σ within = mean moving range / d2(2) = MR̄ / (2/√π) ≈ MR̄ / 1.128, σ overall = sample s.d. (NIST §6.1.6)
    within, overall, mean = (
        np.abs(np.diff(bores)).mean() / (2 / np.sqrt(np.pi)),
        bores.std(ddof=1),
        bores.mean(),
    )
    assert c["n"] == 100 and c["mean"] == pytest.approx(mean)
    assert c["cp"] == pytest.approx(0.1 / (6 * within)) and c["pp"] == pytest.approx(0.1 / (6 * overall))
    assert c["cpk"] == pytest.approx(min(10.05 - mean, mean - 9.95) / (3 * within))
    assert c["cpk_ci"][0] < c["cpk"] < c["cpk_ci"][1]
    assert c["out_of_spec"] == 1  # the 11.0 mm outlier
    expected = (norm.cdf((9.95 - mean) / overall) + norm.sf((10.05 - mean) / overall)) * 1e6
    assert c["expected_ppm"] == pytest.approx(expected) and c["spec_source"] == "given"
    # 99 bores on five levels and an outlier are not normal: the normal model's Cpk judges nothing, so the verdict
    # is the fitted distribution's, or none where nothing fits (as here)
    assert c["normal"] is False and c["verdict"] == ((c["non_normal"] or {}).get("verdict") or "undetermined")
    assert c["verdict"] == "undetermined"
    # a characteristic without a drawing needs a limit; a name nothing was measured on is named
    missing = plant.get("a-view", f"{BASE}/spc/capability", params={**WINDOW, "characteristic": "bore_mm"})
    assert_error(missing, 422, "no_spec")
    assert_error(
        plant.get("a-view", f"{BASE}/spc/capability", params={**params, "characteristic": "nope"}),
        422,
        "unknown_characteristic",
    )
    assert_error(
        plant.get("a-view", f"{BASE}/spc/capability", params={**params, "lsl": 10.1}), 422, "bad_spec"
    )


RULE = {"id": "hot", "name": "과열", "kind": "threshold", "signal": "temp", "threshold": 80, "hold_s": 0}


def test_a_webhook_to_a_local_or_private_address_is_refused_when_the_rule_is_saved(plant, monkeypatch):
    monkeypatch.delenv("SANDAN_WEBHOOK_PRIVATE", raising=False)
    for url in ("http://169.254.169.254/latest/meta-data", "http://127.0.0.1:8600/x", "http://localhost/x"):
        r = plant.post("a-eng", f"{BASE}/alerts/rules", json={**RULE, "webhook_url": url})
        err = assert_error(r, 422, "private_webhook")
        assert "SANDAN_WEBHOOK_PRIVATE=1" in err["message"]["en"] and "사설 주소" in err["message"]["ko"]
    # a public address, or a name (resolved when an alert is sent), is kept; the operator may allow the rest
    assert (
        plant.post(
            "a-eng", f"{BASE}/alerts/rules", json={**RULE, "webhook_url": "https://hooks.example.com/a"}
        ).status_code
        == 201
    )
    monkeypatch.setenv("SANDAN_WEBHOOK_PRIVATE", "1")
    r = plant.post(
        "a-eng",
        f"{BASE}/alerts/rules",
        json={**RULE, "id": "lan", "name": "LAN", "webhook_url": "http://10.0.0.5/hook"},
    )
    assert r.status_code == 201, r.text


def test_rule_crud_follows_roles(plant):
    assert_error(plant.post("a-view", f"{BASE}/alerts/rules", json=RULE), 403)
    r = plant.post("a-eng", f"{BASE}/alerts/rules", json=RULE)
    assert r.status_code == 201, r.text
    assert_error(plant.post("a-eng", f"{BASE}/alerts/rules", json=RULE), 409, "rule_exists")
    assert [x["id"] for x in plant.get("a-view", f"{BASE}/alerts/rules").json()] == ["hot"]
    changed = plant.put("a-eng", f"{BASE}/alerts/rules/hot", json={**RULE, "threshold": 90})
    assert (
        changed.status_code == 200
        and plant.get("a-view", f"{BASE}/alerts/rules/hot").json()["threshold"] == 90
    )
    assert_error(plant.put("a-eng", f"{BASE}/alerts/rules/other", json=RULE), 422, "id_mismatch")
    # a second rule under the same name (the form's button pressed twice made one) is refused, naming it; the rule
    # itself keeps its name when changed
    err = assert_error(
        plant.post("a-eng", f"{BASE}/alerts/rules", json={**RULE, "id": "hot-2", "name": " 과열 "}),
        409,
        "rule_name_exists",
    )
    assert "'과열'" in err["message"]["en"] and "다른 이름을 쓰세요" in err["message"]["ko"]
    assert_error(plant.put("a-eng", f"{BASE}/alerts/rules/hot-2", json={**RULE, "id": "hot-2"}), 409)
    err = assert_error(
        plant.post("a-eng", f"{BASE}/alerts/rules", json={"id": "x", "kind": "threshold"}), 422
    )
    assert "signal" in err["message"]["en"]
    # the Korean message is Korean throughout (it used to carry the English sentence after a Korean prefix)
    assert "신호, 한계값이 필요합니다" in err["message"]["ko"] and "needs" not in err["message"]["ko"]
    assert_error(
        plant.post("a-eng", f"{BASE}/alerts/rules", json={**RULE, "id": "y", "machine_ids": ["zz"]}), 404
    )
    # a rule on a name no data carries would never fire: refused, naming what there is
    err = assert_error(
        plant.post("a-eng", f"{BASE}/alerts/rules", json={**RULE, "id": "y", "signal": "tmep"}),
        422,
        "unknown_signal",
    )
    assert "signals: temp" in err["message"]["en"] and "신호: temp" in err["message"]["ko"]
    spc = {"id": "z", "kind": "spc", "chart": "imr", "characteristic": "bore_mn"}
    err = assert_error(plant.post("a-eng", f"{BASE}/alerts/rules", json=spc), 422, "unknown_characteristic")
    assert "bore_mm" in err["message"]["en"]
    assert (
        plant.post("a-eng", f"{BASE}/alerts/rules", json={**spc, "characteristic": "bore_mm"}).status_code
        == 201
    )
    assert plant.client.delete(f"{BASE}/alerts/rules/hot", headers=plant.auth("a-eng")).status_code == 204
    assert_error(plant.get("a-view", f"{BASE}/alerts/rules/hot"), 404)
    assert plant.get("b-eng", "/api/v1/companies/bravo/alerts/rules").json() == []


def test_a_limit_outside_the_signals_valid_range_is_refused(plant):
    # m1's temp is valid from 0 to 500 degC: above -99999 would fire on every reading, above 900 never
    for method, path in (("post", f"{BASE}/alerts/rules"), ("put", f"{BASE}/alerts/rules/hot")):
        send = getattr(plant.client, method)
        for limit, fires in ((-99999, "fire on every reading"), (900, "never fire")):
            r = send(path, json={**RULE, "threshold": limit}, headers=plant.auth("a-eng"))
            err = assert_error(r, 422, "limit_outside_range")
            assert err["where"]["field"] == "threshold"
            assert f"the limit {limit} lies outside" in err["message"]["en"] and fires in err["message"]["en"]
            assert "0–500 degC" in err["message"]["en"] and "0에서 500 사이의 한계값" in err["message"]["ko"]
    assert plant.get("a-view", f"{BASE}/alerts/rules").json() == []
    assert plant.post("a-eng", f"{BASE}/alerts/rules", json={**RULE, "threshold": 450}).status_code == 201


def test_inbox_lists_alerts_and_acknowledgement_records_who_and_why(plant):
    assert plant.post("a-eng", f"{BASE}/alerts/rules", json=RULE).status_code == 201
    now = datetime.now(SEOUL) - timedelta(minutes=1)
    row = {"time": now.isoformat(), "machine_id": "m1", "signal": "temp", "value": 120}
    assert ingest_readings(plant.store, "acme", [row]).rejected == 0
    alerts = open_alert_store(plant.client.app.state.settings.data_dir)
    (change,) = evaluate_alerts(plant.store, "acme", now + timedelta(seconds=1), alerts=alerts)
    inbox = plant.get("a-view", f"{BASE}/alerts", params={"status": "open"}).json()
    assert (inbox["open"], inbox["unacknowledged"]) == (1, 1)
    item = inbox["items"][0]
    assert item["id"] == change.alert_id and "120" in item["message"]["en"] and item["message"]["ko"]
    path = f"{BASE}/alerts/{item['id']}/acknowledge"
    assert_error(plant.post("a-view", path, json={"comment": "x"}), 403)
    r = plant.post("a-eng", path, json={"comment": "냉각 팬 교체 예정"})
    assert r.status_code == 200, r.text
    assert (r.json()["acked_by"], r.json()["ack_comment"]) == ("a-eng", "냉각 팬 교체 예정")
    assert_error(plant.post("a-admin", path, json={"comment": "again"}), 409, "already_acknowledged")
    assert plant.get("a-view", f"{BASE}/alerts").json()["unacknowledged"] == 0
    assert any(a["action"] == "alert.acknowledge" for a in plant.get("a-admin", f"{BASE}/audit").json())
    assert plant.get("b-eng", "/api/v1/companies/bravo/alerts").json()["total"] == 0


def test_a_posted_prediction_opens_an_alert(plant):
    rule = {"id": "risk", "kind": "prediction", "threshold": 0.5}
    assert plant.post("a-eng", f"{BASE}/alerts/rules", json=rule).status_code == 201
    r = plant.post("a-eng", f"{BASE}/alerts/predictions", json={"machine_id": "m2", "probability": 0.7})
    assert r.status_code == 200 and r.json()["changes"][0]["event"] == "opened"
    assert_error(
        plant.post("a-eng", f"{BASE}/alerts/predictions", json={"machine_id": "m2", "probability": 2}), 422
    )


def test_benchmark_with_two_companies_shows_nothing(plant):
    body = plant.get("a-view", f"{BASE}/peers", params=WINDOW).json()
    assert body["family"] == "forging"
    for m in body["metrics"].values():
        assert not m["shown"] and m["quantiles"] is None and m["mine"] is None and m["companies"] is None
    assert_error(plant.get("a-eng", "/api/v1/monitor/peers"), 403)
    ops = plant.get("ops", "/api/v1/monitor/peers", params=WINDOW)
    assert ops.status_code == 200 and [f["family"] for f in ops.json()["families"]] == ["forging", "complex"]
    body = plant.get("a-view", f"{BASE}/peers", params={**WINDOW, "scope": "complex"}).json()
    assert body["family"] == "complex" and not body["metrics"]["oee"]["shown"]  # two companies in the complex
    assert_error(plant.get("a-view", f"{BASE}/peers", params={**WINDOW, "scope": "world"}), 422)


def test_the_alert_evaluator_starts_and_stops_with_the_app(world, tmp_path):
    app = create_app(Settings(data_dir=tmp_path / "d"), store=world.store)
    app.state.alert_interval_s = 0.05
    with TestClient(app):
        evaluator = app.state.alert_evaluator
        assert evaluator.running
    assert not evaluator.running
    off = create_app(Settings(data_dir=tmp_path / "d"), store=world.store)
    off.state.alert_interval_s = 0
    with TestClient(off):
        assert off.state.alert_evaluator is None


def test_the_operator_sees_the_complex_oee_from_summed_elements(plant):
    # bravo runs its press all of the first hour at exactly its ideal cycle, then nothing: a different mix from acme
    s = plant.store
    s.upsert_machine(
        "bravo", Machine(id="p1", company_id="bravo", line_id="l1", name="P1", ideal_cycle_time_s=30)
    )
    end_run = START + timedelta(hours=1)
    assert ingest_events(
        s, "bravo", [{"machine_id": "p1", "start": START.isoformat(), "end": end_run.isoformat(), "state": "running"}]
    ).rejected == 0  # fmt: skip
    parts = [
        {"time": (START + timedelta(seconds=30 * (i + 1))).isoformat(), "machine_id": "p1", "result": "ok"}
        for i in range(119)
    ]
    assert ingest_parts(s, "bravo", parts).rejected == 0
    assert plant.get("a-admin", "/api/v1/monitor/oee", params=WINDOW).status_code == 403
    body = plant.get("ops", "/api/v1/monitor/oee", params=WINDOW).json()
    rows = {r["company_id"]: r for r in body["companies"]}
    assert rows["acme"]["oee"] == pytest.approx(oee_report(s, "acme", START, END).overall()["oee"])
    overall = body["overall"]
    assert overall["produced_qty"] == rows["acme"]["produced_qty"] + rows["bravo"]["produced_qty"] == 219
    run = rows["acme"]["run_time_s"] + rows["bravo"]["run_time_s"]
    busy = rows["acme"]["planned_busy_time_s"] + rows["bravo"]["planned_busy_time_s"]
    assert overall["availability"] == pytest.approx(run / busy)  # a ratio of sums, not a mean of ratios
    # good over produced of both, each part weighted by its ideal cycle time (so OEE is the fully productive
    # share of planned time): not (0.95 + 1) / 2
    ideal_good = sum(rows[c]["ideal_good_time_s"] for c in ("acme", "bravo"))
    ideal_all = sum(rows[c]["ideal_production_time_s"] for c in ("acme", "bravo"))
    assert overall["quality"] == pytest.approx(ideal_good / ideal_all)
    assert overall["quality"] != pytest.approx((rows["acme"]["quality"] + rows["bravo"]["quality"]) / 2)
