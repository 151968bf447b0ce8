"""The command line: set-up and accounts, run as a user would (a real subprocess, real files)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sandan.accounts import authenticate
from sandan.store import open_store


def sandan(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "SANDAN_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-c", "from sandan.cli.main import run; run()", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=120,
    )


def test_init_creates_store_and_operator_who_can_log_in(tmp_path):
    done = sandan(tmp_path, "init", "--operator", "ops", "--password", "s3cret-pass")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "sandan.duckdb").exists()
    with open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}") as store:
        assert authenticate(store, "ops", "s3cret-pass").role.value == "operator"


def test_init_twice_keeps_the_existing_operator(tmp_path):
    assert sandan(tmp_path, "init", "--operator", "ops", "--password", "s3cret-pass").returncode == 0
    again = sandan(tmp_path, "init", "--operator", "ops", "--password", "other-pass")
    assert again.returncode == 0
    assert "exists" in again.stdout


def test_user_add_rejects_a_short_password_with_a_bilingual_message(tmp_path):
    done = sandan(
        tmp_path, "user", "add", "kim", "--company", "acme", "--create-company", "Acme", "--password", "short"
    )
    assert done.returncode == 2
    assert "at least 8 characters" in done.stderr and "8자 이상" in done.stderr
    assert "Traceback" not in done.stderr


def test_user_add_for_a_missing_company_says_so(tmp_path):
    done = sandan(tmp_path, "user", "add", "kim", "--company", "nope", "--password", "long-enough")
    assert done.returncode == 2
    assert "company 'nope' does not exist" in done.stderr


def test_user_stop_and_restore_from_the_console(tmp_path):
    assert sandan(tmp_path, "user", "add", "kim", "--company", "acme", "--create-company", "Acme",
                  "--role", "company_admin", "--password", "long-enough").returncode == 0  # fmt: skip
    assert (
        sandan(tmp_path, "user", "add", "lee", "--company", "acme", "--password", "long-enough").returncode
        == 0
    )
    done = sandan(tmp_path, "user", "stop", "lee")
    assert done.returncode == 0, done.stderr
    assert "lee" in done.stdout and "사용 중지" in done.stdout
    refused = sandan(tmp_path, "user", "stop", "kim")  # the only admin: the company would have none
    assert (
        refused.returncode == 2
        and "only active admin" in refused.stderr
        and "Traceback" not in refused.stderr
    )
    assert sandan(tmp_path, "init", "--operator", "ops", "--password", "s3cret-pass").returncode == 0
    alone = sandan(tmp_path, "user", "stop", "ops")  # the platform would have no operator left
    assert alone.returncode == 2 and "only active operator" in alone.stderr
    unknown = sandan(tmp_path, "user", "stop", "nobody")
    assert unknown.returncode == 2 and "no user 'nobody'" in unknown.stderr
    with open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}") as store:
        assert [(u.id, u.active) for u in store.list_users("acme")] == [("kim", True), ("lee", False)]
    assert sandan(tmp_path, "user", "restore", "lee").returncode == 0
    with open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}") as store:
        assert authenticate(store, "lee", "long-enough").active


def test_schedule_solves_ft06_to_its_optimum_and_writes_a_gantt_chart(tmp_path):
    from tests.conftest import require_dataset

    ft06 = require_dataset("jsplib") / "instances" / "ft06"
    if not ft06.exists():
        ft06 = next((require_dataset("jsplib")).rglob("ft06*"))
    done = sandan(tmp_path, "schedule", str(ft06), "--time-limit", "20", "--gantt", str(tmp_path / "g.svg"))
    assert done.returncode == 0, done.stderr
    assert "makespan 55" in done.stdout and "checked" in done.stdout
    assert (tmp_path / "g.svg").read_text(encoding="utf-8").startswith("<svg")


def test_balance_reads_a_yaml_line_and_reports_stations_with_their_bound(tmp_path):
    line = tmp_path / "line.yaml"
    line.write_text(
        "tasks:\n  - {name: a, time: 5}\n  - {name: b, time: 4, after: [a]}\n  - {name: c, time: 3, after: [a]}\n"
        "  - {name: d, time: 6, after: [b, c]}\n",
        encoding="utf-8",
    )
    done = sandan(tmp_path, "balance", str(line), "--cycle-time", "9")
    assert done.returncode == 0, done.stderr
    assert "optimal" in done.stdout
    # the lower bound says what it bounds: stations here, the cycle time for a number of stations
    assert "2 stations (lower bound: 2 stations) · cycle time 9 ·" in done.stdout
    assert "공정 2개 (하한: 공정 2개) · 사이클타임 9" in done.stdout
    done = sandan(tmp_path, "balance", str(line), "--stations", "2")
    assert done.returncode == 0, done.stderr
    assert "2 stations · cycle time 9 (lower bound: cycle time 9)" in done.stdout


def test_balance_asks_for_exactly_one_of_cycle_time_or_stations(tmp_path):
    line = tmp_path / "line.yaml"
    line.write_text("tasks:\n  - {name: a, time: 5}\n", encoding="utf-8")
    done = sandan(tmp_path, "balance", str(line))
    assert done.returncode == 2 and "exactly one" in done.stderr


LINE = """
id: demo
name: 시연 라인 Demo line
stations:
  - {id: cut, process_time: 20, buffer: 4, machine_cost: 100}
  - {id: drill, process_time: 45, buffer: 4, machine_cost: 300}
  - {id: pack, process_time: 15, buffer: 4, machine_cost: 50}
products:
  - {id: A, routing: [cut, drill, pack]}
release: {policy: conwip, wip: 12}
"""


def test_twin_run_reports_throughput_and_names_the_bottleneck(tmp_path):
    (tmp_path / "line.yaml").write_text(LINE, encoding="utf-8")
    done = sandan(
        tmp_path,
        "twin",
        "run",
        str(tmp_path / "line.yaml"),
        "--replications",
        "3",
        "--hours",
        "2",
        "--warmup-hours",
        "0.5",
    )
    assert done.returncode == 0, done.stderr
    assert "bottleneck / 병목: drill" in done.stdout
    # a negative seed is refused in words (it reached NumPy's seed sequence as a traceback)
    done = sandan(tmp_path, "twin", "run", str(tmp_path / "line.yaml"), "--seed", "-1")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert (
        "--seed must be a whole number from 0 up, got -1" in done.stderr
        and "--seed는 0 이상의 정수" in done.stderr
    )
    # a line that lets out no part in the run: its lead times are unknown, said so (it printed "nan ± nan")
    (tmp_path / "idle.yaml").write_text(
        "stations: [{id: a, process_time: 20, buffer: 2}]\ncalendar: {windows: [[23.999, 24]]}\n",
        encoding="utf-8",
    )
    done = sandan(tmp_path, "twin", "run", str(tmp_path / "idle.yaml"), "--replications", "2", "--hours", "4")
    assert done.returncode == 0, done.stderr
    assert "nan" not in done.stdout and "—" in done.stdout
    assert "No part left the line in 4 h" in done.stdout and "리드타임을 잴 수 없습니다" in done.stdout


def test_twin_optimize_adds_the_drill_that_the_target_needs(tmp_path):
    (tmp_path / "line.yaml").write_text(LINE, encoding="utf-8")
    (tmp_path / "space.yaml").write_text("machines: {drill: [1, 3]}\n", encoding="utf-8")
    # one drill makes 80 parts/h (45 s each); 120/h needs two
    done = sandan(
        tmp_path,
        "twin",
        "optimize",
        str(tmp_path / "line.yaml"),
        str(tmp_path / "space.yaml"),
        "--target",
        "110",
        "--replications",
        "2",
        "--hours",
        "2",
    )
    assert done.returncode == 0, done.stderr
    best = next(line for line in done.stdout.splitlines() if "drill.machines=" in line)  # the first row: best
    assert "drill.machines=2" in best and "750" in best


def test_a_company_code_table_from_an_excel_csv_and_a_calendar_from_yaml(tmp_path):
    assert sandan(tmp_path, "user", "add", "kim", "--company", "acme", "--create-company", "Acme",
                  "--password", "long-enough").returncode == 0  # fmt: skip
    codes = tmp_path / "codes.csv"
    codes.write_bytes(
        "kind,code,ko,en\nreason,SP-01,주축 과열,spindle overheating\ndefect,BR,버,burr\n".encode("cp949")
    )
    done = sandan(tmp_path, "company", "codes", "acme", str(codes))
    assert done.returncode == 0, done.stderr
    assert "1 reason code(s), 1 defect code(s)" in done.stdout
    shown = sandan(tmp_path, "company", "codes", "acme")
    assert "주축 과열" in shown.stdout and "spindle overheating" in shown.stdout

    bad = tmp_path / "bad.csv"
    bad.write_text("kind,code,ko,en\nstop,SP-01,a,b\n", encoding="utf-8")
    done = sandan(tmp_path, "company", "codes", "acme", str(bad))
    assert done.returncode == 2 and "line 2" in done.stderr and "Traceback" not in done.stderr

    calendar = tmp_path / "calendar.yaml"
    calendar.write_text(
        "shifts:\n- {name: day, start: '07:00', end: '19:00'}\nworking_weekdays: [0, 1, 2, 3, 4, 5]\n"
    )
    done = sandan(tmp_path, "company", "calendar", "acme", str(calendar))
    assert done.returncode == 0, done.stderr
    assert "working_weekdays:\n- 0" in sandan(tmp_path, "company", "calendar", "acme").stdout
    done = sandan(tmp_path, "company", "calendar", "nope", str(calendar))
    assert done.returncode == 2 and "company 'nope' not found" in done.stderr


def test_company_add_registers_a_member_and_refuses_the_same_id_twice(tmp_path):
    r = sandan(tmp_path, "company", "add", "hanul-press", "--name", "한울프레스", "--family", "press")
    assert r.returncode == 0, r.stderr
    with open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}") as store:
        company = store.get_company("hanul-press")
        assert (company.name, company.family.value) == ("한울프레스", "press")
    r = sandan(tmp_path, "company", "add", "hanul-press", "--name", "다른 이름")
    assert r.returncode == 2 and "already exists" in r.stderr and "이미 있습니다" in r.stderr
    r = sandan(tmp_path, "company", "add", "bad id", "--name", "X")
    assert r.returncode == 2 and "company id 'bad id'" in r.stderr and "Traceback" not in r.stderr


def test_import_preview_says_which_sample_rows_the_import_would_reject_and_stores_nothing(tmp_path):
    assert (
        sandan(
            tmp_path, "company", "add", "hanul-press", "--name", "한울프레스", "--family", "press"
        ).returncode
        == 0
    )
    f = tmp_path / "parts.csv"
    f.write_text(
        "시간,설비,판정\n2026-12-01 08:00:00,prs-01,양품\n2026-13-45 25:00:00,prs-01,불량\n", encoding="utf-8"
    )
    r = sandan(
        tmp_path, "import", str(f), "--company", "hanul-press", "--timezone", "Asia/Seoul", "--preview"
    )
    out = " ".join(r.stdout.split())
    assert r.returncode == 0, r.stderr
    assert "2 of the first 2 rows would be rejected" in out and "처음 2행 중 2행은" in out
    assert "row 3, 시간: cannot read '2026-13-45 25:00:00' as a time" in out  # the row as Excel numbers it
    assert "register it first" in out  # prs-01 is not a machine of the company yet
    with open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}") as store:
        assert store.count_quarantine("hanul-press") == 0  # a preview stores nothing


def test_import_reads_the_sheet_asked_for_and_names_the_other_sheets_with_data(tmp_path):
    # only the first sheet was read, without a word; an empty cover sheet made the file "empty"
    from datetime import datetime

    from openpyxl import Workbook

    from sandan.domain import Company, Line, Machine, Site

    with open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}") as store:
        store.upsert_company(Company(id="hanul", name="한울", family="press"))
        store.upsert_site("hanul", Site(id="s1", company_id="hanul", name="1공장"))
        store.upsert_line("hanul", Line(id="l1", company_id="hanul", site_id="s1", name="프레스"))
        store.upsert_machine("hanul", Machine(id="prs-01", company_id="hanul", line_id="l1", name="프레스 1"))
    book = Workbook()
    book.active.title = "표지"
    for title, day in (("12월07일", 7), ("12월08일", 8)):
        sheet = book.create_sheet(title)
        sheet.append(["시각", "설비", "결과"])
        for minute in range(day - 5):
            sheet.append([datetime(2026, 12, day, 9, minute), "prs-01", "OK"])
    path = tmp_path / "daily.xlsx"
    book.save(path)
    common = ("import", str(path), "--company", "hanul", "--timezone", "Asia/Seoul")
    first = sandan(tmp_path, *common)
    out = " ".join(first.stdout.split())
    assert "accepted 2 " in out and "only sheet '12월07일' is imported" in out and "'12월08일'" in out
    chosen = sandan(tmp_path, *common, "--sheet", "12월08일")
    assert "accepted 3 " in " ".join(chosen.stdout.split()), chosen.stdout + chosen.stderr


def test_company_takeout_writes_the_zip_and_says_what_it_holds(tmp_path):
    import json
    import zipfile
    from datetime import UTC, datetime, timedelta

    from sandan.collect import ingest_parts
    from sandan.domain import Company, Line, Machine, Site

    with open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}") as store:
        store.upsert_company(Company(id="hanul", name="한울프레스", family="press"))
        store.upsert_site("hanul", Site(id="s1", company_id="hanul", name="1공장"))
        store.upsert_line("hanul", Line(id="l1", company_id="hanul", site_id="s1", name="프레스 라인"))
        store.upsert_machine("hanul", Machine(id="p1", company_id="hanul", line_id="l1", name="프레스 1호기"))
        start = datetime.now(UTC) - timedelta(hours=2)
        rows = [{"time": start + timedelta(minutes=i), "machine_id": "p1", "part_id": f"P{i}", "result": "ok"}
                for i in range(40)]  # fmt: skip
        assert ingest_parts(store, "hanul", rows).rejected == 0
    target = tmp_path / "out" / "hanul.zip"
    done = sandan(tmp_path, "company", "takeout", "hanul", str(target))
    assert done.returncode == 0, done.stderr
    assert "40 part records" in done.stdout and "생산 기록 40행" in done.stdout
    with zipfile.ZipFile(target) as zf:
        assert json.loads(zf.read("manifest.json"))["rows"]["parts"] == 40
    again = sandan(tmp_path, "company", "takeout", "hanul", str(target))
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr
    missing = sandan(tmp_path, "company", "takeout", "nope")
    assert missing.returncode == 2 and "company 'nope' not found" in missing.stderr

    # then the company leaves: the id typed wrong erases nothing, typed right erases it
    wrong = sandan(tmp_path, "company", "erase", "hanul", stdin="hanul-press\n")
    assert wrong.returncode == 2 and "type its id exactly" in wrong.stderr and "hanul.zip" not in wrong.stdout
    done = sandan(tmp_path, "company", "erase", "hanul", "--confirm", "hanul")
    assert done.returncode == 0, done.stderr
    assert "erased: " in done.stdout and "last takeout / 마지막 내려받기: none" in done.stdout
    with open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}") as store:
        assert store.get_company("hanul") is None and store.count_rows("hanul", "part_records") == 0


def test_report_writes_a_days_production_workbook(tmp_path):
    from datetime import UTC, datetime, timedelta

    from openpyxl import load_workbook

    from sandan.collect import ingest_parts
    from sandan.domain import Company, Line, Machine, Site

    with open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}") as store:
        store.upsert_company(Company(id="hanul", name="한울프레스", family="press"))
        store.upsert_site("hanul", Site(id="s1", company_id="hanul", name="1공장"))
        store.upsert_line("hanul", Line(id="l1", company_id="hanul", site_id="s1", name="프레스 라인"))
        store.upsert_machine("hanul", Machine(id="p1", company_id="hanul", line_id="l1", name="프레스 1"))
        day = datetime(2026, 12, 2, 1, tzinfo=UTC)  # 10:00 in Seoul on 2 December
        parts = [
            {
                "time": (day + timedelta(minutes=i)).isoformat(),
                "machine_id": "p1",
                "part_id": f"x{i}",
                "result": "ng" if i % 5 == 0 else "ok",
                "defect_type": "burr" if i % 5 == 0 else None,
            }
            for i in range(50)
        ]
        # scrap of the night shifts (20:00-08:00 by the default calendar): of 2 December at 02:00 on the 3rd,
        # which is the 2nd's production day, and of 1 December at 07:00 on the 2nd, which is not
        for at, tag in (
            (datetime(2026, 12, 2, 17, tzinfo=UTC), "n2"),
            (datetime(2026, 12, 1, 22, tzinfo=UTC), "n1"),
        ):
            parts += [
                {
                    "time": (at + timedelta(minutes=i)).isoformat(),
                    "machine_id": "p1",
                    "part_id": f"{tag}-{i}",
                    "result": "ng",
                    "defect_type": "burr",
                }
                for i in range(5)
            ]
        assert ingest_parts(store, "hanul", parts).rejected == 0
    out = tmp_path / "report.xlsx"
    r = sandan(tmp_path, "report", "--company", "hanul", "--day", "2026-12-02", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "12-02 08:00–12-03 08:00" in r.stdout  # the production day, first shift start to the next day's
    book = load_workbook(out)
    assert book.sheetnames[0] == "요약"
    (defects,) = list(book["불량 유형"].iter_rows(min_row=2, values_only=True))
    assert defects[0] == "burr" and 15 in defects  # the day shift's 10 and its night shift's 5
    r = sandan(tmp_path, "report", "--company", "hanul", "--day", "2 December")
    assert r.returncode == 2 and "2026-12-03" in r.stderr and "Traceback" not in r.stderr
    r = sandan(tmp_path, "report", "--company", "nobody")
    assert r.returncode == 2 and "nobody" in r.stderr
    # no --day: the last working day before today (on a Monday the Friday; it took Sunday, every figure blank)
    from datetime import date

    from sandan.monitor import ShiftCalendar

    r = sandan(tmp_path, "report", "--company", "hanul", "--out", str(tmp_path / "last.xlsx"))
    assert r.returncode == 0, r.stderr
    reported = date.fromisoformat(r.stdout.split()[2])
    calendar = ShiftCalendar.two_shifts()
    today = calendar.production_day(datetime.now(UTC))
    assert reported < today and calendar.is_working_day(reported)
    between = [reported + timedelta(days=k) for k in range(1, (today - reported).days)]
    assert not any(calendar.is_working_day(d) for d in between)


def test_version_prints_the_version_and_exits_0(tmp_path):
    from sandan import __version__

    done = sandan(tmp_path, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"sandan {__version__}" and "Missing command" not in done.stderr


def settings_failure(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """`sandan report` (any command reads the settings first) with SANDAN_* variables set."""
    done = subprocess.run(
        [sys.executable, "-c", "from sandan.cli.main import run; run()", "report", "--company", "x"],
        capture_output=True,
        text=True,
        env={**os.environ, "SANDAN_DATA_DIR": str(tmp_path), "COLUMNS": "1000", **env},
        timeout=120,
    )
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and "ValidationError" not in done.stderr
    return done


def test_a_missing_settings_file_is_named_with_how_to_fix_it(tmp_path):
    done = settings_failure(tmp_path, SANDAN_CONFIG="/nonexistent.toml")
    assert "settings file /nonexistent.toml named by SANDAN_CONFIG does not exist" in done.stderr
    assert (
        "unset SANDAN_CONFIG" in done.stderr and "설정 파일 /nonexistent.toml이(가) 없습니다" in done.stderr
    )


def test_a_settings_file_that_is_not_toml_names_its_line(tmp_path):
    bad = tmp_path / "sandan.toml"
    bad.write_text('host = "a"\nport = = 3\n', encoding="utf-8")
    done = settings_failure(tmp_path, SANDAN_CONFIG=str(bad))
    assert f"settings file {bad} is not valid TOML" in done.stderr and "line 2" in done.stderr
    assert "2행" in done.stderr and "올바른 TOML이 아닙니다" in done.stderr


def test_a_setting_of_the_wrong_type_names_the_variable_and_the_fix(tmp_path):
    done = settings_failure(tmp_path, SANDAN_PORT="abc")
    assert "environment variable SANDAN_PORT='abc'" in done.stderr
    assert "valid integer" in done.stderr and "Set SANDAN_PORT to a valid value (default 8600)" in done.stderr
    assert "환경 변수 SANDAN_PORT='abc': 정수가 아닙니다" in done.stderr
    config = tmp_path / "sandan.toml"
    config.write_text('[sandan]\nport = "high"\n', encoding="utf-8")
    done = settings_failure(tmp_path, SANDAN_CONFIG=str(config))
    assert f"port = 'high' in settings file {config}" in done.stderr and "정수가 아닙니다" in done.stderr


def test_twin_run_shows_each_stations_utilisation_blocked_and_starved_shares(tmp_path):
    (tmp_path / "line.yaml").write_text(LINE, encoding="utf-8")
    done = sandan(tmp_path, "twin", "run", str(tmp_path / "line.yaml"), "--replications", "2", "--hours", "2",
                  "--warmup-hours", "0.5")  # fmt: skip
    assert done.returncode == 0, done.stderr
    header = next(line for line in done.stdout.splitlines() if "station / 공정" in line)
    assert "Utilisation / 가동률" in header and "Blocked share" in header and "Starved share" in header
    rows = {
        cells[0]: cells[1:]
        for line in done.stdout.splitlines()
        if (cells := [c.strip() for c in line.strip("│ ").split("│")])[0] in ("cut", "drill", "pack")
    }
    # fixed process times under CONWIP: the drill (45 s) paces the line; cut (20 s) waits on it, pack (15 s) for it
    assert rows["drill"][0].startswith("100.0%")
    assert rows["cut"][0].startswith("44.4%") and rows["cut"][1].startswith("55.6%")
    assert rows["pack"][0].startswith("33.3%") and rows["pack"][2].startswith("66.7%")


def test_federate_connect_names_missing_files_in_korean_words(tmp_path):
    key = tmp_path / "k.pem"
    done = sandan(tmp_path, "federate", "connect", "--key-file", str(key), "--ca", str(tmp_path / "nope.pem"))
    assert done.returncode == 2 and f"no private key at {key}" in done.stderr
    assert f"{key}에 개인 키가 없습니다" in done.stderr and "private key이(가)" not in done.stderr
    key.write_text("key", encoding="utf-8")
    done = sandan(tmp_path, "federate", "connect", "--key-file", str(key), "--ca", str(tmp_path / "nope.pem"))
    assert done.returncode == 2 and "연합 티켓이 없습니다" in done.stderr
    (tmp_path / "k.federation.json").write_text(
        '{"company": "nope", "federation": "f", "schema": {}}', encoding="utf-8"
    )
    done = sandan(tmp_path, "federate", "connect", "--key-file", str(key), "--ca", str(tmp_path / "nope.pem"))
    assert done.returncode == 2 and "nope.pem에 CA 인증서가 없습니다" in done.stderr
    assert "CA certificate이(가)" not in done.stderr
    (tmp_path / "ca.pem").write_text("ca", encoding="utf-8")
    done = sandan(tmp_path, "federate", "connect", "--key-file", str(key), "--ca", str(tmp_path / "ca.pem"))
    assert done.returncode == 2 and "company 'nope' not found" in done.stderr  # not in this host's store
    (tmp_path / "k.federation.json").write_text("{broken", encoding="utf-8")
    done = sandan(tmp_path, "federate", "connect", "--key-file", str(key), "--ca", str(tmp_path / "ca.pem"))
    assert done.returncode == 2 and "ticket" in done.stderr and "Traceback" not in done.stderr


def test_model_and_federation_commands_refuse_a_company_that_does_not_exist(tmp_path):
    for args in (
        ("models", "list", "--company", "nope"),
        ("models", "promote", "--company", "nope", "--name", "defects", "--version", "1"),
        ("federate", "status", "--federation", "f", "--company", "nope"),
        ("federate", "join", "--company", "nope", "--federation", "f", "--key-file", str(tmp_path / "k.pem")),
    ):
        done = sandan(tmp_path, *args)
        assert done.returncode == 2, (args, done.stdout)
        assert (
            "company 'nope' not found" in done.stderr and "회사 'nope'을(를) 찾을 수 없습니다" in done.stderr
        )
    assert sandan(tmp_path, "company", "add", "acme", "--name", "Acme").returncode == 0
    done = sandan(tmp_path, "models", "list", "--company", "acme")
    assert done.returncode == 0 and "no models yet" in done.stdout


def test_the_scripts_refer_only_to_files_that_exist():
    root = Path(__file__).resolve().parents[2]
    for script in (root / "scripts").glob("*.sh"):
        for name in re.findall(r"[\w./-]+\.md\b", script.read_text(encoding="utf-8")):
            assert (root / name).exists(), f"{script.name} refers to {name}, which does not exist"


def test_schedule_prints_the_makespan_once(tmp_path):
    orders = tmp_path / "orders.yaml"
    orders.write_text(
        "jobs:\n  - {name: A, due: 5, operations: [{machine: M1, duration: 3}, {machine: M2, duration: 4}]}\n"
        "  - {name: B, operations: [{machine: M2, duration: 3}, {machine: M1, duration: 2}]}\n",
        encoding="utf-8",
    )
    done = sandan(tmp_path, "schedule", str(orders), "--time-limit", "5")
    assert done.returncode == 0, done.stderr
    summary = done.stdout.splitlines()[0]
    assert summary.count("makespan") == 1 and "makespan 7 (bound 7" in summary
    done = sandan(tmp_path, "schedule", str(orders), "--time-limit", "5", "--objective", "tardiness")
    summary = done.stdout.splitlines()[0]
    assert summary.count("makespan") == 1 and "tardiness 2 (bound" in summary and "makespan 7" in summary


def test_train_prints_no_numpy_warnings_when_a_fold_lacks_a_machines_parameters(tmp_path):
    """Two machines with different process parameters, one after the other: the first time-ordered fold trains on
    the first machine only, so the second's parameters are all missing there."""
    from datetime import UTC, datetime, timedelta

    import numpy as np

    from sandan.collect import ingest_parts
    from sandan.domain import Company, Line, Machine, Site

    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    with open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}") as store:
        store.upsert_company(Company(id="acme", name="Acme", family="cnc"))
        store.upsert_site("acme", Site(id="s1", company_id="acme", name="1공장"))
        store.upsert_line("acme", Line(id="l1", company_id="acme", site_id="s1", name="라인"))
        for m in ("m1", "m2"):
            store.upsert_machine("acme", Machine(id=m, company_id="acme", line_id="l1", name=m))
        rng = np.random.default_rng(0)
        parts = []
        for i in range(600):
            machine, names = ("m1", ("temp", "speed")) if i < 300 else ("m2", ("feed", "depth"))
            values = rng.normal(0.0, 1.0, 2)
            risk = 1 / (1 + np.exp(-2 * (values[0] - 1)))  # more scrap at a high first parameter
            parts.append(
                {
                    "time": (start + timedelta(minutes=i)).isoformat(),
                    "machine_id": machine,
                    "part_id": f"p{i}",
                    "result": "ng" if rng.random() < risk else "ok",
                    "params": {
                        name: round(50 + 10 * float(v), 2) for name, v in zip(names, values, strict=True)
                    },
                }
            )
        assert ingest_parts(store, "acme", parts).rejected == 0
    done = sandan(tmp_path, "train", "--company", "acme", "--name", "defects", "--budget", "4", "--days", "3")
    assert done.returncode == 0, done.stderr
    assert "registered as a candidate" in done.stdout
    assert (
        "RuntimeWarning" not in done.stderr + done.stdout and "empty slice" not in done.stderr + done.stdout
    )


def test_user_list_shows_every_account_and_which_are_stopped(tmp_path):
    assert sandan(tmp_path, "init", "--operator", "ops", "--password", "s3cret-pass").returncode == 0
    for user_id, company in (("kim", "acme"), ("lee", "acme"), ("park", "bravo")):
        made = sandan(tmp_path, "user", "add", user_id, "--company", company, "--create-company", company.title(),
                      "--password", "long-enough")  # fmt: skip
        assert made.returncode == 0, made.stderr
    assert sandan(tmp_path, "user", "stop", "lee").returncode == 0
    listed = sandan(tmp_path, "user", "list")
    assert listed.returncode == 0, listed.stderr
    from sandan.store import open_store

    own = sandan(
        tmp_path, "user", "add", "choi", "--company", "acme", "--password", "typed-by-choi", "--own-password"
    )
    assert own.returncode == 0 and "첫 로그인" not in own.stdout, own.stderr
    store = open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}")  # CLI-made accounts: the holder chooses
    try:
        assert store.user_for_login("kim")[0].must_change_password
        assert not store.user_for_login("ops")[0].must_change_password  # `init`: the operator typed their own
        assert not store.user_for_login("choi")[0].must_change_password
    finally:
        store.close()
    rows = [line for line in listed.stdout.splitlines() if re.search(r"\b(ops|kim|lee|park)\b", line)]
    assert [re.search(r"\b(ops|kim|lee|park)\b", r).group(1) for r in rows] == ["ops", "kim", "lee", "park"]
    assert "사용 중지" in rows[2] and "사용 중지" not in rows[1]
    only = sandan(tmp_path, "user", "list", "--company", "bravo")
    assert "park" in only.stdout and "kim" not in only.stdout
    missing = sandan(tmp_path, "user", "list", "--company", "nope")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_backup_and_restore_from_the_console(tmp_path):
    data = tmp_path / "data"
    assert sandan(data, "init", "--operator", "ops", "--password", "s3cret-pass").returncode == 0
    done = sandan(data, "backup")
    assert done.returncode == 0, done.stderr
    (archive,) = (data / "backups").iterdir()
    assert (
        archive.name in done.stdout.replace("\n", "") and "tables" in done.stdout and "테이블" in done.stdout
    )
    # the database is open to one process at a time: a running server's store makes the backup say so
    with open_store(f"duckdb:///{data / 'sandan.duckdb'}"):
        busy = sandan(data, "backup")
    assert busy.returncode == 2 and "Another sandan process" in busy.stderr and "Traceback" not in busy.stderr
    assert "Backups page" in busy.stderr and "백업 화면" in busy.stderr  # the way that works while it runs
    checked = sandan(
        tmp_path / "elsewhere", "restore", "--check", str(archive)
    )  # a restore test, kept nowhere
    assert checked.returncode == 0, checked.stderr
    assert "restores" in checked.stdout and "rows match" in checked.stdout and "복원 확인" in checked.stdout
    assert not (tmp_path / "elsewhere").exists() or not any((tmp_path / "elsewhere").iterdir())
    restored = tmp_path / "restored"
    again = sandan(tmp_path / "elsewhere", "restore", str(archive), "--data-dir", str(restored))
    assert again.returncode == 0, again.stderr
    assert "rows checked" in again.stdout and "복원했습니다" in again.stdout
    with open_store(f"duckdb:///{restored / 'sandan.duckdb'}") as store:
        assert authenticate(store, "ops", "s3cret-pass").role.value == "operator"
    refused = sandan(tmp_path / "elsewhere", "restore", str(archive), "--data-dir", str(restored))
    assert (
        refused.returncode == 2 and "not empty" in refused.stderr and "비어 있지 않습니다" in refused.stderr
    )


def test_a_complex_moves_from_its_duckdb_file_to_postgresql_with_a_backup(tmp_path, pg_url):
    data = tmp_path / "data"
    assert sandan(data, "init", "--operator", "ops", "--password", "s3cret-pass").returncode == 0
    assert sandan(data, "backup").returncode == 0
    (archive,) = (data / "backups").iterdir()
    moved = tmp_path / "moved"
    done = sandan(
        tmp_path / "elsewhere", "restore", str(archive), "--data-dir", str(moved), "--store", pg_url
    )
    assert done.returncode == 0, done.stderr
    assert "PostgreSQL" in done.stdout and "SANDAN_STORE_URL" in done.stdout and "복원했습니다" in done.stdout
    assert not (moved / "sandan.duckdb").exists()
    with open_store(pg_url) as store:
        assert authenticate(store, "ops", "s3cret-pass").role.value == "operator"
    # a second move into the same store would mix two instances
    again = sandan(
        tmp_path / "elsewhere", "restore", str(archive), "--data-dir", str(tmp_path / "m2"), "--store", pg_url
    )
    assert (
        again.returncode == 2
        and "already holds sandan data" in again.stderr
        and "Traceback" not in again.stderr
    )


def test_schedule_reads_orders_from_an_excel_sheet(tmp_path):
    import pandas as pd

    orders = pd.DataFrame(
        {
            "작업": ["A", "A", "B", "B"],
            "순서": [1, 2, 1, 2],
            "설비": ["M1", "M2", "M2", "M1"],
            "분": [3, 4, 3, 2],
        }
    )
    path = tmp_path / "주문.xlsx"
    with pd.ExcelWriter(path, engine="xlsxwriter") as w:
        orders.to_excel(w, sheet_name="작업지시", index=False)
    done = sandan(tmp_path, "schedule", str(path), "--time-limit", "5")
    assert done.returncode == 0, done.stderr
    assert "makespan 7 (bound 7" in done.stdout.splitlines()[0]
    # from Monday 11:55 on the default shifts: seven minutes of work cross lunch, the list goes to a workbook
    out = tmp_path / "dispatch.xlsx"
    done = sandan(tmp_path, "schedule", str(path), "--start", "2025-03-10T11:55", "--dispatch", str(out))
    assert done.returncode == 0, done.stderr
    assert "완료 시각 2025-03-10 13:02" in done.stdout
    rows = pd.read_excel(out)
    assert len(rows) == 4 and rows["시작 시각"].min() == pd.Timestamp("2025-03-10 11:55")
    bad = tmp_path / "bad.csv"
    bad.write_text("job,machine\nA,M1\n", encoding="utf-8")
    done = sandan(tmp_path, "schedule", str(bad))
    assert done.returncode != 0 and "missing duration" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_user_add_never_renames_a_company_and_a_refused_password_leaves_none_behind(tmp_path):
    assert sandan(tmp_path, "company", "add", "acme", "--name", "Acme", "--family", "cnc").returncode == 0
    # --create-company with a company that exists renamed it and reset its family (a federation then refused it)
    done = sandan(tmp_path, "user", "add", "lee", "--company", "acme", "--create-company", "Renamed",
                  "--password", "long-enough-x")  # fmt: skip
    assert done.returncode == 2 and "company 'acme' is registered already, as 'Acme'" in done.stderr
    weak = sandan(tmp_path, "user", "add", "kim", "--company", "newco", "--create-company", "New Co",
                  "--password", "12345678")  # fmt: skip
    assert weak.returncode == 2 and "among the first a guesser tries" in weak.stderr
    from sandan.store import open_store

    store = open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}")
    try:
        acme = store.get_company("acme")
        assert (acme.name, acme.family.value) == ("Acme", "cnc") and store.get_company("newco") is None
    finally:
        store.close()


def test_paths_numbers_and_files_a_command_cannot_use_are_said_in_words(tmp_path):
    """Each of these was a Python traceback: a folder that does not exist, a folder given as a file, a CSV row
    with a cell too many, --days inf, a day past the calendar's range, a solver time limit of NaN (which printed
    'model_invalid' and '✓ checked' over an empty table)."""
    assert sandan(tmp_path, "company", "add", "acme", "--name", "Acme").returncode == 0
    orders = tmp_path / "orders.yaml"
    orders.write_text("jobs:\n  - {name: A, operations: [{machine: M1, duration: 3}]}\n", encoding="utf-8")
    codes = tmp_path / "codes.csv"
    codes.write_text("kind,code,ko,en\nreason,E01,정지,Stop\nreason,E02,프레스,Press,2\n", encoding="utf-8")
    (tmp_path / "line.yaml").write_text(LINE, encoding="utf-8")
    # the second --vary of one setting replaced the first
    vary = ("--vary", "stations.drill.machines=1,2", "--vary", "stations.drill.machines=3")
    twice = tmp_path / "twice.csv"  # the second E01 replaced the first without a word
    twice.write_text("kind,code,ko,en\nreason,E01,정지,Stop\nreason,E01,대기,Wait\n", encoding="utf-8")
    cases = [
        (("company", "codes", "acme", str(twice)), "line 3: code 'E01' is on line 2 already"),
        (
            ("models", "promote", "--company", "acme", "--name", "d", "--version", "abc"),
            "사용법이 맞지 않습니다",
        ),
        (
            ("twin", "sweep", str(tmp_path / "line.yaml"), *vary),
            "--vary stations.drill.machines is given twice",
        ),
        (("train", "--company", "acme", "--name", "d", "--budget", "-1"), "--budget must be more than 0"),
        (
            ("schedule", str(orders), "--gantt", str(tmp_path / "no" / "g.svg")),
            "g.svg does not exist (or its folder",
        ),
        (
            ("report", "--company", "acme", "--day", "2026-12-03", "--out", str(tmp_path)),
            "is a folder; give a file",
        ),
        (("company", "codes", "acme", str(codes)), "line 3 has more cells than the header"),
        (
            ("train", "--company", "acme", "--name", "d", "--days", "inf"),
            "--days must be more than 0 and at most",
        ),
        (("report", "--company", "acme", "--day", "9999-12-31"), "--day must be a date from 1970 to 2200"),
        (("schedule", str(orders), "--time-limit", "nan"), "the time limit must be between 0 and 86400 s"),
    ]
    for args, said in cases:
        done = sandan(tmp_path, *args)
        assert done.returncode == 2 and said in done.stderr and "Traceback" not in done.stderr, (
            args,
            done.stderr,
        )
    # no terminal to type a password on: said in words (it ended in a bare "Aborted.")
    done = sandan(tmp_path, "user", "add", "zed", "--company", "acme", stdin="")
    assert done.returncode == 2 and "give zed's password with --password" in done.stderr


def test_a_file_import_refuses_whole_is_kept_in_quarantine_but_not_a_preview(tmp_path):
    assert sandan(tmp_path, "company", "add", "acme", "--name", "Acme").returncode == 0
    photo = tmp_path / "photo.csv"
    photo.write_bytes(bytes(range(256)) * 8)  # refused before its rows are read: it left no trace
    preview = sandan(tmp_path, "import", str(photo), "--company", "acme", "--preview")
    done = sandan(tmp_path, "import", str(photo), "--company", "acme")
    assert preview.returncode == done.returncode == 2 and "holds binary data" in done.stderr
    from sandan.store import open_store

    store = open_store(f"duckdb:///{tmp_path / 'sandan.duckdb'}")
    try:
        (kept,) = store.list_quarantine("acme", limit=10)
    finally:
        store.close()
    assert (
        kept["kind"] == "file"
        and kept["location"]["file"] == "photo.csv"
        and kept["source"] == "cli:photo.csv"
    )


def test_edge_run_reports_lost_links_in_its_status_lines_without_library_tracebacks(tmp_path):
    """With its OPC UA server and the platform gone, `sandan edge run` printed asyncua's and pymodbus's own
    tracebacks; the status lines say it, each error with its time."""
    import signal
    import time

    from tests.conftest import free_port

    site = tmp_path / "site.yaml"
    site.write_text(
        f"company: acme\nplatform: {{url: 'http://127.0.0.1:{free_port()}', token: sdn_x}}\n"
        f"buffer: {{path: '{tmp_path / 'buf.sqlite'}'}}\nconnectors:\n"
        f"  - {{type: opcua, name: imm, endpoint: 'opc.tcp://127.0.0.1:{free_port()}/x/',\n"
        "     machines: [{machine_id: m1, object_path: ['2:M']}]}\n"
        f"  - {{type: modbus, name: plc, host: 127.0.0.1, port: {free_port()}, machine_id: m2,\n"
        "     registers: [{signal: t, address: 0}]}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "SANDAN_DATA_DIR": str(tmp_path), "COLUMNS": "300"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from sandan.cli.main import run; run()", "edge", "run", "-c", str(site)]
        + ["--status-every", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    time.sleep(8)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert "Traceback" not in out and "Publish iteration" not in out, out
    assert re.search(r"opcua\s+imm\s+disconnected .*OPC UA .* \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)", out), (
        out
    )
    assert re.search(r"modbus\s+plc\s+disconnected .*Modbus", out), out
