"""Unsupervised anomaly detection on sensor streams: PCA monitoring statistics (Hotelling T² + SPE/Q) per row.

It learns what normal looks like from rows the user says are normal; it must not need labels, nor see future rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from sandan.domain import InvalidInput
from sandan.learn.guard import screen_columns


class AnomalyDetector(BaseEstimator):
    """Score = T² (distance inside the normal subspace) + SPE (distance from it), each over its training mean, after robust standardisation
    (median/MAD) — the classical multivariate SPC pair (Jackson 1991; MacGregor & Kourti 1995). The alarm limit is
    the (1 − contamination) quantile of the training scores. `explain` splits each score exactly into per-signal parts.
    """

    def __init__(self, *, contamination: float = 0.01, variance_kept: float = 0.95) -> None:
        self.contamination = contamination
        self.variance_kept = variance_kept

    def fit(self, X: pd.DataFrame, y: Any = None) -> AnomalyDetector:
        numeric = X.select_dtypes("number")
        # No target: only identifiers and constants can be refused; use a dummy target for the guard.
        cols, self.refused_ = screen_columns(numeric, pd.Series(np.zeros(len(X))), task="regression")
        self.refused_ = [r for r in self.refused_ if r.kind in ("identifier", "constant")]
        cols = [c for c in numeric.columns if c not in {r.column for r in self.refused_}]
        if not cols or len(X) < 10:
            raise InvalidInput(
                "anomaly detection needs at least 10 rows and one varying numeric column",
                "이상 탐지에는 행 10개 이상과 값이 변하는 숫자 열 하나 이상이 필요합니다",
                code="too_few_rows",
            )
        self.features_ = cols
        A = numeric[cols].to_numpy(float)
        self.center_ = np.nanmedian(A, axis=0)
        mad = np.nanmedian(np.abs(A - self.center_), axis=0) * 1.4826
        std = np.nanstd(A, axis=0)
        self.scale_ = np.where(mad > 0, mad, np.where(std > 0, std, 1.0))
        Z = self._standard(numeric)
        _, s, vt = np.linalg.svd(Z - Z.mean(axis=0), full_matrices=False)
        var = s**2 / max(len(Z) - 1, 1)
        k = int(np.searchsorted(np.cumsum(var) / var.sum(), self.variance_kept) + 1)
        self.components_ = vt[: min(k, len(var))]
        self.variances_ = np.maximum(var[: len(self.components_)], 1e-12)
        self.mean_ = Z.mean(axis=0)
        # T² and SPE live on different scales; each is divided by its mean on the training rows so both count.
        self.t2_scale_, self.spe_scale_ = 1.0, 1.0
        t2, spe = self._raw_parts(X)
        self.t2_scale_ = max(float(t2.sum(axis=1).mean()), 1e-12)
        self.spe_scale_ = max(float(spe.sum(axis=1).mean()), 1e-12)
        self.threshold_ = float(np.quantile(self.score_samples(X), 1 - self.contamination))
        return self

    def _standard(self, X: pd.DataFrame) -> np.ndarray:
        Z = (X[self.features_].to_numpy(float) - self.center_) / self.scale_
        return np.where(np.isfinite(Z), Z, 0.0)

    def _raw_parts(self, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Per-signal parts of T² (x_j·Σ_a p_aj t_a/λ_a) and of SPE (e_j²); each sums over signals to its statistic."""
        Z = self._standard(X) - self.mean_
        T = Z @ self.components_.T
        resid = Z - T @ self.components_
        return Z * ((T / self.variances_) @ self.components_), resid**2

    def _parts(self, X: pd.DataFrame) -> np.ndarray:
        t2, spe = self._raw_parts(X)
        return t2 / self.t2_scale_ + spe / self.spe_scale_

    def score_samples(self, X: pd.DataFrame) -> np.ndarray:
        return self._parts(X).sum(axis=1)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 for an anomalous row, 0 for a normal one."""
        return (self.score_samples(X) > self.threshold_).astype(int)

    def explain(self, X: pd.DataFrame) -> pd.DataFrame:
        """Rows × signals: how much each signal adds to the row's anomaly score (rows sum to `score_samples`)."""
        return pd.DataFrame(self._parts(X), columns=self.features_, index=X.index)
