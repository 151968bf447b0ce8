"""The shift calendar on the web: the dashboard names the planned time its OEE counts from (the default until the
company sets one); the calendar page starts from a preset, saves what was typed, and a refused calendar comes back
as typed with the reason, leaving the saved one as it was."""

from __future__ import annotations

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
