"""Federations as the platform keeps them: the operator creates one per process family, companies of that family
join with their public key, runs record rounds and per-company gains. A company sees its own gain and the
federation's aggregate only; `cross_tenant_*` functions are the operator's view of every member.

Kept as one JSON file per federation in the data folder (no rows, only settings, keys, counts and scores).
"""

from __future__ import annotations

import json
import logging
import secrets
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sandan.domain import (
    FAMILY_NAMES,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    ProcessFamily,
    SandanError,
)
from sandan.jobs import Job, JobState
from sandan.learn import catalogue
from sandan.learn.catalogue import family_of
from sandan.learn.federated import adopted
from sandan.learn.federated.client import Schema, require_enough
from sandan.learn.federated.protocol import FederationFailed
from sandan.learn.registry import data_folder, plain
from sandan.store import Store
from sandan.store.base import CatalogueEntry, CatalogueScore

if TYPE_CHECKING:
    import pandas as pd

# "trees": federated histogram gradient boosting (`HistBoost`, histograms always summed through SecAgg+);
# "tree-bagging": per-company trees (`TreeBagging`); "fedavg"/"fedprox": a logistic model.
STRATEGIES = ("trees", "tree-bagging", "fedavg", "fedprox")
log = logging.getLogger(__name__)
HOLDOUT = 0.2  # real mode: the share of a member's rows kept out of training to compare models on


def _folder(data_dir) -> Path:
    return data_folder(data_dir) / "federations"


def _path(data_dir, federation_id: str) -> Path:
    if not federation_id.isalnum():
        raise NotFound(
            f"federation {federation_id!r} not found",
            f"연합 {federation_id!r}을(를) 찾을 수 없습니다",
            code="federation_not_found",
        )
    return _folder(data_dir) / f"{federation_id}.json"


def _load(data_dir, federation_id: str) -> dict[str, Any]:
    path = _path(data_dir, federation_id)
    if not path.exists():
        raise NotFound(
            f"federation {federation_id!r} not found",
            f"연합 {federation_id!r}을(를) 찾을 수 없습니다",
            code="federation_not_found",
        )
    return json.loads(path.read_text(encoding="utf-8"))


# Every load-change-save of a federation's file holds this lock: a background run records its result while a
# member joins from a request thread.
_file_lock = threading.RLock()


def _save(data_dir, fed: dict[str, Any]) -> None:
    folder = _folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{fed['id']}.{secrets.token_hex(4)}.tmp"
    tmp.write_text(json.dumps(fed, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    tmp.replace(folder / f"{fed['id']}.json")


# columns every part record has besides its parameters and measurements (as `Store.training_frame` names them)
PART_COLUMNS = ("time", "machine_id", "part_id", "lot_id", "product", "result", "defect_type")


def family_machines(store: Store, company_id: str, family: str) -> list[str] | None:
    """The company's machines of the process `family`, whose part records a federation of that family learns
    from: a moulder's lathe is not an injection machine. None: all of them, for a company of the family whose
    machines are not classified by process. Refused when the company has no machine of the family."""
    machines = store.list_machines(company_id)
    mine = [m.id for m in machines if m.family.value == family]
    if mine:
        return mine
    company = store.get_company(company_id)
    if (
        company is not None
        and company.family.value == family
        and all(m.family.value == "other" for m in machines)
    ):
        return None
    raise InvalidInput(
        f"company {company_id!r} has no {family} machine: register its machines' process to take part",
        f"회사 {company_id!r}에 {family} 공정 설비가 없습니다. 참여하려면 설비의 공정을 등록하세요",
        code="no_family_machines",
    )


def family_frame(
    store: Store, company_id: str, family: str, target: str, start: datetime, end: datetime
) -> pd.DataFrame:
    """A member's own training rows for a federation of `family`: the part records of its machines of that
    process (`family_machines`) in start–end."""
    from sandan.learn.train import learning_frame

    machines = family_machines(store, company_id, family)
    return learning_frame(store, company_id, target, start, end, machines, None)


def cross_tenant_recorded_columns(store: Store, family: str, sample: int = 2000) -> set[str]:
    """Operator, across tenants: the column names the part records of the family's machines carry (see
    `family_machines`): the part table's own columns and the parameter and measurement keys of each company's
    newest `sample` records. Names only, never values; empty when no company of the family has a record yet."""
    out: set[str] = set()
    now = datetime.now(UTC)
    for company in store.cross_tenant_companies():
        try:
            machines = family_machines(store, company.id, family)
        except InvalidInput:
            continue
        parts = store.query_parts(
            company.id, datetime(2000, 1, 1, tzinfo=UTC), now, machines, limit=sample, newest_first=True,
            columns=["params", "measures"],
        )  # fmt: skip
        for column in ("params", "measures"):
            for text in parts[column].to_pylist():
                out.update(json.loads(text) if text else {})
    return out | set(PART_COLUMNS) if out else set()


def create_federation(
    name: str,
    family: str,
    schema: Schema,
    *,
    strategy: str = "trees",
    address: str = "",
    secure_aggregation: bool = False,
    dp_noise_multiplier: float | None = None,
    data_dir=None,
    store: Store | None = None,
) -> dict[str, Any]:
    """The operator's new federation for one process family: what it learns (target, features) and how.
    `secure_aggregation` runs every FedAvg/FedProx update round as SecAgg+ (the server learns only the mean; the
    "trees" strategy sums its histograms that way always); `dp_noise_multiplier` (σ, in units of the clip C = 1)
    adds differential privacy to FedAvg/FedProx and reports ε. Given the `store`, a target or feature that no
    company of the family records (`cross_tenant_recorded_columns`) is refused: every member's client would refuse to train."""
    if not name.strip() or len(name) > 80:
        raise InvalidInput(
            "give the federation a name of 1-80 characters",
            "연합 이름을 1-80자로 적어 주세요",
            code="bad_name",
            field="name",
        )
    families = [f.value for f in ProcessFamily]
    if not family:
        raise InvalidInput(
            "choose the process family whose companies the federation brings together",
            "연합에 모일 회사들의 공정 계열을 고르세요",
            code="bad_family",
            field="family",
        )
    if family not in families:
        raise InvalidInput(
            f"family must be one of {', '.join(families)}, not {family!r}",
            f"공정 계열은 {', '.join(families)} 중 하나여야 합니다 ({family!r}은(는) 없습니다)",
            code="bad_family",
            field="family",
        )
    if not schema.target.strip() or not schema.positive.strip():
        raise InvalidInput(
            "name the target column the federation learns and its positive class, e.g. result and ng",
            "연합이 학습할 예측 대상 열과 그 양성 값을 적어 주세요. 예: result, ng",
            code="no_target",
            field="target",
        )
    if strategy not in STRATEGIES:
        raise InvalidInput(
            f"strategy must be one of {', '.join(STRATEGIES)}",
            f"전략은 {', '.join(STRATEGIES)} 중 하나여야 합니다",
            code="bad_strategy",
        )
    if dp_noise_multiplier is not None and not 0 < dp_noise_multiplier <= 100:
        raise InvalidInput(
            f"the DP noise multiplier must be in (0, 100], got {dp_noise_multiplier}",
            f"차분 프라이버시 잡음 배수는 0 초과 100 이하여야 합니다(입력 {dp_noise_multiplier})",
            code="bad_noise_multiplier",
        )
    if (strategy == "tree-bagging" and secure_aggregation) or (
        strategy in ("trees", "tree-bagging") and dp_noise_multiplier is not None
    ):
        raise InvalidInput(
            "differential privacy applies to the fedavg and fedprox strategies, and secure aggregation to them and "
            "to trees (always on there; tree bagging sends trees, not summable updates): choose the strategy fedavg "
            "or fedprox",
            "차분 프라이버시는 fedavg, fedprox 전략에만, 보안 집계는 그 두 전략과 trees(항상 켜짐)에만 적용됩니다(트리 "
            "배깅은 합산할 수 있는 갱신이 아니라 트리를 보냅니다): fedavg 또는 fedprox 전략을 고르세요",
            code="privacy_needs_linear",
        )
    if not schema.features:
        raise InvalidInput(
            "a federation needs at least one feature",
            "연합 학습에는 특징 열이 하나 이상 필요합니다",
            code="no_features",
        )
    recorded = cross_tenant_recorded_columns(store, family) if store is not None else set()
    unknown = [c for c in [schema.target, *schema.features] if recorded and c not in recorded]
    if unknown:
        raise InvalidInput(
            f"no company of the {FAMILY_NAMES[ProcessFamily(family)][0]} family records {', '.join(unknown)}; recorded: "
            f"{', '.join(sorted(recorded))}",
            f"{FAMILY_NAMES[ProcessFamily(family)][1]} 계열 회원사 중 {', '.join(unknown)} 열을 기록하는 곳이 없습니다. 기록된 열: "
            f"{', '.join(sorted(recorded))}",
            code="not_recorded",
            field="target" if schema.target in unknown else "features",
        )
    fed = {
        "id": secrets.token_hex(6),
        "name": name,
        "family": family,
        "schema": schema.to_dict(),
        "strategy": strategy,
        "address": address,
        "secure_aggregation": bool(secure_aggregation),
        "dp_noise_multiplier": dp_noise_multiplier,
        "status": "open",
        "created_at": datetime.now(UTC).isoformat(),
        "members": {},
        "runs": [],
    }
    _save(data_dir, fed)
    return fed


def join_federation(
    store: Store,
    company_id: str,
    federation_id: str,
    public_key_pem: str,
    *,
    data_dir=None,
    user_id: str | None = None,
) -> dict[str, Any]:
    """Register the company (of the federation's process family) with the public key its client will prove (an
    elliptic-curve P-384 key in PEM, as `flower.generate_key` makes). A member joining again replaces its key: its
    old key no longer connects. Recorded in the company's audit log as `federation.join` or `federation.rekey`, by
    `user_id` (None: the server's console, `sandan federate join`). Returns the federation as the company sees it,
    with `rejoined` (it was a member already) and `key_replaced` (its registered key changed)."""
    with _file_lock:
        rejoined, replaced = _join(store, company_id, federation_id, public_key_pem, data_dir)
    if not rejoined:
        store.add_audit(company_id, user_id, "federation.join", federation_id, "")
    elif replaced:
        store.add_audit(company_id, user_id, "federation.rekey", federation_id, "key replaced")
    view = federation_for_company(store, company_id, federation_id, data_dir=data_dir)
    return {**view, "rejoined": rejoined, "key_replaced": replaced}


def _public_key(text: str) -> str:
    """The member's public key as the PEM the platform keeps (SubjectPublicKeyInfo), or InvalidInput: it must
    parse, and be the elliptic-curve P-384 key its client signs the server's challenges with."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    try:
        key = serialization.load_pem_public_key(text.strip().encode())
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise InvalidInput(
            "public_key is not a readable PEM public key: give the whole key, from -----BEGIN PUBLIC KEY----- to "
            "-----END PUBLIC KEY----- (`sandan federate join` makes the key pair and registers it)",
            "public_key를 PEM 공개키로 읽을 수 없습니다. -----BEGIN PUBLIC KEY-----부터 -----END PUBLIC KEY-----까지 "
            "키 전체를 주세요(`sandan federate join`이 키 쌍을 만들어 등록합니다)",
            code="bad_key",
            field="public_key",
        ) from None
    if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP384R1):
        raise InvalidInput(
            "public_key must be an elliptic-curve P-384 key, the kind `sandan federate join` makes: the client "
            "proves it with an ECDSA signature",
            "public_key는 `sandan federate join`이 만드는 타원곡선 P-384 키여야 합니다. 클라이언트가 ECDSA 서명으로 "
            "이 키를 증명합니다",
            code="bad_key",
            field="public_key",
        )
    pem = serialization.Encoding.PEM
    return key.public_bytes(pem, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _join(
    store: Store, company_id: str, federation_id: str, public_key_pem: str, data_dir
) -> tuple[bool, bool]:
    """Register or re-key the member; (it was a member already, its key changed)."""
    fed = _load(data_dir, federation_id)
    family = family_of(store, company_id)
    if family != fed["family"]:
        raise Forbidden(
            f"federation {federation_id} is for the {fed['family']} family; your company is {family}",
            f"연합 {federation_id}은(는) {fed['family']} 공정 계열용입니다. 귀사는 {family}입니다",
            code="wrong_family",
        )
    key = _public_key(public_key_pem)
    if any(m["public_key"].strip() == key.strip() for c, m in fed["members"].items() if c != company_id):
        raise Conflict(
            "this key is registered by another member",
            "이 키는 다른 회원사가 등록했습니다",
            code="key_in_use",
        )
    now = datetime.now(UTC).isoformat()
    before = fed["members"].get(company_id)
    if before is None:
        fed["members"][company_id] = {"joined_at": now, "public_key": key}
    elif before["public_key"].strip() != key.strip():
        fed["members"][company_id] = {**before, "public_key": key, "key_replaced_at": now}
    else:
        return True, False
    _save(data_dir, fed)
    return before is not None, before is not None


def leave_federation(company_id: str, federation_id: str, *, data_dir=None) -> dict[str, Any]:
    """Take the company out of the federation (it leaves, or the operator removes it: it left the complex, or it
    has no data to bring): its key is dropped, so its client can no longer connect, and the next run goes on without
    it. Past runs keep what they recorded. Returns the federation as the operator sees it."""
    with _file_lock:
        fed = _load(data_dir, federation_id)
        if company_id not in fed["members"]:
            raise NotFound(
                f"company {company_id!r} is not a member of federation {federation_id}",
                f"회사 {company_id!r}은(는) 연합 {federation_id}의 회원사가 아닙니다",
                code="not_a_member",
            )
        del fed["members"][company_id]
        _save(data_dir, fed)
    return cross_tenant_federation(federation_id, data_dir=data_dir)


DELETED_REASON = "its federation was deleted by the platform operator / 플랫폼 운영자가 연합을 삭제했습니다"


def delete_federation(store: Store, principal, federation_id: str, *, data_dir=None) -> dict[str, Any]:
    """Operator: delete a federation (one created by mistake, say, with no member). Refused while it trains, and
    while a company scores its parts with a model of it (the adopted copy in production: retired first). Models of
    its runs leave the catalogue (withdrawn, with the reason; an adopter's candidate copy stays in its registry,
    marked so); its file, TLS files and the operator's model copies go. Returns its id and name."""
    principal.require_operator()
    with _file_lock:
        fed = _load(data_dir, federation_id)
        if _simulation_of(federation_id)["state"] == "running":
            raise Conflict(
                f"federation {fed['name']} is training; delete it when the run has finished",
                f"연합 {fed['name']}이(가) 학습 중입니다. 학습이 끝난 뒤 삭제하세요",
                code="run_in_progress",
            )
        entries = [r["catalogue_entry"] for r in fed["runs"] if r.get("catalogue_entry") is not None]
        origins = {catalogue.adopted_origin(e) for e in entries}
        in_use = sorted(
            f"{company.name} ({mv.name} v{mv.version})"
            for company in store.cross_tenant_companies()
            for mv in (store.list_model_versions(company.id, None) if origins else [])
            if mv.origin in origins and mv.stage == "production"
        )
        if in_use:
            raise Conflict(
                f"federation {fed['name']}'s model is in production at {', '.join(in_use)}: it scores their parts; "
                "it can be deleted once they retire that model",
                f"연합 {fed['name']}의 모델이 {', '.join(in_use)}에서 운영 중입니다(부품을 판정함). 그 모델을 폐기한 "
                "뒤에 삭제할 수 있습니다",
                code="federation_in_use",
            )
        for entry_id in entries:
            entry = store.cross_tenant_catalogue_entry(int(entry_id), "")
            if entry is not None and entry.withdrawn_at is None:
                catalogue.withdraw_entry(store, principal, entry.id, DELETED_REASON)
        folder = _folder(data_dir)
        for extra in (folder / f"{fed['id']}-tls", folder / f"{fed['id']}-models"):
            if extra.is_dir():
                shutil.rmtree(extra)
        _path(data_dir, federation_id).unlink()
    with _sim_lock:
        _sim_jobs.pop(federation_id, None)
    return {"id": fed["id"], "name": fed["name"]}


def record_run(
    data_dir,
    federation_id: str,
    comparison,
    *,
    mode: str = "simulation",
    store: Store | None = None,
    model=None,
    extra: dict[str, Any] | None = None,
    negatives: dict[str, str | None] | None = None,
) -> dict[str, Any]:
    """Keep a run's rounds and every member's gain (federated vs its local model on its own held-out rows);
    a member adopts the federated model only where it beats its local one. With the `model` trained on every
    member's rows and a `store`, the model goes to the family's catalogue with each adopter's own score, and into
    each adopter's registry as a candidate (`negatives`: each member's word for a part that is not the positive
    class, which its predictions then use)."""
    with _file_lock:
        return _record(data_dir, federation_id, comparison, mode, store, model, extra, negatives or {})


def _record(
    data_dir, federation_id: str, comparison, mode: str, store, model, extra, negatives
) -> dict[str, Any]:
    fed = _load(data_dir, federation_id)
    run = {
        "at": datetime.now(UTC).isoformat(),
        "mode": mode,
        "strategy": comparison.strategy,
        "scheme": {"en": comparison.scheme_en, "ko": comparison.scheme_ko},
        "rounds": comparison.rounds,
        "privacy": comparison.privacy,
        "aggregate": {m: comparison.overall[m] for m in ("federated", "local") if m in comparison.overall},
        "companies": {g.company: g.to_dict() for g in comparison.companies},
        **(extra or {}),
    }
    if store is not None and model is not None:
        run["catalogue_entry"] = _to_catalogue(store, data_dir, fed, comparison, model, negatives)
    fed["runs"].append(run)
    fed["status"] = "trained"
    _save(data_dir, fed)
    return run


def _to_catalogue(store: Store, data_dir, fed: dict[str, Any], comparison, model, negatives) -> int:
    """The federated model (trees or weights, threshold, schema — no rows) as a catalogue entry of the family;
    each adopting member's score is its own held-out F1 etc. beside its local model's."""
    folder = data_folder(data_dir) / "catalogue" / fed["family"] / secrets.token_hex(8)
    folder.mkdir(parents=True)
    # the family's copy names no member (`FederatedModel.shipped`); the operator's full record stays beside the
    # federation (real mode) and in its runs
    (folder / "federated.json").write_text(json.dumps(model.shipped(None), default=str), encoding="utf-8")
    scheme = comparison.scheme_en

    def record(metrics: dict, intervals: dict, n_rows: int, **more: Any) -> dict[str, Any]:
        return plain(
            {
                "kind": "binary",
                "scheme": scheme,
                "n_rows": n_rows,
                "metrics": metrics,
                "intervals": intervals,
                **more,
            }
        )

    entry = CatalogueEntry(
        id=0,
        family=fed["family"],
        name=fed["name"],
        task="federated",
        target=model.schema.target,
        features=model.schema.features,
        metrics=record(
            comparison.overall["federated"],
            comparison.overall_intervals.get("federated", {}),
            # the total rows only from three members on: with two, a member's total less its own is the other's
            sum(g.n_rows for g in comparison.companies) if len(comparison.companies) >= 3 else None,
            federation=fed["id"],
            strategy=comparison.strategy,
        ),
        artifact=str(folder.resolve()),
        # both languages, as a catalogue description is read (`in_language` shows the reader's half)
        description=f"연합 학습 {fed['id']}: 회원사 {len(comparison.companies)}곳, {comparison.strategy} / "
        f"federation {fed['id']}: {len(comparison.companies)} members, {comparison.strategy}",
    )
    adopters = {
        g.company: CatalogueScore(
            0,
            record(
                g.metrics["federated"],
                g.intervals.get("federated", {}),
                g.n_rows,
                local=g.metrics["local"],
                gain_f1=g.gain_f1,
                # its own score stands on its own held-out part (real mode): what that part was
                **({"scheme": held_out_words(g.held_out)[0]} if g.held_out else {}),
            ),
            g.n_rows,
            "adopted",
        )
        for g in comparison.companies
        if g.adopt
    }

    def write(company: str, into) -> str:
        return adopted.write_artifact(
            into, model, federation_id=fed["id"], company=company, negative=negatives.get(company)
        )

    return catalogue.record_federated(
        store, fed["id"], entry, adopters, write_artifact=write, data_dir=data_dir
    )


def _aggregate_view(fed: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": fed["id"],
        "name": fed["name"],
        "family": fed["family"],
        "strategy": fed["strategy"],
        "status": fed["status"],
        "created_at": fed["created_at"],
        "target": fed["schema"]["target"],
        "features": Schema.from_dict(fed["schema"]).features,
        "participants": len(fed["members"]),
        "runs": len(fed["runs"]),
        "simulation": _simulation_of(fed["id"]),
        "last_failure": fed.get("last_failure"),
    }


def federation_for_company(
    store: Store, company_id: str, federation_id: str, *, data_dir=None
) -> dict[str, Any]:
    """What one company may see: the federation, its aggregate result, and only its own gain."""
    fed = _load(data_dir, federation_id)
    if fed["family"] != family_of(store, company_id):
        raise NotFound(
            f"federation {federation_id!r} not found",
            f"연합 {federation_id!r}을(를) 찾을 수 없습니다",
            code="federation_not_found",
        )
    view = _aggregate_view(fed)
    if view["last_failure"]:  # its reason may name another member: the company learns only that it failed
        view["last_failure"] = {**view["last_failure"], "message": dict(FAILED_FOR_MEMBERS)}
    if view["simulation"].get("error"):
        failed = {**view["simulation"]["error"], "message": dict(FAILED_FOR_MEMBERS), "where": {}}
        view["simulation"] = {**view["simulation"], "error": failed, "messages": dict(FAILED_FOR_MEMBERS)}
    view["member"] = company_id in fed["members"]
    last = fed["runs"][-1] if fed["runs"] else None
    view["last_run"] = None
    if last:
        view["last_run"] = {
            "at": last["at"],
            "mode": last["mode"],
            "rounds": last["rounds"],
            "privacy": last["privacy"],
            "scheme": last.get("scheme"),  # how gains were measured: whole lots or single parts held out
            "aggregate": last["aggregate"],
            "mine": last["companies"].get(company_id),
            "catalogue_entry": last.get("catalogue_entry"),
            # only its own reason: another member's would say what that one has or lacks
            "sat_out": (last.get("sat_out") or {}).get(company_id),
        }
    return view


def federations_for_company(store: Store, company_id: str, *, data_dir=None) -> list[dict[str, Any]]:
    family = family_of(store, company_id)
    return [
        federation_for_company(store, company_id, f["id"], data_dir=data_dir)
        for f in _all(data_dir)
        if f["family"] == family
    ]


def _all(data_dir) -> list[dict[str, Any]]:
    folder = _folder(data_dir)
    if not folder.exists():
        return []
    return sorted(
        (json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")),
        key=lambda f: f["created_at"],
    )


def cross_tenant_federations(*, data_dir=None) -> list[dict[str, Any]]:
    """The operator's view: every federation with its members and every member's gain."""
    out = []
    for fed in _all(data_dir):
        view = _aggregate_view(fed)
        view["members"] = sorted(fed["members"])
        view["address"] = fed["address"]
        view["last_run"] = fed["runs"][-1] if fed["runs"] else None
        out.append(view)
    return out


def cross_tenant_federation(federation_id: str, *, data_dir=None) -> dict[str, Any]:
    fed = _load(data_dir, federation_id)
    return {**fed, "members": {c: {"joined_at": m["joined_at"]} for c, m in fed["members"].items()}}


def member_keys(federation_id: str, *, data_dir=None) -> dict[str, bytes]:
    """Registered public keys (company → PEM) for the server's node authentication."""
    fed = _load(data_dir, federation_id)
    return {c: m["public_key"].encode() for c, m in fed["members"].items()}


def schema_of(federation_id: str, *, data_dir=None) -> Schema:
    return Schema.from_dict(_load(data_dir, federation_id)["schema"])


def strategy_of(fed: dict[str, Any]):
    """A factory of the federation's strategy with its privacy settings (older federation files have none)."""
    from sandan.learn.federated.histboost import HistBoost
    from sandan.learn.federated.privacy import DPConfig
    from sandan.learn.federated.strategies import FedAvg, FedProx, TreeBagging

    if fed["strategy"] == "trees":
        return HistBoost  # histograms summed through SecAgg+
    if fed["strategy"] == "tree-bagging":
        return TreeBagging
    noise = fed.get("dp_noise_multiplier")
    options = {
        "secure_aggregation": bool(fed.get("secure_aggregation")),
        "dp": DPConfig(noise_multiplier=noise) if noise is not None else None,
    }
    if fed["strategy"] == "fedprox":
        return lambda: FedProx(mu=0.1, **options)
    return lambda: FedAvg(**options)


def _check_runnable(fed: dict[str, Any]) -> None:
    if len(fed["members"]) < 2:
        raise Conflict(
            "a federation needs at least two members to run",
            "연합 학습에는 회원사가 둘 이상 필요합니다",
            code="too_few_members",
        )


def _member_frames(store: Store, fed: dict[str, Any], schema: Schema, start: datetime, end: datetime):
    """Each member's own part records of the window, and the members that sit this run out with why (too few
    records: a member that has just joined, or whose machines are not yet connected). A run needs two members
    with data; short of that, every member without is named."""
    frames, sat_out = {}, {}
    for company in sorted(fed["members"]):
        try:
            frame = family_frame(store, company, fed["family"], schema.target, start, end)
            labelled = frame[frame[schema.target].notna()]
            require_enough(company, len(labelled), int(schema.labels(labelled).sum()), schema.positive)
            frames[company] = frame
        except SandanError as exc:
            sat_out[company] = {"en": exc.message("en"), "ko": exc.message("ko")}
    if len(frames) < 2:
        named_en = "; ".join(f"{c}: {m['en']}" for c, m in sat_out.items())
        named_ko = "; ".join(f"{c}: {m['ko']}" for c, m in sat_out.items())
        raise InvalidInput(
            f"a run needs two members with part records in the window, and {len(frames)} have them ({named_en})",
            f"학습에는 기간 안에 생산 실적이 있는 회원사가 둘 이상 필요한데 {len(frames)}곳뿐입니다 ({named_ko})",
            code="too_few_with_data",
        )
    return frames, sat_out


LOT = "lot_id"  # the part records' lot: material, and mostly recipe and crew, shared by its parts


def lots_held_out(frames: Mapping[str, pd.DataFrame]) -> str | None:
    """`LOT` when every member's part records can be held out by whole lots (`train.groups_usable`: at least
    three lots, none missing), as a single company's evaluation does — parts of one lot share the material and
    mostly the recipe and crew, so folds of single parts score every model on lots it learned from; else None
    (single parts, which the comparison's scheme then says). In real mode a member's held-out part is then the
    whole lots whose rows come nearest `HOLDOUT` (`client.held_out_groups`), and the run records what it was."""
    from sandan.learn.train import groups_usable

    return LOT if frames and all(groups_usable(f, LOT) for f in frames.values()) else None


def run_simulation(
    store: Store,
    federation_id: str,
    start: datetime,
    end: datetime,
    *,
    data_dir=None,
    steps: Callable[[int, int, str, str], None] | None = None,
    **kw: Any,
) -> dict[str, Any]:
    """Run the federation in simulation over the members' own part records in this platform's store (each
    member's rows go only to its own client) and record every member's gain. `steps(done, total, en, ko)` hears
    each fold of the comparison and the final training; `kw` goes to `evaluation.compare` (folds, budgets)."""
    from sandan.learn.federated.client import CompanyClient
    from sandan.learn.federated.evaluation import compare
    from sandan.learn.federated.simulation import InProcessTransport

    fed = _load(data_dir, federation_id)
    _check_runnable(fed)
    schema = Schema.from_dict(fed["schema"])
    frames, sat_out = _member_frames(store, fed, schema, start, end)
    make = strategy_of(fed)
    kw.setdefault("groups", lots_held_out(frames))
    if steps is not None:
        # the folds asked for, until the comparison says how many it could make (fewer for a rare class)
        steps(
            0,
            kw.get("n_splits", 5) + 1,
            "comparing federated, local and pooled models fold by fold",
            "연합·자체·통합 모델을 겹마다 비교하는 중",
        )

        def fold_done(i: int, folds: int) -> None:
            steps(i, folds + 1, f"fold {i} of {folds} compared", f"{folds}겹 중 {i}겹 비교 완료")

        kw["on_fold"] = fold_done
    comparison = compare(frames, schema, make, **kw)
    if steps is not None:
        folds = len(comparison.rounds)
        steps(
            folds,
            folds + 1,
            "training the model members adopt, on all their rows",
            "회원사가 채택할 모델을 모든 행으로 학습하는 중",
        )
    # The model members adopt: trained on every member's rows (the comparison's models each left a fold out).
    transport = InProcessTransport(
        [CompanyClient(c, f, schema, groups=kw["groups"]) for c, f in frames.items()]
    )
    try:
        model = make().run(transport, schema)
    finally:
        transport.close()
    negatives = {c: adopted.negative_label(f, schema.target, schema.positive) for c, f in frames.items()}
    return record_run(
        data_dir,
        federation_id,
        comparison,
        store=store,
        model=model,
        extra={"sat_out": sat_out},
        negatives=negatives,
    )


# ---- one simulation run at a time, in the background (the web's and the demo's) -----------------------------------

_sim_lock = threading.Lock()
RUN_FAILED = {
    "code": "run_failed",
    "message": {
        "en": "the run failed because of an unexpected error; the server log has the details",
        "ko": "예상하지 못한 오류로 학습이 실패했습니다. 자세한 내용은 서버 로그에 있습니다",
    },
    "where": {},
}
# what a company sees of a failed run: its reason may name another member
FAILED_FOR_MEMBERS = {
    "en": "the last run failed; the platform operator has the reason",
    "ko": "최근 학습이 실패했습니다. 이유는 플랫폼 운영자가 볼 수 있습니다",
}
_sim_jobs: dict[str, Job] = {}  # federation id -> its latest background run in this process


def simulation_state(federation_id: str, *, data_dir=None) -> dict[str, Any]:
    """The federation's background simulation run in the shape of a job (`sandan.jobs.Job.to_dict`): state
    (idle when none ran since the platform started, running, done, failed), progress, what it is doing in both
    languages, and the error of a failed run."""
    _load(data_dir, federation_id)
    return _simulation_of(federation_id)


def _simulation_of(federation_id: str) -> dict[str, Any]:
    with _sim_lock:
        job = _sim_jobs.get(federation_id)
        if job is None:
            return {
                "state": "idle",
                "progress": {"done": 0, "total": None, "percent": None},
                "messages": None,
            }
        return job.to_dict()


def start_simulation(
    store: Store,
    federation_id: str,
    days: float = 30.0,
    *,
    folds: int = 5,
    search_s: float = 5.0,
    data_dir=None,
) -> dict[str, Any]:
    """Start `run_simulation` over the members' records of the last `days` in a background thread: `folds`
    folds of every member's rows; each member's own model gets `search_s` seconds of AutoML search per fold and
    the pooled one four times that. One run at a time on this platform (each trains every member's models on this
    machine). Returns `simulation_state`."""
    fed = _load(data_dir, federation_id)
    _check_runnable(fed)
    for ok, field, en, ko in (
        (
            0 < days <= 3650,
            "days",
            f"the window must be more than 0 days and at most 10 years, got {days:g} days",
            f"기간은 0일보다 길고 10년 이하여야 합니다(입력 {days:g}일)",
        ),
        (
            2 <= folds <= 10,
            "folds",
            f"folds must be 2 to 10, got {folds}",
            f"평가 겹 수는 2에서 10 사이여야 합니다(입력 {folds})",
        ),
        (
            1 <= search_s <= 600,
            "search_s",
            f"the search time must be 1 to 600 s, got {search_s:g}",
            f"모델 탐색 시간은 1-600초여야 합니다(입력 {search_s:g})",
        ),
    ):
        if not ok:
            raise InvalidInput(en, ko, code=f"bad_{field}", field=field)
    kw = {"n_splits": folds, "local_budget_s": search_s, "pooled_budget_s": 4 * search_s}
    with _sim_lock:
        busy = next((f for f, j in _sim_jobs.items() if j.state is JobState.running), None)
        if busy:
            raise Conflict(
                f"federation {busy} is training in simulation; one run at a time — start again when it has finished",
                f"연합 {busy}이(가) 시뮬레이션 학습 중입니다. 한 번에 하나만 실행하니 끝난 뒤 다시 시작하세요",
                code="run_in_progress",
            )
        job = Job(id=secrets.token_hex(8), company_id="", kind="federate.simulation", label=federation_id)
        job.state, job.started_at = JobState.running, datetime.now(UTC)
        job.messages = {"en": "reading the members' records", "ko": "회원사 기록을 읽는 중"}
        _sim_jobs[federation_id] = job

    def steps(done: int, total: int, en: str, ko: str) -> None:
        with _sim_lock:
            job.done, job.total, job.messages = done, total, {"en": en, "ko": ko}

    def work() -> None:
        end = datetime.now(UTC)
        state, result, error = JobState.failed, None, dict(RUN_FAILED)
        try:
            run = run_simulation(
                store, federation_id, end - timedelta(days=days), end, data_dir=data_dir, steps=steps, **kw
            )
            state, result, error = JobState.done, {"run_at": run["at"]}, None
            _forget_failure(data_dir, federation_id)
        except SandanError as exc:  # the run is in a thread: its end is kept for the pages
            error = exc.to_dict()
        except Exception:  # noqa: BLE001 - the details go to the log, the pages say the run failed
            log.exception("federation %s: simulation run failed", federation_id)
        finally:
            if state is JobState.failed:
                try:
                    _remember_failure(data_dir, federation_id, error["message"])
                except Exception:  # noqa: BLE001 - the job's own state below must still end
                    log.exception("federation %s: the failure could not be kept", federation_id)
            with _sim_lock:
                job.state, job.result, job.error, job.finished_at = state, result, error, datetime.now(UTC)
                if state is JobState.done:  # its last step (training what members adopt) reports no count
                    job.done = job.total
                if error is not None:
                    job.messages = dict(error["message"])

    threading.Thread(target=work, name=f"federation-{federation_id}", daemon=True).start()
    return simulation_state(federation_id, data_dir=data_dir)


def _remember_failure(data_dir, federation_id: str, message: dict[str, str]) -> None:
    with _file_lock:
        fed = _load(data_dir, federation_id)
        fed["last_failure"] = {"at": datetime.now(UTC).isoformat(), "message": message}
        _save(data_dir, fed)


def _forget_failure(data_dir, federation_id: str) -> None:
    with _file_lock:
        fed = _load(data_dir, federation_id)
        if fed.pop("last_failure", None) is not None:
            _save(data_dir, fed)


# ---- real mode: the operator's Flower server and a member's client, on different hosts ---------------------------


def tls_files(federation_id: str, hosts: list[str] | None = None, *, data_dir=None) -> dict[str, Path]:
    """The federation's TLS files (`ca.pem`, `server.pem`, `server.key`), made on first use with a certificate that
    names `hosts` (besides the host of the federation's address, and localhost). Members need only `ca.pem`."""
    from sandan.learn.federated.tls import make_certificates

    fed = _load(data_dir, federation_id)
    folder = _folder(data_dir) / f"{fed['id']}-tls"
    files = {"ca": folder / "ca.pem", "cert": folder / "server.pem", "key": folder / "server.key"}
    if not all(f.exists() for f in files.values()):
        wildcard = ("", "0.0.0.0", "[::]", "::")
        given = [fed.get("address", "").rpartition(":")[0], *(hosts or []), "localhost", "127.0.0.1"]
        names = [h for h in given if h not in wildcard]
        ca, cert, key = make_certificates(list(dict.fromkeys(names)))
        folder.mkdir(parents=True, exist_ok=True)
        files["ca"].write_bytes(ca)
        files["cert"].write_bytes(cert)
        files["key"].write_bytes(key)
        files["key"].chmod(0o600)
    return files


def ticket(store: Store, company_id: str, federation_id: str, *, data_dir=None) -> dict[str, Any]:
    """What a member's client needs to take part from its own host (no secret in it): the federation, what it
    learns and where its server listens. `sandan federate join` keeps it beside the private key."""
    view = federation_for_company(store, company_id, federation_id, data_dir=data_dir)
    fed = _load(data_dir, federation_id)
    return {
        "federation": fed["id"],
        "name": view["name"],
        "company": company_id,
        "family": fed["family"],
        "schema": fed["schema"],
        "address": fed.get("address", ""),
    }


def serve(
    store: Store,
    federation_id: str,
    address: str | None = None,
    *,
    wait_s: float = 300.0,
    min_members: int | None = None,
    data_dir=None,
    progress=None,
) -> dict[str, Any]:
    """Operator: run the federation's strategy over Flower's gRPC server at `address` (default: the address the
    federation was created with), with TLS (`tls_files`) and
    every connecting member proving its registered key; waits up to `wait_s` for `min_members` (default: all
    members). Afterwards each member scores the model as it would use it and its own local model on the part of its
    rows it kept out of training (`CompanyClient(holdout=…)`), and sends back counts only; the run is recorded in
    mode "real" with every member's gain, the model is kept beside the federation and, where members adopt it,
    in the family's catalogue with each adopter's score (`record_run`)."""
    from sandan.learn.federated.evaluation import Comparison, from_counts
    from sandan.learn.federated.flower import FlowerServer

    fed = _load(data_dir, federation_id)
    address = address or fed.get("address")
    if ":" not in (address or ""):
        raise InvalidInput(
            "give the host:port to listen on (--address), or create the federation with --address",
            "대기할 host:port를 주세요(--address). 또는 연합을 --address로 만드세요",
            code="bad_address",
        )
    keys = member_keys(federation_id, data_dir=data_dir)
    need = min_members or len(keys)
    if len(keys) < 2 or need < 2:
        raise Conflict(
            "a federation needs at least two members to run",
            "연합 학습에는 회원사가 둘 이상 필요합니다",
            code="too_few_members",
        )
    # the certificate also names the host the server listens on, when that is a name or an address of its own
    files = tls_files(federation_id, [address.rpartition(":")[0]], data_dir=data_dir)
    certificates = (files["ca"].read_bytes(), files["cert"].read_bytes(), files["key"].read_bytes())
    say = progress or (lambda _m: None)
    server = FlowerServer(address, certificates, keys, federation=fed["id"])
    try:
        server.start()
    except Exception as exc:  # noqa: BLE001 - gRPC reports a port in use or a bad address as a RuntimeError
        raise InvalidInput(
            f"cannot listen on {address}: {exc}; choose a free host:port",
            f"{address}에서 대기할 수 없습니다: {exc}; 비어 있는 host:port를 고르세요",
            code="bad_address",
        ) from exc
    try:
        say(
            f"listening on {address}; CA for members: {files['ca']}; waiting for {need} of {len(keys)} members"
        )
        joined = server.wait_for(need, wait_s)
        if len(joined) < need:
            raise FederationFailed(
                f"only {len(joined)} of {need} members connected within {wait_s:g} s ({', '.join(joined) or 'none'}); "
                "start `sandan federate connect` at each member",
                f"{wait_s:g}초 안에 회원사 {need}곳 중 {len(joined)}곳만 연결했습니다; 각 회원사에서 "
                "`sandan federate connect`를 실행하세요",
                code="too_few_connected",
            )
        say(f"training with {', '.join(joined)}")
        model = strategy_of(fed)().run(server, Schema.from_dict(fed["schema"]))
        say("each member compares the model with its own on its held-out rows")
        gains, counts, failures = _member_gains(server, model)
    finally:
        server.stop()
    folder = _folder(data_dir) / f"{fed['id']}-models"
    folder.mkdir(parents=True, exist_ok=True)
    artifact = folder / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
    artifact.write_text(json.dumps(model.to_dict(), default=str), encoding="utf-8")
    scored = [r for r in model.rounds if r.validation_loss is not None]
    comparison = Comparison(
        model.kind,
        *_held_out_scheme(gains),
        gains,
        {m: from_counts(*np.sum([c[m] for c in counts.values()], axis=0)) for m in ("federated", "local")}
        if gains
        else {},
        {},
        model.privacy,
        rounds=[min(scored, key=lambda r: r.validation_loss).round] if scored else [],
    )
    extra = {
        "participants": sorted(model.participants),
        "failures": [f for r in model.rounds for f in r.failures] + failures,
        "model": str(artifact),
    }
    # the catalogue keeps the model with each adopter's score; without any member's figures there is nothing to adopt
    kept = model if gains else None
    return record_run(data_dir, federation_id, comparison, mode="real", store=store, model=kept, extra=extra)


def _member_gains(server, model):
    """Ask every member to score the federated model (as it would use it) and its own model on its held-out
    rows; counts come back. A member adopts the federated model only where its F1 beats its own model's.
    Returns (gains, each member's counts per model, failures)."""
    from sandan.learn.federated.evaluation import CompanyGain, from_counts
    from sandan.learn.federated.protocol import Payload

    meta = {
        "kind": model.kind,
        "schema": model.schema.to_dict(),
        "threshold": model.threshold,
        "counts": {k: np.asarray(v).tolist() for k, v in model.counts.items()},
    }
    requests = {
        c: Payload(
            dict(model.arrays),
            {
                "model": json.dumps({**meta, "own_threshold": model.threshold_for(c)}),
                "derived": json.dumps(model.schema.derived),
            },
        )
        for c in server.participants()
    }
    replies, failed = server.ask_each("evaluate", requests, 300.0)
    gains, counts = [], {}
    for r in replies:
        a = r.payload.arrays
        counts[r.company] = {m: np.asarray(a[m], float) for m in ("federated", "local")}
        metrics = {m: from_counts(*counts[r.company][m]) for m in ("federated", "local")}
        n = np.asarray(a["n"], float).reshape(-1)
        g = CompanyGain(r.company, int(n[0]), int(n[1]), metrics, {})
        g.adopt = bool(g.gain_f1 > 0)
        if len(n) >= 4 and n[2] >= n[0] > 0:  # a client from before says only its rows and positives
            g.held_out = {"rows": int(n[0]), "of": int(n[2]), "share": float(n[0] / n[2]), "lots": int(n[3])}
        gains.append(g)
    return gains, counts, [{"company": f.company, "en": f.reason_en, "ko": f.reason_ko} for f in failed]


def _percent(share: float) -> str:
    return f"{100 * share:.1f} %"


def _held_out_scheme(gains) -> tuple[str, str]:
    """What a real-mode comparison stood on, in words every member may read (they name no member): the shares of
    their rows the members held out (`HOLDOUT` aimed at; whole lots come near it only as their sizes allow) and
    how — whole lots, or stratified single parts."""
    aim = _percent(HOLDOUT)
    known = [g.held_out for g in gains if g.held_out]
    if not known:
        return (
            f"each member's held-out part (aimed at {aim} of its rows), kept out of training; its own model "
            "trained on the rest",
            f"회원사별 보류 데이터(목표: 행의 {aim})로 평가, 학습에는 쓰지 않음; 자체 모델은 나머지로 학습",
        )
    low, high = _percent(min(h["share"] for h in known)), _percent(max(h["share"] for h in known))
    share = low if low == high else f"{low} to {high}"
    share_ko = low if low == high else f"{low}~{high}"
    lots = sum(1 for h in known if h["lots"])
    if lots == len(known):
        how, how_ko = "whole lots", "로트 단위로 통째"
    elif lots == 0:
        how, how_ko = "stratified single parts", "층화한 개별 부품"
    else:
        how = f"whole lots at {lots} of {len(known)} members and by stratified single parts elsewhere"
        how_ko = f"회원사 {len(known)}곳 중 {lots}곳은 로트 단위로 통째, 나머지는 층화한 개별 부품"
    return (
        f"each member's held-out part, kept out of training: {share} of its rows (aimed at {aim}), by {how}; its "
        "own model trained on the rest",
        f"회원사별 보류 데이터로 평가, 학습에는 쓰지 않음: 각 회원사 행의 {share_ko}(목표 {aim}), {how_ko} 보류; "
        "자체 모델은 나머지로 학습",
    )


def held_out_words(held_out: dict[str, Any]) -> tuple[str, str]:
    """One member's held-out part in words (`CompanyGain.held_out`): its rows, of how many, and how."""
    rows, of, share = f"{held_out['rows']:,}", f"{held_out['of']:,}", _percent(held_out["share"])
    if held_out["lots"]:
        lots = f"{held_out['lots']} whole lot{'s' if held_out['lots'] > 1 else ''}"
        return (
            f"{rows} of its {of} rows ({share}) held out in {lots}, kept out of training; its own model trained "
            "on the rest",
            f"행 {of}개 중 {rows}개({share})를 로트 {held_out['lots']}개 단위로 통째 보류해 평가, 학습에는 쓰지 "
            "않음; 자체 모델은 나머지로 학습",
        )
    return (
        f"{rows} of its {of} rows ({share}) held out, stratified, kept out of training; its own model trained "
        "on the rest",
        f"행 {of}개 중 {rows}개({share})를 층화 보류해 평가, 학습에는 쓰지 않음; 자체 모델은 나머지로 학습",
    )


def connect(
    store: Store,
    ticket_: dict[str, Any],
    private_pem: bytes,
    ca_pem: bytes,
    start: datetime,
    end: datetime,
    *,
    address: str | None = None,
    max_wait_s: float = 30.0,
) -> tuple[int, int]:
    """Member: answer the federation's tasks from this company's own part records in `store` (start–end) until
    the server says goodbye; rows never leave. A `HOLDOUT` share of them stays out of training (stratified rows,
    or whole lots nearest that share), for the comparison with its own model after the run. The CA and the key are
    checked before connecting, and a server not listening yet is tried again for `max_wait_s`; a server that
    refuses the company, a TLS handshake that fails, or a run that ends without the company's comparison is an
    error saying what to do. Returns (rows trained on, rows held out)."""
    from sandan.learn.federated.client import CompanyClient
    from sandan.learn.federated.flower import join

    schema = Schema.from_dict(ticket_["schema"])
    company = ticket_["company"]
    where = address or ticket_.get("address") or ""
    if ":" not in where:
        raise InvalidInput(
            "the federation's server address is unknown: give --server host:port (the operator's)",
            "연합 서버 주소를 알 수 없습니다: --server host:port(운영자의 주소)를 주세요",
            code="bad_address",
        )
    _check_credentials(ca_pem, private_pem)
    # a ticket kept from before tickets named the family: the member's own family is the federation's (join checks)
    family = ticket_.get("family") or family_of(store, company)
    frame = family_frame(store, company, family, schema.target, start, end)
    # whole lots held out and validated when its records allow (`lots_held_out`), as in simulation
    client = CompanyClient(company, frame, schema, holdout=HOLDOUT, groups=lots_held_out({company: frame}))
    federation = str(ticket_.get("federation", ""))
    # Flower gives up on a server not (yet) listening at once: the member may start before the operator serves
    deadline = time.monotonic() + max_wait_s
    while True:
        try:
            ending = join(
                where, company, client, private_pem, ca_pem, max_wait_s=max_wait_s, federation=federation
            )
            break
        except Exception as exc:  # noqa: BLE001 - gRPC's errors: server unreachable, TLS refused, stream ended
            log.debug("connection to %s ended", where, exc_info=True)
            error = _connection_error(where, exc, max_wait_s)
            if error.code != "server_unreachable" or time.monotonic() + 1 > deadline:
                raise error from None
        time.sleep(1)
    not_counted = _not_counted(ending, where, company, federation)
    if not_counted is not None:
        raise not_counted
    return client.rows - client.held_out, client.held_out


def _check_credentials(ca_pem: bytes, private_pem: bytes) -> None:
    """The CA file holds a PEM certificate still valid, and the key file a private key: checked before connecting,
    since gRPC reports a bad one only as a connection that ended."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        certificates = x509.load_pem_x509_certificates(ca_pem)
    except ValueError:
        raise InvalidInput(
            "the CA file (--ca) is not a PEM certificate: give the federation's ca.pem as the operator sent it "
            "(`sandan federate serve` names its path when it starts)",
            "CA 파일(--ca)이 PEM 인증서가 아닙니다. 운영자가 보낸 연합의 ca.pem을 그대로 주세요(`sandan federate "
            "serve`가 시작할 때 그 경로를 알려 줍니다)",
            code="bad_ca",
            field="ca",
        ) from None
    now = datetime.now(UTC)
    if all(c.not_valid_after_utc < now for c in certificates):
        expired = max(c.not_valid_after_utc for c in certificates).date().isoformat()
        raise InvalidInput(
            f"the CA certificate (--ca) expired on {expired}: ask the operator for the federation's current ca.pem",
            f"CA 인증서(--ca)가 {expired}에 만료되었습니다. 운영자에게 연합의 현재 ca.pem을 받으세요",
            code="ca_expired",
            field="ca",
        )
    try:
        serialization.load_pem_private_key(private_pem, password=None)
    except (ValueError, TypeError):
        raise InvalidInput(
            "the key file (--key-file) is not a private key: give the file `sandan federate join` wrote",
            "키 파일(--key-file)이 개인 키가 아닙니다. `sandan federate join`이 만든 파일을 주세요",
            code="bad_key_file",
            field="key_file",
        ) from None


def _connection_error(where: str, exc: Exception, max_wait_s: float) -> SandanError:
    """gRPC's error in words a member can act on: a failed TLS handshake (the CA, or the host the server's
    certificate names), a server not reached, or a connection that ended during the run."""
    details = exc.details() if callable(getattr(exc, "details", None)) else str(exc)
    text = (details or "").lower()
    host = where.rpartition(":")[0]
    if "hostname" in text or "peer name" in text:
        return InvalidInput(
            f"the TLS handshake with {where} failed: the server's certificate does not name {host}. Connect to the "
            "host name or address the operator gave (--server), or ask the operator to serve with that host in "
            "its certificate",
            f"{where}와(과)의 TLS 핸드셰이크가 실패했습니다. 서버 인증서에 {host}이(가) 없습니다. 운영자가 알려 준 호스트 "
            "이름이나 주소로 접속하거나(--server), 운영자에게 그 호스트가 들어간 인증서로 서버를 열어 달라고 하세요",
            code="tls_failed",
            field="server",
        )
    if any(w in text for w in ("handshake", "certificate", "ssl", "tsi_")):
        return InvalidInput(
            f"the TLS handshake with {where} failed: the server's certificate is not signed by the CA in --ca "
            "(another federation's CA, or one from before the operator made new certificates). Ask the operator "
            "for this federation's ca.pem (`sandan federate serve` names its path) and give it as --ca",
            f"{where}와(과)의 TLS 핸드셰이크가 실패했습니다. 서버 인증서가 --ca의 CA로 서명되지 않았습니다(다른 연합의 "
            "CA이거나 운영자가 인증서를 새로 만들기 전의 CA). 운영자에게 이 연합의 ca.pem을 받아(`sandan federate "
            "serve`가 경로를 알려 줍니다) --ca로 주세요",
            code="tls_failed",
            field="ca",
        )
    if any(w in text for w in ("failed to connect", "connection refused", "dns", "resolve")):
        return FederationFailed(
            f"the federation server at {where} could not be reached within {max_wait_s:g} s: check that the "
            "operator's `sandan federate serve` is running and listening there, and the address (--server)",
            f"{max_wait_s:g}초 안에 {where}의 연합 서버에 닿지 못했습니다. 운영자의 `sandan federate serve`가 그 주소에서 "
            "실행 중인지, 주소(--server)가 맞는지 확인하세요",
            code="server_unreachable",
        )
    return FederationFailed(
        f"the connection to {where} ended during the run ({type(exc).__name__}); nothing of this company was "
        "recorded unless the operator's run says so: ask the operator, and connect again when they serve",
        f"학습 도중 {where} 연결이 끊겼습니다({type(exc).__name__}). 운영자의 기록에 없으면 이 회사의 결과는 남지 "
        "않았습니다. 운영자에게 확인하고, 서버가 다시 열리면 다시 접속하세요",
        code="connection_failed",
    )


def _not_counted(ending, where: str, company: str, federation: str) -> SandanError | None:
    """Why the run went without this company, from how its connection ended (`flower.Ending`), or None when it
    compared the models on its held-out rows (the server's goodbye is the same either way)."""
    served = ending.federation or federation
    if ending.refused == "wrong_federation":
        return Forbidden(
            f"the server at {where} runs federation {ending.federation}, not {federation} (this key's ticket): "
            f"give --server the address of federation {federation}'s server, or join federation "
            f"{ending.federation} (`sandan federate join` writes a key for it) and connect with that key",
            f"{where}의 서버는 연합 {federation}(이 키의 티켓)이 아니라 연합 {ending.federation}을(를) 운영합니다. "
            f"--server에 연합 {federation} 서버의 주소를 주거나, 연합 {ending.federation}에 참여한 뒤"
            "(`sandan federate join`) 그때 만든 키로 접속하세요",
            code="wrong_federation",
        )
    if ending.refused == "unregistered_key":
        return Forbidden(
            f"the server at {where} refused {company}: the key in --key-file is not the one registered for it in "
            f"federation {served} (a later `sandan federate join` replaced it, or it is another federation's key). "
            "Connect with the key file of its latest join, or join again",
            f"{where}의 서버가 {company}의 참여를 거부했습니다. --key-file의 키가 연합 {served}에 등록된 키가 아닙니다"
            "(나중에 `sandan federate join`으로 키를 바꿨거나 다른 연합의 키입니다). 가장 최근 참여 때 만든 키 파일로 "
            "접속하거나 다시 참여하세요",
            code="key_refused",
        )
    if ending.refused == "not_a_member":
        return Forbidden(
            f"the server at {where} refused {company}: it is not a member of federation {served} (it left, or the "
            "operator removed it). Join again with `sandan federate join`",
            f"{where}의 서버가 {company}의 참여를 거부했습니다. 연합 {served}의 회원사가 아닙니다(탈퇴했거나 운영자가 "
            "제외했습니다). `sandan federate join`으로 다시 참여하세요",
            code="not_a_member",
        )
    if ending.refused == "already_connected":
        return Conflict(
            f"the server at {where} refused {company}: it is connected already (another `sandan federate "
            "connect` of it is running). Let that one finish, or stop it and connect again",
            f"{where}의 서버가 {company}의 참여를 거부했습니다. 이미 연결되어 있습니다(이 회사의 다른 `sandan federate "
            "connect`가 실행 중입니다). 그 실행이 끝나기를 기다리거나 멈춘 뒤 다시 접속하세요",
            code="already_connected",
        )
    if ending.refused:
        return Forbidden(
            f"the server at {where} refused {company}: its client gave no valid answer to the key challenge. "
            "Check that --key-file is the key `sandan federate join` wrote",
            f"{where}의 서버가 {company}의 참여를 거부했습니다. 클라이언트가 키 확인 요청에 올바르게 답하지 못했습니다. "
            "--key-file이 `sandan federate join`이 만든 키인지 확인하세요",
            code="refused",
        )
    if "evaluate" in ending.answered:
        return None
    if "evaluate" in ending.failed:
        return FederationFailed(
            f"{company} could not compare the models on its held-out rows ({ending.failed['evaluate']}); the run "
            "was recorded without its figures, so it adopts nothing from it",
            f"{company}이(가) 보류 데이터로 모델을 비교하지 못했습니다({ending.failed['evaluate']}). 이 회사의 결과 "
            "없이 학습이 기록되었으므로 채택할 모델이 없습니다",
            code="not_compared",
        )
    if not ending.answered:
        return FederationFailed(
            f"the server at {where} said goodbye before giving {company} any task: its run ended or stopped "
            f"without {company} (it waits for members only so long), and nothing of {company} was counted. Ask "
            "the operator to serve again, and connect while the server waits",
            f"{where}의 서버가 {company}에 아무 작업도 주지 않고 연결을 끝냈습니다. 학습이 {company} 없이 끝났거나 "
            f"멈췄습니다(서버는 회원사를 정해진 시간만 기다립니다). {company}의 결과는 반영되지 않았습니다. 운영자에게 "
            "서버를 다시 열어 달라고 하고, 서버가 기다리는 동안 접속하세요",
            code="not_counted",
        )
    return FederationFailed(
        f"the run at {where} ended before {company} compared the models: the operator's server stopped it (a "
        f"round failed, or too few members stayed), and nothing of {company} was recorded. Ask the operator why "
        "(`sandan federate status`), and connect again when they serve",
        f"{company}이(가) 모델을 비교하기 전에 {where}의 학습이 끝났습니다. 운영자의 서버가 학습을 멈췄고(라운드 실패, "
        f"또는 남은 회원사 부족) {company}의 결과는 기록되지 않았습니다. 운영자에게 이유를 묻고(`sandan federate "
        "status`), 서버가 다시 열리면 다시 접속하세요",
        code="run_ended",
    )


__all__ = [
    "create_federation",
    "delete_federation",
    "join_federation",
    "record_run",
    "federation_for_company",
    "federations_for_company",
    "cross_tenant_federations",
    "cross_tenant_federation",
    "member_keys",
    "schema_of",
    "run_simulation",
    "start_simulation",
    "simulation_state",
    "tls_files",
    "ticket",
    "serve",
    "connect",
]
