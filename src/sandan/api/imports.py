"""File import over HTTP: upload and preview, then import in a background job whose progress the client polls.

Reading, mapping and validating the file is `sandan.collect.files`; this keeps the upload and starts the job.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import BaseModel, Field

from sandan.accounts import audit
from sandan.api.deps import JobsDep, ReadTenant, WriteTenant, company_router
from sandan.api.models import JobOut
from sandan.collect.files import Mapping, import_file, preview_for_company
from sandan.collect.uploads import UPLOAD_ID, save_upload, uploaded_file
from sandan.domain import InvalidInput
from sandan.store import Store

router: APIRouter = company_router("imports")

_UPLOAD_ID = UPLOAD_ID.pattern


class PreviewOut(BaseModel):
    model_config = {"extra": "allow"}

    upload_id: str = Field(description="pass it to POST …/imports with the (edited) mapping")
    filename: str


@router.post("/imports/preview", response_model=PreviewOut)
def preview(
    t: WriteTenant,
    file: Annotated[UploadFile, File(description="CSV, Excel or Parquet file")],
    encoding: Annotated[str | None, Form(description="text encoding; detected when empty")] = None,
    sheet: Annotated[str | None, Form(description="Excel sheet name; the first when empty")] = None,
    rows: Annotated[int, Form(ge=1, le=200)] = 20,
) -> dict[str, Any]:
    """Keep the file and show its first rows with the detected layout and a proposed column mapping; `check` says
    which of those rows the import would reject under that mapping, and why (nothing is stored)."""
    upload_id, path = save_upload(t.settings.data_dir, t.company_id, file.filename, file.file)
    shown = preview_for_company(
        t.store,
        t.company_id,
        path,
        filename=file.filename,
        encoding=encoding or None,
        sheet=sheet or None,
        rows=rows,
    )
    return {**shown.to_dict(), "upload_id": upload_id, "filename": path.name}


class ImportIn(BaseModel):
    upload_id: str = Field(pattern=_UPLOAD_ID)
    mapping: dict[str, Any] = Field(description="the preview's `mapping`, edited where needed")


class CheckIn(BaseModel):
    upload_id: str = Field(pattern=_UPLOAD_ID)
    mapping: dict[str, Any] = Field(description="the preview's `mapping`, edited where needed")
    rows: int = Field(default=20, ge=1, le=200)


@router.post("/imports/check", response_model=PreviewOut)
def check(body: CheckIn, t: WriteTenant) -> dict[str, Any]:
    """The preview of an uploaded file again, its first rows checked with an edited mapping (nothing is stored)."""
    path = uploaded_file(t.settings.data_dir, t.company_id, body.upload_id)
    mapping = Mapping.from_dict(body.mapping, where="mapping")
    shown = preview_for_company(
        t.store, t.company_id, path, filename=path.name, rows=body.rows, mapping=mapping
    )
    return {**shown.to_dict(), "upload_id": body.upload_id, "filename": path.name}


def _import(progress, store: Store, company_id: str, path: Path, mapping: Any, source: str):
    return import_file(store, company_id, path, mapping, source=source, progress=progress, filename=path.name)


@router.post("/imports", response_model=JobOut, status_code=202)
def start_import(body: ImportIn, t: WriteTenant, jobs: JobsDep) -> dict[str, Any]:
    """Start importing an uploaded file; poll GET …/jobs/{job_id} for progress and the receipt."""
    path = uploaded_file(t.settings.data_dir, t.company_id, body.upload_id)
    mapping = Mapping.from_dict(body.mapping, where="mapping")
    # what the sample check says would stop the import (a column the mapping needs and the file lacks) is refused
    # now, as the web's import form does, not by a job that fails after a 202
    error = preview_for_company(t.store, t.company_id, path, filename=path.name, mapping=mapping).check.error
    if error is not None:
        raise InvalidInput(error["en"], error["ko"], code=error["code"], field="mapping")
    job = jobs.submit(
        t.company_id,
        "import",
        _import,
        t.store,
        t.company_id,
        path,
        mapping,
        f"{t.source}:{path.name}",
        user_id=t.user_id,
        label=path.name,
    )
    audit(t.store, t.principal, t.company_id, "import.start", path.name, f"job {job.id}")
    return job.to_dict()


@router.get("/jobs", response_model=list[JobOut])
def list_jobs(t: ReadTenant, jobs: JobsDep) -> list[dict[str, Any]]:
    """This company's jobs since the server started, newest first."""
    return [j.to_dict() for j in jobs.list(t.company_id)]


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(job_id: str, t: ReadTenant, jobs: JobsDep) -> dict[str, Any]:
    """State, progress, and the receipt when done or the error (in both languages) when failed."""
    return jobs.get(t.company_id, job_id).to_dict()


@router.post("/jobs/{job_id}/cancel", response_model=JobOut)
def cancel_job(job_id: str, t: ReadTenant, jobs: JobsDep) -> dict[str, Any]:
    """Ask a queued or running job to stop: by whoever started it, or anyone who may write for the company. A
    running job stops at its next progress report and then reads as failed with the code `cancelled`."""
    stopped = jobs.cancel(t.company_id, job_id, t.principal)
    audit(t.store, t.principal, t.company_id, "job.cancel", job_id, f"{stopped.kind} {stopped.label}")
    return stopped.to_dict()
