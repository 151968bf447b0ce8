"""Persistence behind one tenant-scoped interface: `open_store(url)` returns a DuckDB or PostgreSQL store.

No other package writes SQL; capabilities call `Store` methods.
"""

from __future__ import annotations

from sandan.domain.errors import ConfigError
from sandan.store.base import QuarantineItem, Store, TokenRecord, pivot_parts


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open the store named by `url`: `duckdb:///path/file.duckdb`, `duckdb://:memory:` or `postgresql://…`."""
    if url.startswith("duckdb://"):
        from sandan.store.duck import DuckDBStore

        store: Store = DuckDBStore(url)
    elif url.startswith(("postgresql://", "postgres://")):
        from sandan.store.postgres import PostgresStore

        store = PostgresStore(url)
    else:
        raise ConfigError(
            f"store URL {url!r} is not understood; use duckdb:///path/to/file.duckdb or postgresql://user@host/db",
            f"저장소 URL {url!r}을(를) 알 수 없습니다. duckdb:///경로/파일.duckdb 또는 postgresql://user@host/db 를 쓰세요",
        )
    if migrate:
        store.migrate()
    return store


__all__ = ["open_store", "Store", "QuarantineItem", "TokenRecord", "pivot_parts"]
