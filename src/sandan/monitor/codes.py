"""A company's code table: the names of its stop-reason codes (비가동 사유 코드) and defect codes (불량 코드), in
Korean and English.

Machines and MES send codes (`tool_breakage`, `SS-01`); people read names. Every plant keeps its own table, so the
monitor shows a code's name where the company's table has one and the code itself where it does not. The table is
kept as YAML under the data folder, beside the company's shift calendar.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow.compute as pc
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sandan.domain import InvalidInput
from sandan.domain.errors import document_error, value_error
from sandan.domain.yamltext import read_yaml

if TYPE_CHECKING:
    from sandan.store import Store

KINDS = ("reasons", "defects")


class CodeName(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ko: str = Field(min_length=1, max_length=200)
    en: str = Field(min_length=1, max_length=200)


class CodeTable(BaseModel):
    """Names by code: `reasons` for machine stops (event reason codes), `defects` for scrap (defect types)."""

    model_config = ConfigDict(extra="forbid")

    reasons: dict[str, CodeName] = Field(default_factory=dict)
    defects: dict[str, CodeName] = Field(default_factory=dict)

    @field_validator("reasons", "defects")
    @classmethod
    def _codes(cls, table: dict[str, CodeName]) -> dict[str, CodeName]:
        for code in table:
            if not code.strip() or len(code) > 64:
                raise value_error(
                    f"code {code!r} must be 1-64 characters", f"코드 {code!r}은(는) 1~64자여야 합니다"
                )
        return table

    def name(self, kind: str, code: str | None, lang: str) -> str | None:
        """The code's name in `lang` ("ko" or "en"), or None when the table does not have it."""
        found = getattr(self, kind).get(code) if code else None
        return None if found is None else (found.ko if lang == "ko" else found.en)

    def label(self, kind: str, value: str, lang: str) -> str:
        """What a person reads for a recorded value: its code's name in `lang`, or the value as recorded."""
        return self.name(kind, self.canonical(kind, value), lang) or value

    def canonical(self, kind: str, value: str | None) -> str | None:
        """The code a recorded value stands for: the value itself when it is a code or not in the table, the code
        when the value is one of the code's names (a file that wrote "균열" or "Crack" for `crack`), case and
        surrounding spaces aside."""
        if value is None or value in getattr(self, kind):
            return value
        return self._by_name(kind).get(value.strip().casefold(), value)

    def _by_name(self, kind: str) -> dict[str, str]:
        names: dict[str, str] = {}
        for code, name in sorted(getattr(self, kind).items()):
            for text in (code, name.ko, name.en):
                names.setdefault(text.strip().casefold(), code)
        return names

    def merged(self, other: CodeTable) -> CodeTable:
        """This table with `other`'s names added (`other` wins where both name a code)."""
        return CodeTable(reasons={**self.reasons, **other.reasons}, defects={**self.defects, **other.defects})

    @classmethod
    def parse(cls, text: str, filename: str = "codes.yaml") -> CodeTable:
        """A table from YAML text (`reasons:` / `defects:` mappings of code → {ko, en}) or, when `filename` ends in
        .csv, CSV text with the columns kind, code, ko, en (kind is `reason` or `defect`). The text is already decoded
        (`sandan company codes` reads UTF-8 or CP949, as Excel saves it). Errors say what is wrong, in ko/en."""
        if filename.lower().endswith(".csv"):
            return cls._from_csv(text)
        try:
            return cls.model_validate(read_yaml(text) or {})
        except (yaml.YAMLError, ValidationError) as exc:
            raise document_error(
                exc,
                ("code table", "코드표가"),
                "bad_code_table",
                (
                    "expected `reasons:` and `defects:`, each code with `ko:` and `en:`",
                    "`reasons:`와 `defects:` 아래 코드마다 `ko:`, `en:`이 필요합니다",
                ),
            ) from exc

    @classmethod
    def _from_csv(cls, text: str) -> CodeTable:
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        need = {"kind", "code", "ko", "en"}
        have = {(h or "").strip().lower() for h in (rows[0].keys() if rows else [])}
        if not rows or not need <= have:
            raise InvalidInput(
                f"a code table CSV needs the columns kind, code, ko, en (found: {', '.join(sorted(have)) or 'none'})",
                f"코드표 CSV에는 kind, code, ko, en 열이 필요합니다 (있는 열: {', '.join(sorted(have)) or '없음'})",
                code="bad_code_table",
            )
        table: dict[str, dict[str, dict[str, str]]] = {"reasons": {}, "defects": {}}
        first: dict[tuple[str, str], int] = {}
        for line, row in enumerate(rows, start=2):
            if None in row:  # csv puts cells past the header under None (a list): they were a crash
                raise InvalidInput(
                    f"line {line} has more cells than the header (kind, code, ko, en); a name with a comma needs "
                    'quotes ("Press, 2")',
                    f"{line}행의 칸이 머리글(kind, code, ko, en)보다 많습니다. 쉼표가 들어간 이름은 따옴표로 감싸세요 "
                    '("프레스, 2")',
                    code="bad_code_table",
                )
            r = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            kind = {"reason": "reasons", "reasons": "reasons", "defect": "defects", "defects": "defects"}.get(
                r["kind"].lower()
            )
            if kind is None:
                raise InvalidInput(
                    f"line {line}: kind {r['kind']!r} must be `reason` or `defect`",
                    f"{line}행: kind {r['kind']!r}은(는) `reason` 또는 `defect`여야 합니다",
                    code="bad_code_table",
                )
            if (kind, r["code"]) in first:  # the second one replaced the first without a word
                raise InvalidInput(
                    f"line {line}: code {r['code']!r} is on line {first[kind, r['code']]} already; give each code "
                    "one line",
                    f"{line}행: 코드 {r['code']!r}은(는) 이미 {first[kind, r['code']]}행에 있습니다. 코드마다 한 행만 "
                    "쓰세요",
                    code="bad_code_table",
                )
            first[kind, r["code"]] = line
            table[kind][r["code"]] = {"ko": r["ko"], "en": r["en"]}
        try:
            return cls.model_validate(table)
        except ValidationError as exc:
            raise document_error(exc, ("code table", "코드표가"), "bad_code_table") from exc

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), allow_unicode=True, sort_keys=True)


def codes_path(data_dir: Path, company_id: str) -> Path:
    """Where a company's code table is kept: `<data folder>/codes/<company>.yaml`."""
    return Path(data_dir) / "codes" / f"{company_id}.yaml"


def company_codes(data_dir: Path, company_id: str) -> CodeTable:
    """The company's code table, empty when none was saved."""
    path = codes_path(data_dir, company_id)
    return CodeTable.parse(path.read_text(encoding="utf-8")) if path.exists() else CodeTable()


def save_company_codes(data_dir: Path, company_id: str, table: CodeTable) -> Path:
    path = codes_path(data_dir, company_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(table.to_yaml(), encoding="utf-8")
    return path


def unnamed_codes(
    store: Store, company_id: str, table: CodeTable, start: datetime, end: datetime
) -> dict[str, list[tuple[str, int]]]:
    """The codes the company's records of [start, end) carry that `table` does not name, most used first: stop
    reasons of its machine events (`reasons`) and defect types of its part records (`defects`) — the names a
    person should give next."""
    events = store.query_events(company_id, start, end, ordered=False)
    parts = store.query_parts(company_id, start, end, columns=["defect_type"], ordered=False)
    out: dict[str, list[tuple[str, int]]] = {}
    for kind, column in (("reasons", events["reason_code"]), ("defects", parts["defect_type"])):
        counts = Counter(v for v in pc.drop_null(column).to_pylist() if v and v.strip())
        named = getattr(table, kind)
        out[kind] = [
            (code, n)
            for code, n in counts.most_common()
            if code not in named and table.canonical(kind, code) not in named
        ]
    return out
