"""Tool over sandan.learn: which process parameters drive scrap on a machine (classifier + explanation).

It fits learn's Classifier on the part records of the window (scrap of one defect type against good parts, when
one is named) and reports its global importance; nothing else.
"""

from __future__ import annotations

from sandan.assist.registry import (
    MACHINE_SCHEMA,
    PERIOD_SCHEMA,
    ToolContext,
    ToolOutput,
    call_citation,
    frame_rows,
    id_arg,
    tool,
)
from sandan.assist.tools.process import parameter_names
from sandan.domain import InvalidInput
from sandan.learn import Classifier
from sandan.monitor.codes import company_codes
from sandan.twin.process import MODELS

#: The classifier's fit is fixed rather than timed (LightGBM's default trial, three seeds), so the same question on
#: the same parts gets the same answer however busy the server is; the budget is only a ceiling for a slow machine.
TRIALS, MEMBERS, CEILING_S = 1, 3, 30.0
LABELS = {
    "feature": {"en": "Process parameter", "ko": "공정 변수"},
    "mean_abs_contribution": {"en": "Mean |SHAP|", "ko": "평균 |SHAP|"},
    "share": {"en": "Share of importance", "ko": "중요도 비율"},
}
MAX_ROWS = 4000


@tool(
    "defect_drivers",
    title=("Defect drivers (classifier)", "불량 요인 (분류 모델)"),
    en="Which process parameters drive scrap on a machine, or one defect type of it: a defect classifier's "
    "importance (mean |SHAP|)",
    ko="설비 불량(또는 한 불량 유형)에 영향을 주는 공정 변수: 불량 분류 모델의 변수 중요도 (평균 |SHAP|)",
    parameters={
        "properties": {
            "machine_id": MACHINE_SCHEMA,
            "period": PERIOD_SCHEMA,
            "defect_type": {
                "type": "string",
                "description": "a defect code as recorded, e.g. crack / 불량 유형 코드 (없으면 모든 불량)",
            },
        },
        "required": ["machine_id"],
    },
    calls="Store.training_frame, sandan.learn.Classifier.fit, Classifier.explain().importance()",
)
def defect_drivers_tool(
    ctx: ToolContext, machine_id: str, period: str | None = None, defect_type: str | None = None
) -> ToolOutput:
    machine_id = id_arg(machine_id, "machine")
    machine = ctx.machine(machine_id)
    w = ctx.window(period)
    frame = ctx.store.training_frame(ctx.company_id, w.start, w.end, [machine_id])
    params = list(frame.attrs.get("params", []))
    scrap = {"en": "scrap", "ko": "불량"}
    if defect_type:  # parts with this defect against good parts; scrap of other kinds is neither
        codes = company_codes(ctx.settings.data_dir, ctx.company_id)
        code = codes.canonical("defects", defect_type.strip()) or defect_type
        model = MODELS.get(machine.family)
        # the defect as the company's code table names it, else as its process family does, else its code
        en, ko = (model.defect_labels() if model is not None else {}).get(code, (code, code))
        scrap = {"en": codes.name("defects", code, "en") or en, "ko": codes.name("defects", code, "ko") or ko}
        recorded = frame["defect_type"].dropna().unique()
        hit = frame["defect_type"].isin([v for v in recorded if codes.canonical("defects", v) == code])
        if not hit.any():
            seen = ", ".join(sorted(map(str, recorded)))
            raise InvalidInput(
                f"no part of {machine_id} in the window has the defect {scrap['en']!r}; its defects there: "
                + (seen or "none"),
                f"기간 안에 {machine_id}의 부품 중 불량 {scrap['ko']!r}인 것이 없습니다. 있는 불량 유형: "
                + (seen or "없음"),
                code="too_few",
            )
        frame = frame[(hit | (frame["result"] == "ok")).to_numpy()].reset_index(drop=True)
    if len(frame) > MAX_ROWS:
        frame = frame.iloc[-MAX_ROWS:].reset_index(drop=True)
    # A setting held constant in the rows learnt from carries no information (learn's guard refuses such columns):
    # judged on those rows, after the cut to the newest (a setting changed only before them is constant in them).
    params = [p for p in params if frame[p].nunique(dropna=True) > 1]
    if not params or frame["result"].nunique() < 2:
        raise InvalidInput(
            f"{machine_id} has no scrap or no process parameters in the window to learn from",
            f"{machine_id}에 기간 안에 학습할 불량 또는 공정 변수가 없습니다",
            code="too_few",
        )
    model = Classifier(
        time_budget_s=CEILING_S,
        max_trials=TRIALS,
        ensemble=MEMBERS,
        generate_features=False,
        features=params,
        n_jobs=1,
        random_state=0,
    )
    model.fit(frame[[*params, "result"]], "result")
    sample = frame[params].iloc[-min(len(frame), 1000) :]
    importance = model.explain(sample).importance()
    cols, rows = frame_rows(importance)
    top = [r["feature"] for r in rows[:3]]
    names = parameter_names(ctx, machine_id)
    named = {lang: ", ".join(names.get(f, {}).get(lang, f) for f in top) for lang in ("en", "ko")}
    args = {
        "start": w.start,
        "end": w.end,
        "machine_ids": [machine_id],
        "features": params,
        "target": "result",
    }
    if defect_type:
        args["defect_type"] = code
    return ToolOutput(
        facts={"top_parameters": top, "defect_type": code if defect_type else None},
        summary={
            "en": f"Parameters that drive {scrap['en']} on {ctx.name_of(machine_id, None, 'en')}, {w.label('en')}: "
            f"{named['en']}",
            "ko": f"{ctx.name_of(machine_id, None, 'ko')} {scrap['ko']}에 영향이 큰 공정 변수, {w.label('ko')}: "
            f"{named['ko']}",
        },
        table=rows,
        columns=cols,
        labels=LABELS,
        names={"feature": names},
        chart={
            "kind": "bar",
            "x": [r["feature"] for r in rows],
            "series": {"share": [r["share"] for r in rows]},
        },
        citations=[call_citation("defect_drivers", "sandan.learn.Classifier", args, len(frame))],
    )
