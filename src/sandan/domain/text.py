"""Text files as factory PCs save them: Excel's "CSV UTF-8" (with a BOM), plain UTF-8, or a Korean Excel's CP949."""

from __future__ import annotations

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
