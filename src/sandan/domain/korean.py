"""Korean particles that follow the word before them: 을/를, 이/가, 은/는, 과/와, 으로/로.

The choice depends on whether the word's last syllable ends in a consonant (받침): 깊이를, 회전수를, 압력을;
으로 after a consonant except ㄹ (0.5로, 1,600으로, 온도로). Numbers are read as Sino-Korean (1 일, 0 영/십/백/천).
Where the ending cannot be told (a Latin id, a symbol), both forms are written, as Korean software does: 을(를).
"""

from __future__ import annotations

import re

_PAIRS = {"을/를": ("을", "를"), "이/가": ("이", "가"), "은/는": ("은", "는"), "과/와": ("과", "와")}
# final consonant of each digit read on its own or as the last of a number: 0 영/십/백/천 (ㅇ/ㅂ/ㄱ/ㄴ),
# 1 일 (ㄹ), 2 이, 3 삼 (ㅁ), 4 사, 5 오, 6 육 (ㄱ), 7 칠 (ㄹ), 8 팔 (ㄹ), 9 구
_DIGIT_FINAL = {
    "0": "c",
    "1": "l",
    "2": "",
    "3": "c",
    "4": "",
    "5": "",
    "6": "c",
    "7": "l",
    "8": "l",
    "9": "",
}
_RIEUL = 8  # index of ㄹ among the final consonants of a Hangul syllable
# a figure, with a short unit, in brackets at the end: "(18 mm)", "[0.5]", "（230 °C）" — not "(CNC 가공 2)"
_FIGURE_IN_BRACKETS = re.compile(r"\s*[(\[（]\s*[-+]?[\d.,]+\s*[^\s\d()\[\]（）]{0,4}\s*[)\]）]$")


def _final(word: str) -> str | None:
    """'' (ends in a vowel), 'l' (ends in ㄹ), 'c' (another consonant), None (cannot tell). A closing bracket is
    read through: "가압력 (톤수)" ends as its last word inside, 톤수; a bracket holding a figure or a unit is passed
    over, as written Korean does: "보통 수준(18 mm)" ends as 수준."""
    text = word.rstrip().strip("'\"").rstrip()
    figure = _FIGURE_IN_BRACKETS.search(text)
    if figure and figure.start() > 0:
        text = text[: figure.start()]
    text = text.rstrip().rstrip(")]）").rstrip()
    if not text:
        return None
    last = text[-1]
    if "가" <= last <= "힣":
        jong = (ord(last) - ord("가")) % 28
        return "" if jong == 0 else "l" if jong == _RIEUL else "c"
    return _DIGIT_FINAL.get(last)


def particle(word: str, pair: str) -> str:
    """`word` followed by the right one of `pair` ("을/를", "이/가", "은/는", "과/와", "으로/로")."""
    end = _final(word)
    if pair == "으로/로":
        if end is None:
            return f"{word}(으)로"
        return f"{word}{'으로' if end == 'c' else '로'}"
    with_consonant, with_vowel = _PAIRS[pair]
    if end is None:
        return f"{word}{with_consonant}({with_vowel})"
    return f"{word}{with_vowel if end == '' else with_consonant}"


__all__ = ["particle"]
