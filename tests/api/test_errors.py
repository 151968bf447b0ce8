"""Every error is one JSON shape with a stable code and an English and Korean message, never a traceback."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient

from tests.api.world import assert_error


def test_project_error_keeps_its_status_code_and_location(world):
    err = assert_error(world.get("a-eng", "/api/v1/companies/acme/machines/m404"), 404, "unknown_machine")
    assert err["where"] == {"machine_id": "m404"}
    assert "m404" in err["message"]["en"] and "m404" in err["message"]["ko"]


def test_validation_error_names_the_field_in_both_languages(world):
    r = world.put(
        "a-eng", "/api/v1/companies/acme/machines/m2", json={"line_id": "l1", "name": "P", "family": "laser"}
    )
    err = assert_error(r, 422, "invalid_request")
    assert err["where"]["field"] == "body.family"
    assert err["message"]["en"].startswith("body.family: ")
    assert err["message"]["ko"] == (
        "body.family: 'cnc', 'forging', 'injection', 'press', 'assembly', 'other' 중 하나여야 합니다"
    )  # the choices once (they were listed twice)


def test_validation_error_lists_every_problem_without_echoing_values(world):
    r = world.client.post("/api/v1/auth/login", json={"user_id": "", "password": 12345678})
    err = assert_error(r, 422, "invalid_request")
    fields = [e["field"] for e in err["where"]["errors"]]
    assert fields == ["body.user_id", "body.password"]
    assert "12345678" not in r.text
    assert "1 more" in err["message"]["en"] and "1개" in err["message"]["ko"]


def test_missing_body_field_is_reported_as_missing(world):
    err = assert_error(world.put("a-eng", "/api/v1/companies/acme/lines/l2", json={"name": "L"}), 422)
    assert err["where"]["field"] == "body.site_id"
    assert "필수 항목" in err["message"]["ko"]


def test_bad_asset_id_from_the_domain_is_422(world):
    err = assert_error(world.put("a-eng", "/api/v1/companies/acme/sites/bad id!", json={"name": "X"}), 422)
    assert err["code"] == "invalid_input" and "site id" in err["message"]["en"]


def test_unknown_api_route_is_404_in_the_same_shape(world):
    err = assert_error(world.get("a-eng", "/api/v1/no/such/thing"), 404, "no_such_route")
    assert err["where"] == {"method": "GET", "path": "/api/v1/no/such/thing"}


def test_wrong_method_is_405_in_the_same_shape(world):
    assert_error(world.client.delete("/api/v1/auth/login"), 405, "method_not_allowed")


def test_unexpected_failure_is_a_generic_500_and_logged(world, caplog):
    client = TestClient(world.client.app, raise_server_exceptions=False)
    headers = world.auth("a-eng")
    world.store.close()  # a real failure: the database is gone under the running app
    with caplog.at_level(logging.ERROR, logger="sandan.api"):
        r = client.get("/api/v1/companies/acme/machines", headers=headers)
    err = assert_error(r, 500, "internal_error")
    incident = err["where"]["incident"]
    assert incident in err["message"]["en"] and incident in err["message"]["ko"]
    assert "Traceback" not in r.text and "duckdb" not in r.text.lower()
    assert any(incident in rec.getMessage() and rec.exc_info for rec in caplog.records)


def test_a_body_the_framework_cannot_read_is_said_in_each_language(world):
    # a multipart body without its boundary: the Korean sentence carried "There was an error parsing the body"
    r = world.client.post(
        "/api/v1/companies/acme/imports/preview",
        content=b"--x\r\nnot a part",
        headers={**world.auth("a-eng"), "Content-Type": "multipart/form-data; boundary=x"},
    )
    err = assert_error(r, 400)
    assert "multipart/form-data" in err["message"]["en"] and "There was" not in err["message"]["ko"]
    assert "요청 본문을 읽을 수 없습니다" in err["message"]["ko"]


def test_json_sent_as_text_names_the_content_type(world):
    r = world.client.post(
        "/api/v1/companies/acme/ingest/readings",
        content=b'[{"time": "2026-05-01T08:00:00Z", "machine_id": "m1", "signal": "t", "value": 1}]',
        headers={**world.auth("a-eng"), "Content-Type": "text/plain"},
    )
    err = assert_error(r, 422, "invalid_request")
    assert "sent as text/plain" in err["message"]["en"] and "application/json" in err["message"]["ko"]


def test_a_file_sent_as_a_plain_form_field_is_asked_for_as_a_file(world):
    # "Expected UploadFile, received: <class 'str'>" in both languages
    r = world.client.post(
        "/api/v1/companies/acme/imports/preview", data={"file": "a,b\n1,2"}, headers=world.auth("a-eng")
    )
    err = assert_error(r, 422, "invalid_request")
    assert "must be a file" in err["message"]["en"] and "파일이어야 합니다" in err["message"]["ko"]
    assert "UploadFile" not in r.text
