"""Quarantine review: fetch a rejected record, replay it (fixed or as it was) through the same ingestion path, or
discard it with a comment. Interfaces call these; they keep no rules of their own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sandan.accounts import Principal, audit
from sandan.collect.ingest import INGESTERS, MEASURE_PREFIX, PARAM_PREFIX, Origin, Receipt
from sandan.domain import Conflict, InvalidInput, NotFound
from sandan.store import QuarantineItem, Store

#: What reaches the platform but is no record: a payload a connector could not decode ("message"), or a batch an
#: edge agent sent that the platform refused whole ("batch", e.g. a required column missing). Neither can be
#: replayed; both are kept with their reason, so nothing is dropped unseen.
REJECT_KINDS = ("message", "batch")


def keep_reject(
    store: Store, company_id: str, source: str, kind: str, raw: str, code: str, en: str, ko: str
) -> None:
    """Put a payload that is no record (see `REJECT_KINDS`) into the company's quarantine with its reason."""
    if kind not in REJECT_KINDS:
        raise InvalidInput(
            f"kind must be one of {', '.join(REJECT_KINDS)}, not {kind!r}; send records to the ingest routes",
            f"kind는 {', '.join(REJECT_KINDS)} 중 하나여야 합니다 ({kind!r}은(는) 안 됩니다). 레코드는 수집 경로로 보내세요",
            field="kind",
        )
    store.add_quarantine(company_id, [QuarantineItem(source, kind, raw, code, en, ko)])


def quarantined(store: Store, company_id: str, item_id: int) -> dict[str, Any]:
    item = store.get_quarantine(company_id, item_id)
    if item is None:
        raise NotFound(
            f"quarantined record {item_id} not found",
            f"격리된 레코드 {item_id}을(를) 찾을 수 없습니다",
            code="not_found",
        )
    return item


def _require_open(item: dict[str, Any]) -> None:
    if item["status"] != "open":
        raise Conflict(
            f"record {item['id']} is already {item['status']}",
            f"레코드 {item['id']}은(는) 이미 처리되었습니다 ({item['status']})",
            code="already_resolved",
        )


@dataclass
class ReplayResult:
    replayed: bool  # the record is now stored (or was already)
    receipt: Receipt
    item: dict[str, Any]
    reason: dict[str, Any] | None = None  # why it was rejected again


def replayable(item: dict[str, Any]) -> bool:
    """Whether an item is one record that can go through ingestion again (not a whole file, an undecodable
    message or a batch refused whole)."""
    return item["kind"] in INGESTERS


def _column_names(item: dict[str, Any], record: Any) -> dict[str, str]:
    """The record's keys as its original import named them, so a reject on replay is worded as the import's was
    ("melt_temp_c '높음2' is not a number", not "param:melt_temp_c …"): a file's own column for the key the
    item was rejected on, and a parameter's or measurement's name without its "param:" / "measure:" prefix."""
    names: dict[str, str] = {}
    if isinstance(record, dict):
        for key in record:
            for prefix in (PARAM_PREFIX, MEASURE_PREFIX):
                if isinstance(key, str) and key.startswith(prefix) and key[len(prefix) :]:
                    names[key] = key[len(prefix) :]
    location = item.get("location") or {}
    if location.get("field") and location.get("column"):
        names[str(location["field"])] = str(location["column"])
    return names


def replay_quarantined(
    store: Store,
    company_id: str,
    item_id: int,
    principal: Principal,
    *,
    record: dict[str, Any] | None = None,
    timezone: str | None = None,
    register_signals: bool = False,
    source: str = "replay",
) -> ReplayResult:
    """Ingest the record again — the fixed one when given, else the stored one. Accepted: the item becomes
    `replayed`; rejected again: it stays open with the new reason reported, and no second item is created.
    Times without a zone are read in `timezone`, or in the zone the original import used."""
    item = quarantined(store, company_id, item_id)
    _require_open(item)
    ingest = INGESTERS.get(item["kind"])
    if not replayable(item):
        raise InvalidInput(
            f"a whole-{item['kind']} reject cannot be replayed; fix the source and send or import it again",
            "파일·메시지 전체가 거부된 항목은 다시 넣을 수 없습니다. 원본을 고쳐 다시 보내거나 가져오세요",
            code="cannot_replay",
        )
    if record is None:
        record = json.loads(item["raw"])
    zone = timezone or item["location"].get("timezone")
    origin = Origin(
        source=f"{source}:replay", timezone=zone, quarantine=False, columns=_column_names(item, record)
    )
    extra = {"register_signals": register_signals} if item["kind"] == "reading" else {}
    receipt = ingest(store, company_id, [record], origin, **extra)
    replayed = receipt.rejected == 0
    reason = None
    if replayed:
        stored = json.dumps(record, ensure_ascii=False, default=str)
        store.set_quarantine_status(company_id, item_id, "replayed", principal.user.id, stored)
        audit(
            store,
            principal,
            company_id,
            "quarantine.replay",
            str(item_id),
            stored[:500],
        )
    elif receipt.issues:
        reason = {"code": receipt.issues[0]["code"], "message": receipt.issues[0]["message"]}
    return ReplayResult(replayed, receipt, quarantined(store, company_id, item_id), reason)


def discard_quarantined(
    store: Store, company_id: str, item_id: int, principal: Principal, comment: str = ""
) -> dict:
    """Mark the record as deliberately dropped; who and why go to the audit log."""
    _require_open(quarantined(store, company_id, item_id))
    store.set_quarantine_status(company_id, item_id, "discarded", principal.user.id)
    audit(store, principal, company_id, "quarantine.discard", str(item_id), comment)
    return quarantined(store, company_id, item_id)


def discard_matching(
    store: Store,
    company_id: str,
    principal: Principal,
    comment: str,
    *,
    reason_code: str | None = None,
    batch_id: str | None = None,
) -> int:
    """Discard every open item of one reason and/or one import (batch) at once, with one comment: a test machine's
    data, a sensor known to have been broken, a file whose rows were entered again by hand. At least one of `reason_code` and `batch_id`
    is needed, and a comment; one audit entry records the filter, the count and the comment. Returns the count."""
    if reason_code is None and batch_id is None:
        raise InvalidInput(
            "choose a reason or an import (batch) whose open items to discard",
            "폐기할 열린 항목의 사유나 가져오기(묶음)를 고르세요",
            code="no_filter",
        )
    if not comment.strip():
        raise InvalidInput(
            "write a comment saying why these items are discarded",
            "이 항목들을 폐기하는 이유를 의견에 적으세요",
            code="comment_required",
            field="comment",
        )
    n = store.discard_open_quarantine(
        company_id, principal.user.id, reason_code=reason_code, batch_id=batch_id
    )
    what = ", ".join(f"{k}={v}" for k, v in (("reason", reason_code), ("batch", batch_id)) if v is not None)
    audit(store, principal, company_id, "quarantine.discard_many", what, f"{n}: {comment.strip()}")
    return n
