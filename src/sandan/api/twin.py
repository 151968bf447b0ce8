"""Digital-twin routes: check and keep line models, build one from a real line's records, simulate and compare
scenarios, choose a design (machines, staff, buffers), balance a line and schedule a job shop — the long ones as
background jobs with progress. Thin: each body checks, calls `sandan.twin`.

Jobs are polled at GET …/jobs/{job_id}; their result is what `sandan.twin.service` returned.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import File, Form, Response, UploadFile
from pydantic import BaseModel, Field

from sandan.api.deps import JobsDep, ReadTenant, WriteTenant, company_router, window
from sandan.api.encode import file_response
from sandan.api.models import JobOut, Ok
from sandan.collect.export import MEDIA_TYPES, ExportFile
from sandan.monitor.calendar import company_calendar
from sandan.twin import service, workclock
from sandan.twin.line import Layout

router = company_router("twin")


# ---- shapes ---------------------------------------------------------------------------------------------------
class LineIn(BaseModel):
    yaml: str = Field(description="the line model as YAML text (see docs: stations, products, workers, …)")


class LineSource(BaseModel):
    yaml: str | None = Field(default=None, description="a line model as YAML text …")
    line_id: str | None = Field(default=None, description="… or the id of a saved line model")


RunHours = Annotated[
    float | None,
    Field(
        gt=0,
        le=service.MAX_HOURS,
        description="simulated hours per replication (default: the line's run_hours — 8, or a whole day for a "
        "line that follows a calendar, since simulation time 0 is midnight)",
    ),
]


class RunIn(LineSource):
    replications: int = Field(default=10, ge=2, le=service.MAX_REPLICATIONS)
    hours: RunHours = None
    warmup_hours: float = Field(default=1.0, ge=0, description="hours left out of the statistics")
    seed: int = Field(default=0, ge=0, description="same seed, same answer")


class ScenarioIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    changes: dict[str, Any] | None = Field(
        default=None, description="dotted paths to new values: {'stations.drill.machines': 2}"
    )
    yaml: str | None = Field(default=None, description="or a whole line model")


class CompareIn(RunIn):
    scenarios: list[ScenarioIn] = Field(min_length=1, max_length=12)


class SweepIn(RunIn):
    parameters: dict[str, list[Any]] = Field(
        min_length=1,
        description="dotted paths to the values to try: {'stations.drill.machines': [1, 2, 3]}",
    )
    grid: bool = Field(
        default=True, description="every combination (true) or the values side by side (false, equal lengths)"
    )


class FromStoreIn(BaseModel):
    start: str | None = Field(default=None, description="ISO 8601; default: 30 days before end")
    end: str | None = Field(default=None, description="ISO 8601; default: now")
    buffer: int | None = Field(
        default=10, ge=0, description="buffer places before each station (unknown to the store)"
    )
    stations: list[list[str]] | None = Field(
        default=None, description="machine ids grouped into stations in flow order (default: by `layout`)"
    )
    layout: Layout = Field(
        default="by_process",
        description="without `stations`: by_process = machines of one process are parallel machines of one "
        "station; series = each machine is its own station",
    )


class ScheduleIn(BaseModel):
    text: str = Field(description="shop orders as YAML/JSON, or a job-shop instance in the standard format")
    format: Literal["auto", "orders", "jsplib"] = "auto"
    objective: Literal["makespan", "tardiness", "weighted"] = "makespan"
    time_limit_s: float = Field(default=10.0, gt=0, le=service.MAX_SCHEDULE_S)
    name: str = Field(default="orders", max_length=100)
    start: datetime | None = Field(
        default=None,
        description="when the schedule begins: operations get their start and end on the clock, counted in working "
        "time on the company's shift calendar, and due or release dates in the orders are read on it",
    )


class DesignIn(LineSource):
    space: dict[str, Any] | str = Field(
        description="what may change, as a mapping or YAML text: machines: {station: [min, max]}, "
        "workers: {group: [min, max]}, buffers: {station: [sizes to try]}"
    )
    target: float | None = Field(default=None, description="good parts per hour to reach at least cost …")
    budget: float | None = Field(default=None, description="… or the best throughput within this cost")
    replications: int = Field(default=5, ge=2, le=service.MAX_REPLICATIONS, description="per design")
    hours: RunHours = None
    warmup_hours: float = Field(default=1.0, ge=0, description="hours left out of the statistics")
    seed: int = Field(default=0, ge=0, description="same seed, same answer")
    trials: int = Field(default=60, ge=1, le=service.MAX_DESIGN_TRIALS, description="designs to try at most")
    confidence: Literal["mean", "lower"] = Field(
        default="mean",
        description="with a target: a design reaches it by its mean throughput, or (lower) only when the lower "
        "end of its 95 % interval does",
    )


class BalanceIn(BaseModel):
    text: str = Field(
        description="tasks as YAML/JSON (tasks: [{name, time, after, skill}], workers), .IN2 or .alb text"
    )
    format: Literal["auto", "yaml", "in2", "alb"] = "auto"
    cycle_time: float | None = Field(
        default=None,
        gt=0,
        description="SALBP-1: fewest stations for this cycle time, in the line's time unit (12.5 is fine; an .alb "
        "text's own when neither is given) …",
    )
    stations: int | None = Field(
        default=None, gt=0, description="… or SALBP-2: shortest cycle time for these"
    )
    time_limit_s: float = Field(default=10.0, gt=0, le=service.MAX_BALANCE_S)
    name: str = Field(default="line", max_length=100)


class LineEntry(BaseModel):
    id: str
    name: str
    stations: int | None = None
    machines: int | None = None
    release: str | None = None
    saved_at: Any = None
    problem: dict[str, str] | None = Field(
        default=None, description="set when a saved file no longer validates"
    )


class LineOut(BaseModel):
    id: str
    yaml: str
    summary: dict[str, Any] = Field(
        description="analytic figures: capacities, bottleneck rate, raw process time"
    )


class CheckedOut(BaseModel):
    ok: bool = True
    summary: dict[str, Any]
    yaml: str = Field(description="the line as sandan reads it (defaults filled in)")


# ---- line models ------------------------------------------------------------------------------------------------
@router.post("/twin/lines/validate", response_model=CheckedOut)
def validate_line(body: LineIn, t: ReadTenant) -> dict[str, Any]:
    """Check a line model; a problem is a 422 whose `where.field` names the field and `where.errors` lists all."""
    line = service.parse_line(body.yaml)
    return {"ok": True, "summary": service.line_summary(line), "yaml": line.to_yaml()}


@router.get("/twin/lines", response_model=list[LineEntry])
def list_lines(t: ReadTenant) -> list[dict[str, Any]]:
    """The company's saved line models."""
    return service.list_lines(t.settings.data_dir, t.company_id)


@router.post("/twin/lines", response_model=LineEntry, status_code=201)
def save_line(body: LineIn, t: WriteTenant) -> dict[str, Any]:
    """Check and save a line model under its `id` (replaces a saved line of that id)."""
    return service.save_line(t.settings.data_dir, t.company_id, body.yaml)


@router.get("/twin/lines/{line_id}", response_model=LineOut)
def get_line(line_id: str, t: ReadTenant) -> dict[str, Any]:
    return service.get_line(t.settings.data_dir, t.company_id, line_id)


@router.delete("/twin/lines/{line_id}", response_model=Ok)
def delete_line(line_id: str, t: WriteTenant) -> dict[str, Any]:
    service.delete_line(t.settings.data_dir, t.company_id, line_id)
    return {"ok": True}


@router.post("/lines/{line_id}/twin", response_model=CheckedOut)
def line_from_records(line_id: str, body: FromStoreIn, t: ReadTenant) -> dict[str, Any]:
    """A line model built from a real line's machines, measured cycle times, failures and scrap (not saved)."""
    w = window(body.start, body.end, timedelta(days=30))
    line = service.line_of_record(
        t.store,
        t.settings.data_dir,
        t.company_id,
        line_id,
        start=w.start,
        end=w.end,
        stations=body.stations,
        layout=body.layout,
        buffer=body.buffer,
    )
    return {"ok": True, "summary": service.line_summary(line), "yaml": line.to_yaml()}


# ---- simulation, scenarios and scheduling as jobs ---------------------------------------------------------------
@router.post("/twin/runs", response_model=JobOut, status_code=202)
def start_run(body: RunIn, t: ReadTenant, jobs: JobsDep) -> dict[str, Any]:
    """Simulate a line in the background; the job's result holds KPIs with 95 % intervals and the bottleneck."""
    line = service.resolve_line(t.settings.data_dir, t.company_id, body.yaml, body.line_id)
    hours = body.hours or line.run_hours
    service.check_run(body.replications, hours, body.warmup_hours)
    job = jobs.submit(
        t.company_id,
        "twin.run",
        service.simulate_line,
        line,
        replications=body.replications,
        hours=hours,
        warmup_hours=body.warmup_hours,
        seed=body.seed,
        user_id=t.user_id,
        label=line.id,
    )
    return job.to_dict()


def _start_comparison(
    body: RunIn, t: ReadTenant, jobs: JobsDep, variants: Callable[[Any], dict[str, Any]]
) -> dict[str, Any]:
    """A comparison's job: the line asked for and its `variants(line)` side by side (compare and sweep)."""
    base = service.resolve_line(t.settings.data_dir, t.company_id, body.yaml, body.line_id)
    hours = body.hours or base.run_hours
    service.check_run(body.replications, hours, body.warmup_hours)
    lines = variants(base)
    job = jobs.submit(
        t.company_id,
        "twin.compare",
        service.compare_lines,
        lines,
        replications=body.replications,
        hours=hours,
        warmup_hours=body.warmup_hours,
        seed=body.seed,
        user_id=t.user_id,
        label=base.id,
    )
    return job.to_dict()


@router.post("/twin/compare", response_model=JobOut, status_code=202)
def start_compare(body: CompareIn, t: ReadTenant, jobs: JobsDep) -> dict[str, Any]:
    """Simulate the line and its variants side by side with common random numbers, in the background."""
    scenarios = [s.model_dump() for s in body.scenarios]
    return _start_comparison(body, t, jobs, lambda base: service.scenario_lines(base, scenarios))


@router.post("/twin/sweep", response_model=JobOut, status_code=202)
def start_sweep(body: SweepIn, t: ReadTenant, jobs: JobsDep) -> dict[str, Any]:
    """Simulate the line with each value (or combination of values) of the parameters, side by side with common
    random numbers, in the background; the result has the comparison's shape, one scenario per combination."""
    return _start_comparison(
        body, t, jobs, lambda base: service.sweep_scenarios(base, body.parameters, grid=body.grid)
    )


@router.post("/twin/schedule", response_model=JobOut, status_code=202)
def start_schedule(body: ScheduleIn, t: ReadTenant, jobs: JobsDep) -> dict[str, Any]:
    """Schedule a job shop on CP-SAT in the background; the result is checked and carries the Gantt data."""
    calendar = company_calendar(t.settings.data_dir, t.company_id)
    start = workclock.parse_start(body.start.isoformat() if body.start else None, calendar)
    instance = service.parse_shop(
        body.text, body.format, body.name or "orders", start=start, calendar=calendar
    )
    job = jobs.submit(
        t.company_id,
        "twin.schedule",
        service.schedule_shop,
        instance,
        objective=body.objective,
        time_limit_s=body.time_limit_s,
        start=start,
        calendar=calendar,
        user_id=t.user_id,
        label=instance.name,
    )
    return job.to_dict()


@router.post("/twin/schedule/file", response_model=JobOut, status_code=202)
def start_schedule_file(
    t: ReadTenant,
    jobs: JobsDep,
    file: Annotated[
        UploadFile, File(description="orders as .xlsx or .csv (one row per operation), or YAML/JSON")
    ],
    objective: Annotated[Literal["makespan", "tardiness", "weighted"], Form()] = "makespan",
    time_limit_s: Annotated[float, Form(gt=0, le=service.MAX_SCHEDULE_S)] = 10.0,
    start: Annotated[str | None, Form(description="when the schedule begins, e.g. 2026-12-07T08:00")] = None,
) -> dict[str, Any]:
    """Schedule the shop orders of a spreadsheet (the template's sheets: `GET …/twin/schedule/orders.xlsx`) or of a
    YAML/JSON file, as `POST …/twin/schedule` does with text."""
    content = file.file.read(service.MAX_SHOP_FILE_BYTES + 1)
    calendar = company_calendar(t.settings.data_dir, t.company_id)
    begin = workclock.parse_start(start, calendar)
    instance = service.parse_shop_file(content, file.filename or "orders", start=begin, calendar=calendar)
    job = jobs.submit(
        t.company_id,
        "twin.schedule",
        service.schedule_shop,
        instance,
        objective=objective,
        time_limit_s=time_limit_s,
        start=begin,
        calendar=calendar,
        user_id=t.user_id,
        label=instance.name,
    )
    return job.to_dict()


@router.get("/twin/schedule/orders.xlsx", response_class=Response)
def schedule_template(t: ReadTenant) -> Response:
    """A workbook of shop orders to fill in: the company's sample orders, one row per operation, and a setups
    sheet."""
    template = service.orders_template(t.store, t.company_id)
    return file_response(ExportFile(template, MEDIA_TYPES["xlsx"], "orders.xlsx"))


@router.post("/twin/design", response_model=JobOut, status_code=202)
def start_design(body: DesignIn, t: ReadTenant, jobs: JobsDep) -> dict[str, Any]:
    """Choose machine counts, staffing and buffer sizes by simulation in the background: the cheapest design that
    reaches `target`, or the best throughput within `budget`; the result has the design's 95 % interval and the
    runners-up."""
    line = service.resolve_line(t.settings.data_dir, t.company_id, body.yaml, body.line_id)
    hours = body.hours or line.run_hours
    space = service.check_design(
        line,
        body.space,
        target=body.target,
        budget=body.budget,
        replications=body.replications,
        hours=hours,
        warmup_hours=body.warmup_hours,
        trials=body.trials,
    )
    job = jobs.submit(
        t.company_id,
        "twin.design",
        service.optimize_line,
        line,
        space,
        target=body.target,
        budget=body.budget,
        replications=body.replications,
        hours=hours,
        warmup_hours=body.warmup_hours,
        seed=body.seed,
        trials=body.trials,
        confidence=body.confidence,
        user_id=t.user_id,
        label=line.id,
    )
    return job.to_dict()


@router.post("/twin/balance", response_model=JobOut, status_code=202)
def start_balance(body: BalanceIn, t: ReadTenant, jobs: JobsDep) -> dict[str, Any]:
    """Balance an assembly line in the background (branch and bound, then CP-SAT): fewest stations for `cycle_time` (SALBP-1) or the
    shortest cycle time for `stations` (SALBP-2), with workers when the line lists them; the plan is checked."""
    problem = service.parse_balance(body.text, body.format, body.name or "line")
    cycle_time, stations = service.balance_goal(problem, body.cycle_time, body.stations)
    service.check_balance(problem, cycle_time=cycle_time, stations=stations, time_limit_s=body.time_limit_s)
    job = jobs.submit(
        t.company_id,
        "twin.balance",
        service.balance_problem,
        problem,
        cycle_time=cycle_time,
        stations=stations,
        time_limit_s=body.time_limit_s,
        user_id=t.user_id,
        label=problem.name,
    )
    return job.to_dict()
