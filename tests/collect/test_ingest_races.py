"""A batch on its way while its machine is deleted or its company erased: the store's write lock decides, so no record
lands on a deleted machine or an erased company, and nothing sent is lost without a word; on both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandan.collect import ingest_parts
from sandan.collect.assets import remove_asset
from sandan.domain import Conflict, NotFound
from sandan.store.base import AssetHeld
from tests.store.data import add_company

T0 = datetime(2026, 5, 1, 8, tzinfo=UTC)


class _Meanwhile:
    """The store, with `act` run once after ingestion checked the batch and before it is written (another user's
    request arriving in that moment)."""

    def __init__(self, store, act):
        self._store, self._act = store, act

    def __getattr__(self, name):
        return getattr(self._store, name)

    def append_parts(self, company_id, batch, **kw):
        act, self._act = self._act, lambda: None
        act()
        return self._store.append_parts(company_id, batch, **kw)


def _parts(machine: str, n: int, start: int = 0) -> list[dict]:
    return [
        {
            "time": T0 + timedelta(seconds=start + i),
            "machine_id": machine,
            "part_id": f"{machine}-{i}",
            "result": "ok",
        }
        for i in range(n)
    ]


def test_rows_of_a_machine_deleted_while_they_were_on_their_way_are_quarantined_not_stored(store):
    add_company(store, "acme", machines=("M1", "M2"))
    racing = _Meanwhile(store, lambda: remove_asset(store, None, "acme", "machine", "M2"))
    receipt = ingest_parts(racing, "acme", _parts("M1", 3) + _parts("M2", 4))
    assert store.get_machine("acme", "M2") is None
    assert receipt.accepted == 3 and receipt.rejected == 4 and receipt.reasons == {"unknown_machine": 4}
    assert (
        store.count_rows("acme", "part_records", "M2") == 0 and store.count_rows("acme", "part_records") == 3
    )
    kept = store.list_quarantine("acme")
    assert len(kept) == 4 and {q["reason_code"] for q in kept} == {"unknown_machine"}


def test_a_machine_that_holds_records_is_never_deleted_by_the_store(store):
    add_company(store, "acme", machines=("M1",))
    assert ingest_parts(store, "acme", _parts("M1", 2)).accepted == 2
    with pytest.raises(AssetHeld) as held:
        store.delete_asset("acme", "machine", "M1")
    assert held.value.counts == {"machine_events": 0, "part_records": 2, "readings": 0}
    assert store.get_machine("acme", "M1") is not None
    with pytest.raises(Conflict, match="holds 2 part records"):
        remove_asset(store, None, "acme", "machine", "M1")


def test_a_batch_for_a_company_erased_while_it_was_on_its_way_is_refused_and_nothing_is_kept(store):
    add_company(store, "acme", machines=("M1",))
    add_company(store, "beta", machines=("M1",))
    erased = _Meanwhile(store, lambda: store.erase_company("acme", datetime.now(UTC), "left"))
    with pytest.raises(NotFound, match="'acme' not found") as refused:
        ingest_parts(erased, "acme", [*_parts("M1", 5), {**_parts("M1", 1)[0], "result": "maybe"}])
    assert refused.value.code == "company_not_found"
    assert store.count_rows("acme", "part_records") == 0 and store.list_quarantine("acme") == []
    # a batch whose rows are all rejected is refused too, rather than kept in the erased company's quarantine
    with pytest.raises(NotFound):
        ingest_parts(store, "acme", [{**_parts("M1", 1)[0], "result": "maybe"}])
    assert store.list_quarantine("acme") == [] and ingest_parts(store, "beta", _parts("M1", 2)).accepted == 2
