"""What an import says while and before it runs: progress in rows (never bytes called rows), one common reason for
a preview's rejected rows named with its fix, the new signals it would define, a whole file's reject kept without
printing binary bytes as text, an empty upload named, and a replay worded as the import was."""

from __future__ import annotations

import json

import pytest

from sandan.accounts import Principal
from sandan.collect.files import Mapping, _check_columns, _file_facts, import_file, preview_for_company
from sandan.collect.quarantine import replay_quarantined
from sandan.collect.uploads import save_upload
from sandan.domain import InvalidInput, Role, User

ROWS = 5000


def _readings(path, rows=ROWS):
    lines = ["time,machine,signal,value"]
    lines += [
        f"2026-05-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}+09:00,CNC-01,spindle_temp,{20 + i % 50}"
        for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_csv_imports_progress_counts_rows_against_an_honest_estimate(plant, tmp_path):
    path = _readings(tmp_path / "r.csv")
    mapping = Mapping(columns={"time": "time", "machine": "machine_id", "signal": "signal", "value": "value"})
    heard = []

    def progress(done, total=None, message=""):  # a job's progress: it takes the words too
        heard.append((done, total, message))

    receipt = import_file(plant, "acme", path, mapping, chunk_rows=500, progress=progress)
    assert receipt.accepted == ROWS
    assert path.stat().st_size > 10 * ROWS  # bytes, which the progress once showed as rows
    for done, total, _ in heard:
        assert 0 < done <= ROWS and done <= total < 2 * ROWS, (done, total)
    assert heard[-1] == (ROWS, ROWS, (f"{ROWS:,} of {ROWS:,} rows", f"{ROWS:,}행 중 {ROWS:,}행"))
    running = [m for d, _, m in heard if d < ROWS]
    assert running and all("about" in en and "약" in ko for en, ko in running)

    plain = []  # the command line's (done, total) callback still works
    import_file(plant, "acme", path, mapping, chunk_rows=500, progress=lambda d, t: plain.append((d, t)))
    assert plain[-1] == (ROWS, ROWS)


def test_a_missing_machine_column_says_both_fixes_in_one_korean_sentence():
    mapping = Mapping(columns={"time": "time", "signal": "signal", "value": "value"})
    with pytest.raises(InvalidInput) as exc:
        _check_columns(mapping, ["time", "signal", "value"], "a.csv")
    assert exc.value.ko.endswith("열을 지정하거나 파일 전체의 설비를 고르세요")
    assert "지정하세요 또는" not in exc.value.ko


def test_dates_of_one_unreadable_order_are_named_as_the_one_cause_with_the_fix(plant, tmp_path):
    path = tmp_path / "dmy.csv"
    rows = [f"0{d}/05/2026 08:00:00,CNC-01,spindle_temp,{20 + d}" for d in range(1, 10)]
    path.write_text("time,machine,signal,value\n" + "\n".join(rows) + "\n", encoding="utf-8")
    shown = preview_for_company(plant, "acme", path, timezone="Asia/Seoul")
    check = shown.check
    assert (check.rejected_rows, check.rows) == (8, 9)  # 05/05/2026 reads either way
    reason = check.common_reason()
    assert reason is not None and reason["code"] == "ambiguous_date" and reason["column"] == "time"
    summary = check.summary()
    assert "one cause" in summary["en"] and "day/month/year" in summary["en"]
    assert "원인은 모두 같습니다" in summary["ko"] and "일/월/연" in summary["ko"]
    # choosing the order in the mapping clears it
    fixed = preview_for_company(
        plant, "acme", path, mapping=shown.mapping.model_copy(update={"date_order": "dmy"})
    )
    assert fixed.check.rejected_rows == 0 and fixed.check.common_reason() is None


def test_new_signals_are_not_defined_unless_asked_and_the_preview_names_them(plant, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("time,machine,A,B\n2026-05-01 08:00:00,CNC-01,1,2\n2026-05-01 08:01:00,CNC-01,3,4\n")
    shown = preview_for_company(plant, "acme", path, timezone="Asia/Seoul")
    assert shown.mapping.layout == "wide" and shown.mapping.register_signals is False
    assert shown.check.common_reason()["code"] == "unknown_signal" and shown.check.new_signals == []
    asked = preview_for_company(
        plant, "acme", path, mapping=shown.mapping.model_copy(update={"register_signals": True})
    )
    assert sorted(asked.check.new_signals) == ["CNC-01/A", "CNC-01/B"]
    assert asked.check.to_dict()["new_signals"] == asked.check.new_signals
    assert {s.name for s in plant.list_signals("acme")} == {
        "spindle_temp",
        "spindle_speed",
    }  # nothing defined


def test_a_workbooks_facts_keep_its_bytes_but_not_as_text(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["a", "b"])
    path = tmp_path / "wrong_header.xlsx"
    wb.save(path)
    facts = _file_facts(path)
    assert "head" not in facts and facts["head_base64"]
    assert facts["file"] == "wrong_header.xlsx" and facts["size"] == path.stat().st_size
    text = tmp_path / "t.csv"
    text.write_text("시각,설비\n", encoding="utf-8")
    assert _file_facts(text)["head"] == "시각,설비\n"


def test_an_empty_upload_is_refused_by_its_name(tmp_path):
    import io

    with pytest.raises(InvalidInput) as exc:
        save_upload(tmp_path, "acme", "빈파일.csv", io.BytesIO(b""))
    assert exc.value.code == "empty_file" and "빈파일.csv" in exc.value.en and "0" in exc.value.ko


def test_a_replay_rejected_again_is_worded_as_the_import_was(plant, tmp_path):
    path = tmp_path / "parts.csv"
    path.write_text("time,machine,result,melt_temp_c\n2026-05-01 08:00:00,CNC-01,OK,높음\n", encoding="utf-8")
    mapping = Mapping(
        kind="part",
        columns={
            "time": "time",
            "machine": "machine_id",
            "result": "result",
            "melt_temp_c": "param:melt_temp_c",
        },
        timezone="Asia/Seoul",
    )
    receipt = import_file(plant, "acme", path, mapping)
    assert receipt.rejected == 1
    first = receipt.issues[0]["message"]["en"]
    assert first.startswith("melt_temp_c '높음'")
    item = plant.list_quarantine("acme")[0]
    record = {**json.loads(item["raw"]), "param:melt_temp_c": "높음2"}
    engineer = Principal(User(id="kim", role=Role.engineer, company_id="acme"))
    again = replay_quarantined(plant, "acme", item["id"], engineer, record=record)
    assert not again.replayed
    assert again.reason["message"]["en"] == first.replace("'높음'", "'높음2'")
    assert "param:" not in again.reason["message"]["ko"]
