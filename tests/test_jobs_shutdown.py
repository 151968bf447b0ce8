"""Stopping the server stops its jobs: each queued or running job is asked to stop (a job already registering its
result finishes), the server waits a bounded time, and the log says how each job ended.

A training budget can be an hour; a service manager kills a server that does not stop within 90 s.
"""

from __future__ import annotations

import logging
import threading
import time

from fastapi.testclient import TestClient

from sandan.api.app import create_app
from sandan.jobs import JobRegistry, JobState, committing
from sandan.settings import Settings


def _until_stopped(progress, started: threading.Event, give_up: threading.Event) -> str:
    """A long job that reports progress until it is stopped (or the test gives up on it)."""
    i = 0
    while not give_up.is_set():
        progress(i, None, ("training", "학습 중"))
        started.set()
        i += 1
        give_up.wait(0.01)
    return "ran to the end"


def _shutdown_within(jobs: JobRegistry, seconds: float, **kwargs) -> float:
    """Stop the registry in a thread; how long it took (the test fails, rather than hangs, past `seconds`)."""
    t0 = time.monotonic()
    stopper = threading.Thread(target=jobs.shutdown, kwargs=kwargs, daemon=True)
    stopper.start()
    stopper.join(seconds)
    assert not stopper.is_alive(), f"the registry did not stop within {seconds} s"
    return time.monotonic() - t0


def test_stopping_asks_running_jobs_to_stop_lets_a_registering_one_finish_and_drops_queued_ones(caplog):
    jobs = JobRegistry(max_workers=2)
    give_up = threading.Event()
    training_started, registering = threading.Event(), threading.Event()
    ran: list[str] = []
    try:
        training = jobs.submit("acme", "train", _until_stopped, training_started, give_up, user_id="kim")

        def register(progress):
            committing()  # past its point of no return: it registers its result whatever happens
            registering.set()
            # it finishes once the training has stopped: had the stop not reached the training, neither ends
            assert jobs.wait("acme", training.id, timeout=20).finished
            progress(1, 1, ("registered", "등록 완료"))
            return "registered"

        finishing = jobs.submit("acme", "train", register, user_id="lee")
        queued = jobs.submit("acme", "import", lambda progress: ran.append("queued"), user_id="park")
        assert training_started.wait(10) and registering.wait(10)
        assert jobs.get("acme", queued.id).state is JobState.queued
        with caplog.at_level(logging.INFO, logger="sandan.jobs"):
            took = _shutdown_within(jobs, 15, wait=True, timeout=30)
    finally:
        give_up.set()
    assert took < 15
    stopped = jobs.get("acme", training.id)
    assert stopped.outcome == "stopped" and stopped.error["code"] == "cancelled" and stopped.result is None
    done = jobs.get("acme", finishing.id)
    assert done.state is JobState.done and done.result == "registered"
    assert jobs.get("acme", queued.id).outcome == "stopped" and ran == []
    said = caplog.text
    assert f"job {training.id} (train, company acme) stopped" in said
    assert f"job {finishing.id} (train, company acme) ended done" in said
    assert f"job {queued.id} (import, company acme) stopped" in said


def test_stopping_waits_only_a_bounded_time_for_a_job_that_does_not_stop(caplog):
    """A job that reports no progress cannot be stopped: the server waits `timeout` and says which job still runs,
    rather than wait for its end."""
    jobs = JobRegistry(max_workers=1)
    release, started = threading.Event(), threading.Event()

    def silent(progress):
        started.set()
        release.wait(30)

    job = jobs.submit("acme", "train", silent, user_id="kim")
    try:
        assert started.wait(10)
        with caplog.at_level(logging.INFO, logger="sandan.jobs"):
            took = _shutdown_within(jobs, 10, wait=True, timeout=0.5)
    finally:
        release.set()
    assert 0.5 <= took < 10
    assert f"job {job.id} (train, company acme) still runs after 0.5 s" in caplog.text
    assert jobs.wait("acme", job.id, timeout=10).finished


def test_the_server_stopping_stops_a_training_that_runs(store, tmp_path, caplog):
    """Through the app's lifespan, as SIGTERM ends it: the stop reaches the running job and the server stops."""
    give_up, started = threading.Event(), threading.Event()
    app = create_app(Settings(data_dir=tmp_path / "data"), store=store)
    stopper_done, holder = threading.Event(), {}

    def serve_and_stop() -> None:
        with TestClient(app):
            jobs = app.state.jobs
            holder["job"] = jobs.submit("acme", "train", _until_stopped, started, give_up, user_id="kim")
            assert started.wait(10)
        stopper_done.set()

    server = threading.Thread(target=serve_and_stop, daemon=True)
    try:
        with caplog.at_level(logging.INFO, logger="sandan.jobs"):
            server.start()
            server.join(15)
        assert stopper_done.is_set(), "the server did not stop while a job ran"
    finally:
        give_up.set()
    job = holder["job"]
    assert job.outcome == "stopped" and job.error["code"] == "cancelled"
    assert f"job {job.id} (train, company acme) stopped" in caplog.text
