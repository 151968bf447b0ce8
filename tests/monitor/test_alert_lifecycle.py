"""An alert's life beyond its condition: its rule deleted or turned off, missing data, two evaluations at once, a
failed round, and deliveries that fail in unforeseen ways (a line break in a name, 429, a URL no client reads)."""

from __future__ import annotations

import email
import json
import sqlite3
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sandan.monitor.alert_store import AlertStore
from sandan.monitor.alerts import (
    AlertEvaluator,
    Delivery,
    evaluate_alerts,
    report_prediction,
    retire_rule_alerts,
    wait_for_deliveries,
)
from tests.conftest import free_port
from tests.monitor.conftest import COMPANY, add_parts, kst, spread
from tests.monitor.test_alerts import QUIET, T0, events, readings, rule, run


@pytest.fixture
def alerts(tmp_path):
    a = AlertStore(tmp_path / "alerts.sqlite")
    yield a
    a.close()


class _Receiver(BaseHTTPRequestHandler):
    """A webhook receiver answering each POST with the next of `answers` (status, headers), then 204."""

    received: list[dict] = []
    answers: list[tuple[int, dict[str, str]]] = []
    delay_s = 0.0

    def do_POST(self):  # noqa: N802 - the http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        cls = type(self)
        time.sleep(cls.delay_s)
        cls.received.append(body)
        status, headers = cls.answers.pop(0) if cls.answers else (204, {})
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    class Receiver(_Receiver):
        received = []
        answers = []
        delay_s = 0.0

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", Receiver
    server.shutdown()
    server.server_close()


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
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, inbox
    controller.stop()


def mails(inbox) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(e.content, policy=email.policy.default) for e in inbox.messages]


# ---- 1. a rule deleted or turned off --------------------------------------------------------------------
def test_a_deleted_rules_open_alert_closes_as_removed_and_no_cleared_message_goes_out(
    plant, alerts, receiver
):
    url, hook = receiver
    rule(alerts, id="hot", kind="threshold", signal="temp", threshold=80, hold_s=0, webhook_url=url)
    rule(alerts, id="other", kind="threshold", signal="temp", threshold=200)
    readings(plant, "M1", "temp", [(0, 95)])
    (opened,) = run(plant, alerts, 0)
    alerts.delete_rule(COMPANY, "hot")
    assert run(plant, alerts, 1) == []
    closed = alerts.get_alert(COMPANY, opened.alert_id)
    assert closed["status"] == "closed" and closed["closed_at"] == T0 + timedelta(minutes=1)
    assert closed["message_en"].startswith("closed because rule hot was deleted, not because it cleared")
    assert "M1 temp = 95" in closed["message_en"]
    assert closed["message_ko"].startswith("규칙 hot이(가) 삭제되어 닫았습니다(해제 아님)")
    assert alerts.count_alerts(COMPANY, "open") == 0
    assert [b["event"] for b in hook.received] == ["opened"]


def test_a_rule_turned_off_closes_its_open_alerts_at_once_and_in_the_next_round(plant, alerts, receiver):
    url, hook = receiver
    hot = rule(alerts, id="hot", kind="threshold", signal="temp", threshold=80, hold_s=0, webhook_url=url)
    readings(plant, "M1", "temp", [(0, 95)])
    readings(plant, "M2", "temp", [(0, 96)])
    first = run(plant, alerts, 0)
    assert len(first) == 2
    # what the API's PUT of a rule with enabled=false does
    rule(alerts, **{**hot.model_dump(), "enabled": False})
    closed = retire_rule_alerts(alerts, COMPANY, "hot", "disabled", T0 + timedelta(minutes=1))
    assert sorted(closed) == sorted(c.alert_id for c in first)
    assert retire_rule_alerts(alerts, COMPANY, "hot", "disabled") == []
    for a in alerts.list_alerts(COMPANY):
        assert a["status"] == "closed" and "rule hot was turned off" in a["message_en"]
        assert "규칙 hot이(가) 꺼져 닫았습니다" in a["message_ko"]
    # a rule turned off by a store that did not close them: the next round does
    rule(alerts, **{**hot.model_dump(), "id": "hot2", "name": ""})
    reopened = run(plant, alerts, 2)
    assert len(reopened) == 2
    rule(alerts, **{**hot.model_dump(), "id": "hot2", "enabled": False, "name": ""})
    assert run(plant, alerts, 3) == []
    assert alerts.count_alerts(COMPANY, "open") == 0
    assert [b["event"] for b in hook.received] == ["opened"] * 4


# ---- 2. two evaluations at once -------------------------------------------------------------------------
def test_the_store_keeps_one_open_alert_per_rule_and_subject(alerts):
    def open_one():
        return alerts.open_alert(COMPANY, "r", "M1/temp", kind="threshold", severity="warning", at=T0,
                                 value=1.0, message_en="x", message_ko="x")  # fmt: skip

    first = open_one()
    assert first is not None and open_one() is None
    alerts.close_alert(COMPANY, first, T0)
    assert open_one() not in (None, first)


def test_a_store_file_with_two_open_alerts_for_one_condition_keeps_the_first(tmp_path):
    path = tmp_path / "alerts.sqlite"
    AlertStore(path).close()
    con = sqlite3.connect(path)
    con.execute("DROP INDEX alerts_one_open")
    for _ in range(2):
        con.execute(
            "INSERT INTO alerts (company_id, rule_id, subject, kind, severity, status, opened_at, last_seen_at, "
            "message_en, message_ko) VALUES ('acme', 'r', 's', 'threshold', 'warning', 'open', "
            "'2025-03-10T00:00:00.000000+00:00', '2025-03-10T00:00:00.000000+00:00', 'x', 'x')"
        )
    con.commit()
    con.close()
    store = AlertStore(path)
    assert list(store.open_alerts("acme", "r").values())[0]["id"] == 1
    assert store.count_alerts("acme", "open") == 1 and store.count_alerts("acme", "closed") == 1
    store.close()


def test_the_evaluator_and_a_reported_prediction_at_once_open_one_alert(plant, alerts):
    rule(alerts, id="pred", kind="prediction", threshold=0.5, hold_s=0, window_s=3600)
    for i in range(15):
        now = T0 + timedelta(minutes=10 * i)
        alerts.put_prediction(COMPANY, "M1", "default", 0.9, now)
        gate = threading.Barrier(2)

        def judge(now=now, gate=gate):
            gate.wait()
            evaluate_alerts(plant, COMPANY, now, alerts=alerts, delivery=QUIET, kinds=("prediction",))

        threads = [threading.Thread(target=judge) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert alerts.count_alerts(COMPANY, "open") == 1
        alerts.put_prediction(COMPANY, "M1", "default", 0.1, now + timedelta(minutes=5))
        evaluate_alerts(plant, COMPANY, now + timedelta(minutes=5), alerts=alerts, delivery=QUIET)
        assert alerts.count_alerts(COMPANY, "open") == 0


# ---- 3. a failed round ----------------------------------------------------------------------------------
class _FailsOnce(AlertStore):
    """An alert store whose second read of the companies fails, as a locked or unreadable file does."""

    reads = 0

    def cross_tenant_companies_with_rules(self):
        self.reads += 1
        if self.reads == 2:
            raise sqlite3.OperationalError("database is locked")
        return super().cross_tenant_companies_with_rules()


def test_one_failed_round_does_not_end_the_evaluator_thread(plant, tmp_path, caplog):
    store = _FailsOnce(tmp_path / "alerts.sqlite")
    ev = AlertEvaluator(plant, store, interval_s=0.02, delivery=QUIET).start()
    deadline = time.monotonic() + 5
    while ev.rounds < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    alive = ev.running
    ev.stop()
    store.close()
    assert alive and ev.rounds >= 3 and store.reads >= 4
    assert any("alert evaluation round failed" in r.message and r.exc_info for r in caplog.records)


# ---- 4. deliveries that fail in unforeseen ways ---------------------------------------------------------
def test_a_line_break_in_a_rules_name_is_folded_in_the_email_subject(plant, alerts, smtp_server):
    controller, inbox = smtp_server
    delivery = Delivery(smtp_host="127.0.0.1", smtp_port=controller.port, backoff_s=0)
    rule(alerts, id="m1", name="Spindle\nover-temp", kind="threshold", signal="temp", threshold=80, hold_s=0,
         email_to=["ops@acme.test"])  # fmt: skip
    rule(alerts, id="m2", kind="threshold", signal="temp", threshold=80, hold_s=0)
    readings(plant, "M1", "temp", [(0, 95)])
    changes = evaluate_alerts(plant, COMPANY, T0, alerts=alerts, delivery=delivery)
    assert [c.rule_id for c in changes] == ["m1", "m2"] and wait_for_deliveries()
    (mail,) = mails(inbox)
    assert "Spindle over-temp — M1/temp" in mail["Subject"]
    (d,) = alerts.list_deliveries(COMPANY, changes[0].alert_id)
    assert d["ok"]


def test_a_webhook_no_client_can_read_is_a_failed_delivery_and_the_round_goes_on(plant, alerts):
    rule(
        alerts,
        id="a_bad",
        kind="threshold",
        signal="temp",
        threshold=80,
        hold_s=0,
        webhook_url="http://[::1/hook",
    )
    rule(alerts, id="b_good", kind="threshold", signal="temp", threshold=80, hold_s=0)
    readings(plant, "M1", "temp", [(0, 95)])
    changes = run(plant, alerts, 0)
    assert [c.rule_id for c in changes] == ["a_bad", "b_good"]
    (d,) = alerts.list_deliveries(COMPANY, changes[0].alert_id)
    assert not d["ok"] and d["error"].startswith("the delivery could not be made: ")


# ---- 5. 429 and the words of a failure ------------------------------------------------------------------
def test_a_429_is_retried_after_the_receivers_retry_after(plant, alerts, receiver):
    url, hook = receiver
    hook.answers = [(429, {"Retry-After": "1"})]
    slept: list[float] = []
    delivery = Delivery(private_webhooks=True, backoff_s=0.0, sleep=slept.append)
    rule(alerts, id="hot", kind="threshold", signal="temp", threshold=80, webhook_url=url)
    readings(plant, "M1", "temp", [(0, 95)])
    (opened,) = evaluate_alerts(plant, COMPANY, T0, alerts=alerts, delivery=delivery)
    assert wait_for_deliveries()
    (d,) = alerts.list_deliveries(COMPANY, opened.alert_id)
    assert d["ok"] and d["attempts"] == 2 and slept == [1.0]


def test_a_long_retry_after_is_capped_and_a_failure_is_worded(plant, alerts, receiver):
    url, hook = receiver
    hook.answers = [(429, {"Retry-After": "3600"})] * 3 + [(500, {})] * 3
    slept: list[float] = []
    delivery = Delivery(private_webhooks=True, backoff_s=0.0, sleep=slept.append)
    rule(alerts, id="hot", kind="threshold", signal="temp", threshold=80, hold_s=0, webhook_url=url)
    readings(plant, "M1", "temp", [(0, 95), (1, 20)])
    (opened,) = evaluate_alerts(plant, COMPANY, T0, alerts=alerts, delivery=delivery)
    evaluate_alerts(plant, COMPANY, T0 + timedelta(minutes=1), alerts=alerts, delivery=delivery)
    assert wait_for_deliveries()
    assert slept[:2] == [10.0, 10.0]
    too_many, failed = alerts.list_deliveries(COMPANY, opened.alert_id)
    assert (too_many["attempts"], too_many["error"]) == (3, "HTTP 429 from the receiver after 3 tries")
    assert (failed["attempts"], failed["error"]) == (3, "HTTP 500 from the receiver after 3 tries")


# ---- 6. times in e-mails --------------------------------------------------------------------------------
def test_emails_show_times_on_the_plants_clock_and_webhooks_in_utc(plant, alerts, smtp_server, receiver):
    controller, inbox = smtp_server
    url, hook = receiver
    delivery = Delivery(smtp_host="127.0.0.1", smtp_port=controller.port, private_webhooks=True)
    rule(alerts, id="hot", kind="threshold", signal="temp", threshold=80, hold_s=0, webhook_url=url,
         email_to=["ops@acme.test"])  # fmt: skip
    readings(plant, "M1", "temp", [(1, 95), (2, 20)])
    evaluate_alerts(plant, COMPANY, T0 + timedelta(minutes=1), alerts=alerts, delivery=delivery)
    evaluate_alerts(plant, COMPANY, T0 + timedelta(minutes=2), alerts=alerts, delivery=delivery)
    assert wait_for_deliveries()
    body = mails(inbox)[1].get_content()
    assert "발생 opened: 2025-03-10 09:01 KST" in body and "해제 closed: 2025-03-10 09:02 KST" in body
    assert "+00:00" not in body
    assert hook.received[1]["alert"]["opened_at"] == "2025-03-10T00:01:00+00:00"


# ---- 7. missing data is not a cleared condition ---------------------------------------------------------
def test_a_limit_alert_stays_open_when_the_readings_stop_and_closes_on_a_clear_one(plant, alerts):
    rule(alerts, id="hot", kind="threshold", signal="temp", threshold=80, hold_s=60, window_s=300)
    readings(plant, "M1", "temp", [(0, 90), (1, 91)])
    assert events(run(plant, alerts, 1)) == [("opened", "M1/temp")]
    for minute in (3, 6, 7, 10, 60):
        assert run(plant, alerts, minute) == []
    (alert,) = alerts.list_alerts(COMPANY, "open")
    assert alert["clear_since"] is None
    readings(plant, "M1", "temp", [(61, 50)])
    assert run(plant, alerts, 61) == []
    assert events(run(plant, alerts, 62)) == [("closed", "M1/temp")]


def test_an_oee_alert_stays_open_over_a_weekend_without_planned_time(plant, alerts):
    rule(alerts, id="oee", kind="oee_drop", threshold=0.6, machine_ids=["M1"], hold_s=300)
    friday = kst("2025-03-07", "14:00")
    add_parts(plant, "M1", spread(friday, friday + timedelta(hours=8), 20))

    def at(day: str, clock: str):
        return events(evaluate_alerts(plant, COMPANY, kst(day, clock), alerts=alerts, delivery=QUIET))

    assert at("2025-03-07", "22:00") == [("opened", "M1")]
    assert at("2025-03-08", "16:00") == []
    assert at("2025-03-09", "12:00") == []
    (alert,) = alerts.list_alerts(COMPANY, "open")
    assert alert["clear_since"] is None and "OEE of CNC 1 (M1)" in alert["message_en"]


# ---- 8. deliveries do not hold up the evaluation --------------------------------------------------------
def test_a_slow_webhook_holds_up_neither_the_round_nor_a_reported_prediction(plant, alerts, receiver):
    url, hook = receiver
    hook.delay_s = 1.5
    rule(alerts, id="hot", kind="threshold", signal="temp", threshold=80, webhook_url=url)
    rule(alerts, id="ng-risk", kind="prediction", threshold=0.5, webhook_url=url)
    readings(plant, "M1", "temp", [(0, 95)])
    started = time.monotonic()
    (opened,) = evaluate_alerts(plant, COMPANY, T0, alerts=alerts, delivery=QUIET)
    (predicted,) = report_prediction(plant, COMPANY, "M2", 0.9, at=T0, alerts=alerts, delivery=QUIET)
    assert time.monotonic() - started < 1.5
    assert wait_for_deliveries()
    for change in (opened, predicted):
        (d,) = alerts.list_deliveries(COMPANY, change.alert_id)
        assert d["ok"] and d["event"] == "opened"
    assert [b["alert"]["id"] for b in hook.received] == [opened.alert_id, predicted.alert_id]
