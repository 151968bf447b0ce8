"""What users hand the twin, read into data or refused with a message that says what and where: YAML and JSON
syntax errors with line and column, files that are missing, folders or not text, words where numbers belong, a
CSV that is not the data set it claims to be — and the engine's bookkeeping kept out of the KPIs."""

from __future__ import annotations

import pytest

from sandan.domain import InvalidInput
from sandan.twin import service
from sandan.twin.inputs import load_json, load_yaml, read_data_file, read_text, whole
from sandan.twin.replay import Ai4iReplay
from sandan.twin.sim import run_line

LINE = "id: l\nstations:\n  - {id: a, process_time: {kind: exponential, mean: 10}, buffer: 2}\n  - {id: b, process_time: 12, buffer: 2}\n"


def test_a_yaml_syntax_error_names_line_and_column_in_both_languages():
    with pytest.raises(InvalidInput) as err:
        load_yaml("a: 1\nb: [1, 2\nc: 3\n", "the thing", "그것", field="text")
    e = err.value
    assert e.code == "bad_yaml" and e.where["field"] == "text"
    assert (e.where["line"], e.where["column"]) == (3, 2)
    assert "line 3, column 2" in e.en and "3행 2열" in e.ko


def test_a_json_syntax_error_names_line_and_column():
    with pytest.raises(InvalidInput) as err:
        load_json('{"a": 1,\n "b": }', "the thing", "그것")
    assert (err.value.where["line"], err.value.where["column"]) == (2, 7)


def test_files_that_cannot_be_read_say_why(tmp_path):
    with pytest.raises(InvalidInput, match="does not exist"):
        read_text(tmp_path / "nope.yaml")
    with pytest.raises(InvalidInput, match="is a folder"):
        read_text(tmp_path)
    (tmp_path / "bin.yaml").write_bytes(b"a: \xff\xfe\n")
    with pytest.raises(InvalidInput, match="not UTF-8 text"):
        read_data_file(tmp_path / "bin.yaml", "the thing", "그것")
    (tmp_path / "ok.json").write_text('{"a": [1, 2]}', encoding="utf-8")
    assert read_data_file(tmp_path / "ok.json", "the thing", "그것") == {"a": [1, 2]}


@pytest.mark.parametrize("value", ["3", 2.5, True, None, [1], -1])
def test_only_whole_numbers_pass_as_whole_numbers(value):
    with pytest.raises(InvalidInput, match="must be a whole number ≥ 0"):
        whole(value, "the count")


def test_whole_numbers_pass_as_whole_numbers():
    assert whole(3, "n") == 3 and whole(4.0, "n") == 4 and whole(-2, "n", minimum=None) == -2


def test_a_csv_that_is_not_ai4i_names_what_is_missing(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Product ID,Type,Machine failure\nM1,L,0\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="Torque"):
        Ai4iReplay(path)
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(InvalidInput):
        Ai4iReplay(path)


def test_a_word_in_an_ai4i_number_column_names_its_row(tmp_path):
    cols = "Product ID,Type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],"
    cols += "Tool wear [min],Machine failure,TWF,HDF,PWF,OSF,RNF\n"
    path = tmp_path / "ai4i.csv"
    path.write_text(
        cols + "M1,L,300,310,1500,40,0,0,0,0,0,0,0\nM2,L,300,hot,1500,40,0,0,0,0,0,0,0\n", encoding="utf-8"
    )
    with pytest.raises(InvalidInput) as err:
        Ai4iReplay(path)
    assert err.value.where["row"] == 3 and err.value.where["column"] == "Process temperature [K]"


def test_bookkeeping_is_not_a_kpi_and_is_reported_under_public_names():
    result = run_line(service.parse_line(LINE), replications=2, horizon=3600, warmup=600, seed=1)
    assert not [k for k in result.line if k.startswith("_")]
    assert result.operations > 0 and result.wall_s > 0
    shown = service.simulate_line(None, service.parse_line(LINE), replications=2, hours=1, warmup_hours=0.1)
    assert not [k for k in shown["line"] if k.startswith("_")]
    assert shown["operations"] > 0


def test_yaml_nested_too_deeply_is_refused_in_words():
    with pytest.raises(InvalidInput, match="too deeply") as err:
        load_yaml("[" * 5000, "the line", "라인", field="yaml")
    assert err.value.code == "bad_yaml" and "깊게" in err.value.ko


def test_a_whole_number_refusal_takes_the_korean_particle_its_name_ends_with():
    from sandan.domain import InvalidInput
    from sandan.twin.inputs import whole

    for name, said in (
        (("count", "개수"), "개수는 "),
        (("time", "시간"), "시간은 "),
        ("tool", "tool은(는) "),
    ):
        try:
            whole("two", name)
        except InvalidInput as exc:
            assert exc.ko.startswith(said), exc.ko
        else:
            raise AssertionError("'two' was taken for a whole number")
