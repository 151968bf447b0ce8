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
from sandan.monitor.labels import LABELS, OEE_STATUS
from sandan.monitor.oee import STOP_STATES, oee_report
from sandan.monitor.quality import defect_pareto
from sandan.store import Store

#: Sheet titles, in report order.
SHEETS: dict[str, dict[str, str]] = {
    "overall": {"ko": "요약", "en": "Summary"},
    "machines": {"ko": "설비별", "en": "By machine"},
    "shifts": {"ko": "설비·교대별", "en": "By machine and shift"},
    "downtime": {"ko": "정지 사유", "en": "Stop time by reason"},
    "defects": {"ko": "불량 유형", "en": "Scrap by defect type"},
    "notes": {"ko": "참고", "en": "Notes"},
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
        """The tables with only `lang`'s names (`one_language`), an OEE figure's status in words (`OEE_STATUS`:
        the workbook showed the codes, 'no_planned_time')."""
        tables = {key: one_language(frame, lang) for key, frame in self.tables.items()}
        for frame in tables.values():
            if "oee_status" in frame:
                frame["oee_status"] = frame["oee_status"].map(lambda c: OEE_STATUS.get(c, {}).get(lang, c))
        return tables


def one_language(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """`frame` with only `lang`'s names: of each column pair `x_ko`/`x_en` the one in `lang`, called `x`."""
    mine, other = ("_ko", "_en") if lang == "ko" else ("_en", "_ko")
    pairs = [c[: -len(mine)] for c in frame.columns if c.endswith(mine) and c[: -len(mine)] + other in frame]
    return frame.drop(columns=[p + other for p in pairs]).rename(columns={p + mine: p for p in pairs})


def with_names(store: Store, company_id: str, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with each machine's and line's name beside its id (`machine_name`, `line_name`), as people read a
    table they take away."""
    frame = frame.copy()
    machines = {m.id: m.name for m in store.list_machines(company_id)}
    lines = {ln.id: ln.name for ln in store.list_lines(company_id)}
    for column, name_column, known in (
        ("machine_id", "machine_name", machines),
        ("line_id", "line_name", lines),
    ):
        if column in frame:
            frame.insert(frame.columns.get_loc(column) + 1, name_column, frame[column].map(known))
    return frame


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
    by_machine = with_names(store, company_id, report.table("machine"))  # its rows carry their line
    # the shift by its name in the reader's language; its calendar key would be a second "Shift" column
    shifts = with_names(store, company_id, report.table(("machine", "shift"))).drop(
        columns="shift_name", errors="ignore"
    )
    shift_keys = ["machine_id", "machine_name", "production_day", "shift_label_ko", "shift_label_en"]
    tables = {
        "overall": _ordered(report.table(()), []),
        "machines": _ordered(by_machine, ["machine_id", "machine_name", "line_id", "line_name"]),
        "shifts": _ordered(shifts, shift_keys),
        # every stop state by its reason (changeovers, waits for material), not only breakdowns: headed as stop time
        "downtime": report.downtime_pareto(STOP_STATES).rename(columns={"down_time_s": "stop_time_s"}),
        "defects": defect_pareto(store, company_id, start, end, calendar=calendar, codes=codes),
    }
    tables["notes"] = _notes(report.dashboard()["notes"], tables["overall"], tables["defects"])
    return ProductionReport(start, end, tables)


def _notes(oee_notes: list[dict[str, str]], overall: pd.DataFrame, defects: pd.DataFrame) -> pd.DataFrame:
    """What the dashboard says beside these figures (parts outside planned time, machines whose records begin
    later…), and where the two scrap counts of the workbook differ, why: the summary counts planned operation
    time (OEE), the defect sheet every part of the period (a workbook read 189 against 340, unexplained)."""
    notes = [(n["en"], n["ko"]) for n in oee_notes]
    in_oee = int(overall["scrap_qty"].sum()) if "scrap_qty" in overall else 0
    by_type = int(defects["scrap_qty"].sum()) if "scrap_qty" in defects else 0
    if by_type != in_oee:
        notes.append(
            (
                f"The summary's scrap ({in_oee:,}) counts parts completed in planned operation time, as OEE does; "
                f"the scrap by defect type ({by_type:,}) counts every part completed in the period.",
                f"요약의 불량 수량({in_oee:,}개)은 OEE처럼 계획 운영 시간 안에 완료된 부품만 셉니다. 불량 유형 "
                f"시트({by_type:,}개)는 기간 안에 완료된 모든 부품을 셉니다.",
            )
        )
    return pd.DataFrame(notes, columns=["note_en", "note_ko"])


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
        Sheet(SHEETS[key][lang], frame, LABELS, RATIOS)
        for key, frame in report.for_language(lang).items()
        if key != "notes" or len(frame)
    ]
    day = start.astimezone(ZoneInfo(zone)).strftime("%Y%m%d")
    return workbook_file(sheets, name=f"production-{company_id}-{day}", lang=lang, zone=zone)
