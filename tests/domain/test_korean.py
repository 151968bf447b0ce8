"""Korean particles follow the sound of the word before them."""

import pytest

from sandan.domain.korean import particle


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        ("절삭 깊이", "을/를", "절삭 깊이를"),
        ("사출 압력", "을/를", "사출 압력을"),
        ("주축 회전수", "이/가", "주축 회전수가"),
        ("금형 온도", "은/는", "금형 온도는"),
        ("보압", "과/와", "보압과"),
        ("0.5", "으로/로", "0.5로"),
        ("1,241", "으로/로", "1,241로"),  # 일: ㄹ takes 로
        ("1,600", "으로/로", "1,600으로"),  # 백: ㄱ
        ("13", "으로/로", "13으로"),  # 삼: ㅁ
        ("냉각수 유량", "으로/로", "냉각수 유량으로"),
        ("이송 거리", "으로/로", "이송 거리로"),
        ("레일", "으로/로", "레일로"),
        ("가압력 (톤수)", "을/를", "가압력 (톤수)를"),  # read through the bracket: 톤수
        ("휨량 (평면도)", "이/가", "휨량 (평면도)가"),
        ("spindle_speed_rpm", "을/를", "spindle_speed_rpm을(를)"),
        ("rpm", "으로/로", "rpm(으)로"),
        ("", "이/가", "이(가)"),
    ],
)
def test_particle(word: str, pair: str, expected: str) -> None:
    assert particle(word, pair) == expected


def test_a_figure_in_brackets_is_passed_over_and_quotes_are_read_through():
    """ "보통 수준(18 mm)" reads as 수준 (the explanation's "보통 수준(18 mm)이"), a weekday in brackets as itself
    ("12월 3일(목)으로"), a quoted Korean name as its last syllable; a Latin id keeps both forms."""
    assert particle("보통 수준(18 mm)", "이/가") == "보통 수준(18 mm)이"
    assert particle("보통 수준(0.5)", "으로/로") == "보통 수준(0.5)으로"
    assert (
        particle("금형 온도（230 °C）", "이/가") == "금형 온도（230 °C）가"
        and particle("압력 [80]", "을/를") == "압력 [80]을"
    )
    assert (
        particle("라인 (CNC 가공 2)", "이/가") == "라인 (CNC 가공 2)가"
    )  # a name in brackets is read: 이 → 가
    assert particle("12월 3일(목)", "으로/로") == "12월 3일(목)으로"
    assert particle("설계 범위", "이/가") == "설계 범위가" and particle("'드릴'", "이/가") == "'드릴'이"
    assert particle("'M9'", "으로/로") == "'M9'로" and particle("'drill'", "으로/로") == "'drill'(으)로"
