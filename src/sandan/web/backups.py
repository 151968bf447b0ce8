"""The operator's backups page: the archives kept in the data folder, and a backup started while the server runs.

The work is `sandan.store.backup.submit_backup`, the same the API starts.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sandan import __version__
from sandan.jobs import PLATFORM, JobState
from sandan.store.backup import backup_folder, backup_space, list_backups, submit_backup
from sandan.web.shell import UserPage, WebRoute, job_snapshot, jobs_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)


@router.get("/backups", response_class=HTMLResponse)
def backups_page(page: UserPage, job: Annotated[str | None, Query(max_length=32)] = None) -> Response:
    page.principal.require_operator()
    page.crumbs.append((page.t("backups.title"), None))
    # none after a restart: the list shows what was written
    running = job_snapshot(page.request, PLATFORM, job)
    script = {
        "api": f"/api/v1/backups/jobs/{running.id}" if running else "",
        "text": {"queued": page.t("backups.queued"), "running": page.t("backups.running")},
    }
    return page.render(
        "backups.html",
        archives=list_backups(backup_folder(page.settings.data_dir)),
        schedule=getattr(page.request.app.state, "backup_schedule", None),
        space=backup_space(backup_folder(page.settings.data_dir)),
        folder=backup_folder(page.settings.data_dir),
        job=running,
        done=JobState.done,
        failed=JobState.failed,
        script=script,
    )


@router.post("/backups", response_class=HTMLResponse)
def start_backup(page: UserPage) -> Response:
    """Start a backup of the whole platform; the page follows it."""
    page.principal.require_operator()
    job = submit_backup(
        jobs_of(page.request),
        page.store,
        page.settings.ensure_data_dir(),
        page.principal.user.id,
        __version__,
    )
    return RedirectResponse(f"/backups?job={job.id}", status_code=303)
