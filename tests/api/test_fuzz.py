"""Fuzz every operation of the OpenAPI schema: whatever a user sends, the API answers 4xx, never 5xx.

Schemathesis generates the requests from the app's own schema, in one pass that mixes data that fits the schema
(positive) with data that breaks it (negative: wrong types, missing fields, out-of-range values). Each operation runs
against the real app on a fresh copy of the seeded DuckDB store of `world`, signed in as the user the route is meant
for: a company engineer, or the company admin or the platform operator on their routes. Only one thing is checked:
no 5xx and no exception out of the app. Error bodies are checked in test_errors.py, not against the schema here.

Routes that start background work (training, twin simulations, schedules and designs, recommendation jobs, catalogue
evaluation and fine-tuning, imports) run with a job registry that records jobs but never runs them: the route still
checks the request and answers, but no fuzzed request trains a model or runs a simulation on the test machine.
Federation runs need a federation with members, which no fuzzed request can create in the fresh store.

Deterministic (fixed seed, derandomized). For a deeper local run: SANDAN_FUZZ_EXAMPLES=100 (and SANDAN_FUZZ_SEED,
SANDAN_FUZZ_MODE=positive|negative|all).
"""

from __future__ import annotations

import logging
import os
import tempfile
import traceback
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.python import asgi

from sandan.api import create_app
from sandan.jobs import Job, JobRegistry
from sandan.settings import Settings
from sandan.store import open_store

# Examples per operation: enough for the usual shapes (empty, huge, odd text, wrong types, missing fields) while the
# file stays well under a minute and a half on two busy cores.
EXAMPLES = int(os.environ.get("SANDAN_FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("SANDAN_FUZZ_SEED", "20260501"))
MODE = os.environ.get("SANDAN_FUZZ_MODE", "all")


def _shared_app():
    """One app for every operation. FastAPI builds its routes' state on an app's first request (about half a second
    here), so rather than a new app per test, this one is pointed at each test's `world` (see `fuzz_world`)."""
    with tempfile.TemporaryDirectory() as tmp:
        placeholder = open_store("duckdb://:memory:", migrate=False)  # replaced before any request
        app = create_app(Settings(data_dir=Path(tmp) / "data"), store=placeholder)
        placeholder.close()
    return app


CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,  # a seed per operation, derived from this one
        "generation": {"mode": MODE, "max-examples": EXAMPLES},
        # the schema has no examples; the coverage phase adds dozens of fixed cases per operation, too slow here
        "phases": {
            "examples": {"enabled": False},
            "coverage": {"enabled": False},
            "stateful": {"enabled": False},
        },
        # every company route on the signed-in user's company; ids and names of the seeded world half the time
        "dictionaries": {
            "machines": {"values": ["m1"]},
            "lines": {"values": ["l1"]},
            "sites": {"values": ["s1"]},
            "users": {"values": ["a-view", "a-eng", "a-admin", "b-eng"]},
            "signals": {"values": ["temp"]},
            "zones": {"values": ["Asia/Seoul", "UTC"]},
            # times are plain strings in the schema: a valid one, one without a zone, and the ends of the calendar
            "times": {
                "values": [
                    "2026-05-01T08:00:00+09:00",
                    "2026-05-01T08:00:00",
                    "0001-01-01T00:00:00Z",
                    "9999-12-31T23:59:59-01:00",
                ]
            },
        },
        "parameters": {
            "path.company_id": "acme",
            "path.machine_id": {"dictionary": "machines", "probability": 0.5},
            "path.line_id": {"dictionary": "lines", "probability": 0.5},
            "path.site_id": {"dictionary": "sites", "probability": 0.5},
            "path.user_id": {"dictionary": "users", "probability": 0.5},
            "query.machine_id": {"dictionary": "machines", "probability": 0.5},
            "query.line_id": {"dictionary": "lines", "probability": 0.5},
            "query.signal": {"dictionary": "signals", "probability": 0.5},
            "query.timezone": {"dictionary": "zones", "probability": 0.5},
            "body.machine_id": {"dictionary": "machines", "probability": 0.5},
            "body.machine_ids[*]": {"dictionary": "machines", "probability": 0.5},
            "body.line_id": {"dictionary": "lines", "probability": 0.5},
            "body.site_id": {"dictionary": "sites", "probability": 0.5},
            "body.stations[*].[*]": {"dictionary": "machines", "probability": 0.5},
            "body.signal": {"dictionary": "signals", "probability": 0.5},
            "body.timezone": {"dictionary": "zones", "probability": 0.5},
            "query.start": {"dictionary": "times", "probability": 0.5},
            "query.end": {"dictionary": "times", "probability": 0.5},
            "body.start": {"dictionary": "times", "probability": 0.5},
            "body.end": {"dictionary": "times", "probability": 0.5},
            "body.at": {"dictionary": "times", "probability": 0.5},
        },
    }
)

APP = _shared_app()
schema = schemathesis.openapi.from_dict(APP.openapi(), config=CONFIG)

_OPERATOR_PREFIXES = ("/api/v1/federations", "/api/v1/monitor/")
_ADMIN_PREFIXES = ("/api/v1/companies/{company_id}/users", "/api/v1/companies/{company_id}/audit")


def user_for(method: str, path: str) -> str:
    """Who calls the route: the platform operator, the company admin, or else a company engineer."""
    if path.startswith(_OPERATOR_PREFIXES) or (method == "POST" and path == "/api/v1/companies"):
        return "ops"
    if path.startswith(_ADMIN_PREFIXES):
        return "a-admin"
    return "a-eng"


class InertJobs(JobRegistry):
    """Records submitted jobs (so GET …/jobs answers as usual) but never runs them."""

    def submit(self, company_id, kind, fn, *args, user_id=None, label="", **kwargs) -> Job:
        job = Job(
            id=f"inert{len(self._jobs):04d}", company_id=company_id, kind=kind, user_id=user_id, label=label
        )
        with self._lock:
            self._jobs[job.id] = job
        return job


@pytest.fixture
def fuzz_world(world):
    """The shared app on `world`'s fresh store, data folder and connectors (all that a request reads of app.state),
    with jobs that never run."""
    own = world.client.app.state
    APP.state.store, APP.state.settings, APP.state.connectors = own.store, own.settings, own.connectors
    APP.state.jobs = InertJobs(max_workers=1)
    # a 500 is reported by the test with its last frames; the app's log of it would repeat for every shrink step
    api_log = logging.getLogger("sandan.api")
    api_log.disabled = True
    yield world
    api_log.disabled = False
    APP.state.jobs.shutdown(wait=False)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    # one world per operation, shared by its examples; the generated bodies may be large or often rejected
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_no_request_gets_a_server_error(case, fuzz_world):
    user = user_for(case.method.upper(), case.path)
    # in-process, fresh cookies each time; an exception in the app comes out of case.call
    session = asgi.get_client(APP)
    try:
        response = case.call(session=session, headers=fuzz_world.auth(user))
    except Exception as exc:
        # a real client gets the generic 500: say where it came from and how to send the request again
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/sandan/" in f.filename][-4:]
        raise AssertionError(
            f"{case.method} {case.formatted_path} as {user}: 500, {type(exc).__name__}: {exc}\n"
            f"{''.join(traceback.format_list(frames))}{case.as_curl_command()}"
        ) from None
    case.validate_response(response, checks=[schemathesis.checks.not_a_server_error])
