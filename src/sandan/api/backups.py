"""Backups of the whole platform, for the operator: start one while the server runs, follow it, list the archives.

Archives are written to the data folder's `backups/`; `sandan restore` brings one back (see `sandan.store.backup`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from sandan import __version__
from sandan.api.deps import JobsDep, PrincipalDep, SettingsDep, StoreDep
from sandan.api.errors import ERROR_RESPONSES
from sandan.jobs import PLATFORM
from sandan.store.backup import JOB_KIND, backup_folder, backup_job, list_backups

router = APIRouter(prefix="/api/v1/backups", tags=["backups"], responses=ERROR_RESPONSES)


@router.post("", status_code=202)
def start_backup(
    principal: PrincipalDep, store: StoreDep, settings: SettingsDep, jobs: JobsDep
) -> dict[str, Any]:
    """Back up the database and the data folder while the server runs (platform operator only); follow the job
    at `GET /api/v1/backups/jobs/{id}`. 백업 시작."""
    principal.require_operator()
    job = jobs.submit(
        PLATFORM,
        JOB_KIND,
        backup_job,
        store,
        settings.ensure_data_dir(),
        __version__,
        user_id=principal.user.id,
        label="backup",
    )
    return job.to_dict()


@router.get("/jobs/{job_id}")
def backup_job_state(job_id: str, principal: PrincipalDep, jobs: JobsDep) -> dict[str, Any]:
    """A backup's progress and, once done, the archive it wrote. 백업 진행 상황."""
    principal.require_operator()
    return jobs.get(PLATFORM, job_id).to_dict()


@router.get("")
def backups(principal: PrincipalDep, settings: SettingsDep) -> list[dict[str, Any]]:
    """The archives in the data folder's backups/, newest first (platform operator only). 백업 목록."""
    principal.require_operator()
    return list_backups(backup_folder(settings.data_dir))
