"""A member leaves the complex: everything the platform holds for it is erased, after its takeout.

`erase_company` deletes, in one transaction, its rows in every table of the store that holds a company's rows
(records, rollups, plant, users and their tokens, models, predictions, quarantine, audit log, …) and the company
itself; then its files in the data folder (the same list the takeout reads, plus its takeouts, its federation key
and the shared copies of the models it published), its recipes, alert rules and alerts, partner profile and
outcomes, and its federation memberships. Its shared-catalogue entries stay listed for the companies that adopted
them (who hold copies of their own), withdrawn and no longer naming it. The platform's audit log records the
erasure with what was deleted.

Backups made before the erasure still hold the company's records until they are pruned; the result says how many.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandan.accounts import Principal
from sandan.collect.takeout import COMPANY_FILES, list_takeouts, takeout_folder
from sandan.domain import Conflict, InvalidInput, NotFound, ProcessFamily, SandanError
from sandan.domain.model import ID_PATTERN
from sandan.jobs import JobRegistry
from sandan.learn.registry import forget_loaded
from sandan.store import Store
from sandan.store.backup import backup_folder, backups_holding

#: What adopters of the company's shared models read.
WITHDRAWN_REASON = "the publisher left the complex · 공개한 회사가 산업단지를 떠났습니다"


def erase_check(store: Store, company_id: str, data_dir: Path) -> dict[str, Any]:
    """What the operator should know before erasing: whether the company is registered, its newest takeout (None
    when it has made none) and the backups that will still hold its records."""
    takeouts = [t for t in list_takeouts(data_dir, company_id) if "error" not in t]
    return {
        "company_id": company_id,
        "exists": store.get_company(company_id) is not None,
        "last_takeout": takeouts[0] if takeouts else None,
        "backups": len(backups_holding(backup_folder(data_dir), company_id)),
    }


def erase_company(
    store: Store,
    principal: Principal | None,
    company_id: str,
    data_dir: Path,
    confirm: str,
    *,
    jobs: JobRegistry | None = None,
) -> dict[str, Any]:
    """Erase everything held for `company_id` (platform operator only; `principal` None is the server's command
    line). `confirm` must repeat the company's id; refused while the company has a job queued or running in `jobs`
    (the server's registry) that could write for it afterwards. The database goes first, so its people are signed
    out at once; then its files. Run again, it sweeps what a failure part-way or a late write left, also once the
    company itself is gone. Returns the rows deleted per table, the files deleted and the backups that still hold
    its records."""
    if principal is not None:
        principal.require_operator()
    if not ID_PATTERN.match(company_id or ""):  # it names folders to delete: never a path
        raise InvalidInput(
            f"{company_id!r} is no company id (1-64 letters, digits, '.', '_' or '-', starting with a letter or "
            "digit); nothing was erased",
            f"{company_id!r}은(는) 회사 아이디가 아닙니다(영문자·숫자·'.'·'_'·'-' 1-64자, 영문자나 숫자로 시작). 아무것도 "
            "지우지 않았습니다",
            code="bad_company_id",
        )
    data_dir = Path(data_dir)
    before = erase_check(store, company_id, data_dir)
    if (confirm or "").strip() != company_id:
        raise InvalidInput(
            f"to erase company {company_id!r}, type its id exactly as confirmation (got {confirm!r}); "
            "nothing was erased",
            f"회사 {company_id!r}을(를) 지우려면 확인으로 아이디를 그대로 입력하세요(입력: {confirm!r}). 아무것도 지우지 "
            "않았습니다",
            code="confirm_mismatch",
            field="confirm",
        )
    busy = [j for j in (jobs.list(company_id) if jobs is not None else []) if not j.finished]
    if busy:
        raise Conflict(
            f"company {company_id!r} has {len(busy)} job(s) running ({', '.join(j.kind for j in busy)}); erase it "
            "once they have finished, so nothing is written for it afterwards",
            f"회사 {company_id!r}의 작업 {len(busy)}개({', '.join(j.kind for j in busy)})가 돌고 있습니다. 끝난 뒤에 "
            "지우세요. 그래야 지운 뒤에 쓰이는 것이 없습니다",
            code="company_busy",
        )
    published = _published_folders(store, company_id, data_dir)
    rows = store.erase_company(company_id, datetime.now(UTC), WITHDRAWN_REASON)
    files = 0
    for path in [*_company_paths(data_dir, company_id), *published]:
        if path.is_dir():
            files += sum(1 for p in path.rglob("*") if p.is_file())
            shutil.rmtree(path)
        elif path.exists():
            files += 1
            path.unlink()
    forget_loaded(data_dir / "models" / company_id)
    rows.update(_erase_elsewhere(data_dir, company_id))
    if not before["exists"] and not files and not any(rows.values()):
        raise NotFound(
            f"company {company_id!r} not found, and nothing is held for it",
            f"회사 {company_id!r}을(를) 찾을 수 없고, 이 아이디로 남은 것도 없습니다",
        )
    user = principal.user.id if principal is not None else None
    store.add_audit(None, user, "company.erase", company_id, json.dumps({"rows": rows, "files": files}))
    return {"company_id": company_id, "rows": rows, "files": files, "backups": before["backups"]}


def _published_folders(store: Store, company_id: str, data_dir: Path) -> list[Path]:
    """The shared copies of the models the company published (trained on its data). Withdrawn, they are read by
    no one: adopters hold copies of their own, and a withdrawn entry is never evaluated or adopted again."""
    shared = (data_dir / "catalogue").resolve()
    out = []
    for family in ProcessFamily:
        for entry in store.cross_tenant_catalogue(family.value, company_id):
            folder = Path(entry.artifact).resolve()
            if entry.mine and folder.is_relative_to(shared):
                out.append(folder)
    return out


def _company_paths(data_dir: Path, company_id: str) -> list[Path]:
    paths = [data_dir / source.format(c=company_id) for source, _ in COMPANY_FILES]
    paths.append(data_dir / "assist" / company_id)  # the documents and their search index
    paths.append(takeout_folder(data_dir, company_id))
    paths.append(data_dir / "federation-keys" / f"{company_id}.key")
    return paths


def _erase_elsewhere(data_dir: Path, company_id: str) -> dict[str, int]:
    """The company's entries in the data folder's shared files: recipes, alerts, partner profile, federations."""
    from sandan.connect.profile_store import PROFILES_FILE, ProfileStore
    from sandan.learn.federated import service as federations
    from sandan.monitor import alert_store
    from sandan.optimize.service import erase_recipes

    out = {"recipes": erase_recipes(data_dir, company_id)}
    if (data_dir / alert_store.FILE_NAME).exists():
        out["alerts"] = alert_store.open_alert_store(data_dir).erase_company(company_id)
    if (data_dir / PROFILES_FILE).exists():
        out["partner_profile"] = ProfileStore.in_data_dir(data_dir).erase_company(company_id)
    left = 0
    for fed in federations.cross_tenant_federations(data_dir=data_dir):
        if company_id in fed["members"]:
            try:
                federations.leave_federation(company_id, fed["id"], data_dir=data_dir)
                left += 1
            except SandanError:  # it left meanwhile
                pass
    out["federations"] = left
    return out
