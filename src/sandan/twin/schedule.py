"""Job-shop and flexible job-shop scheduling (setups, due dates) on OR-Tools CP-SAT, with readers and a Gantt chart.

It owns the shop instance, the model, the dispatching warm start and an independent checker; no store, no interface.
"""

from __future__ import annotations

import heapq
import html
import math
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from ortools.sat.python import cp_model

from sandan.domain import InvalidInput, SandanError
from sandan.domain.errors import check_keys
from sandan.domain.korean import particle
from sandan.twin import tabu
from sandan.twin.inputs import load_json, load_yaml, read_bytes, read_text, whole
from sandan.twin.order_sheets import SHEET_SUFFIXES, read_order_sheets
from sandan.twin.workclock import UNIT_S, unit_of, unit_word

Objective = Literal["makespan", "tardiness", "weighted"]

# Stronger reasoning in the NoOverlap (disjunctive) propagator: measured on ft10, orb01, orb03, la21, la38 with
# 2 workers and 30 s, these settings turned +0.7 … +7.9 % gaps into 0 … +1.5 % and proved ft10 (benchmarks/schedule.py).
SOLVER_DEFAULTS: dict[str, Any] = {
    "use_dynamic_precedence_in_disjunctive": True,
    "use_strong_propagation_in_disjunctive": True,
    "exploit_all_precedences": True,
}
OBJECTIVES: tuple[str, ...] = ("makespan", "tardiness", "weighted")
DISPATCH_RULES: tuple[str, ...] = ("spt", "mwkr", "mor", "lpt", "edd")


# ---------------------------------------------------------------------------------------------------------------
# The shop instance
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One step of a job: it runs once, on one of its eligible machines, for that machine's duration.

    A classic job shop has one alternative per operation; a flexible job shop has several (Brucker & Schlie 1990).
    """

    alternatives: tuple[tuple[str, int], ...]

    def duration_on(self, machine: str) -> int | None:
        for name, duration in self.alternatives:
            if name == machine:
                return duration
        return None

    @property
    def min_duration(self) -> int:
        return min(d for _, d in self.alternatives)

    @property
    def max_duration(self) -> int:
        return max(d for _, d in self.alternatives)


@dataclass(frozen=True)
class Job:
    """A shop order: operations in route order, with an optional release time, due date and tardiness weight.

    `family` is the setup class of the job's operations (product, material, colour); it defaults to the job's name.
    """

    name: str
    operations: tuple[Operation, ...]
    release: int = 0
    due: int | None = None
    weight: int = 1
    family: str | None = None

    @property
    def setup_family(self) -> str:
        return self.family if self.family is not None else self.name


@dataclass(frozen=True, eq=False)
class ShopInstance:
    """Jobs, machines and sequence-dependent setup times.

    `setup_times[machine][(from_family, to_family)]` is the time the machine needs between an operation of
    `from_family` and a following one of `to_family` (anticipatory: it may run while the job is still elsewhere,
    Allahverdi et al. 2008). Pairs not listed need no setup.
    """

    name: str
    jobs: tuple[Job, ...]
    machines: tuple[str, ...]
    setup_times: Mapping[str, Mapping[tuple[str, str], int]] = field(default_factory=dict)
    time_unit: str = ""
    notes: tuple[
        Mapping[str, str], ...
    ] = ()  # remarks on how the orders were read ({"en", "ko"}), shown with the result

    def __post_init__(self) -> None:
        operations = sum(len(job.operations) for job in self.jobs)
        if operations > MAX_OPERATIONS:
            raise _bad(
                f"{self.name}: {operations:,} operations, more than the {MAX_OPERATIONS:,} one schedule takes; "
                "schedule the orders in parts (by week, or by machine group)",
                f"{self.name}: 공정이 {operations:,}개로, 한 번에 계획할 수 있는 {MAX_OPERATIONS:,}개보다 많습니다. "
                "주문을 나누어(주별로, 또는 설비 그룹별로) 계획하세요",
                code="too_large",
            )
        # The solver counts time in 64-bit integers: a plan whose every operation back to back would pass 10^12
        # time units (a typo such as 99999999999999999999) is refused here, before any job starts.
        max_setup = max((v for table in self.setup_times.values() for v in table.values()), default=0)
        span = max((job.release for job in self.jobs), default=0) + sum(
            op.max_duration + max_setup for job in self.jobs for op in job.operations
        )
        due = max((job.due or 0 for job in self.jobs), default=0)
        if max(span, due) > MAX_SPAN:
            raise _bad(
                f"{self.name}: the orders' times add up to {max(span, due):,} time units, more than {MAX_SPAN:,}; "
                "check for a mistyped duration, release or due time",
                f"{self.name}: 주문의 시간을 모두 더하면 {max(span, due):,}로 {MAX_SPAN:,}보다 큽니다. 작업 시간, "
                "투입 시각, 납기를 잘못 적지 않았는지 확인하세요",
                code="too_long",
            )

    def setup(self, machine: str, from_family: str, to_family: str) -> int:
        return self.setup_times.get(machine, {}).get((from_family, to_family), 0)

    @property
    def is_flexible(self) -> bool:
        return any(len(op.alternatives) > 1 for job in self.jobs for op in job.operations)

    @property
    def has_setups(self) -> bool:
        return any(v > 0 for table in self.setup_times.values() for v in table.values())

    @property
    def num_operations(self) -> int:
        return sum(len(job.operations) for job in self.jobs)

    def to_dict(self) -> dict[str, Any]:
        """The shop-order form `parse_shop_orders` reads back."""
        return {
            "name": self.name,
            "time_unit": self.time_unit,
            "machines": list(self.machines),
            "jobs": [
                {
                    "name": job.name,
                    "release": job.release,
                    "due": job.due,
                    "weight": job.weight,
                    "family": job.family,
                    "operations": [{"alternatives": dict(op.alternatives)} for op in job.operations],
                }
                for job in self.jobs
            ],
            "setups": [
                {"machine": machine, "from": a, "to": b, "time": t}
                for machine, table in self.setup_times.items()
                for (a, b), t in table.items()
            ],
        }


#: The longest plan, in time units, the solver is given (its integers are 64-bit; a day in seconds is 86,400).
MAX_SPAN = 10**12
#: The most operations one schedule takes: the largest published job-shop sets hold 2,000; a 1,000 × 1,000
#: instance ran 9 minutes past its 10 s limit and could not be stopped.
MAX_OPERATIONS = 50_000


def _bad(en: str, ko: str, **where: Any) -> InvalidInput:
    return InvalidInput(en, ko, **where)


def _jsplib_ko(name: str) -> str:
    """How a Korean message names a job-shop instance: by its name after a Korean word ("잡숍 인스턴스 ft06"), so
    the sentence never starts with a file name or the default English "orders"."""
    return "잡숍 인스턴스" if name in ("orders", "instance", "") else f"잡숍 인스턴스 {name}"


def parse_jsplib(text: str, name: str = "instance") -> ShopInstance:
    """Read the standard job-shop format of the OR-Library and JSPLIB.

    Lines starting with '#' are comments; the first other line is "n m"; then n lines, one job each, of m pairs
    "machine duration" with machines numbered from 0 (Beasley 1990, OR-Library `jobshop1.txt`; instances of
    Fisher & Thompson 1963, Lawrence 1984, Applegate & Cook 1991, Taillard 1993 use it). Messages name the line
    of the text (counting comments and blank lines, as an editor does).
    """
    ko_name = _jsplib_ko(name)
    rows = [
        (number, line.split())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not rows or len(rows[0][1]) < 2:
        raise _bad(
            f"{name}: the first line must be 'jobs machines'",
            f"{ko_name}: 첫 줄은 '작업수 설비수'여야 합니다",
            file=name,
        )

    def whole_numbers(number: int, row: list[str]) -> list[int]:
        values = []
        for value in row:
            try:
                values.append(int(value))
            except ValueError:
                raise _bad(
                    f"{name}, line {number}: {value!r} is not a whole number",
                    f"{ko_name}의 {number}번째 줄: {particle(repr(value), '은/는')} 정수가 아닙니다",
                    file=name,
                    line=number,
                ) from None
        return values

    n, m = whole_numbers(rows[0][0], rows[0][1][:2])
    lines = [number for number, _ in rows[1 : 1 + max(n, 0)]]
    numbers = [whole_numbers(number, row) for number, row in rows[1 : 1 + max(n, 0)]]
    if n < 1 or m < 1:
        raise _bad(
            f"{name}: the first line says {n} jobs and {m} machines; both must be at least 1",
            f"{ko_name}: 첫 줄의 작업 수 {n}, 설비 수 {m}은(는) 모두 1 이상이어야 합니다",
            file=name,
        )
    if len(numbers) < n:
        raise _bad(
            f"{name}: expected {n} job lines, found {len(numbers)}",
            f"{ko_name}: 작업 줄이 {n}개여야 하는데 {len(numbers)}개입니다",
            file=name,
        )
    jobs = []
    for j, values in enumerate(numbers):
        if len(values) != 2 * m:
            raise _bad(
                f"{name}, line {lines[j]}: job line {j + 1} has {len(values)} numbers, expected {2 * m} (machine, "
                "duration pairs)",
                f"{ko_name}의 {lines[j]}번째 줄: 작업 {j + 1}번 줄의 숫자가 {len(values)}개입니다. (설비, 시간) 쌍 "
                f"{m}개 = {2 * m}개여야 합니다",
                file=name,
                line=lines[j],
            )
        ops = []
        for k in range(m):
            machine, duration = values[2 * k], values[2 * k + 1]
            if not 0 <= machine < m or duration < 0:
                raise _bad(
                    f"{name}, line {lines[j]}: job {j + 1} operation {k + 1}: machine {machine} or duration "
                    f"{duration} out of range",
                    f"{ko_name}의 {lines[j]}번째 줄: 작업 {j + 1} 공정 {k + 1}: 설비 {machine} 또는 시간 "
                    f"{particle(str(duration), '이/가')} 범위를 벗어났습니다",
                    file=name,
                    line=lines[j],
                )
            ops.append(Operation(((f"M{machine}", duration),)))
        jobs.append(Job(name=f"J{j}", operations=tuple(ops)))
    return ShopInstance(name=name, jobs=tuple(jobs), machines=tuple(f"M{i}" for i in range(m)))


def read_jsplib(path: str | Path) -> ShopInstance:
    path = Path(path)
    return parse_jsplib(read_text(path), name=path.stem)


#: What a job of the shop orders may say (`ShopInstance.to_dict` writes them all).
JOB_KEYS = ("name", "operations", "release", "due", "weight", "family")


def parse_shop_orders(data: Mapping[str, Any], name: str = "orders") -> ShopInstance:
    """Build an instance from the shop-order form (a mapping as read from YAML or JSON).

    ```yaml
    name: 3월 1주 / week 10
    time_unit: min
    machines: [CNC1, CNC2, LATHE]
    jobs:
      - name: ORD-001
        due: 480          # optional, for the tardiness objectives
        weight: 2         # optional tardiness weight
        release: 0        # optional earliest start
        family: AL6061    # optional setup class
        operations:
          - {machine: LATHE, duration: 30}
          - {alternatives: {CNC1: 45, CNC2: 50}}   # any one of these machines
    setups:               # optional; machine omitted = every machine
      - {machine: CNC1, from: AL6061, to: SUS304, time: 20}
    ```
    """
    if not isinstance(data, Mapping):
        raise _bad(
            "shop orders must be a mapping with 'jobs'",
            "작업 지시는 'jobs'를 가진 매핑이어야 합니다",
            file=name,
        )
    raw_jobs = data.get("jobs")
    if not isinstance(raw_jobs, list) or not raw_jobs:
        raise _bad(
            "shop orders need a non-empty 'jobs' list", "'jobs' 목록이 비어 있거나 없습니다", file=name
        )
    declared = data.get("machines")
    if declared is not None and not isinstance(declared, list):
        raise _bad(
            "'machines' must be a list of machine names, e.g. [CNC1, CNC2]",
            "'machines'는 설비 이름 목록이어야 합니다 (예: [CNC1, CNC2])",
            file=name,
            field="machines",
        )
    machines: list[str] = [str(m) for m in declared] if isinstance(declared, list) else []
    jobs: list[Job] = []
    seen: set[str] = set()
    for j, raw in enumerate(raw_jobs):
        where = {"file": name, "field": f"jobs[{j}]"}
        if (
            not isinstance(raw, Mapping)
            or not isinstance(raw.get("operations"), list)
            or not raw["operations"]
        ):
            raise _bad(
                f"jobs[{j}] needs a non-empty 'operations' list",
                f"jobs[{j}]에 'operations' 목록이 필요합니다",
                **where,
            )
        check_keys(raw, JOB_KEYS, f"jobs[{j}]", code="invalid_input", file=name)  # "deu" dropped the due date
        job_name = str(raw.get("name", f"J{j}"))
        if job_name in seen:
            raise _bad(
                f"job name {job_name!r} is used twice", f"작업 이름 {job_name!r}이(가) 중복됩니다", **where
            )
        seen.add(job_name)
        ops = []
        for k, raw_op in enumerate(raw["operations"]):
            if (
                isinstance(raw_op, Mapping)
                and "alternatives" in raw_op
                and isinstance(raw_op["alternatives"], Mapping)
            ):
                alts = [(str(m), raw_op["alternatives"][m]) for m in raw_op["alternatives"]]
                if not alts:
                    raise _bad(
                        f"{job_name} operation {k + 1}: 'alternatives' is empty; list at least one machine: time",
                        f"{job_name} 공정 {k + 1}: 'alternatives'가 비어 있습니다. '설비: 시간'을 하나 이상 쓰세요",
                        **where,
                    )
            elif isinstance(raw_op, Mapping) and "machine" in raw_op and "duration" in raw_op:
                alts = [(str(raw_op["machine"]), raw_op["duration"])]
            else:
                raise _bad(
                    f"{job_name} operation {k + 1}: give 'machine' and 'duration', or 'alternatives'",
                    f"{job_name} 공정 {k + 1}: 'machine'과 'duration' 또는 'alternatives'를 지정하세요",
                    **where,
                )
            for machine, duration in alts:
                # (an order's step takes time: a 0 made a schedule of makespan 0 look 'optimal')
                if not isinstance(duration, int) or isinstance(duration, bool) or duration < 1:
                    raise _bad(
                        f"{job_name} operation {k + 1}: duration on {machine} must be a whole number ≥ 1, got {duration!r}",
                        f"{job_name} 공정 {k + 1}: {machine}의 시간은 1 이상의 정수여야 합니다 (값: {duration!r})",
                        **where,
                    )
                if machine not in machines:
                    if isinstance(declared, list):
                        raise _bad(
                            f"{job_name} operation {k + 1}: machine {machine!r} is not in 'machines'",
                            f"{job_name} 공정 {k + 1}: 설비 {machine!r}이(가) 'machines'에 없습니다",
                            **where,
                        )
                    machines.append(machine)
            ops.append(Operation(tuple(alts)))
        due = raw.get("due")
        jobs.append(
            Job(
                name=job_name,
                operations=tuple(ops),
                release=whole(
                    raw.get("release", 0) or 0, (f"{job_name} release", f"{job_name}의 투입 시각"), **where
                ),
                due=None if due is None else whole(due, (f"{job_name} due", f"{job_name}의 납기"), **where),
                weight=whole(raw.get("weight", 1), (f"{job_name} weight", f"{job_name}의 가중치"), **where),
                family=None if raw.get("family") is None else str(raw["family"]),
            )
        )
    setups: dict[str, dict[tuple[str, str], int]] = {}
    raw_setups = data.get("setups") or []
    if not isinstance(raw_setups, list):
        raise _bad(
            "'setups' must be a list of {machine, from, to, time}",
            "'setups'는 {machine, from, to, time} 항목의 목록이어야 합니다",
            file=name,
            field="setups",
        )
    for s, raw in enumerate(raw_setups):
        if not isinstance(raw, Mapping) or not {"from", "to", "time"} <= set(raw):
            raise _bad(
                f"setups[{s}] needs 'from', 'to' and 'time'",
                f"setups[{s}]에는 'from', 'to', 'time'이 필요합니다",
                file=name,
                field=f"setups[{s}]",
            )
        targets = [str(raw["machine"])] if raw.get("machine") is not None else machines
        for machine in targets:
            if machine not in machines:
                raise _bad(
                    f"setups[{s}]: unknown machine {machine!r}",
                    f"setups[{s}]: 알 수 없는 설비 {machine!r}",
                    file=name,
                    field=f"setups[{s}]",
                )
            setups.setdefault(machine, {})[(str(raw["from"]), str(raw["to"]))] = whole(
                raw["time"],
                (f"setups[{s}] time", f"셋업 {s + 1}번째의 시간"),
                file=name,
                field=f"setups[{s}]",
            )
    return ShopInstance(
        name=str(data.get("name", name)),
        jobs=tuple(jobs),
        machines=tuple(machines),
        setup_times=setups,
        time_unit=unit_of(data.get("time_unit")),
        notes=tuple(
            {"en": n["en"], "ko": n["ko"]}
            for n in data.get("_notes") or ()
            if isinstance(n, Mapping) and isinstance(n.get("en"), str) and isinstance(n.get("ko"), str)
        ),
    )


def read_shop_orders(path: str | Path) -> ShopInstance:
    """Read shop orders from a `.yaml`/`.yml` or `.json` file (see `parse_shop_orders` for the form), or from a
    spreadsheet (`.csv`, `.xlsx`: one row per operation, see `sandan.twin.order_sheets`)."""
    path = Path(path)
    if path.suffix.lower() in SHEET_SUFFIXES:
        return parse_shop_orders(read_order_sheets(read_bytes(path), path.name), name=path.stem)
    text = read_text(path)
    if path.suffix.lower() == ".json":
        data = load_json(text, f"the shop orders {path.name}", f"작업 지시 {path.name}", file=str(path))
    else:
        data = load_yaml(text, f"the shop orders {path.name}", f"작업 지시 {path.name}", file=str(path))
    return parse_shop_orders(data, name=path.stem)


# ---------------------------------------------------------------------------------------------------------------
# Schedules, the independent checker, the Gantt chart
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduledOp:
    """Operation `op` (0-based route position) of `job` runs on `machine` over [start, end); `setup` is the
    changeover the machine does just before it."""

    job: str
    op: int
    machine: str
    start: int
    end: int
    setup: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "op": self.op,
            "machine": self.machine,
            "start": self.start,
            "end": self.end,
            "setup": self.setup,
        }


@dataclass(frozen=True)
class Violation:
    """One broken rule of a schedule, in words."""

    kind: str  # missing, duplicate, unknown, eligibility, duration, release, precedence, capacity, setup
    en: str
    ko: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "en": self.en, "ko": self.ko}


def check_schedule(instance: ShopInstance, schedule: Iterable[ScheduledOp]) -> list[Violation]:
    """Every rule `schedule` breaks: each operation exactly once, on an eligible machine, for its duration, after
    its release and its predecessor; on each machine no two operations overlap and consecutive ones leave room
    for the setup. Empty list = feasible.

    Deliberately shares nothing with the CP-SAT model, so a modelling error cannot hide itself.
    """
    out: list[Violation] = []
    jobs = {job.name: job for job in instance.jobs}
    placed: dict[tuple[str, int], ScheduledOp] = {}
    for s in schedule:
        key = (s.job, s.op)
        label = f"{s.job}#{s.op + 1}"
        job = jobs.get(s.job)
        if job is None or not 0 <= s.op < len(job.operations):
            out.append(
                Violation(
                    "unknown", f"{label} is not an operation of this shop", f"{label}은(는) 없는 공정입니다"
                )
            )
            continue
        if key in placed:
            out.append(
                Violation("duplicate", f"{label} is scheduled twice", f"{label}이(가) 두 번 배정되었습니다")
            )
            continue
        placed[key] = s
        duration = job.operations[s.op].duration_on(s.machine)
        if duration is None:
            out.append(
                Violation(
                    "eligibility",
                    f"{label} cannot run on {s.machine}",
                    f"{label}은(는) {s.machine}에서 가공할 수 없습니다",
                )
            )
        elif s.end - s.start != duration:
            out.append(
                Violation(
                    "duration",
                    f"{label} on {s.machine} lasts {s.end - s.start}, it needs {duration}",
                    f"{label}의 {s.machine} 가공시간이 {s.end - s.start}인데 {duration}이어야 합니다",
                )
            )
        if s.op == 0 and s.start < job.release:
            out.append(
                Violation(
                    "release",
                    f"{label} starts at {s.start}, before its release {job.release}",
                    f"{label}이(가) 투입 가능 시각 {job.release}보다 이른 {s.start}에 시작합니다",
                )
            )
    for job in instance.jobs:
        for k in range(len(job.operations)):
            if (job.name, k) not in placed:
                out.append(
                    Violation(
                        "missing",
                        f"{job.name}#{k + 1} is not scheduled",
                        f"{job.name}#{k + 1}이(가) 배정되지 않았습니다",
                    )
                )
            elif k > 0 and (job.name, k - 1) in placed:
                before, after = placed[(job.name, k - 1)], placed[(job.name, k)]
                if after.start < before.end:
                    out.append(
                        Violation(
                            "precedence",
                            f"{job.name}#{k + 1} starts at {after.start} before {job.name}#{k} ends at {before.end}",
                            f"{job.name}#{k + 1}이(가) {job.name}#{k} 종료({before.end}) 전인 {after.start}에 시작합니다",
                        )
                    )
    by_machine: dict[str, list[ScheduledOp]] = {}
    for s in placed.values():
        by_machine.setdefault(s.machine, []).append(s)
    for machine, ops in by_machine.items():
        ops.sort(key=lambda s: (s.start, s.end))
        # All pairs, not only neighbours: one long operation can overlap several later ones.
        for i, a in enumerate(ops):
            for b in ops[i + 1 :]:
                if b.start >= a.end:
                    break
                if (
                    min(a.end, b.end) > b.start
                ):  # a positive common length; zero-length operations never clash
                    out.append(
                        Violation(
                            "capacity",
                            f"{machine}: {a.job}#{a.op + 1} [{a.start}, {a.end}) and {b.job}#{b.op + 1} "
                            f"[{b.start}, {b.end}) overlap",
                            f"{machine}: {a.job}#{a.op + 1} [{a.start}, {a.end})와 {b.job}#{b.op + 1} "
                            f"[{b.start}, {b.end})이(가) 겹칩니다",
                        )
                    )
        for a, b in zip(ops, ops[1:], strict=False):
            if b.start < a.end:
                continue  # already reported as overlap
            need = instance.setup(machine, jobs[a.job].setup_family, jobs[b.job].setup_family)
            if b.start - a.end < need:
                out.append(
                    Violation(
                        "setup",
                        f"{machine}: only {b.start - a.end} between {a.job}#{a.op + 1} and {b.job}#{b.op + 1}, "
                        f"the setup needs {need}",
                        f"{machine}: {a.job}#{a.op + 1}와 {b.job}#{b.op + 1} 사이가 {b.start - a.end}인데 "
                        f"준비교체(셋업)에 {need}이(가) 필요합니다",
                    )
                )
    return out


def schedule_makespan(schedule: Iterable[ScheduledOp]) -> int:
    return max((s.end for s in schedule), default=0)


def schedule_tardiness(instance: ShopInstance, schedule: Iterable[ScheduledOp]) -> int:
    """Total weighted tardiness: sum over jobs of weight × max(0, completion − due)."""
    completion: dict[str, int] = {}
    for s in schedule:
        completion[s.job] = max(completion.get(s.job, 0), s.end)
    return sum(
        job.weight * max(0, completion.get(job.name, 0) - job.due)
        for job in instance.jobs
        if job.due is not None
    )


def _with_setups(instance: ShopInstance, schedule: Iterable[ScheduledOp]) -> list[ScheduledOp]:
    """The same schedule with each operation's `setup` set from its predecessor on the machine."""
    families = {job.name: job.setup_family for job in instance.jobs}
    out: list[ScheduledOp] = []
    by_machine: dict[str, list[ScheduledOp]] = {}
    for s in schedule:
        by_machine.setdefault(s.machine, []).append(s)
    for machine, ops in by_machine.items():
        ops.sort(key=lambda s: (s.start, s.end))
        prev: ScheduledOp | None = None
        for s in ops:
            setup = 0 if prev is None else instance.setup(machine, families[prev.job], families[s.job])
            out.append(ScheduledOp(s.job, s.op, s.machine, s.start, s.end, setup))
            prev = s
    out.sort(key=lambda s: (s.start, s.machine))
    return out


@dataclass(frozen=True)
class GanttBar:
    job: str
    op: int
    start: int
    end: int
    setup: int
    start_at: str = ""  # on the clock (ISO), when the schedule has a start on a shift calendar
    end_at: str = ""


@dataclass(frozen=True)
class Gantt:
    """Per machine, its operations in time order: the data behind a Gantt chart."""

    machines: dict[str, list[GanttBar]]
    makespan: int
    title: str = ""
    time_unit: str = ""
    # on the clock: where each day's work begins, in the chart's working time, with its date (ISO); and the axis
    # ticks (`gantt_ticks`) with the clock time each stands for ("08:30")
    days: tuple[tuple[float, str], ...] = ()
    ticks: tuple[tuple[float, str], ...] = ()
    begins_at: str = ""  # on the clock: the instant work begins (ISO), at the chart's 0

    def to_dict(self) -> dict[str, Any]:
        def bar(b: GanttBar) -> dict[str, Any]:
            out = {"job": b.job, "op": b.op, "start": b.start, "end": b.end, "setup": b.setup}
            return {**out, "start_at": b.start_at, "end_at": b.end_at} if b.start_at else out

        return {
            "title": self.title,
            "time_unit": self.time_unit,
            "makespan": self.makespan,
            "machines": {m: [bar(b) for b in bars] for m, bars in self.machines.items()},
            **({"days": [list(d) for d in self.days]} if self.days else {}),
            **({"ticks": [list(t) for t in self.ticks]} if self.ticks else {}),
            **({"begins_at": self.begins_at} if self.begins_at else {}),
        }


def gantt(instance: ShopInstance, schedule: Iterable[ScheduledOp]) -> Gantt:
    ops = _with_setups(instance, schedule)
    machines: dict[str, list[GanttBar]] = {m: [] for m in instance.machines}
    for s in sorted(ops, key=lambda s: s.start):
        machines.setdefault(s.machine, []).append(GanttBar(s.job, s.op, s.start, s.end, s.setup))
    return Gantt(machines, schedule_makespan(ops), title=instance.name, time_unit=instance.time_unit)


def gantt_ticks(span: int) -> list[int]:
    """Where the axis of a chart `span` long is marked (in its own time units)."""
    return list(range(0, span + 1, _tick_step(max(span, 1))))


def gantt_svg(
    chart: Gantt, *, lang: str = "ko", width: int = 960, names: Mapping[str, str] | None = None
) -> str:
    """A plain, self-contained SVG of the chart: one row per machine (by its name in `names`, its id in the
    tooltip), one colour per job, setups hatched grey. On the clock (`chart.days`), the axis is working time: a
    dashed line and the date mark where each day's work begins, the ticks read as clock times (`chart.ticks`), and
    each bar names its start and end time."""
    labels = {
        "ko": ("설비", "시간", "전체 소요 시간(메이크스팬)", "셋업", "시각 (근무 시간만: 휴식·비근무 제외)"),
        "en": (
            "Machine",
            "Time",
            "Makespan",
            "Setup",
            "Clock time (working time only: breaks and time off left out)",
        ),
    }[lang if lang == "ko" else "en"]
    names = names or {}
    weekdays = "월화수목금토일" if lang == "ko" else ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    jobs = sorted({b.job for bars in chart.machines.values() for b in bars})
    # Golden-angle steps keep the hues of many jobs apart.
    hue = {job: (i * 137.508) % 360 for i, job in enumerate(jobs)}
    left, top, row, right = 90, 48, 28, 16
    span = max(chart.makespan, 1)
    scale = (width - left - right) / span
    height = top + row * len(chart.machines) + 36
    esc = html.escape
    unit = f" [{esc(unit_word(chart.time_unit, lang))}]" if chart.time_unit else ""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        '<defs><pattern id="setup" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="3" height="6" fill="#bbb"/></pattern></defs>',
        f'<text x="{left}" y="18" font-size="14" font-weight="bold">{esc(chart.title)} — '
        f"{labels[2]} {chart.makespan:,}{unit}{esc(_in_hours(chart.makespan, chart.time_unit, lang))}</text>",
        f'<text x="8" y="{top - 8}" font-weight="bold">{labels[0]}</text>',
    ]
    clock = dict(chart.ticks)
    for t in gantt_ticks(span):
        x = left + t * scale
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 30}" stroke="#e5e5e5"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{height - 16}" text-anchor="middle">{esc(clock.get(t, str(t)))}</text>'
        )
    axis = labels[4] if chart.days else labels[1] + unit
    parts.append(f'<text x="{width - right}" y="{height - 2}" text-anchor="end">{axis}</text>')
    shown = (
        -math.inf
    )  # where the last date written ends: a day's date is written where it does not run into it
    begins = datetime.fromisoformat(chart.begins_at) if chart.begins_at else None
    for offset, iso in chart.days:
        x = left + offset * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 14}" x2="{x:.1f}" y2="{height - 30}" stroke="#777" '
            'stroke-dasharray="3,3" data-day="' + esc(iso) + '"/>'
        )
        day = date.fromisoformat(iso)
        text, note = f"{day.month}/{day.day} ({weekdays[day.weekday()]})", ""
        if offset == 0 and begins is not None and begins.date() != day:
            # work that begins after midnight in a night shift belongs to the production day the shift began on;
            # its mark is written as the calendar date and time it begins, the production day in its tooltip
            text = f"{begins.month}/{begins.day} ({weekdays[begins.weekday()]}) {begins:%H:%M}"
            note = (
                f"<title>{day.month}/{day.day} ({weekdays[day.weekday()]}) 생산일 야간 근무 중에 시작 (생산일은 첫 "
                "교대 시작부터 다음 날 첫 교대 시작까지)</title>"
                if lang == "ko"
                else f"<title>Begins in the night work of production day {day.month}/{day.day} "
                f"({weekdays[day.weekday()]}) (a production day runs from its first shift's start to the next "
                "day's)</title>"
            )
        wide = max(64, 6 * len(text) + 6)
        if x >= shown:
            # the last days' marks near the right edge are written to the left of their line, not cut off
            anchor = f'x="{x - 3:.1f}" text-anchor="end"' if x > width - right - wide else f'x="{x + 3:.1f}"'
            parts.append(f'<text {anchor} y="{top - 6}" font-size="10" fill="#444">{note}{esc(text)}</text>')
            shown = x + wide
    # rows in the order people count machines by their names: 선반 1, 2, …, 10 (not as the orders listed them)
    rows = sorted(chart.machines.items(), key=lambda item: _natural(names.get(item[0], item[0])))
    for r, (machine, bars) in enumerate(rows):
        y = top + r * row
        called = names.get(machine, machine)
        parts.append(
            f'<text x="8" y="{y + row / 2 + 4:.1f}" data-machine="{esc(machine)}"><title>{esc(machine)}</title>'
            f"{esc(called if len(called) <= 12 else called[:11] + '…')}</text>"
        )
        for b in bars:
            if b.setup:
                x0 = left + (b.start - b.setup) * scale
                parts.append(
                    f'<rect x="{x0:.1f}" y="{y + 4}" width="{b.setup * scale:.1f}" height="{row - 8}" '
                    f'fill="url(#setup)"><title>{labels[3]} {b.setup}</title></rect>'
                )
            x, w = left + b.start * scale, max((b.end - b.start) * scale, 0.5)
            tag = f"{b.job}-{b.op + 1}"
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" '
                f'fill="hsl({hue[b.job]:.0f},60%,70%)" stroke="#333" stroke-width="0.5">'
                f"<title>{esc(tag)} {_clock_span(b)}[{b.start}, {b.end})</title></rect>"
            )
            if w > 7 * len(tag):
                parts.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + row / 2 + 4:.1f}" text-anchor="middle">{esc(tag)}</text>'
                )
    parts.append("</svg>")
    return "\n".join(parts)


def _natural(text: str) -> list[Any]:
    """A sort key that reads the numbers in a name as numbers ("선반 2" before "선반 10"), case aside."""
    pieces = re.split(r"([0-9]+)", text.casefold())
    return [(1, int(p)) if i % 2 else (0, p) for i, p in enumerate(pieces)]


def _in_hours(span: int, unit: str, lang: str) -> str:
    """A span of at least an hour in minutes or seconds also in hours (" (35.2 h)"), as the layout sketch writes
    a long time; else ""."""
    seconds = span * UNIT_S.get(unit, 0)
    if unit == "h" or seconds < 3600:
        return ""
    return f" ({seconds / 3600:,.1f}{'시간' if lang == 'ko' else ' h'})"


def _clock_span(b: GanttBar) -> str:
    """A bar's time on the clock for its tooltip ("12/07 08:30–10:00 "), empty without one."""
    if not b.start_at:
        return ""
    a, z = datetime.fromisoformat(b.start_at), datetime.fromisoformat(b.end_at)
    end = f"{z:%H:%M}" if z.date() == a.date() else f"{z.month}/{z.day} {z:%H:%M}"
    return f"{a.month}/{a.day} {a:%H:%M}–{end} "


def _tick_step(span: int) -> int:
    raw = span / 10
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return int(factor * magnitude)
    return int(10 * magnitude)


# ---------------------------------------------------------------------------------------------------------------
# Dispatching rules (the warm start) and lower bounds
# ---------------------------------------------------------------------------------------------------------------


def dispatch_schedule(instance: ShopInstance, rule: str = "mwkr") -> list[ScheduledOp]:
    """A non-delay schedule built by a priority dispatching rule (Giffler & Thompson 1960; Panwalkar & Iskander
    1977): among the operations that can start earliest, take the one the rule prefers, on the machine where it
    finishes first.

    Rules: spt (shortest processing time), lpt (longest), mwkr (most work remaining), mor (most operations
    remaining), edd (earliest due date).
    """
    if rule not in DISPATCH_RULES:
        raise _bad(
            f"unknown dispatching rule {rule!r}; use one of {', '.join(DISPATCH_RULES)}",
            f"알 수 없는 디스패칭 규칙 {rule!r}; {', '.join(DISPATCH_RULES)} 중 하나를 쓰세요",
        )
    remaining = [sum(op.min_duration for op in job.operations) for job in instance.jobs]
    next_op = [0] * len(instance.jobs)
    job_ready = [job.release for job in instance.jobs]
    machine_ready = dict.fromkeys(instance.machines, 0)
    machine_last: dict[str, str | None] = dict.fromkeys(instance.machines, None)
    out: list[ScheduledOp] = []
    for _ in range(instance.num_operations):
        best: tuple | None = None
        for j, job in enumerate(instance.jobs):
            k = next_op[j]
            if k == len(job.operations):
                continue
            op = job.operations[k]
            for machine, duration in op.alternatives:
                last = machine_last[machine]
                setup = 0 if last is None else instance.setup(machine, last, job.setup_family)
                start = max(job_ready[j], machine_ready[machine] + setup)
                priority = {
                    "spt": duration,
                    "lpt": -duration,
                    "mwkr": -remaining[j],
                    "mor": -(len(job.operations) - k),
                    "edd": job.due if job.due is not None else math.inf,
                }[rule]
                key = (start, priority, start + duration, j, machine, setup)
                if best is None or key < best:
                    best = key
        assert best is not None
        start, _, end, j, machine, setup = best
        job = instance.jobs[j]
        out.append(ScheduledOp(job.name, next_op[j], machine, start, end, setup))
        remaining[j] -= job.operations[next_op[j]].min_duration
        next_op[j] += 1
        job_ready[j] = end
        machine_ready[machine] = end
        machine_last[machine] = job.setup_family
    return out


def makespan_lower_bound(instance: ShopInstance) -> int:
    """A valid lower bound on the makespan, the best of:

    - each job's release plus its processing (shortest alternative per operation);
    - the total processing divided by the number of machines;
    - for each machine, the preemptive one-machine bound with heads and tails (Jackson's preemptive schedule,
      Carlier 1982) over the operations that can only run there; setups are left out, so it stays valid.
    """
    bound = 0
    heads: dict[tuple[int, int], int] = {}
    tails: dict[tuple[int, int], int] = {}
    for j, job in enumerate(instance.jobs):
        t = job.release
        for k, op in enumerate(job.operations):
            heads[(j, k)] = t
            t += op.min_duration
        bound = max(bound, t)
        rest = 0
        for k in range(len(job.operations) - 1, -1, -1):
            tails[(j, k)] = rest
            rest += job.operations[k].min_duration
    total = sum(op.min_duration for job in instance.jobs for op in job.operations)
    bound = max(bound, -(-total // max(len(instance.machines), 1)))
    fixed: dict[str, list[tuple[int, int, int]]] = {}
    for j, job in enumerate(instance.jobs):
        for k, op in enumerate(job.operations):
            if len(op.alternatives) == 1:
                fixed.setdefault(op.alternatives[0][0], []).append(
                    (heads[(j, k)], op.min_duration, tails[(j, k)])
                )
    for ops in fixed.values():
        bound = max(bound, _jackson_preemptive(ops))
    return bound


def _jackson_preemptive(ops: list[tuple[int, int, int]]) -> int:
    """max(C + tail) of the preemptive schedule that always runs the released operation with the longest tail;
    it is optimal for the preemptive one-machine problem, hence a bound for the non-preemptive one."""
    ops = sorted(ops)
    ready: list[tuple[int, int]] = []  # (-tail, remaining processing)
    t, i, best = 0, 0, 0
    while i < len(ops) or ready:
        if not ready and t < ops[i][0]:
            t = ops[i][0]
        while i < len(ops) and ops[i][0] <= t:
            heapq.heappush(ready, (-ops[i][2], ops[i][1]))
            i += 1
        neg_tail, rest = heapq.heappop(ready)
        run = rest if i == len(ops) else min(rest, ops[i][0] - t)
        t += run
        if run < rest:
            heapq.heappush(ready, (neg_tail, rest - run))
        else:
            best = max(best, t - neg_tail)
    return best


# ---------------------------------------------------------------------------------------------------------------
# The CP-SAT model
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SolveProgress:
    """What a progress callback receives: seconds since the start, the best objective found, the proven bound."""

    elapsed_s: float
    incumbent: float | None
    bound: float | None


@dataclass
class ScheduleResult:
    """A solved shop: status, objective and bound, the schedule and what the independent checker found."""

    instance: str
    status: str  # optimal, feasible, infeasible, unknown, model_invalid
    objective: str
    objective_value: int | None
    bound: int | None
    makespan: int | None
    total_tardiness: int | None
    schedule: list[ScheduledOp]
    violations: list[Violation]
    wall_time_s: float
    warm_start: dict[str, Any] = field(default_factory=dict)
    lower_bound: int | None = None
    time_unit: str = ""

    @property
    def feasible(self) -> bool:
        return bool(self.schedule) and not self.violations

    def gap(self) -> float | None:
        if self.objective_value is None or self.bound is None or self.objective_value == 0:
            return None
        return (self.objective_value - self.bound) / self.objective_value

    def to_dict(self) -> dict[str, Any]:
        return {
            "instance": self.instance,
            "status": self.status,
            "objective": self.objective,
            "objective_value": self.objective_value,
            "bound": self.bound,
            "gap": self.gap(),
            "makespan": self.makespan,
            "total_tardiness": self.total_tardiness,
            "wall_time_s": round(self.wall_time_s, 3),
            "warm_start": self.warm_start,
            "lower_bound": self.lower_bound,
            "time_unit": self.time_unit,
            "violations": [v.to_dict() for v in self.violations],
            "schedule": [s.to_dict() for s in self.schedule],
        }


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: Callable[[SolveProgress], None], started: float) -> None:
        super().__init__()
        self._report = report
        self._started = started
        self._lock = threading.Lock()
        self.incumbent: float | None = None
        self.bound: float | None = None
        self.stopped: SandanError | None = None  # the reporter asked to stop (a cancelled job): raised after

    def on_solution_callback(self) -> None:
        with self._lock:
            self.incumbent = self.objective_value
            self.bound = self.best_objective_bound
            if self._tell(SolveProgress(time.perf_counter() - self._started, self.incumbent, self.bound)):
                self.StopSearch()

    def on_bound(self, bound: float) -> None:
        with self._lock:
            self.bound = bound
            self._tell(SolveProgress(time.perf_counter() - self._started, self.incumbent, bound))

    def _tell(self, p: SolveProgress) -> bool:
        """Report; True when the reporter raised to stop (never inside the solver's own thread)."""
        if self.stopped is not None:
            return True
        try:
            self._report(p)
        except SandanError as exc:
            self.stopped = exc
            return True
        return False


def _objective_value(
    instance: ShopInstance, schedule: list[ScheduledOp], objective: str, weights: tuple[int, int]
):
    makespan = schedule_makespan(schedule)
    tardiness = schedule_tardiness(instance, schedule)
    return {
        "makespan": makespan,
        "tardiness": tardiness,
        "weighted": weights[0] * makespan + weights[1] * tardiness,
    }[objective]


def solve_jobshop(
    instance: ShopInstance,
    *,
    objective: Objective = "makespan",
    weights: tuple[int, int] = (1, 1),
    time_limit_s: float = 60.0,
    workers: int = 2,
    progress: Callable[[SolveProgress], None] | None = None,
    warm_start: bool | Sequence[ScheduledOp] = True,
    seed: int = 0,
    log: bool = False,
    parameters: Mapping[str, Any] | None = None,
    local_search_s: float | None = None,
) -> ScheduleResult:
    """Schedule `instance` on CP-SAT and confirm the result with `check_schedule`.

    objective: "makespan", "tardiness" (total weighted tardiness of jobs with a due date) or "weighted"
    (`weights[0]` × makespan + `weights[1]` × tardiness); for "makespan" with due dates, up to a fifth of the time limit
    (at least 1 s, within it) after the shortest schedule is found goes to the least late of the schedules as short
    (`_least_tardy`). `warm_start=True` hints the best dispatching-rule
    schedule; a schedule may be given instead. For the makespan of a classic job shop (one machine per operation,
    no setups) a tabu search (`sandan.twin.tabu`) first shortens the dispatching schedule for up to
    `local_search_s` seconds (default: a quarter of the time limit, at most 15 s; 0 turns it off), all within
    `time_limit_s`; it runs `workers` independent searches at once (at most one per core) and hints the best. `progress` is called from the solver's threads on every new incumbent and bound, so it must
    return quickly. `parameters` sets further CP-SAT parameters by name (SatParameters fields), for experiments.
    """
    if objective not in OBJECTIVES:
        raise _bad(
            f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}",
            f"알 수 없는 목적함수 {objective!r}; {', '.join(OBJECTIVES)} 중 하나를 쓰세요",
        )
    if workers < 1 or time_limit_s <= 0:
        raise _bad(
            "workers must be ≥ 1 and the time limit > 0", "작업자 수는 1 이상, 시간 제한은 0보다 커야 합니다"
        )
    started = time.perf_counter()

    hint: list[ScheduledOp] | None = None
    warm: dict[str, Any] = {}
    if warm_start is True:
        candidates = {rule: dispatch_schedule(instance, rule) for rule in DISPATCH_RULES}
        rule, hint = min(
            candidates.items(), key=lambda kv: _objective_value(instance, kv[1], objective, weights)
        )
        warm = {"source": rule, "objective_value": _objective_value(instance, hint, objective, weights)}
        budget = min(time_limit_s / 4, 15.0) if local_search_s is None else local_search_s
        if objective == "makespan" and budget > 0 and tabu.applies_to(instance):
            improved = tabu.improve_makespan(
                instance,
                hint,
                time_limit_s=budget,
                lower_bound=makespan_lower_bound(instance),
                seed=seed,
                threads=min(workers, os.cpu_count() or 1),
            )
            if schedule_makespan(improved) < schedule_makespan(hint) and not check_schedule(
                instance, improved
            ):
                hint = improved
                warm = {"source": f"{rule}+tabu", "objective_value": schedule_makespan(hint)}
    elif warm_start:
        hint = list(warm_start)
        if check_schedule(instance, hint):
            hint = None  # a broken hint only misleads the search
        else:
            warm = {
                "source": "given",
                "objective_value": _objective_value(instance, hint, objective, weights),
            }

    lower = makespan_lower_bound(instance)
    model = _ShopModel(instance, objective, weights, hint, lower)
    if hint is not None and model.model.validate():
        model.model.clear_hints()  # an unusable hint must not cost the whole solve
    solver = _solver(
        max(time_limit_s - (time.perf_counter() - started), 0.05), workers, seed, log, parameters
    )
    callback = None
    if progress is not None:
        callback = _Progress(progress, started)
        solver.best_bound_callback = callback.on_bound
    code = solver.solve(model.model, callback)
    if callback is not None and callback.stopped is not None:
        raise callback.stopped
    status = {
        cp_model.OPTIMAL: "optimal",
        cp_model.FEASIBLE: "feasible",
        cp_model.INFEASIBLE: "infeasible",
        cp_model.MODEL_INVALID: "model_invalid",
    }.get(code, "unknown")
    schedule: list[ScheduledOp] = []
    value = bound = None
    if code in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        schedule = _with_setups(instance, model.read(solver))
        value = round(solver.objective_value)
        bound = math.ceil(solver.best_objective_bound - 1e-6)
    elif hint is not None and code == cp_model.UNKNOWN:
        # The time ran out before CP-SAT reported anything; the dispatching schedule is still a valid answer.
        schedule = _with_setups(instance, hint)
        status = "feasible"
        value = _objective_value(instance, schedule, objective, weights)
    if objective == "makespan" and schedule and not check_schedule(instance, schedule):
        # at most a fifth of the time limit (at least a second) once the shortest schedule is in hand
        deadline = min(started + time_limit_s, time.perf_counter() + max(1.0, 0.2 * time_limit_s))
        schedule = _least_tardy(instance, schedule, deadline, workers, seed, log, parameters)
        # no longer than the first one's; shorter where that solve had stopped short of the optimum
        value = _objective_value(instance, schedule, objective, weights)
    violations = check_schedule(instance, schedule) if schedule else []
    return ScheduleResult(
        instance=instance.name,
        status=status,
        objective=objective,
        objective_value=value,
        bound=bound,
        makespan=schedule_makespan(schedule) if schedule else None,
        total_tardiness=schedule_tardiness(instance, schedule) if schedule else None,
        schedule=schedule,
        violations=violations,
        wall_time_s=time.perf_counter() - started,
        warm_start=warm,
        lower_bound=lower,
        time_unit=instance.time_unit,
    )


def _solver(
    seconds: float, workers: int, seed: int, log: bool, parameters: Mapping[str, Any] | None
) -> cp_model.CpSolver:
    """A CP-SAT solver with sandan's defaults (`SOLVER_DEFAULTS`) and the caller's parameters."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    solver.parameters.log_search_progress = log
    for key, value in {**SOLVER_DEFAULTS, **(parameters or {})}.items():
        if isinstance(value, list | tuple):
            getattr(solver.parameters, key).extend(value)
        else:
            setattr(solver.parameters, key, value)
    return solver


def _least_tardy(
    instance: ShopInstance,
    schedule: list[ScheduledOp],
    deadline: float,
    workers: int,
    seed: int,
    log: bool,
    parameters: Mapping[str, Any] | None,
) -> list[ScheduledOp]:
    """Of the schedules as short as `schedule`, one with the least weighted tardiness, searched for until
    `deadline` (a `time.perf_counter()` reading): a shortest schedule may still finish an order late that another
    equally short one finishes in time."""
    if deadline - time.perf_counter() < 0.1 or schedule_tardiness(instance, schedule) == 0:
        return schedule
    model = _ShopModel(instance, "tardiness", (1, 1), schedule, 0)
    model.model.add(model.makespan <= schedule_makespan(schedule))
    seconds = deadline - time.perf_counter()  # the model's building counts against the time
    if seconds < 0.05:
        return schedule
    solver = _solver(seconds, workers, seed, log, parameters)
    if solver.solve(model.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return schedule
    better = _with_setups(instance, model.read(solver))
    if check_schedule(instance, better) or schedule_tardiness(instance, better) >= schedule_tardiness(
        instance, schedule
    ):
        return schedule
    return better


class _ShopModel:
    """Interval variables per operation (optional ones per eligible machine in a flexible shop), a NoOverlap per
    machine, and, where setups exist, a circuit over the machine's operations whose arcs carry the setup time
    (the successor formulation of sequence-dependent setups)."""

    def __init__(
        self,
        instance: ShopInstance,
        objective: str,
        weights: tuple[int, int],
        hint: list[ScheduledOp] | None,
        lower: int,
    ) -> None:
        self.instance = instance
        m = self.model = cp_model.CpModel()
        max_setup = max((v for table in instance.setup_times.values() for v in table.values()), default=0)
        horizon = max((job.release for job in instance.jobs), default=0) + sum(
            op.max_duration + max_setup for job in instance.jobs for op in job.operations
        )
        if hint is not None and objective == "makespan":
            # No optimal schedule ends later than a known one: a tight horizon shrinks every domain.
            horizon = min(horizon, schedule_makespan(hint))
        self.starts: dict[tuple[int, int], cp_model.IntVar] = {}
        self.ends: dict[tuple[int, int], cp_model.IntVar] = {}
        self.presence: dict[tuple[int, int, str], Any] = {}
        on_machine: dict[str, list[tuple[tuple[int, int], Any, Any]]] = {
            name: [] for name in instance.machines
        }
        for j, job in enumerate(instance.jobs):
            head = job.release
            tail = sum(op.min_duration for op in job.operations)
            for k, op in enumerate(job.operations):
                tail -= op.min_duration
                start = m.new_int_var(head, horizon - tail - op.min_duration, f"s{j}_{k}")
                end = m.new_int_var(head + op.min_duration, horizon - tail, f"e{j}_{k}")
                self.starts[(j, k)], self.ends[(j, k)] = start, end
                if len(op.alternatives) == 1:
                    machine, duration = op.alternatives[0]
                    interval = m.new_interval_var(start, duration, end, f"i{j}_{k}")
                    on_machine[machine].append(((j, k), interval, True))
                    self.presence[(j, k, machine)] = True
                else:
                    lits = []
                    for machine, duration in op.alternatives:
                        lit = m.new_bool_var(f"p{j}_{k}_{machine}")
                        interval = m.new_optional_interval_var(
                            start, duration, end, lit, f"i{j}_{k}_{machine}"
                        )
                        on_machine[machine].append(((j, k), interval, lit))
                        self.presence[(j, k, machine)] = lit
                        lits.append(lit)
                    m.add_exactly_one(lits)
                if k > 0:
                    m.add(start >= self.ends[(j, k - 1)])
                head += op.min_duration
        self.arcs: dict[str, dict[tuple[int, int], Any]] = {}
        for machine, items in on_machine.items():
            if len(items) > 1:
                m.add_no_overlap([interval for _, interval, _ in items])
            if len(items) > 1 and self._needs_circuit(machine, items):
                self.arcs[machine] = self._circuit(machine, items)

        last_ends = {
            j: self.ends[(j, len(job.operations) - 1)]
            for j, job in enumerate(instance.jobs)
            if job.operations
        }
        makespan = self.makespan = m.new_int_var(min(lower, horizon), horizon, "makespan")
        m.add_max_equality(makespan, list(last_ends.values()))
        tardy = []
        self._tardy_vars: list[cp_model.IntVar] = []
        for j, job in enumerate(instance.jobs):
            if job.due is not None and job.operations:
                t = m.new_int_var(0, horizon, f"t{j}")
                m.add(t >= last_ends[j] - job.due)
                tardy.append(job.weight * t)
                self._tardy_vars.append(t)
        tardiness = sum(tardy) if tardy else 0
        if objective == "makespan":
            m.minimize(makespan)
        elif objective == "tardiness":
            m.minimize(tardiness)
        else:
            m.minimize(weights[0] * makespan + weights[1] * tardiness)
        if hint is not None:
            self._hint(hint)
            # A complete hint (objective terms included) lets CP-SAT take it as its first solution at once.
            m.add_hint(makespan, schedule_makespan(hint))
            ends = {job.name: 0 for job in instance.jobs}
            for s in hint:
                ends[s.job] = max(ends[s.job], s.end)
            for t, job in zip(
                self._tardy_vars,
                [job for job in instance.jobs if job.due is not None and job.operations],
                strict=True,
            ):
                m.add_hint(t, max(0, ends[job.name] - job.due))

    def _needs_circuit(self, machine: str, items: list) -> bool:
        families = {self.instance.jobs[j].setup_family for (j, _), _, _ in items}
        return any(
            self.instance.setup(machine, a, b) > 0 for a in families for b in families if a != b
        ) or any(self.instance.setup(machine, a, a) > 0 for a in families)

    def _circuit(self, machine: str, items: list) -> dict[tuple[int, int], Any]:
        """Node 0 is the machine's idle state; an arc i → j means j directly follows i, so j starts after i's end
        plus the setup between their families."""
        m, fam = self.model, [self.instance.jobs[j].setup_family for (j, _), _, _ in items]
        arcs: list[tuple[int, int, Any]] = []
        literal: dict[tuple[int, int], Any] = {}
        optional = False
        for a, (_, _, present) in enumerate(items, start=1):
            first, last = m.new_bool_var(""), m.new_bool_var("")
            arcs += [(0, a, first), (a, 0, last)]
            literal[(0, a)], literal[(a, 0)] = first, last
            if present is not True:
                optional = True
                arcs.append((a, a, ~present))
                literal[(a, a)] = ~present
        if optional:
            empty = m.new_bool_var("")
            arcs.append((0, 0, empty))
            literal[(0, 0)] = empty
        for a, (ka, _, _) in enumerate(items, start=1):
            for b, (kb, _, _) in enumerate(items, start=1):
                if a == b or ka[0] == kb[0] and ka[1] > kb[1]:
                    continue  # a later operation of the same job can never directly precede an earlier one
                lit = m.new_bool_var("")
                arcs.append((a, b, lit))
                literal[(a, b)] = lit
                setup = self.instance.setup(machine, fam[a - 1], fam[b - 1])
                m.add(self.starts[kb] >= self.ends[ka] + setup).only_enforce_if(lit)
        m.add_circuit(arcs)
        self._circuit_items = getattr(self, "_circuit_items", {})
        self._circuit_items[machine] = [key for key, _, _ in items]
        return literal

    def _hint(self, hint: list[ScheduledOp]) -> None:
        m, index = self.model, {job.name: j for j, job in enumerate(self.instance.jobs)}
        placed = {(index[s.job], s.op): s for s in hint}
        for key, s in placed.items():
            m.add_hint(self.starts[key], s.start)
            m.add_hint(self.ends[key], s.end)
        for (j, k, machine), lit in self.presence.items():
            if lit is not True:
                m.add_hint(lit, placed[(j, k)].machine == machine)
        for machine, literal in self.arcs.items():
            keys = self._circuit_items[machine]
            node = {key: n for n, key in enumerate(keys, start=1)}
            seq = [
                node[key]
                for key, s in sorted(placed.items(), key=lambda kv: kv[1].start)
                if s.machine == machine
            ]
            chosen = set(zip([0, *seq], [*seq, 0], strict=True)) if seq else {(0, 0)}
            chosen |= {(n, n) for n in node.values() if n not in seq}
            for arc, lit in literal.items():
                if arc[0] != arc[1] or arc == (
                    0,
                    0,
                ):  # a skip arc is a presence literal, hinted above already
                    m.add_hint(lit, arc in chosen)

    def read(self, solver: cp_model.CpSolver) -> list[ScheduledOp]:
        out = []
        for j, job in enumerate(self.instance.jobs):
            for k, op in enumerate(job.operations):
                machine = next(
                    name
                    for name, _ in op.alternatives
                    if self.presence[(j, k, name)] is True
                    or solver.boolean_value(self.presence[(j, k, name)])
                )
                out.append(
                    ScheduledOp(
                        job.name,
                        k,
                        machine,
                        solver.value(self.starts[(j, k)]),
                        solver.value(self.ends[(j, k)]),
                    )
                )
        return out
