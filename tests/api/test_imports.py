"""File import over HTTP: upload and preview, import as a background job, poll its progress and receipt."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sandan.domain import Machine
from tests.api.world import World, assert_error

BASE = "/api/v1/companies/acme"
CSV = "시각,설비,온도\n2026-03-02 08:00:00,m1,20.5\n2026-03-02 08:00:10,m1,21\n2026-03-02 08:00:20,m1,\n"


def _upload(world: World, content: bytes, name: str = "라인1 온도.csv", user: str = "a-eng"):
    return world.post(user, f"{BASE}/imports/preview", files={"file": (name, content, "text/csv")})


def _finished(world: World, job_id: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = world.get("a-view", f"{BASE}/jobs/{job_id}").json()
        if job["state"] in ("done", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def test_preview_keeps_the_file_and_proposes_a_mapping(world):
    r = _upload(world, CSV.encode("cp949"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["columns"] == ["시각", "설비", "온도"] and body["encoding"].lower() in ("cp949", "euc-kr")
    assert body["needs_timezone"] is True
    assert body["mapping"]["columns"]["시각"] == "time"
    folder = world.client.app.state.settings.data_dir / "uploads" / "acme" / body["upload_id"]
    assert [p.name for p in folder.iterdir()] == [body["filename"]]


def test_import_runs_as_a_job_and_returns_the_receipt(world):
    preview = _upload(world, CSV.encode()).json()
    # new signals are defined only when the mapping asks (the proposal does not), and the check names them first
    assert preview["mapping"]["register_signals"] is False
    mapping = {**preview["mapping"], "timezone": "Asia/Seoul", "register_signals": True}
    r = world.post("a-eng", f"{BASE}/imports", json={"upload_id": preview["upload_id"], "mapping": mapping})
    assert r.status_code == 202, r.text
    assert r.json()["state"] in ("queued", "running", "done")
    job = _finished(world, r.json()["id"])
    assert job["state"] == "done", job
    assert job["progress"]["percent"] == 100.0
    receipt = job["result"]
    assert receipt["accepted"] == 2 and receipt["received"] >= 2
    rows = world.get(
        "a-view",
        f"{BASE}/machines/m1/readings",
        params={"start": "2026-03-01T00:00:00Z", "end": "2026-03-03T00:00:00Z"},
    ).json()["rows"]
    assert rows[0] == {"time": "2026-03-01T23:00:00Z", "signal": "온도", "value": 20.5}
    assert [j["id"] for j in world.get("a-view", f"{BASE}/jobs").json()] == [job["id"]]


def test_a_whole_file_problem_fails_the_job_with_a_bilingual_error(world):
    # text that stops being UTF-8 past what the preview reads: found by the job, which fails saying so
    rows = "".join(f"2026-03-02 08:{i // 60 % 60:02d}:{i % 60:02d},m1,20.5\n" for i in range(12_000))
    content = ("시각,설비,온도\n" + rows).encode() + "2026-03-02 09:00:00,m1,온도".encode("cp949") + b"\n"
    preview = _upload(world, content).json()
    mapping = {**preview["mapping"], "timezone": "Asia/Seoul"}
    r = world.post("a-eng", f"{BASE}/imports", json={"upload_id": preview["upload_id"], "mapping": mapping})
    job = _finished(world, r.json()["id"])
    assert job["state"] == "failed" and job["error"]["code"] == "bad_encoding", job
    assert job["error"]["message"]["en"] and job["error"]["message"]["ko"]


def test_a_column_the_mapping_needs_and_the_file_lacks_is_refused_before_any_job(world):
    preview = _upload(world, CSV.encode()).json()
    mapping = {
        **preview["mapping"],
        "timezone": "Asia/Seoul",
        "columns": {"시각": "time", "설비": "machine_id", "습도": "signal:습도"},
    }
    r = world.post("a-eng", f"{BASE}/imports", json={"upload_id": preview["upload_id"], "mapping": mapping})
    err = assert_error(r, 422, "missing_column")
    assert "습도" in err["message"]["en"] and "습도" in err["message"]["ko"]
    assert world.get("a-view", f"{BASE}/jobs").json() == []


def test_a_bad_mapping_is_refused_before_any_job_starts(world):
    preview = _upload(world, CSV.encode()).json()
    r = world.post(
        "a-eng", f"{BASE}/imports", json={"upload_id": preview["upload_id"], "mapping": {"kind": "weather"}}
    )
    assert_error(r, 422)
    # an unknown time zone too (the job started and failed on it after a 202)
    mapping = {**preview["mapping"], "timezone": "Mars/Base"}
    r = world.post("a-eng", f"{BASE}/imports", json={"upload_id": preview["upload_id"], "mapping": mapping})
    err = assert_error(r, 422, "bad_mapping")
    assert "Mars/Base" in err["message"]["en"] and "Asia/Seoul" in err["message"]["ko"]
    # a mapping of part records for a file of readings: no result column (the job failed on it after a 202)
    mapping = {**preview["mapping"], "kind": "part"}
    r = world.post("a-eng", f"{BASE}/imports", json={"upload_id": preview["upload_id"], "mapping": mapping})
    err = assert_error(r, 422, "missing_column")
    assert "result" in err["message"]["en"] and "result" in err["message"]["ko"]
    assert world.get("a-view", f"{BASE}/jobs").json() == []


def test_an_unknown_upload_is_404(world):
    r = world.post("a-eng", f"{BASE}/imports", json={"upload_id": "0123456789abcdef", "mapping": {}})
    assert_error(r, 404, "upload_not_found")


def test_an_upload_id_cannot_walk_the_file_system(world):
    assert_error(
        world.post("a-eng", f"{BASE}/imports", json={"upload_id": "../../bravo/x", "mapping": {}}), 422
    )


def test_an_empty_file_is_refused(world):
    assert_error(_upload(world, b""), 422, "empty_file")


def test_a_viewer_cannot_upload(world):
    assert_error(_upload(world, CSV.encode(), user="a-view"), 403)


def test_preview_takes_a_header_in_words_as_the_parameter_or_measurement_it_names(world):
    world.store.upsert_machine(
        "acme", Machine(id="f1", company_id="acme", line_id="l1", name="단조 1", family="forging")
    )
    csv = "시각,설비,결과,소재 가열 온도,단조품 높이 (mm)\n2026-03-02 08:00:00,f1,ok,1180,42.1\n"
    mapping = _upload(world, csv.encode()).json()["mapping"]["columns"]
    assert mapping["소재 가열 온도"] == "param:billet_temp_c"
    assert mapping["단조품 높이 (mm)"] == "measure:forging_height_mm"


PARTS = (
    "time,machine,part,result,temp\n"
    "2026-03-02T08:00:00+09:00,m1,P1,ok,200\n"
    "2026-03-02T08:00:10+09:00,m9,P2,ok,200\n"
    "2026-03-02T08:00:20+09:00,m1,P3,maybe,200\n"
    "2026-03-02T08:00:30+09:00,m1,P4,ok,-50\n"
)


def test_preview_says_which_sample_rows_the_import_would_reject_and_stores_nothing(world):
    body = _upload(world, PARTS.encode(), name="parts.csv").json()
    assert body["mapping"]["columns"]["temp"] == "param:temp"
    check = body["check"]
    assert (check["rows"], check["rejected_rows"]) == (4, 3)
    assert [(i["row"], i["column"], i["code"]) for i in check["issues"]] == [
        (3, "machine", "unknown_machine"),
        (4, "result", "bad_result"),
        (5, "temp", "out_of_range"),
    ]
    assert check["summary"]["en"].startswith("3 of the first 4 rows would be rejected")
    assert world.get("a-view", f"{BASE}/quarantine").json()["items"] == []


def test_an_edited_mapping_is_checked_again_before_importing(world):
    preview = _upload(world, PARTS.encode(), name="parts.csv").json()
    mapping = {**preview["mapping"], "result_values": {"maybe": "ng"}}
    r = world.post(
        "a-eng", f"{BASE}/imports/check", json={"upload_id": preview["upload_id"], "mapping": mapping}
    )
    assert r.status_code == 200, r.text
    check = r.json()["check"]
    assert [i["code"] for i in check["issues"]] == ["unknown_machine", "out_of_range"]
    assert r.json()["mapping"]["result_values"] == {"maybe": "ng"}
    assert world.get("a-view", f"{BASE}/quarantine").json()["items"] == []


def test_a_file_that_names_machines_by_their_registered_name_imports_onto_them(world):
    """MES and Excel exports carry the machine's name ("Press 1"), spaced or cased their own way; a name that is
    no machine's is still rejected, and the message says it is neither an id nor a name."""
    parts = (
        "time,설비명,part,result\n"
        "2026-03-02T08:00:00+09:00,Press 1,N1,ok\n"
        "2026-03-02T08:00:10+09:00, press  1 ,N2,ng\n"
        "2026-03-02T08:00:20+09:00,Press 9,N3,ok\n"
    )
    preview = _upload(world, parts.encode(), name="names.csv").json()
    assert preview["mapping"]["columns"]["설비명"] == "machine_id"
    assert [(i["row"], i["code"]) for i in preview["check"]["issues"]] == [(4, "unknown_machine")]
    r = world.post(
        "a-eng", f"{BASE}/imports", json={"upload_id": preview["upload_id"], "mapping": preview["mapping"]}
    )
    receipt = _finished(world, r.json()["id"])["result"]
    assert (receipt["accepted"], receipt["rejected"]) == (2, 1)
    (issue,) = receipt["issues"]
    assert "neither the id nor the name" in issue["message"]["en"] and "ID도 이름도" in issue["message"]["ko"]
    stored = world.store.training_frame(
        "acme", datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC)
    )
    assert sorted(stored["part_id"]) == ["N1", "N2"] and set(stored["machine_id"]) == {"m1"}
