"""Derived features subtract only like quantities: a name's unit decides ('blank_holder_force_kn' less
'strokes_per_min' is no quantity, however their values overlap); without a unit in either name, overlapping value
ranges do, as before."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sandan.learn.features import _same_quantity, quantity_unit


def test_a_difference_is_offered_only_between_columns_of_one_unit():
    rng = np.random.default_rng(0)
    spm = pd.Series(rng.uniform(14, 24, 200))
    force = pd.Series(rng.uniform(15, 30, 200))  # overlaps the stroke rate's values
    other_force = pd.Series(rng.uniform(200, 300, 200))
    assert quantity_unit("blank_holder_force_kn") == "kn" and quantity_unit("strokes_per_min") == "per_min"
    assert not _same_quantity(spm, force, "strokes_per_min", "blank_holder_force_kn")
    assert _same_quantity(force, other_force, "blank_holder_force_kn", "peak_tonnage_kn")
    assert _same_quantity(force, other_force, "Force A [kN]", "Force B [kN]")
    # names without a unit: overlapping values still decide
    assert _same_quantity(spm, force, "x1", "x2") and not _same_quantity(spm, other_force, "x1", "x3")
