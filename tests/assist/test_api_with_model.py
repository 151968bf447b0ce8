"""The assistant's API and page with a language model (the local scripted server) over the real app: a misbehaving
model, a fault while an answer streams, figures the model wrote that no tool returned, and who is offered to
confirm a pending action. They check the plumbing only; no model quality is claimed from them."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from sandan.accounts import create_user, issue_token
from sandan.api import create_app
from sandan.api.assist import _sse
from sandan.domain.model import Role
from sandan.web.shell import LANG_COOKIE, SESSION_COOKIE
from tests.assist.scripted_llm import Turn

D = "daesung-plastics"
VIEWER = "daesung-viewer"


@pytest.fixture
def client(world, llm):
    settings = world.settings.model_copy(
        update={
            "llm_base_url": llm.base_url,
            "llm_model": "scripted",
            "llm_max_retries": 0,
            "llm_timeout_s": 10,
        }
    )
    if world.store.user_for_login(VIEWER) is None:
        create_user(world.store, VIEWER, "viewer-pass-123", Role.viewer, D, name="viewer")
    with TestClient(create_app(settings, store=world.store), raise_server_exceptions=False) as c:
        yield c


def _auth(world, user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(world.store, world.store.user_for_login(user)[0])}"}


def _page(world, client, user: str, question: str, lang: str = "ko") -> str:
    client.cookies.set(
        SESSION_COOKIE, issue_token(world.store, world.store.user_for_login(user)[0], kind="session")
    )
    client.cookies.set(LANG_COOKIE, lang)
    try:
        r = client.get(f"/companies/{D}/assist", params={"q": question})
    finally:
        client.cookies.clear()
    assert r.status_code == 200, r.text[:500]
    return r.text


def _events(text: str) -> list[tuple[str, dict]]:
    out = []
    for block in text.strip().split("\n\n"):
        kind, data = block.split("\n", 1)
        out.append((kind.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return out


def test_arguments_that_are_no_object_are_retried_on_every_route(world, client, llm):
    retried = [Turn(tool_calls=[("oee", "[1]")]), Turn(tool_calls=[("oee", '{"machine_id": "imm-02"}')])]
    llm.script = [*retried, Turn(content="Done.")]
    r = client.post(
        f"/api/v1/companies/{D}/assist/ask",
        json={"question": "imm-02 OEE?", "lang": "en"},
        headers=_auth(world, "daesung"),
    )
    assert r.status_code == 200, r.text[:300]
    assert r.json()["mode"] == "llm" and r.json()["steps"][0]["tool"] == "oee"
    llm.script = [*retried, Turn(content="Done.")]
    r = client.post(
        f"/api/v1/companies/{D}/assist/ask/stream",
        json={"question": "imm-02 OEE?", "lang": "en"},
        headers=_auth(world, "daesung"),
    )
    events = _events(r.text)
    assert r.status_code == 200 and events[-1][0] == "answer"
    assert any(kind == "notice" and e["notice"]["code"] == "retry_tool_call" for kind, e in events)
    llm.script = [*retried, Turn(content="Done.")]
    page = _page(world, client, "daesung", "imm-02 OEE?")
    assert 'id="answer" data-mode="llm"' in page


def test_a_fault_while_streaming_ends_with_a_bilingual_error_event_and_a_logged_traceback(caplog):
    def answer_that_breaks():
        yield {"event": "status", "tool": "oee", "arguments": {}}
        raise RuntimeError("a bug in a tool")

    with caplog.at_level(logging.ERROR, logger="sandan.api"):
        events = _events(b"".join(_sse(answer_that_breaks())).decode())
    assert [kind for kind, _ in events] == ["status", "error"]
    error = events[-1][1]
    incident = error["where"]["incident"]
    assert error["code"] == "internal_error"
    assert (
        error["message"]["en"].startswith("something went wrong on the server")
        and incident in error["message"]["en"]
    )
    assert (
        error["message"]["ko"].startswith("서버에서 오류가 발생했습니다")
        and incident in error["message"]["ko"]
    )
    assert "a bug in a tool" not in json.dumps(error)  # the details stay in the log
    logged = [r for r in caplog.records if incident in r.getMessage()]
    assert logged and logged[0].exc_info and "a bug in a tool" in str(logged[0].exc_info[1])


def test_only_people_who_may_confirm_are_offered_the_confirm_button(world, client, llm):
    change = json.dumps({"machine_id": "imm-02", "parameter": "melt_temp_c", "value": 230})
    for user, offered in (("daesung", True), (VIEWER, False)):
        llm.script = [Turn(tool_calls=[("request_setting_change", change)]), Turn(content="요청했습니다.")]
        page = _page(world, client, user, "2호기 용융 온도를 230으로 바꿔")
        assert ('class="pending"' in page) is offered and ("확인하고 실행" in page) is offered
        if not offered:
            assert "회사의 엔지니어나 관리자의 확인을 기다리는 작업" in page and "data-pending=" in page


def test_the_page_marks_an_answer_whose_figures_no_tool_returned(world, client, llm):
    llm.script = [
        Turn(tool_calls=[("defect_rate", json.dumps({"machine_id": "imm-02"}))]),
        Turn(content="사출기 2호기 불량률은 0.37%로 매우 양호합니다 [defect_rate]"),
    ]
    page = _page(world, client, "daesung", "2호기 불량률?")
    assert '<p class="notice warn" data-code="unverified_figures">' in page
    assert "답에 나온 다음 수치는 공장 데이터에서 나온 것이 아닙니다. 행동하기 전에 확인하세요: 0.37%" in page
    assert 'data-grounded="no"' in page
