"""Alert rules: each kind fires on its pattern, opens once, closes with hysteresis; webhook and e-mail delivery
to real local servers; acknowledgement; the evaluator thread starts and stops."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sandan.collect import ingest_parts, ingest_readings
from sandan.domain import Company, Conflict, InvalidInput, Line, Machine, NotFound, Signal, Site
from sandan.monitor.alert_store import AlertStore
from sandan.monitor.alerts import (
    AlertEvaluator,
    AlertRule,
    Delivery,
    DeliverySender,
    SignalName,
    acknowledge_alert,
    check_rule_subject,
    evaluate_alerts,
    plain_number,
    report_prediction,
    wait_for_deliveries,
)
from tests.conftest import free_port as _dead_port
from tests.monitor.conftest import COMPANY, add_events, add_parts, kst, spread

T0 = kst("2025-03-10", "09:00")
QUIET = Delivery(backoff_s=0.0, private_webhooks=True)  # the tests' receivers are on 127.0.0.1


@pytest.fixture
def alerts(tmp_path):
    a = AlertStore(tmp_path / "alerts.sqlite")
    yield a
    a.close()


def readings(store, machine: str, signal: str, points: list[tuple[float, float]]) -> None:
    """points: (minutes after T0, value)."""
    rows = [
        {"time": (T0 + timedelta(minutes=m)).isoformat(), "machine_id": machine, "signal": signal, "value": v}
        for m, v in points
    ]
    receipt = ingest_readings(store, COMPANY, rows, register_signals=True)
    assert receipt.rejected == 0, receipt.issues


def rule(alerts, **fields) -> AlertRule:
    r = AlertRule(**fields)
    alerts.put_rule(COMPANY, r.id, r.model_dump(mode="json"), "kim")
    return r


def run(store, alerts, minutes: float, **kw):
    """Evaluate at T0 + minutes, then wait for the round's deliveries (sent in the background)."""
    changes = evaluate_alerts(
        store, COMPANY, T0 + timedelta(minutes=minutes), alerts=alerts, delivery=QUIET, **kw
    )
    assert wait_for_deliveries()
    return changes


def events(changes) -> list[tuple[str, str]]:
    return [(c.event, c.subject) for c in changes]


# ---- each kind fires on its pattern ---------------------------------------------------------------------
def test_threshold_opens_once_and_does_not_refire_while_the_value_stays_high(plant, alerts):
    rule(alerts, id="hot", kind="threshold", signal="temp", threshold=80, hold_s=120)
    readings(plant, "M1", "temp", [(0, 70), (1, 85), (2, 90)])
    readings(plant, "M2", "temp", [(0, 60), (2, 61)])
    assert events(run(plant, alerts, 1)) == [("opened", "M1/temp")]
    assert run(plant, alerts, 2) == []
    assert alerts.count_alerts(COMPANY, "open") == 1
    assert alerts.list_alerts(COMPANY)[0]["value"] == 90


def test_an_alert_closes_only_after_the_condition_stays_clear_for_the_hold_time(plant, alerts):
    rule(alerts, id="hot", kind="threshold", signal="temp", threshold=80, hold_s=120, window_s=60)
    readings(plant, "M1", "temp", [(0, 85), (1, 70), (2, 86), (3, 70), (4, 70), (5, 70)])
    assert events(run(plant, alerts, 0)) == [("opened", "M1/temp")]
    assert run(plant, alerts, 1) == []  # clear for 0 s
    assert run(plant, alerts, 2) == []  # back above: the clear time starts again, no second alert
    assert run(plant, alerts, 3) == []  # clear since minute 3
    assert run(plant, alerts, 4) == []  # 60 s < 120 s hold
    assert events(run(plant, alerts, 5)) == [("closed", "M1/temp")]
    assert alerts.count_alerts(COMPANY) == 1
    closed = alerts.list_alerts(COMPANY)[0]
    assert closed["status"] == "closed" and closed["closed_at"] == T0 + timedelta(minutes=5)


def test_after_closing_a_new_alert_opens_when_the_condition_returns(plant, alerts):
    rule(alerts, id="hot", kind="threshold", signal="temp", threshold=80, hold_s=0, window_s=60)
    readings(plant, "M1", "temp", [(0, 85), (1, 70), (2, 90)])
    assert events(run(plant, alerts, 0)) == [("opened", "M1/temp")]
    assert events(run(plant, alerts, 1)) == [("closed", "M1/temp")]
    assert events(run(plant, alerts, 2)) == [("opened", "M1/temp")]
    assert alerts.count_alerts(COMPANY) == 2


def test_below_threshold_fires_on_low_values(plant, alerts):
    rule(alerts, id="cold", kind="threshold", signal="pressure", threshold=5, direction="below")
    readings(plant, "M1", "pressure", [(0, 4.2)])
    readings(plant, "M2", "pressure", [(0, 6.0)])
    assert events(run(plant, alerts, 0)) == [("opened", "M1/pressure")]


def test_rate_of_change_fires_on_a_fast_rise_but_not_on_a_steady_signal(plant, alerts):
    rule(alerts, id="ramp", kind="rate_of_change", signal="temp", threshold=2.0, window_s=600)
    readings(plant, "M1", "temp", [(0, 50), (2, 54), (4, 60)])  # 2.5 per minute
    readings(plant, "M2", "temp", [(0, 50), (2, 50.5), (4, 51)])  # 0.25 per minute
    changes = run(plant, alerts, 4)
    assert events(changes) == [("opened", "M1/temp")]
    assert alerts.get_alert(COMPANY, changes[0].alert_id)["value"] == pytest.approx(2.5)


def test_no_data_fires_for_a_silent_machine_only(plant, alerts):
    rule(alerts, id="silent", kind="no_data", line_id="L1", window_s=600)
    readings(plant, "M1", "temp", [(0, 50), (9, 51)])
    readings(plant, "M2", "temp", [(-30, 50)])  # last heard 30 minutes before T0
    assert events(run(plant, alerts, 9)) == [("opened", "M2")]
    readings(plant, "M2", "temp", [(10, 50)])
    rule(alerts, id="silent", kind="no_data", line_id="L1", window_s=600, hold_s=0)
    assert events(run(plant, alerts, 10)) == [("closed", "M2")]


def test_spc_rule_fires_when_the_latest_point_breaks_a_run_rule(plant, alerts):
    rule(alerts, id="bore", kind="spc", characteristic="bore_mm", chart="imr", window_s=86_400)
    base = [10.0 + 0.01 * ((i * 7) % 5 - 2) for i in range(30)]
    rows = [
        {
            "time": (T0 + timedelta(minutes=i)).isoformat(),
            "machine_id": "M1",
            "part_id": f"p{i}",
            "result": "ok",
            "measures": {"bore_mm": v},
        }
        for i, v in enumerate(base)
    ]
    assert ingest_parts(plant, COMPANY, rows).rejected == 0
    assert run(plant, alerts, 30) == []  # in control
    out = {"time": (T0 + timedelta(minutes=31)).isoformat(), "machine_id": "M1", "part_id": "p31"}
    assert (
        ingest_parts(plant, COMPANY, [{**out, "result": "ok", "measures": {"bore_mm": 11.0}}]).rejected == 0
    )
    changes = run(plant, alerts, 32)
    assert events(changes) == [("opened", "bore_mm")]
    alert = alerts.get_alert(COMPANY, changes[0].alert_id)
    assert "3σ" in alert["message_en"] and "관리한계" in alert["message_ko"]


def test_an_spc_rule_with_a_phase_i_judges_today_against_last_weeks_limits(plant, alerts):
    """A bore that moved 0.1 mm overnight and stays there is in control against limits from the day's own
    points; a rule whose limits come from a fixed phase I (the day before) sees it."""

    def parts(day: int, centre: float) -> list[dict]:
        return [
            {
                "time": (T0 + timedelta(days=day, minutes=i)).isoformat(),
                "machine_id": "M1",
                "part_id": f"d{day}-{i}",
                "result": "ok",
                "measures": {"bore_mm": centre + 0.01 * ((i * 7) % 5 - 2)},
            }
            for i in range(30)
        ]

    assert ingest_parts(plant, COMPANY, parts(0, 10.0) + parts(1, 10.1)).rejected == 0
    rule(alerts, id="window", kind="spc", characteristic="bore_mm", chart="imr", window_s=6 * 3600)
    fixed = rule(
        alerts,
        id="fixed",
        kind="spc",
        characteristic="bore_mm",
        chart="imr",
        window_s=6 * 3600,
        baseline_start=T0 - timedelta(hours=1),
        baseline_end=T0 + timedelta(hours=2),
    )
    check_rule_subject(plant, COMPANY, fixed)
    # the chart begins at phase I's start, not at a window that reaches further back (those points set the limits
    # too, and the rules list said otherwise)
    from sandan.monitor.alerts import spc_rule_start

    wide = fixed.model_copy(update={"window_s": 30 * 86_400.0})
    assert spc_rule_start(wide, T0 + timedelta(days=1)) == T0 - timedelta(hours=1)
    assert spc_rule_start(fixed, T0 + timedelta(days=1)) == T0 - timedelta(hours=1)
    changes = run(plant, alerts, 24 * 60 + 30)
    assert [(c.event, c.rule_id) for c in changes] == [("opened", "fixed")]
    assert "3σ" in alerts.get_alert(COMPANY, changes[0].alert_id)["message_en"]


@pytest.mark.parametrize(
    ("fields", "en", "ko"),
    [
        ({"baseline_end": T0}, "needs both", "모두 필요합니다"),
        ({"baseline_start": T0, "baseline_end": T0 - timedelta(hours=1)}, "must be before", "보다 앞이어야"),
        (
            {"baseline_start": datetime(2025, 3, 1), "baseline_end": datetime(2025, 3, 2)},
            "time zone",
            "시간대",
        ),
        (
            {
                "kind": "threshold",
                "signal": "temp",
                "threshold": 80,
                "baseline_start": T0,
                "baseline_end": T0,
            },
            "for SPC rules only",
            "관리도 규칙에만",
        ),
    ],
)
def test_a_phase_i_is_two_times_in_order_with_a_zone_and_only_for_spc(fields, en, ko):
    from pydantic import ValidationError

    from sandan.domain.errors import invalid_input_from

    body = {"id": "r", "kind": "spc", "chart": "p", **fields}
    with pytest.raises(ValidationError) as refused:
        AlertRule(**body)
    wrong = invalid_input_from(refused.value)
    assert en in wrong.en and ko in wrong.ko


def test_a_phase_i_without_points_is_refused_when_the_rule_is_saved(plant, alerts):
    empty = AlertRule(
        id="r",
        kind="spc",
        characteristic="bore_mm",
        chart="imr",
        baseline_start=T0 - timedelta(days=30),
        baseline_end=T0 - timedelta(days=29),
    )
    ingest_parts(
        plant,
        COMPANY,
        [
            {
                "time": T0.isoformat(),
                "machine_id": "M1",
                "part_id": "p",
                "result": "ok",
                "measures": {"bore_mm": 1},
            }
        ],
    )
    with pytest.raises(InvalidInput) as refused:
        check_rule_subject(plant, COMPANY, empty)
    assert refused.value.code == "bad_baseline" and refused.value.where["field"] == "baseline_start"
    assert "phase I gives no control limits" in refused.value.en and "1단계로" in refused.value.ko


def test_a_scrap_p_chart_rule_says_whose_scrap_it_watches(plant, alerts):
    """A p-chart rule with no machine named watches every machine's parts together, and its alert says so."""
    rule(alerts, id="scrap", kind="spc", chart="p", subgroup="h", window_s=30 * 3600)
    rows = []
    for h in range(24):
        for i in range(40):
            bad = i < (24 if h == 23 else 2)  # 5 % scrap for 23 hours, then 60 % in the last
            rows.append(
                {
                    "time": (T0 + timedelta(hours=h, minutes=i)).isoformat(),
                    "machine_id": "M1" if i % 2 else "M2",
                    "part_id": f"h{h}-{i}",
                    "result": "ng" if bad else "ok",
                }
            )
    assert ingest_parts(plant, COMPANY, rows).rejected == 0
    changes = run(plant, alerts, 24 * 60)
    assert events(changes) == [("opened", "scrap/p")]
    alert = alerts.get_alert(COMPANY, changes[0].alert_id)
    assert alert["message_en"].startswith("scrap share of all machines together (")
    assert alert["message_ko"].startswith("전체 설비 합계 불량률 (")


def test_oee_drop_fires_for_the_machine_below_target(plant, alerts):
    start, end = kst("2025-03-10", "08:00"), kst("2025-03-10", "10:00")
    add_events(plant, [("M1", start, end, "running", None), ("M2", start, end, "down", "spindle")])
    add_parts(plant, "M1", spread(start, end, 110))  # ideal 60 s: 110 parts in 2 h ≈ 92 %
    rule(alerts, id="oee", kind="oee_drop", threshold=0.6, line_id="L1", window_s=7200)
    changes = evaluate_alerts(plant, COMPANY, end, alerts=alerts, delivery=QUIET)
    assert events(changes) == [("opened", "M2")]
    opened = alerts.get_alert(COMPANY, changes[0].alert_id)
    assert opened["value"] == 0.0
    # the message says which window the figure is of (a dashboard's 24 h OEE of the same machine differs)
    assert "over the last 2 h" in opened["message_en"] and "최근 2시간" in opened["message_ko"]
    # and names the machine as people know it, its id beside (it named only the id)
    assert "OEE of CNC 2 (M2) over" in opened["message_en"] and "CNC 2 (M2)의 OEE" in opened["message_ko"]


def test_a_reported_prediction_above_the_limit_opens_an_alert_at_once(plant, alerts):
    rule(alerts, id="ng-risk", kind="prediction", threshold=0.5, hold_s=0)
    changes = report_prediction(
        plant, COMPANY, "M1", 0.82, model="lgbm", at=T0, alerts=alerts, delivery=QUIET
    )
    assert events(changes) == [("opened", "M1/lgbm")]
    assert report_prediction(plant, COMPANY, "M1", 0.9, model="lgbm", at=T0, alerts=alerts) == []
    later = T0 + timedelta(minutes=1)
    changes = report_prediction(
        plant, COMPANY, "M1", 0.1, model="lgbm", at=later, alerts=alerts, delivery=QUIET
    )
    assert events(changes) == [("closed", "M1/lgbm")]


def test_a_stale_prediction_does_not_hold_an_alert_open(plant, alerts):
    rule(alerts, id="ng-risk", kind="prediction", threshold=0.5, hold_s=0, window_s=600)
    report_prediction(plant, COMPANY, "M1", 0.9, at=T0, alerts=alerts, delivery=QUIET)
    assert events(run(plant, alerts, 11)) == [("closed", "M1/default")]


def test_predictions_for_unknown_machines_or_impossible_probabilities_are_refused(plant, alerts):
    with pytest.raises(NotFound):
        report_prediction(plant, COMPANY, "nope", 0.5, at=T0, alerts=alerts)
    with pytest.raises(InvalidInput):
        report_prediction(plant, COMPANY, "M1", 1.5, at=T0, alerts=alerts)


def test_rules_say_what_they_miss():
    with pytest.raises(ValueError, match="signal, threshold"):
        AlertRule(id="x", kind="threshold")
    with pytest.raises(ValueError, match="fraction"):
        AlertRule(id="x", kind="oee_drop", threshold=60)
    with pytest.raises(ValueError, match="http"):
        AlertRule(id="x", kind="no_data", webhook_url="file:///etc/passwd")
    # rules that could never fire, or would fire on every check
    with pytest.raises(ValueError, match="leave it out for every machine"):
        AlertRule(id="x", kind="no_data", machine_ids=[])
    with pytest.raises(ValueError, match="'M1' more than once"):
        AlertRule(id="x", kind="no_data", machine_ids=["M1", "M2", "M1"])
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        AlertRule(id="x", kind="no_data", window_s=0.0001)


def test_rules_and_alerts_of_one_company_are_invisible_to_another(plant, alerts):
    plant.upsert_company(Company(id="bravo", name="브라보"))
    rule(alerts, id="hot", kind="threshold", signal="temp", threshold=80)
    readings(plant, "M1", "temp", [(0, 99)])
    run(plant, alerts, 0)
    assert alerts.list_rules("bravo") == [] and alerts.list_alerts("bravo") == []
    assert evaluate_alerts(plant, "bravo", T0, alerts=alerts, delivery=QUIET) == []
    alert_id = alerts.list_alerts(COMPANY)[0]["id"]
    assert alerts.get_alert("bravo", alert_id) is None
    with pytest.raises(NotFound):
        acknowledge_alert(alerts, "bravo", alert_id, "lee", "not mine")


# ---- acknowledgement ------------------------------------------------------------------------------------
def test_acknowledge_records_who_when_and_the_comment_once(plant, alerts):
    rule(alerts, id="hot", kind="threshold", signal="temp", threshold=80)
    readings(plant, "M1", "temp", [(0, 99)])
    alert_id = run(plant, alerts, 0)[0].alert_id
    acked = acknowledge_alert(alerts, COMPANY, alert_id, "kim", " 냉각수 밸브 점검 중 ", T0)
    assert (acked["acked_by"], acked["ack_comment"], acked["acked_at"]) == ("kim", "냉각수 밸브 점검 중", T0)
    assert acked["status"] == "open"  # acknowledging does not close: the condition still holds
    with pytest.raises(Conflict):
        acknowledge_alert(alerts, COMPANY, alert_id, "park", "again")


# ---- delivery to real servers ---------------------------------------------------------------------------
class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []
    fail_first = 0

    def do_POST(self):  # noqa: N802 - the http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        cls = type(self)
        if cls.fail_first > 0:
            cls.fail_first -= 1
            self.send_response(503)
            self.end_headers()
            return
        cls.received.append(body)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook():
    class Hook(_Hook):
        received = []
        fail_first = 0

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", Hook
    server.shutdown()
    server.server_close()


def test_webhook_receives_the_opening_and_closing_as_json(plant, alerts, webhook):
    url, hook = webhook
    rule(alerts, id="hot", name="주축 과열", kind="threshold", signal="temp", threshold=80, hold_s=0,
         window_s=60, webhook_url=url, severity="critical")  # fmt: skip
    readings(plant, "M1", "temp", [(0, 95), (1, 60)])
    alert_id = run(plant, alerts, 0)[0].alert_id
    run(plant, alerts, 1)
    assert [b["event"] for b in hook.received] == ["opened", "closed"]
    first = hook.received[0]
    assert first["alert"]["id"] == alert_id and first["alert"]["company_id"] == COMPANY
    assert first["alert"]["severity"] == "critical" and first["rule"]["name"] == "주축 과열"
    assert "95" in first["alert"]["message"]["en"] and "한계" in first["alert"]["message"]["ko"]
    assert [(d["event"], d["ok"]) for d in alerts.list_deliveries(COMPANY, alert_id)] == [
        ("opened", True),
        ("closed", True),
    ]


def test_webhook_is_retried_after_a_server_error(plant, alerts, webhook):
    url, hook = webhook
    hook.fail_first = 2
    rule(alerts, id="hot", kind="threshold", signal="temp", threshold=80, webhook_url=url)
    readings(plant, "M1", "temp", [(0, 95)])
    alert_id = run(plant, alerts, 0)[0].alert_id
    assert len(hook.received) == 1
    (d,) = alerts.list_deliveries(COMPANY, alert_id)
    assert d["ok"] and d["attempts"] == 3


def test_an_unreachable_webhook_is_recorded_as_failed_and_the_alert_still_opens(plant, alerts):
    rule(alerts, id="hot", kind="threshold", signal="temp", threshold=80,
         webhook_url=f"http://127.0.0.1:{_dead_port()}/hook")  # fmt: skip
    readings(plant, "M1", "temp", [(0, 95)])
    t = time.perf_counter()
    alert_id = run(plant, alerts, 0)[0].alert_id
    assert time.perf_counter() - t < 5
    (d,) = alerts.list_deliveries(COMPANY, alert_id)
    assert not d["ok"] and d["attempts"] == QUIET.retries and d["error"]
    assert alerts.get_alert(COMPANY, alert_id)["status"] == "open"


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    class Inbox:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's handler API
            self.messages.append(envelope)
            return "250 Message accepted for delivery"

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_dead_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def test_email_is_delivered_in_korean_and_english(plant, alerts, smtp_server):
    import email

    controller, inbox = smtp_server
    delivery = Delivery(smtp_host="127.0.0.1", smtp_port=controller.port, smtp_from="alerts@sandan.test")
    rule(alerts, id="hot", name="주축 과열", kind="threshold", signal="temp", threshold=80,
         email_to=["kim@acme.test", "line-lead@acme.test"])  # fmt: skip
    readings(plant, "M1", "temp", [(0, 95)])
    changes = evaluate_alerts(plant, COMPANY, T0, alerts=alerts, delivery=delivery)
    assert wait_for_deliveries()
    (envelope,) = inbox.messages
    assert envelope.mail_from == "alerts@sandan.test"
    assert sorted(envelope.rcpt_tos) == ["kim@acme.test", "line-lead@acme.test"]
    msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert "주축 과열" in msg["Subject"] and "ALERT" in msg["Subject"]
    body = msg.get_content()
    assert "M1 temp = 95" in body and "한계 80 초과" in body
    (d,) = alerts.list_deliveries(COMPANY, changes[0].alert_id)
    assert d["channel"] == "email" and d["ok"]


# ---- the background evaluator ---------------------------------------------------------------------------
def test_the_evaluator_thread_runs_rounds_and_stops(plant, alerts):
    rule(alerts, id="hot", kind="threshold", signal="temp", threshold=80, window_s=3600)
    just_now = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    row = {"time": just_now, "machine_id": "M1", "signal": "temp", "value": 95}
    assert ingest_readings(plant, COMPANY, [row], register_signals=True).rejected == 0
    ev = AlertEvaluator(plant, alerts, interval_s=0.05, delivery=QUIET).start()
    deadline = time.monotonic() + 5
    while alerts.count_alerts(COMPANY) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    ev.stop()
    assert not ev.running and ev.rounds >= 1
    assert alerts.count_alerts(COMPANY, "open") == 1


def test_one_companys_hung_receiver_holds_up_its_own_deliveries_only():
    import threading

    gate, sent, at_once, lock = threading.Event(), [], [], threading.Lock()
    busy = {"a": 0}

    def hung(i):
        def send():
            with lock:
                busy["a"] += 1
                at_once.append(busy["a"])
            gate.wait(10)  # a receiver that does not answer
            with lock:
                busy["a"] -= 1
                sent.append(f"a{i}")

        return send

    sender = DeliverySender(senders=4, per_lane=4)
    refused = []
    for i in range(4):
        sender.submit(hung(i), refused.append, lane="acme")
    sender.submit(lambda: sent.append("b"), refused.append, lane="beta")
    deadline = time.monotonic() + 5
    while "b" not in sent and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sent == ["b"]  # beta's webhook went out while acme's first was still hanging
    sender.submit(hung(4), refused.append, lane="acme")
    sender.submit(hung(5), refused.append, lane="acme")  # a fifth waiting in one lane: recorded at once
    assert refused == [4]
    gate.set()
    assert sender.wait(10)
    # one company's go out in the order given, one at a time
    assert sent == ["b", "a0", "a1", "a2", "a3", "a4"] and max(at_once) == 1


def test_rounds_are_timed_from_their_start_so_a_long_round_does_not_stretch_the_interval(plant, alerts):
    class _Slow(AlertEvaluator):
        def run_once(self, now=None):
            time.sleep(0.4)  # a round over many companies' rules
            return {}

    ev = _Slow(plant, alerts, interval_s=1.0, delivery=QUIET)
    assert ev.wait_s() == 1.0
    ev.tick()
    assert 0.1 <= ev.wait_s() <= 0.6  # the next round begins a second after this one began
    ev.interval_s = 0.2
    ev.tick()
    assert ev.wait_s() == pytest.approx(0.02)  # longer than its interval: a short breath, then the next


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"kind": "threshold", "signal": "spindle_temp", "threshold": 120.0}, "spindle_temp > 120"),
        ({"kind": "threshold", "signal": "oil_bar", "direction": "below", "threshold": 2.5}, "oil_bar < 2.5"),
        ({"kind": "oee_drop", "threshold": 0.6}, "OEE < 60%"),
        ({"kind": "no_data", "signal": "melt_temp_c"}, "melt_temp_c: 10 min"),  # the kind's default window
        ({"kind": "no_data", "window_s": 1800}, "*: 30 min"),
        ({"kind": "spc", "characteristic": "bore_mm"}, "imr bore_mm"),
        ({"kind": "prediction", "threshold": 0.3}, "P(ng) > 0.3"),
    ],
)
def test_a_rule_says_its_condition_in_a_few_symbols(fields, shown):
    assert AlertRule(id="r1", **fields).condition == shown


# ---- limits inside the signal's range; numbers and signals as people write them ---------------------------
@pytest.fixture
def moulder(store):
    """Both stores: an injection moulder whose cavity pressure is valid from 0 to 1500 bar, a second moulder
    whose sensor reads up to 2000 bar, and a press whose force has no range."""
    store.upsert_company(Company(id=COMPANY, name="에이크미 사출"))
    store.upsert_site(COMPANY, Site(id="s1", company_id=COMPANY, name="본공장"))
    store.upsert_line(COMPANY, Line(id="L1", company_id=COMPANY, site_id="s1", name="사출 라인"))
    for mid, name in (("imm-05", "사출기 5호기"), ("imm-06", "사출기 6호기"), ("press-01", "프레스 1호기")):
        store.upsert_machine(COMPANY, Machine(id=mid, company_id=COMPANY, line_id="L1", name=name))
    pressure = {
        "name": "cavity_pressure_bar",
        "unit": "bar",
        "description": "최대 캐비티 압력 / peak cavity pressure",
    }
    store.upsert_signals(
        COMPANY,
        [
            Signal(company_id=COMPANY, machine_id="imm-05", min_value=0, max_value=1500, **pressure),
            Signal(company_id=COMPANY, machine_id="imm-06", min_value=0, max_value=2000, **pressure),
            Signal(company_id=COMPANY, machine_id="press-01", name="force_kn", unit="kN"),
        ],
    )
    return store


def limit_rule(threshold: float, direction: str = "above", **fields) -> AlertRule:
    return AlertRule(
        id="r",
        kind="threshold",
        signal="cavity_pressure_bar",
        direction=direction,
        threshold=threshold,
        **fields,
    )


def test_a_limit_below_the_signals_range_is_refused_naming_the_range_and_the_fix(moulder):
    with pytest.raises(InvalidInput) as refused:
        check_rule_subject(moulder, COMPANY, limit_rule(-99999, machine_ids=["imm-05"]))
    err = refused.value
    assert (err.code, err.where["field"]) == ("limit_outside_range", "threshold")
    assert err.en == (
        "the limit -99999 lies outside peak cavity pressure's valid range 0–1500 bar, so the rule (above) would "
        "fire on every reading; give a limit between 0 and 1500"
    )
    assert err.ko == (
        "한계값 -99999는 최대 캐비티 압력의 유효 범위 0–1500 bar 밖에 있어 이 규칙(초과)은 모든 측정값에서 "
        "울립니다. 0에서 1500 사이의 한계값을 입력하세요"
    )


@pytest.mark.parametrize(
    ("threshold", "direction", "machines", "fires"),
    [
        (1600, "above", ["imm-05"], "never fire"),
        (-1, "below", ["imm-05"], "never fire"),
        (1600, "below", ["imm-05"], "fire on every reading"),
        (2500, "above", None, "never fire"),  # every machine: beyond the widest range of them
    ],
)
def test_a_limit_outside_the_range_is_refused_either_way(moulder, threshold, direction, machines, fires):
    with pytest.raises(InvalidInput, match=fires) as refused:
        check_rule_subject(moulder, COMPANY, limit_rule(threshold, direction, machine_ids=machines))
    assert refused.value.code == "limit_outside_range"


def test_a_limit_inside_the_range_or_on_a_signal_without_one_is_accepted(moulder):
    check_rule_subject(moulder, COMPANY, limit_rule(1200, machine_ids=["imm-05"]))
    check_rule_subject(moulder, COMPANY, limit_rule(1499, machine_ids=["imm-05"]))
    # on the edge it looks beyond, a rule can never fire: no reading above 1500 is ever stored
    with pytest.raises(InvalidInput, match="would never fire") as edge:
        check_rule_subject(moulder, COMPANY, limit_rule(1500, machine_ids=["imm-05"]))
    assert edge.value.code == "limit_outside_range"
    # said as the edge it is, and the fix a limit inside the range (1500 is "between 0 and 1500" already)
    assert "is the edge of peak cavity pressure's valid range 0–1500 bar" in edge.value.en
    assert edge.value.en.endswith("give a limit below 1500 (inside the range)")
    assert "범위 0–1500 bar의 끝이라" in edge.value.ko and "1500보다 작은" in edge.value.ko
    check_rule_subject(moulder, COMPANY, limit_rule(1800))  # imm-06 reads up to 2000 bar
    no_range = AlertRule(
        id="f", kind="threshold", signal="force_kn", threshold=-99999, machine_ids=["press-01"]
    )
    check_rule_subject(moulder, COMPANY, no_range)


def test_an_alert_names_the_signal_with_its_unit_and_writes_numbers_plainly(moulder, alerts):
    # a rule stored before limits were checked still runs; its texts write -99999, not -1e+05
    rule(alerts, id="any", kind="threshold", signal="cavity_pressure_bar", threshold=-99999, hold_s=0)
    row = {"time": T0.isoformat(), "machine_id": "imm-05", "signal": "cavity_pressure_bar", "value": 1234.567}
    assert ingest_readings(moulder, COMPANY, [row]).rejected == 0
    (opened,) = run(moulder, alerts, 1)
    alert = alerts.get_alert(COMPANY, opened.alert_id)
    assert alert["subject"] == "imm-05/cavity_pressure_bar"  # the id stays the alert's key
    assert alert["message_en"] == "imm-05 peak cavity pressure (bar) = 1235, above the limit -99999"
    assert alert["message_ko"] == "imm-05 최대 캐비티 압력 (bar) = 1235, 한계 -99999 초과"


@pytest.mark.parametrize(
    ("value", "significant", "shown"),
    [
        (-99999, None, "-99999"),
        (1500.0, None, "1500"),
        (0.0025, None, "0.0025"),
        (1234567.0, None, "1234567"),
        (1e-7, None, "0.0000001"),
        (441.2345, 4, "441.2"),
        (123456.7, 4, "123457"),  # never rounded left of the point
        (-99999, 4, "-99999"),
        (0.000123456, 4, "0.0001235"),
        (-0.0, None, "0"),
    ],
)
def test_numbers_are_written_plainly(value, significant, shown):
    assert plain_number(value, significant) == shown


def test_a_rule_writes_its_limit_plainly_and_names_the_signal_as_given():
    assert limit_rule(1234567).condition == "cavity_pressure_bar > 1234567"
    assert limit_rule(0.0025, "below").condition == "cavity_pressure_bar < 0.0025"
    assert AlertRule(id="o", kind="oee_drop", threshold=0.07).condition == "OEE < 7%"
    named = SignalName("cavity_pressure_bar", "peak cavity pressure", "최대 캐비티 압력", "bar")
    assert limit_rule(1200).condition_naming(named.label("en")) == "peak cavity pressure (bar) > 1200"
    assert limit_rule(1200).condition_naming(named.label("ko")) == "최대 캐비티 압력 (bar) > 1200"


def test_a_rule_stored_before_a_check_it_fails_is_skipped_not_failing_the_companys_other_rules(plant, alerts):
    # a limit rule saved with an empty signal (allowed before): evaluating the company's rules skips it, the
    # other rules still run, and the alerts page shows it as no longer valid
    from sandan.monitor.alerts import stored_rule

    old = {"id": "old", "kind": "threshold", "signal": "", "threshold": 2.05}
    alerts.put_rule(COMPANY, "old", old, None)
    kept, why = stored_rule(old)
    assert kept is None and "Signal" in why.en and "신호" in why.ko
    rule(alerts, id="hot", kind="threshold", signal="temp", threshold=80, hold_s=120)
    readings(plant, "M1", "temp", [(0, 70), (1, 85)])
    assert events(run(plant, alerts, 1)) == [("opened", "M1/temp")]  # the valid rule still fires


def test_a_missing_limit_is_named_as_the_form_labels_it():
    with pytest.raises(ValueError) as missing:
        AlertRule(id="x", kind="threshold", signal="temp")
    (err,) = missing.value.errors()
    assert err["ctx"]["en"] == "a ‘Reading beyond a limit’ rule needs “Limit” (threshold)"
    assert err["ctx"]["ko"] == "‘측정값 한계 초과’ 규칙에는 한계값이 필요합니다 (threshold)"
    with pytest.raises(ValueError) as missing:
        AlertRule(id="x", kind="oee_drop")
    assert "OEE 목표가 필요합니다" in missing.value.errors()[0]["ctx"]["ko"]
    # the form's empty signal choice names no signal: a limit rule on it would never fire, so it is refused
    with pytest.raises(ValueError) as missing:
        AlertRule(id="x", kind="threshold", signal=" ", threshold=2.05)
    assert missing.value.errors()[0]["ctx"]["en"].startswith("a ‘Reading beyond a limit’ rule needs “")
    assert "(signal)" in missing.value.errors()[0]["ctx"]["en"]


def test_a_webhook_to_a_local_or_private_address_is_refused_unless_the_operator_allows_it(webhook):
    """A member's rule posted to any address, the platform's own services and a cloud's metadata included."""
    url, hook = webhook
    payload = {"event": "opened"}
    for target in (
        url,
        "http://169.254.169.254/latest/meta-data",
        "http://localhost:9/x",
        "http://10.0.0.1/x",
    ):
        ok, attempts, error = Delivery(backoff_s=0.0).post_webhook(target, payload)
        assert (ok, attempts) == (False, 1) and "SANDAN_WEBHOOK_PRIVATE=1" in error, target
    assert hook.received == []
    assert Delivery(backoff_s=0.0, private_webhooks=True).post_webhook(url, payload)[0]
    assert hook.received == [payload]
