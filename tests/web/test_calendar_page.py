"""The shift calendar on the web: the dashboard names the planned time its OEE counts from (the default until the
company sets one); the calendar page starts from a preset, saves what was typed, and a refused calendar comes back
as typed with the reason, leaving the saved one as it was."""

from __future__ import annotations

import html
import re
from datetime import datetime, time

import pytest
from playwright.sync_api import expect

from sandan.monitor.calendar import (
    Break,
    PlannedStop,
    Shift,
    ShiftCalendar,
    calendar_path,
    company_calendar,
    has_own_calendar,
    save_company_calendar,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def own_calendar(server):
    """acme's calendar goes back to the default afterwards (other page tests read acme's OEE)."""
    path = calendar_path(server.settings.data_dir, "acme")
    yield path
    path.unlink(missing_ok=True)


def test_a_one_shift_plant_sets_its_calendar_and_the_dashboard_counts_from_it(
    page, login, server, own_calendar
):
    login("kim")
    page.goto("/companies/acme/monitor")
    planned = page.locator("#planned-time")
    expect(planned).to_contain_text("하루 22시간")
    expect(planned).to_contain_text("기본값")
    planned.get_by_role("link", name="바꾸기").click()
    expect(page.locator("#calendar-default")).to_be_visible()

    page.click("[data-preset=one]")
    expect(page.locator("#calendar-presets")).to_contain_text("아직 저장하지 않았습니다")
    assert not own_calendar.exists()  # a preset fills the form only
    expect(page.locator("input[name=shift_start_1]")).to_have_value("08:00")
    expect(page.locator("input[name=shift_end_1]")).to_have_value("17:00")
    expect(page.locator("input[name=shift_start_2]")).to_have_value("")
    page.fill("textarea[name=holidays]", "2026-12-31")
    page.fill("textarea[name=planned_stops]", "2026-12-24 08:00 ~ 2026-12-24 17:00 재고 조사")
    page.click("#calendar-save")
    expect(page.locator("#calendar-saved")).to_be_visible()
    expect(page.locator("#calendar-now")).to_contain_text(
        "주간 08:00–17:00 (휴식 12:00–13:00) · 월–금 · 공휴일 쉼 · 하루 8시간"
    )
    expect(page.locator("#calendar-default")).to_have_count(0)
    saved = company_calendar(server.settings.data_dir, "acme")
    assert [(f"{s.start:%H:%M}", f"{s.end:%H:%M}") for s in saved.shifts] == [("08:00", "17:00")]
    # the shift kept its name in English too, though the form was Korean
    assert (saved.shifts[0].label_ko, saved.shifts[0].label_en) == ("주간", "Day")
    assert [d.isoformat() for d in saved.holidays] == ["2026-12-31"]
    assert saved.planned_stops[0].note == "재고 조사" and saved.planned_minutes_per_day() == 480

    # the OEE dashboard now names the plant's own calendar
    page.goto("/companies/acme/monitor")
    expect(page.locator("#planned-time")).to_contain_text("하루 8시간")
    expect(page.locator("#planned-time")).not_to_contain_text("기본값")

    # a break outside its shift is refused, as typed, naming it; the saved calendar stays
    page.goto("/companies/acme/calendar")
    page.fill("input[name=shift_breaks_1]", "12:00-19:00")
    page.click("#calendar-save")
    expect(page.locator("#calendar-error")).to_contain_text("휴식 12:00-19:00")
    expect(page.locator("#calendar-error")).to_contain_text("밖에 있습니다")
    expect(page.locator("input[name=shift_breaks_1]")).to_have_value("12:00-19:00")
    assert company_calendar(server.settings.data_dir, "acme").shifts[0].breaks[0].end.hour == 13
    page.fill("input[name=shift_breaks_1]", "점심")
    page.click("#calendar-save")
    expect(page.locator("#calendar-error")).to_contain_text(
        "근무조 1: 휴식 '점심'은(는) 12:00-13:00 같은 시간 구간이 아닙니다"
    )
    # a day that does not exist, and a shift with a start but no end, are named, not a server error
    page.fill("input[name=shift_breaks_1]", "12:00-13:00")
    page.fill("textarea[name=planned_stops]", "2026-12-32 08:00 ~ 2026-12-32 17:00 정비")
    page.click("#calendar-save")
    expect(page.locator("#calendar-error")).to_contain_text("계획 정지 1번째 줄")
    page.fill("textarea[name=planned_stops]", "")
    page.fill("input[name=shift_start_2]", "20:00")
    page.click("#calendar-save")
    expect(page.locator("#calendar-error")).to_contain_text("근무조 2: 시작과 끝을 모두 주세요")


def test_a_viewer_reads_the_calendar_but_has_no_form(page, login):
    login("park")
    page.goto("/companies/acme/calendar")
    expect(page.locator("#calendar-now")).to_contain_text("하루")
    expect(page.locator("#calendar-form")).to_have_count(0)


def test_saving_the_form_unchanged_keeps_every_shift_break_name_and_stop_code(
    page, login, server, own_calendar
):
    """A calendar saved through the API with five shifts, named breaks and a planned stop's reason code comes back
    the same when the page saves it with nothing changed (the form had four rows and dropped the rest)."""

    def shift(name: str, start: int, end: int) -> Shift:
        return Shift(
            name=name,
            label_ko=name,
            label_en=name,
            start=time(start),
            end=time(end),
            breaks=[Break(start=time(start + 2), end=time(start + 2, 10), name=f"{name} 휴식")],
        )

    before = ShiftCalendar(
        shifts=[shift(f"s{i}", 2 + 4 * i, 5 + 4 * i) for i in range(5)],
        planned_stops=[
            PlannedStop(
                start=datetime(2026, 12, 24, 8),
                end=datetime(2026, 12, 24, 17),
                reason_code="PM",
                note="금형 정비",
            ),
            PlannedStop(start=datetime(2026, 12, 30, 8), end=datetime(2026, 12, 30, 12), note="재고 조사"),
        ],
    )
    save_company_calendar(server.settings.data_dir, "acme", before)
    login("kim")
    page.goto("/companies/acme/calendar")
    expect(page.locator("input[name=shift_start_5]")).to_have_value("18:00")
    expect(page.locator("input[name=shift_start_6]")).to_have_value("")  # one empty row to add a shift
    expect(page.locator("input[name=shift_breaks_1]")).to_have_value("04:00-04:10 s0 휴식")
    expect(page.locator("textarea[name=planned_stops]")).to_have_value(
        "2026-12-24 08:00 ~ 2026-12-24 17:00 [PM] 금형 정비\n2026-12-30 08:00 ~ 2026-12-30 12:00 재고 조사"
    )
    page.click("#calendar-save")
    expect(page.locator("#calendar-saved")).to_be_visible()
    assert company_calendar(server.settings.data_dir, "acme") == before

    # a sixth shift typed in the empty row is saved
    page.fill("input[name=shift_start_6]", "23:00")
    page.fill("input[name=shift_end_6]", "23:30")
    page.click("#calendar-save")
    expect(page.locator("#calendar-saved")).to_be_visible()
    assert len(company_calendar(server.settings.data_dir, "acme").shifts) == 6


def test_each_working_day_box_sits_on_the_line_of_its_day(page, login, shot):
    """The form is a .stack, whose labels are columns: a checkbox once sat above its day, and the unticked
    public-holiday box beside "일" read as if Sunday were off. Each box is now on its day's line, the seven days
    on one row, and the public-holiday box on its own row below them."""
    login("kim")
    page.goto("/companies/acme/calendar")
    labels = page.locator("#calendar-form label.check")
    expect(labels).to_have_count(8)
    boxes = []
    for n in range(8):
        label = labels.nth(n).bounding_box()
        box = labels.nth(n).locator("input").bounding_box()
        assert box["x"] + box["width"] <= label["x"] + label["width"] / 2  # the box first, the words after it
        middle = box["y"] + box["height"] / 2
        assert label["y"] <= middle <= label["y"] + label["height"]
        assert label["height"] < 2.2 * box["height"] + 8  # one line, not a box above its words
        boxes.append((label, box))
    days, holidays = boxes[:7], boxes[7]
    assert len({round(label["y"]) for label, _ in days}) == 1  # Mon to Sun on one row
    assert [round(label["x"]) for label, _ in days] == sorted(round(label["x"]) for label, _ in days)
    sunday = days[6][0]
    assert holidays[0]["y"] >= sunday["y"] + sunday["height"]  # below the days, not beside 일
    shot("calendar-working-days")


# the form as the page posts it: one day shift in row 1, row 2 empty
FORM = {
    "timezone": "Asia/Seoul",
    "weekday": ["0", "1", "2", "3", "4"],
    "korean_public_holidays": "on",
    "shift_name_1": "주간",
    "shift_start_1": "08:00",
    "shift_end_1": "17:00",
    "shift_breaks_1": "12:00-13:00",
    "shift_name_2": "",
    "shift_start_2": "",
    "shift_end_2": "",
    "shift_breaks_2": "",
    "holidays": "",
    "extra_working_days": "",
    "planned_stops": "",
}


def _refused(client, lang: str, **changed) -> str:
    """The reason the page gives for the form with `changed`, in `lang`."""
    client.cookies.set("lang", lang)
    r = client.post("/companies/acme/calendar", data={**FORM, **changed})
    assert r.status_code == 422, r.status_code
    found = re.search(r'id="calendar-error">(.*?)</p>', r.text, re.S)
    assert found, "the page came back without its reason"
    return html.unescape(found.group(1))


def test_a_calendar_without_a_working_day_is_refused_in_both_languages(site):
    client, _ = site
    settings = client.app.state.settings
    english = _refused(client, "en", weekday=[])
    assert english.startswith("working days: tick at least one day of the week (or list extra working days)")
    assert "OEE would have nothing to count from" in english
    korean = _refused(client, "ko", weekday=[])
    assert korean.startswith("근무일: 요일을 하나 이상 고르세요(또는 추가 근무일을 적으세요)")
    assert not has_own_calendar(settings.data_dir, "acme")  # nothing saved
    # a plant that works listed days only still can
    listed = client.post(
        "/companies/acme/calendar", data={**FORM, "weekday": [], "extra_working_days": "2026-12-26"}
    )
    assert listed.status_code == 303
    saved = company_calendar(settings.data_dir, "acme")
    assert saved.working_weekdays == [] and [d.isoformat() for d in saved.extra_working_days] == [
        "2026-12-26"
    ]


def test_a_backwards_planned_stop_is_named_by_its_line_in_the_box(site):
    client, _ = site
    stops = "2026-12-24 08:00 ~ 2026-12-24 17:00 재고 조사\n\n2026-12-30 17:00 ~ 2026-12-30 08:00 정비\n"
    english = _refused(client, "en", planned_stops=stops)
    assert english == (
        "planned stops, line 3: planned stop ends (2026-12-30 08:00) at or before it starts (2026-12-30 17:00)"
    )
    korean = _refused(client, "ko", planned_stops=stops)
    assert korean == (
        "계획 정지 3번째 줄: 계획 정지의 끝(2026-12-30 08:00)이 시작(2026-12-30 17:00)보다 늦어야 합니다"
    )


def test_a_time_that_is_not_one_is_named_by_its_row_with_the_form_to_write(site):
    """A crafted request (the page's time inputs send HH:MM): the shift by its row on the form — row 2 here, row 1
    being empty — and the form of a time, never "shifts.0.start: Input should be in a valid time format"."""
    client, _ = site
    crafted = {"shift_start_1": "", "shift_end_1": "", "shift_start_2": "8h", "shift_end_2": "17:00"}
    assert _refused(client, "en", **crafted) == (
        "shift 2: the start '8h' is not a time of day; write it as HH:MM, like 08:00"
    )
    assert (
        _refused(client, "ko", **crafted)
        == "근무조 2: 시작 '8h'은(는) 시각이 아닙니다. 08:00처럼 HH:MM으로 쓰세요"
    )
    assert _refused(client, "en", shift_end_1="25:00") == (
        "shift 1: the end '25:00' is not a time of day; write it as HH:MM, like 08:00"
    )
    # a break's clock that cannot be: the shift's row and the break's place in it
    assert _refused(client, "en", shift_breaks_1="10:00-10:10, 12:00-13:99") == (
        "shift 1, break 2: the end '13:99' is not a time of day; write it as HH:MM, like 08:00"
    )
    assert _refused(client, "ko", shift_breaks_1="10:00-10:10, 12:00-13:99") == (
        "근무조 1 휴식 2: 끝 '13:99'는 시각이 아닙니다. 08:00처럼 HH:MM으로 쓰세요"
    )
    # the calendar's own fields by their names on the page, not the model's
    assert _refused(client, "en", timezone="Mars/Base") == (
        "unknown time zone 'Mars/Base'; use an IANA name such as Asia/Seoul"
    )


def test_a_shift_that_ends_when_it_starts_runs_all_day(site):
    """08:00–08:00 is a 24-h shift (the model's meaning of end == start, as a round-the-clock plant's calendar
    uses it), saved and described as such."""
    client, _ = site
    settings = client.app.state.settings
    r = client.post(
        "/companies/acme/calendar",
        data={**FORM, "shift_start_1": "08:00", "shift_end_1": "08:00", "shift_breaks_1": ""},
    )
    assert r.status_code == 303
    saved = company_calendar(settings.data_dir, "acme")
    assert saved.planned_minutes_per_day() == 24 * 60 and saved.describe("en").endswith("24 h a day")
