"""Backups of the whole platform, for the operator: start one while the server runs, follow it, list the archives
and download one to keep it off the server's disk.

Archives are written to the data folder's `backups/`; `sandan restore` brings one back (see `sandan.store.backup`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse

from sandan import __version__
from sandan.api.deps import JobsDep, PrincipalDep, SettingsDep, StoreDep
from sandan.api.errors import ERROR_RESPONSES
from sandan.jobs import PLATFORM
from sandan.store.backup import (
    BackupSchedule,
    backup_file,
    backup_folder,
    list_backups,
    submit_backup,
)


@asynccontextmanager
async def backup_schedule(app: FastAPI) -> AsyncIterator[None]:
    """The daily backup (SANDAN_BACKUP_AT, in the display time zone; '' for none) runs with the server."""
    settings = app.state.settings
    schedule = None
    if settings.backup_at:
        schedule = BackupSchedule(
            app.state.store,
            settings.ensure_data_dir(),
            settings.backup_at,
            settings.display_timezone,
            settings.backup_keep,
            __version__,
        ).start()
    app.state.backup_schedule = schedule
    try:
        yield
    finally:
        if schedule is not None:
            schedule.stop()


router = APIRouter(
    prefix="/api/v1/backups", tags=["backups"], responses=ERROR_RESPONSES, lifespan=backup_schedule
)


@router.post("", status_code=202)
def start_backup(
    principal: PrincipalDep, store: StoreDep, settings: SettingsDep, jobs: JobsDep
) -> dict[str, Any]:
    """Back up the database and the data folder while the server runs (platform operator only); follow the job
    at `GET /api/v1/backups/jobs/{id}`. 백업 시작."""
    principal.require_operator()
    return submit_backup(jobs, store, settings.ensure_data_dir(), principal.user.id, __version__).to_dict()


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


@router.get("/schedule")
def backup_schedule_state(principal: PrincipalDep, request: Request) -> dict[str, Any] | None:
    """The daily backup: when, how many are kept, the next run, the last one and its error (none when off)."""
    principal.require_operator()
    schedule = getattr(request.app.state, "backup_schedule", None)
    return schedule.to_dict() if schedule is not None else None


@router.get("/{name}", response_class=FileResponse, responses={200: {"content": {"application/x-tar": {}}}})
def download_backup(
    name: str, principal: PrincipalDep, settings: SettingsDep, store: StoreDep
) -> FileResponse:
    """One archive, to copy to another disk or a NAS (platform operator only). 백업 파일 내려받기."""
    principal.require_operator()
    path = backup_file(backup_folder(settings.data_dir), name)
    store.add_audit(None, principal.user.id, "backup.download", name, "")
    return FileResponse(path, media_type="application/x-tar", filename=name)
