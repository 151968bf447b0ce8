"""The shared catalogue per process family: a company publishes a trained model (never its data); others of the same
family evaluate it on their own data, then adopt it or fine-tune it. Only `cross_tenant_*` store reads cross companies.
"""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandan.accounts import Principal
from sandan.domain import Conflict, Forbidden, InvalidInput, NotFound, ProcessFamily
from sandan.jobs import committing
from sandan.learn.evaluate import evaluate_holdout, no_better_than_chance
from sandan.learn.persist import load_model
from sandan.learn.progress import ProgressCallback
from sandan.learn.registry import (
    check_name,
    data_folder,
    get_version,
    plain,
    require_features,
)
from sandan.learn.train import (
    TrainingResult,
    evaluation_record,
    learning_frame,
    register_version,
    train_model,
)
from sandan.store import Store
from sandan.store.base import CatalogueEntry, CatalogueScore, ModelVersion

ANONYMOUS = {"en": "a member company", "ko": "한 회원사"}
# Files of an artifact that go to the catalogue: the model and its self-description, nothing else.
ARTIFACT_FILES = ("metadata.json", "model.txt")


def adopted_origin(entry_id: int) -> str:
    """The registry's `origin` of a model adopted from catalogue entry `entry_id` (a fine-tune adds ":fine-tuned")."""
    return f"catalogue:{entry_id}"


def _artifact_files(folder: Path) -> list[str]:
    """ARTIFACT_FILES plus the further members of an ensemble (model_1.txt, …) where the artifact has them."""
    members = sorted(p.name for p in folder.glob("model_*.txt") if p.stem.split("_")[1].isdigit())
    return [*ARTIFACT_FILES, *members]


def family_of(store: Store, company_id: str) -> str:
    company = store.get_company(company_id)
    if company is None:
        raise NotFound(f"company {company_id!r} not found", f"회사 {company_id!r}을(를) 찾을 수 없습니다")
    return getattr(company.family, "value", company.family)


def _same_artifact(a: str | Path, b: str | Path) -> bool:
    """Whether two artifact folders hold the same trained model: its self-description names the training data's
    fingerprint and the moment it was trained, and publishing copies it unchanged."""
    pa, pb = Path(a) / "metadata.json", Path(b) / "metadata.json"
    return pa.exists() and pb.exists() and pa.read_bytes() == pb.read_bytes()


def published_versions(store: Store, company_id: str) -> dict[tuple[str, int], int]:
    """The company's registered versions that are in its family's catalogue: (name, version) → entry id."""
    mine = [e for e in store.cross_tenant_catalogue(family_of(store, company_id), company_id) if e.mine]
    if not mine:
        return {}
    out: dict[tuple[str, int], int] = {}
    for mv in store.list_model_versions(company_id, None):
        for e in mine:
            if e.name == mv.name and _same_artifact(e.artifact, mv.artifact):
                out[(mv.name, mv.version)] = e.id
    return out


def publish_model(
    store: Store,
    company_id: str,
    name: str,
    version: int,
    *,
    name_publisher: bool = False,
    description: str = "",
    user_id: str | None = None,
    data_dir: str | Path | None = None,
) -> CatalogueEntry:
    """Publish a registered version to the company's process-family catalogue: the artifact (model and metadata,
    whose training data appear only as a fingerprint) and the publisher's own evaluation. The catalogue names the
    company only when `name_publisher` is true; otherwise it shows "a member company"."""
    mv = get_version(store, company_id, name, version)
    if mv.origin.startswith("catalogue:") and not mv.origin.endswith(":fine-tuned"):
        raise Conflict(
            f"{name} version {version} was adopted from the catalogue; only models trained here can be published",
            f"{name} 버전 {version}은(는) 카탈로그에서 가져온 모델입니다. 여기서 학습한 모델만 공개할 수 있습니다",
            code="not_own_model",
        )
    weak = no_better_than_chance(mv.metrics)
    if weak is not None:  # the other members would take it for a model that helps
        raise Conflict(
            f"{name} version {version} is not published: {weak[0]}; train it again with more rows or other columns",
            f"{name} 버전 {version}은(는) 공개하지 않습니다: {weak[1]}. 행을 늘리거나 다른 열로 다시 학습하세요",
            code="no_better_than_chance",
        )
    entry_id = published_versions(store, company_id).get((mv.name, mv.version))
    if entry_id is not None:
        raise Conflict(
            f"{name} version {version} is already in the catalogue as entry {entry_id}; train a new version to "
            f"publish again",
            f"{name} 버전 {version}은(는) 이미 카탈로그 항목 {entry_id}(으)로 공개되어 있습니다. 다시 공개하려면 새 버전을 "
            f"학습하세요",
            code="already_published",
            entry_id=entry_id,
        )
    family = family_of(store, company_id)
    # A random folder name: the path must not reveal the publisher.
    folder = data_folder(data_dir) / "catalogue" / family / secrets.token_hex(8)
    folder.mkdir(parents=True)
    for file in _artifact_files(Path(mv.artifact)):
        if (Path(mv.artifact) / file).exists():
            shutil.copy2(Path(mv.artifact) / file, folder / file)
    metrics = {
        k: v
        for k, v in mv.metrics.items()
        if k in ("kind", "scheme", "n_rows", "metrics", "intervals", "positive", "report")
    }
    entry = CatalogueEntry(
        id=0,
        family=family,
        name=name,
        task=mv.task,
        target=mv.target,
        features=list(mv.features),
        metrics=metrics,
        artifact=str(folder.resolve()),
        description=description,
    )
    entry.id = store.add_catalogue_entry(
        company_id, entry, publisher_named=bool(name_publisher), published_by=user_id
    )
    store.add_audit(company_id, user_id, "catalogue.publish", f"{name}/{version}", f"entry {entry.id}")
    return cross_tenant_entry(store, company_id, entry.id)


def cross_tenant_entry(store: Store, company_id: str, entry_id: int) -> CatalogueEntry:
    """An entry of the company's own process family, as the company may see it; any other is not found."""
    entry = store.cross_tenant_catalogue_entry(int(entry_id), company_id)
    if entry is None or entry.family != family_of(store, company_id):
        raise NotFound(
            f"catalogue entry {entry_id} not found in your process family's catalogue",
            f"공정 계열 카탈로그에서 항목 {entry_id}을(를) 찾을 수 없습니다",
            code="catalogue_entry_not_found",
        )
    return entry


def _view(store: Store, entry: CatalogueEntry, own: CatalogueScore | None) -> dict[str, Any]:
    # a publisher that consented to be named is shown by its company name
    company = store.get_company(entry.publisher_company_id) if entry.publisher_company_id else None
    name = company.name if company is not None else entry.publisher_company_id
    publisher = (
        {"id": None, **FEDERATION_PUBLISHER}  # trained by the members together: no one company published it
        if entry.task == FEDERATED
        else {"id": entry.publisher_company_id, "en": name, "ko": name}
        if entry.publisher_company_id
        else {"id": None, **ANONYMOUS}
    )
    return plain(
        {
            "id": entry.id,
            "family": entry.family,
            "name": entry.name,
            "task": entry.task,
            "target": entry.target,
            "features": entry.features,
            "description": entry.description,
            "published_at": entry.published_at,
            "publisher": publisher,
            "mine": entry.mine,
            "publisher_score": entry.metrics,
            "my_score": None
            if own is None
            else {"metrics": own.metrics, "n_rows": own.n_rows, "action": own.action, "at": own.evaluated_at},
            "evaluations": entry.evaluations,
            "withdrawn": None
            if entry.withdrawn_at is None
            else {"at": entry.withdrawn_at, "reason": entry.withdrawn_reason},
        }
    )


def cross_tenant_catalogue(store: Store, company_id: str) -> list[dict[str, Any]]:
    """The company's process-family catalogue: each entry with the publisher's score and, separately, the
    company's own score on its own data (other companies' scores are only counted)."""
    family = family_of(store, company_id)
    own = {s.entry_id: s for s in store.list_catalogue_scores(company_id)}
    return [
        _view(store, e, own.get(e.id))
        for e in store.cross_tenant_catalogue(family, company_id)
        # a withdrawn entry stays in view only for its publisher and those who evaluated or adopted it
        if e.withdrawn_at is None or e.mine or e.id in own
    ]


def cross_tenant_all_catalogues(store: Store, principal: Principal) -> list[dict[str, Any]]:
    """Every family's catalogue for the operator, withdrawn entries included; publishers named only with their
    consent, as every member sees them."""
    principal.require_operator()
    return [_view(store, e, None) for f in ProcessFamily for e in store.cross_tenant_catalogue(f.value, "")]


#: The longest reason a withdrawal keeps.
MAX_WITHDRAW_REASON = 500


def withdraw_entry(
    store: Store, principal: Principal, entry_id: int, reason: str, *, company_id: str | None = None
) -> CatalogueEntry:
    """Take an entry out of the catalogue, saying why: its publisher (a user who may write in the publishing
    company, `company_id`) or the operator (without a company). It can no longer be evaluated, adopted or
    fine-tuned; companies that evaluated or adopted it still see it, with the reason, and an adopted copy stays in
    their registry. Recorded in the publisher's audit log."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_WITHDRAW_REASON:
        raise InvalidInput(
            f"say why the model is withdrawn (1 to {MAX_WITHDRAW_REASON} characters): those who adopted it read it",
            f"모델을 내리는 이유를 적으세요 (1~{MAX_WITHDRAW_REASON}자): 가져간 회사가 읽습니다",
            code="reason_required",
            field="reason",
        )
    if company_id is None:
        principal.require_operator()
        entry = store.cross_tenant_catalogue_entry(int(entry_id), "")
        if entry is None:
            raise NotFound(
                f"catalogue entry {entry_id} not found",
                f"카탈로그 항목 {entry_id}을(를) 찾을 수 없습니다",
                code="catalogue_entry_not_found",
            )
    else:
        principal.require_write(company_id)
        entry = cross_tenant_entry(store, company_id, entry_id)
        if not entry.mine:
            raise Forbidden(
                f"catalogue entry {entry.id} is another company's; only its publisher or the platform operator "
                "withdraws it",
                f"카탈로그 항목 {entry.id}은(는) 다른 회사의 모델입니다. 공개한 회사나 플랫폼 운영자만 내릴 수 있습니다",
            )
    if entry.withdrawn_at is not None:
        raise Conflict(
            f"catalogue entry {entry.id} was already withdrawn: {entry.withdrawn_reason}",
            f"카탈로그 항목 {entry.id}은(는) 이미 내려졌습니다: {entry.withdrawn_reason}",
            code="already_withdrawn",
        )
    at = datetime.now(UTC)
    publisher = store.withdraw_catalogue_entry(entry.id, at, reason)
    store.add_audit(publisher, principal.user.id, "catalogue.withdraw", f"entry {entry.id}", reason)
    entry.withdrawn_at, entry.withdrawn_reason = at, reason
    return entry


def withdrawn_sources(store: Store, company_id: str) -> dict[tuple[str, int], str]:
    """The company's model versions that came from a catalogue entry since withdrawn (adopted or fine-tuned from
    it), each with the withdrawal's reason: a model still scoring parts may rest on what its publisher took back."""
    out: dict[tuple[str, int], str] = {}
    reasons: dict[int, str | None] = {}
    for mv in store.list_model_versions(company_id, None):
        if not mv.origin.startswith("catalogue:"):
            continue
        entry_id = int(mv.origin.split(":")[1])
        if entry_id not in reasons:
            entry = store.cross_tenant_catalogue_entry(entry_id, company_id)
            reasons[entry_id] = entry.withdrawn_reason if entry and entry.withdrawn_at else None
        if reasons[entry_id] is not None:
            out[(mv.name, mv.version)] = reasons[entry_id]
    return out


def usable_entry(store: Store, company_id: str, entry_id: int) -> CatalogueEntry:
    """An entry the company may evaluate, adopt or fine-tune: of its process family and not withdrawn."""
    entry = cross_tenant_entry(store, company_id, entry_id)
    if entry.withdrawn_at is not None:
        raise Conflict(
            f"catalogue entry {entry.id} was withdrawn ({entry.withdrawn_reason}); it can no longer be evaluated, "
            "adopted or fine-tuned",
            f"카탈로그 항목 {entry.id}은(는) 내려졌습니다 ({entry.withdrawn_reason}). 더 이상 평가하거나 가져오거나 "
            "재학습할 수 없습니다",
            code="entry_withdrawn",
        )
    return entry


def cross_tenant_catalogue_entry(store: Store, company_id: str, entry_id: int) -> dict[str, Any]:
    entry = cross_tenant_entry(store, company_id, entry_id)
    own = store.list_catalogue_scores(company_id, entry.id)
    return _view(store, entry, own[0] if own else None)


def _load(entry: CatalogueEntry):
    if entry.task == FEDERATED:
        raise Conflict(
            f"'{entry.name}' was trained by a federation; its members adopt it through the federation's run",
            f"'{entry.name}'은(는) 연합 학습 모델입니다. 연합 회원사는 연합 학습 결과로 채택합니다",
            code="federated_model",
        )
    return load_model(entry.artifact)


FEDERATED = "federated"  # the task of a catalogue entry trained by a federation (sandan.learn.federated)
FEDERATION_PUBLISHER = {"en": "a federation (its members together)", "ko": "연합 학습 (회원사 공동)"}


def record_federated(
    store: Store,
    federation_id: str,
    entry: CatalogueEntry,
    adopters: dict[str, CatalogueScore],
    *,
    write_artifact: Callable[[str, Path], str] | None = None,
    data_dir: str | Path | None = None,
) -> int:
    """A federation's model in its family's catalogue: one entry published under the federation (no member's data),
    and each adopting member's own score on its own held-out rows (a member adopts only where the federated model
    beats its own local model). With `write_artifact(company, folder) -> fingerprint`, each adopter also finds the
    model in its registry as a candidate, to promote to production like any other version."""
    entry.task = FEDERATED
    # the point of no return of a job that records it: a stop asked from now on is refused (`sandan.jobs`)
    committing()
    entry.id = store.add_catalogue_entry(
        f"federation:{federation_id}", entry, publisher_named=True, published_by=None
    )
    for company_id, score in adopters.items():
        store.put_catalogue_score(
            company_id, CatalogueScore(entry.id, score.metrics, score.n_rows, "adopted")
        )
        detail = f"federation {federation_id}"
        if write_artifact is not None:
            mv = _register_federated(store, company_id, entry, score, write_artifact, data_dir)
            detail += f": {mv.name}/{mv.version}"
        store.add_audit(company_id, None, "catalogue.adopt", f"entry {entry.id}", detail)
    return entry.id


def _register_federated(
    store: Store,
    company_id: str,
    entry: CatalogueEntry,
    score: CatalogueScore,
    write_artifact: Callable[[str, Path], str],
    data_dir: str | Path | None,
) -> ModelVersion:
    name = model_name_for(entry)
    metrics = score.metrics
    f1, local = metrics.get("metrics", {}).get("f1"), metrics.get("local", {}).get("f1")
    if f1 is not None and local is not None:
        metrics = {
            **metrics,
            "report": {
                "en": f"Trained by the federation '{entry.name}' on its members' rows (none of them left their "
                f"company). On your own held-out parts it reached F1 {f1:.3f} against {local:.3f} for a model of "
                f"your own data alone (+{f1 - local:.3f}), so it was adopted.",
                "ko": f"연합 '{entry.name}'이(가) 회원사들의 데이터로 학습했습니다(데이터는 각 회사를 떠나지 않음). 자사 "
                f"보류 데이터에서 F1 {f1:.3f}, 자사 데이터만으로 학습한 모델은 {local:.3f}(+{f1 - local:.3f})"
                "이어서 채택되었습니다.",
            },
        }

    def describe(version: int, folder: Path, fingerprint: str) -> ModelVersion:
        return ModelVersion(
            name=name,
            version=version,
            task="Classifier",
            target=entry.target,
            features=list(entry.features),
            metrics=metrics,
            fingerprint=fingerprint,
            artifact=str(folder.resolve()),
            stage="candidate",
            trained_by=None,
            trained_at=datetime.now(UTC),
            origin=adopted_origin(entry.id),
        )

    # written beside the versions and moved into place once registered (`register_version`)
    return register_version(
        store, company_id, name, data_dir, lambda folder: write_artifact(company_id, folder), describe
    )


def evaluate_entry(
    store: Store,
    company_id: str,
    entry_id: int,
    *,
    start: datetime,
    end: datetime,
    machine_ids: list[str] | None = None,
    product: str | None = None,
    user_id: str | None = None,
) -> dict[str, Any]:
    """Score a catalogue model on the company's own part records (all unseen by it) and keep that score as the
    company's own. Refused, naming them, when the company's data lack any of the model's features."""
    entry = usable_entry(store, company_id, entry_id)
    frame = learning_frame(store, company_id, entry.target, start, end, machine_ids, product)
    require_features(
        entry.features, frame, f"catalogue model '{entry.name}'", f"카탈로그 모델 '{entry.name}'"
    )
    # Only parts that record the model's features (another process of the company records other ones).
    frame = frame[frame[entry.features].notna().any(axis=1)].reset_index(drop=True)
    machine_ids = machine_ids or sorted(frame["machine_id"].astype(str).unique())
    model = _load(entry)
    evaluation = evaluate_holdout(model, frame, entry.target)
    record = evaluation_record(evaluation)
    record["scope"] = plain({"machine_ids": machine_ids, "product": product, "start": start, "end": end})
    store.put_catalogue_score(
        company_id, CatalogueScore(entry.id, record, len(frame), "evaluated", datetime.now(UTC))
    )
    store.add_audit(company_id, user_id, "catalogue.evaluate", f"entry {entry.id}", f"{len(frame)} rows")
    return cross_tenant_catalogue_entry(store, company_id, entry.id)


def _own_score(store: Store, company_id: str, entry: CatalogueEntry) -> CatalogueScore:
    own = store.list_catalogue_scores(company_id, entry.id)
    if not own:
        raise Conflict(
            f"evaluate catalogue entry {entry.id} on your own data before adopting it",
            f"카탈로그 항목 {entry.id}을(를) 가져오기 전에 먼저 자사 데이터로 평가하세요",
            code="evaluate_first",
        )
    return own[0]


def adopt_entry(
    store: Store,
    company_id: str,
    entry_id: int,
    *,
    name: str | None = None,
    user_id: str | None = None,
    data_dir: str | Path | None = None,
) -> ModelVersion:
    """Copy an evaluated catalogue model into the company's registry as a candidate; its metrics are the
    company's own evaluation (the publisher's are kept beside them)."""
    entry = usable_entry(store, company_id, entry_id)
    held = [
        v
        for v in store.list_model_versions(company_id, None)
        if v.origin == adopted_origin(entry.id) and v.stage != "retired"
    ]
    if held:
        raise Conflict(
            f"catalogue entry {entry.id} is already in your registry as {held[0].name} version {held[0].version}; "
            f"retire that version to adopt it again",
            f"카탈로그 항목 {entry.id}은(는) 이미 {held[0].name} 버전 {held[0].version}(으)로 등록되어 있습니다. 다시 "
            f"가져오려면 그 버전을 폐기하세요",
            code="already_adopted",
        )
    if entry.task == FEDERATED:
        _load(entry)  # refused: a federation's members adopt its model through its runs
    own = _own_score(store, company_id, entry)
    name = name or model_name_for(entry)
    meta = _load(entry)

    def copy(folder: Path) -> None:
        for file in _artifact_files(Path(entry.artifact)):
            if (Path(entry.artifact) / file).exists():
                shutil.copy2(Path(entry.artifact) / file, folder / file)

    def describe(version: int, folder: Path, _copied: None) -> ModelVersion:
        return ModelVersion(
            name=name,
            version=version,
            task=entry.task,
            target=entry.target,
            features=list(entry.features),
            metrics={**own.metrics, "publisher_score": entry.metrics},
            fingerprint=meta.fingerprint_,
            artifact=str(folder.resolve()),
            stage="candidate",
            trained_by=user_id,
            trained_at=datetime.now(UTC),
            scope={k: v for k, v in own.metrics.get("scope", {}).items() if k in ("machine_ids", "product")},
            origin=adopted_origin(entry.id),
        )

    # copied beside the versions and moved into place once registered (`register_version`)
    mv = register_version(store, company_id, name, data_dir, copy, describe)
    version = mv.version
    store.put_catalogue_score(
        company_id, CatalogueScore(entry.id, own.metrics, own.n_rows, "adopted", datetime.now(UTC))
    )
    store.add_audit(company_id, user_id, "catalogue.adopt", f"entry {entry.id}", f"{name}/{version}")
    return mv


def model_name_for(entry: CatalogueEntry) -> str:
    """A registry name for a model made from a catalogue entry: the entry's name as a slug ('사출 불량 예측 연합
    Injection defect prediction' → '사출-불량-예측-연합-Injection-defect-prediction'), since a display name may hold
    spaces a model name may not; 'catalogue-<id>' when nothing of it is usable."""
    slug = re.sub(r"[^\w.-]+", "-", entry.name)
    slug = re.sub(r"\.{2,}", ".", slug).strip("-.")[:64].rstrip("-.")
    try:
        return check_name(slug)
    except InvalidInput:
        return f"catalogue-{entry.id}"


def fine_tune_entry(
    store: Store,
    company_id: str,
    entry_id: int,
    *,
    start: datetime,
    end: datetime,
    machine_ids: list[str] | None = None,
    product: str | None = None,
    name: str | None = None,
    budget_s: float = 60.0,
    progress: ProgressCallback | None = None,
    user_id: str | None = None,
    data_dir: str | Path | None = None,
) -> TrainingResult:
    """Retrain a catalogue model on the company's own data: the same target and candidate features (the
    catalogue model's space), searched again within `budget_s`; registered as a candidate of the company, under
    `name` or else the entry's name made a valid model name (`model_name_for`)."""
    entry = usable_entry(store, company_id, entry_id)
    if entry.task == FEDERATED:
        _load(entry)  # refused: a federation's model is retrained by the federation's next run
    frame = learning_frame(store, company_id, entry.target, start, end, machine_ids, product)
    require_features(
        entry.features, frame, f"catalogue model '{entry.name}'", f"카탈로그 모델 '{entry.name}'"
    )
    result = train_model(
        store,
        company_id,
        name=name or model_name_for(entry),
        target=entry.target,
        machine_ids=machine_ids,
        product=product,
        start=start,
        end=end,
        budget_s=budget_s,
        progress=progress,
        user_id=user_id,
        data_dir=data_dir,
        features=list(entry.features),
        origin=f"{adopted_origin(entry.id)}:fine-tuned",
    )
    store.put_catalogue_score(
        company_id,
        CatalogueScore(
            entry.id, result.model.metrics, result.evaluation.n_rows, "fine-tuned", datetime.now(UTC)
        ),
    )
    return result
