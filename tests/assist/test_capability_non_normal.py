"""The assistant's capability answer for measurements that are not normal: the percentile Ppk of ISO 22514-2 from
the fitted distribution, or the plain word that no distribution fits; for normal data the answer as before."""

from __future__ import annotations

import pytest

from sandan import monitor
from sandan.assist.assistant import Assistant, PendingActions
from sandan.twin.process import spec_limits

D = "daesung-plastics"
MACHINES = ("imm-01", "imm-02", "imm-03", "imm-04", "imm-05")


def _answers(world):
    a = Assistant(world.store, D, world.settings, now=world.now, use_llm=False, pending=PendingActions())
    for machine_id in MACHINES:
        step = a.run_tool("process_capability", {"machine_id": machine_id}, "en")
        assert "error" not in step, step
        calls = {c["arguments"]["characteristic"]: c["arguments"] for c in step["citations"]}
        for row in step["table"]:
            if not row.get("n"):
                continue
            args = calls[row["characteristic"]]
            study = monitor.capability_from_store(
                world.store, D, args["start"], args["end"], row["characteristic"],
                machine_ids=args["machine_ids"], specs=spec_limits({"injection"}),
            )  # fmt: skip
            yield step, row, study


def test_capability_answer_gives_the_percentile_ppk_where_a_distribution_fits(world):
    fitted = 0
    for step, row, study in _answers(world):
        nn = study.non_normal
        if nn is None or nn.status != "fitted":
            continue
        fitted += 1
        assert row["nn_ppk"] == pytest.approx(nn.ppk)
        assert row["nn_expected_ppm"] == pytest.approx(nn.expected_ppm, abs=0.1)
        assert f"p = {nn.fit_p:.3f}" in row["nn_distribution"]
        assert step["facts"]["non_normal"][row["characteristic"]]["distribution"] == nn.distribution
        assert (
            f"{row['characteristic']} not normal: Ppk {nn.ppk:.2f} by the percentile method"
            in step["summary"]
        )
        # the percentile Ppk, not the normal model's Cpk, decides whether it is listed as below 1.33
        assert (row["characteristic"] in step["facts"]["not_capable"]) == (nn.verdict != "capable")
        assert "nn_ppk" in step["columns"]
        assert "Ppk (percentile method)" in str(step["display"]["table"])
    assert fitted  # the virtual plant's sink depths are skewed


def test_capability_answer_says_plainly_when_no_distribution_fits(world):
    none_fits = 0
    for step, row, study in _answers(world):
        if study.non_normal is None or study.non_normal.status != "no_fit":
            continue
        none_fits += 1
        assert row["nn_ppk"] is None and row["nn_expected_ppm"] is None and row["expected_ppm"] is None
        assert row["nn_distribution"] == "none fits: observed ppm only"
        assert f"{row['characteristic']} not normal and no distribution fits" in step["summary"]
    assert none_fits  # the poor moulder's short shots


def test_capability_answer_for_normal_data_has_no_non_normal_columns(world):
    normal = 0
    for step, row, study in _answers(world):
        if study.normal is False:
            continue
        normal += 1
        assert not {k for k in row if k.startswith("nn_")}
        assert f"{row['characteristic']} Cpk {study.cpk:.2f}" in step["summary"]
    assert normal
