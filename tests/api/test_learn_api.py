"""Learn over HTTP: training as a job with progress, the registry and promotion, explanations, predictions,
and the shared catalogue across companies of one process family — on the demo complex's history.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

import tests.learn.demo_plant as demo
from sandan.accounts import issue_token
from sandan.api import create_app
from sandan.settings import Settings
from sandan.twin.process import column_labels
from tests.api.world import assert_error

demo_template = demo.demo_template  # the session's backfilled store with the publisher's trained model
PUB, ADO, OTHER = demo.PUBLISHER, demo.ADOPTER, demo.OTHER_FAMILY
WINDOW = {"start": demo.START.isoformat(), "end": demo.NOW.isoformat()}


class Client:
    def __init__(self, client: TestClient, store) -> None:
        self.client, self.store, self._tokens = client, store, {}

    def _auth(self, user: str) -> dict[str, str]:
        if user not in self._tokens:
            found = self.store.user_for_login(user)
            self._tokens[user] = issue_token(self.store, found[0], kind="session", ttl=timedelta(hours=1))
        return {"Authorization": f"Bearer {self._tokens[user]}"}

    def get(self, user: str, path: str, **kw):
        return self.client.get(f"/api/v1/companies{path}", headers=self._auth(user), **kw)

    def post(self, user: str, path: str, **kw):
        return self.client.post(f"/api/v1/companies{path}", headers=self._auth(user), **kw)

    def wait(self, user: str, company: str, job: dict, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.get(user, f"/{company}/jobs/{job['id']}").json()
            if got["state"] in ("done", "failed"):
                return got
            time.sleep(0.3)
        raise AssertionError(f"job {job['id']} did not finish")


@pytest.fixture
def api(demo_template, tmp_path):
    store = demo.open_copy(demo_template[0], tmp_path)
    app = create_app(Settings(data_dir=tmp_path / "data"), store=store)
    app.state.serving_interval_s = (
        0  # scored on request here; tests/learn/test_serving.py covers online scoring
    )
    app.state.alert_interval_s = 0
    with TestClient(app) as client:
        yield Client(client, store)
    store.close()


def test_training_runs_as_a_job_with_progress_and_registers_a_candidate(api):
    body = {"name": "weights", "budget_s": 2, "folds": 2, **WINDOW}
    r = api.post("daesung", f"/{PUB}/models/train", json=body)
    assert r.status_code == 202, r.text
    done = api.wait("daesung", PUB, r.json())
    assert done["state"] == "done", done["error"]
    assert done["progress"]["percent"] == 100.0 and "·" in done["message"]
    assert done["result"]["name"] == "weights" and done["result"]["stage"] == "candidate"
    got = api.get("daesung", f"/{PUB}/models/version", params={"name": "weights", "version": 1}).json()
    assert got["metrics"]["report"]["ko"] and got["fingerprint"]


def test_a_bad_training_request_fails_the_job_in_both_languages(api):
    r = api.post("daesung", f"/{PUB}/models/train", json={"name": "x", "target": "nope", **WINDOW})
    done = api.wait("daesung", PUB, r.json())
    assert done["state"] == "failed" and done["error"]["code"] == "unknown_target"
    assert done["error"]["message"]["ko"]
    assert_error(api.post("daesung", f"/{PUB}/models/train", json={"name": "../x"}), 422, "bad_model_name")


def test_promote_explain_and_score_through_the_registry(api):
    assert [m["stage"] for m in api.get("daesung", f"/{PUB}/models").json()] == ["candidate"]
    r = api.post(
        "daesung", f"/{PUB}/models/stage", json={"name": "defects", "version": 1, "stage": "production"}
    )
    assert r.status_code == 200 and r.json()["stage"] == "production"
    exp = api.get("daesung", f"/{PUB}/models/explanation", params={"name": "defects", "version": 1, **WINDOW})
    assert exp.status_code == 200 and exp.json()["importance"] and exp.json()["recent"][0]["sentences"]
    # each feature keeps its column name and says it in words
    labelled = {i["feature"]: i["label"] for i in exp.json()["importance"]}
    words = column_labels(["injection"])
    assert any(f in words for f in labelled)  # a moulding column drives the model
    assert all(label == words[f]["ko"] for f, label in labelled.items() if f in words)
    assert "_c" not in str(labelled.values())
    scored = api.post("daesung", f"/{PUB}/models/score", json=WINDOW).json()
    assert scored["stored"] == scored["scored"] > 0
    rows = api.get("daesung", f"/{PUB}/models/predictions", params={**WINDOW, "limit": 5}).json()["rows"]
    assert len(rows) == 5 and rows[0]["model_name"] == "defects"
    assert_error(
        api.get("daesung", f"/{PUB}/models/version", params={"name": "defects", "version": 7}),
        404,
        "model_not_found",
    )


def test_catalogue_publish_evaluate_adopt_across_one_family_only(api):
    r = api.post("daesung", f"/{PUB}/catalogue/publish", json={"name": "defects", "version": 1})
    assert r.status_code == 200, r.text
    entry = r.json()
    assert entry["mine"] and entry["publisher_score"]["metrics"]["roc_auc"] > 0.5
    # once: publishing the same version again would list it twice; the models page names the entry instead
    again = api.post("daesung", f"/{PUB}/catalogue/publish", json={"name": "defects", "version": 1})
    assert_error(again, 409, "already_published")
    api.client.cookies.set("sandan_session", api._auth("daesung")["Authorization"].removeprefix("Bearer "))
    listing = api.client.get(f"/companies/{PUB}/models").text
    assert f'data-published="{entry["id"]}"' in listing and 'data-action="publish"' not in listing
    # the catalogue page names the publisher's own entry by the version it came from, and when it was published
    own = api.client.get(f"/companies/{PUB}/catalogue").text
    assert re.search(
        r'class="nowrap published">20\d\d-\d\d-\d\d \d\d:\d\d<br><span class="muted">우리 버전 1<', own
    )
    seen = api.get("dongyang", f"/{ADO}/catalogue").json()
    assert [e["id"] for e in seen] == [entry["id"]] and seen[0]["publisher"]["id"] is None
    assert api.get("hanil", f"/{OTHER}/catalogue").json() == []
    assert_error(api.post("hanil", f"/{OTHER}/catalogue/adopt", json={"entry_id": entry["id"]}), 404)
    assert_error(
        api.post("dongyang", f"/{ADO}/catalogue/adopt", json={"entry_id": entry["id"]}), 409, "evaluate_first"
    )
    job = api.post(
        "dongyang",
        f"/{ADO}/catalogue/evaluate",
        json={"entry_id": entry["id"], "machine_ids": ["imm-11"], **WINDOW},
    )
    done = api.wait("dongyang", ADO, job.json())
    assert done["state"] == "done", done["error"]
    mine = done["result"]["my_score"]
    assert mine["n_rows"] != entry["publisher_score"]["n_rows"]
    adopted = api.post("dongyang", f"/{ADO}/catalogue/adopt", json={"entry_id": entry["id"]}).json()
    assert adopted["origin"] == f"catalogue:{entry['id']}" and adopted["stage"] == "candidate"
    # Each side sees the publisher's score; only the adopter sees its own.
    pub_view = api.get("daesung", f"/{PUB}/catalogue").json()[0]
    ado_view = api.get("dongyang", f"/{ADO}/catalogue").json()[0]
    assert pub_view["my_score"] is None and pub_view["evaluations"] == 1
    assert ado_view["my_score"]["action"] == "adopted"
    assert ado_view["publisher_score"] == pub_view["publisher_score"]
    # The publisher's registry and predictions stay its own.
    assert api.get("dongyang", f"/{PUB}/models").status_code in (403, 404)
    assert [m["origin"] for m in api.get("daesung", f"/{PUB}/models").json()] == [""]


def test_the_web_pages_show_registry_report_explanations_and_catalogue(api):
    token = api._auth("daesung")["Authorization"].removeprefix("Bearer ")
    api.client.cookies.set("sandan_session", token)
    api.client.cookies.set("lang", "en")
    page = api.client.get(f"/companies/{PUB}/models")
    assert page.status_code == 200 and "defects" in page.text and "Train a model" in page.text
    view = api.client.get(
        f"/companies/{PUB}/models/view", params={"name": "defects", "version": 1, "days": 30}
    )
    assert (
        view.status_code == 200 and "How good is it?" in view.text and "What the model looks at" in view.text
    )
    # the moulders' columns in words, the verdict as a defect
    assert "melt temperature" in view.text and "odds of a defective part" in view.text
    api.client.cookies.set("lang", "ko")
    shared = api.client.get(f"/companies/{PUB}/catalogue")
    assert shared.status_code == 200 and "공유 모델" in shared.text
    # a value out of range is named with its reason, not as an incomplete form
    bad = api.client.get(f"/companies/{PUB}/models/view", params={"name": "defects", "version": 0})
    assert bad.status_code == 400 and "version: 1 이상이어야 합니다" in bad.text
    assert api.client.get(f"/companies/{ADO}/models").status_code in (403, 404)


def test_a_publisher_withdraws_its_model_and_the_operator_sees_every_family(api):
    entry = api.post("daesung", f"/{PUB}/catalogue/publish", json={"name": "defects", "version": 1}).json()
    job = api.post(
        "dongyang",
        f"/{ADO}/catalogue/evaluate",
        json={"entry_id": entry["id"], "machine_ids": ["imm-11"], **WINDOW},
    )
    assert api.wait("dongyang", ADO, job.json())["state"] == "done"
    adopted = api.post("dongyang", f"/{ADO}/catalogue/adopt", json={"entry_id": entry["id"]}).json()
    body = {"entry_id": entry["id"], "reason": "trained before the sensor was recalibrated"}
    # only the publisher (or the operator): another member of the family cannot take it out
    assert_error(api.post("dongyang", f"/{ADO}/catalogue/withdraw", json=body), 403)
    assert_error(
        api.post("daesung", f"/{PUB}/catalogue/withdraw", json={**body, "reason": " "}),
        422,
        "reason_required",
    )
    done = api.post("daesung", f"/{PUB}/catalogue/withdraw", json=body)
    assert done.status_code == 200, done.text
    assert done.json()["withdrawn"]["reason"] == body["reason"]
    # the adopter still sees it, with the reason, and its models page flags the adopted copy
    [seen] = api.get("dongyang", f"/{ADO}/catalogue").json()
    assert seen["withdrawn"]["reason"] == body["reason"] and seen["my_score"]["action"] == "adopted"
    api.client.cookies.set("sandan_session", api._auth("dongyang")["Authorization"].removeprefix("Bearer "))
    api.client.cookies.set("lang", "en")
    models = api.client.get(f"/companies/{ADO}/models").text
    assert f"its catalogue entry was withdrawn: {body['reason']}" in models and adopted["name"] in models
    [listed_model] = [m for m in api.get("dongyang", f"/{ADO}/models").json() if m["origin"]]
    assert listed_model["source_withdrawn"] == body["reason"]
    assert_error(
        api.post("dongyang", f"/{ADO}/catalogue/evaluate", json={"entry_id": entry["id"], **WINDOW}),
        409,
        "entry_withdrawn",
    )
    headers = api._auth("admin")
    listed = api.client.get("/api/v1/catalogue", headers=headers)
    assert [(e["id"], e["withdrawn"]["reason"]) for e in listed.json()] == [(entry["id"], body["reason"])]
    assert_error(
        api.client.post("/api/v1/catalogue/withdraw", headers=headers, json=body), 409, "already_withdrawn"
    )
    assert_error(api.client.get("/api/v1/catalogue", headers=api._auth("daesung")), 403)
