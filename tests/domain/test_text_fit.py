"""Labels on charts drawn on the server: Korean takes about twice the room of Latin letters, and a name too long
for its column is cut in the middle so that its end (a sweep's value) stays."""

from sandan.domain.text import fit_text, text_width


def test_hangul_takes_about_twice_the_room_of_latin_letters():
    assert text_width("작업자 대기", 11) > 1.6 * text_width("abcdef", 11) * 5 / 6
    assert text_width("", 11) == 0


def test_a_long_name_is_cut_in_the_middle_and_keeps_its_end():
    name = "stations.station_number_0_welding.machines=3"
    cut = fit_text(name, 140, 11)
    assert "…" in cut and cut.endswith("=3") and cut.startswith("stations")
    assert text_width(cut, 11) <= 140
    assert fit_text("cut", 140, 11) == "cut"  # a name that fits is left whole
    korean = fit_text("드릴 설비 한 대 추가 및 포장 버퍼 두 배로", 120, 11)
    assert korean.startswith("드릴") and korean.endswith("배로") and text_width(korean, 11) <= 120
