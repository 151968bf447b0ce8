"""Differential privacy for averaged model updates: clip each company's update, add Gaussian noise to the sum.

Accounting (company-level, central DP with the operator's server as the trusted aggregator): one round releases
the sum of updates each clipped to L2 norm C, plus N(0, σ²C²) noise per coordinate — the Gaussian mechanism with
sensitivity C, which is ρ-zCDP with ρ = 1 / (2σ²) (Bun & Steinke, "Concentrated Differential Privacy:
Simplifications, Extensions, and Lower Bounds", TCC 2016, Prop. 1.6). T rounds compose to ρ·T (ibid., Lemma 1.7)
and ρ-zCDP implies (ε, δ)-DP with ε = ρ + 2·√(ρ·ln(1/δ)) (ibid., Prop. 1.3). Every company takes part in every
round (no sampling amplification is claimed). Summing clipped updates and dividing by a fixed count follows
DP-FedAvg (McMahan et al., "Learning Differentially Private Recurrent Language Models", ICLR 2018).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DPConfig:
    clip: float = 1.0  # C: the largest L2 norm one company's update may have
    noise_multiplier: float = 1.0  # σ: noise standard deviation in units of C
    delta: float = 1e-5

    def __post_init__(self) -> None:
        if self.clip <= 0 or self.noise_multiplier <= 0 or not 0 < self.delta < 1:
            raise ValueError("clip and noise_multiplier must be > 0 and delta in (0, 1)")


def clip(update: np.ndarray, bound: float) -> np.ndarray:
    norm = float(np.linalg.norm(update))
    return update if norm <= bound else update * (bound / norm)


def noisy_mean(updates: list[np.ndarray], dp: DPConfig, rng: np.random.Generator) -> np.ndarray:
    """(Σ clip(u_k) + N(0, σ²C²)) / m: each update clipped (again, server-side, whatever the client did)."""
    total = np.sum([clip(u, dp.clip) for u in updates], axis=0)
    total = total + rng.normal(0.0, dp.noise_multiplier * dp.clip, size=total.shape)
    return total / len(updates)


def epsilon(rounds: int, noise_multiplier: float, delta: float) -> float:
    """ε after `rounds` releases of the Gaussian mechanism with noise multiplier σ, at δ (zCDP accounting)."""
    if rounds <= 0:
        return 0.0
    rho = rounds / (2.0 * noise_multiplier**2)
    return rho + 2.0 * math.sqrt(rho * math.log(1.0 / delta))
