"""Learning: quality/failure classification, anomaly detection, remaining useful life, leak-free AutoML,
explanations, the model registry and the shared catalogue. Plain functions over a Store; no interface code.
"""

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
