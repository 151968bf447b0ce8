"""The quarantine pages over HTTP (no browser): a reason narrows the list by its words in the page language, and a
record shows as its filled, labelled fields with the JSON as received kept behind a click."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sandan.collect import Origin, ingest_parts, ingest_readings
from sandan.collect.quarantine import keep_reject

SEOUL = ZoneInfo("Asia/Seoul")


def _options(page: str) -> dict[str, str]:
    select = re.search(r'<select name="reason".*?</select>', page, re.S)
    assert select, "the list has no reason filter"
    found = re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(0))
    return {value: html.unescape(words).strip() for value, words in found}


def _record_cell(page: str) -> tuple[str, str]:
    """The record cell of the list's only row: (its fields, its raw JSON), as text."""
    cells = re.findall(r'<td class="q-record">(.*?)</td>', page, re.S)
    assert len(cells) == 1, cells
    fields, _, raw = cells[0].partition("<details")
    return html.unescape(fields), html.unescape(raw)


def _local(minutes_ago: int) -> str:
    return (datetime.now(SEOUL) - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%d %H:%M:%S")


def test_the_reason_filter_names_each_reason_in_the_page_language_and_keeps_the_code_as_its_value(site):
    client, store = site
    rows = [
        {"time": "2026-05-01T08:00:00Z", "machine_id": "cnc-01", "signal": "spindle_temp", "value": 900},
        {"time": "2026-05-01T08:00:01Z", "machine_id": "cnc-01", "signal": "spindle_temp", "value": 901},
        {"time": "2026-05-01T08:00:02Z", "machine_id": "cnc-01", "signal": "spindle_temp", "value": "n/a"},
        {"time": "2026-05-01T08:00:03Z", "machine_id": "cnc-99", "signal": "spindle_temp", "value": 1},
    ]
    assert ingest_readings(store, "acme", rows).rejected == 4
    # a connector's own code has no title: its latest message stands for it
    keep_reject(
        store,
        "acme",
        "mqtt:x",
        "message",
        "{",
        "gateway_said_no",
        "the gateway refused",
        "게이트웨이가 거부함",
    )

    korean = _options(client.get("/companies/acme/quarantine").text)
    assert korean == {
        "": "모든 사유",
        "out_of_range": "유효 범위를 벗어난 값 (2)",
        "bad_number": "숫자가 아닌 값 (1)",
        "unknown_machine": "등록되지 않은 설비 (1)",
        "gateway_said_no": "게이트웨이가 거부함 (1)",
    }
    client.cookies.set("lang", "en")
    english = _options(client.get("/companies/acme/quarantine").text)
    assert english["out_of_range"] == "value outside the valid range (2)"
    assert english["bad_number"] == "not a number (1)"
    assert english["gateway_said_no"] == "the gateway refused (1)"


def test_a_listed_record_shows_its_filled_fields_by_their_import_names_and_keeps_the_json(site):
    client, store = site
    row = {
        "time": _local(30),
        "machine_id": "cnc-01",
        "part_id": "P-7",
        "result": "글쎄",
        "defect_type": None,
    }
    row["param:spindle_speed_rpm"] = 2400  # a parameter column of a spreadsheet, as the file import passes it
    assert ingest_parts(store, "acme", [row], Origin(source="file", timezone="Asia/Seoul")).rejected == 1

    fields, raw = _record_cell(client.get("/companies/acme/quarantine").text)
    text = re.sub(r"<[^>]+>", " ", fields)
    assert re.search(r"부품 번호\s+P-7", text) and re.search(r"설비\s+cnc-01", text)
    assert re.search(r"공정 조건: 주축 회전수 \(spindle_speed_rpm\)\s+2400", text)  # named in words
    # the rejected value is marked, empty fields are left out, and nothing reads as JSON
    assert re.search(r'판정 \(양품/불량\)</span> <span class="badge ng"[^>]*>글쎄<', fields)
    assert "불량 유형" not in text and "null" not in text and "{" not in text
    # the evidence: the record exactly as received, nulls included
    assert '"defect_type": null' in raw and '"result": "글쎄"' in raw


def test_a_replayed_record_shows_what_was_stored_as_fields_with_the_corrections_marked(site):
    client, store = site
    row = {
        "time": _local(20),
        "machine_id": "cnc-01",
        "part_id": "P-8",
        "result": "글쎄",
        "defect_type": None,
    }
    ingest_parts(store, "acme", [row], Origin(source="file", timezone="Asia/Seoul"))
    item_id = store.list_quarantine("acme")[0]["id"]
    fixed = {**row, "result": "불량", "defect_type": "버"}
    api = f"/api/v1/companies/acme/quarantine/{item_id}/replay"
    assert client.post(api, json={"record": fixed, "timezone": "Asia/Seoul"}).json()["replayed"] is True

    page = client.get(f"/companies/acme/quarantine/{item_id}").text
    stored = re.search(r'<div class="record" id="q-stored">(.*?)</div>', page, re.S)
    assert stored, "the stored record is not shown as fields"
    changed = dict(re.findall(r'data-key="([^"]+)" data-changed[^>]*><span class="muted">[^<]*</span> <strong>([^<]*)', stored.group(1)))  # fmt: skip
    assert changed == {"result": "불량", "defect_type": "버"}
    assert "P-8" in stored.group(1) and "{" not in stored.group(1)
    raw = html.unescape(re.search(r'<pre class="raw" id="q-stored-raw">(.*?)</pre>', page, re.S).group(1))
    assert json.loads(raw) == fixed
    assert re.search(
        r"저장된 그대로 \(JSON\)</summary><pre class=\"raw\" id=\"q-stored-raw\"", page
    )  # not "원본"
    original = re.search(r'<div class="record" id="q-original">(.*?)</div>', page, re.S).group(1)
    assert "글쎄" in original and "불량 유형" not in original  # as received: its empty defect type left out
