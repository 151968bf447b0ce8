"""Member companies: the operator lists and registers them; everyone else sees only their own.

The per-company route goes through the tenant dependency like every other `/companies/{company_id}` route.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from sandan import __version__
from sandan.api.deps import AdminTenant, JobsDep, PrincipalDep, ReadTenant, StoreDep
from sandan.api.errors import ERROR_RESPONSES
from sandan.collect.assets import register_company, update_company
from sandan.collect.erase import erase_company
from sandan.collect.takeout import list_takeouts, submit_takeout, takeout_file
from sandan.domain import Company, InvalidInput

router = APIRouter(prefix="/api/v1/companies", tags=["companies"], responses=ERROR_RESPONSES)


@router.get("", response_model=list[Company])
def list_companies(principal: PrincipalDep, store: StoreDep) -> list[Company]:
    """The operator sees every company; other users see their own."""
    if principal.is_operator:
        return store.cross_tenant_companies()
    own = store.get_company(principal.user.company_id or "")
    return [own] if own else []


@router.post("", response_model=Company, status_code=201)
def create_company(body: Company, principal: PrincipalDep, store: StoreDep) -> Company:
    """Register a member company (platform operator only)."""
    return register_company(store, principal, body.id, body.name, body.family, body.region)


@router.get("/{company_id}", response_model=Company)
def get_company(t: ReadTenant) -> Company:
    return t.store.get_company(t.company_id)


@router.put("/{company_id}", response_model=Company)
def put_company(body: Company, t: ReadTenant) -> Company:
    """Change a member's name, process family or region (platform operator only); its id stays."""
    if body.id != t.company_id:
        raise InvalidInput(
            f"the company's id {body.id!r} differs from the path's {t.company_id!r}; an id never changes",
            f"회사 ID {body.id!r}이(가) 경로의 {t.company_id!r}와(과) 다릅니다. ID는 바뀌지 않습니다",
            code="id_mismatch",
        )
    return update_company(t.store, t.principal, t.company_id, body.name, body.family, body.region)


# ---- takeout: everything the platform holds for the company, as one ZIP ---------------------------------------------
@router.post("/{company_id}/takeout", status_code=202)
def start_takeout(
    t: AdminTenant,
    jobs: JobsDep,
    lang: Annotated[Literal["ko", "en"], Query(description="language of the CSV files' headers")] = "ko",
) -> dict[str, Any]:
    """Write all of the company's records and files to one ZIP on the server (company admin only): part records
    and machine events as monthly CSV that Excel opens and sandan imports back, readings as monthly Parquet, the
    plant, users, quarantine, audit log, models and settings. Follow the job at `GET …/takeout/jobs/{id}`, then
    download the file at `GET …/takeout/{name}`. 데이터 전체 내려받기."""
    return submit_takeout(
        jobs,
        t.store,
        t.company_id,
        t.settings.ensure_data_dir(),
        t.user_id,
        zone=t.settings.display_timezone,
        lang=lang,
        version=__version__,
    ).to_dict()


@router.get("/{company_id}/takeout/jobs/{job_id}")
def takeout_job_state(t: AdminTenant, job_id: str, jobs: JobsDep) -> dict[str, Any]:
    """A takeout's progress (months done of all) and, once done, the file's name, size and rows."""
    return jobs.get(t.company_id, job_id).to_dict()


@router.get("/{company_id}/takeout")
def takeouts(t: AdminTenant) -> list[dict[str, Any]]:
    """The company's takeouts on the server, newest first (the newest three are kept)."""
    return list_takeouts(t.settings.data_dir, t.company_id)


@router.get(
    "/{company_id}/takeout/{name}",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}}},
)
def download_takeout(t: AdminTenant, name: str) -> FileResponse:
    """One takeout file. 내려받기."""
    path = takeout_file(t.settings.data_dir, t.company_id, name)
    t.store.add_audit(t.company_id, t.user_id, "company.takeout_download", name, "")
    return FileResponse(path, media_type="application/zip", filename=name)


# ---- erasure: a member leaves the complex ---------------------------------------------------------------------------
@router.delete("/{company_id}")
def erase(
    t: ReadTenant,
    jobs: JobsDep,
    confirm: Annotated[str, Query(description="the company's id again, as confirmation")],
) -> dict[str, Any]:
    """Erase everything held for the company (platform operator only): its records, plant, users, models, files and
    settings; its shared models stay for those who adopted them, withdrawn. Make its takeout first
    (`POST …/takeout`): the takeout files are erased too. Refused (409) while a job of the company still runs.
    Backups made before still hold its records until pruned. 회사 데이터 전체 삭제."""
    return erase_company(t.store, t.principal, t.company_id, t.settings.data_dir, confirm, jobs=jobs)
