"""Background jobs for long work (file imports, training, sweeps): a small in-process registry over a thread pool.

Jobs are tenant-scoped and report progress; this module knows nothing about HTTP or pages, so API and web share it.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sandan.domain import Cancelled, Conflict, NotFound, SandanError

log = logging.getLogger(__name__)


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


#: The tenant of jobs on the whole platform (the operator's backups): no company's job list shows them.
PLATFORM = ""

# What a job function receives: call it with the work done so far and, once known, the total.
Progress = Callable[..., None]


@dataclass
class Job:
    id: str
    company_id: str
    kind: str
    user_id: str | None = None
    label: str = ""
    state: JobState = JobState.queued
    done: int = 0
    total: int | None = None
    message: str = ""  # English and Korean together, "reading records · 기록 읽는 중"
    messages: dict[str, str] | None = None  # the same per language, when the job gave both apart
    result: Any = None
    error: dict[str, Any] | None = None  # SandanError.to_dict() shape: code, message {en, ko}, where
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    started_at: datetime | None = None
    progressed_at: datetime | None = None  # when `done` last moved
    finished_at: datetime | None = None
    # what the interface that started the job keeps beside it for its own pages (the web import's upload and
    # mapping, for the way back to the mapping); never in `to_dict`, gone when the registry drops the job
    context: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _finished: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
    _cancel: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)
    # set once the job makes its result permanent (`committing`): from then on it can no longer be stopped
    _committing: bool = field(default=False, repr=False, compare=False)
    # makes a stop request and the step to `_committing` exclude each other
    _guard: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    @property
    def committing(self) -> bool:
        """Whether the job is past its point of no return: it saves its result and finishes, stop or not."""
        return self._committing

    def _ask_stop(self) -> bool:
        """Set the stop request unless the job is already saving its result; whether it was set."""
        with self._guard:
            if self._committing:
                return False
            self._cancel.set()
            return True

    def _commit(self) -> None:
        """The job's point of no return: raises `Cancelled` when a stop was asked before it, else no stop is
        accepted after it."""
        with self._guard:
            if self._cancel.is_set():
                raise cancelled(self.kind)
            self._committing = True

    @property
    def outcome(self) -> str:
        """The state as a list of jobs shows it: "stopped" for a job stopped on request (its state is failed, with
        the code `cancelled`), else the state's value."""
        if self.state is JobState.failed and (self.error or {}).get("code") == "cancelled":
            return "stopped"
        return self.state.value

    @property
    def percent(self) -> float | None:
        if self.state is JobState.done:
            return 100.0
        if not self.total:
            return None
        return round(min(100.0, 100.0 * self.done / self.total), 1)

    @property
    def remaining_s(self) -> float | None:
        """About how long the job still runs, at its pace up to its last step: only while it runs, once a
        twentieth of its counted work and 3 s have passed (sooner, one slow first step would say hours). Between
        steps it counts down from the last one — it does not grow while a step runs — down to what the steps
        after the current one take at that pace."""
        if self.state is not JobState.running or not self.total or self.started_at is None:
            return None
        if not 0 < self.done < self.total or self.done < 0.05 * self.total:
            return None
        now = datetime.now(UTC)
        if (now - self.started_at).total_seconds() < 3:
            return None
        last = self.progressed_at or now
        pace = max((last - self.started_at).total_seconds(), 0.0) / self.done  # seconds per unit of work
        since = (now - last).total_seconds()
        left = self.total - self.done
        return max(pace * left - since, pace * (left - 1))

    def message_in(self, lang: str) -> str:
        """What the job is doing, in `lang` where the job said it in both languages."""
        return (self.messages or {}).get(lang) or self.message

    @property
    def finished(self) -> bool:
        return self.state in (JobState.done, JobState.failed)

    def to_dict(self) -> dict[str, Any]:
        result = self.result.to_dict() if hasattr(self.result, "to_dict") else self.result
        return {
            "id": self.id,
            "company_id": self.company_id,
            "kind": self.kind,
            "label": self.label,
            "user_id": self.user_id,
            "state": self.state.value,
            "progress": {
                "done": self.done,
                "total": self.total,
                "percent": self.percent,
                "remaining_s": self.remaining_s,
            },
            "message": self.message,
            "messages": self.messages,
            "result": result,
            "error": self.error,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "cancel_requested": self.cancel_requested and not self.finished,
        }


_UNEXPECTED = {
    "code": "internal_error",
    "message": {
        "en": "the job failed because of an unexpected error; the operator can find details in the server log",
        "ko": "예상하지 못한 오류로 작업이 실패했습니다. 운영자가 서버 로그에서 자세한 내용을 볼 수 있습니다",
    },
    "where": {},
}


class TooManyJobs(SandanError):
    code = "too_many_jobs"
    status = 429


#: how long the server, as it stops, waits for the jobs it asked to stop (a service manager kills it after 90 s)
SHUTDOWN_WAIT_S = 30.0

#: the job the current thread runs, for `committing`
_current: ContextVar[Job | None] = ContextVar("sandan_job", default=None)


def committing() -> None:
    """Mark the point of no return of the job this thread runs, just before its work becomes permanent (a model
    version is registered): a stop asked until now stops the job here (raises `Cancelled`, so nothing is saved);
    from now on `JobRegistry.cancel` refuses with the code `job_finishing` and the job finishes with its result,
    since a job that said "stopped, no result" must not leave one behind. Outside a job (the CLI, a request that
    does the work at once) it does nothing."""
    job = _current.get()
    if job is not None:
        job._commit()


#: the finished jobs of each company kept however many others finish after them (their results, for their pages)
KEEP_EACH_COMPANY = 5

#: jobs people of one company may have waiting or running at once: the workers are shared by every company, and
#: one company's 66 queued trainings kept another's import waiting
MAX_PENDING_PER_COMPANY = 8


class JobRegistry:
    """Runs submitted functions on a few worker threads and remembers their state, per company.

    A job function is called as `fn(progress, *args, **kwargs)`; its return value becomes the job's result.
    A `SandanError` it raises becomes the job's bilingual error; anything else is logged and reported generically.
    """

    def __init__(
        self,
        max_workers: int = 2,
        keep: int = 500,
        max_pending: int = MAX_PENDING_PER_COMPANY,
        keep_each: int = KEEP_EACH_COMPANY,
    ) -> None:
        self.max_pending = max_pending
        self._keep_each = keep_each
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="sandan-job")
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()
        self._keep = keep

    def submit(
        self,
        company_id: str,
        kind: str,
        fn: Callable[..., Any],
        *args: Any,
        user_id: str | None = None,
        label: str = "",
        **kwargs: Any,
    ) -> Job:
        job = Job(id=secrets.token_hex(8), company_id=company_id, kind=kind, user_id=user_id, label=label)
        with self._lock:
            if user_id is not None:  # the platform's own work (a federation round, the demo) is not counted
                pending = sum(
                    1
                    for j in self._jobs.values()
                    if j.company_id == company_id and j.user_id is not None and not j.finished
                )
                if pending >= self.max_pending:
                    raise TooManyJobs(
                        f"company {company_id!r} already has {pending} jobs waiting or running; wait for one to "
                        "finish, or stop one you no longer need",
                        f"회사 {company_id!r}에 이미 대기 중이거나 실행 중인 작업이 {pending}개 있습니다. 하나가 끝나기를 "
                        "기다리거나 필요 없는 작업을 멈추세요",
                        limit=self.max_pending,
                    )
            self._jobs[job.id] = job
            self._forget_old()
        self._pool.submit(self._run, job, fn, args, kwargs)
        return job

    def get(self, company_id: str, job_id: str) -> Job:
        """The job, if it belongs to `company_id`; another company's job is reported as not found."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or job.company_id != company_id:
            raise NotFound(
                f"job {job_id!r} not found; jobs are kept while the server runs",
                f"작업 {job_id!r}을(를) 찾을 수 없습니다. 작업 기록은 서버가 실행 중인 동안만 남습니다",
                code="job_not_found",
            )
        return job

    def cancel(self, company_id: str, job_id: str, principal: Any = None) -> Job:
        """Ask a job to stop: `principal` (an `accounts.Principal`; None for the platform itself) must have started
        it or may write for the company. A queued job stops at once; a running one at its next progress report (a
        simulation after the replications already running, training after its current trial, a schedule at its
        solver's next report), and then reads as failed with the code `cancelled`. A finished job is refused, and
        so is one past its point of no return (`committing`: it is registering its result and will finish)."""
        job = self.get(company_id, job_id)
        user_id = principal.user.id if principal is not None else None
        if principal is not None and job.user_id != user_id:
            principal.require_write(company_id)
        if job.finished:
            raise Conflict(
                f"job {job_id} has already finished; there is nothing to stop",
                f"작업 {job_id}은(는) 이미 끝났습니다. 멈출 것이 없습니다",
                code="job_finished",
            )
        if not job._ask_stop():
            raise Conflict(
                f"job {job_id} is already registering its result and will finish shortly; it can no longer be "
                "stopped",
                f"작업 {job_id}은(는) 이미 결과를 등록하는 중이며 곧 끝납니다. 이제는 멈출 수 없습니다",
                code="job_finishing",
            )
        log.info("job %s (%s, company %s): stop asked by %s", job.id, job.kind, company_id, user_id)
        with self._lock:
            if job.state is JobState.queued:
                self._stopped(job)
                job._finished.set()
        return job

    @staticmethod
    def _stopped(job: Job) -> None:
        exc = cancelled(job.kind)
        job.error, job.state = exc.to_dict(), JobState.failed
        job.finished_at = datetime.now(UTC)

    def list(self, company_id: str) -> list[Job]:
        with self._lock:
            return [j for j in reversed(self._jobs.values()) if j.company_id == company_id]

    def wait(self, company_id: str, job_id: str, timeout: float | None = None) -> Job:
        """Block until the job has finished (for the CLI and tests); returns it either way after `timeout`."""
        job = self.get(company_id, job_id)
        job._finished.wait(timeout)
        return job

    def shutdown(self, wait: bool = True, timeout: float = SHUTDOWN_WAIT_S) -> None:
        """Stop the registry as the server stops: ask every queued or running job to stop, as `cancel` does (a
        queued one never runs; a job past its point of no return finishes), then, with `wait`, wait up to
        `timeout` s for the running ones, and log how each ended. Jobs live only in memory, so nothing resumes
        them after a restart."""
        with self._lock:
            pending = [j for j in self._jobs.values() if not j.finished]
        for job in pending:
            asked = job._ask_stop()
            with self._lock:
                if job.state is JobState.queued:
                    self._stopped(job)
                    job._finished.set()
            log.info(
                "server stopping: job %s (%s, company %s) %s",
                job.id,
                job.kind,
                job.company_id,
                "asked to stop" if asked else "is registering its result; waiting for it",
            )
        self._pool.shutdown(wait=False, cancel_futures=True)
        if not wait:
            return
        deadline = time.monotonic() + timeout
        for job in pending:
            job._finished.wait(max(0.0, deadline - time.monotonic()))
        for job in pending:
            if not job.finished:
                log.warning(
                    "server stopping: job %s (%s, company %s) still runs after %g s; it stops at its next "
                    "progress report",
                    job.id,
                    job.kind,
                    job.company_id,
                    timeout,
                )
            else:
                log.info(
                    "server stopping: job %s (%s, company %s) %s",
                    job.id,
                    job.kind,
                    job.company_id,
                    "stopped" if job.outcome == "stopped" else f"ended {job.outcome}",
                )

    def _forget_old(self) -> None:
        """Keep memory bounded: drop the oldest finished jobs beyond `keep`, but never a company's newest
        `keep_each` (other companies' busy hours made a finished import "not found" while the server ran)."""
        excess = len(self._jobs) - self._keep
        if excess <= 0:
            return
        finished = [j for j in self._jobs.values() if j.finished]
        newer: dict[str, int] = {}
        kept = set()
        for job in reversed(finished):
            newer[job.company_id] = newer.get(job.company_id, 0) + 1
            if newer[job.company_id] <= self._keep_each:
                kept.add(job.id)
        for job_id in [j.id for j in finished if j.id not in kept][:excess]:
            del self._jobs[job_id]

    def _run(self, job: Job, fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> None:
        with self._lock:
            if job.finished:  # stopped while it waited for a worker
                return
            job.state = JobState.running
            job.started_at = datetime.now(UTC)

        def progress(done: int, total: int | None = None, message: str | tuple[str, str] = "") -> None:
            """`message`: one text, or (English, Korean) for pages to show in their language. Raises `Cancelled`
            once someone asked the job to stop, unless it is past its point of no return (`committing`)."""
            if job._cancel.is_set() and not job._committing:
                raise cancelled(job.kind)
            if int(done) != job.done:
                job.progressed_at = datetime.now(UTC)
            job.done = int(done)
            if total is not None:
                job.total = int(total)
            if isinstance(message, tuple):
                en, ko = message
                job.message, job.messages = f"{en} · {ko}", {"en": en, "ko": ko}
            elif message:
                job.message, job.messages = message, None

        token = _current.set(job)
        try:
            job.result = fn(progress, *args, **kwargs)
            job.state = JobState.done
        except SandanError as exc:
            job.error = exc.to_dict()
            job.state = JobState.failed
        except Exception:
            log.exception("job %s (%s, company %s) failed", job.id, job.kind, job.company_id)
            job.error = dict(_UNEXPECTED)
            job.state = JobState.failed
        finally:
            if job.state is JobState.failed:  # the last progress line ("model trained") is not what happened
                msg = job.error.get("message", {}) if job.error else {}
                job.message, job.messages = (
                    msg.get("en", ""),
                    {"en": msg.get("en", ""), "ko": msg.get("ko", "")},
                )
            job.finished_at = datetime.now(UTC)
            job._finished.set()
            _current.reset(token)


class BackgroundLoop:
    """A daemon thread that calls `tick()` each time `wait_s()` seconds have passed, until `stop()` (the server's
    alert evaluation, model serving and daily backup). `start()` after `stop()` starts it afresh."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wait_s(self) -> float:
        raise NotImplementedError

    def tick(self) -> None:
        raise NotImplementedError

    def _loop(self) -> None:
        while not self._stop.wait(self.wait_s()):
            self.tick()

    def start(self) -> Any:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


def cancelled(kind: str = "") -> Cancelled:
    """The stop of a job of `kind`, in words: an import says what it leaves behind, other jobs that they give no
    result."""
    if kind == "import":
        return Cancelled(
            "stopped on request; the rows stored before the stop are kept, and importing the file again adds no "
            "duplicates",
            "요청에 따라 멈췄습니다. 멈추기 전에 저장한 행은 남아 있고, 파일을 다시 가져와도 중복되지 않습니다",
        )
    return Cancelled("stopped on request; it gives no result", "요청에 따라 멈췄습니다. 결과는 없습니다")
