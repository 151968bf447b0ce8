"""PostgreSQL binary COPY streams built from Arrow columns with NumPy, whole columns at a time.

It only encodes bytes (format: PostgreSQL manual, COPY, "Binary Format"); it must not touch a connection or loop over rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")  # flags, no extension
TRAILER = (-1).to_bytes(2, "big", signed=True)
# PostgreSQL counts timestamps in microseconds from 2000-01-01 00:00:00 UTC, Arrow from 1970-01-01.
PG_EPOCH_US = 946_684_800_000_000
ROWS_PER_PIECE = 131_072  # ≈ 5–10 MB per write: large enough for COPY throughput, small enough for memory


def _scatter(buf: np.ndarray, pos: np.ndarray, rows: np.ndarray) -> None:
    """Write row i of the (n, k) byte matrix `rows` at buf[pos[i] : pos[i] + k]."""
    if len(pos):
        buf[pos[:, None] + np.arange(rows.shape[1])] = rows


def _be_bytes(values: np.ndarray, dtype: str) -> np.ndarray:
    return np.ascontiguousarray(values.astype(dtype)).view(np.uint8).reshape(len(values), -1)


class _Field:
    """One column's share of each row: its size in bytes (length word included) and how to write it."""

    def __init__(self, col: pa.Array) -> None:
        self.valid = np.asarray(col.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        t = col.type
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            filled = pc.fill_null(col, "")
            if isinstance(filled, pa.ChunkedArray):
                filled = filled.combine_chunks()
            offset_type = np.int64 if pa.types.is_large_string(t) else np.int32
            _, offsets_buf, data_buf = filled.buffers()
            offsets = np.frombuffer(offsets_buf, dtype=offset_type)[
                filled.offset : filled.offset + len(filled) + 1
            ].astype(np.int64)
            data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
            self.data = data[offsets[0] : offsets[-1]]
            self.lengths = np.diff(offsets)
            self.fixed: np.ndarray | None = None
        else:
            if pa.types.is_timestamp(t):
                us = pc.cast(pc.cast(col, pa.timestamp("us", tz="UTC")), pa.int64())
                values = pc.fill_null(us, 0).to_numpy(zero_copy_only=False) - PG_EPOCH_US
                self.fixed = _be_bytes(values, ">i8")
            elif pa.types.is_floating(t):
                self.fixed = _be_bytes(pc.fill_null(col, 0).to_numpy(zero_copy_only=False), ">f8")
            elif pa.types.is_integer(t):
                self.fixed = _be_bytes(pc.fill_null(col, 0).to_numpy(zero_copy_only=False), ">i8")
            elif pa.types.is_boolean(t):
                self.fixed = _be_bytes(pc.fill_null(col, False).to_numpy(zero_copy_only=False), "u1")
            else:
                raise TypeError(f"no binary COPY encoding for Arrow type {t}")
            self.lengths = np.full(len(col), self.fixed.shape[1], dtype=np.int64)
        self.lengths[~self.valid] = 0
        self.sizes = 4 + self.lengths

    def write(self, buf: np.ndarray, starts: np.ndarray) -> None:
        length_words = np.where(self.valid, self.lengths, -1)
        _scatter(buf, starts, _be_bytes(length_words, ">i4"))
        if self.fixed is not None:
            _scatter(buf, starts[self.valid] + 4, self.fixed[self.valid])
        elif len(self.data):
            # Byte b of the concatenated strings goes to its row's field start + its offset within the string.
            first_byte = np.cumsum(self.lengths) - self.lengths
            buf[np.repeat(starts + 4 - first_byte, self.lengths) + np.arange(len(self.data))] = self.data


def encode(table: pa.Table) -> bytes:
    """The tuples of `table` in COPY BINARY tuple format (no signature or trailer); columns in table order."""
    n = table.num_rows
    fields = [_Field(c.combine_chunks()) for c in table.columns]
    row_sizes = 2 + sum(f.sizes for f in fields)
    row_starts = np.cumsum(row_sizes) - row_sizes
    buf = np.empty(int(row_sizes.sum()), dtype=np.uint8)
    _scatter(buf, row_starts, _be_bytes(np.full(n, len(fields)), ">i2"))
    field_starts = row_starts + 2
    for f in fields:
        f.write(buf, field_starts)
        field_starts = field_starts + f.sizes
    return buf.tobytes()


def stream(table: pa.Table, rows_per_piece: int = ROWS_PER_PIECE) -> Iterator[bytes]:
    """A whole COPY BINARY stream in pieces: signature, tuples, trailer."""
    yield SIGNATURE
    for start in range(0, table.num_rows, rows_per_piece):
        yield encode(table.slice(start, rows_per_piece))
    yield TRAILER


def constant_column(value: str, n: int) -> pa.Array:
    """A string column repeating `value`, built without a Python list of n items."""
    return pa.array([value], type=pa.string()).take(pa.array(np.zeros(n, dtype=np.int64)))
