"""A federation's model in a member's registry: what a member adopts when the federated model beats its own.

The artifact folder holds the model as the federation shipped it (`federated.json`: trees or weights, the schema,
thresholds; no rows) and a `metadata.json` that names it a federated task, so `sandan.learn.persist.load_model`
reads it back as an `AdoptedModel`. That model scores parts like a registered classifier (probability of the
federation's positive class, labels at the member's own threshold), so a member promotes it to production and
`sandan.learn.serving` scores its parts with it like any other version.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sandan.domain import InvalidInput
from sandan.learn.federated.strategies import FederatedModel

TASK = "Federated"  # metadata.json's task of an adopted federated model
ARTIFACT = "federated.json"


def negative_label(frame: pd.DataFrame, target: str, positive: str) -> str | None:
    """The label a member's own records give the parts that are not the positive class (its most frequent other
    value, e.g. "ok" beside "ng"), so its predictions read in its own words; None when it has none."""
    values = frame[target].dropna().astype(str)
    others = values[values != str(positive)]
    return str(others.value_counts().index[0]) if len(others) else None


def write_artifact(
    folder: Path, model: FederatedModel, *, federation_id: str, company: str, negative: str | None = None
) -> str:
    """Write the federated model for one adopting member into `folder`; returns its fingerprint (SHA-256 of the
    model as shipped, since no member's rows stand behind it alone)."""
    from sandan.learn.persist import FORMAT

    # as shipped to this member: no other member's name, rows or threshold (`FederatedModel.shipped`)
    shipped = json.dumps(model.shipped(company), default=str)
    (folder / ARTIFACT).write_text(shipped, encoding="utf-8")
    meta = {
        "format": FORMAT,
        "task": TASK,
        "federation": federation_id,
        "company": company,
        "target": model.schema.target,
        "positive": model.schema.positive,
        "negative": negative or f"not {model.schema.positive}",
        "threshold": model.threshold_for(company),
        "features": model.schema.features,
    }
    (folder / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return hashlib.sha256(shipped.encode("utf-8")).hexdigest()


class AdoptedModel:
    """A federated model as one member uses it: the classifier interface `sandan.learn.serving` reads."""

    kind_ = "binary"

    def __init__(self, model: FederatedModel, meta: dict[str, Any]):
        self.model = model
        self.federation = str(meta.get("federation", ""))
        self.target_name_ = model.schema.target
        self.features_ = list(model.schema.features)
        self.classes_ = np.asarray([str(meta["negative"]), str(meta["positive"])])
        self.threshold_ = float(meta["threshold"])

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        p = np.asarray(self.model.predict_proba(frame), float)
        return np.column_stack([1.0 - p, p])

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return self.classes_[(self.predict_proba(frame)[:, 1] >= self.threshold_).astype(int)]

    def explain(self, frame: pd.DataFrame):
        raise InvalidInput(
            f"this model was trained by federation {self.federation}: its trees are the federation's, so sandan "
            "does not explain it row by row; the federation's page shows how it compares with your own model, "
            "whose explanations stay on its own page",
            f"이 모델은 연합 {self.federation}이(가) 학습한 모델입니다. 연합의 트리라서 행마다 설명하지 않습니다. 자사 모델과의 "
            "비교는 연합 화면에, 설명은 자사 모델 화면에 있습니다",
            code="no_explanation",
        )


def load_adopted(folder: Path, meta: dict[str, Any]) -> AdoptedModel:
    path = Path(folder) / ARTIFACT
    if not path.exists():
        raise InvalidInput(
            f"{folder} holds no federated model ({ARTIFACT} is missing)",
            f"{folder}에 연합 모델이 없습니다 ({ARTIFACT} 없음)",
            code="no_model",
        )
    return AdoptedModel(FederatedModel.from_dict(json.loads(path.read_text(encoding="utf-8"))), meta)
