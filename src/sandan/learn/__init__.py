"""Learning: quality/failure classification, anomaly detection, remaining useful life, leak-free AutoML,
explanations, the model registry and the shared catalogue. Plain functions over a Store; no interface code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sandan.learn.anomaly import AnomalyDetector
    from sandan.learn.evaluate import Evaluation, cross_validate, evaluate_holdout, nasa_score
    from sandan.learn.explain import Explanation
    from sandan.learn.features import FeatureSpace, fixed_windows, rolling_features, window_aggregates
    from sandan.learn.guard import Refusal, screen_columns
    from sandan.learn.persist import load_model, save_model
    from sandan.learn.progress import Progress
    from sandan.learn.serving import ServingWorker, score_batch
    from sandan.learn.splits import choose_splits, grouped_splits, stratified_splits, time_ordered_splits
    from sandan.learn.tasks import Classifier, Regressor
    from sandan.learn.train import TrainingResult, train_model

# the names below load their module on first use (PEP 562): a command that reads the registry does not pay for
# scikit-learn, SciPy and the model code (`sandan models list` starts in about half the time)
_HOME = {
    "AnomalyDetector": "sandan.learn.anomaly",
    "Evaluation": "sandan.learn.evaluate",
    "cross_validate": "sandan.learn.evaluate",
    "evaluate_holdout": "sandan.learn.evaluate",
    "nasa_score": "sandan.learn.evaluate",
    "Explanation": "sandan.learn.explain",
    "FeatureSpace": "sandan.learn.features",
    "fixed_windows": "sandan.learn.features",
    "rolling_features": "sandan.learn.features",
    "window_aggregates": "sandan.learn.features",
    "Refusal": "sandan.learn.guard",
    "screen_columns": "sandan.learn.guard",
    "load_model": "sandan.learn.persist",
    "save_model": "sandan.learn.persist",
    "Progress": "sandan.learn.progress",
    "ServingWorker": "sandan.learn.serving",
    "score_batch": "sandan.learn.serving",
    "choose_splits": "sandan.learn.splits",
    "grouped_splits": "sandan.learn.splits",
    "stratified_splits": "sandan.learn.splits",
    "time_ordered_splits": "sandan.learn.splits",
    "Classifier": "sandan.learn.tasks",
    "Regressor": "sandan.learn.tasks",
    "TrainingResult": "sandan.learn.train",
    "train_model": "sandan.learn.train",
}

__all__ = [
    "Classifier",
    "Regressor",
    "AnomalyDetector",
    "Explanation",
    "Evaluation",
    "cross_validate",
    "evaluate_holdout",
    "nasa_score",
    "screen_columns",
    "Refusal",
    "FeatureSpace",
    "rolling_features",
    "window_aggregates",
    "fixed_windows",
    "choose_splits",
    "grouped_splits",
    "stratified_splits",
    "time_ordered_splits",
    "save_model",
    "load_model",
    "Progress",
    "train_model",
    "TrainingResult",
    "score_batch",
    "ServingWorker",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])
