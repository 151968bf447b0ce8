"""The import pages over HTTP (no browser): an empty upload is a message on the upload form; an import the check
says would stop is not started and the preview comes back with the choices kept; an import that stopped links back
to its mapping. And the pages around it: a whole file's quarantine entry by its name and size, not its bytes; an
unknown guided flow is a 404; every audit action has its words."""

from __future__ import annotations

import ast
import html
import io
import json
import re
import time
from pathlib import Path

from sandan.store import QuarantineItem
from sandan.web import i18n


def _upload(client, name: str, data: bytes) -> str:
    r = client.post("/companies/acme/import", files={"file": (name, io.BytesIO(data), "text/csv")})
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[1]


def _form(page: str) -> list[tuple[str, str]]:
    """The mapping form's fields as the browser would post them."""
    form = re.search(r'<form method="post" id="mapping-form".*?</form>', page, re.S).group(0)
    fields = []
    for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form):
        fields.append((m.group(1), html.unescape(m.group(2))))
    for m in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', m.group(2))
        fields.append((m.group(1), html.unescape(chosen.group(1)) if chosen else ""))
    for m in re.finditer(r'<input name="(timezone)"[^>]*value="([^"]*)"', form):
        fields.append((m.group(1), m.group(2)))
    return fields


def test_an_empty_upload_is_said_on_the_upload_form(site):
    client, _ = site
    r = client.post("/companies/acme/import", files={"file": ("빈.csv", io.BytesIO(b""), "text/csv")})
    assert r.status_code == 422
    assert 'id="upload-form"' in r.text and "빈.csv" in r.text and "비어 있습니다" in r.text


def test_an_import_the_check_says_would_stop_is_not_started_and_its_choices_stay(site):
    client, _ = site
    upload = _upload(client, "nomachine.csv", b"time,value,signal\n2026-05-01 08:00:00,1,spindle_temp\n")
    page = client.get(f"/companies/acme/import/{upload}").text
    assert re.search(r'id="run-import"\s+disabled', page), "Import stays on although the import would stop"
    assert 'id="run-blocked"' in page
    fields = [f for f in _form(page) if f[0] != "machine_id"]
    r = client.post(f"/companies/acme/import/{upload}", data=dict(fields))
    assert r.status_code == 422 and "가져오기를 시작하지 않았습니다" in r.text
    assert _form(r.text) == _form(page)  # the mapping as the user left it
    assert not [j for j in client.get("/api/v1/companies/acme/jobs").json() if j.get("kind") == "import"]


def test_an_import_that_stopped_links_back_to_its_mapping_with_the_choices_kept(site):
    client, _ = site
    rows = "".join(
        f"2026-05-01 08:{i // 60 % 60:02d}:{i % 60:02d},cnc-01,spindle_temp,{i % 90}\n" for i in range(9000)
    )
    data = (
        "time,machine,signal,value\n" + rows
    ).encode() + b"2026-05-01 09:00:00,cnc-01,spindle_temp,\xff\xfe\n"
    upload = _upload(client, "broken.csv", data)
    page = client.get(f"/companies/acme/import/{upload}").text
    fields = _form(page)
    r = client.post(f"/companies/acme/import/{upload}", data=dict(fields))
    assert r.status_code == 303
    job_url = r.headers["location"]
    for _ in range(200):
        job = client.get(job_url)
        if "job-error" in job.text:
            break
        time.sleep(0.05)
    assert 'id="job-error"' in job.text
    back = re.search(
        r'<form method="post" action="([^"]+)" id="back-to-mapping">(.*?)</form>', job.text, re.S
    )
    assert back and back.group(1) == f"/companies/acme/import/{upload}/check"
    posted = [
        (m.group(1), html.unescape(m.group(2)))
        for m in re.finditer(r'name="([^"]+)" value="([^"]*)"', back.group(2))
    ]
    again = client.post(back.group(1), data=dict(posted))
    assert again.status_code == 200 and _form(again.text) == fields


def test_the_import_says_which_sheet_it_read_and_names_the_others_with_data(site):
    # a workbook of one sheet per day: only the first was read, and the page said nothing of the others
    from datetime import datetime

    from openpyxl import Workbook

    client, _ = site
    book = Workbook()
    book.active.title = "표지"
    for title, day in (("12월07일", 7), ("12월08일", 8)):
        sheet = book.create_sheet(title)
        sheet.append(["time", "machine", "signal", "value"])
        sheet.append([datetime(2026, 12, day, 9), "cnc-01", "spindle_temp", 40])
    data = io.BytesIO()
    book.save(data)
    r = client.post(
        "/companies/acme/import",
        files={"file": ("days.xlsx", data.getvalue(), "application/vnd.ms-excel")},
    )
    assert r.status_code == 303, r.text
    upload = r.headers["location"].rsplit("/", 1)[1]
    page = client.get(f"/companies/acme/import/{upload}").text
    r = client.post(f"/companies/acme/import/{upload}", data=dict(_form(page)))
    assert r.status_code == 303, r.text
    for _ in range(200):
        job = client.get(r.headers["location"])
        if 'id="receipt"' in job.text:
            break
        time.sleep(0.05)
    notes = [html.unescape(n) for n in re.findall(r'<p class="notice warn receipt-note">(.*?)</p>', job.text)]
    assert any("'12월07일'" in n and "'12월08일'" in n for n in notes), notes


def test_a_whole_files_reject_shows_its_name_and_size_not_its_bytes(site):
    client, store = site
    raw = json.dumps(
        {
            "file": "wrong_header.xlsx",
            "size": 4876,
            "sha256": "ab" * 32,
            "head": "PK\u0003\u0004\u0014\u0000",
            "kind": "reading",
        }
    )
    store.add_quarantine(
        "acme",
        [
            QuarantineItem(
                "file:wrong_header.xlsx",
                "file",
                raw,
                "missing_column",
                "required column missing",
                "필수 열 없음",
                {"file": "wrong_header.xlsx"},
                "b1",
            )
        ],
    )
    listed = client.get("/companies/acme/quarantine").text
    item_id = store.list_quarantine("acme")[0]["id"]
    shown = client.get(f"/companies/acme/quarantine/{item_id}").text
    for page in (listed, shown):
        assert "PK\\u0003" not in page and "PK\u0003" not in page and "\u0014" not in page
        assert "wrong_header.xlsx" in page and "4,876바이트" in page
    assert "텍스트가 아님" in shown


def test_an_unknown_guided_flow_is_not_found(site):
    client, _ = site
    r = client.get("/companies/acme/assist/flows/bogus")
    assert r.status_code == 404 and "assist.flow.bogus" not in r.text
    assert client.get("/companies/acme/assist/flows/quality").status_code == 200


def test_every_audit_action_has_its_words_in_both_languages():
    actions = set()
    for path in Path("src/sandan").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", "")) == "audit"
            ):
                actions |= {
                    a.value
                    for a in node.args
                    if isinstance(a, ast.Constant)
                    and isinstance(a.value, str)
                    and re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", a.value)
                }
    assert "model.train.start" in actions
    for action in sorted(actions):
        for lang in ("en", "ko"):
            assert i18n.t(f"audit.{action}", lang) != f"audit.{action}", (action, lang)
