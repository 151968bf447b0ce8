"""The operator backs the platform up while the server runs: a job with progress, then an archive that restores."""

from __future__ import annotations

import time

from sandan.store.backup import restore_instance
from tests.api.world import assert_error


def _finished(world, job_id: str, timeout: float = 60.0) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = world.get("ops", f"/api/v1/backups/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"backup job {job_id} did not finish in {timeout} s")


def test_the_operator_backs_up_the_running_platform_and_the_archive_restores(world, tmp_path):
    started = world.post("ops", "/api/v1/backups")
    assert started.status_code == 202, started.text
    job = _finished(world, started.json()["id"])
    assert job["state"] == "done", job["error"]
    result = job["result"]
    assert result["store"] == "duckdb" and result["tables"]["users"] == len(world.store.cross_tenant_users())
    (listed,) = world.get("ops", "/api/v1/backups").json()
    assert listed["name"] == result["name"] and listed["rows"] == sum(result["tables"].values())
    archive = tmp_path / "data" / "backups" / result["name"]
    assert restore_instance(archive, tmp_path / "restored")[0].tables == result["tables"]


def test_the_operator_downloads_an_archive_that_restores_and_nothing_outside_the_folder(world, tmp_path):
    job = _finished(world, world.post("ops", "/api/v1/backups").json()["id"])
    name = job["result"]["name"]
    got = world.get("ops", f"/api/v1/backups/{name}")
    assert got.status_code == 200 and got.headers["content-type"] == "application/x-tar"
    assert name in got.headers["content-disposition"]
    kept = tmp_path / "data" / "backups" / name
    assert got.content == kept.read_bytes()
    copy = tmp_path / "elsewhere" / name  # the copy on another disk restores like the original
    copy.parent.mkdir()
    copy.write_bytes(got.content)
    assert restore_instance(copy, tmp_path / "restored")[0].tables == job["result"]["tables"]
    audit = world.store.list_audit(None, only=["backup.start", "backup.download"])
    assert [a["action"] for a in audit][:2] == ["backup.download", "backup.start"]  # newest first
    assert (
        audit[0]["target"] == name
        and audit[1]["target"] == f"job {job['id']}"
        and audit[1]["user_id"] == "ops"
    )
    (tmp_path / "data" / "settings.toml").touch()  # a file of the data folder is no archive to hand out
    for other in ("sandan-backup-20200101T000000Z.tar", "..%2Fsettings.toml", "notes.txt"):
        refused = world.get("ops", f"/api/v1/backups/{other}")
        assert refused.status_code == 404, (other, refused.status_code)
    body = assert_error(world.get("ops", "/api/v1/backups/sandan-backup-20200101T000000Z.tar"), 404)
    assert "backup_not_found" in str(body)
    assert_error(world.get("a-admin", f"/api/v1/backups/{name}"), 403)


def test_only_the_operator_sees_or_starts_backups(world):
    for user in ("a-admin", "b-eng"):
        assert_error(world.post(user, "/api/v1/backups"), 403)
        assert_error(world.get(user, "/api/v1/backups"), 403)
    started = world.post("ops", "/api/v1/backups").json()
    assert_error(world.get("a-admin", f"/api/v1/backups/jobs/{started['id']}"), 403)
    assert _finished(world, started["id"])["state"] == "done"
    # a company's own job list never shows the platform's backup
    assert all(j["kind"] != "backup" for j in world.get("a-admin", "/api/v1/companies/acme/jobs").json())


def test_the_daily_backup_runs_with_the_server_and_says_when_next(world):
    from datetime import UTC, datetime

    schedule = world.get("ops", "/api/v1/backups/schedule").json()
    assert schedule["at"] == "02:00" and schedule["keep"] == 14 and schedule["zone"] == "Asia/Seoul"
    assert datetime.fromisoformat(schedule["next_run"]) > datetime.now(UTC)
    assert world.client.app.state.backup_schedule.running
    assert_error(world.get("a-admin", "/api/v1/backups/schedule"), 403)


def test_a_backup_time_that_is_no_clock_time_is_refused_with_the_setting_named():
    import pytest

    from sandan.domain.errors import ConfigError
    from sandan.settings import load_settings

    with pytest.raises(ConfigError, match="backup_at"):
        load_settings(backup_at="25:00")
