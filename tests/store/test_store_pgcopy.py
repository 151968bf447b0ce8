"""The binary COPY encoder writes exactly the bytes PostgreSQL itself writes for the same rows."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pyarrow as pa
import pytest

from sandan.store import pgcopy

pytestmark = pytest.mark.postgres

ROWS = pa.table(
    {
        "t": pa.array(
            [
                datetime(2026, 3, 2, 8, 0, 0, 123456, tzinfo=UTC),
                datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
                None,
            ],
            pa.timestamp("us", tz="UTC"),
        ),
        "s": pa.array(["온도", "", None]),
        "v": pa.array([1.5, float("-inf"), None], pa.float64()),
        "n": pa.array([None, -7, 2**40], pa.int64()),
        "b": pa.array([True, None, False]),
    }
)


def test_encoded_rows_equal_postgres_own_binary_copy(pg_url):
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("CREATE TABLE enc (t timestamptz, s text, v float8, n int8, b boolean)")
        with con.cursor() as cur, cur.copy("COPY enc FROM STDIN (FORMAT BINARY)") as copy:
            for piece in pgcopy.stream(ROWS, rows_per_piece=2):
                copy.write(piece)
        with con.cursor() as cur, cur.copy("COPY enc TO STDOUT (FORMAT BINARY)") as copy:
            theirs = b"".join(bytes(chunk) for chunk in copy)
    ours = b"".join(pgcopy.stream(ROWS))
    assert ours == theirs


def test_a_stream_starts_with_the_signature_and_ends_with_the_trailer():
    pieces = list(pgcopy.stream(ROWS.slice(0, 0)))
    assert pieces[0].startswith(b"PGCOPY\n\xff\r\n\x00") and pieces[-1] == b"\xff\xff"


def test_a_constant_column_repeats_its_value():
    assert pgcopy.constant_column("acme", 3).to_pylist() == ["acme"] * 3
