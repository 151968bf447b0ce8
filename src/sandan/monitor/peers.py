"""Anonymised peer benchmarks: where a company's OEE and defect rate stand among companies of its process family,
and among all companies of the complex (`family=COMPLEX`: a complex seldom has five members of one process, and the
complex-wide figures are still worth a look, across processes whose rates differ by nature).

Only quantiles over at least `MIN_COMPANIES` contributors leave this module — never one company's figure, name or id.

Quantiles use linear interpolation between order statistics (Hyndman & Fan 1996, definition 7, numpy's default).
A metric is shown only when at least five companies contribute a defined value (k-anonymity with k = 5, Sweeney
2002, "k-anonymity: a model for protecting privacy"); otherwise the answer says how many are needed, not who.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from sandan.domain import NotFound
from sandan.monitor.calendar import ShiftCalendar, member_calendar
from sandan.monitor.oee import nothing_recorded, oee_report
from sandan.monitor.quality import output_totals
from sandan.store import Store

MIN_COMPANIES = 5
QUANTILES: tuple[float, ...] = (0.10, 0.25, 0.50, 0.75, 0.90)
#: Metric → whether a higher value is better (for "my position").
METRICS: dict[str, bool] = {"oee": True, "defect_rate": False}
#: `family=COMPLEX` compares with every company of the complex, whatever its process.
COMPLEX = "complex"


def recorded_start(store: Store, company_id: str, start: datetime, end: datetime) -> datetime:
    """Where a company's figures over [start, end) begin: `start`, or its first part record or machine event when
    it began recording later (a member connected yesterday is measured on its day, not on a week mostly without
    records, which OEE counts as a loss). The benchmark and the partner profiles compare companies on this."""
    first = first_record(store, company_id)
    return max(start, first) if first is not None and first < end else start


def first_record(store: Store, company_id: str) -> datetime | None:
    """The time of a company's first part record or machine event (UTC); None when it has neither."""
    firsts = [
        span[0] for t in ("part_records", "machine_events") if (span := store.record_span(company_id, t))
    ]
    return min(firsts) if firsts else None


def company_figures(
    store: Store, company_id: str, start: datetime, end: datetime, calendar: ShiftCalendar | None = None
) -> dict[str, float]:
    """One company's own OEE (all its machines) and defect rate over the window from its first record
    (`recorded_start`) — the numbers its OEE dashboard and quality page show for that period — and the share of
    its planned busy time without records."""
    start = recorded_start(store, company_id, start, end)
    report = oee_report(store, company_id, start, end, calendar=calendar)
    overall = report.overall() if report.machines else {"oee": np.nan}
    produced, rate = output_totals(store, company_id, start, end)
    planned = float(overall.get("planned_busy_time_s", 0.0))
    unrecorded = float(overall["no_data_time_s"]) / planned if planned > 0 else np.nan
    # nothing recorded in the planned time (a member that has just joined, machines not yet connected): no OEE to
    # compare, rather than an OEE of 0 that would drag the quantiles down
    value = np.nan if nothing_recorded(overall) else float(overall["oee"])
    return {"oee": value, "defect_rate": rate, "unrecorded_share": unrecorded, "produced_qty": produced}


def _summary(values: np.ndarray, mine: float | None, higher_is_better: bool, k: int) -> dict[str, Any]:
    finite = values[np.isfinite(values)]
    n = int(len(finite))
    out: dict[str, Any] = {
        "shown": n >= k,
        "companies": n if n >= k else None,  # below k even the count narrows things down; say only "too few"
        "needed": k,
        "higher_is_better": higher_is_better,
        "quantiles": None,
        "mine": None,
        "better_than_share": None,
    }
    if n < k:
        return out
    qs = np.quantile(finite, QUANTILES)
    out["quantiles"] = {f"p{round(q * 100)}": float(v) for q, v in zip(QUANTILES, qs, strict=True)}
    if mine is not None and np.isfinite(mine):
        out["mine"] = float(mine)
        worse = (finite < mine) if higher_is_better else (finite > mine)
        # share of peers doing worse, counted over the others (ties count half, the mid-rank convention)
        ties = np.isclose(finite, mine).sum() - 1
        out["better_than_share"] = float((worse.sum() + 0.5 * max(ties, 0)) / max(n - 1, 1))
    return out


def cross_tenant_peer_benchmark(
    store: Store,
    company_id: str | None,
    start: datetime,
    end: datetime,
    *,
    family: str | None = None,
    min_companies: int = MIN_COMPANIES,
    data_dir: Path | None = None,
    figures: dict[str, dict[str, float]] | None = None,
) -> dict[str, Any]:
    """Quantiles of OEE and defect rate across the companies of one process family over [start, end), and
    where `company_id` stands (its own figure and the share of peers it does better than). With
    `company_id` None (the platform operator) `family` must be given and there is no "mine". `family=COMPLEX`
    compares with every company of the complex.

    Cross-tenant by design (DESIGN.md): it reads every company of the family, and returns aggregates only.
    `min_companies` cannot go below 5. Each company's figures use its own shift calendar from `data_dir` (the
    one its dashboard uses); without `data_dir`, the default two shifts. `figures`, when given, holds companies'
    figures for this window already computed (by an earlier call for another family) and receives the new ones, so
    a page showing the family and the complex computes each company once."""
    k = max(int(min_companies), MIN_COMPANIES)
    companies = store.cross_tenant_companies()
    me = next((c for c in companies if c.id == company_id), None) if company_id else None
    if company_id and me is None:
        raise NotFound(f"company {company_id!r} not found", f"회사 {company_id!r}을(를) 찾을 수 없습니다")
    fam = family or (me.family.value if me else None)
    if fam is None:
        raise NotFound(
            "name a process family to benchmark", "비교할 공정 유형을 지정하세요", code="no_family"
        )
    peers = [c for c in companies if fam == COMPLEX or c.family.value == fam]
    known = {} if figures is None else figures
    for c in peers:
        if c.id not in known:
            calendar, unreadable = member_calendar(data_dir, c.id)
            # a peer whose saved calendar cannot be read sits the comparison out (its figures in the default
            # shifts would not be its own); the member itself is still placed, in the default shifts
            known[c.id] = (
                company_figures(store, c.id, start, end, calendar)
                if unreadable is None or c.id == company_id
                else None
            )
    figures = {c.id: known[c.id] for c in peers if known[c.id] is not None}
    metrics = {}
    for metric, higher in METRICS.items():
        values = np.array([f[metric] for f in figures.values()], dtype=float)
        mine = figures[company_id][metric] if me is not None and company_id in figures else None
        metrics[metric] = _summary(values, mine, higher, k)
    # the company's own share of planned time without records (counted as a loss in its OEE): a figure far below
    # the others' because its data begins inside the window, or its collector was down, should say so
    own = figures.get(company_id) if company_id else None
    unrecorded = own["unrecorded_share"] if own is not None and np.isfinite(own["unrecorded_share"]) else None
    return {
        "family": fam,
        "start": start,
        "end": end,
        "min_companies": k,
        "mine_unrecorded_share": unrecorded,
        "quantile_levels": [f"p{round(q * 100)}" for q in QUANTILES],
        "metrics": metrics,
    }


def cross_tenant_peer_benchmarks(
    store: Store,
    start: datetime,
    end: datetime,
    *,
    families: Sequence[str] | None = None,
    min_companies: int = MIN_COMPANIES,
    data_dir: Path | None = None,
) -> list[dict[str, Any]]:
    """The operator's view: one anonymised benchmark per process family that has member companies, then the whole
    complex's (unless `families` leaves `COMPLEX` out)."""
    present = sorted({c.family.value for c in store.cross_tenant_companies()})
    present += [COMPLEX] if present else []
    wanted = [f for f in present if families is None or f in families]
    figures: dict[str, dict[str, float]] = {}  # each company computed once, for its family and the complex
    return [
        cross_tenant_peer_benchmark(
            store,
            None,
            start,
            end,
            family=f,
            min_companies=min_companies,
            data_dir=data_dir,
            figures=figures,
        )
        for f in wanted
    ]
