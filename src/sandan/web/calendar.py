"""The company's shift calendar on the web: shifts and breaks, working days, holidays and planned stops — the
planned time every OEE figure counts from (`sandan.monitor.calendar`). Presets fill the form; nothing changes until
it is saved; a refused calendar comes back as typed with the reason."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from sandan.accounts import audit
from sandan.domain import InvalidInput
from sandan.domain.errors import english_reason, invalid_input_from, korean_reason
from sandan.domain.korean import particle
from sandan.monitor.calendar import (
    ShiftCalendar,
    company_calendar,
    has_own_calendar,
    save_company_calendar,
)
from sandan.web.shell import UserPage, WebRoute, company_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)

# rows of the shift table on the form, at the least (more when a saved calendar has more shifts, and one empty)
SHIFT_ROWS = 4
PRESETS = {
    "one": ShiftCalendar.one_shift,
    "two": ShiftCalendar.two_shifts,
    "three": ShiftCalendar.three_shifts,
}
_SPAN = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-~–]\s*(\d{1,2}:\d{2})(?:\s+(.*?))?\s*$")  # 12:00-13:00 점심
_STOP = re.compile(
    r"^\s*(\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2})\s*[~–]\s*(\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2})\s*"
    r"(?:\[([^\]]*)\])?\s*(.*)$"  # [PM] a reason code other than "planned", then the note
)
_ROW_FIELD = re.compile(r"^shift_(?:name|start|end|breaks)_(\d{1,2})$")


def _form_of(calendar: ShiftCalendar, lang: str) -> dict[str, Any]:
    """A calendar as the form's fields (what `_calendar_of` reads back)."""
    rows = [
        {
            "name": (s.label_ko if lang == "ko" else s.label_en) or s.name,
            "start": f"{s.start:%H:%M}",
            "end": f"{s.end:%H:%M}",
            "breaks": ", ".join(f"{b.start:%H:%M}-{b.end:%H:%M} {b.name}".rstrip() for b in s.breaks),
        }
        for s in calendar.shifts
    ]
    rows += [{"name": "", "start": "", "end": "", "breaks": ""}] * max(SHIFT_ROWS - len(rows), 1)
    return {
        "timezone": calendar.timezone,
        "weekdays": list(calendar.working_weekdays),
        "korean_public_holidays": calendar.korean_public_holidays,
        "shifts": rows,
        "holidays": "\n".join(d.isoformat() for d in calendar.holidays),
        "extra_working_days": "\n".join(d.isoformat() for d in calendar.extra_working_days),
        "planned_stops": "\n".join(
            f"{p.start:%Y-%m-%d %H:%M} ~ {p.end:%Y-%m-%d %H:%M} {_code_mark(p.reason_code)}{p.note}".rstrip()
            for p in calendar.planned_stops
        ),
    }


def _code_mark(reason_code: str) -> str:
    """A planned stop's reason code as the form writes it before the note: none for the default "planned"."""
    return "" if reason_code == "planned" else f"[{reason_code}] "


def _bad(en: str, ko: str, field: str) -> InvalidInput:
    return InvalidInput(en, ko, code="bad_calendar", field=field)


def _dates(text: str, field: str, words: tuple[str, str]) -> list[date]:
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            out.append(date.fromisoformat(line.strip()))
        except ValueError:
            raise _bad(
                f"{words[0]}, line {n}: {line.strip()!r} is not a date like 2026-12-25",
                f"{words[1]} {n}번째 줄: {line.strip()!r}은(는) 2026-12-25 같은 날짜가 아닙니다",
                field,
            ) from None
    return out


def _calendar_of(
    form: dict[str, Any], lang: str = "ko", before: ShiftCalendar | None = None
) -> ShiftCalendar:
    """The form's fields as a calendar, every refusal naming the row or line it is on. A shift's name is typed in
    the page's language; a row that keeps the saved shift's name keeps its name in the other language too."""
    old = {
        (s.label_ko if lang == "ko" else s.label_en) or s.name: s for s in (before.shifts if before else [])
    }
    shifts = []
    shift_rows = []  # the form's row of each shift kept (empty rows are left out)
    for i, row in enumerate(form["shifts"], start=1):
        if not (row["start"] or row["end"]):
            continue
        if not (row["start"] and row["end"]):
            raise _bad(
                f"shift {i}: give both its start and its end",
                f"근무조 {i}: 시작과 끝을 모두 주세요",
                f"shift_start_{i}",
            )
        breaks = []
        for part in filter(None, (p.strip() for p in row["breaks"].split(","))):
            span = _SPAN.match(part)
            if span is None:
                raise _bad(
                    f"shift {i}: break {part!r} is not a span like 12:00-13:00",
                    f"근무조 {i}: 휴식 {part!r}은(는) 12:00-13:00 같은 시간 구간이 아닙니다",
                    f"shift_breaks_{i}",
                )
            breaks.append(
                {"start": span.group(1).zfill(5), "end": span.group(2).zfill(5), "name": span.group(3) or ""}
            )  # 8:00 → 08:00
        name = row["name"].strip() or f"shift-{i}"
        kept = old.get(name)
        labels = (
            {"name": kept.name, "label_ko": kept.label_ko, "label_en": kept.label_en}
            if kept
            else {"name": name[:32], "label_ko": name, "label_en": name}
        )
        shifts.append({**labels, "start": row["start"], "end": row["end"], "breaks": breaks})
        shift_rows.append(i)
    stops = []
    stop_lines = []  # the textarea's line of each planned stop (blank lines counted)
    for n, line in enumerate(form["planned_stops"].splitlines(), start=1):
        if not line.strip():
            continue
        stop = _STOP.match(line)
        if stop is None:
            raise _bad(
                f"planned stops, line {n}: write it as 2026-12-24 08:00 ~ 2026-12-24 17:00 stock-taking",
                f"계획 정지 {n}번째 줄: 2026-12-24 08:00 ~ 2026-12-24 17:00 재고 조사 처럼 쓰세요",
                "planned_stops",
            )
        try:
            start, end = (
                datetime.strptime(stop.group(k).replace("T", " "), "%Y-%m-%d %H:%M") for k in (1, 2)
            )
        except ValueError:  # 2026-12-32, 25:00
            raise _bad(
                f"planned stops, line {n}: {line.strip()!r} holds a date or time that does not exist",
                f"계획 정지 {n}번째 줄: {line.strip()!r}에 없는 날짜나 시각이 있습니다",
                "planned_stops",
            ) from None
        code = (stop.group(3) or "").strip() or "planned"
        stops.append({"start": start, "end": end, "reason_code": code, "note": stop.group(4).strip()})
        stop_lines.append(n)
    holidays = _dates(form["holidays"], "holidays", ("holidays", "쉬는 날"))
    extra_days = _dates(
        form["extra_working_days"], "extra_working_days", ("extra working days", "추가 근무일")
    )
    data = {
        "timezone": form["timezone"].strip() or "Asia/Seoul",
        "shifts": shifts,
        "working_weekdays": form["weekdays"],
        "korean_public_holidays": form["korean_public_holidays"],
        "holidays": holidays,
        "extra_working_days": extra_days,
        "planned_stops": stops,
    }
    try:
        return ShiftCalendar.model_validate(data)
    except ValidationError as exc:
        raise _refusal(exc, shift_rows, stop_lines) from None


# a value of a shift, a break or a planned stop, as the form names it
_PARTS = {
    "start": ("start", "시작"),
    "end": ("end", "끝"),
    "name": ("name", "이름"),
    "note": ("note", "메모"),
    "reason_code": ("reason code", "사유 코드"),
}
# the calendar's own fields, as the page names them
_FIELDS = {
    "timezone": (("time zone", "시간대"), "timezone"),
    "working_weekdays": (("working days", "근무일"), "weekday"),
    "holidays": (("other days off", "그 밖의 쉬는 날"), "holidays"),
    "extra_working_days": (("extra working days", "추가 근무일"), "extra_working_days"),
}


def _refusal(exc: ValidationError, shift_rows: list[int], stop_lines: list[int]) -> InvalidInput:
    """What the calendar's model refused, named as the page shows it: a shift by its row on the form ("shift 2",
    "근무조 2"), a break by its place in the row, a planned stop by its line in the box — never the model's
    zero-based path ("shifts.0.start"); a time that is not one says so and how to write it (HH:MM)."""
    err = exc.errors()[0]
    loc = tuple(err.get("loc", ()))
    ctx = err.get("ctx") or {}
    where: tuple[str, str] | None = None
    field = ""
    rest: tuple = ()
    if len(loc) >= 2 and loc[0] == "shifts" and isinstance(loc[1], int) and loc[1] < len(shift_rows):
        row = shift_rows[loc[1]]
        where, rest = (f"shift {row}", f"근무조 {row}"), loc[2:]
        field = f"shift_{rest[0] if rest and rest[0] in ('name', 'start', 'end') else 'start'}_{row}"
        if rest[:1] == ("breaks",) and len(rest) >= 2 and isinstance(rest[1], int):
            where = (f"shift {row}, break {rest[1] + 1}", f"근무조 {row} 휴식 {rest[1] + 1}")
            field, rest = f"shift_breaks_{row}", rest[2:]
    elif len(loc) >= 2 and loc[0] == "planned_stops" and isinstance(loc[1], int) and loc[1] < len(stop_lines):
        line = stop_lines[loc[1]]
        where, rest = (f"planned stops, line {line}", f"계획 정지 {line}번째 줄"), loc[2:]
        field = "planned_stops"
    elif loc and loc[0] in _FIELDS:
        where, field = _FIELDS[str(loc[0])]
        if "ko" in ctx:  # the calendar's own sentence names the field already ("unknown time zone …")
            return _bad(english_reason(err), str(ctx["ko"]), field)
    if where is None:  # a rule of the whole calendar ("shifts 'A' and 'B' overlap"): its own sentence
        return invalid_input_from(exc)
    part = _PARTS.get(str(rest[0])) if rest else None
    if err.get("type") in ("time_parsing", "time_type") and part:
        value = str(err.get("input", ""))
        return _bad(
            f"{where[0]}: the {part[0]} {value!r} is not a time of day; write it as HH:MM, like 08:00",
            f"{where[1]}: {part[1]} {particle(repr(value), '은/는')} 시각이 아닙니다. 08:00처럼 HH:MM으로 쓰세요",
            field,
        )
    en = english_reason(err)
    ko = korean_reason(err)  # the validator's own Korean where it has one
    if part:
        en, ko = f"{part[0]} {en}", f"{part[1]}: {ko}"
    return _bad(f"{where[0]}: {en}", f"{where[1]}: {ko}", field)


def _typed(form: Any) -> dict[str, Any]:
    """The posted form as the template's fields: as many shift rows as the page had (a calendar saved through the
    API may hold more than the form's usual four)."""
    rows = {int(m.group(1)) for m in map(_ROW_FIELD.match, form.keys()) if m}
    return {
        "timezone": str(form.get("timezone", "")),
        "weekdays": sorted(int(d) for d in form.getlist("weekday") if str(d).isdigit() and int(d) < 7),
        "korean_public_holidays": form.get("korean_public_holidays") == "on",
        "shifts": [
            {k: str(form.get(f"shift_{k}_{i}", "")).strip() for k in ("name", "start", "end", "breaks")}
            for i in range(1, max(rows, default=0) + 1)
        ],
        "holidays": str(form.get("holidays", "")),
        "extra_working_days": str(form.get("extra_working_days", "")),
        "planned_stops": str(form.get("planned_stops", "")),
    }


def _page(
    page, company, form: dict[str, Any], *, error: str | None = None, status: int = 200, **more
) -> Response:
    page.crumbs.append((page.t("cal.title"), None))
    data_dir = page.settings.data_dir
    current = company_calendar(data_dir, company.id)
    return page.render(
        "calendar.html",
        status,
        company=company,
        form=form,
        error=error,
        own=has_own_calendar(data_dir, company.id),
        described=current.describe(page.lang),
        can_write=page.principal.user.role.can_write,
        presets=list(PRESETS),
        **more,
    )


@router.get("/companies/{company_id}/calendar", response_class=HTMLResponse)
def calendar_page(page: UserPage, company_id: str, preset: str = "", saved: str = "") -> Response:
    company = company_of(page, company_id)
    chosen = PRESETS.get(preset)
    calendar = chosen() if chosen else company_calendar(page.settings.data_dir, company.id)
    return _page(
        page, company, _form_of(calendar, page.lang), preset=preset if chosen else "", saved=bool(saved)
    )


@router.post("/companies/{company_id}/calendar", response_class=HTMLResponse)
async def save_calendar(request: Request, page: UserPage, company_id: str) -> Response:
    company = company_of(page, company_id)
    page.principal.require_write(company.id)
    form = _typed(await request.form())
    try:
        calendar = _calendar_of(form, page.lang, company_calendar(page.settings.data_dir, company.id))
        save_company_calendar(page.settings.data_dir, company.id, calendar)
    except InvalidInput as exc:
        return _page(page, company, form, error=exc.message(page.lang), status=422)
    audit(page.store, page.principal, company.id, "calendar.put", "calendar", calendar.describe("en"))
    return RedirectResponse(f"/companies/{company.id}/calendar?saved=1", status_code=303)


__all__ = ["router"]
