"""Partner matching: suppliers ranked for a need, companies ranked for an offering, each with its reasons.

Score = category fit + process fit + references in the same process + word overlap + region, plus what recorded
outcomes taught (a Beta(1, 1) success rate per supplier and category, centred so no history adds nothing).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sandan.connect.profile import CATEGORIES, Need, Offering, Profile, infer_categories
from sandan.connect.profile_store import MIN_REPORTING_COMPANIES
from sandan.domain import FAMILY_NAMES, ProcessFamily

W_CATEGORY = 3.0
W_FAMILY = 1.5
W_FAMILY_MISMATCH = -2.0
W_REFERENCE = 1.0
W_TEXT = 4.0
W_REGION = 0.5
W_OUTCOME = 4.0
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]+|[가-힣]+")
_STOP = {
    "the",
    "and",
    "for",
    "our",
    "with",
    "we",
    "to",
    "of",
    "in",
    "a",
    "on",
    "want",
    "need",
    "우리",
    "하고",
    "싶다",
}


def _terms(text: str) -> Counter:
    out: Counter = Counter()
    for w in _WORD.findall(text.lower()):
        if w in _STOP:
            continue
        if re.match(r"[가-힣]", w):
            out.update(w[i : i + 2] for i in range(max(len(w) - 1, 1)))
        else:
            out[w[:6]] += 1  # crude stem: inspect/inspection, mould/moulding
    return out


def _cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(a[t] * b[t] for t in a.keys() & b.keys())
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


@dataclass
class Match:
    company_id: str
    name: str
    score: float
    reasons: list[dict[str, str]] = field(default_factory=list)
    offering: dict[str, Any] | None = None
    need: dict[str, Any] | None = None
    card: dict[str, Any] = field(default_factory=dict)
    measured: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def need_categories(need: Need) -> list[str]:
    return need.categories or infer_categories(need.text)


def offering_categories(offering: Offering) -> list[str]:
    return offering.categories or infer_categories(f"{offering.title} {offering.description}")


def _score(
    need: Need,
    demand: Profile,
    offering: Offering,
    supplier: Profile,
    outcome_stats: dict[tuple[str, str], dict[str, int]],
) -> tuple[float, list[dict[str, str]]]:
    reasons: list[dict[str, str]] = []
    score = 0.0
    n_cats = set(need_categories(need))
    o_cats = set(offering_categories(offering))
    shared = [c for c in need_categories(need) if c in o_cats]
    if shared:
        score += W_CATEGORY * len(shared[:2])
        names_en = ", ".join(CATEGORIES[c][0] for c in shared)
        names_ko = ", ".join(CATEGORIES[c][1] for c in shared)
        reasons.append(
            {"en": f"offers what the need asks for: {names_en}", "ko": f"필요한 분야를 제공: {names_ko}"}
        )
    families = set(need.families or demand.processes)
    if offering.families and families:
        common = families & set(offering.families)
        if common:
            score += W_FAMILY
            named = [FAMILY_NAMES[ProcessFamily(f)] for f in sorted(common)]
            fam_en, fam_ko = (", ".join(n[i] for n in named) for i in (0, 1))
            reasons.append({"en": f"works with your process ({fam_en})", "ko": f"귀사 공정({fam_ko})에 맞춤"})
        else:
            score += W_FAMILY_MISMATCH
    refs = [
        r for r in supplier.references if r.family in families and (not r.category or r.category in n_cats)
    ]
    if refs:
        score += W_REFERENCE * min(len(refs), 2)
        reasons.append(
            {
                "en": f"{len(refs)} reference{'' if len(refs) == 1 else 's'} in the same process: "
                f"{refs[0].result or refs[0].customer}",
                "ko": f"같은 공정 납품 실적 {len(refs)}건: {refs[0].result or refs[0].customer}",
            }
        )
    sim = _cosine(_terms(need.text), _terms(f"{offering.title} {offering.description}"))
    if sim > 0:
        score += W_TEXT * sim
        if sim >= 0.15:
            reasons.append(
                {
                    "en": f"the offering's description matches the need's words ({sim:.2f})",
                    "ko": f"제안 설명이 요구 내용과 비슷함 ({sim:.2f})",
                }
            )
    if demand.region and supplier.region and demand.region == supplier.region:
        score += W_REGION
        reasons.append({"en": f"same region ({supplier.region})", "ko": f"같은 지역 ({supplier.region})"})
    told = False
    for cat in need_categories(need)[:2]:  # outcomes are recorded under the need's main category
        stats = outcome_stats.get((supplier.company_id, cat))
        if stats:
            told = True
            s, f = stats.get("success", 0), stats.get("failure", 0)
            bonus = W_OUTCOME * ((s + 1) / (s + f + 2) - 0.5)
            score += bonus
            reasons.append(
                {
                    "en": f"past projects in this field: {s} succeeded, {f} failed",
                    "ko": f"이 분야 과거 프로젝트: 성공 {s}건, 실패 {f}건",
                }
            )
    if not told:  # said of every match without counts, so it tells nothing of whether anyone reported
        reasons.append(
            {
                "en": f"past projects in this field: shown once at least {MIN_REPORTING_COMPANIES} companies "
                "have reported them",
                "ko": f"이 분야 과거 프로젝트: {MIN_REPORTING_COMPANIES}개 이상 회사가 결과를 기록하면 표시됩니다",
            }
        )
    return score, reasons


def rank_suppliers(
    need: Need,
    demand: Profile,
    suppliers: list[Profile],
    outcome_stats: dict[tuple[str, str], dict[str, int]] | None = None,
    k: int = 5,
) -> list[Match]:
    """Suppliers best placed for `need` of `demand`, best first, each with its best offering and the reasons."""
    out = []
    for sup in suppliers:
        if sup.company_id == demand.company_id or sup.role == "demand" or not sup.offerings:
            continue
        best = max(
            ((*_score(need, demand, o, sup, outcome_stats or {}), o) for o in sup.offerings),
            key=lambda x: x[0],
        )
        score, reasons, offering = best
        out.append(
            Match(
                sup.company_id,
                sup.name,
                round(score, 4),
                reasons,
                offering.model_dump(mode="json"),
                card=sup.public_card(),
            )
        )
    out.sort(key=lambda m: (-m.score, m.company_id))
    return [m for m in out if m.score > 0][:k]


def rank_companies(
    offering: Offering,
    supplier: Profile,
    companies: list[Profile],
    outcome_stats: dict[tuple[str, str], dict[str, int]] | None = None,
    measured: dict[str, dict[str, Any]] | None = None,
    k: int = 10,
) -> list[Match]:
    """Listed companies whose needs fit `offering`, best first, with the best-fitting need and the reasons.
    Measured capability is attached only for companies that consented (`share_measured`)."""
    out = []
    for demand in companies:
        if demand.company_id == supplier.company_id or demand.role == "supplier" or not demand.needs:
            continue
        best = max(
            ((*_score(n, demand, offering, supplier, outcome_stats or {}), n) for n in demand.needs),
            key=lambda x: x[0],
        )
        score, reasons, need = best
        shown = (measured or {}).get(demand.company_id) if demand.share_measured else None
        if shown and shown.get("defect_rate") is not None and "quality_ai" in offering_categories(offering):
            reasons.append(
                {
                    "en": f"measured defect rate {100 * shown['defect_rate']:.1f}%",
                    "ko": f"측정 불량률 {100 * shown['defect_rate']:.1f}%",
                }
            )
        out.append(
            Match(
                demand.company_id,
                demand.name,
                round(score, 4),
                reasons,
                need=need.model_dump(mode="json"),
                card=demand.public_card(),
                measured=shown,
            )
        )
    out.sort(key=lambda m: (-m.score, m.company_id))
    return [m for m in out if m.score > 0][:k]
