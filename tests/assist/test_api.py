"""The assistant's API and pages over the real app: ask (JSON and SSE), documents, flows, and tenant isolation."""

from __future__ import annotations

import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from sandan.accounts import issue_token
from sandan.api import create_app
from sandan.web.shell import LANG_COOKIE, SESSION_COOKIE

D = "daesung-plastics"


@pytest.fixture(scope="module")
def client(world):
    app = create_app(world.settings, store=world.store)
    with TestClient(app) as c:
        yield c


def _auth(world, user: str) -> dict[str, str]:
    found = world.store.user_for_login(user)
    return {"Authorization": f"Bearer {issue_token(world.store, found[0])}"}


def test_ask_returns_a_cited_answer(world, client):
    r = client.post(
        f"/api/v1/companies/{D}/assist/ask",
        json={"question": "불량 파레토 보여줘", "lang": "ko"},
        headers=_auth(world, "daesung"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mode"] == "no_llm" and body["citations"] and body["steps"][0]["tool"] == "defect_pareto"


def test_ask_streams_server_sent_events_ending_with_the_answer(world, client):
    with client.stream(
        "POST",
        f"/api/v1/companies/{D}/assist/ask/stream",
        json={"question": "What is the OEE of IMM 2?", "lang": "en"},
        headers=_auth(world, "daesung"),
    ) as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        text = "".join(r.iter_text())
    events = [block.split("\n")[0].removeprefix("event: ") for block in text.strip().split("\n\n")]
    assert events[0] == "status" and events[-1] == "answer"
    last = json.loads(text.strip().split("\n\n")[-1].split("\n", 1)[1].removeprefix("data: "))
    assert last["answer"]["steps"][0]["tool"] == "oee"


def test_an_empty_question_is_a_clear_422(world, client):
    r = client.post(
        f"/api/v1/companies/{D}/assist/ask", json={"question": ""}, headers=_auth(world, "daesung")
    )
    assert r.status_code == 422


def test_documents_upload_list_delete_and_another_company_cannot_see_them(world, client):
    head = _auth(world, "daesung")
    r = client.post(
        f"/api/v1/companies/{D}/assist/documents",
        headers=head,
        files={"file": ("kaizen.md", "# 개선 제안\n금형 냉각수 유량 점검".encode(), "text/markdown")},
    )
    assert r.status_code == 201, r.text
    doc_id = r.json()["id"]
    names = [d["name"] for d in client.get(f"/api/v1/companies/{D}/assist/documents", headers=head).json()]
    assert "kaizen.md" in names
    other = _auth(world, "sejin")
    assert client.get(f"/api/v1/companies/{D}/assist/documents", headers=other).status_code in (403, 404)
    assert client.delete(f"/api/v1/companies/{D}/assist/documents/{doc_id}", headers=other).status_code in (
        403,
        404,
    )
    assert client.post(
        f"/api/v1/companies/{D}/assist/ask", json={"question": "개선 제안"}, headers=other
    ).status_code in (403, 404)
    sejin_docs = client.get("/api/v1/companies/sejin-press/assist/documents", headers=other).json()
    assert all(d["name"] != "kaizen.md" for d in sejin_docs)
    assert client.delete(f"/api/v1/companies/{D}/assist/documents/{doc_id}", headers=head).status_code == 204


def test_a_bad_upload_is_refused_with_a_bilingual_message(world, client):
    r = client.post(
        f"/api/v1/companies/{D}/assist/documents",
        headers=_auth(world, "daesung"),
        files={"file": ("plan.xlsx", b"PK...", "application/octet-stream")},
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "unsupported_document"
    assert r.json()["error"]["message"]["ko"]


def test_the_quality_flow_answers_every_step_with_sources(world, client):
    r = client.post(
        f"/api/v1/companies/{D}/assist/flows/quality",
        json={"machine_id": "imm-02", "period": "last_24h", "lang": "en"},
        headers=_auth(world, "daesung"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [s["key"] for s in body["sections"]] == [
        "trend",
        "why",
        "machines",
        "pareto",
        "lots",
        "drivers",
        "spc",
        "settings",
        "standard",
    ]
    assert body["answer"]["citations"] and body["answer"]["safety"]["ok"]


def test_the_pages_render_for_the_companys_user(world, client):
    token = issue_token(world.store, world.store.user_for_login("daesung")[0], kind="session")
    client.cookies.set(SESSION_COOKIE, token)
    try:
        page = client.get(f"/companies/{D}/assist", params={"q": "로트별 불량률 보여줘"})
        assert (
            page.status_code == 200
            and 'id="citations"' in page.text
            and "sandan.monitor.quality_table" in page.text
        )
        # an answer that rests on nothing has no empty "sources" heading
        chat = client.get(f"/companies/{D}/assist", params={"q": "What settings should I change?"})
        assert chat.status_code == 200 and 'id="citations"' not in chat.text
        flow = client.get(f"/companies/{D}/assist/flows/production", params={"line_id": "inj-a"})
        assert flow.status_code == 200 and 'data-step="bottleneck"' in flow.text
        # the whole plant: the twin's steps ask for a line instead of failing on a missing argument
        plant = client.get(f"/companies/{D}/assist/flows/production").text
        assert "라인(또는 설비)을 고르세요" in plant and "missing required" not in plant
        docs = client.get(f"/companies/{D}/assist/documents")
        assert docs.status_code == 200 and "사출_작업표준서.md" in docs.text
        assert client.get("/companies/sejin-press/assist/documents").status_code in (403, 404)
    finally:
        client.cookies.clear()


def test_fixture_documents_exist_in_both_languages():
    names = [p.name for p in (Path(__file__).parent / "docs").iterdir()]
    assert any(n.endswith(".pdf") for n in names) and any(n.endswith(".docx") for n in names)


@pytest.mark.parametrize(
    ("lang", "question", "header", "machine"),
    [
        ("ko", "오늘 설비별 OEE 알려줘", "시간 가동률", "사출기 2호기"),
        ("en", "What is the OEE of each machine today?", "Availability", "IMM 2"),
    ],
)
def test_the_answer_page_shows_labelled_percentages_and_plant_local_times(
    world, client, monkeypatch, lang, question, header, machine
):
    from sandan.assist.assistant import Assistant
    from sandan.web import assist as assist_pages

    # the page's own assistant, on the clock of the world's history (so the window has data to show)
    monkeypatch.setattr(
        assist_pages, "_assistant", lambda page, cid: Assistant(page.store, cid, page.settings, now=world.now)
    )
    token = issue_token(world.store, world.store.user_for_login("daesung")[0], kind="session")
    client.cookies.set(SESSION_COOKIE, token)
    client.cookies.set(LANG_COOKIE, lang)
    try:
        page = client.get(f"/companies/{D}/assist", params={"q": question}).text
    finally:
        client.cookies.clear()
    assert f'<th data-key="availability">{header}</th>' in page and ">effectiveness<" not in page
    assert re.search(r'<td class="num">[1-9]\d?\.\d%</td>', page)  # a ratio reads as a percentage
    assert f">{machine}<" in page  # machines by their name in the page's language, the id beside it
    citations = page[page.index('id="citations"') :]
    plant_now = world.now.astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m-%d %H:%M")  # the site's zone
    assert "+00:00" not in citations
    # the source reads in words; the exact call, times on the plant's clock too, is folded beneath it
    words, call = ("⚙ 설비종합효율(OEE) · ", "호출 내용") if lang == "ko" else ("⚙ OEE · ", "exact call")
    assert words in citations and f"– {plant_now} KST ·" in citations
    folded = citations[citations.index('<details class="call">') :]
    assert f"<summary>{call}</summary>" in folded and f"end={plant_now} KST" in folded


def test_the_quality_flow_page_lists_its_sources_in_words(world, client, monkeypatch):
    from sandan.assist.assistant import Assistant
    from sandan.web import assist as assist_pages

    monkeypatch.setattr(
        assist_pages, "_assistant", lambda page, cid: Assistant(page.store, cid, page.settings, now=world.now)
    )
    token = issue_token(world.store, world.store.user_for_login("daesung")[0], kind="session")
    client.cookies.set(SESSION_COOKIE, token)
    client.cookies.set(LANG_COOKIE, "ko")
    try:
        page = client.get(
            f"/companies/{D}/assist/flows/quality", params={"machine_id": "imm-01", "period": "last_24h"}
        ).text
    finally:
        client.cookies.clear()
    sources = page[page.index('class="citations"') :]
    # each step's source by what it looked up, for which machine, not by the function it called
    assert "⚙ 불량률 · 사출기 1호기 · " in sources and "⚙ 불량 파레토 · 사출기 1호기 · " in sources
    assert sources.count('<details class="call">') == sources.count("⚙ ") > 2
    assert "sandan.monitor.quality_table(" in sources  # the exact call stays one click away
