"""Real mode: a member keeps a fifth of its rows out of training to compare the federated model with its own. By
whole lots (parts of one lot share the material), the lots held out are the ones whose rows come nearest that
fifth, with both classes where the lots allow — never a lot of most of its rows because a fold happened to be it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sandan.learn.federated import CompanyClient
from sandan.learn.federated.client import held_out_groups
from tests.learn.federated.conftest import SCHEMA


def _lots(ai4i: pd.DataFrame, sizes: list[int]) -> pd.DataFrame:
    """The first rows of AI4I 2020 as consecutive material lots of these sizes."""
    frame = ai4i.head(sum(sizes)).copy()
    frame["lot_id"] = np.repeat([f"LOT-{i:03d}" for i in range(len(sizes))], sizes)
    return frame


def test_a_member_with_one_lot_of_most_of_its_parts_holds_out_the_small_lots_not_the_big_one(ai4i):
    # the shape QA met at a moulder: one lot of 87 % of the window's parts, one of 11 %, one of 2 %
    frame = _lots(ai4i, [6970, 880, 150])
    client = CompanyClient("daesung", frame, SCHEMA, holdout=0.2, groups="lot_id")
    held = set(client._test_rows["lot_id"])
    assert held == {"LOT-001", "LOT-002"}  # 12.9 %: the nearest a fifth whole lots come
    assert client.held_out == 1030 and client.rows == 8000
    assert abs(client.held_out_share - 0.129) < 0.001 and client.groups_held_out == 2
    assert not held & (set(client._fit_rows["lot_id"]) | set(client._val_rows["lot_id"]))
    assert SCHEMA.labels(client._test_rows).sum() > 0  # both classes: failures to score the models on


def test_with_many_lots_the_held_out_part_is_a_fifth_of_the_rows_and_of_the_failures(ai4i):
    rng = np.random.default_rng(3)
    frame = _lots(ai4i, list(rng.integers(40, 400, 40)))
    client = CompanyClient("many-lots", frame, SCHEMA, holdout=0.2, groups="lot_id")
    assert abs(client.held_out_share - 0.2) <= 0.011
    assert not set(client._test_rows["lot_id"]) & set(client._fit_rows["lot_id"])
    y, test = SCHEMA.labels(frame), SCHEMA.labels(client._test_rows)
    assert abs(test.mean() - y.mean()) < 0.01  # stratified as far as whole lots allow
    # more lots than every set of them can be weighed: prefixes of seeded random orders, the same each time
    assert client.groups_held_out >= 2
    again = CompanyClient("many-lots", frame, SCHEMA, holdout=0.2, groups="lot_id")
    assert set(again._test_rows["lot_id"]) == set(client._test_rows["lot_id"])


def test_without_lots_a_stratified_fifth_of_single_rows_is_held_out(ai4i):
    client = CompanyClient("rows", ai4i.head(2000), SCHEMA, holdout=0.2)
    assert client.held_out == 400 and client.groups_held_out == 0


def test_lots_that_cannot_keep_a_fifth_out_and_failures_to_train_on_leave_it_to_single_rows(ai4i):
    # every failure in the lot of a fifth of the parts: holding it out leaves nothing to learn failures from, and
    # the other lot is four fifths of the parts — no set of whole lots will do, so single rows are held out
    frame = ai4i.head(3000).sort_values("Machine failure", kind="stable").reset_index(drop=True)
    frame["lot_id"] = np.where(np.arange(3000) < 2400, "LOT-A", "LOT-B")
    assert SCHEMA.labels(frame[frame["lot_id"] == "LOT-A"]).sum() == 0
    assert held_out_groups(SCHEMA.labels(frame), frame["lot_id"].to_numpy(), 0.2) is None
    client = CompanyClient("two-lots", frame, SCHEMA, holdout=0.2, groups="lot_id")
    assert client.held_out == 600 and client.groups_held_out == 0
    assert SCHEMA.labels(client._fit_rows).sum() >= 2


def test_the_recorded_scheme_says_what_the_members_held_out_and_names_none():
    from sandan.learn.federated.evaluation import CompanyGain
    from sandan.learn.federated.service import _held_out_scheme, held_out_words

    def gain(company: str, held_out: dict | None) -> CompanyGain:
        return CompanyGain(company, 0, 0, {}, {}, held_out=held_out)

    lots = {"rows": 2015, "of": 16201, "share": 2015 / 16201, "lots": 2}
    rows = {"rows": 609, "of": 3044, "share": 609 / 3044, "lots": 0}
    en, ko = _held_out_scheme([gain("daesung", lots), gain("dongyang", rows)])
    assert "12.4 % to 20.0 % of its rows (aimed at 20.0 %)" in en and "whole lots at 1 of 2 members" in en
    assert "12.4 %~20.0 %(목표 20.0 %)" in ko and "1곳은 로트 단위로 통째" in ko
    assert "daesung" not in en + ko and "dongyang" not in en + ko
    en, _ = _held_out_scheme([gain("a", rows), gain("b", rows)])
    assert "20.0 % of its rows (aimed at 20.0 %), by stratified single parts" in en
    # a member's own record: its rows, of how many, and how
    en, ko = held_out_words(lots)
    assert en.startswith("2,015 of its 16,201 rows (12.4 %) held out in 2 whole lots")
    assert ko.startswith("행 16,201개 중 2,015개(12.4 %)를 로트 2개 단위로 통째 보류")
    # from clients that did not say: only what was aimed at
    en, ko = _held_out_scheme([gain("a", None)])
    assert "aimed at 20.0 %" in en and "목표: 행의 20.0 %" in ko
