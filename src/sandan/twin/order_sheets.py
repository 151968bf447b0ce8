"""Shop orders as a spreadsheet: one row per operation, the way a planner keeps them in Excel, read into the same
shop-order mapping `sandan.twin.schedule.parse_shop_orders` takes (and written back out as a template).

The **orders** sheet (or the CSV file) has one row per operation; headers in English or Korean, in any order, and a
header may carry both ("job (작업)"):

| column | header words | |
|---|---|---|
| job | job, order, 작업, 주문, 작업지시 | required |
| step | step, seq, operation, 순서, 공정순서 | optional: the operation's place in its job's route; rows of one job and step on different machines are alternatives (any one of them) |
| machine | machine, 설비, 기계, 장비 | required |
| duration | minutes / min / 분, hours / 시간(h), seconds / 초, or duration / time / 소요시간 | required; a whole number ≥ 1; the header's unit becomes the schedule's |
| due, release, weight, family | due / 납기, release / 투입, weight / 가중치, family / product / 품목 | optional, per job (on any of its rows); due and release are working time from the schedule's start, or dates (`sandan.twin.workclock`) |

Without a step column every row is the next operation of its job. An .xlsx file may add a **setups** sheet ("셋업")
with machine (optional: every machine), from, to and a duration. Each message names the file, the sheet and the row as
the spreadsheet numbers it.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from sandan.domain import InvalidInput
from sandan.domain.korean import particle
from sandan.domain.text import excel_text, without_thousands
from sandan.twin.workclock import as_instant, unit_word

UTC_ZONE = ZoneInfo("UTC")

#: Canonical column → the words a header may use for it (lower case).
ORDER_COLUMNS: dict[str, tuple[str, ...]] = {
    "job": ("job", "order", "작업", "주문", "작업지시", "오더"),
    "step": ("step", "seq", "sequence", "operation", "op", "순서", "공정순서"),
    "machine": ("machine", "설비", "기계", "장비"),
    "duration": (
        "duration",
        "time",
        "minutes",
        "min",
        "분",
        "hours",
        "h",
        "seconds",
        "s",
        "sec",
        "초",
        "소요시간",
    ),
    "due": ("due", "납기"),
    "release": ("release", "투입"),
    "weight": ("weight", "가중치"),
    "family": ("family", "product", "품목", "품목군", "제품"),
}
SETUP_COLUMNS: dict[str, tuple[str, ...]] = {
    "machine": ORDER_COLUMNS["machine"],
    "from": ("from", "이전"),
    "to": ("to", "다음"),
    "duration": ORDER_COLUMNS["duration"],
}
#: A header word that names the time unit.
UNITS = {
    "minutes": "min",
    "min": "min",
    "분": "min",
    "hours": "h",
    "h": "h",
    "seconds": "s",
    "s": "s",
    "sec": "s",
}
UNITS |= {"초": "s"}
REQUIRED = ("job", "machine", "duration")
ORDER_SHEETS = ("orders", "order", "작업지시", "작업", "주문")
SETUP_SHEETS = ("setups", "setup", "셋업", "준비")
SHEET_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm")  # not .txt: a job-shop instance is often kept as one
MAX_ROWS = 20_000


def _bad(en: str, ko: str, file: str, **where: Any) -> InvalidInput:
    return InvalidInput(en, ko, code="bad_orders", file=file, **where)


def _words(header: Any) -> list[str]:
    return [w for w in re.split(r"[\s()\[\]/·,_:;-]+", str(header).strip().lower()) if w]


def _columns(
    frame: pd.DataFrame, wanted: Mapping[str, tuple[str, ...]], file: str, sheet: str
) -> dict[str, Any]:
    """Canonical column → the frame's header that names it; a header naming two columns or a column named twice
    is refused."""
    found: dict[str, Any] = {}
    for header in frame.columns:
        words = _words(header)
        hits = [c for c, aliases in wanted.items() if any(w in aliases for w in words)]
        if not hits:
            continue
        if len(hits) > 1 and "duration" in hits:  # "time" in "release time (투입)": the other word decides
            hits = [h for h in hits if h != "duration"]
        column = hits[0]
        if column in found:
            raise _bad(
                f"{file}, sheet {sheet}: columns {found[column]!r} and {header!r} both name the {column}; keep one",
                f"{file}, 시트 {sheet}: 열 {found[column]!r}과(와) {header!r}이(가) 모두 {column}입니다. 하나만 남기세요",
                file,
                field=str(header),
            )
        found[column] = header
    return found


def _unit(header: Any) -> str:
    return next((UNITS[w] for w in _words(header) if w in UNITS), "")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


#: How many of a sheet's problems one message spells out; the rest are counted (all are in `where["errors"]`).
SHOWN_PROBLEMS = 10


class _Problems:
    """The problems of a sheet's cells, gathered row by row so that one upload reports them all: each names the
    sheet, the row as the spreadsheet numbers it, and the column by its header."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[dict[str, Any]] = []

    def add(self, sheet: str, row: int, column: Any, en: str, ko: str) -> None:
        place_en = f"sheet {sheet}, row {row}" + (f", column {column}" if column is not None else "")
        place_ko = f"시트 {sheet}, {row}행" + (f", {column} 열" if column is not None else "")
        self.items.append(
            {
                "sheet": sheet,
                "row": row,
                "column": None if column is None else str(column),
                "label": place_en,
                "label_ko": place_ko,
                "en": en,
                "ko": ko,
            }
        )

    def raise_any(self) -> None:
        """Refuse the file if any cell was refused: one message that spells out the first `SHOWN_PROBLEMS` (each
        with its sheet, row and column) and counts the rest; `where["errors"]` lists them all."""
        if not self.items:
            return
        n, shown = len(self.items), self.items[:SHOWN_PROBLEMS]
        en = "; ".join(f"{p['label']}: {p['en']}" for p in shown)
        ko = "; ".join(f"{p['label_ko']}: {p['ko']}" for p in shown)
        if n > SHOWN_PROBLEMS:
            en += f"; and {n - SHOWN_PROBLEMS} more"
            ko += f"; 그 밖에 {n - SHOWN_PROBLEMS}개"
        first = self.items[0]
        raise _bad(
            f"{self.file}, {en}" if n == 1 else f"{self.file}: {n} problems: {en}",
            f"{self.file}, {ko}" if n == 1 else f"{self.file}: 문제 {n}개: {ko}",
            self.file,
            sheet=first["sheet"],
            row=first["row"],
            field=first["column"],
            errors=list(self.items),
        )


def _whole(
    value: Any, what: tuple[str, str], minimum: int, problems: _Problems, sheet: str, row: int, column: Any
) -> int | None:
    """A cell's whole number ≥ `minimum`; None (the problem noted) for anything else."""
    text = without_thousands(str(value).strip())
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and number.is_integer() and number >= minimum):
        problems.add(
            sheet,
            row,
            column,
            f"the {what[0]} must be a whole number ≥ {minimum}, got {text!r}",
            f"{particle(what[1], '은/는')} {minimum} 이상의 정수여야 합니다 (값: {text!r})",
        )
        return None
    return int(number)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a job or machine numbered 101 in Excel reads 101.0
    return str(value).strip()


def orders_from_sheets(
    orders: pd.DataFrame, setups: pd.DataFrame | None = None, *, name: str = "orders", file: str | None = None
) -> dict[str, Any]:
    """The shop-order mapping (`parse_shop_orders`'s form) from an orders sheet and an optional setups sheet.
    Row numbers in messages count as the spreadsheet does: the header is row 1."""
    file = file or name
    sheet = "orders"
    cols = _columns(orders, ORDER_COLUMNS, file, sheet)
    missing = [c for c in REQUIRED if c not in cols]
    if missing:
        raise _bad(
            f"{file}: the orders need the columns job, machine and a duration (e.g. 'minutes'); missing "
            f"{', '.join(missing)}; the headers found were {', '.join(map(str, orders.columns)) or 'none'}",
            f"{file}: 작업 지시에는 작업, 설비, 시간(예: '분') 열이 필요합니다. 없는 열: {', '.join(missing)}. "
            f"찾은 머리글: {', '.join(map(str, orders.columns)) or '없음'}",
            file,
        )
    if len(orders) > MAX_ROWS:
        raise _bad(
            f"{file}: {len(orders):,} rows of operations; a schedule takes at most {MAX_ROWS:,}",
            f"{file}: 공정 행이 {len(orders):,}개입니다. 일정 계획은 최대 {MAX_ROWS:,}개까지 받습니다",
            file,
        )
    jobs: dict[str, dict[str, Any]] = {}
    steps: dict[str, dict[int, dict[str, int]]] = {}
    first_row: dict[tuple[str, str], int] = {}
    problems = _Problems(file)
    for i, record in enumerate(orders.to_dict("records")):
        row = i + 2
        cells = {c: record[h] for c, h in cols.items()}
        if all(_blank(v) for v in record.values()):
            continue
        empty = [c for c in REQUIRED if _blank(cells[c])]
        for c in empty:
            problems.add(
                sheet,
                row,
                cols[c],
                f"the {c} is empty; fill it or delete the row",
                "칸이 비어 있습니다. 채우거나 행을 지우세요",
            )
        duration = (
            None
            if "duration" in empty
            else _whole(cells["duration"], ("duration", "시간"), 1, problems, sheet, row, cols["duration"])
        )
        step: int | None = None
        if "step" in cells and not _blank(cells["step"]):
            step = _whole(cells["step"], ("step", "순서"), 0, problems, sheet, row, cols["step"])
            if step is None:
                continue
        if "job" in empty:
            continue  # whose row it is cannot be told: its other cells are checked no further
        job = _text(cells["job"])
        entry = jobs.setdefault(job, {"name": job})
        route = steps.setdefault(job, {})
        for key, what in (
            ("due", ("due", "납기")),
            ("release", ("release", "투입")),
            ("weight", ("weight", "가중치")),
        ):
            if key in cells and not _blank(cells[key]):
                value = cells[key]
                if key == "weight" or as_instant(value, UTC_ZONE) is None:
                    value = _whole(value, what, 0, problems, sheet, row, cols[key])
                    if value is None:
                        continue
                elif not isinstance(value, str):
                    value = pd.Timestamp(value).to_pydatetime()  # a date cell, counted on the clock later
                _job_value(entry, key, value, first_row, job, row, problems, sheet, cols[key])
        if "family" in cells and not _blank(cells["family"]):
            _job_value(
                entry, "family", _text(cells["family"]), first_row, job, row, problems, sheet, cols["family"]
            )
        if empty or duration is None:
            continue
        machine = _text(cells["machine"])
        step = len(route) if step is None else step
        alternatives = route.setdefault(step, {})
        if machine in alternatives:
            problems.add(
                sheet,
                row,
                cols["machine"],
                f"{job} step {step} is on {machine} twice; keep one row",
                f"{job}의 {step}번 공정에 {particle(machine, '이/가')} 두 번 있습니다. 한 행만 남기세요",
            )
            continue
        alternatives[machine] = duration
    setup_list = _setups(setups, file, problems) if setups is not None and len(setups) else None
    problems.raise_any()
    if not jobs:
        raise _bad(
            f"{file}: the orders sheet has no rows; add one row per operation under the headers",
            f"{file}: 작업 지시 시트에 행이 없습니다. 머리글 아래에 공정마다 한 행씩 쓰세요",
            file,
        )
    for job, entry in jobs.items():
        entry["operations"] = [_operation(alts) for _, alts in sorted(steps[job].items())]
    data: dict[str, Any] = {"name": name, "time_unit": _unit(cols["duration"]), "jobs": list(jobs.values())}
    if setup_list is not None:
        data["setups"] = setup_list
    return data


def _operation(alternatives: dict[str, int]) -> dict[str, Any]:
    if len(alternatives) > 1:
        return {"alternatives": alternatives}
    ((machine, duration),) = alternatives.items()
    return {"machine": machine, "duration": duration}


def _job_value(
    entry: dict[str, Any],
    key: str,
    value: Any,
    first_row: dict[tuple[str, str], int],
    job: str,
    row: int,
    problems: _Problems,
    sheet: str,
    column: Any,
) -> None:
    """A job's due, release, weight or family: one value, on any of its rows; two different ones are refused."""
    if key in entry and entry[key] != value:
        problems.add(
            sheet,
            row,
            column,
            f"{job} has {key} {value!r} here but {entry[key]!r} in row {first_row[(job, key)]}; a job has one",
            f"{job}의 {key} 값이 여기서는 {value!r}, {first_row[(job, key)]}행에서는 {entry[key]!r}입니다. "
            "작업마다 하나여야 합니다",
        )
        return
    entry[key] = value
    first_row.setdefault((job, key), row)


def _setups(frame: pd.DataFrame, file: str, problems: _Problems) -> list[dict[str, Any]]:
    sheet = "setups"
    cols = _columns(frame, SETUP_COLUMNS, file, sheet)
    missing = [c for c in ("from", "to", "duration") if c not in cols]
    if missing:
        raise _bad(
            f"{file}: the setups sheet needs the columns from, to and a duration (machine is optional); missing "
            f"{', '.join(missing)}",
            f"{file}: 셋업 시트에는 이전(from), 다음(to), 시간 열이 필요합니다(설비는 선택). 없는 열: {', '.join(missing)}",
            file,
        )
    out = []
    for i, record in enumerate(frame.to_dict("records")):
        row = i + 2
        cells = {c: record[h] for c, h in cols.items()}
        if all(_blank(v) for v in record.values()):
            continue
        if _blank(cells["from"]) or _blank(cells["to"]):
            problems.add(
                sheet,
                row,
                cols["from" if _blank(cells["from"]) else "to"],
                "give the family changed from and to",
                "바뀌기 전과 후의 품목군을 쓰세요",
            )
            continue
        time = _whole(
            cells["duration"], ("setup time", "셋업 시간"), 0, problems, sheet, row, cols["duration"]
        )
        if time is None:
            continue
        item: dict[str, Any] = {"from": _text(cells["from"]), "to": _text(cells["to"]), "time": time}
        if "machine" in cells and not _blank(cells["machine"]):
            item["machine"] = _text(cells["machine"])
        out.append(item)
    return out


def read_order_sheets(content: bytes, filename: str) -> dict[str, Any]:
    """The shop-order mapping from a CSV (UTF-8 or CP949, comma, semicolon or tab) or an .xlsx workbook's bytes.
    A workbook's orders are the sheet named orders / 작업지시 (else its first sheet); its setups the sheet named
    setups / 셋업."""
    file = Path(filename).name
    name = Path(filename).stem
    if not content.strip():
        raise _bad(f"{file} is empty", f"{file}이(가) 비어 있습니다", file)
    if content.startswith(b"PK\x03\x04") or file.lower().endswith((".xlsx", ".xlsm")):
        try:
            sheets = pd.read_excel(io.BytesIO(content), sheet_name=None, dtype=object, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
            raise _bad(
                f"{file} cannot be read as an Excel workbook ({type(exc).__name__}); save it again as .xlsx",
                f"{file}을(를) 엑셀 통합 문서로 읽을 수 없습니다({type(exc).__name__}). .xlsx로 다시 저장하세요",
                file,
            ) from None
        by_name = {str(k).strip().lower(): v for k, v in sheets.items()}
        orders = next((by_name[s] for s in ORDER_SHEETS if s in by_name), next(iter(sheets.values())))
        setups = next((by_name[s] for s in SETUP_SHEETS if s in by_name), None)
        return orders_from_sheets(orders, setups, name=name, file=file)
    text = excel_text(content, file)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=None, engine="python", dtype=object, skip_blank_lines=True)
    except (pd.errors.ParserError, csv.Error) as exc:
        raise _bad(
            f"{file} cannot be read as a table: {exc}; one row per operation under one header row",
            f"{file}을(를) 표로 읽을 수 없습니다: {exc}. 머리글 한 행 아래에 공정마다 한 행씩 쓰세요",
            file,
        ) from None
    return orders_from_sheets(frame, None, name=name, file=file)


def order_sheets(data: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shop orders (the mapping `parse_shop_orders` takes) as the orders and setups sheets `orders_from_sheets`
    reads: a template a planner fills in, from the page's sample orders."""
    unit = {"min": "minutes (분)", "h": "hours (시간)", "s": "seconds (초)"}.get(
        str(data.get("time_unit", ""))
    )
    duration = unit or "duration (소요시간)"
    rows = []
    for job in data.get("jobs", []):
        for step, op in enumerate(job.get("operations", []), start=1):
            alternatives = op.get("alternatives") or {op["machine"]: op["duration"]}
            for machine, minutes in alternatives.items():
                rows.append(
                    {
                        "job (작업)": job["name"],
                        "step (순서)": step,
                        "machine (설비)": machine,
                        duration: minutes,
                        "due (납기)": job.get("due"),
                        "release (투입)": job.get("release"),
                        "weight (가중치)": job.get("weight"),
                        "family (품목군)": job.get("family"),
                    }
                )
    setups = [
        {
            "machine (설비)": s.get("machine"),
            "from (이전)": s["from"],
            "to (다음)": s["to"],
            duration: s["time"],
        }
        for s in data.get("setups", []) or []
    ]
    orders = pd.DataFrame(rows)
    optional = [c for c in orders.columns[4:] if orders[c].isna().all()]  # no job has a due date: no column
    return orders.drop(columns=optional), pd.DataFrame(
        setups, columns=["machine (설비)", "from (이전)", "to (다음)", duration]
    )


#: XlsxWriter writes text beginning with "=" as a live formula unless told not to: a job named
#: =HYPERLINK("http://…"&A2, …) ran in the planner's Excel (as `sandan.collect.export.workbook_file` already refuses).
TEXT_AS_TEXT = {"strings_to_formulas": False, "strings_to_urls": False}


def workbook(orders: pd.DataFrame, setups: pd.DataFrame) -> bytes:
    """The two sheets as an .xlsx workbook, columns wide enough to read."""
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="xlsxwriter", engine_kwargs={"options": TEXT_AS_TEXT}) as writer:
        for sheet, frame in (("orders", orders), ("setups", setups)):
            frame.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            for i, column in enumerate(frame.columns):
                ws.set_column(i, i, max(12, len(str(column)) + 4))
            ws.freeze_panes(1, 0)
    return out.getvalue()


#: The dispatch list's headers: (English, Korean).
DISPATCH_HEADERS = {
    "machine": ("machine", "설비"),
    "position": ("order on machine", "설비 작업 순서"),
    "job": ("job", "작업"),
    "op": ("step", "순서"),
    "setup": ("setup before", "앞 셋업"),
    "start": ("start", "시작"),
    "end": ("end", "종료"),
    "duration": ("duration", "시간"),
    "start_at": ("starts", "시작 시각"),
    "end_at": ("ends", "종료 시각"),
}


def dispatch_sheet(schedule: list[Mapping[str, Any]], time_unit: str, lang: str = "ko") -> pd.DataFrame:
    """A schedule as the shop floor reads it: per machine, its operations in the order it runs them, with start,
    end and the setup before each, in the orders' time unit from the schedule's start."""
    unit = f" ({unit_word(time_unit, lang)})" if time_unit else ""
    rows = sorted(schedule, key=lambda o: (str(o["machine"]), o["start"]))
    position: dict[str, int] = {}
    out = []
    for o in rows:
        position[o["machine"]] = position.get(o["machine"], 0) + 1
        out.append(
            {
                "machine": o["machine"],
                "position": position[o["machine"]],
                "job": o["job"],
                "op": o["op"] + 1,
                "setup": o.get("setup", 0),
                "start": o["start"],
                "end": o["end"],
                "duration": o["end"] - o["start"],
                # on the shop's clock where the schedule has a start: local time, as Excel shows dates
                "start_at": _local(o.get("start_at")),
                "end_at": _local(o.get("end_at")),
            }
        )
    i = 0 if lang == "en" else 1
    names = {
        k: v[i] + (unit if k in ("setup", "start", "end", "duration") else "")
        for k, v in DISPATCH_HEADERS.items()
    }
    frame = pd.DataFrame(out, columns=list(DISPATCH_HEADERS))
    if frame["start_at"].isna().all():
        frame = frame.drop(columns=["start_at", "end_at"])
    return frame.rename(columns=names)


def _local(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text).replace(tzinfo=None)


def dispatch_workbook(schedule: list[Mapping[str, Any]], time_unit: str, lang: str = "ko") -> bytes:
    """The dispatch list (`dispatch_sheet`) as an .xlsx workbook: one sheet, columns wide enough to read."""
    frame = dispatch_sheet(schedule, time_unit, lang)
    out = io.BytesIO()
    with pd.ExcelWriter(
        out, engine="xlsxwriter", datetime_format="yyyy-mm-dd hh:mm", engine_kwargs={"options": TEXT_AS_TEXT}
    ) as writer:
        frame.to_excel(writer, sheet_name="dispatch" if lang == "en" else "작업순서", index=False)
        ws = next(iter(writer.sheets.values()))
        for k, column in enumerate(frame.columns):
            ws.set_column(k, k, max(10, len(str(column)) + 4))
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, len(frame), len(frame.columns) - 1)
        stamp = writer.book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for k, column in enumerate(frame.columns):
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                ws.set_column(k, k, 18, stamp)
    return out.getvalue()
