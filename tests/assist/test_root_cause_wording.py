"""The assistant's root-cause rows say what differed in the web page's words: a direction its figures show."""

from __future__ import annotations

import json

from sandan.assist.assistant import Assistant, PendingActions
from sandan.optimize.rootcause import describe
from sandan.optimize.service import root_cause_for, root_cause_window

D = "daesung-plastics"


def _assistant(world):
    return Assistant(world.store, D, world.settings, now=world.now, use_llm=False, pending=PendingActions())


def test_root_cause_rows_carry_what_differed_in_the_question_language(world):
    start, end, days = root_cause_window(world.store, D, world.now)
    found = root_cause_for(world.store, D, start, end, baseline_days=days)
    by_name = {f.name: f for f in found.factors}
    for lang in ("en", "ko"):
        step = _assistant(world).run_tool("root_cause", {}, lang)
        assert "error" not in step, step
        assert step["columns"][:3] == ["name", "kind", "differs"]
        for row in step["table"]:
            assert row["differs"] == describe(by_name[row["name"]].detail, lang) and row["differs"]
        # the language model reads the same words
        rows = json.loads(step["for_model"])["rows"]
        assert all(r["differs"] for r in rows)
        shown = step["display"]["table"]
        k = [h["key"] for h in shown["headers"]].index("differs")
        texts = [row[k]["text"] for row in shown["rows"]]
        assert all(texts) and texts[0] == step["table"][0]["differs"]
    en = _assistant(world).run_tool("root_cause", {}, "en")["table"]
    params = [r for r in en if r["kind"] == "parameter" and r["test"] != "none"]
    assert params and all(
        r["differs"].startswith(
            ("defective parts ran higher", "defective parts ran lower", "defective and good")
        )
        for r in params
    )
    # a setting's figures carry its unit (the moulders' melt temperature in °C, pressures in bar)
    tested = [
        f for f in found.factors if f.kind == "parameter" and f.detail.get("direction") in ("higher", "lower")
    ]
    assert tested and all(f.detail.get("unit") for f in tested)
    f = tested[0]
    assert all(f" {f.detail['unit']}" in describe(f.detail, lang) for lang in ("en", "ko"))
