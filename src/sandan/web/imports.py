"""The import pages: upload → preview with detected roles → mapping → import job with progress → receipt.

Reading, mapping and validating files is `sandan.collect.files`; the job runs on the server's `sandan.jobs`
registry (the one the API uses), so the progress and receipt are the same whichever interface started it.
"""

from __future__ import annotations

import copy
import typing
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sandan.accounts import audit
from sandan.collect.files import PLAIN_ROLES, field_named
from sandan.collect.uploads import save_upload, uploaded_file
from sandan.domain import SandanError
from sandan.jobs import JobState
from sandan.twin.process import column_roles
from sandan.web.shell import Page, UserPage, WebRoute, company_of, jobs_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PREVIEW_ROWS = 20
# "ignore" first: the form offers it as the neutral choice
BASE_ROLES = ["ignore", *(r for r in PLAIN_ROLES if r != "ignore")]
NAMED_ROLES = ("param", "measure", "signal")
# What Korean plants' files come in: Excel's CSV is CP949 (a superset of EUC-KR); newer tools write UTF-8.
ENCODINGS = ["utf-8", "utf-8-sig", "cp949", "euc-kr", "utf-16"]


def _uploaded(page: Page, company_id: str, upload_id: str) -> Path:
    return uploaded_file(page.settings.data_dir, company_id, upload_id)


def _choices(field: str) -> list[str]:
    """The allowed values of a Mapping field (a Literal or an Enum), so the form offers exactly those."""
    from sandan.collect.files import Mapping

    annotation = Mapping.model_fields[field].annotation
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and hasattr(arg, "__members__"):
            return [m.value for m in arg]
        values = [a for a in typing.get_args(arg) if isinstance(a, str)]
        if values and typing.get_origin(arg) is typing.Literal:
            return values
    return []


def _role_options(column: str, current: str, known: list[str] = ()) -> list[str]:
    """The roles a column may take: the fixed ones, a parameter / measurement / signal of its own name, and the
    parameters and measurements the company's machines already record under their names ("주축회전수" in a file
    can join the machines' `spindle_speed_rpm` instead of starting a key of its own)."""
    options = list(BASE_ROLES)
    # A column whose header names a record field (설비, 부품번호, 판정, 시간 …) holds that field, not a number:
    # "parameter: 설비" or "signal: 판정" would only be a wrong click, so it is offered the fixed roles alone.
    if field_named(column) is None:
        options += [f"{prefix}:{column}" for prefix in NAMED_ROLES]
        options += [k for k in known if k not in options]
    if current and current not in options:
        options.insert(1, current)
    return options


def _crumbs(page: Page, company_id: str, *more: tuple[str, str | None]) -> None:
    page.crumbs.append((page.t("import.title"), f"/companies/{company_id}/import"))
    page.crumbs.extend(more)


@router.get("/companies/{company_id}/import", response_class=HTMLResponse)
def upload_form(page: UserPage, company_id: str) -> Response:
    company = company_of(page, company_id)
    page.crumbs.append((page.t("import.title"), None))
    recent = [j for j in jobs_of(page.request).list(company.id) if j.kind == "import"][:10]
    return page.render(
        "import_upload.html",
        company=company,
        can_write=page.principal.user.role.can_write,
        recent=recent,
        error=None,
    )


def _upload_refused(page: Page, company: Any, message: str, status: int) -> Response:
    """The upload step again with why the file was not taken, where the user picks another one."""
    return page.render(
        "import_upload.html", status, company=company, can_write=True, recent=[], error=message
    )


@router.post("/companies/{company_id}/import", response_class=HTMLResponse)
def upload(
    page: UserPage,
    company_id: str,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    company = company_of(page, company_id)
    page.principal.require_write(company.id)
    if file is None or not file.filename:
        page.crumbs.append((page.t("import.title"), None))
        return _upload_refused(page, company, page.t("import.no_file"), 400)
    try:
        upload_id, _path = save_upload(page.settings.data_dir, company.id, file.filename, file.file)
    except SandanError as exc:  # an empty or too large file: said on the upload form, where another is chosen
        page.crumbs.append((page.t("import.title"), None))
        return _upload_refused(page, company, exc.message(page.lang), exc.status)
    return RedirectResponse(f"/companies/{company.id}/import/{upload_id}", status_code=303)


@router.get("/companies/{company_id}/import/{upload_id}", response_class=HTMLResponse)
def preview(page: UserPage, company_id: str, upload_id: str, encoding: str = "", sheet: str = "") -> Response:
    company = company_of(page, company_id)
    page.principal.require_write(company.id)
    path = _uploaded(page, company.id, upload_id)
    return _preview_page(page, company, upload_id, path, encoding=encoding or None, sheet=sheet or None)


@router.post("/companies/{company_id}/import/{upload_id}/check", response_class=HTMLResponse)
async def check(request: Request, page: UserPage, company_id: str, upload_id: str) -> Response:
    """The preview again, its sample rows checked with the mapping as the user has edited it on the page."""
    company = company_of(page, company_id)
    page.principal.require_write(company.id)
    path = _uploaded(page, company.id, upload_id)
    form = await request.form()
    chosen = form.get("encoding_chosen") == "1"  # the user picked the encoding on an earlier preview
    return _preview_page(
        page, company, upload_id, path, mapping=_mapping_of(form, path), encoding_chosen=chosen
    )


def _preview_page(
    page: Page,
    company: Any,
    upload_id: str,
    path: Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    mapping: Any = None,
    encoding_chosen: bool = False,
) -> Response:
    _crumbs(page, company.id, (path.name, None))
    try:
        shown = _preview_of(page, company, path, encoding=encoding, sheet=sheet, mapping=mapping)
    except SandanError as exc:
        # A file sandan cannot read is a message on the upload step, where the user picks another file.
        page.crumbs[-1] = (path.name, None)
        return _upload_refused(page, company, exc.message(page.lang), exc.status)
    return _render_preview(page, company, upload_id, path, shown, bool(encoding) or encoding_chosen)


def _preview_of(
    page: Page,
    company: Any,
    path: Path,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    mapping: Any = None,
) -> Any:
    from sandan.collect.files import preview_for_company

    return preview_for_company(
        page.store,
        company.id,
        path,
        filename=path.name,
        encoding=encoding,
        sheet=sheet,
        rows=PREVIEW_ROWS,
        mapping=mapping,
        timezone=page.settings.display_timezone,
    )


def _render_preview(
    page: Page,
    company: Any,
    upload_id: str,
    path: Path,
    shown: Any,
    encoding_chosen: bool,
    status_code: int = 200,
    refused: bool = False,
) -> Response:
    data = shown.to_dict()
    mapping = shown.mapping
    machines = page.store.list_machines(company.id)
    families = [m.family for m in machines]
    known_names = column_roles(families)
    known = list(known_names)
    columns = [
        {
            "name": name,
            "role": mapping.columns.get(name, "ignore"),
            "options": _role_options(name, mapping.columns.get(name, ""), known),
        }
        for name in data["columns"]
    ]
    check = shown.check
    # Excel row number -> what the import would say about it, in the page's language
    rejects = {
        row: [{"column": i["column"], "text": i["message"][page.lang]} for i in issues]
        for row, issues in (check.by_row().items() if check is not None else [])
    }
    return page.render(
        "import_preview.html",
        status_code,
        company=company,
        upload_id=upload_id,
        filename=path.name,
        data=data,
        mapping=mapping,
        columns=columns,
        sample=data["rows"],
        warnings=[n.get(page.lang) or n.get("en", "") for n in data.get("notices", [])],
        has_time=any(r in ("time", "start") for r in mapping.columns.values()),
        kinds=_choices("kind") or [mapping.kind],
        layouts=_choices("layout") or [mapping.layout],
        machines=machines,
        encodings=ENCODINGS,
        encoding_chosen=encoding_chosen,
        role_label=lambda role: role_label(page, role, known_names),
        check=data["check"],
        rejects=rejects,
        refused=refused,
    )


def role_label(page: Page, role: str, known: dict[str, dict[str, str]] | None = None) -> str:
    for prefix, key in (
        ("param:", "colrole.param"),
        ("measure:", "colrole.measure"),
        ("signal:", "colrole.signal_named"),
    ):
        if role.startswith(prefix):
            name = role[len(prefix) :]
            words = (known or {}).get(role, {}).get(page.lang)
            return page.t(key, name=f"{words} ({name})" if words else name)
    return page.t(f"colrole.{role}")


def _text(form: Any, name: str) -> str | None:
    value = form.get(name)
    return value.strip() or None if isinstance(value, str) else None


def _run_import(progress, store, company_id: str, path: Path, mapping, source: str):
    from sandan.collect.files import import_file

    return import_file(store, company_id, path, mapping, source=source, progress=progress, filename=path.name)


def _mapping_of(form: Any, path: Path) -> Any:
    """The mapping form of the preview page as a `Mapping` (checked: a bad role is a clear message)."""
    from sandan.collect.files import Mapping

    names = [v for k, v in form.multi_items() if k.startswith("col_")]
    roles = [v for k, v in form.multi_items() if k.startswith("role_")]
    fields: dict[str, Any] = {
        "kind": form.get("kind"),
        "layout": form.get("layout"),
        "columns": dict(zip(names, roles, strict=False)),
        "timezone": _text(form, "timezone"),
        "date_order": _text(form, "date_order"),
        "machine_id": _text(form, "machine_id"),
        "encoding": _text(form, "encoding"),
        "sheet": _text(form, "sheet"),
        "delimiter": form.get("delimiter") or None,  # a tab or space delimiter must survive untrimmed
        "register_signals": form.get("register_signals") == "on",
        "start_time": _text(form, "start_time"),
        "interval_s": _text(form, "interval_s"),
    }
    return Mapping.from_dict({k: v for k, v in fields.items() if v is not None}, where=path.name)


@router.post("/companies/{company_id}/import/{upload_id}", response_class=HTMLResponse)
async def start_import(request: Request, page: UserPage, company_id: str, upload_id: str) -> Response:
    company = company_of(page, company_id)
    page.principal.require_write(company.id)
    path = _uploaded(page, company.id, upload_id)
    form = await request.form()
    mapping = _mapping_of(form, path)
    # A mapping the sample check says would stop the import (a required column missing) is not started: the
    # preview comes back with the user's choices and the reason, instead of a failed job.
    shown = _preview_of(page, company, path, mapping=mapping)
    if shown.check is not None and shown.check.error is not None:
        _crumbs(page, company.id, (path.name, None))
        chosen = form.get("encoding_chosen") == "1"
        return _render_preview(page, company, upload_id, path, shown, chosen, 422, refused=True)
    user = page.principal.user.id
    job = jobs_of(request).submit(
        company.id,
        "import",
        _run_import,
        page.store,
        company.id,
        path,
        mapping,
        f"web:{user}:{path.name}",
        user_id=user,
        label=path.name,
    )
    job.context["started"] = (upload_id, mapping)
    audit(page.store, page.principal, company.id, "import.start", path.name, f"job {job.id}")
    return RedirectResponse(f"/companies/{company.id}/import/jobs/{job.id}", status_code=303)


@router.get("/companies/{company_id}/import/jobs/{job_id}", response_class=HTMLResponse)
def job_page(page: UserPage, company_id: str, job_id: str) -> Response:
    company = company_of(page, company_id)
    # One snapshot: the worker thread may finish the job while the page renders, and the page must not
    # show "finished" from one read with the receipt of an earlier one.
    job = copy.copy(jobs_of(page.request).get(company.id, job_id))
    _crumbs(page, company.id, (job.label or job.id, None))
    receipt = job.result.to_dict() if job.state is JobState.done and job.result is not None else None
    # the machines whose rows the file held, to see them there
    seen = set(receipt["machines"]) if receipt is not None else set()
    machines = [m for m in page.store.list_machines(company.id) if m.id in seen]
    # the upload and mapping an import started with, so one that stopped goes back to its mapping, choices kept
    started = job.context.get("started")
    back = None
    if started is not None and job.state is JobState.failed:
        upload_id, mapping = started
        try:
            _uploaded(page, company.id, upload_id)
        except SandanError:
            pass  # the upload is gone: only another file can be imported
        else:
            back = {
                "action": f"/companies/{company.id}/import/{upload_id}/check",
                "fields": _form_of(mapping),
            }
    script = {
        "api": f"/api/v1/companies/{company.id}/jobs/{job.id}",
        "text": {
            "queued": page.t("import.queued"),
            "running": page.t("import.progress"),
            "counted": page.t("import.progress_rows", done="{done}", total="{total}"),
        },
    }
    return page.render(
        "import_job.html",
        company=company,
        job=job,
        receipt=receipt,
        machines=machines,
        script=script,
        back=back,
        progress_text=job.message_in(page.lang) if job.message else None,
    )


def _form_of(mapping: Any) -> list[tuple[str, str]]:
    """A mapping as the preview's form fields (`_mapping_of` reads them back), for a form that returns to it."""
    fields: list[tuple[str, str]] = [("kind", mapping.kind), ("layout", mapping.layout)]
    for i, (column, role) in enumerate(mapping.columns.items()):
        fields += [(f"col_{i}", column), (f"role_{i}", role)]
    for name in ("timezone", "date_order", "machine_id", "encoding", "sheet", "delimiter", "interval_s"):
        value = getattr(mapping, name)
        if value is not None:
            fields.append((name, str(value)))
    if mapping.start_time is not None:
        fields.append(("start_time", mapping.start_time.isoformat()))
    if mapping.register_signals:
        fields.append(("register_signals", "on"))
    return fields
