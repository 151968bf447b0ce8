"""Why a value was refused, in each language's words, with the bound as people write it."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError

from sandan.domain.errors import english_reason, korean_reason


class Body(BaseModel):
    item_id: int = Field(default=1, ge=0, le=9_223_372_036_854_775_807)
    emails: list[str] = Field(default_factory=list, max_length=20)
    share: float = Field(default=0.1, gt=0, le=0.5)
    cycle_s: float = Field(default=1, le=86_400)


@pytest.mark.parametrize(
    ("body", "en", "ko"),
    [
        # the Korean said "9.22337e+18 이하여야 합니다"
        ({"item_id": 10**19}, "less than or equal to 9223372036854775807", "9223372036854775807 이하"),
        # the Korean said only "항목이 너무 많습니다", without the limit the English gave
        ({"emails": ["a@b.c"] * 21}, "at most 20 items", "20개 이하여야 합니다"),
        ({"share": 0.75}, "less than or equal to 0.5", "0.5 이하여야 합니다"),
        ({"cycle_s": 1e9}, "less than or equal to 86400", "86400 이하여야 합니다"),
    ],
)
def test_a_bound_is_written_as_people_write_it_in_both_languages(body, en, ko):
    with pytest.raises(ValidationError) as refused:
        Body(**body)
    error = refused.value.errors()[0]
    assert en in english_reason(error) and ko in korean_reason(error)
