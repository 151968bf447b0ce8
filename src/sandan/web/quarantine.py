"""Quarantine pages: the open rejected records with their reason and location, one record's inspector.

Fix-and-replay and discard are posted by the page's script to the API's quarantine endpoints, so a replay runs
exactly the code the API runs; these routes only read and render.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sandan.collect.quarantine import discard_matching, replayable
from sandan.domain import NotFound, SandanError
from sandan.domain.validation import reason_title
from sandan.twin.process import column_roles
from sandan.web import i18n
from sandan.web.imports import role_label
from sandan.web.shell import UserPage, WebRoute, company_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PER_PAGE = 50
Status = Literal["open", "replayed", "discarded", "all"]


def _parsed(raw: str) -> object:
    try:
        return json.loads(raw)
    except (TypeError, ValueError):
        return raw


# nested objects of a record whose entries are labelled like the import's column roles
_NESTED_ROLES = {"params": "param:", "measures": "measure:"}
# the record keys the import maps columns to, labelled with the import's role names
_PLAIN_KEYS = {"time", "machine_id", "part_id", "lot_id", "product", "result", "defect_type", "start", "end"}
_PLAIN_KEYS |= {"state", "reason_code", "note", "signal", "value", "unit"}


def _known_roles(page: UserPage, company_id: str) -> dict[str, dict[str, str]]:
    """The words of the parameter and measure names the company's machines record, for the field labels."""
    return column_roles(m.family for m in page.store.list_machines(company_id))


def _fields(
    page: UserPage, known: dict[str, dict[str, str]], kind: str, record: object, location: dict
) -> list[dict]:
    """The record as labelled fields, for the fix form and for every place a record is shown: top-level values
    and the entries of `params` / `measures`; none when the record holds anything else (lists, deeper objects),
    which only JSON can show and edit."""
    if kind not in ("part", "reading", "event") or not isinstance(record, dict):
        return []
    faulty = location.get("field") or location.get("column")

    def field(path: list[str], role: str, value: object) -> dict | None:
        if isinstance(value, dict | list):
            return None
        shown = role if role.split(":", 1)[0] in ("param", "measure") or role in _PLAIN_KEYS else None
        return {
            "path": path,
            "label": role_label(page, shown, known) if shown else role,
            "key": ".".join(path),
            "value": "" if value is None else str(value).lower() if isinstance(value, bool) else str(value),
            "number": isinstance(value, int | float) and not isinstance(value, bool),
            # the key as the import names it ("param:melt_temp_c"), as the API does ("params.melt_temp_c"), or a
            # whole object the checks refused ("params": each entry)
            "faulty": faulty in (role, ".".join(path), path[0]),
        }

    out: list[dict] = []
    for key, value in record.items():
        prefix = _NESTED_ROLES.get(key)
        items = (
            [([key, k], f"{prefix}{k}", v) for k, v in value.items()]
            if prefix and isinstance(value, dict)
            else [([key], key, value)]
        )
        for path, role, v in items:
            made = field(path, role, v)
            if made is None:
                return []
            out.append(made)
    return out


def _shown(fields: list[dict], before: list[dict] | None = None) -> list[dict]:
    """The fields worth a reader's eye: those with a value; with `before` (the record as received), each marked
    `changed` where the value differs from it."""
    was = {f["key"]: f["value"] for f in before} if before is not None else None
    return [
        {**f, "changed": was is not None and was.get(f["key"]) != f["value"]}
        for f in fields
        if f["value"] != ""
    ]


def _reason_words(lang: str, reason: dict) -> str:
    """A reason of the list's filter in the page language: its title, else the latest message under that code
    (a connector's or a file's own code has no title)."""
    title = reason_title(reason["reason_code"])
    if title is not None:
        return title[1] if lang == "ko" else title[0]
    return (reason["reason_ko"] if lang == "ko" else reason["reason_en"]) or reason["reason_code"]


def _pretty(raw: str) -> str:
    try:
        return json.dumps(json.loads(raw), ensure_ascii=False, indent=2)
    except (TypeError, ValueError):
        return raw


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


def _file_view(page: UserPage, raw: str) -> tuple[list[dict], str] | None:
    """A whole file's reject as a reader sees it: its name, size and checksum, and its first bytes only where they
    are text — a workbook's bytes ("PK\\x03\\x04…") stay stored, never printed as text. The fields, and the stored
    JSON with binary bytes left out; None when the item holds no file's facts."""
    facts = _parsed(raw)
    if not isinstance(facts, dict) or "file" not in facts:
        return None
    head = facts.get("head")
    binary = "head_base64" in facts or (isinstance(head, str) and bool(_CONTROL.search(head)))
    size = facts.get("size")
    shown = [
        ("file", page.t("import.filename"), facts.get("file")),
        ("size", page.t("q.file_size"), None if size is None else page.t("q.bytes", n=f"{size:,}")),
        ("kind", page.t("q.kind"), page.t(f"import.kind.{facts['kind']}") if facts.get("kind") else None),
        ("head", page.t("q.file_head"), page.t("q.file_binary") if binary else head),
        ("sha256", page.t("q.file_sha256"), facts.get("sha256")),
    ]
    fields = [
        {"path": [key], "label": label, "key": key, "value": str(value), "number": False, "faulty": False}
        for key, label, value in shown
        if value not in (None, "")
    ]
    kept = {k: v for k, v in facts.items() if not (binary and k in ("head", "head_base64"))}
    if binary:
        kept["head"] = page.t("q.file_binary")
    return fields, json.dumps(kept, ensure_ascii=False, indent=2)


def _view(page: UserPage, known: dict, item: dict) -> None:
    """`pretty` (the stored record as JSON for a reader) and `fields` (its labelled values) of a list's or the
    inspector's item."""
    location = item.get("location") or {}
    file_view = _file_view(page, item["raw"]) if item["kind"] == "file" else None
    if file_view is not None:
        item["fields"], item["pretty"] = file_view
        return
    item["pretty"] = _pretty(item["raw"])
    item["fields"] = _shown(_fields(page, known, item["kind"], _parsed(item["raw"]), location))


@router.get("/companies/{company_id}/quarantine", response_class=HTMLResponse)
def quarantine_list(
    page: UserPage,
    company_id: str,
    status: Annotated[Status, Query()] = "open",
    p: Annotated[int, Query(ge=0)] = 0,
    reason: Annotated[str, Query(max_length=100)] = "",
    batch: Annotated[str, Query(max_length=100)] = "",
    discarded: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    return _list_view(page, company_of(page, company_id), status, p, reason, batch, discarded)


def _list_view(
    page: UserPage,
    company,
    status: str,
    p: int,
    reason: str,
    batch: str,
    discarded: int | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    page.crumbs.append((page.t("q.title"), None))
    wanted = None if status == "all" else status
    narrow = {"reason_code": reason or None, "batch_id": batch or None}
    items = page.store.list_quarantine(company.id, wanted, PER_PAGE, p * PER_PAGE, **narrow)
    total = page.store.count_quarantine(company.id, wanted, **narrow)
    known = _known_roles(page, company.id) if items else {}
    for item in items:
        _view(page, known, item)
    reasons = page.store.quarantine_reasons(company.id)
    for r in reasons:
        r["words"] = _reason_words(page.lang, r)
    return page.render(
        "quarantine.html",
        status_code,
        company=company,
        items=items,
        total=total,
        status=status,
        page_no=p,
        has_older=(p + 1) * PER_PAGE < total,
        reasons=reasons,
        reason=reason,
        batch=batch,
        discarded=discarded,
        error=error,
        can_write=page.principal.user.role.can_write,
    )


@router.post("/companies/{company_id}/quarantine/discard", response_class=HTMLResponse)
def quarantine_discard_many(
    page: UserPage,
    company_id: str,
    reason: Annotated[str, Form(max_length=100)] = "",
    batch: Annotated[str, Form(max_length=100)] = "",
    comment: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Discard every open item of the reason and/or import the list is narrowed to, with one comment."""
    company = company_of(page, company_id)
    page.principal.require_write(company.id)
    try:
        n = discard_matching(
            page.store,
            company.id,
            page.principal,
            comment,
            reason_code=reason or None,
            batch_id=batch or None,
        )
    except SandanError as exc:
        return _list_view(
            page, company, "open", 0, reason, batch, error=exc.message(page.lang), status_code=exc.status
        )
    return RedirectResponse(f"/companies/{company.id}/quarantine?discarded={n}", status_code=303)


@router.get("/companies/{company_id}/quarantine/{item_id}", response_class=HTMLResponse)
def quarantine_item(page: UserPage, company_id: str, item_id: int, done: str = "") -> Response:
    company = company_of(page, company_id)
    page.crumbs.append((page.t("q.title"), f"/companies/{company.id}/quarantine"))
    item = page.store.get_quarantine(company.id, item_id)
    if item is None:
        raise NotFound(
            f"quarantined record {item_id} not found", f"격리된 레코드 {item_id}을(를) 찾을 수 없습니다"
        )
    page.crumbs.append((page.t("q.item", id=item_id), None))
    known = _known_roles(page, company.id)
    _view(page, known, item)
    fields = _fields(page, known, item["kind"], _parsed(item["raw"]), item.get("location") or {})
    # what went into the store, where the person corrected the record before replaying it
    corrected = item.get("stored") and json.loads(item["stored"]) != _parsed(item["raw"])
    item["stored_pretty"] = _pretty(item["stored"]) if corrected else None
    if corrected:
        stored = _fields(page, known, item["kind"], json.loads(item["stored"]), {})
        item["stored_fields"] = _shown(stored, before=fields)
    script = {
        "api": f"/api/v1/companies/{company.id}/quarantine/{item_id}",
        "back": f"/companies/{company.id}/quarantine/{item_id}",
        "lang": page.lang,
        "text": i18n.js_catalogue(page.lang, ("q.",)),
    }
    return page.render(
        "quarantine_item.html",
        company=company,
        item=item,
        fields=fields,
        script=script,
        done=done,
        can_write=page.principal.user.role.can_write,
        replayable=replayable(item),
    )


__all__ = ["router"]
