"""Text files as factory PCs save them: Excel's "CSV UTF-8" (with a BOM), plain UTF-8, or a Korean Excel's CP949;
and the names people give assets in both languages at once ("사출기 1호기 IMM 1 (150 t)")."""

from __future__ import annotations

import re
import unicodedata

from sandan.domain.errors import InvalidInput


def excel_text(raw: bytes, name: str) -> str:
    """`raw` decoded as UTF-8 (with or without BOM), else CP949; refused, naming the file, when it is neither."""
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(
        f"{name} is neither UTF-8 nor CP949 text; save it as 'CSV UTF-8' (or .xlsx)",
        f"{name}은(는) UTF-8이나 CP949 텍스트가 아닙니다. 'CSV UTF-8'(또는 .xlsx)로 저장하세요",
        code="not_text",
        file=name,
    )


def split_name(name: str) -> tuple[str, str]:
    """'사출 A라인 Injection line A' → ('사출 A라인', 'Injection line A'): English starts at the first ASCII word
    after which no Hangul follows; a bracketed note such as "(150 t)" is left out."""
    words = re.sub(r"\s*\(.*?\)\s*", " ", name).split()
    for i, w in enumerate(words):
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9.-]*", w) and not re.search(r"[가-힣]", " ".join(words[i:])):
            return " ".join(words[:i]), " ".join(words[i:])
    return " ".join(words), ""


def shown_name(name: str) -> dict[str, str]:
    """A bilingual asset name ("사출기 1호기 IMM 1 (150 t)") as each language reads it; the whole name where it has
    no part in that language."""
    ko, en = split_name(name)
    return {"ko": ko or name, "en": en or name}


def counted(n: int, noun: str) -> str:
    """A count and its English noun: "1 part", "1,204 parts" (a noun whose plural adds s)."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def in_language(text: str, lang: str) -> str:
    """A description written in both languages ("최대 캐비티 압력 / peak cavity pressure"): the half in `lang`."""
    halves = [h.strip() for h in text.split(" / ", 1)]
    if len(halves) < 2 or not all(halves):
        return text
    korean = [bool(re.search(r"[가-힣]", h)) for h in halves]
    if korean[0] == korean[1]:
        return text
    return halves[korean.index(lang == "ko")]


_NARROW = frozenset(" .,:;'!|ijlrtf()[]-")


def text_width(text: str, font_px: float) -> float:
    """About how wide `text` is drawn in a sans-serif font of `font_px`: a Hangul or other full-width character
    takes a whole em, a narrow Latin letter or punctuation a third, any other character 0.6 em. Charts drawn on
    the server size their label columns and legends with it (7.5 px a character left Korean labels overlapping)."""
    em = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            em += 1.0
        elif ch in _NARROW:
            em += 0.33
        else:
            em += 0.6
    return em * font_px


def fit_text(text: str, max_px: float, font_px: float) -> str:
    """`text` cut in the middle with an ellipsis so that it is drawn within `max_px` (its start and its end stay:
    'stations.drill.machines=3' → 'stations.dr…machines=3', where the value a sweep varies is at the end)."""
    if text_width(text, font_px) <= max_px:
        return text
    head, tail = text[: (len(text) + 1) // 2], text[(len(text) + 1) // 2 :]
    while head or tail:
        if len(tail) >= len(head):
            tail = tail[1:]
        else:
            head = head[:-1]
        cut = f"{head}…{tail}"
        if text_width(cut, font_px) <= max_px:
            return cut
    return "…"


#: A number whose commas group thousands: "1,234", "-12,345.67" (not "12,3", "1200,5" or "1.200,5").
THOUSANDS = r"^\s*[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?\s*$"


def repeated(values: list[str]) -> list[str]:
    """The values given more than once, each once, sorted (a machine, a connector name or a signal twice)."""
    return sorted({v for v in values if values.count(v) > 1})


def without_thousands(text: str) -> str:
    """`text` without its thousands separators when its commas group thousands ("1,234.5" → "1234.5"), else as it
    is: a decimal comma ("12,3") stays, for the number reader to refuse, where dropping the comma read it as 123."""
    return text.replace(",", "") if "," in text and re.match(THOUSANDS, text) else text
