"""A member leaves the complex: the operator erases everything held for it — every table with a company column, its
files, its entries in the shared files — and nothing of the others; on both stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandan.accounts import Principal, issue_token, resolve_token
from sandan.collect import ingest_events, ingest_parts, ingest_readings
from sandan.collect.erase import WITHDRAWN_REASON, erase_check, erase_company
from sandan.connect.profile import Profile
from sandan.connect.profile_store import ProfileStore
from sandan.domain import Company, Forbidden, InvalidInput, NotAuthenticated, NotFound
from sandan.monitor.alert_store import open_alert_store
from sandan.optimize.service import list_recipes, save_recipe
from sandan.store.backup import cross_tenant_backup as backup
from sandan.store.backup import read_manifest
from sandan.store.base import COMPANY_TABLES_SQL, CatalogueEntry, CatalogueScore
from tests.api.world import seed

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)
FILES = (
    "codes/{c}.yaml",
    "calendars/{c}.yaml",
    "twin_lines/{c}/line.yaml",
    "models/{c}/defects/1/model.txt",
    "assist/{c}/documents/d1/std.md",
    "uploads/{c}/u1.csv",
    "takeout/{c}/{c}-takeout-20260101T000000Z.zip",
    "federation-keys/{c}.key",
)


def _rows(store, sql: str, params: list) -> list[tuple]:
    if hasattr(store, "_rows"):  # PostgreSQL
        return store._rows(sql.replace("?", "%s"), params)
    return store._cur().execute(sql, params).fetchall()


def _execute(store, sql: str) -> None:
    if hasattr(store, "_run"):  # PostgreSQL
        store._run(sql)
    else:
        store._cur().execute(sql)


def _counts(store, company: str) -> dict[str, int]:
    tables = [r[0] for r in _rows(store, COMPANY_TABLES_SQL, []) if r[0] != "other_app"]
    return {
        t: _rows(store, f"SELECT count(*) FROM {t} WHERE company_id = ?", [company])[0][0] for t in tables
    }


@pytest.fixture
def complex_(store, tmp_path):
    seed(store)
    data = tmp_path / "data"
    for c in ("acme", "bravo"):
        parts = [
            {
                "time": T0 + timedelta(minutes=i),
                "machine_id": "m1",
                "part_id": f"{c}{i}",
                "result": "ok",
                "param:temp": 200.0,
            }
            for i in range(20)
        ]
        assert ingest_parts(store, c, [*parts, {**parts[0], "result": "maybe"}]).rejected == 1
        readings = [
            {"time": T0 + timedelta(minutes=i), "machine_id": "m1", "signal": "temp", "value": 20.0}
            for i in range(30)
        ]
        assert ingest_readings(store, c, readings).rejected == 0
        event = {"machine_id": "m1", "start": T0, "end": T0 + timedelta(hours=1), "state": "running"}
        assert ingest_events(store, c, [event]).rejected == 0
        store.put_edge_status(c, "gw", T0, "{}")
        store.add_audit(c, f"{c[0]}-eng", "line.put", "l1", "")
        for rel in FILES:
            path = data / rel.format(c=c)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(c, encoding="utf-8")
        save_recipe(store, data, c, "m1", "fast", {"temp": 200.0}, f"{c[0]}-eng")
        open_alert_store(data).put_rule(c, "r1", {"kind": "oee_below"}, None)
        ProfileStore.in_data_dir(data).put(c, Profile(company_id=c, name=c))
    shared = data / "catalogue" / "forging" / "0123abcd"  # the shared copy of acme's published model
    shared.mkdir(parents=True)
    (shared / "model.txt").write_text("trained on acme's parts", encoding="utf-8")
    entry = CatalogueEntry(0, "forging", "acme model", "Classifier", "result", ["x"], {}, str(shared), "")
    entry_id = store.add_catalogue_entry("acme", entry, publisher_named=True, published_by="a-admin")
    store.put_catalogue_score("bravo", CatalogueScore(entry_id, {"f1": 0.8}, 100, "adopted"))
    store.put_catalogue_score("acme", CatalogueScore(entry_id, {"f1": 0.9}, 100, "evaluated"))
    token = issue_token(store, store.user_for_login("a-admin")[0], kind="api", ttl=timedelta(hours=1))
    return store, data, entry_id, token


def test_erasing_a_company_leaves_nothing_of_it_and_everything_of_the_others(complex_):
    store, data, entry_id, token = complex_
    bravo_before = _counts(store, "bravo")
    assert all(_counts(store, "acme")[t] > 0 for t in ("part_records", "readings", "users", "quarantine"))
    assert erase_check(store, "acme", data)["last_takeout"] is None  # the fixture's zip is no whole takeout

    done = erase_company(store, None, "acme", data, confirm="acme")
    assert set(_counts(store, "acme").values()) == {0}  # every table with a company column
    assert _counts(store, "bravo") == bravo_before
    assert store.get_company("acme") is None and store.get_company("bravo") is not None
    assert store.user_for_login("a-admin") is None and store.user_for_login("b-eng") is not None
    with pytest.raises(NotAuthenticated):
        resolve_token(store, token)
    assert (
        done["rows"]["part_records"] == 20
        and done["rows"]["companies"] == 1
        and done["rows"]["api_tokens"] >= 1
    )
    assert done["files"] == len(FILES) + 1  # and the shared copy of its published model
    assert not (data / "catalogue" / "forging" / "0123abcd").exists()

    for rel in FILES:
        assert not (data / rel.format(c="acme")).exists(), rel
        assert (data / rel.format(c="bravo")).read_text(encoding="utf-8") == "bravo", rel
    assert list_recipes(data, "acme") == [] and len(list_recipes(data, "bravo")) == 1
    alerts = open_alert_store(data)
    assert alerts.list_rules("acme") == [] and len(alerts.list_rules("bravo")) == 1
    profiles = ProfileStore.in_data_dir(data)
    assert profiles.get("acme") is None and profiles.get("bravo") is not None

    # the shared model stays for bravo, which adopted it, withdrawn and naming nobody
    seen = store.cross_tenant_catalogue_entry(entry_id, "bravo")
    assert seen.withdrawn_reason == WITHDRAWN_REASON and seen.publisher_company_id is None
    assert [s.entry_id for s in store.list_catalogue_scores("bravo")] == [entry_id]
    erased = _rows(store, "SELECT target, detail FROM audit_log WHERE action = 'company.erase'", [])
    assert erased[0][0] == "acme" and '"part_records": 20' in erased[0][1]

    # a company registered later under the same id claims none of it
    store.upsert_company(Company(id="acme", name="New Acme", family="forging"))
    assert not any(e.mine for e in store.cross_tenant_catalogue("forging", "acme"))


def test_a_second_erase_sweeps_what_was_written_after_the_first_and_then_finds_nothing(complex_):
    store, data, _, _ = complex_
    erase_company(store, None, "acme", data, confirm="acme")
    store.add_audit("acme", None, "line.put", "l1", "")  # a late write, after the company was gone
    (data / "codes" / "acme.yaml").write_text("late", encoding="utf-8")
    again = erase_company(store, None, "acme", data, confirm="acme")
    assert again["rows"]["audit_log"] == 1 and again["files"] == 1 and again["rows"]["companies"] == 0
    with pytest.raises(NotFound, match="nothing is held for it"):
        erase_company(store, None, "acme", data, confirm="acme")


def test_a_company_with_a_job_running_is_not_erased_and_another_programs_table_is_left_alone(complex_):
    import threading

    from sandan.domain import Conflict
    from sandan.jobs import JobRegistry

    store, data, _, _ = complex_
    jobs, gate = JobRegistry(), threading.Event()
    job = jobs.submit("acme", "import", lambda progress: gate.wait(30))
    try:
        with pytest.raises(Conflict, match="import"):
            erase_company(store, None, "acme", data, confirm="acme", jobs=jobs)
    finally:
        gate.set()
    jobs.wait("acme", job.id, 30)
    _execute(store, "CREATE TABLE other_app (company_id VARCHAR, note VARCHAR)")
    _execute(store, "INSERT INTO other_app VALUES ('acme', 'not sandan''s')")
    erase_company(store, None, "acme", data, confirm="acme", jobs=jobs)
    assert store.get_company("acme") is None
    assert _rows(store, "SELECT count(*) FROM other_app WHERE company_id = ?", ["acme"])[0][0] == 1


def test_nothing_is_erased_without_the_id_typed_or_by_anyone_but_the_operator(complex_):
    store, data, _, _ = complex_
    before = _counts(store, "acme")
    with pytest.raises(InvalidInput, match="type its id exactly"):
        erase_company(store, None, "acme", data, confirm="ACME ")
    engineer = Principal(user=store.user_for_login("a-admin")[0])
    with pytest.raises(Forbidden):
        erase_company(store, engineer, "acme", data, confirm="acme")
    with pytest.raises(NotFound):
        erase_company(store, None, "nobody", data, confirm="nobody")
    for path in ("..", "../data", "acme/.."):  # it names folders to delete: never a path
        with pytest.raises(InvalidInput, match="no company id"):
            erase_company(store, None, path, data, confirm=path)
    assert _counts(store, "acme") == before and (data / "codes" / "acme.yaml").exists()


def test_the_check_before_erasing_counts_only_the_backups_that_may_hold_the_company(complex_):
    store, data, _, _ = complex_
    backups = data / "backups"
    backup(store, data, backups / "before-charlie.tar")
    backup(None, data, backups / "files-only.tar")  # a data folder alone does not say whose records it holds
    store.upsert_company(Company(id="charlie", name="Charlie"))
    backup(store, data, backups / "after-charlie.tar")

    assert read_manifest(backups / "before-charlie.tar").companies == ["acme", "bravo"]
    assert erase_check(store, "acme", data)["backups"] == 3
    # the archive written before charlie joined holds nothing of it (all three were counted)
    assert erase_check(store, "charlie", data)["backups"] == 2
    assert erase_company(store, None, "charlie", data, confirm="charlie")["backups"] == 2
