"""Last-resort read-only SQL over allow-listed views of one company's data, in a private in-memory DuckDB.

The views are filled from Store query results (Arrow) for the tenant only; the SQL never reaches the Store.
Store wish: a `Store.read_only_query(company_id, sql, views, limit)` would avoid copying the window in.
"""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa

from sandan.assist.registry import PERIOD_SCHEMA, ToolContext, ToolOutput, call_citation, plain, tool
from sandan.domain import InvalidInput

ROW_LIMIT = 200
VIEWS = ("machines", "part_records", "machine_events", "readings")
_READ_ONLY = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)
_FORBIDDEN = re.compile(
    r"\b(attach|copy|install|load|pragma|set|create|insert|update|delete|drop|alter|export|import|call|"
    r"read_csv\w*|read_parquet|read_json\w*|read_text|read_blob|glob|httpfs|getenv)\b",
    re.IGNORECASE,
)


def _refuse(en: str, ko: str) -> InvalidInput:
    return InvalidInput(en, ko, code="sql_refused")


def check_sql(sql: str) -> str:
    text = sql.strip().rstrip(";").strip()
    if ";" in text:
        raise _refuse("one statement only", "문장은 하나만 쓸 수 있습니다")
    if not _READ_ONLY.match(text):
        raise _refuse("only SELECT (or WITH … SELECT) queries are allowed", "SELECT 조회만 허용됩니다")
    found = _FORBIDDEN.search(text)
    if found:
        raise _refuse(f"{found.group(0)!r} is not allowed here", f"{found.group(0)!r}은(는) 쓸 수 없습니다")
    return text


@tool(
    "sql_query",
    title=("Database query", "데이터 조회 (SQL)"),
    en="Last resort: one read-only SELECT over the views machines, part_records, machine_events, readings "
    f"(this company, the chosen period; at most {ROW_LIMIT} rows)",
    ko="최후 수단: machines, part_records, machine_events, readings 뷰에 대한 읽기 전용 SELECT 한 문장 "
    f"(이 회사, 선택한 기간; 최대 {ROW_LIMIT}행)",
    parameters={
        "properties": {
            "sql": {"type": "string", "description": "SELECT statement / 조회문"},
            "period": PERIOD_SCHEMA,
        },
        "required": ["sql"],
    },
    calls="Store.list_machines, Store.query_parts, Store.query_events, Store.query_readings",
)
def sql_query_tool(ctx: ToolContext, sql: str, period: str | None = None) -> ToolOutput:
    text = check_sql(sql)
    w = ctx.window(period)
    machines = ctx.store.list_machines(ctx.company_id)
    views = {
        "machines": pa.table(
            {
                "machine_id": [m.id for m in machines],
                "name": [m.name for m in machines],
                "line_id": [m.line_id for m in machines],
                "family": [m.family.value for m in machines],
                "ideal_cycle_time_s": pa.array([m.ideal_cycle_time_s for m in machines], pa.float64()),
            }
        ),
        "part_records": ctx.store.query_parts(ctx.company_id, w.start, w.end),
        "machine_events": ctx.store.query_events(ctx.company_id, w.start, w.end),
        "readings": ctx.store.query_readings(ctx.company_id, w.start, w.end, limit=200_000),
    }
    con = duckdb.connect(":memory:", config={"enable_external_access": False})
    try:
        for name, table in views.items():
            con.register(name, table)
        con.execute("SET lock_configuration = true")
        try:
            result = con.sql(f"SELECT * FROM ({text}) AS q LIMIT {ROW_LIMIT + 1}").to_arrow_table()
        except duckdb.Error as exc:
            raise InvalidInput(
                f"the query failed: {exc}", f"조회가 실패했습니다: {exc}", code="sql_error"
            ) from exc
    finally:
        con.close()
    rows = [plain(r) for r in result.to_pylist()]
    cut = len(rows) > ROW_LIMIT
    rows = rows[:ROW_LIMIT]
    return ToolOutput(
        facts={"rows": len(rows), "truncated": cut},
        summary={
            "en": f"{len(rows)} rows" + (f" (cut at {ROW_LIMIT})" if cut else ""),
            "ko": f"{len(rows)}행" + (f" ({ROW_LIMIT}행에서 자름)" if cut else ""),
        },
        table=rows,
        columns=list(result.column_names),
        citations=[
            call_citation(
                "sql_query",
                "duckdb(:memory:) over Store query results",
                {"sql": text, "start": w.start, "end": w.end},
                len(rows),
            )
        ],
    )
