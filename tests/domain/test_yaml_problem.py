"""A hand-written YAML file's mistakes in words, in both languages: the Korean message carried PyYAML's English
("expected ',' or ']', but got '<stream end>'") after its Korean lead. The common mistakes are said, with the fix;
anything else keeps the parser's words and the general hint."""

from __future__ import annotations

import re
from datetime import date

import pytest
import yaml

from sandan.domain.errors import yaml_position, yaml_problem


def _problem(text: str) -> tuple[str, str, tuple[int | None, int | None]]:
    with pytest.raises(yaml.YAMLError) as err:
        yaml.safe_load(text)
    return (*yaml_problem(err.value), yaml_position(err.value))


@pytest.mark.parametrize(
    ("text", "en", "ko", "where"),
    [
        ("a: [1, 2\n", "a bracket is not closed", "괄호가 닫히지 않았거나", (2, 1)),
        ("a: 1\n b: 2\n", "the indentation is off", "들여쓰기가 어긋났거나", (2, 3)),
        ("a: b: c\n", "needs quotes", "따옴표로 감싸야", (1, 5)),
        ("a:\n  b: 1\n c: 2\n", "does not line up", "들여쓰기가 맞지 않습니다", (3, 2)),
        ("a: 'x\n", "never closed", "따옴표가 열린 채", (2, 1)),
        ("a:\n\t- 1\n", "indent with spaces", "탭 문자", (2, 1)),
        ("a: @x\n", "unless it is in quotes", "'@'(으)로 시작하는 값은", (1, 4)),
        ("a: [1, 2]]\n", "never opened", "열지 않은 괄호", (1, 10)),
        ("a: *x\n", "no '&x'", "앵커 '&x'", (1, 4)),
        ("a: !!python/object x\n", "'!!python/object' is not allowed", "쓸 수 없습니다", (1, 4)),
        ("a: 1\n---\nb: 2\n", "more than one document", "문서가 둘 이상", (2, 1)),
    ],
)
def test_common_mistakes_are_said_with_their_fix(text, en, ko, where):
    problem_en, problem_ko, position = _problem(text)
    assert en in problem_en and ko in problem_ko
    assert position == where
    # no parser English left in the Korean text, apart from quoted symbols
    assert not re.search(r"[A-Za-z]{4,}", re.sub(r"'[^']*'", "", problem_ko)), problem_ko


def test_a_mistake_without_its_own_words_keeps_the_parsers_and_the_general_hint():
    class Odd(yaml.YAMLError):
        problem, context, problem_mark = "something new", None, None

    en, ko = yaml_problem(Odd())
    assert en == "something new; check the indentation, colons and brackets there"
    assert ko.startswith("문법 오류(something new)") and "들여쓰기, 콜론, 괄호" in ko


@pytest.mark.parametrize(
    ("text", "where"), [("holidays: [2026-13-01]\n", (1, 12)), ("jobs:\n  - due: 2026-02-30\n", (2, 10))]
)
def test_a_date_no_calendar_has_is_a_yaml_mistake_at_its_place(text, where):
    """PyYAML let an impossible date escape as a bare ValueError: a traceback from every reader of lines, orders,
    calendars and site files. `read_yaml` reports it where it is written, as the other mistakes."""
    from sandan.domain.yamltext import read_yaml

    assert read_yaml("a: 2026-12-01\n") == {"a": date(2026, 12, 1)}  # good dates stay dates
    with pytest.raises(yaml.YAMLError) as err:
        read_yaml(text)
    en, ko = yaml_problem(err.value)
    day = re.search(r"2026-\d\d-\d\d", text).group(0)
    assert en.startswith(f"{day} is not a calendar date") and ko.startswith(f"{day}은 달력에 없는 날짜입니다")
    assert yaml_position(err.value) == where


def test_a_calendar_or_an_order_sheet_with_an_impossible_date_says_so():
    from zoneinfo import ZoneInfo

    from sandan.domain import InvalidInput
    from sandan.monitor.calendar import ShiftCalendar
    from sandan.twin.workclock import as_instant

    with pytest.raises(InvalidInput, match="2026-13-01 is not a calendar date"):
        ShiftCalendar.from_yaml("holidays: [2026-13-01]\n")
    # a due date typed into an order sheet
    with pytest.raises(InvalidInput, match="2026-02-30 is not a calendar date and time") as err:
        as_instant("2026-02-30", ZoneInfo("Asia/Seoul"), end_of_day=True)
    assert err.value.code == "bad_date" and "달력에 없는 날짜·시각" in err.value.ko


def test_a_clock_time_without_quotes_is_the_time_written():
    """YAML 1.1 read `end: 17:00` as the base-60 number 1020: a hand-written calendar saved the day shift as ending
    at 00:17 and said it was saved. Times stay text; other numbers are numbers."""
    from datetime import time

    from sandan.domain.yamltext import read_yaml
    from sandan.monitor.calendar import ShiftCalendar

    assert read_yaml("end: 17:00\nat: 12:30:15\nn: 1020\nx: 1.5\ny: 0x10\n") == {
        "end": "17:00",
        "at": "12:30:15",
        "n": 1020,
        "x": 1.5,
        "y": 16,
    }
    calendar = ShiftCalendar.from_yaml(
        "shifts:\n  - name: day\n    start: 08:00\n    end: 17:00\n    breaks:\n      - {start: 12:00, end: 13:00}\n"
    )
    (day,) = calendar.shifts
    assert (day.end, day.breaks[0].start, day.breaks[0].end) == (time(17), time(12), time(13))


def test_a_calendar_mistake_says_the_fix_in_korean_too():
    """The Korean line said only '값이 올바르지 않습니다' where the English says how to write the time."""
    from sandan.domain import InvalidInput
    from sandan.monitor.calendar import ShiftCalendar

    with pytest.raises(InvalidInput) as err:
        ShiftCalendar.from_yaml("shifts:\n  - {name: day, start: '25:00', end: '17:00'}\n")
    assert "write it as HH:MM" in err.value.en and "08:00처럼 HH:MM으로 쓰세요" in err.value.ko
    with pytest.raises(InvalidInput) as err:
        ShiftCalendar.from_yaml(
            "shifts:\n  - {name: day, start: '08:00', end: '17:00'}\nplanned_stops: [x]\n"
        )
    assert "'키: 값' 쌍으로 된 항목" in err.value.ko and "JSON" not in err.value.ko


def test_a_document_whose_aliases_expand_to_billions_of_values_is_refused_before_it_is_built():
    from sandan.domain import InvalidInput
    from sandan.twin.inputs import load_yaml

    # 400 bytes; built, a message quoting it froze the server past 4 GB
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
    )
    with pytest.raises(InvalidInput, match="expand to more than 1,000,000 values") as err:
        load_yaml(laughs, "the line", "라인")
    assert "line 1, column 1" in err.value.en
    # aliases used as they are meant (a shared setting) still read
    assert load_yaml("base: &b {time: 5}\ntasks: [{name: a, <<: *b}, {name: b, <<: *b}]\n", "x", "x")[
        "tasks"
    ][1] == {
        "name": "b",
        "time": 5,
    }
