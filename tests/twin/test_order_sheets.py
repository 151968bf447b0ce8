"""Shop orders from a spreadsheet: one row per operation, headers in English or Korean, read into the same shop
instance the YAML form gives, with messages that name the file, the sheet and the row."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import yaml

from sandan.domain import InvalidInput
from sandan.twin import order_sheets, service
from sandan.twin import schedule as sched


def _xlsx(orders: pd.DataFrame, setups: pd.DataFrame | None = None) -> bytes:
    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="xlsxwriter") as w:
        orders.to_excel(w, sheet_name="작업지시", index=False)
        if setups is not None:
            setups.to_excel(w, sheet_name="셋업", index=False)
    return out.getvalue()


def test_the_template_reads_back_as_the_same_shop():
    data = yaml.safe_load(service.EXAMPLE_ORDERS)
    data["setups"] = [{"machine": "CNC1", "from": "ORD-001", "to": "ORD-002", "time": 7}]
    orders, setups = order_sheets.order_sheets(data)
    shop = service.parse_shop_file(order_sheets.workbook(orders, setups), "week 10.xlsx")
    want = sched.parse_shop_orders(data)
    assert shop.jobs == want.jobs and set(shop.machines) == set(want.machines)
    assert shop.setup_times == {"CNC1": {("ORD-001", "ORD-002"): 7}} and shop.time_unit == "min"
    assert shop.name == "week 10"


def test_korean_headers_in_a_cp949_csv_with_alternatives_by_step_and_job_values_on_any_row():
    text = (
        "작업,순서,설비,분,납기,품목\n"
        "A-1,1,선반,30,120,AL\n"
        "A-1,2,MC1,45,,\n"
        "A-1,2,MC2,50,,\n"  # the same job and step on another machine: either one
        "B-7,1,MC1,25,,SUS\n"
        "B-7,2,선반,20,100,\n"  # B-7's due date on its second row
    )
    shop = service.parse_shop_file(text.encode("cp949"), "주간.csv")
    a, b = shop.jobs
    assert (a.name, a.due, a.family, b.due, b.family) == ("A-1", 120, "AL", 100, "SUS")
    assert [op.alternatives for op in a.operations] == [(("선반", 30),), (("MC1", 45), ("MC2", 50))]
    assert shop.time_unit == "min" and set(shop.machines) == {"선반", "MC1", "MC2"}
    result = sched.solve_jobshop(shop, time_limit_s=5)
    assert result.feasible and sched.check_schedule(shop, result.schedule) == []


def test_without_a_step_column_each_row_is_the_next_operation_and_hours_are_the_unit():
    frame = pd.DataFrame({"Job": ["J1", "J1", "J2"], "Machine": ["M1", "M2", "M2"], "Hours": [3, 2.0, 4]})
    shop = service.parse_shop_file(_xlsx(frame), "plan.xlsx")
    assert [len(j.operations) for j in shop.jobs] == [2, 1] and shop.time_unit == "h"
    assert shop.jobs[0].operations[1].alternatives == (("M2", 2),)


def test_a_setups_sheet_gives_tool_change_times_for_one_machine_or_all():
    orders = pd.DataFrame({"작업": ["A", "B"], "설비": ["M1", "M1"], "분": [5, 5], "품목군": ["x", "y"]})
    setups = pd.DataFrame({"설비": [None, "M1"], "이전": ["y", "x"], "다음": ["x", "y"], "분": [4, 9]})
    shop = service.parse_shop_file(_xlsx(orders, setups), "s.xlsx")
    assert shop.setup_times == {"M1": {("y", "x"): 4, ("x", "y"): 9}}


@pytest.mark.parametrize(
    ("text", "says_en", "says_ko"),
    [
        ("job,machine\nA,M1\n", "missing duration", "없는 열: duration"),
        (
            "job,machine,minutes\nA,M1,30\nB,M2,4.5\n",
            "sheet orders, row 3, column minutes: the duration must be a whole number ≥ 1, got '4.5'",
            "시트 orders, 3행, minutes 열",
        ),
        (  # a decimal comma was read as 125 minutes; a comma between thousands still reads ("1,200")
            'job,machine,minutes\nA,M1,"1,200"\nB,M2,"12,5"\n',
            "sheet orders, row 3, column minutes: the duration must be a whole number ≥ 1, got '12,5'",
            "시트 orders, 3행, minutes 열",
        ),
        ("job,machine,minutes\nA,,30\n", "row 2, column machine: the machine is empty", "2행, machine 열"),
        (
            "job,machine,minutes,due\nA,M1,3,10\nA,M2,3,12\n",
            "A has due 12 here but 10 in row 2",
            "작업마다 하나",
        ),
        ("job,step,machine,minutes\nA,1,M1,3\nA,1,M1,4\n", "A step 1 is on M1 twice", "두 번"),
        ("job,machine,minutes\n", "has no rows", "행이 없습니다"),
    ],
)
def test_a_bad_sheet_names_the_row_and_what_to_do(text, says_en, says_ko):
    with pytest.raises(InvalidInput) as err:
        service.parse_shop_file(text.encode(), "orders.csv")
    assert says_en in err.value.en and says_ko in err.value.ko and err.value.en.startswith("orders.csv")


def test_every_bad_cell_of_a_workbook_is_reported_at_once_with_sheet_row_and_column():
    """A planner fixes an upload in one pass: three bad cells on two sheets are all named, not only the first."""
    orders = pd.DataFrame(
        {
            "작업": ["A", "A", "B", "C"],
            "설비": ["M1", "M2", None, "M1"],
            "분": [5, "다섯", 4, 2.5],
            "품목군": ["x", "x", "y", "y"],
        }
    )
    setups = pd.DataFrame({"설비": ["M1"], "이전": ["x"], "다음": ["y"], "분": [-1]})
    with pytest.raises(InvalidInput) as err:
        service.parse_shop_file(_xlsx(orders, setups), "week.xlsx")
    en, ko = err.value.en, err.value.ko
    assert en.startswith("week.xlsx: 4 problems: ") and ko.startswith("week.xlsx: 문제 4개: ")
    for said in (
        "sheet orders, row 3, column 분: the duration must be a whole number ≥ 1, got '다섯'",
        "sheet orders, row 4, column 설비: the machine is empty",
        "sheet orders, row 5, column 분: the duration must be a whole number ≥ 1, got '2.5'",
        "sheet setups, row 2, column 분: the setup time must be a whole number ≥ 0, got '-1'",
    ):
        assert said in en
    assert "시트 orders, 3행, 분 열: 시간은 1 이상의 정수여야 합니다" in ko
    assert "시트 setups, 2행, 분 열: 셋업 시간은 0 이상의 정수여야 합니다" in ko
    problems = err.value.where["errors"]
    assert [(p["sheet"], p["row"], p["column"]) for p in problems] == [
        ("orders", 3, "분"),
        ("orders", 4, "설비"),
        ("orders", 5, "분"),
        ("setups", 2, "분"),
    ]
    assert (err.value.where["sheet"], err.value.where["row"]) == ("orders", 3)


def test_a_sheet_with_very_many_bad_cells_spells_out_the_first_few_and_counts_the_rest():
    rows = "".join(f"J{i},M1,x{i}\n" for i in range(25))
    with pytest.raises(InvalidInput) as err:
        service.parse_shop_file(f"job,machine,minutes\n{rows}".encode(), "orders.csv")
    assert err.value.en.startswith("orders.csv: 25 problems: ")
    assert f"and {25 - order_sheets.SHOWN_PROBLEMS} more" in err.value.en and "그 밖에 15개" in err.value.ko
    assert "row 2, column minutes" in err.value.en and "row 12," not in err.value.en
    assert len(err.value.where["errors"]) == 25


def test_files_that_are_not_orders_are_refused_in_words():
    with pytest.raises(InvalidInput, match="Excel workbook"):
        service.parse_shop_file(b"PK\x03\x04 not really a zip", "orders.xlsx")
    with pytest.raises(InvalidInput, match="UTF-8 nor CP949"):
        service.parse_shop_file(b"job,machine,minutes\n\xff\xfe\xff,M1,3\n", "orders.csv")
    with pytest.raises(InvalidInput, match="at most 5 MB"):
        service.parse_shop_file(b"x" * (service.MAX_SHOP_FILE_BYTES + 1), "big.csv")
    # a YAML file goes the YAML way
    shop = service.parse_shop_file(service.EXAMPLE_ORDERS.encode(), "week.yaml")
    assert [j.name for j in shop.jobs] == ["ORD-001", "ORD-002", "ORD-003"]
