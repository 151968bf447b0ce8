"""Model artifacts: a trained task saved to a folder as metadata.json (self-describing) plus a LightGBM text model.

No pickle: everything is JSON or LightGBM's own text format, so an artifact can be read, diffed and trusted.
"""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from sandan.domain import InvalidInput
from sandan.learn.automl import LinearModel
from sandan.learn.features import FeatureSpace
from sandan.learn.guard import Refusal

FORMAT = 1


def _versions() -> dict[str, str]:
    import optuna
    import pandas
    import sklearn

    import sandan

    return {
        "sandan": getattr(sandan, "__version__", "0"),
        "lightgbm": lgb.__version__,
        "scikit-learn": sklearn.__version__,
        "optuna": optuna.__version__,
        "numpy": np.__version__,
        "pandas": pandas.__version__,
        "python": platform.python_version(),
    }


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def save_model(model, folder: str | Path, metrics: dict[str, Any] | None = None) -> Path:
    """Write a trained Classifier or Regressor to `folder` (created if needed); returns the folder."""
    from sandan.learn.tasks import Classifier

    model._check_fitted()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {
        "format": FORMAT,
        "task": type(model).__name__,
        "kind": model.kind_,
        "target": model.target_name_,
        "settings": _plain({k: v for k, v in model.get_params().items() if k != "progress"}),
        "features": model.features_,
        "feature_space": model.space_.to_dict(),
        "refused": [r.to_dict() for r in model.refused_],
        "model": model.model_kind_,
        "search": _plain(model.search_),
        "metrics": _plain(metrics or model.metrics_),
        "training_data": {"fingerprint_sha256": model.fingerprint_, "rows": model.n_rows_},
        "trained_at": datetime.now(UTC).isoformat(),
        "versions": _versions(),
    }
    if isinstance(model, Classifier):
        meta["classes"] = _plain(list(model.classes_))
        meta["calibration"] = _plain(model.calibration_)
        meta["threshold"] = model.threshold_
    if model.booster_ is not None:
        members = model._boosters()
        # The first member keeps the name an artifact always had; further ensemble members follow it.
        for k, booster in enumerate(members):
            booster.save_model(str(folder / ("model.txt" if k == 0 else f"model_{k}.txt")))
        meta["members"] = len(members)
    else:
        meta["linear"] = model.linear_.to_dict()
    (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder


def load_model(folder: str | Path):
    """Read an artifact written by `save_model`; the result predicts and explains exactly as the saved model did."""
    from sandan.learn.tasks import Classifier, Regressor

    folder = Path(folder)
    path = folder / "metadata.json"
    if not path.exists():
        raise InvalidInput(
            f"{folder} holds no model (metadata.json is missing)",
            f"{folder}에 모델이 없습니다 (metadata.json 없음)",
            code="no_model",
        )
    meta = json.loads(path.read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        raise InvalidInput(
            f"model format {meta.get('format')} is not supported (this version reads format {FORMAT})",
            f"모델 형식 {meta.get('format')}은(는) 지원하지 않습니다 (이 버전은 형식 {FORMAT})",
            code="model_format",
        )
    if meta["task"] == "Federated":  # a federation's model a member adopted (sandan.learn.federated.adopted)
        from sandan.learn.federated.adopted import load_adopted

        return load_adopted(folder, meta)
    cls = {"Classifier": Classifier, "Regressor": Regressor}[meta["task"]]
    settings = {k: (tuple(v) if k == "allow_columns" else v) for k, v in meta["settings"].items()}
    model = cls(**settings)
    model.kind_ = meta["kind"]
    model.target_name_ = meta["target"]
    model.features_ = meta["features"]
    model.space_ = FeatureSpace.from_dict(meta["feature_space"])
    model.refused_ = [Refusal(**r) for r in meta["refused"]]
    model.model_kind_ = meta["model"]
    model.search_ = meta["search"]
    model.metrics_ = meta["metrics"]
    model.fingerprint_ = meta["training_data"]["fingerprint_sha256"]
    model.n_rows_ = meta["training_data"]["rows"]
    model.fit_seconds_ = meta["search"].get("seconds", 0.0)
    model.booster_, model.linear_, model.members_ = None, None, []
    if meta["model"] == "lightgbm":
        names = ["model.txt", *(f"model_{k}.txt" for k in range(1, int(meta.get("members", 1))))]
        model.members_ = [lgb.Booster(model_file=str(folder / n)) for n in names]
        model.booster_ = model.members_[0]
    else:
        model.linear_ = LinearModel.from_dict(meta["linear"])
    if cls is Classifier:
        model.classes_ = np.asarray(meta["classes"])
        model.calibration_ = meta["calibration"]
        model.threshold_ = meta["threshold"]
    return model
