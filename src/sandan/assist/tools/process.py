"""Tools over the twin's process models: a machine's current settings against the process window and machine
limits, and the one write tool — a setting-change request that waits for a person's confirmation.

Reference settings come from `ProcessModel.nominal_settings` (sandan.twin.process); limits from
`ProcessModel.machine_limits`. When sandan.optimize lands, its recommendation should replace the nominal here.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from sandan.assist.registry import MACHINE_SCHEMA, ToolContext, ToolOutput, call_citation, id_arg, plain, tool
from sandan.domain import InvalidInput
from sandan.twin.process import MODELS, ProcessModel


def model_of(ctx: ToolContext, machine_id: str) -> type[ProcessModel]:
    machine = ctx.machine(machine_id)
    model = MODELS.get(machine.family)
    if model is None:
        raise InvalidInput(
            f"no process model for the {machine.family.value} family of {machine_id}",
            f"{machine_id}의 공정({machine.family.value})에는 공정 모델이 없습니다",
            code="no_process_model",
        )
    return model


def machine_limits(ctx: ToolContext, machine_id: str) -> dict[str, tuple[float, float]]:
    """Hard limits per setting of a machine (process model), for the safety check."""
    try:
        return model_of(ctx, machine_id).machine_limits()
    except InvalidInput:
        return {}


def parameter_names(ctx: ToolContext, machine_id: str) -> dict[str, dict[str, str]]:
    """A machine's process parameters as people call them (its process model's labels; none without a model)."""
    try:
        model = model_of(ctx, machine_id)
    except InvalidInput:
        return {}
    return {p.name: {"en": p.label_en, "ko": p.label_ko} for p in model.PARAMETERS}


#: The settings table's columns as people call them.
LABELS = {
    "parameter": {"en": "Setting", "ko": "공정 조건"},
    "nominal": {"en": "Nominal", "ko": "기준"},
    "window_min": {"en": "Process window min", "ko": "공정 범위 하한"},
    "window_max": {"en": "Process window max", "ko": "공정 범위 상한"},
    "away_from_nominal": {"en": "Away from nominal", "ko": "기준 이탈"},
}


@tool(
    "process_settings",
    title=("Process settings", "공정 조건"),
    en="A machine's current process settings (latest part record) against the process window, the nominal "
    "setting and the machine limits; settings away from nominal are listed as candidates to change",
    ko="설비의 현재 공정 조건(최근 부품 기록)을 공정 범위, 기준 조건, 설비 한계와 비교; 기준에서 벗어난 조건을 변경 후보로",
    parameters={"properties": {"machine_id": MACHINE_SCHEMA}, "required": ["machine_id"]},
    calls="Store.query_parts, sandan.twin.process.ProcessModel (nominal_settings, process_window, machine_limits)",
)
def process_settings_tool(ctx: ToolContext, machine_id: str) -> ToolOutput:
    machine_id = id_arg(machine_id, "machine")
    model = model_of(ctx, machine_id)
    recent = ctx.store.query_parts(
        ctx.company_id, ctx.now - timedelta(days=7), ctx.now, [machine_id], limit=1, newest_first=True
    )
    current: dict[str, float] = {}
    if recent.num_rows:
        raw = recent.column("params")[0].as_py()
        current = json.loads(raw) if raw else {}
    rows, recs = [], []
    for p in model.PARAMETERS:
        now_value = current.get(p.name)
        # Away from nominal by more than the controller's own scatter and 2 % of the process window.
        tolerance = max(3 * p.noise_sd, 0.02 * (p.max - p.min))
        away = now_value is not None and abs(float(now_value) - p.nominal) > tolerance
        rows.append(
            {
                "parameter": p.name,
                "label_en": p.label_en,
                "label_ko": p.label_ko,
                "unit": p.unit,
                "current": now_value,
                "nominal": p.nominal,
                "window_min": p.min,
                "window_max": p.max,
                "machine_min": p.machine_min,
                "machine_max": p.machine_max,
                "away_from_nominal": away,
            }
        )
        if away:
            recs.append(
                {
                    "machine_id": machine_id,
                    "parameter": p.name,
                    "value": p.nominal,
                    "unit": p.unit,
                    "current": now_value,
                    "source": "process model nominal / 공정 모델 기준 조건",
                }
            )
    names = parameter_names(ctx, machine_id)
    listed = {
        lang: ", ".join(
            f"{names[r['parameter']][lang]} {r['current']}→{r['value']} {r['unit']}" for r in recs
        )
        or "—"
        for lang in ("en", "ko")
    }
    return ToolOutput(
        facts={"away_from_nominal": [r["parameter"] for r in recs], "model": model.__name__},
        summary={
            "en": f"Settings of {machine_id} away from the process model's nominal: {listed['en']}. "
            "Change them only after checking the work standard; a change needs a person's confirmation.",
            "ko": f"{machine_id}의 공정 모델 기준 조건에서 벗어난 설정: {listed['ko']}. "
            "작업표준을 확인한 뒤에만 바꾸세요. 변경은 담당자 확인이 필요합니다.",
        },
        table=[plain(r) for r in rows],
        columns=list(rows[0]) if rows else [],
        labels=LABELS,
        recommendations=recs,
        citations=[
            call_citation(
                "process_settings",
                "Store.query_parts",
                {"machine_ids": [machine_id], "newest_first": True, "limit": 1},
                recent.num_rows,
            ),
            call_citation(
                "process_settings",
                f"sandan.twin.process.{model.__name__}",
                {"family": model_of(ctx, machine_id).__name__},
            ),
        ],
    )


def _apply_setting_change(
    ctx: ToolContext, user_id: str, machine_id: str, parameter: str, value: float, reason: str = ""
) -> dict[str, Any]:
    """After a person confirmed: record the change request in the audit log for the line to carry out
    (sandan has no connector that writes to a machine controller)."""
    detail = json.dumps({"parameter": parameter, "value": value, "reason": reason}, ensure_ascii=False)
    ctx.store.add_audit(ctx.company_id, user_id, "assist.setting_change", machine_id, detail)
    return {"recorded": True, "machine_id": machine_id, "parameter": parameter, "value": value}


@tool(
    "request_setting_change",
    title=("Setting change request", "조건 변경 요청"),
    en="Request a change of one process setting on a machine; it is only recorded after a person confirms",
    ko="설비 공정 조건 하나의 변경 요청; 담당자가 확인해야만 기록됩니다",
    parameters={
        "properties": {
            "machine_id": MACHINE_SCHEMA,
            "parameter": {"type": "string", "description": "setting name / 조건 이름"},
            "value": {"type": "number", "description": "new value / 새 값"},
            "reason": {"type": "string", "description": "why / 이유"},
        },
        "required": ["machine_id", "parameter", "value"],
    },
    calls="sandan.twin.process.ProcessModel.check_settings, Store.add_audit (after confirmation)",
    writes=True,
    apply=_apply_setting_change,
)
def request_setting_change_tool(
    ctx: ToolContext, machine_id: str, parameter: str, value: float, reason: str = ""
) -> ToolOutput:
    machine_id = id_arg(machine_id, "machine")
    model = model_of(ctx, machine_id)
    model.check_settings({parameter: value})  # refuses anything outside the machine's limits
    p = model.parameter(parameter)
    args = {"machine_id": machine_id, "parameter": parameter, "value": float(value), "reason": reason}
    return ToolOutput(
        facts=args,
        summary={
            "en": f"Change {p.label_en} of {machine_id} to {value:g} {p.unit}: waiting for a person's confirmation",
            "ko": f"{machine_id} {p.label_ko}을(를) {value:g} {p.unit}(으)로 변경: 담당자 확인 대기 중",
        },
        pending={"tool": "request_setting_change", "arguments": args},
        citations=[call_citation("request_setting_change", "ProcessModel.check_settings", args)],
    )
