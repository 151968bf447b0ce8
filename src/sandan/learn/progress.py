"""Progress reports of long learning work (search, cross-validation) as fractions with Korean and English text.

Interfaces turn them into a progress bar or indicator; this module must not print or draw anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    fraction: float  # 0 … 1 of the work this call started
    en: str
    ko: str


ProgressCallback = Callable[[Progress], None]


def report(callback: ProgressCallback | None, fraction: float, en: str, ko: str) -> None:
    if callback is not None:
        callback(Progress(min(1.0, max(0.0, fraction)), en, ko))


def scaled(
    callback: ProgressCallback | None, lo: float, hi: float, phase: tuple[str, str] | None = None
) -> ProgressCallback | None:
    """A callback for a part of the work that maps its own 0 … 1 onto lo … hi of the whole; with a `phase`
    (English, Korean), its messages are prefixed with it ("evaluation, fold 2 of 5: LightGBM trial 3 …"), so a
    count that starts again in the next part reads as the next part's."""
    if callback is None:
        return None
    if phase is None:
        return lambda p: callback(Progress(lo + (hi - lo) * p.fraction, p.en, p.ko))
    en, ko = phase
    return lambda p: callback(Progress(lo + (hi - lo) * p.fraction, f"{en}: {p.en}", f"{ko}: {p.ko}"))
