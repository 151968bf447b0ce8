"""Training and registering beside a stop request and beside other registrations of the same model name.

A stop is acted on up to the point of no return (registering the version), never after it: a job that says
"stopped, no result" leaves no version and no files, and a stop asked once the version is registered is refused.
Two registrations of one name that take the same version number both end registered, each version's folder holding
its own model. The windows are hit through wrappers of the store and of the artifact writer, not by timing.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import sandan.learn.train as train_module
from sandan.domain import Company, Conflict
from sandan.jobs import JobRegistry, JobState
from sandan.learn import catalogue
from sandan.learn.train import train_model
from sandan.store.base import CatalogueEntry, CatalogueScore
from tests.store.data import T0, add_company, parts

COMPANY = "acme"
START, END = T0 - timedelta(hours=1), T0 + timedelta(days=1)


class Wrapped:
    """The real store, with some methods replaced by the test (to act inside a registration's window)."""

    def __init__(self, store, **methods):
        self._store = store
        self.__dict__.update(methods)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@pytest.fixture
def parts_store(store):
    """A company with 160 part records whose defects follow two settings, a and b, either one telling them."""
    add_company(store, COMPANY, ("M1", "M2"))
    rnd, rows = random.Random(7), []
    for i in range(160):
        a, b = rnd.uniform(0, 10), rnd.uniform(0, 10)
        rows.append(
            {
                "t": 60 * i,
                "machine_id": "M1" if i % 2 else "M2",
                "part_id": f"p{i}",
                "lot_id": f"L{i // 20}",
                "result": "ng" if a + b + rnd.gauss(0, 1) > 12 else "ok",
                "params": {"a": a, "b": b},
            }
        )
    store.append_parts(COMPANY, parts(rows))
    return store


def _train(store, data_dir: Path, name: str = "defects", **kwargs: Any):
    return train_model(
        store,
        COMPANY,
        name=name,
        start=START,
        end=END,
        budget_s=0.5,
        folds=2,
        data_dir=data_dir,
        user_id="kim",
        **kwargs,
    )


def _job_progress(progress):
    # as the API and the web feed a training's progress into its job (sandan.api.learn)
    return lambda p: progress(int(round(p.fraction * 100)), 100, (p.en, p.ko))


def _folders(data_dir: Path, name: str) -> list[str]:
    folder = data_dir / "models" / COMPANY / name
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _training_job(jobs: JobRegistry, store, data_dir: Path):
    """A training submitted as the API does, and the event that lets it start (once the test holds the job)."""
    go = threading.Event()

    def work(progress):
        assert go.wait(10)
        return _train(store, data_dir, progress=_job_progress(progress)).to_dict()

    return jobs.submit(COMPANY, "train", work, user_id="kim", label="defects"), go


@pytest.fixture
def jobs():
    registry = JobRegistry(max_workers=1)
    yield registry
    registry.shutdown()


def test_a_stop_asked_while_the_model_is_saved_leaves_no_version_and_no_files(
    parts_store, tmp_path, jobs, monkeypatch
):
    """The stop came after the last trial's progress report, while the model was written: the job says it stopped
    with no result, so no version may be registered (it was: the stop was acted on only after registering)."""
    real_save, asked = train_module.save_model, []

    def save_then_stop_asked(model, folder, metrics=None):
        out = real_save(model, folder, metrics=metrics)
        asked.append(jobs.cancel(COMPANY, job.id))
        return out

    monkeypatch.setattr(train_module, "save_model", save_then_stop_asked)
    job, go = _training_job(jobs, parts_store, tmp_path)
    go.set()
    done = jobs.wait(COMPANY, job.id, timeout=120)
    assert asked, "the model was never saved"
    assert done.state is JobState.failed and done.outcome == "stopped", done.to_dict()
    assert done.error["code"] == "cancelled" and "결과는 없습니다" in done.error["message"]["ko"]
    assert parts_store.list_model_versions(COMPANY, "defects") == []
    assert _folders(tmp_path, "defects") == []  # nor a half-registered folder left behind


def test_a_stop_asked_once_the_model_is_registered_is_refused_and_the_job_finishes(
    parts_store, tmp_path, jobs
):
    """Past the point of no return the stop is refused in words (409 `job_finishing`) and the job ends done with
    the version it registered (it ended "stopped, no result", the version registered all the same)."""
    refusals: list[Exception] = []

    def add_then_stop_asked(company_id, mv):
        parts_store.add_model_version(company_id, mv)
        try:
            jobs.cancel(COMPANY, job.id)
        except Conflict as exc:
            refusals.append(exc)

    wrapped = Wrapped(parts_store, add_model_version=add_then_stop_asked)
    job, go = _training_job(jobs, wrapped, tmp_path)
    go.set()
    done = jobs.wait(COMPANY, job.id, timeout=120)
    assert [r.code for r in refusals] == ["job_finishing"], done.to_dict()
    refusal = refusals[0]
    assert refusal.status == 409 and "will finish" in refusal.en and "곧 끝납니다" in refusal.ko
    assert done.state is JobState.done, done.to_dict()
    assert done.result["version"] == 1 and done.to_dict()["cancel_requested"] is False
    (mv,) = parts_store.list_model_versions(COMPANY, "defects")
    assert mv.version == 1 and Path(mv.artifact).joinpath("metadata.json").exists()
    with pytest.raises(Conflict) as finished:  # and once it is done there is nothing to stop
        jobs.cancel(COMPANY, job.id)
    assert finished.value.code == "job_finished"


def test_two_trainings_of_one_name_register_two_versions_each_with_its_own_artifact(parts_store, tmp_path):
    """Two trainings of 'defects' take the same next version number: both register, under different versions,
    and each version's folder holds the model its registry record describes (the second one's files overwrote
    the first one's registered model, then it failed with `model_version_exists`)."""
    others: list = []

    def next_version_with_another_training_between(company_id, name):
        version = parts_store.next_model_version(company_id, name)
        if not others:  # the other training registers between this one's number and its registering
            others.append(_train(parts_store, tmp_path, features=["b"]))
        return version

    wrapped = Wrapped(parts_store, next_model_version=next_version_with_another_training_between)
    first = _train(wrapped, tmp_path, features=["a"])
    (other,) = others
    assert other.model.version == 1 and first.model.version == 2
    registered = {mv.version: mv for mv in parts_store.list_model_versions(COMPANY, "defects")}
    assert sorted(registered) == [1, 2]
    assert registered[1].features == ["b"] and registered[2].features == ["a"]
    for mv in registered.values():
        meta = json.loads((Path(mv.artifact) / "metadata.json").read_text(encoding="utf-8"))
        assert meta["features"] == mv.features and meta["metrics"] == mv.metrics["metrics"]
        assert Path(mv.artifact).name == str(mv.version)
    assert _folders(tmp_path, "defects") == ["1", "2"]  # no staging folder left


def test_two_federation_runs_registering_one_model_name_each_keep_their_version(store, tmp_path):
    """A federation's model is registered for each adopting member (catalogue.record_federated); two runs that
    register under the same name at once both end registered, each version with its own artifact (the second found
    the folder of the first's number taken and failed with an unexpected error)."""
    store.upsert_company(Company(id=COMPANY, name="Acme", family="injection"))

    def write(run: str):
        def write_artifact(company: str, folder: Path) -> str:
            (folder / "metadata.json").write_text(json.dumps({"run": run}), encoding="utf-8")
            return hashlib.sha256(run.encode()).hexdigest()

        return write_artifact

    def record(run: str, on) -> int:
        entry = CatalogueEntry(
            id=0,
            family="injection",
            name="사출 불량 예측",
            task="",
            target="result",
            features=["a"],
            metrics={"metrics": {"f1": 0.8}},
            artifact=str(tmp_path / run),
        )
        score = CatalogueScore(0, {"metrics": {"f1": 0.8}, "local": {"f1": 0.7}}, 100, "adopted")
        return catalogue.record_federated(
            on, run, entry, {COMPANY: score}, write_artifact=write(run), data_dir=tmp_path
        )

    others: list[int] = []

    def next_version_with_another_run_between(company_id, name):
        version = store.next_model_version(company_id, name)
        if not others:
            others.append(record("run-2", store))
        return version

    record("run-1", Wrapped(store, next_model_version=next_version_with_another_run_between))
    versions = store.list_model_versions(COMPANY, None)
    assert sorted(mv.version for mv in versions) == [1, 2] and len({mv.name for mv in versions}) == 1
    for mv in versions:
        run = json.loads((Path(mv.artifact) / "metadata.json").read_text(encoding="utf-8"))["run"]
        assert mv.fingerprint == hashlib.sha256(run.encode()).hexdigest()
    by_run = {
        json.loads((Path(mv.artifact) / "metadata.json").read_text(encoding="utf-8"))["run"]: mv.version
        for mv in versions
    }
    assert by_run == {"run-2": 1, "run-1": 2}
