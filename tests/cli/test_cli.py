"""The command line: set-up and accounts, run as a user would (a real subprocess, real files)."""

from __future__ import annotations

import os
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


def test_balance_reads_a_yaml_line_and_reports_stations(tmp_path):
    line = tmp_path / "line.yaml"
    line.write_text(
        "tasks:\n  - {name: a, time: 5}\n  - {name: b, time: 4, after: [a]}\n  - {name: c, time: 3, after: [a]}\n"
        "  - {name: d, time: 6, after: [b, c]}\n",
        encoding="utf-8",
    )
    done = sandan(tmp_path, "balance", str(line), "--cycle-time", "9")
    assert done.returncode == 0, done.stderr
    assert "optimal" in done.stdout and "2 stations" in done.stdout


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
