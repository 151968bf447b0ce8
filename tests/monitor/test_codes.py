"""Code tables: read from YAML or an Excel-saved CSV, with errors that say what is wrong."""

from __future__ import annotations

import pytest

from sandan.domain import InvalidInput
from sandan.monitor.codes import CodeTable, company_codes, save_company_codes


def test_a_csv_from_excel_and_the_same_table_in_yaml_agree(tmp_path):
    csv_text = "\ufeffkind,code,ko,en\nreason,SP-01,주축 과열,spindle overheating\ndefect,BR,버 발생,burr\n"
    table = CodeTable.parse(csv_text, "codes.csv")
    assert table.name("reasons", "SP-01", "ko") == "주축 과열" and table.name("defects", "BR", "en") == "burr"
    assert table.name("reasons", "BR", "en") is None  # a defect code is not a reason
    assert CodeTable.parse(table.to_yaml()) == table
    save_company_codes(tmp_path, "acme", table)
    assert company_codes(tmp_path, "acme") == table and company_codes(tmp_path, "bravo") == CodeTable()


@pytest.mark.parametrize(
    ("text", "name", "says"),
    [
        ("code,ko,en\nSP-01,a,b\n", "c.csv", "kind, code, ko, en"),
        ("kind,code,ko,en\nstop,SP-01,a,b\n", "c.csv", "line 2"),
        ("reasons:\n  SP-01: {ko: 주축 과열}\n", "c.yaml", "en"),
        ("reasons: [1, 2\n", "c.yaml", "the code table is not valid YAML (line 2)"),
        ("kind,code,ko,en\nreason, ,a,b\n", "c.csv", "invalid code table: reasons: code '' must be 1-64"),
    ],
)
def test_a_bad_table_says_what_is_wrong(text, name, says):
    with pytest.raises(InvalidInput) as err:
        CodeTable.parse(text, name)
    assert says in err.value.message("en")
    # one sentence in each language, not the parser's dump
    assert "validation error" not in err.value.message("ko") and "[type=" not in err.value.message("en")
