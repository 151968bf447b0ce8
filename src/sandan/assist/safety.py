"""The safety check: no answer may recommend a process setting outside the machine's limits.

Limits come from the process models (`machine_limits`) of the company's machine families; the check reads the
answer's structured recommendations, its pending actions, and numbers written next to a setting's name in prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sandan.store import Store
from sandan.twin.process import MODELS


@dataclass(frozen=True)
class Limit:
    parameter: str
    low: float
    high: float
    unit: str
    names: tuple[str, ...]


def company_limits(store: Store, company_id: str) -> dict[str, dict[str, Limit]]:
    """machine id → parameter → its hard limits."""
    out: dict[str, dict[str, Limit]] = {}
    for m in store.list_machines(company_id):
        model = MODELS.get(m.family)
        if model is None:
            continue
        out[m.id] = {
            p.name: Limit(p.name, p.machine_min, p.machine_max, p.unit, (p.name, p.label_en, p.label_ko))
            for p in model.PARAMETERS
        }
    return out


# The number written after a setting's name: "-40 °C" and "−40" (U+2212) are below zero, "1,200 bar" is 1200; a
# hyphen inside a word is no sign ("… on imm-02 to 400" reads no -02), and no number is read across a line.
_VALUE_AFTER_NAME = r"[^0-9\n\-−－]{0,20}?((?:(?<=[\s(:=~])[-−－])?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)"


def _outside(limit: Limit, value: float) -> bool:
    return not limit.low <= value <= limit.high


def violations(answer: dict[str, Any], limits: dict[str, dict[str, Limit]]) -> list[dict[str, Any]]:
    """Every recommended or requested setting outside its machine's limits, and every number written right after a
    setting's name in the answer text that is outside the limits of every machine having that setting."""
    found = []
    proposals = list(answer.get("recommendations", []))
    proposals += [p.get("arguments", {}) for p in answer.get("pending", [])]
    for rec in proposals:
        limit = limits.get(rec.get("machine_id", ""), {}).get(rec.get("parameter", ""))
        try:
            value = float(rec.get("value"))
        except (TypeError, ValueError):
            continue
        if limit is not None and _outside(limit, value):
            found.append(
                {
                    "machine_id": rec["machine_id"],
                    "parameter": limit.parameter,
                    "value": value,
                    "low": limit.low,
                    "high": limit.high,
                }
            )
    text = answer.get("text", "") or ""
    by_name: dict[str, list[Limit]] = {}
    for per_machine in limits.values():
        for limit in per_machine.values():
            for n in limit.names:
                by_name.setdefault(n.lower(), []).append(limit)
    low_text = text.lower()
    for name, lims in by_name.items():
        for m in re.finditer(re.escape(name) + _VALUE_AFTER_NAME, low_text):
            value = float(m.group(1).replace(",", "").replace("−", "-").replace("－", "-"))
            if all(_outside(lim, value) for lim in lims):
                found.append(
                    {
                        "parameter": lims[0].parameter,
                        "value": value,
                        "low": lims[0].low,
                        "high": lims[0].high,
                        "in_text": m.group(0),
                    }
                )
    return found
