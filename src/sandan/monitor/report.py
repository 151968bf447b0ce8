"""The production report of a period (생산 일보 for a day): the tables a plant prints or mails every morning, from
the same functions as the dashboard — OEE overall, per machine and per machine and shift, down time by reason and
scrap by defect type; `production_report_file` makes it one Excel workbook (`collect.export`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

from sandan.collect.export import ExportFile, Sheet, workbook_file
from sandan.monitor.calendar import ShiftCalendar
from sandan.monitor.codes import CodeTable
from sandan.monitor.labels import LABELS
from sandan.monitor.oee import oee_report
from sandan.monitor.quality import defect_pareto
from sandan.store import Store

#: Sheet titles, in report order.
SHEETS: dict[str, dict[str, str]] = {
    "overall": {"ko": "요약", "en": "Summary"},
    "machines": {"ko": "설비별", "en": "By machine"},
    "shifts": {"ko": "설비·교대별", "en": "By machine and shift"},
    "downtime": {"ko": "정지 사유", "en": "Down time by reason"},
    "defects": {"ko": "불량 유형", "en": "Scrap by defect type"},
}
#: Ratio columns (0–1) of the report's tables, shown as percentages.
RATIOS = ("availability", "effectiveness", "quality", "oee", "share", "cumulative_share")
_OEE_FIRST = [
    "produced_qty",
    "good_qty",
    "scrap_qty",
    "oee",
    "availability",
    "effectiveness",
    "quality",
    "planned_busy_time_s",
    "run_time_s",
    "down_time_s",
    "setup_time_s",
    "idle_time_s",
    "no_data_time_s",
]


@dataclass
class ProductionReport:
    """The report's tables by sheet key (see `SHEETS`), each row keyed by ids with names beside them."""

    start: datetime
    end: datetime
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    def for_language(self, lang: str) -> dict[str, pd.DataFrame]:
        """The tables with only `lang`'s names: of each pair `x_ko`/`x_en` the one in `lang`, called `x`."""
        mine, other = ("_ko", "_en") if lang == "ko" else ("_en", "_ko")
        out = {}
        for key, frame in self.tables.items():
            pairs = [
                c[: -len(mine)]
                for c in frame.columns
                if c.endswith(mine) and c[: -len(mine)] + other in frame
            ]
            frame = frame.drop(columns=[p + other for p in pairs])
            out[key] = frame.rename(columns={p + mine: p for p in pairs})
        return out


def _ordered(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    first = [c for c in keys + _OEE_FIRST if c in frame]
    return frame[first + [c for c in frame.columns if c not in first]]


def production_report(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    *,
    calendar: ShiftCalendar | None = None,
    codes: CodeTable | None = None,
) -> ProductionReport:
    """OEE overall, per machine and per machine and shift instance (ISO 22400-2, `oee_report`), down time by
    reason (`downtime_pareto`) and scrap by defect type (`defect_pareto`) over [start, end), with the company's
    calendar and code table — the numbers its dashboard and quality page show for the same window."""
    report = oee_report(store, company_id, start, end, calendar=calendar, codes=codes)
    machines = {m.id: m for m in store.list_machines(company_id)}
    lines = {ln.id: ln.name for ln in store.list_lines(company_id)}

    def named(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        if "machine_id" in frame:
            at = frame.columns.get_loc("machine_id") + 1
            frame.insert(at, "machine_name", frame["machine_id"].map(lambda m: machines[m].name))
        if "line_id" in frame:
            at = frame.columns.get_loc("line_id") + 1
            frame.insert(at, "line_name", frame["line_id"].map(lines))
        return frame

    by_machine = named(report.table("machine"))
    if "line_id" not in by_machine:
        at = by_machine.columns.get_loc("machine_name") + 1
        by_machine.insert(at, "line_id", by_machine["machine_id"].map(lambda m: machines[m].line_id))
        by_machine.insert(at + 1, "line_name", by_machine["line_id"].map(lines))
    shifts = named(report.table(("machine", "shift")))
    shift_keys = [
        "machine_id",
        "machine_name",
        "production_day",
        "shift_name",
        "shift_label_ko",
        "shift_label_en",
    ]
    tables = {
        "overall": _ordered(report.table(()), []),
        "machines": _ordered(by_machine, ["machine_id", "machine_name", "line_id", "line_name"]),
        "shifts": _ordered(shifts, shift_keys),
        "downtime": report.downtime_pareto(("down",)),
        "defects": defect_pareto(store, company_id, start, end, calendar=calendar, codes=codes),
    }
    return ProductionReport(start, end, tables)


def production_report_file(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    *,
    calendar: ShiftCalendar | None = None,
    codes: CodeTable | None = None,
    lang: str = "ko",
    zone: str = "Asia/Seoul",
) -> ExportFile:
    """`production_report` as an Excel workbook, a sheet per table, headed in `lang`, times on `zone`'s clock."""
    report = production_report(store, company_id, start, end, calendar=calendar, codes=codes)
    lang = "en" if lang == "en" else "ko"
    sheets = [
        Sheet(SHEETS[key][lang], frame, LABELS, RATIOS) for key, frame in report.for_language(lang).items()
    ]
    day = start.astimezone(ZoneInfo(zone)).strftime("%Y%m%d")
    return workbook_file(sheets, name=f"production-{company_id}-{day}", lang=lang, zone=zone)
