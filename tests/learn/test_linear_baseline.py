"""The linear baseline of the model search standardises each numeric column over the rows it is fitted on."""

from __future__ import annotations

import warnings

import numpy as np

from sandan.learn.automl import LinearModel


def test_a_column_with_no_value_in_the_training_rows_is_skipped_without_warnings():
    # two machines with their own parameters: rows of the first carry nothing in the second's column
    X = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, np.nan], [4.0, np.inf]])
    y = np.array([0, 1, 0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's "Mean of empty slice" would fail here
        mean, scale = LinearModel.standardise(X)
        model = LinearModel.fit(X, y, "binary", [])
    assert mean.tolist() == [2.5, 0.0] and scale[1] == 1.0
    assert np.isclose(scale[0], np.std([1.0, 2.0, 3.0, 4.0]))
    assert np.isfinite(model.raw(X)).all()
