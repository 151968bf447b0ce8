"""The background job registry: states, progress, bilingual failures, and tenant-scoped look-ups."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from sandan.domain import Conflict, InvalidInput, NotFound
from sandan.jobs import JobRegistry, JobState, TooManyJobs


@pytest.fixture
def jobs():
    registry = JobRegistry(max_workers=1)
    yield registry
    registry.shutdown()


def test_a_job_reports_progress_then_its_result(jobs):
    halfway, release = threading.Event(), threading.Event()

    def work(progress, n):
        progress(0, n)
        progress(n // 2)
        halfway.set()
        release.wait(5)
        progress(n, n)
        return {"rows": n}

    job = jobs.submit("acme", "import", work, 10, user_id="kim", label="a.csv")
    assert halfway.wait(5)
    seen = jobs.get("acme", job.id).to_dict()
    assert seen["state"] == "running"
    assert seen["progress"] == {
        "done": 5,
        "total": 10,
        "percent": 50.0,
        "remaining_s": None,
    }  # too soon to say
    # half done after 40 s: about 40 s to go
    running = jobs.get("acme", job.id)
    running.started_at -= timedelta(seconds=40)
    assert running.to_dict()["progress"]["remaining_s"] == pytest.approx(40, abs=1)
    # 20 s into the next step, with no report since: the estimate does not grow (it said 60 s) — it counts down
    # to what the four steps after this one take at 8 s each
    running.started_at -= timedelta(seconds=20)
    running.progressed_at -= timedelta(seconds=20)
    assert running.to_dict()["progress"]["remaining_s"] == pytest.approx(32, abs=1)
    release.set()
    done = jobs.wait("acme", job.id, timeout=5)
    assert done.state is JobState.done and done.result == {"rows": 10}
    assert done.to_dict()["progress"]["percent"] == 100.0 and done.finished_at is not None
    assert done.to_dict()["progress"]["remaining_s"] is None


def test_jobs_queue_behind_a_busy_worker(jobs):
    release = threading.Event()
    first = jobs.submit("acme", "slow", lambda progress: release.wait(5))
    second = jobs.submit("acme", "next", lambda progress: "ok")
    assert jobs.get("acme", second.id).state is JobState.queued
    release.set()
    assert jobs.wait("acme", second.id, timeout=5).result == "ok"
    assert jobs.get("acme", first.id).state is JobState.done


def test_a_user_error_fails_the_job_with_the_bilingual_message(jobs):
    def work(progress):
        progress(1, 1, ("model trained", "모델 학습 완료"))  # the last step said it was done, then it failed
        raise InvalidInput(
            "column 온도 is missing", "온도 열이 없습니다", code="missing_column", column="온도"
        )

    job = jobs.wait("acme", jobs.submit("acme", "import", work).id, timeout=5)
    assert job.state is JobState.failed
    assert job.error == {
        "code": "missing_column",
        "message": {"en": "column 온도 is missing", "ko": "온도 열이 없습니다"},
        "where": {"column": "온도"},
    }
    assert job.message_in("ko") == "온도 열이 없습니다" and "trained" not in job.message


def test_an_unexpected_error_fails_the_job_generically_and_is_logged(jobs, caplog):
    def work(progress):
        raise ZeroDivisionError("secret internals")

    job = jobs.wait("acme", jobs.submit("acme", "import", work).id, timeout=5)
    assert job.state is JobState.failed and job.error["code"] == "internal_error"
    assert "secret" not in str(job.error) and job.error["message"]["ko"]
    assert any("secret internals" in (r.exc_text or "") or r.exc_info for r in caplog.records)


def test_another_companys_job_is_not_found(jobs):
    job = jobs.submit("bravo", "import", lambda progress: None)
    with pytest.raises(NotFound):
        jobs.get("acme", job.id)
    assert jobs.list("acme") == [] and [j.id for j in jobs.list("bravo")] == [job.id]


def test_old_finished_jobs_are_forgotten_beyond_the_limit():
    registry = JobRegistry(max_workers=1, keep=3, keep_each=1)
    ids = [registry.submit("acme", "x", lambda progress: None).id for _ in range(3)]
    for job_id in ids:
        registry.wait("acme", job_id, timeout=5)
    newest = registry.submit("acme", "x", lambda progress: None)
    registry.shutdown()
    assert [j.id for j in registry.list("acme")] == [newest.id, ids[2], ids[1]]


def test_a_companys_newest_finished_jobs_stay_however_busy_the_others_are():
    registry = JobRegistry(max_workers=1, keep=4, keep_each=2)

    def run(company: str) -> str:
        # each job finished before the next is submitted: the order of finishing is the order given
        job = registry.submit(company, "import", lambda progress: None)
        registry.wait(company, job.id, timeout=5)
        return job.id

    mine = [run("small") for _ in range(3)]
    for i in range(6):
        run(f"big{i}")
    registry.submit("big0", "import", lambda progress: None)
    registry.shutdown()
    # the small company's two newest imports can still be read; its oldest made room
    assert [j.id for j in registry.list("small")] == [mine[2], mine[1]]


def test_a_job_that_says_what_it_does_in_both_languages_is_read_in_each(jobs):
    def work(progress):
        progress(1, 3, ("fold 1/3 done", "1/3번째 폴드 완료"))
        return None

    done = jobs.wait("acme", jobs.submit("acme", "learn.train", work).id, timeout=5)
    assert done.message_in("ko") == "1/3번째 폴드 완료" and done.message_in("en") == "fold 1/3 done"
    # API clients that read one message still get both
    assert done.to_dict()["message"] == "fold 1/3 done · 1/3번째 폴드 완료"
    assert done.to_dict()["messages"] == {"en": "fold 1/3 done", "ko": "1/3번째 폴드 완료"}

    def plain(progress):
        progress(1, 1, "reading")

    done = jobs.wait("acme", jobs.submit("acme", "import", plain).id, timeout=5)
    assert done.message_in("ko") == "reading" and done.to_dict()["messages"] is None


def test_a_running_job_asked_to_stop_stops_at_its_next_progress_report(jobs):
    started, steps = threading.Event(), []

    def work(progress):
        for i in range(1000):
            progress(i, 1000)
            steps.append(i)
            started.set()
            threading.Event().wait(0.01)
        return "all"

    job = jobs.submit("acme", "twin.run", work, user_id="kim")
    assert started.wait(5)
    asked = jobs.cancel("acme", job.id)
    assert asked.to_dict()["cancel_requested"] is True or asked.finished
    stopped = jobs.wait("acme", job.id, timeout=5)
    assert stopped.state is JobState.failed and stopped.error["code"] == "cancelled"
    assert stopped.outcome == "stopped"  # as lists of jobs show it, not "failed"
    assert "요청에 따라 멈췄습니다" in stopped.error["message"]["ko"] and stopped.result is None
    assert "import" not in stopped.error["message"]["en"]  # a simulation's stop says nothing of imports
    assert len(steps) < 1000 and stopped.to_dict()["cancel_requested"] is False
    with pytest.raises(Conflict):  # finished: nothing to stop
        jobs.cancel("acme", job.id)


def test_a_queued_job_asked_to_stop_never_runs(jobs):
    release, ran = threading.Event(), []
    first = jobs.submit("acme", "slow", lambda progress: release.wait(5))
    second = jobs.submit("acme", "next", lambda progress: ran.append(1))
    jobs.cancel("acme", second.id)
    assert jobs.get("acme", second.id).state is JobState.failed  # at once, not when a worker frees
    release.set()
    assert jobs.wait("acme", first.id, timeout=5).state is JobState.done
    jobs.shutdown()
    assert ran == [] and jobs.get("acme", second.id).error["code"] == "cancelled"
    with pytest.raises(NotFound):  # another company's job is not found, not stopped
        jobs.cancel("bravo", first.id)


def test_a_stopped_import_says_what_it_keeps(jobs):
    started = threading.Event()

    def work(progress):
        for i in range(1000):
            progress(i, 1000)
            started.set()
            threading.Event().wait(0.01)

    job = jobs.submit("acme", "import", work, user_id="kim")
    assert started.wait(5)
    jobs.cancel("acme", job.id)
    stopped = jobs.wait("acme", job.id, timeout=5)
    assert "rows stored before the stop are kept" in stopped.error["message"]["en"]
    assert "저장한 행은 남아 있고" in stopped.error["message"]["ko"]


def test_a_company_may_not_queue_jobs_without_end(jobs):
    """The workers serve every company: one company's queued jobs kept another's import waiting."""
    release = threading.Event()
    held = [jobs.submit("acme", "train", lambda progress: release.wait(10), user_id="kim") for _ in range(8)]
    with pytest.raises(TooManyJobs) as refused:
        jobs.submit("acme", "train", lambda progress: None, user_id="lee")
    assert refused.value.status == 429 and "8" in refused.value.en and "멈추세요" in refused.value.ko
    # another company is not held
    other = jobs.submit("bravo", "import", lambda progress: "ok", user_id="park")
    platform = jobs.submit("acme", "federation", lambda progress: "ok")  # nor the platform's own work
    jobs.cancel("acme", held[-1].id)
    jobs.submit("acme", "train", lambda progress: None, user_id="lee")  # room again
    release.set()
    assert jobs.wait("bravo", other.id, timeout=10).state is JobState.done
    assert jobs.wait("acme", platform.id, timeout=10).state is JobState.done
