"""Last-resort read-only SQL over allow-listed views of one company's data, in a private in-memory DuckDB.

The views are filled from Store query results (Arrow) for the tenant only; the SQL never reaches the Store.
Store wish: a `Store.read_only_query(company_id, sql, views, limit)` would avoid copying the window in.
"""

from __future__ import annotations

import re
import threading

import duckdb
import pyarrow as pa

from sandan.assist.registry import PERIOD_SCHEMA, ToolContext, ToolOutput, call_citation, plain, tool
from sandan.domain import InvalidInput

ROW_LIMIT = 200
#: A query's limits: any viewer's question can reach this tool through the model, and a cross join of two ranges
#: ran for 45 s and more. The time is stopped with DuckDB's `interrupt()`, the memory by the connection's own limit
#: (nothing is spilled to disk), the result by its size.
TIME_LIMIT_S = 5.0
MEMORY_LIMIT = "256MB"
THREADS = 1
MAX_RESULT_BYTES = 2_000_000
VIEWS = ("machines", "part_records", "machine_events", "readings")
_READ_ONLY = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)
_FORBIDDEN = re.compile(
    r"\b(attach|copy|install|load|pragma|set|create|insert|update|delete|drop|alter|export|import|call|"
    r"read_csv\w*|read_parquet|read_json\w*|read_text|read_blob|glob|httpfs|getenv)\b"
    # text made as long as asked for (repeat('x', 10^9)) is not counted against the memory limit
    r"|\b(repeat|lpad|rpad|printf|format)\s*\(",
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
        word = found.group(1) or found.group(2)
        raise _refuse(f"{word!r} is not allowed here", f"{word!r}은(는) 쓸 수 없습니다")
    return text


def _run(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """One query on `con` within `TIME_LIMIT_S` (interrupted after it) and `MEMORY_LIMIT`, its result at most
    `MAX_RESULT_BYTES`; a query past a limit is refused in words the model and a person can act on."""
    timer = threading.Timer(TIME_LIMIT_S, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        result = con.sql(sql).to_arrow_table()
    except duckdb.InterruptException as exc:
        raise InvalidInput(
            f"the query ran longer than {TIME_LIMIT_S:g} s and was stopped; ask for less: a shorter period, "
            "fewer joins, an aggregate instead of the rows",
            f"조회가 {TIME_LIMIT_S:g}초를 넘겨 중단했습니다. 더 적게 조회하세요: 더 짧은 기간, 더 적은 조인, 행 대신 집계",
            code="sql_too_long",
        ) from exc
    except duckdb.OutOfMemoryException as exc:
        raise InvalidInput(
            f"the query needed more than {MEMORY_LIMIT} of memory and was stopped; ask for less: a shorter "
            "period, fewer joins, an aggregate instead of the rows",
            f"조회에 메모리가 {MEMORY_LIMIT}보다 많이 필요해 중단했습니다. 더 적게 조회하세요: 더 짧은 기간, 더 적은 "
            "조인, 행 대신 집계",
            code="sql_too_big",
        ) from exc
    except duckdb.Error as exc:
        # DuckDB explains in English: the Korean text names the kind of error and leaves the sentence out
        raise InvalidInput(
            f"the query failed: {exc}",
            f"조회가 실패했습니다 ({type(exc).__name__}). 조회문을 고쳐 다시 실행하세요",
            code="sql_error",
        ) from exc
    finally:
        timer.cancel()
    if result.nbytes > MAX_RESULT_BYTES:
        raise InvalidInput(
            f"the result is larger than {MAX_RESULT_BYTES / 1e6:g} MB; select fewer or shorter columns",
            f"결과가 {MAX_RESULT_BYTES / 1e6:g} MB보다 큽니다. 열을 줄이거나 짧은 열만 고르세요",
            code="sql_too_big",
        )
    return result


@tool(
    "sql_query",
    title=("Database query", "데이터 조회 (SQL)"),
    en="Last resort: one read-only SELECT over the views machines, part_records, machine_events, readings "
    f"(this company, the chosen period; at most {ROW_LIMIT} rows, stopped after {TIME_LIMIT_S:g} s)",
    ko="최후 수단: machines, part_records, machine_events, readings 뷰에 대한 읽기 전용 SELECT 한 문장 "
    f"(이 회사, 선택한 기간; 최대 {ROW_LIMIT}행, {TIME_LIMIT_S:g}초가 지나면 중단)",
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
    con = duckdb.connect(
        ":memory:",
        config={
            "enable_external_access": False,
            "threads": THREADS,
            "memory_limit": MEMORY_LIMIT,
            # an empty temporary directory: nothing is spilled to disk (the default was ./.tmp)
            "temp_directory": "",
        },
    )
    try:
        for name, table in views.items():
            con.register(name, table)
        con.execute("SET lock_configuration = true")
        result = _run(con, f"SELECT * FROM ({text}) AS q LIMIT {ROW_LIMIT + 1}")
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
