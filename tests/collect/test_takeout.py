"""A company takes out everything the platform holds for it: monthly files on the plant's clock that import back as
the same records, readings that equal the store's, nothing of another company and no credentials — on both stores."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import stat
import zipfile
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sandan.collect import ingest_events, ingest_parts, ingest_readings
from sandan.collect.files import import_file, read_preview
from sandan.collect.takeout import company_takeout, list_takeouts, months, prune_takeouts, takeout_file
from sandan.domain import Company, InvalidInput, Line, Machine, NotFound, Site
from sandan.store.base import PREDICTION_SCHEMA
from tests.api.world import seed

# 2025-10-31 23:30 in Seoul is still October on the plant's clock; 00:30 the next day is November.
LAST_OF_OCTOBER = datetime(2025, 10, 31, 14, 30, tzinfo=UTC)
FIRST_OF_NOVEMBER = datetime(2025, 10, 31, 15, 30, tzinfo=UTC)
SPAN = (datetime(2025, 10, 1, tzinfo=UTC), datetime(2025, 12, 1, tzinfo=UTC))
PART_KEYS = ("time", "machine_id", "part_id", "lot_id", "product", "result", "defect_type")


def _part(at: datetime, i: int, company: str = "acme") -> dict:
    return {
        "time": at.isoformat(),
        "machine_id": "m1",
        "part_id": f"{company[0].upper()}{i:04d}",
        "lot_id": "L7",
        "product": "브래킷",
        "result": "ng" if i % 5 == 0 else "ok",
        "defect_type": "균열" if i % 5 == 0 else None,
        "params": {"billet_temp_c": 1150.0 + i, "force_kn": 300.5},
        "measures": {"height_mm": 20.0 + i / 100} if i % 2 else {},
    }


@pytest.fixture
def plant(store, tmp_path):
    seed(store)
    parts = [_part(LAST_OF_OCTOBER - timedelta(hours=i), i) for i in range(1, 6)]
    parts += [_part(FIRST_OF_NOVEMBER + timedelta(hours=i), 10 + i) for i in range(6)]
    parts.append(_part(LAST_OF_OCTOBER, 0))
    bad = {**_part(FIRST_OF_NOVEMBER, 99), "result": "maybe"}  # goes to quarantine, and so to the takeout
    assert ingest_parts(store, "acme", [*parts, bad]).rejected == 1
    assert ingest_parts(store, "bravo", [_part(LAST_OF_OCTOBER, i, "bravo") for i in range(3)]).rejected == 0
    events = [  # one across the month's start on the plant's clock: October's, not November's too
        {
            "machine_id": "m1",
            "start": LAST_OF_OCTOBER,
            "end": FIRST_OF_NOVEMBER,
            "state": "down",
            "reason_code": "E1",
        },
        {
            "machine_id": "m1",
            "start": FIRST_OF_NOVEMBER,
            "end": FIRST_OF_NOVEMBER + timedelta(hours=8),
            "state": "running",
        },
    ]
    assert ingest_events(store, "acme", events).rejected == 0
    readings = [
        {
            "time": (SPAN[0] + timedelta(hours=7 * i)).isoformat(),
            "machine_id": "m1",
            "signal": "temp",
            "value": 20 + i % 50,
        }
        for i in range(200)  # 58 days, a few readings each
    ]
    assert ingest_readings(store, "acme", readings).rejected == 0
    scored = [  # a model's scores of two parts, one each side of the month's start
        (LAST_OF_OCTOBER, "A0000", 0.91, "ng"),
        (FIRST_OF_NOVEMBER + timedelta(hours=1), "A0011", 0.08, "ok"),
    ]
    store.append_predictions(
        "acme",
        pa.table(
            {
                "time": pa.array([t for t, *_ in scored], PREDICTION_SCHEMA.field("time").type),
                "machine_id": ["m1", "m1"],
                "part_id": [p for _, p, *_ in scored],
                "model_name": ["defects", "defects"],
                "model_version": [1, 1],
                "score": [x for *_, x, _ in scored],
                "label": [lab for *_, lab in scored],
            },
            schema=PREDICTION_SCHEMA,
        ),
    )
    data = tmp_path / "data"
    for rel, text in (
        ("twin_lines/acme/line-a.yaml", "id: line-a\n"),
        ("twin_lines/bravo/line-b.yaml", "id: line-b\n"),
        ("federation-keys/acme.key", "SECRET"),
        ("codes/acme.yaml", "reasons: {E1: 금형 교체}\n"),
    ):
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / rel).write_text(text, encoding="utf-8")
    return store, data, parts


def _csv_rows(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_takeout_holds_every_record_by_month_on_the_plant_clock_and_nothing_else(plant, tmp_path):
    store, data, parts = plant
    path, manifest = company_takeout(store, "acme", data)
    assert path.parent == data / "takeout" / "acme" and stat.S_IMODE(path.stat().st_mode) == 0o600
    zf = zipfile.ZipFile(path)
    names = set(zf.namelist())
    assert {"parts/2025-10.csv", "parts/2025-11.csv", "events/2025-10.csv", "events/2025-11.csv"} <= names
    assert {"readings/2025-10.parquet", "readings/2025-11.parquet", "README.txt", "manifest.json"} <= names
    assert "twin_lines/line-a.yaml" in names and "settings/codes.yaml" in names
    assert not any("bravo" in n or "key" in n for n in names)  # another company's files, the federation key
    body = b"".join(zf.read(n) for n in names)
    assert b"SECRET" not in body and b"B0001" not in body  # nor bravo's part ids anywhere

    october = _csv_rows(zf.read("parts/2025-10.csv"))
    november = _csv_rows(zf.read("parts/2025-11.csv"))
    assert (len(october), len(november)) == (6, 6)
    assert october[-1]["시각 (Asia/Seoul)"] == "2025-10-31 23:30:00" and october[-1]["부품번호"] == "A0000"
    assert november[0]["시각 (Asia/Seoul)"] == "2025-11-01 00:30:00"
    assert [r["상태"] for r in _csv_rows(zf.read("events/2025-10.csv"))] == ["down"]
    assert [r["상태"] for r in _csv_rows(zf.read("events/2025-11.csv"))] == ["running"]
    for month, part in (("2025-10", "A0000"), ("2025-11", "A0011")):
        assert [r["부품번호"] for r in _csv_rows(zf.read(f"predictions/{month}.csv"))] == [part]

    (bad,) = _csv_rows(zf.read("quarantine.csv"))
    assert "maybe" in bad["raw"] and bad["reason_en"]
    plant_file = json.loads(zf.read("company.json"))
    assert [m["id"] for m in plant_file["machines"]] == ["m1"] and plant_file["company"]["id"] == "acme"
    assert {u["id"] for u in _csv_rows(zf.read("users.csv"))} == {"a-admin", "a-eng", "a-view"}
    assert "password" not in zf.read("users.csv").decode("utf-8-sig")

    # the manifest says what each file holds, and it is true
    listed = json.loads(zf.read("manifest.json"))
    assert listed["rows"]["parts"] == 12 == store.count_rows("acme", "part_records")
    assert (
        listed["rows"]["events"] == 2
        and listed["rows"]["readings"] == 200
        and listed["rows"]["quarantine"] == 1
    )
    for entry in listed["files"]:
        assert hashlib.sha256(zf.read(entry["path"])).hexdigest() == entry["sha256"], entry["path"]
    assert manifest.first["parts"].startswith(
        "2025-10-31T09:30"
    )  # the first part, 5 h before the last of October

    got = pa.concat_tables(
        pq.read_table(io.BytesIO(zf.read(f"readings/{m}.parquet"))) for m in ("2025-10", "2025-11")
    )
    assert got.to_pylist() == store.query_readings("acme", *SPAN).to_pylist()


def test_the_part_files_import_back_as_the_same_records(plant, tmp_path):
    store, data, _parts = plant
    path, _ = company_takeout(store, "acme", data, tmp_path / "out", lang="en")
    store.upsert_company(Company(id="again", name="Again", family="forging"))
    store.upsert_site("again", Site(id="s1", company_id="again", name="Plant 1"))
    store.upsert_line("again", Line(id="l1", company_id="again", site_id="s1", name="Line 1"))
    store.upsert_machine("again", Machine(id="m1", company_id="again", line_id="l1", name="Press 1"))
    with zipfile.ZipFile(path) as zf:
        for month in ("2025-10", "2025-11"):
            file = tmp_path / f"{month}.csv"
            file.write_bytes(zf.read(f"parts/{month}.csv"))
            preview = read_preview(file)
            assert preview.kind == "part" and preview.mapping.timezone == "Asia/Seoul"
            assert import_file(store, "again", file, preview.mapping).rejected == 0
    mine, again = (store.query_parts(c, *SPAN).to_pylist() for c in ("acme", "again"))
    assert len(mine) == len(again) == 12
    for a, b in zip(mine, again, strict=True):
        assert [a[k] for k in PART_KEYS] == [b[k] for k in PART_KEYS]
        assert json.loads(a["params"]) == json.loads(b["params"])
        assert json.loads(a["measures"] or "{}") == json.loads(b["measures"] or "{}")


def test_an_empty_company_gets_a_takeout_that_says_so(store, tmp_path):
    seed(store)
    path, manifest = company_takeout(store, "bravo", tmp_path, tmp_path / "out.zip")
    assert path == tmp_path / "out.zip" and manifest.first["parts"] is None and manifest.rows["parts"] == 0
    with zipfile.ZipFile(path) as zf:
        assert not [n for n in zf.namelist() if n.startswith(("parts/", "events/", "readings/"))]
        readme = zf.read("README.txt").decode("utf-8-sig")
        assert "0 part records" in readme and "audit.csv" in readme and "UTC" in readme


def test_an_unknown_company_an_existing_file_and_a_name_from_elsewhere_are_refused(store, tmp_path):
    seed(store)
    with pytest.raises(NotFound):
        company_takeout(store, "nobody", tmp_path)
    (tmp_path / "taken.zip").write_bytes(b"mine")
    with pytest.raises(InvalidInput, match="already exists"):
        company_takeout(store, "acme", tmp_path, tmp_path / "taken.zip")
    assert (tmp_path / "taken.zip").read_bytes() == b"mine"
    for name in ("../../sandan.duckdb", "taken.zip", "bravo-takeout-20250101T000000Z.zip"):
        with pytest.raises(NotFound):
            takeout_file(tmp_path, "acme", name)


def test_the_newest_takeouts_are_kept_and_a_broken_one_is_listed_with_its_error(tmp_path):
    folder = tmp_path / "takeout" / "acme"
    folder.mkdir(parents=True)
    names = [f"acme-takeout-2025110{d}T000000Z.zip" for d in range(1, 6)]
    for n in names:
        (folder / n).write_bytes(b"not a zip")
    (folder / "notes.zip").write_bytes(b"the operator's own file")
    assert prune_takeouts(folder, 3) == [names[1], names[0]]
    listed = list_takeouts(tmp_path, "acme")
    assert [x["name"] for x in listed] == names[:1:-1] and (folder / "notes.zip").exists()
    assert "not a whole sandan takeout" in listed[0]["error"]["en"]


def test_months_follow_the_plant_clock():
    found = months(LAST_OF_OCTOBER, FIRST_OF_NOVEMBER + timedelta(days=40), "Asia/Seoul")
    assert [m for m, *_ in found] == ["2025-10", "2025-11", "2025-12"]
    assert found[1][1] == datetime(2025, 10, 31, 15, 0, tzinfo=UTC)  # 1 November 00:00 in Seoul
    assert [m for m, *_ in months(FIRST_OF_NOVEMBER, FIRST_OF_NOVEMBER, "UTC")] == ["2025-10"]


def test_every_table_that_holds_company_rows_is_taken_out_or_derived_from_those_that_are(store):
    from sandan.collect.takeout import TABLES
    from sandan.store.base import COMPANY_TABLES, COMPANY_TABLES_SQL

    sql = COMPANY_TABLES_SQL
    rows = store._rows(sql) if hasattr(store, "_rows") else store._cur().execute(sql).fetchall()
    found = {r[0] for r in rows}
    # a new table: name it in COMPANY_TABLES (erasure deletes from those) and say where its rows go in the takeout
    assert found <= set(COMPANY_TABLES) and set(TABLES) == set(COMPANY_TABLES)
    assert {t for t, where in TABLES.items() if where} <= found  # the derived ones differ between the stores


def test_a_month_more_than_one_file_holds_is_written_in_files_that_do(plant, monkeypatch):
    import sandan.collect.takeout as takeout

    store, data, _parts = plant
    monkeypatch.setattr(takeout, "MAX_ROWS", 4)
    path, manifest = company_takeout(store, "acme", data)
    with zipfile.ZipFile(path) as zf:
        names = sorted(n for n in zf.namelist() if n.startswith("parts/"))
        assert names == [
            "parts/2025-10-2.csv",
            "parts/2025-10.csv",
            "parts/2025-11-2.csv",
            "parts/2025-11.csv",
        ]
        ids = [r["부품번호"] for n in names for r in _csv_rows(zf.read(n))]
    assert sorted(ids) == sorted(p["part_id"] for p in _parts) and manifest.rows["parts"] == 12
