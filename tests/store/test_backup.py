"""Backup and restore of an instance: the database and the data folder come back whole, or the archive is refused."""

from __future__ import annotations

import io
import tarfile

import pytest

from sandan.accounts import authenticate, create_user
from sandan.domain import InvalidInput, Role
from sandan.monitor.alert_store import open_alert_store
from sandan.store import QuarantineItem, open_store
from sandan.store.backup import cross_tenant_backup as backup
from sandan.store.backup import read_manifest, restore_instance
from tests.store.data import T0, add_company, at, parts, readings


def _bad(n: int) -> list[QuarantineItem]:
    return [
        QuarantineItem("file:a.csv", "part", f'{{"row": {i}}}', "bad_value", "bad", "나쁨", {"row": i})
        for i in range(n)
    ]


@pytest.fixture
def instance(tmp_path):
    """A data folder with a DuckDB store holding two companies' records, an account and quarantine, and files."""
    data = tmp_path / "data"
    data.mkdir()
    store = open_store(f"duckdb:///{data / 'sandan.duckdb'}")
    add_company(store, "acme", machines=("M1",))
    add_company(store, "beta", machines=("M1",))
    store.append_parts(
        "acme", parts([{"t": i, "part_id": f"p{i}", "result": "ng" if i % 7 else "ok"} for i in range(500)])
    )
    store.append_readings("beta", readings(range(300)))
    create_user(store, "kim", "long-enough", Role.engineer, "acme")
    store.add_quarantine("acme", _bad(3))
    (data / "sandan.toml").write_text("port = 8601\n")
    (data / "lines" / "acme").mkdir(parents=True)
    (data / "lines" / "acme" / "L1.yaml").write_text("id: L1\nname: 1라인\n", encoding="utf-8")
    (data / "demo").mkdir()  # the demo's own instance and earlier backups are not part of this one
    (data / "demo" / "x.txt").write_text("demo")
    (data / "takeout" / "acme").mkdir(parents=True)  # a company's takeouts copy records the database holds
    (data / "takeout" / "acme" / "acme-takeout-20260101T000000Z.zip").write_bytes(b"copy")
    (data / "backups").mkdir()
    yield store, data
    store.close()


def test_a_restored_instance_holds_the_same_records_accounts_files_and_goes_on_numbering(instance, tmp_path):
    store, data = instance
    archive, manifest = backup(store, data, data / "backups", version="test")
    assert archive.parent == data / "backups" and archive.name.startswith("sandan-backup-")
    assert manifest.tables["part_records"] == 500 and manifest.tables["quarantine"] == 3
    assert manifest.files == 2 and read_manifest(archive).tables == manifest.tables
    before = store.query_parts("acme", T0, at(600))

    restored = tmp_path / "restored"
    restored_manifest, version = restore_instance(archive, restored)
    assert restored_manifest.tables == manifest.tables and version == store.schema_version()
    assert sorted(p.relative_to(restored).as_posix() for p in restored.rglob("*") if p.is_file()) == [
        "lines/acme/L1.yaml",
        "sandan.duckdb",
        "sandan.toml",
    ]
    assert (restored / "lines" / "acme" / "L1.yaml").read_text(encoding="utf-8") == "id: L1\nname: 1라인\n"
    with open_store(f"duckdb:///{restored / 'sandan.duckdb'}") as again:
        assert again.query_parts("acme", T0, at(600)).equals(before)
        assert again.aggregate_readings("beta", T0, at(300), 60)["count"].to_pylist() == [60] * 5
        assert authenticate(again, "kim", "long-enough").company_id == "acme"
        old = {q["id"] for q in again.list_quarantine("acme")}
        again.add_quarantine("acme", [_bad(4)[3]])  # a new reject takes a number after the restored ones
        new = {q["id"] for q in again.list_quarantine("acme")} - old
        assert len(new) == 1 and min(new) > max(old)


def test_an_archive_is_written_whole_and_never_over_another(instance):
    store, data = instance
    archive, _ = backup(store, data, data / "backups" / "nightly.tar")
    with pytest.raises(InvalidInput, match="already exists"):
        backup(store, data, archive)
    assert [p.name for p in (data / "backups").iterdir()] == ["nightly.tar"]  # no half-written file left


def test_a_backups_progress_counts_up_once_over_the_database_and_the_files(instance):
    # each step counted on its own: the bar went from 23/23 back to 3/8
    store, data = instance
    seen = []
    backup(
        store,
        data,
        data / "backups" / "watched.tar",
        progress=lambda _step, done, total: seen.append((done, total)),
    )
    totals = {total for _, total in seen}
    assert len(totals) == 1 and seen[-1][0] == seen[-1][1]
    assert [done for done, _ in seen] == sorted(done for done, _ in seen) and len(seen) > 2


def test_restore_refuses_a_folder_in_use_a_foreign_file_and_a_path_outside_the_folder(instance, tmp_path):
    store, data = instance
    archive, _ = backup(store, data, tmp_path / "b.tar")
    with pytest.raises(InvalidInput, match="not empty"):
        restore_instance(archive, data)
    (tmp_path / "notes.txt").write_text("not a backup")
    with pytest.raises(InvalidInput, match="not a sandan backup") as refused:
        restore_instance(tmp_path / "notes.txt", tmp_path / "r1")
    assert "sandan backup" in refused.value.ko
    # an archive whose entry would land outside the folder it is unpacked in
    evil = tmp_path / "evil.tar"
    with tarfile.open(archive) as good, tarfile.open(evil, "w") as tar:
        manifest = good.extractfile("manifest.json").read()
        for name, body in (("manifest.json", manifest), ("files/../../escaped.txt", b"x")):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    with pytest.raises(InvalidInput, match="outside the data folder"):
        restore_instance(evil, tmp_path / "r2")
    assert not (tmp_path / "escaped.txt").exists()


def test_a_live_sqlite_file_is_archived_as_one_committed_copy_without_its_side_files(instance, tmp_path):
    store, data = instance
    alerts = open_alert_store(
        data
    )  # open, as in a running server: its last write still in the write-ahead log
    alerts.put_rule("acme", "hot", {"kind": "limit", "signal": "temp", "above": 80}, None)
    assert (data / "monitor_alerts.sqlite-wal").exists()
    archive, _ = backup(store, data, data / "backups" / "live.tar")
    with tarfile.open(archive) as tar:
        names = [m.name for m in tar.getmembers()]
    assert "files/monitor_alerts.sqlite" in names and not [n for n in names if n.endswith(("-wal", "-shm"))]
    alerts.close()
    restore_instance(archive, tmp_path / "restored")
    again = open_alert_store(tmp_path / "restored")
    assert again.get_rule("acme", "hot") == {"kind": "limit", "signal": "temp", "above": 80}
    again.close()


def test_a_file_that_goes_away_during_a_backup_is_left_out_not_a_failure(instance):
    store, data = instance
    passing = data / "uploads" / "acme" / "being-saved.csv"
    passing.parent.mkdir(parents=True)
    passing.write_text("time,value\n")

    def _remove_after_the_database(step, _done, _total):
        if step == "table":
            passing.unlink()

    archive, manifest = backup(
        store, data, data / "backups" / "moving.tar", progress=_remove_after_the_database
    )
    assert manifest.files == 2 and read_manifest(archive).files == 2  # the settings and the line file


def test_an_instances_data_folder_is_backed_up_alone_when_asked(tmp_path):
    (tmp_path / "sandan.toml").write_text("port = 8601\n")
    archive, manifest = backup(None, tmp_path, tmp_path / "files.tar")
    assert manifest.store == "none" and manifest.tables == {} and manifest.files == 1
    assert restore_instance(archive, tmp_path / "again") == (read_manifest(archive), None)  # no database
    assert (tmp_path / "again" / "sandan.toml").read_text() == "port = 8601\n"


def test_the_daily_backup_falls_on_the_plants_clock():
    from datetime import UTC, datetime

    from sandan.store.backup import next_due

    # 02:00 in Seoul is 17:00 UTC the day before
    assert next_due("02:00", "Asia/Seoul", datetime(2026, 12, 5, 12, 0, tzinfo=UTC)) == datetime(
        2026, 12, 5, 17, 0, tzinfo=UTC
    )
    assert next_due("02:00", "Asia/Seoul", datetime(2026, 12, 5, 17, 0, tzinfo=UTC)) == datetime(
        2026, 12, 6, 17, 0, tzinfo=UTC
    )
    with pytest.raises(InvalidInput, match="HH:MM"):
        next_due("25:00", "Asia/Seoul", datetime(2026, 12, 5, tzinfo=UTC))


def test_a_scheduled_backup_keeps_the_newest_and_never_an_archive_the_operator_named(instance):
    from sandan.store.backup import BackupSchedule

    store, data = instance
    for day in (1, 2, 3):
        (data / "backups" / f"sandan-backup-2026010{day}T020000Z.tar").write_bytes(b"old")
    (data / "backups" / "before-upgrade.tar").write_bytes(b"mine")
    # named by the operator in the scheduled archives' style: kept too, and in no scheduled archive's place
    (data / "backups" / "sandan-backup-2025-before-upgrade.tar").write_bytes(b"mine")
    (data / "backups" / "sandan-backup-keep-forever.tar").write_bytes(b"mine")
    schedule = BackupSchedule(store, data, "02:00", "Asia/Seoul", keep=2)
    schedule.run_once()
    assert schedule.last_error is None and schedule.last_archive.startswith("sandan-backup-2026")
    assert sorted(p.name for p in (data / "backups").iterdir()) == sorted(
        [
            "before-upgrade.tar",
            "sandan-backup-2025-before-upgrade.tar",
            "sandan-backup-keep-forever.tar",
            "sandan-backup-20260103T020000Z.tar",
            schedule.last_archive,
        ]
    )
    assert read_manifest(data / "backups" / schedule.last_archive).tables["part_records"] == 500


def test_a_failed_scheduled_backup_is_kept_for_the_operator_and_the_schedule_goes_on(instance):
    from sandan.store.backup import BackupSchedule

    store, data = instance
    (data / "backups").rmdir()
    (data / "backups").write_text("a file where the folder should be")
    schedule = BackupSchedule(store, data, "02:00", "Asia/Seoul", keep=2).start()
    try:
        schedule.run_once()  # no exception escapes
        assert schedule.last_error and schedule.last_error["en"].startswith("the backup failed")
        assert schedule.running
    finally:
        schedule.stop()
    assert not schedule.running


def test_a_postgresql_instances_schedule_backs_up_its_database_and_data_folder(pg_url, tmp_path):
    from sandan.store.backup import BackupSchedule

    (tmp_path / "sandan.toml").write_text("port = 8601\n")
    with open_store(pg_url) as store:
        add_company(store, "acme", machines=("M1",))
        store.append_parts("acme", parts([{"t": i, "part_id": f"p{i}"} for i in range(50)]))
        schedule = BackupSchedule(store, tmp_path, "02:00", "Asia/Seoul", keep=3)
        schedule.run_once()
    assert schedule.last_error is None
    manifest = read_manifest(tmp_path / "backups" / schedule.last_archive)
    assert (manifest.store, manifest.source, manifest.files) == ("duckdb", "postgresql", 1)
    assert manifest.tables["part_records"] == 50 and manifest.tables["machines"] == 1


def test_a_restore_that_does_not_match_its_manifest_is_refused_and_leaves_the_folder_empty(
    instance, tmp_path
):
    import json

    store, data = instance
    archive, _ = backup(store, data, tmp_path / "b.tar")
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as good, tarfile.open(damaged, "w") as tar:
        for member in good.getmembers():
            body = good.extractfile(member).read() if member.isfile() else None
            if member.name == "manifest.json":
                manifest = json.loads(body)
                manifest["tables"]["part_records"] += 1  # a part record lost on the way
                body = json.dumps(manifest).encode()
                member.size = len(body)
            tar.addfile(member, io.BytesIO(body) if body is not None else None)
    from sandan.store.backup import check_backup

    assert check_backup(archive)[1] == store.schema_version()  # a restore test says the good one restores
    with pytest.raises(InvalidInput, match="does not match the backup"):
        check_backup(damaged)
    target = tmp_path / "restored"
    with pytest.raises(InvalidInput, match="does not match the backup") as refused:
        restore_instance(damaged, target)
    assert "part_records" in refused.value.en
    assert target.exists() and list(target.iterdir()) == []  # nothing half-restored to trip over
    assert restore_instance(archive, target)[0].tables["part_records"] == 500  # and the good one goes in


def test_the_backups_disk_says_whether_the_next_archive_fits(instance):
    from sandan.store.backup import backup_space

    store, data = instance
    assert backup_space(data / "backups")["last_size"] is None and backup_space(data / "backups")["enough"]
    archive, _ = backup(store, data, data / "backups")
    room = backup_space(data / "backups")
    assert room["last_size"] == archive.stat().st_size and 0 < room["free"] <= room["total"]
    assert room["enough"] == (room["free"] >= 2 * room["last_size"])
    # a folder not made yet: its parent's disk (the same total; free bytes move while other tests write)
    later = backup_space(data / "not-yet")
    assert later["total"] == room["total"] and abs(later["free"] - room["free"]) < room["total"] // 100


def test_an_archive_whose_database_export_was_damaged_is_said_to_be_damaged(instance, tmp_path):
    store, data = instance
    archive, _ = backup(store, data, tmp_path / "b.tar")
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as good, tarfile.open(damaged, "w") as tar:
        names = [m.name for m in good.getmembers()]
        for member in good.getmembers():
            body = good.extractfile(member).read() if member.isfile() else None
            # bytes changed on a disk or on the way: DuckDB cannot parse it
            if member.name.endswith("schema.sql"):
                body = b"CXXXXXXXXXXXXXXXXXXXXXXX" + body[24:]
            tar.addfile(member, io.BytesIO(body) if body is not None else None)
    assert any(n.endswith("schema.sql") for n in names), names
    from sandan.store.backup import check_backup

    with pytest.raises(InvalidInput) as refused:  # DuckDB's ParserException was a traceback
        check_backup(damaged)
    assert refused.value.code == "damaged_backup" and "damaged.tar is damaged" in refused.value.en
    assert "손상되었습니다" in refused.value.ko
