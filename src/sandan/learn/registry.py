"""The model registry: versions of a company's models in the store, their artifacts on disk, stages and loading.

Registry rows live in the Store (tenant-scoped); artifacts under <data_dir>/models/<company>/<name>/<version>/.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sandan.domain import InvalidInput, NotFound
from sandan.store import Store
from sandan.store.base import ModelVersion, check_stage

_NAME = re.compile(r"^[\w][\w.-]{0,63}$")


def data_folder(data_dir: str | Path | None) -> Path:
    """The data folder: the one given, else the settings' (SANDAN_DATA_DIR)."""
    if data_dir is not None:
        return Path(data_dir)
    from sandan.settings import load_settings

    return load_settings().data_dir


def check_name(name: str) -> str:
    """A model name that is safe as a folder name: letters (any script), digits, '_', '-', '.'; at most 64."""
    if not isinstance(name, str) or not _NAME.match(name) or ".." in name:
        raise InvalidInput(
            f"model name {name!r} is not allowed; use letters, digits, '_', '-' or '.' (at most 64, no '..')",
            f"모델 이름 {name!r}은(는) 쓸 수 없습니다. 글자, 숫자, '_', '-', '.'만 쓰세요 (최대 64자, '..' 불가)",
            code="bad_model_name",
            field="name",
        )
    return name


def model_folder(data_dir: str | Path | None, company_id: str, name: str, version: int) -> Path:
    return data_folder(data_dir) / "models" / company_id / check_name(name) / str(int(version))


def plain(value: Any) -> Any:
    """JSON-ready copy of metrics and reports (NumPy scalars and arrays, tuples, times)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def list_models(store: Store, company_id: str, name: str | None = None) -> list[ModelVersion]:
    return store.list_model_versions(company_id, name)


def get_version(store: Store, company_id: str, name: str, version: int) -> ModelVersion:
    found = store.get_model_version(company_id, name, int(version))
    if found is None:
        raise NotFound(
            f"model {name!r} version {version} not found; the models page (or `sandan models list`) shows the "
            "registered versions",
            f"모델 {name!r} 버전 {version}을(를) 찾을 수 없습니다. 등록된 버전은 AI 모델 화면(또는 `sandan models list`)에서 "
            "보세요",
            code="model_not_found",
            name=name,
            version=version,
        )
    return found


def set_stage(
    store: Store, company_id: str, name: str, version: int, stage: str, *, user_id: str | None = None
) -> ModelVersion:
    """Move a version to candidate | production | retired; promoting retires the previous production version."""
    check_stage(stage)
    get_version(store, company_id, name, version)
    store.set_model_stage(company_id, name, int(version), stage)
    store.add_audit(company_id, user_id, f"model.{stage}", f"{name}/{version}", "")
    return get_version(store, company_id, name, version)


def promote(
    store: Store, company_id: str, name: str, version: int, *, user_id: str | None = None
) -> ModelVersion:
    return set_stage(store, company_id, name, version, "production", user_id=user_id)


def production_models(store: Store, company_id: str) -> list[ModelVersion]:
    return [m for m in store.list_model_versions(company_id) if m.stage == "production"]


def production_model(store: Store, company_id: str, name: str) -> ModelVersion:
    found = [m for m in store.list_model_versions(company_id, name) if m.stage == "production"]
    if not found:
        raise NotFound(
            f"model {name!r} has no production version; promote a candidate first",
            f"모델 {name!r}에 운영(production) 버전이 없습니다. 먼저 후보 버전을 승격하세요",
            code="no_production_model",
            name=name,
        )
    return found[0]


# Loaded artifacts by folder: a version's artifact never changes once registered, so it is read once.
_CACHE: dict[str, Any] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 32


def forget_loaded(folder: Path) -> int:
    """Drop the loaded artifacts under `folder` (a company's models, erased: a company registered later under the
    same id writes its first version to the same folder); how many were dropped."""
    prefix = str(Path(folder).resolve()) + "/"
    with _CACHE_LOCK:
        gone = [k for k in _CACHE if (k + "/").startswith(prefix)]
        for k in gone:
            del _CACHE[k]
    return len(gone)


def load_version(model: ModelVersion) -> Any:
    """The trained task of a registered version (cached per artifact folder)."""
    key = str(Path(model.artifact).resolve())
    with _CACHE_LOCK:
        if key in _CACHE:
            return _CACHE[key]
    # LightGBM and scikit-learn load with the first model, not with the registry
    from sandan.learn.persist import load_model

    loaded = load_model(key)
    with _CACHE_LOCK:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = loaded
    return loaded


def missing_features(model: ModelVersion, frame: pd.DataFrame) -> list[str]:
    return [f for f in model.features if f not in frame.columns]


def require_features(features: list[str], frame: pd.DataFrame, what_en: str, what_ko: str) -> None:
    """Refuse, naming them, when `frame` lacks any of the model's features."""
    missing = [f for f in features if f not in frame.columns]
    if missing:
        raise InvalidInput(
            f"{what_en} needs feature(s) your data does not have: {', '.join(missing)}. Record these process "
            "parameters or measurements in your part records (same names), or train your own model",
            f"{what_ko}에 필요한 특징이 데이터에 없습니다: {', '.join(missing)}. 같은 이름으로 공정 조건 또는 측정값을 "
            "생산 실적에 기록하거나, 자체 모델을 학습하세요",
            code="missing_features",
            missing=missing,
        )


def explain_version(
    store: Store,
    company_id: str,
    name: str,
    version: int,
    start: datetime,
    end: datetime,
    *,
    lang: str = "en",
    rows: int = 5,
    max_rows: int = 2000,
    labels: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """Explanations of a version over the company's part records in [start, end): global importance (chart data)
    with summary sentences, and plain-words drivers of the most recent `rows` predictions. `labels` names columns
    in words (column → {"en", "ko", "unit"}, e.g. a process model's `column_labels()`); each importance entry
    carries its feature's `label` in `lang`."""
    mv = get_version(store, company_id, name, version)
    model = load_version(mv)
    frame = store.training_frame(company_id, start, end, mv.scope.get("machine_ids") or None)
    frame = frame.tail(max_rows).reset_index(drop=True)
    if frame.empty:
        raise InvalidInput(
            "no part records in this window to explain the model on; choose a wider window",
            "이 기간에 모델을 설명할 생산 실적이 없습니다. 기간을 넓히세요",
            code="no_rows",
        )
    require_features(mv.features, frame, "this model", "이 모델")
    exp = model.explain(frame)
    exp.labels = labels or {}
    imp = exp.importance().head(15)
    pred = model.predict(frame)
    recent = []
    for i in range(max(0, len(frame) - rows), len(frame)):
        recent.append(
            {
                "time": plain(frame["time"].iloc[i]) if "time" in frame else None,
                "machine_id": frame["machine_id"].iloc[i] if "machine_id" in frame else None,
                "part_id": frame["part_id"].iloc[i] if "part_id" in frame else None,
                "prediction": plain(pred[i]),
                "sentences": exp.sentences(i, lang),
            }
        )
    return {
        "name": name,
        "version": int(version),
        "rows": len(frame),
        "importance": [
            {"feature": f, "label": exp.word(f, lang), "share": float(s)}
            for f, s in zip(imp["feature"], imp["share"], strict=True)
        ],
        "summary": exp.summary(lang),
        "recent": recent,
    }
