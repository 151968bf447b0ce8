"""Optimisation: recommend process settings that cut predicted defects, inside the region the data supports.

Uses learn's models through their public functions; no interface code.
"""

from sandan.optimize.recommend import (
    Objective,
    ParameterChange,
    QualityModel,
    Recommendation,
    TrustRegion,
    observed_sentence,
    recommend,
)

__all__ = [
    "Objective",
    "ParameterChange",
    "QualityModel",
    "Recommendation",
    "TrustRegion",
    "observed_sentence",
    "recommend",
]
