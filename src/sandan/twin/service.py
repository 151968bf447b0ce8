"""What the twin's web pages, API routes and assistant share: check and keep line models per company, and the job
functions that simulate a line, compare scenarios and schedule a shop — each returning the figures users see.

It owns the per-company line files and turning engine results into plain dicts; it never renders HTML or knows HTTP.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from sandan.domain import Conflict, InvalidInput, NotFound
from sandan.domain.errors import PYDANTIC_KO, english_reason
from sandan.domain.yamltext import read_yaml
from sandan.monitor.calendar import ShiftCalendar, company_calendar
from sandan.monitor.oee import CAPPED_NOTE_MARGIN
from sandan.twin import balance as bal
from sandan.twin import order_sheets, workclock
from sandan.twin import schedule as sched
from sandan.twin.design import DesignSpace, optimize_design
from sandan.twin.experiments import compare, sweep_lines
from sandan.twin.inputs import DURATION_FIELDS, DURATION_KINDS, load_json, load_yaml, parse_dist
from sandan.twin.line import LineModel, line_from_store, place_label
from sandan.twin.sim import LABELS, run_line

LINE_FOLDER = "twin_lines"
_LINE_ID = re.compile(r"^[\w][\w.\-]{0,63}$")
MAX_REPLICATIONS = 100
MAX_HOURS = 24 * 31
MAX_SCHEDULE_S = 120.0
MAX_DESIGN_TRIALS = 200
MAX_BALANCE_S = 120.0

# What a job function is handed by `sandan.jobs` (done, total, message).
JobProgress = Callable[..., None]


# ---- checking a line --------------------------------------------------------------------------------------------

# Korean for the pydantic error types a line model meets (the English comes from pydantic itself): the shared
# table, worded for a YAML file where it differs.
_KO_TYPES = {
    **PYDANTIC_KO,
    "extra_forbidden": "알 수 없는 항목입니다 (철자를 확인하세요)",
    "string_too_short": "비어 있으면 안 됩니다",
    "list_type": "목록이어야 합니다",
    "tuple_type": "목록이어야 합니다",
    "dict_type": "매핑(키: 값)이어야 합니다",
    "model_type": "매핑(키: 값)이어야 합니다",
    "model_attributes_type": "매핑(키: 값)이어야 합니다",
}

# Korean for the rules `sandan.twin.line` states in English (regex on its message → Korean template).
_KO_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"a (\w+) distribution needs (.+)"), r"\1 분포에는 \2 값이 필요합니다"),
    (re.compile(r"triangular needs low ≤ mode ≤ high"), "triangular 분포는 low ≤ mode ≤ high 여야 합니다"),
    (re.compile(r"uniform needs low ≤ high"), "uniform 분포는 low ≤ high 여야 합니다"),
    (re.compile(r"lognormal needs mean > 0"), "lognormal 분포는 mean > 0 이어야 합니다"),
    (
        re.compile(r"values must be a non-empty list"),
        "values는 0 이상의 시간으로 된 비어 있지 않은 목록이어야 합니다",
    ),
    (re.compile(r"a duration must be a number or a distribution"), "시간은 숫자나 분포여야 합니다"),
    (
        re.compile(r"working windows must be ordered.*within \[0, (.+)\]"),
        r"근무 시간대는 [0, \1] 안에서 순서대로, 겹치지 않게 적으세요",
    ),
    (re.compile(r"push release needs interarrival"), "push 투입에는 interarrival(도착 간격)이 필요합니다"),
    (re.compile(r"conwip release needs wip"), "conwip 투입에는 wip(라인 안 재공 수)이 필요합니다"),
    (re.compile(r"station ids must be unique: (.+)"), r"공정 id가 중복됩니다: \1"),
    (
        re.compile(r"product '(.+)' visits unknown station '(.+)'"),
        r"제품 '\1'의 라우팅에 없는 공정 '\2'이(가) 있습니다",
    ),
    (re.compile(r"transport refers to unknown station '(.+)'"), r"운반 경로에 없는 공정 '\1'이(가) 있습니다"),
    (
        re.compile(r"worker group '(.+)' refers to unknown station '(.+)'"),
        r"작업자 그룹 '\1'에 없는 공정 '\2'이(가) 있습니다",
    ),
    (
        re.compile(r"station '(.+)' needs a worker with skill '(.+)' but no group has it"),
        r"공정 '\1'에는 '\2' 기술을 가진 작업자가 필요하지만 그런 작업자 그룹이 없습니다",
    ),
    (
        re.compile(r"kanban release needs finite buffers .* before stations (.+)"),
        r"kanban 투입에는 공정 \1 앞에 유한한 버퍼(buffer)가 필요합니다",
    ),
]

# Where a rule of the whole line points, when pydantic reports it at the top level.
_RULE_FIELDS = [
    ("station ids must be unique", "stations"),
    ("visits unknown station", "products"),
    ("no product's routing visits", "products"),
    ("transport refers", "transports"),
    ("worker group", "workers"),
    ("needs a worker with skill", "stations"),
    ("kanban release", "release"),
]


def _ko(err: Mapping[str, Any], en: str) -> str:
    if "ko" in (err.get("ctx") or {}):  # the rule's own Korean (`domain.value_error`)
        return str(err["ctx"]["ko"])
    if err.get("type") in ("value_error", "assertion_error"):
        for pattern, template in _KO_RULES:
            if pattern.search(en):
                return pattern.sub(template, pattern.search(en).group(0))
        return f"값이 올바르지 않습니다: {en}"
    ko = _KO_TYPES.get(str(err.get("type")), "값이 올바르지 않습니다")
    ctx = err.get("ctx") or {}
    words = {"ge": "{} 이상", "gt": "{} 초과", "le": "{} 이하", "lt": "{} 미만", "expected": "허용: {}"}
    for key, template in words.items():
        if key in ctx:
            return f"{ko} ({template.format(ctx[key])})"
    return ko


def line_issues(exc: ValidationError, data: Any) -> list[dict[str, Any]]:
    """Every problem pydantic found in a line, with the field it points at, in English and Korean."""
    issues = []
    for err in exc.errors():
        loc = tuple(p for p in err.get("loc", ()) if not str(p).startswith("function-"))
        en = english_reason(err)
        field = ".".join(str(p) for p in loc)
        if not field:
            field = next((f for key, f in _RULE_FIELDS if key in en), "line")
        issues.append(
            {
                "field": field,
                "label": place_label(loc, data) if loc else field,
                "en": en,
                "ko": _ko(err, en),
            }
        )
    return issues


def parse_line(text: str) -> LineModel:
    """A line model from YAML text, or `InvalidInput` naming every problem and the field it is in
    (`where.field` is the first one, `where.errors` lists them all; YAML syntax errors give line and column)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput(
            "the line model is empty; write YAML with at least 'stations'",
            "라인 모델이 비어 있습니다. 'stations'가 있는 YAML을 쓰세요",
            code="bad_line_model",
            field="yaml",
        )
    data = load_yaml(text, "the line model", "라인 모델", field="yaml")
    if not isinstance(data, Mapping):
        raise InvalidInput(
            "the line model must be a mapping with 'stations' (e.g. 'stations: [...]')",
            "라인 모델은 'stations'를 가진 매핑이어야 합니다 (예: 'stations: [...]')",
            code="bad_line_model",
            field="yaml",
        )
    try:
        return LineModel.model_validate(data)
    except ValidationError as exc:
        issues = line_issues(exc, data)
        first, more = issues[0], len(issues) - 1
        raise InvalidInput(
            f"{first['label']}: {first['en']}" + (f" (and {more} more problem(s))" if more else ""),
            f"{first['label']}: {first['ko']}" + (f" (그 밖에 {more}개 문제)" if more else ""),
            code="bad_line_model",
            field=first["field"],
            errors=issues,
        ) from None


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def line_of_record(
    store: Any, data_dir: Path | None, company_id: str, line_id: str, **options: Any
) -> LineModel:
    """A company's real line as a twin (`line.line_from_store`), working the company's own shift calendar — what the
    page, the API and the assistant build."""
    return line_from_store(
        store, company_id, line_id, shifts=company_calendar(data_dir, company_id), **options
    )


#: The sample orders' batches (parts per order), their products and the tool change between two products (min).
SAMPLE_BATCHES = ((300, "A"), (200, "B"), (400, "A"), (250, "C"), (150, "B"), (350, "C"))
SAMPLE_CHANGE_MIN = 30


def example_orders(store: Any, company_id: str) -> str | None:
    """Sample shop orders on the company's own machines, as the scheduling page first shows them: six orders of
    three products, each on any machine of one of its lines (the lines take turns), for as long as the batch takes
    at the machine's ideal cycle time (60 s where none is known), a 30-minute tool change between products, and
    due times that leave slack: the line's earlier orders spread over its machines (a quarter longer), the order's
    own time and two tool changes; None when the company has no machine on a line."""
    lines = [ms for line in store.list_lines(company_id) if (ms := store.list_machines(company_id, line.id))]
    if not lines:
        return None
    jobs, load = [], [0] * len(lines)
    for j, (batch, product) in enumerate(SAMPLE_BATCHES):
        machines = lines[j % len(lines)]
        minutes = {m.id: max(1, round(batch * (m.ideal_cycle_time_s or 60.0) / 60)) for m in machines}
        shortest = min(minutes.values())
        ahead = load[j % len(lines)] / len(machines)  # the line's earlier orders, spread over its machines
        load[j % len(lines)] += shortest
        if len(minutes) == 1:
            ((machine, duration),) = minutes.items()
            operation: dict[str, Any] = {"machine": machine, "duration": duration}
        else:
            operation = {"alternatives": minutes}
        jobs.append(
            {
                "name": f"ORD-{j + 1:03d}",
                "family": product,
                "due": 10 * math.ceil((1.25 * ahead + shortest + 2 * SAMPLE_CHANGE_MIN) / 10),
                "operations": [operation],
            }
        )
    data = {
        "name": "sample orders / 예시 작업 지시",
        "time_unit": "min",
        "machines": [m.id for ms in lines for m in ms],
        "jobs": jobs,
        "setups": [{"from": a, "to": b, "time": SAMPLE_CHANGE_MIN} for a in "ABC" for b in "ABC" if a != b],
    }
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=110)


def line_summary(line: LineModel) -> dict[str, Any]:
    """The analytic figures of a line (no simulation): per-station capacity, the bottleneck rate r_b and raw process
    time T₀ (Hopp & Spearman, *Factory Physics*, 3rd ed., §7.2), yield and the investment figure."""
    caps = line.station_capacities()
    loads = line.visit_loads()
    slowest = min(caps, key=caps.get)
    return {
        "id": line.id,
        "name": line.name,
        "stations": [
            {
                "id": s.id,
                "name": s.name,
                "machines": s.machines,
                "buffer": s.buffer,
                "process_time_s": s.process_time.expected,
                "availability": s.availability,
                "scrap": s.scrap,
                "worker": s.worker,
                "load_s": loads[s.id],
                "capacity_per_h": _finite(caps[s.id] * 3600.0),
            }
            for s in line.stations
        ],
        "products": [p.id for p in line.products],
        "workers": [{"id": g.id, "count": g.count, "skills": list(g.skills)} for g in line.workers],
        "release": line.release.policy,
        "analytic_bottleneck": slowest,
        "bottleneck_rate_per_h": _finite(line.bottleneck_rate() * 3600.0),
        "raw_process_time_s": line.raw_process_time(),
        "yield": line.yield_per_release(),
        "cost": line.cost(),
        "run_hours": line.run_hours,
    }


# ---- keeping line models per company ----------------------------------------------------------------------------


def check_line_id(line_id: str) -> str:
    """A line id that is safe as a file name: letters (any script), digits, '_', '-', '.'; at most 64; no '..'."""
    if not isinstance(line_id, str) or not _LINE_ID.match(line_id) or ".." in line_id:
        raise InvalidInput(
            f"line id {line_id!r} cannot be saved; use letters, digits, '_', '-' or '.' (at most 64, no '..')",
            f"라인 id {line_id!r}(으)로는 저장할 수 없습니다. 글자, 숫자, '_', '-', '.'만 쓰세요 (최대 64자, '..' 불가)",
            code="bad_line_id",
            field="id",
        )
    return line_id


def _folder(data_dir: str | Path, company_id: str) -> Path:
    return Path(data_dir) / LINE_FOLDER / company_id


def line_path(data_dir: str | Path, company_id: str, line_id: str) -> Path:
    """`<data folder>/twin_lines/<company>/<line>.yaml` — until the store has a table for line models."""
    return _folder(data_dir, company_id) / f"{check_line_id(line_id)}.yaml"


def savable_line(text: str) -> LineModel:
    """The line model of YAML text that `save_line` would keep: valid, naming its id, and an id that is safe as a
    file name (`check_line_id`) — so the editor's Check says what Save would refuse."""
    line = parse_line(text)
    raw = read_yaml(text)  # parse_line has read it already, so it is YAML
    if not (isinstance(raw, dict) and str(raw.get("id") or "").strip()):
        raise InvalidInput(
            "give the line an id to save it under",
            "저장할 라인 id를 적어 주세요",
            code="no_line_id",
            field="id",
        )
    check_line_id(line.id)
    return line


def save_line(data_dir: str | Path, company_id: str, text: str, *, replace: bool = True) -> dict[str, Any]:
    """Check YAML text and keep it (as written, comments included) under the line's id. A saved line of that id is
    replaced, unless `replace` is false: then it is a Conflict (`line_exists`) that names it. The text must name
    the id: a model without one would be kept under the default id 'line', over another model without one."""
    line = savable_line(text)
    path = line_path(data_dir, company_id, line.id)
    if not replace and path.exists():
        raise Conflict(
            f"a line model {line.id!r} is saved already; allow replacing it, or give this one another id",
            f"라인 모델 {line.id!r}이(가) 이미 저장되어 있습니다. 덮어쓰기를 허락하거나 다른 id를 적으세요",
            code="line_exists",
            field="id",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return _entry(line, path)


def _entry(line: LineModel, path: Path) -> dict[str, Any]:
    return {
        "id": line.id,
        "name": line.name,
        "stations": len(line.stations),
        "machines": sum(s.machines for s in line.stations),
        "release": line.release.policy,
        "saved_at": datetime.fromtimestamp(path.stat().st_mtime, UTC),
    }


def list_lines(data_dir: str | Path, company_id: str) -> list[dict[str, Any]]:
    """The company's saved line models, by id; a file that no longer validates is listed with its problem."""
    folder = _folder(data_dir, company_id)
    out = []
    for path in sorted(folder.glob("*.yaml")) if folder.exists() else []:
        try:
            out.append(_entry(parse_line(path.read_text(encoding="utf-8")), path))
        except InvalidInput as exc:
            out.append({"id": path.stem, "name": "", "problem": {"en": exc.en, "ko": exc.ko}})
    return out


def line_text(data_dir: str | Path, company_id: str, line_id: str) -> str:
    path = line_path(data_dir, company_id, line_id)
    if not path.exists():
        raise NotFound(
            f"no saved line model {line_id!r}; save one first (POST …/twin/lines)",
            f"저장된 라인 모델 {line_id!r}이(가) 없습니다. 먼저 저장하세요",
            code="unknown_line_model",
            line_id=line_id,
        )
    return path.read_text(encoding="utf-8")


def load_line(data_dir: str | Path, company_id: str, line_id: str) -> LineModel:
    return parse_line(line_text(data_dir, company_id, line_id))


def get_line(data_dir: str | Path, company_id: str, line_id: str) -> dict[str, Any]:
    """A saved line: its YAML text as written and its analytic summary."""
    text = line_text(data_dir, company_id, line_id)
    return {"id": line_id, "yaml": text, "summary": line_summary(parse_line(text))}


def resolve_line(data_dir: str | Path, company_id: str, text: str | None, line_id: str | None) -> LineModel:
    """The line a request means: YAML text given with it, else the company's saved line `line_id`."""
    if text and text.strip():
        return parse_line(text)
    if line_id:
        return load_line(data_dir, company_id, line_id)
    raise InvalidInput(
        "give the line as 'yaml' text or the 'line_id' of a saved line model",
        "라인을 'yaml' 텍스트나 저장된 라인 모델의 'line_id'로 주세요",
        code="no_line",
        field="yaml",
    )


def delete_line(data_dir: str | Path, company_id: str, line_id: str) -> None:
    line_text(data_dir, company_id, line_id)
    line_path(data_dir, company_id, line_id).unlink()


# ---- simulation and scenarios (job functions: `fn(progress, ...)`) ------------------------------------------------


def check_run(replications: int, hours: float, warmup_hours: float, seed: int = 0) -> None:
    if not (2 <= replications <= MAX_REPLICATIONS):
        raise InvalidInput(
            f"replications must be between 2 and {MAX_REPLICATIONS} (a confidence interval needs at least 2)",
            f"반복 횟수는 2~{MAX_REPLICATIONS} 사이여야 합니다 (신뢰구간에는 2회 이상 필요)",
            code="bad_replications",
            field="replications",
        )
    if not (0 < hours <= MAX_HOURS) or not (0 <= warmup_hours < hours):
        raise InvalidInput(
            f"need 0 < hours ≤ {MAX_HOURS} and 0 ≤ warm-up < hours (got hours={hours}, warm-up={warmup_hours})",
            f"시간은 0 초과 {MAX_HOURS} 이하, 워밍업은 0 이상 시간 미만이어야 합니다 "
            f"(시간={hours}, 워밍업={warmup_hours})",
            code="bad_run_length",
            field="hours" if not 0 < hours <= MAX_HOURS else "warmup_hours",
        )
    if seed < 0:  # NumPy's seed sequences take whole numbers from 0 up
        raise InvalidInput(
            f"the seed must be a whole number from 0 up, got {seed}",
            f"난수 시드는 0 이상의 정수여야 합니다. 입력: {seed}",
            code="bad_seed",
            field="seed",
        )


def _sim_progress(progress: JobProgress | None) -> Callable[..., None] | None:
    if progress is None:
        return None

    def on(done: int, total: int, *_: Any) -> None:
        progress(done, total, (f"replication {done}/{total}", f"반복 {done}/{total}"))

    return on


def simulate_line(
    progress: JobProgress | None,
    line: LineModel,
    *,
    replications: int = 10,
    hours: float = 8.0,
    warmup_hours: float = 1.0,
    seed: int = 0,
) -> dict[str, Any]:
    """Simulate a line (`sandan.twin.sim.run_line`, serial: the server's job threads must not fork) and return its
    KPIs with 95 % confidence intervals, the bottleneck by the active-period method and the analytic summary."""
    check_run(replications, hours, warmup_hours, seed)
    if progress:
        progress(0, replications, ("starting", "시작"))
    result = run_line(
        line,
        replications=replications,
        horizon=hours * 3600.0,
        warmup=warmup_hours * 3600.0,
        seed=seed,
        progress=_sim_progress(progress),
    )
    out = _plain(result.to_dict())
    out["kind"] = "run"
    out["line_name"] = line.name
    out["summary"] = line_summary(line)
    out["yaml"] = line.to_yaml()
    return out


def parse_sweep(parameter: str, values: str) -> dict[str, list[Any]]:
    """One setting and the values to try as people type them ("stations.drill.machines", "1, 2, 3"); each value is
    read as a comparison's change is (`parse_changes`: a number, a percentage, a duration)."""
    path = (parameter or "").strip()
    typed = [v.strip() for v in (values or "").split(",") if v.strip()]
    if not path or not typed:
        raise InvalidInput(
            "give the setting to vary (e.g. stations.drill.machines) and its values separated by commas (1, 2, 3)",
            "바꿀 설정(예: stations.drill.machines)과 쉼표로 나눈 값들(1, 2, 3)을 적으세요",
            code="bad_sweep",
            field="parameter" if not path else "values",
        )
    return {path: [parse_changes(f"{path}={v}")[path] for v in typed]}


#: The most combinations a sweep simulates in one job (as many as a comparison's variants).
MAX_SWEEP = 12


def sweep_scenarios(
    base: LineModel, parameters: Mapping[str, Sequence[Any]], *, grid: bool = True
) -> dict[str, LineModel]:
    """The lines of a sweep (`sandan.twin.experiments.sweep_lines`), at most `MAX_SWEEP` besides the line itself."""
    sizes = [len(v) if isinstance(v, Sequence) and not isinstance(v, str) else 1 for v in parameters.values()]
    count = math.prod(sizes) if grid else max(sizes, default=0)
    if count > MAX_SWEEP:
        # side by side helps only when several settings vary, and each interface spells it its own way
        several = grid and len(sizes) > 1
        side_en = (
            ", or the settings' values side by side (--side-by-side on the command line, grid: false in the API)"
            if several
            else ""
        )
        side_ko = (
            " 또는 설정들의 값을 나란히 비교하세요(명령줄은 --side-by-side, API는 grid: false)"
            if several
            else ""
        )
        raise InvalidInput(
            f"the sweep would simulate {count} variants; at most {MAX_SWEEP} at once — try fewer values{side_en}",
            f"변수 훑기가 대안 {count}개를 시뮬레이션하게 됩니다. 한 번에 {MAX_SWEEP}개까지입니다 — 값을 "
            f"줄이세요{side_ko}",
            code="bad_sweep",
            field="parameters",
        )
    return sweep_lines(base, parameters, grid=grid)


def scenario_lines(base: LineModel, scenarios: Sequence[Mapping[str, Any]]) -> dict[str, LineModel]:
    """The base line plus one line per variant: `{"name", "changes": {dotted path: value}}` (see
    `LineModel.with_changes`) or `{"name", "yaml": full line}`."""
    lines: dict[str, LineModel] = {"baseline": base}
    for i, sc in enumerate(scenarios):
        name = str(sc.get("name") or f"scenario {i + 1}").strip()
        if name in lines:
            raise InvalidInput(
                f"scenario name {name!r} is used twice; give each variant its own name",
                f"시나리오 이름 {name!r}이(가) 중복됩니다. 각 대안에 다른 이름을 주세요",
                code="bad_scenario",
                field=f"scenarios.{i}.name",
            )
        if sc.get("yaml"):
            try:
                lines[name] = parse_line(str(sc["yaml"]))
            except InvalidInput as exc:  # point at the scenario's YAML, not the request's line
                exc.where["field"] = f"scenarios.{i}.{exc.where.get('field', 'yaml')}"
                raise
        elif sc.get("changes"):
            try:
                lines[name] = base.with_changes(dict(sc["changes"]))
            except InvalidInput as exc:  # say which variant: several may change the same station
                raise InvalidInput(
                    f"scenario {name!r}: {exc.en}",
                    f"시나리오 {name!r}: {exc.ko}",
                    code=exc.code,
                    **exc.where,
                ) from None
            lines[name].require_used(
                dict(sc["changes"]), (f"scenario {name!r}", f"시나리오 {name!r}"), f"scenarios.{i}.changes"
            )
        else:
            raise InvalidInput(
                f"scenario {name!r} needs 'changes' (e.g. stations.drill.machines: 2) or a full 'yaml'",
                f"시나리오 {name!r}에는 'changes'(예: stations.drill.machines: 2) 또는 전체 'yaml'이 필요합니다",
                code="bad_scenario",
                field=f"scenarios.{i}",
            )
    if len(lines) < 2:
        raise InvalidInput(
            "give at least one variant to compare with the line",
            "라인과 비교할 대안을 하나 이상 주세요",
            code="no_scenarios",
            field="scenarios",
        )
    return lines


def parse_changes(text: str) -> dict[str, Any]:
    """`stations.drill.machines=2, release.wip=8` → {path: value}; values are read as YAML scalars, and a
    duration written as in the line editor (`stations.drill.process_time=exponential 40`) as that distribution."""
    changes: dict[str, Any] = {}
    for part in (p.strip() for p in re.split(r"[,;\n]", text or "")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise InvalidInput(
                f"cannot read the change {part!r}; write path=value, e.g. stations.drill.machines=2",
                f"변경 {part!r}을(를) 읽을 수 없습니다. 경로=값 형식으로 쓰세요 (예: stations.drill.machines=2)",
                code="bad_change",
                field="changes",
            )
        first = value.strip().split()[0].lower()
        if first in DURATION_KINDS and key.strip().rsplit(".", 1)[-1] in DURATION_FIELDS:
            changes[key.strip()] = parse_dist(value, f"changes.{key.strip()}")
            continue
        percent = re.fullmatch(r"\s*([-+]?\d+(?:\.\d+)?)\s*%\s*", value)
        if percent:  # "scrap_rate=5%", as the line form writes it
            changes[key.strip()] = float(percent.group(1)) / 100
            continue
        try:
            changes[key.strip()] = read_yaml(value.strip())
        except yaml.YAMLError:
            changes[key.strip()] = value.strip()
        got = changes[key.strip()]
        if key.strip().endswith("scrap_rate") and isinstance(got, int | float) and not 0 <= got < 1:
            raise InvalidInput(
                f"{key.strip()}={value.strip()}: a scrap rate here is a share of the parts, below 1; write 0.05 or "
                "5% for 5 %",
                f"{key.strip()}={value.strip()}: 여기서 불량률은 부품 중 비율이라 1보다 작아야 합니다. 5 %는 0.05 또는 5%로 "
                "쓰세요",
                code="bad_change",
                field="changes",
            )
    return changes


def compare_lines(
    progress: JobProgress | None,
    lines: Mapping[str, LineModel],
    *,
    replications: int = 10,
    hours: float = 8.0,
    warmup_hours: float = 1.0,
    seed: int = 0,
) -> dict[str, Any]:
    """Scenarios side by side with common random numbers (`sandan.twin.experiments.compare`): per scenario the KPIs
    with confidence intervals, the paired difference to the baseline and the bottleneck. `lines` come from
    `scenario_lines` (the first is the baseline)."""
    check_run(replications, hours, warmup_hours, seed)
    if progress:
        progress(0, replications * len(lines), ("starting", "시작"))
    result = compare(
        lines,
        replications=replications,
        horizon=hours * 3600.0,
        warmup=warmup_hours * 3600.0,
        seed=seed,
        baseline=next(iter(lines)),
        backend="serial",
        progress=_sim_progress(progress),
    )
    out = _plain(result.to_dict())
    out["kind"] = "compare"
    out["line_id"] = next(iter(lines.values())).id
    out["replications"] = replications
    out["labels"] = {k: {"en": en, "ko": ko} for k, (en, ko) in LABELS.items()}
    return out


# ---- design optimisation --------------------------------------------------------------------------------------


def check_design(
    line: LineModel,
    space: Any,
    *,
    target: float | None,
    budget: float | None,
    replications: int,
    hours: float,
    warmup_hours: float,
    trials: int,
    seed: int = 0,
) -> DesignSpace:
    """Everything `optimize_line` would refuse, refused before a job starts; the space in its checked form."""
    if isinstance(space, str):
        space = load_yaml(space, "the design space", "설계 범위", field="space") or {}
    design = DesignSpace.of(space)
    design.check(line)
    if (target is None) == (budget is None):
        raise InvalidInput(
            "give exactly one of 'target' (good parts per hour to reach at least cost) or 'budget' "
            "(best throughput within this cost)",
            "'target'(최소 비용으로 도달할 시간당 양품 수) 또는 'budget'(이 비용 안에서 최대 처리량) 중 하나만 주세요",
            code="bad_design_goal",
            field="target",
        )
    if (target is not None and not target > 0) or (budget is not None and not budget >= 0):
        raise InvalidInput(
            "target must be > 0 and budget ≥ 0",
            "목표는 0보다, 예산은 0 이상이어야 합니다",
            code="bad_design_goal",
            field="target" if target is not None else "budget",
        )
    check_run(replications, hours, warmup_hours, seed)
    if not (1 <= trials <= MAX_DESIGN_TRIALS):
        raise InvalidInput(
            f"trials must be between 1 and {MAX_DESIGN_TRIALS}",
            f"시도할 설계 수는 1~{MAX_DESIGN_TRIALS} 사이여야 합니다",
            code="bad_trials",
            field="trials",
        )
    return design


def optimize_line(
    progress: JobProgress | None,
    line: LineModel,
    space: DesignSpace | Mapping[str, Any],
    *,
    target: float | None = None,
    budget: float | None = None,
    replications: int = 5,
    hours: float = 8.0,
    warmup_hours: float = 1.0,
    seed: int = 0,
    trials: int = 60,
    confidence: Literal["mean", "lower"] = "mean",
) -> dict[str, Any]:
    """Machines, staffing and buffers for a target throughput at least cost or the best throughput within a budget
    (`sandan.twin.design.optimize_design`, serial: the server's job threads must not fork): the chosen design
    with its 95 % interval, the runners-up with their paired difference, and the chosen line as YAML."""
    design = check_design(
        line,
        space,
        target=target,
        budget=budget,
        replications=replications,
        hours=hours,
        warmup_hours=warmup_hours,
        trials=trials,
        seed=seed,
    )
    total = min(trials, design.size())
    if progress:
        progress(0, total, ("starting", "시작"))

    def on(done: int, total: int, *_: Any) -> None:
        if progress:
            progress(done, total, (f"design {done}/{total}", f"설계 {done}/{total}"))

    result = optimize_design(
        line,
        design,
        target=target,
        budget=budget,
        replications=replications,
        horizon=hours * 3600.0,
        warmup=warmup_hours * 3600.0,
        seed=seed,
        n_trials=trials,
        backend="serial",
        progress=on,
        confidence=confidence,
    )
    out = _plain(result.to_dict())
    out["kind"] = "design"
    out["line_id"] = line.id
    out["line_name"] = line.name
    out["replications"] = replications
    out["hours"] = hours
    out["warmup_hours"] = warmup_hours
    out["seed"] = seed
    out["space_size"] = design.size()
    out["base"] = {"cost": line.cost(), "bound_per_h": _finite(line.bottleneck_rate() * 3600.0)}
    out["yaml"] = result.line.to_yaml() if result.line is not None else None
    return out


def _mapping_or_text(
    text: str,
    fmt: str,
    formats: tuple[str, ...],
    yaml_fmt: str,
    what: tuple[str, str],
    empty: tuple[str, str, str],
) -> Any:
    """Check `fmt` and that `text` is not empty; the parsed YAML/JSON when `fmt` is `yaml_fmt` or `auto` (None when
    `auto` text is not YAML: a plain-number format). `auto` text with "key:" was meant as YAML, so its YAML error
    stands."""
    if fmt not in formats:
        raise InvalidInput(
            f"unknown format {fmt!r}; use one of {', '.join(formats)}",
            f"알 수 없는 형식 {fmt!r}입니다. {', '.join(formats)} 중 하나를 쓰세요",
            code="bad_format",
            field="format",
        )
    if not (text or "").strip():
        raise InvalidInput(empty[0], empty[1], code=empty[2], field="text")
    if fmt not in ("auto", yaml_fmt):
        return None
    try:
        return load_yaml(text, what[0], what[1], field="text")
    except InvalidInput:
        if fmt == yaml_fmt or ":" in text:
            raise
        return None


# ---- line balancing -----------------------------------------------------------------------------------------------

BALANCE_FORMATS = ("auto", "yaml", "in2", "alb")


def parse_balance(text: str, fmt: str = "auto", name: str = "line") -> bal.LineProblem:
    """A line-balancing problem from text: tasks as YAML/JSON (`sandan.twin.balance.parse_line_problem`), Scholl's
    `.IN2` precedence-graph format or the `.alb` format of Otto et al. (2013); `auto` takes YAML when the text is a
    mapping and `.alb` when it opens with a tag such as `<number of tasks>`."""
    data = _mapping_or_text(
        text,
        fmt,
        BALANCE_FORMATS,
        "yaml",
        ("the line", "라인"),
        (
            "the line is empty; paste tasks (YAML) or a precedence graph in the .IN2 format",
            "라인이 비어 있습니다. 작업 목록(YAML)이나 .IN2 형식의 선후관계 그래프를 붙여 넣으세요",
            "empty_line_problem",
        ),
    )
    if fmt == "yaml" or isinstance(data, Mapping):
        return bal.parse_line_problem(data, name=name)
    if fmt == "alb" or (fmt == "auto" and text.lstrip().startswith("<")):
        return bal.parse_alb(text, name=name)
    return bal.parse_in2(text, name=name)


def balance_goal(
    problem: bal.LineProblem, cycle_time: int | float | None, stations: int | None
) -> tuple[int | float | None, int | None]:
    """The cycle time (in the line's unit) and stations to balance for: as asked, or, when neither is, the cycle
    time the line's file states (an `.alb` file gives one; a YAML line may, as `cycle_time`)."""
    if cycle_time is None and stations is None and problem.cycle_time:
        return problem.stated(problem.cycle_time), None
    return cycle_time, stations


def check_balance(
    problem: bal.LineProblem, *, cycle_time: int | float | None, stations: int | None, time_limit_s: float
) -> str:
    """The kind of balancing a request means (salbp1 with a cycle time, salbp2 with a number of stations), after
    refusing what cannot work before a job starts."""
    if (cycle_time is None) == (stations is None):
        raise InvalidInput(
            "give exactly one of 'cycle_time' (fewest stations, SALBP-1) or 'stations' (shortest cycle time, SALBP-2)",
            "'cycle_time'(공정 수 최소, SALBP-1) 또는 'stations'(사이클타임 최소, SALBP-2) 중 하나만 주세요",
            code="bad_balance_goal",
            field="cycle_time",
        )
    check_time_limit(time_limit_s, MAX_BALANCE_S)
    if cycle_time is not None:
        bal.check_cycle_time(cycle_time)
        if not problem.workers:
            task, longest = max(problem.task_times.items(), key=lambda kv: kv[1])
            if longest > problem.counted(cycle_time):
                raise bal.task_too_long(task, problem.stated(longest), cycle_time, problem.time_unit)
        return "salbp1"
    if stations is None or stations <= 0:
        raise InvalidInput(
            "the number of stations must be ≥ 1",
            "공정 수는 1 이상이어야 합니다",
            code="bad_stations",
            field="stations",
        )
    if problem.workers and stations > len(problem.workers):
        raise InvalidInput(
            f"{stations} stations need at least {stations} workers, the line lists {len(problem.workers)}",
            f"공정 {stations}개에는 작업자가 {stations}명 이상 필요한데 {len(problem.workers)}명입니다",
            code="bad_stations",
            field="stations",
        )
    return "salbp2"


def balance_problem(
    progress: JobProgress | None,
    problem: bal.LineProblem,
    *,
    cycle_time: int | float | None = None,
    stations: int | None = None,
    time_limit_s: float = 10.0,
    workers: int = 2,
) -> dict[str, Any]:
    """Balance a line (`sandan.twin.balance.balance_line`: branch and bound, then CP-SAT), the plan confirmed by its
    checker: stations with their tasks, loads and workers, the cycle time, the lower bound and the line efficiency."""
    kind = check_balance(problem, cycle_time=cycle_time, stations=stations, time_limit_s=time_limit_s)
    budget = max(1, math.ceil(time_limit_s))
    what = ("stations", "공정") if kind == "salbp1" else ("cycle time", "사이클타임")

    def on(elapsed: float, objective: float) -> None:
        if progress:
            progress(
                min(int(elapsed), budget),
                budget,
                f"best {what[0]} {objective:g} · 최선 {what[1]} {objective:g}",
            )

    if progress:
        progress(0, budget, ("solving", "계산 중"))
    result = bal.balance_line(
        problem,
        kind,
        cycle_time=cycle_time,
        stations=stations,
        time_limit_s=time_limit_s,
        solver_workers=workers,
        progress=on,
    )
    out = _plain(result.to_dict())
    out["kind"] = "balance"
    out["salbp"] = kind
    out["checked"] = bool(result.stations) and not result.violations
    out["tasks"] = len(problem.task_times)
    out["total_time"] = problem.stated(problem.total_time)
    out["asked_stations"] = stations
    return out


# ---- scheduling ---------------------------------------------------------------------------------------------------

SHOP_FORMATS = ("auto", "orders", "jsplib")


def parse_shop(
    text: str,
    fmt: str = "auto",
    name: str = "orders",
    *,
    start: datetime | None = None,
    calendar: ShiftCalendar | None = None,
) -> sched.ShopInstance:
    """A shop from text: shop orders as YAML/JSON (`sandan.twin.schedule.parse_shop_orders`) or the standard
    job-shop format (`parse_jsplib`); `auto` takes YAML when the text is a mapping. Due and release dates count
    in working time from `start` on `calendar` (`sandan.twin.workclock.resolve_dates`)."""
    data = _mapping_or_text(
        text,
        fmt,
        SHOP_FORMATS,
        "orders",
        ("the text of the shop orders", "작업 지시"),
        (
            "the shop is empty; paste shop orders (YAML) or a job-shop instance",
            "작업 지시가 비어 있습니다. 작업 지시(YAML)나 잡숍 인스턴스를 붙여 넣으세요",
            "empty_shop",
        ),
    )
    if fmt == "orders" or isinstance(data, Mapping):
        return _shop_from_orders(data, name, start, calendar)
    first = next(
        (ln.split() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), []
    )
    if fmt == "auto" and not (len(first) >= 2 and all(v.lstrip("-").isdigit() for v in first[:2])):
        # neither a mapping nor a job-shop instance's "jobs machines": say what either looks like
        raise InvalidInput(
            "the orders are neither shop orders (YAML or JSON with 'jobs:', as in the example) nor a job-shop "
            "instance (a first line 'jobs machines', e.g. '3 3', then one line per job)",
            "작업 지시가 작업 지시 형식(예시처럼 'jobs:'가 있는 YAML 또는 JSON)도, 잡숍 인스턴스 형식(첫 줄 '작업수 "
            "설비수', 예: '3 3', 다음 줄부터 작업마다 한 줄)도 아닙니다",
            code="bad_orders",
            field="text",
        )
    return sched.parse_jsplib(text, name=name)


def start_not_used(unit: str, *, instance: bool = False) -> dict[str, str]:
    """The note shown with a schedule whose start was given but cannot be used: its times have no unit the clock
    counts (min, h, s). One text for every interface (the web's result page, the CLI, the API); `instance` for a
    job-shop instance, whose format has no place for a unit."""
    if instance:
        said, said_ko = (
            "a job-shop instance's times have no unit",
            "잡숍 인스턴스의 작업 시간에는 단위가 없습니다",
        )
        fix = "write the jobs as shop orders (YAML) with time_unit: min, h or s"
        fix_ko = "작업을 time_unit: min, h, s 중 하나가 있는 작업 지시(YAML)로 적으세요"
    else:
        said = f"time_unit {unit!r} is not min, h or s" if unit else "the orders' times have no unit"
        said_ko = f"time_unit {unit!r}은(는) min, h, s가 아닙니다" if unit else "작업 시간에 단위가 없습니다"
        fix = "write time_unit: min, h or s in the orders (a sheet: a 'minutes' column)"
        fix_ko = "작업 지시에 time_unit: min, h, s 중 하나를 적으세요 (시트는 '분' 열)"
    return {
        "en": f"The start was not used: {said}, so the schedule cannot be put on the clock; {fix}",
        "ko": f"시작 시각을 쓰지 않았습니다: {said_ko}. 달력에 놓으려면 {fix_ko}",
    }


def with_start_note(instance: sched.ShopInstance, start: datetime | None) -> sched.ShopInstance:
    """A job-shop instance read for a schedule with a `start` someone typed (the CLI's --start): with the note that
    the start cannot be used (its times have no unit), rather than the start dropped in silence. The web page
    fills its start field in itself, so an instance pasted there is not told about a start nobody asked for."""
    if start is None or instance.time_unit in workclock.UNIT_S:
        return instance
    return replace(instance, notes=(*instance.notes, start_not_used(instance.time_unit, instance=True)))


def _shop_from_orders(
    data: Any, name: str, start: datetime | None, calendar: ShiftCalendar | None
) -> sched.ShopInstance:
    if isinstance(data, dict):
        workclock.resolve_dates(data, start, calendar or ShiftCalendar.two_shifts())
        unit = workclock.unit_of(data.get("time_unit"))
        if start is not None and unit not in workclock.UNIT_S:
            # a start given for times the clock cannot count: said, rather than dropped in silence
            data.setdefault(workclock.NOTES_KEY, []).append(start_not_used(unit))
    return sched.parse_shop_orders(data, name=name)


#: Shop orders for a company without machines on a line (the scheduling page's text, the template's rows).
EXAMPLE_ORDERS = """name: week 10
time_unit: min
machines: [LATHE, CNC1, CNC2]
jobs:
  - name: ORD-001
    due: 120
    operations:
      - {machine: LATHE, duration: 30}
      - {alternatives: {CNC1: 45, CNC2: 50}}
  - name: ORD-002
    due: 100
    operations:
      - {machine: CNC1, duration: 25}
      - {machine: LATHE, duration: 20}
  - name: ORD-003
    operations:
      - {alternatives: {CNC1: 30, CNC2: 30}}
      - {machine: LATHE, duration: 15}
"""


#: The largest shop file a page or the API takes (a year of orders as a spreadsheet is well under this).
MAX_SHOP_FILE_BYTES = 5_000_000


def parse_shop_file(
    content: bytes,
    filename: str,
    *,
    start: datetime | None = None,
    calendar: ShiftCalendar | None = None,
) -> sched.ShopInstance:
    """A shop from an uploaded file: a spreadsheet of orders (.csv, .xlsx: `sandan.twin.order_sheets`), else shop
    orders as YAML/JSON or a job-shop instance (`parse_shop`)."""
    name = Path(filename or "orders").stem or "orders"
    if len(content) > MAX_SHOP_FILE_BYTES:
        raise InvalidInput(
            f"{filename} is {len(content) / 1e6:.1f} MB; a shop file may have at most {MAX_SHOP_FILE_BYTES / 1e6:g} MB",
            f"{filename}의 크기가 {len(content) / 1e6:.1f} MB입니다. 작업 파일은 {MAX_SHOP_FILE_BYTES / 1e6:g} MB까지 받습니다",
            code="file_too_large",
            file=filename,
        )
    if Path(filename).suffix.lower() in order_sheets.SHEET_SUFFIXES or content.startswith(b"PK\x03\x04"):
        return _shop_from_orders(order_sheets.read_order_sheets(content, filename), name, start, calendar)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            f"{filename} is neither a spreadsheet (.csv, .xlsx) nor UTF-8 text (YAML, JSON, a job-shop instance)",
            f"{filename}은(는) 표(.csv, .xlsx)도 UTF-8 텍스트(YAML, JSON, 잡숍 인스턴스)도 아닙니다",
            code="bad_orders",
            file=filename,
        ) from None
    suffix, what = Path(filename).suffix.lower(), (f"the shop orders {filename}", f"작업 지시 {filename}")
    if suffix == ".json":  # a file's messages name the file, and JSON's its own syntax
        return _shop_from_orders(load_json(text, *what, file=filename), name, start, calendar)
    if suffix in (".yaml", ".yml"):
        return _shop_from_orders(load_yaml(text, *what, file=filename), name, start, calendar)
    return parse_shop(text, "auto", name, start=start, calendar=calendar)


def orders_template(store: Any, company_id: str) -> bytes:
    """An .xlsx workbook of shop orders to fill in: the company's sample orders (`example_orders`, or a generic
    sample) on an orders sheet and their tool changes on a setups sheet, as `parse_shop_file` reads them back."""
    data = read_yaml(example_orders(store, company_id) or EXAMPLE_ORDERS)
    orders, setups = order_sheets.order_sheets(data)
    return order_sheets.workbook(orders, setups)


def check_time_limit(time_limit_s: float, most: float = MAX_SCHEDULE_S) -> None:
    """Refuse a solver time limit outside (0, `most`] before a job is queued for it."""
    if not (0 < time_limit_s <= most):
        raise InvalidInput(
            f"the time limit must be between 0 and {most:g} s",
            f"계산 시간은 0초 초과 {most:g}초 이하여야 합니다",
            code="bad_time_limit",
            field="time_limit_s",
        )


def schedule_shop(
    progress: JobProgress | None,
    instance: sched.ShopInstance,
    *,
    objective: str = "makespan",
    time_limit_s: float = 10.0,
    workers: int = 2,
    start: datetime | None = None,
    calendar: ShiftCalendar | None = None,
) -> dict[str, Any]:
    """Schedule on CP-SAT (`solve_jobshop`), confirmed by the independent checker; with the Gantt chart's data.
    With a `start`, each operation also gets its start and end on the clock (`start_at`, `end_at`), counted in
    working time on `calendar` (the company's shifts)."""
    check_time_limit(time_limit_s)
    budget = max(1, math.ceil(time_limit_s))

    def on(p: sched.SolveProgress) -> None:
        if progress:
            best = "—" if p.incumbent is None else f"{p.incumbent:g}"
            progress(
                min(int(p.elapsed_s), budget),
                budget,
                f"best {best}, bound {p.bound:g} · 최선 {best}, 하한 {p.bound:g}"
                if p.bound is not None
                else f"best {best} · 최선 {best}",
            )

    if progress:
        progress(0, budget, ("solving", "계산 중"))
    result = sched.solve_jobshop(
        instance, objective=objective, time_limit_s=time_limit_s, workers=workers, progress=on
    )
    return schedule_output(instance, result, start, calendar)


def schedule_output(
    instance: sched.ShopInstance,
    result: sched.ScheduleResult,
    start: datetime | None = None,
    calendar: ShiftCalendar | None = None,
) -> dict[str, Any]:
    """A solved schedule as every interface shows it: the result, whether the checker confirmed it, the Gantt
    chart's data, the orders' notes, and with a `start` the clock times (`on_the_clock`)."""
    out = result.to_dict()
    out["kind"] = "schedule"
    out["checked"] = result.feasible
    out["gantt"] = sched.gantt(instance, result.schedule).to_dict()
    out["jobs"] = len(instance.jobs)
    out["machines"] = list(instance.machines)
    out["notes"] = [dict(n) for n in instance.notes]
    return on_the_clock(out, instance, start, calendar)


def on_the_clock(
    out: dict[str, Any], instance: sched.ShopInstance, start: datetime | None, calendar: ShiftCalendar | None
) -> dict[str, Any]:
    """A schedule's result (`ScheduleResult.to_dict`) with each operation's start and end on the clock
    (`start_at`, `end_at`, ISO in the calendar's zone) and the finish (`makespan_at`), counted in working time from
    `start` on `calendar`; unchanged without a start or for times in bare units (a job-shop instance)."""
    if start is None or instance.time_unit not in workclock.UNIT_S:
        return out
    clock = workclock.WorkClock(calendar or ShiftCalendar.two_shifts(), start, instance.time_unit)
    out["clock"] = {"start": clock.start.isoformat(), "timezone": clock.calendar.timezone}
    for op in out["schedule"]:
        op["start_at"] = clock.at(op["start"]).isoformat()
        op["end_at"] = clock.at(op["end"], ending=True).isoformat()
    if out["schedule"]:
        out["makespan_at"] = clock.at(max(op["end"] for op in out["schedule"]), ending=True).isoformat()
    if "gantt" in out:
        times = {(op["job"], op["op"]): (op["start_at"], op["end_at"]) for op in out["schedule"]}
        for bars in out["gantt"]["machines"].values():
            for bar in bars:
                bar["start_at"], bar["end_at"] = times[(bar["job"], bar["op"])]
        until = max(out["gantt"]["makespan"], 1)
        out["gantt"]["days"] = [[offset, day.isoformat()] for offset, day in clock.day_marks(until)]
        out["gantt"]["begins_at"] = clock.at(0).isoformat()
        # a tick where work stops for a break reads as the time the work before it ends at the chart's end (the
        # finish the summary gives), elsewhere as the time the work after it starts
        out["gantt"]["ticks"] = [
            [t, f"{clock.at(t, ending=t == until):%H:%M}"] for t in sched.gantt_ticks(until)
        ]
    return out


def performance_capped(result: Mapping[str, Any]) -> list[str]:
    """The stations of a run's result (`SimResult.to_dict`) whose OEE performance was capped at 1 by more than the
    dashboard's margin (`monitor.oee.CAPPED_NOTE_MARGIN`): their ideal cycle time is longer than their process time."""
    return [
        sid
        for sid, s in result["stations"].items()
        if ((s.get("performance_raw") or {}).get("mean") or 0.0) > 1.0 + CAPPED_NOTE_MARGIN
    ]


def gantt_of(result: Mapping[str, Any]) -> sched.Gantt:
    """The Gantt chart back from a schedule job's result (for drawing it)."""
    g = result["gantt"]
    return sched.Gantt(
        machines={
            m: [
                sched.GanttBar(
                    b["job"],
                    b["op"],
                    b["start"],
                    b["end"],
                    b["setup"],
                    b.get("start_at", ""),
                    b.get("end_at", ""),
                )
                for b in bars
            ]
            for m, bars in g["machines"].items()
        },
        makespan=g["makespan"],
        title=g.get("title", ""),
        time_unit=g.get("time_unit", ""),
        days=tuple((float(o), str(d)) for o, d in g.get("days", [])),
        ticks=tuple((int(o), str(c)) for o, c in g.get("ticks", [])),
        begins_at=str(g.get("begins_at") or ""),
    )


def _plain(value: Any) -> Any:
    """JSON-safe and public: NaN and infinities become None (a KPI with no observation, a half-width of one
    replication), and keys starting with "_" (an engine's internal bookkeeping) are left out."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items() if not (isinstance(k, str) and k.startswith("_"))}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
