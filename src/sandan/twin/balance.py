"""Assembly line balancing (SALBP-1 and SALBP-2, optionally with skilled workers): the branch and bound of
`balance_search` for lines without workers, then OR-Tools CP-SAT for what it leaves open and for lines with workers.

It owns the line problem, the `.IN2` and `.alb` readers, bounds, a greedy start, the model and a checker; no store,
no interface.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from ortools.sat.python import cp_model

from sandan.domain import InvalidInput
from sandan.domain.errors import check_keys, not_a_number
from sandan.domain.korean import particle
from sandan.twin import balance_search
from sandan.twin.inputs import read_data_file, read_text
from sandan.twin.workclock import UNIT_S, unit_of, unit_word

Kind = Literal["salbp1", "salbp2"]
#: The most tasks one line balances: the largest published sets hold 1,000; 100,000 tasks ran far past their
#: time limit.
MAX_TASKS = 5_000
MAX_DECIMALS = 3  # task times to a thousandth of the line's unit (a stopwatch's 0.01 s, MTM's TMU in seconds)
#: The longest task or cycle time a line may give, in its unit (116 days in seconds): no line's, and counted in
#: thousandths it stays far inside the solvers' 64-bit integers.
MAX_TIME = 10_000_000
SEARCH_SHARE = 0.8  # of the time limit for the branch and bound before CP-SAT takes over
MODEL_VARS_PER_S = 20_000  # assignment variables CP-SAT's model may have per second left (else it is skipped)


@dataclass(frozen=True)
class Worker:
    """A person who can staff one station: the skills they have and, optionally, their own task times
    (the assembly line worker assignment and balancing problem, ALWABP: Miralles et al. 2007)."""

    name: str
    skills: frozenset[str] = frozenset()
    task_times: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class LineProblem:
    """Tasks with times, precedence pairs (a before b), and optionally required skills and the workers to staff.

    `task_skills[task]` is the skill a task needs; a task without one can be done by anybody. Times are counted in
    whole steps of 1 / `time_scale` of `time_unit` (the solvers count in whole numbers): a YAML line with times
    such as 12.5 s has `time_scale` 10 and counts 125. `stated` turns a count back into the line's unit, `counted`
    a time in the line's unit into a count; results, checks and messages speak in the line's unit.
    """

    name: str
    task_times: Mapping[str, int]
    precedences: tuple[tuple[str, str], ...] = ()
    task_skills: Mapping[str, str] = field(default_factory=dict)
    workers: tuple[Worker, ...] = ()
    time_unit: str = ""
    # the cycle time the file states (.alb, YAML), counted; taken when none is asked for
    cycle_time: int | None = None
    time_scale: int = 1  # counts per unit of time_unit (10 when times are given to a tenth)

    def __post_init__(self) -> None:
        if len(self.task_times) > MAX_TASKS:
            raise InvalidInput(
                f"{self.name}: {len(self.task_times):,} tasks, more than the {MAX_TASKS:,} one line balances; "
                "balance the line in sections",
                f"{self.name}: 작업이 {len(self.task_times):,}개로, 한 번에 균형을 맞출 수 있는 {MAX_TASKS:,}개보다 "
                "많습니다. 라인을 구간별로 나누어 균형을 맞추세요",
                code="too_large",
            )
        if not isinstance(self.time_scale, int) or self.time_scale < 1:
            raise InvalidInput(
                f"time_scale must be a whole number ≥ 1, got {self.time_scale!r}",
                f"time_scale은 1 이상의 정수여야 합니다 (값: {self.time_scale!r})",
            )
        for task, t in self.task_times.items():
            if not isinstance(t, int) or t < 0:
                raise InvalidInput(
                    f"task {task!r}: time must be a whole number ≥ 0, got {t!r}",
                    f"작업 {task!r}: 시간은 0 이상의 정수여야 합니다 (값: {t!r})",
                )
        for a, b in self.precedences:
            if a not in self.task_times or b not in self.task_times:
                raise InvalidInput(
                    f"precedence {a} → {b} names an unknown task",
                    f"선후관계 {a} → {b}에 없는 작업이 있습니다",
                )
        if _topological(self) is None:
            loop = " → ".join(precedence_cycle(self))
            raise InvalidInput(
                f"the precedence graph has a cycle: {loop}; a task cannot come (even indirectly) after itself, "
                "so remove one of these 'after' links",
                f"선후관계 그래프에 순환이 있습니다: {loop}. 작업은 (간접적으로도) 자기 뒤에 올 수 없으니 이 'after' "
                "연결 중 하나를 지우세요",
                code="precedence_cycle",
                field="precedences",
            )

    def can_do(self, worker: Worker, task: str) -> bool:
        need = self.task_skills.get(task)
        return need is None or need in worker.skills

    def time_of(self, task: str, worker: Worker | None = None) -> int:
        if worker is not None and task in worker.task_times:
            return worker.task_times[task]
        return self.task_times[task]

    @property
    def total_time(self) -> int:
        return sum(self.task_times.values())

    def stated(self, count: int) -> int | float:
        """A count in the line's unit: 125 → 12.5 when times are given to a tenth; a whole number stays an int."""
        if count % self.time_scale == 0:
            return count // self.time_scale
        return round(count / self.time_scale, 6)

    def counted(self, value: float) -> int:
        """A time in the line's unit as a count, rounded down: a station whose count of work fits under it fits
        under the time itself (the loads are whole counts), so a cycle time of 40.25 s balances as 40.2 s does when
        the times are given to a tenth."""
        return math.floor(value * self.time_scale + 1e-9)


def _topological(problem: LineProblem) -> list[str] | None:
    indegree = dict.fromkeys(problem.task_times, 0)
    after: dict[str, list[str]] = {t: [] for t in problem.task_times}
    for a, b in problem.precedences:
        after[a].append(b)
        indegree[b] += 1
    ready = [t for t, d in indegree.items() if d == 0]
    order = []
    while ready:
        t = ready.pop()
        order.append(t)
        for b in after[t]:
            indegree[b] -= 1
            if indegree[b] == 0:
                ready.append(b)
    return order if len(order) == len(indegree) else None


def precedence_cycle(problem: LineProblem) -> list[str]:
    """A cycle of the precedence graph as the tasks along it, the first repeated at the end (["a", "b", "a"]; a task
    listed after itself: ["a", "a"]); [] when there is none. Depth-first search, following each task's successors
    in the order the pairs were given."""
    after: dict[str, list[str]] = {t: [] for t in problem.task_times}
    for a, b in problem.precedences:
        if a in after and b in after:
            after[a].append(b)
    state = dict.fromkeys(after, 0)  # 0 unseen, 1 on the current path, 2 done
    for root in after:
        if state[root]:
            continue
        path, branches = [root], [iter(after[root])]
        state[root] = 1
        while path:
            nxt = next(branches[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                branches.pop()
            elif state[nxt] == 1:
                return [*path[path.index(nxt) :], nxt]
            elif state[nxt] == 0:
                state[nxt] = 1
                path.append(nxt)
                branches.append(iter(after[nxt]))
    return []


def time_text(value: float | int, unit: str) -> tuple[str, str]:
    """A time with the line's unit as each language writes it: ("20 s", "20초"), ("20 min", "20분"); a unit the
    clock does not know as given ("20 cycles"); without a unit the bare number."""
    shown = f"{value:,}" if isinstance(value, int) else _decimal_text(value)
    known = unit_of(unit)
    if known in UNIT_S:
        return f"{shown} {unit_word(known, 'en')}", f"{shown}{unit_word(known, 'ko')}"
    return (f"{shown} {unit}", f"{shown} {unit}") if unit else (shown, shown)


def _decimal_text(value: float) -> str:
    """A time with the decimals it has, up to `MAX_DECIMALS`, thousands grouped: 12345.67 → "12,345.67"."""
    return f"{value:,.{MAX_DECIMALS}f}".rstrip("0").rstrip(".")


def _decimals(value: int | float) -> int:
    """How many decimals a number from YAML is written with (5.5 → 1, 12.25 → 2, 3.0 → 0)."""
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _task_time(value: Any, name: tuple[str, str], unit: str, *, file: str, field: str) -> int | float:
    """A task time from YAML: a number ≥ 0 with at most `MAX_DECIMALS` decimals (5, 5.5, 12.25), else a message
    naming the task that says how to write it. The line counts in whole steps of its finest decimal
    (`_counted_times`)."""
    name_en, name_ko = name
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > MAX_TIME
    ):
        raise too_long_a_time(value, name, file=file, field=field)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, float) and math.isfinite(value) and value > 0:
        if _decimals(value) <= MAX_DECIMALS:
            return value
        rounded = _decimal_text(value)
        raise InvalidInput(
            f"{name_en} is {value!r}: give times to at most {MAX_DECIMALS} decimals (a thousandth of the unit), "
            f"e.g. {rounded}",
            f"{particle(name_ko, '이/가')} {value!r}입니다. 시간은 소수점 아래 {MAX_DECIMALS}자리까지 적으세요 "
            f"(예: {rounded})",
            code="bad_number",
            file=file,
            field=field,
        )
    raise InvalidInput(
        f"{name_en} must be a number ≥ 0 (such as 12 or 12.5), got {value!r}",
        f"{particle(name_ko, '은/는')} 0 이상의 수여야 합니다 (예: 12, 12.5; 값: {value!r})",
        code="bad_number",
        file=file,
        field=field,
    )


def _counted_times(values: list[int | float]) -> tuple[int, Callable[[int | float], int]]:
    """The time scale of a line whose times are `values` (10 ** the most decimals any has) and the function that
    counts a time in its steps (12.5 → 125 at scale 10)."""
    scale = 10 ** max((_decimals(v) for v in values), default=0)
    return scale, lambda v: int(round(v * scale))


def too_long_a_time(value: float, name: tuple[str, str], **where: Any) -> InvalidInput:
    """A time past `MAX_TIME`: a unit mixed up (milliseconds for seconds) or a typing slip, refused in words."""
    name_en, name_ko = name
    return InvalidInput(
        f"{name_en} is {value:,.10g}: more than {MAX_TIME:,}, longer than any line's (is it in the line's unit?)",
        f"{particle(name_ko, '이/가')} {value:,.10g}입니다. {MAX_TIME:,}보다 길어 라인의 시간일 수 없습니다 "
        "(라인의 시간 단위로 적었는지 확인하세요)",
        code="bad_number",
        **where,
    )


def check_cycle_time(cycle_time: float | None) -> None:
    """A cycle time asked for: a number > 0 (not NaN or ∞: `--cycle-time inf` reached the solvers' counting as a
    traceback) up to `MAX_TIME` (1e300 balanced, and the page showed a 301-digit cycle time)."""
    if cycle_time is None or not math.isfinite(cycle_time) or cycle_time <= 0:
        raise InvalidInput(
            f"SALBP-1 needs a cycle time, a number > 0; got {cycle_time}",
            f"SALBP-1에는 0보다 큰 수로 사이클타임이 필요합니다 (입력: {cycle_time})",
            code="bad_cycle_time",
            field="cycle_time",
        )
    if cycle_time > MAX_TIME:
        raise too_long_a_time(cycle_time, ("the cycle time", "사이클타임"), field="cycle_time")
    # (a value a computation left a hair off a thousandth, 0.9 + 0.05 = 0.9500000000000001, is that thousandth)
    near = abs(cycle_time - round(cycle_time, MAX_DECIMALS)) <= 1e-9 * max(1.0, abs(cycle_time))
    if _decimals(cycle_time) > MAX_DECIMALS and not near:
        # 44.9996 was balanced (as 44 on a line of whole seconds) and shown as "cycle time 45", which needs fewer
        raise InvalidInput(
            f"the cycle time is {cycle_time!r}: give it to at most {MAX_DECIMALS} decimals (a thousandth of the "
            f"unit), as task times are, e.g. {_decimal_text(cycle_time)}",
            f"사이클타임이 {cycle_time!r}입니다. 작업 시간처럼 소수점 아래 {MAX_DECIMALS}자리까지 적으세요 "
            f"(예: {_decimal_text(cycle_time)})",
            code="bad_cycle_time",
            field="cycle_time",
        )


def task_too_long(task: str, takes: int | float, cycle_time: int | float, unit: str) -> InvalidInput:
    """The refusal of a cycle time shorter than a task (no station could hold it), times with the line's unit:
    "task board takes 20 s, longer than the cycle time 10 s" / "작업 board의 시간 20초가 사이클타임 10초보다 깁니다"."""
    (took_en, took_ko), (ct_en, ct_ko) = time_text(takes, unit), time_text(cycle_time, unit)
    return InvalidInput(
        f"task {task} takes {took_en}, longer than the cycle time {ct_en}; give a cycle time of at least {took_en}",
        f"작업 {task}의 시간 {particle(took_ko, '이/가')} 사이클타임 {ct_ko}보다 깁니다. 사이클타임을 {took_ko} "
        "이상으로 주세요",
        code="bad_cycle_time",
        field="cycle_time",
    )


def _closure(problem: LineProblem) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """All (transitive) predecessors and successors of every task."""
    order = _topological(problem) or []
    direct_pred: dict[str, list[str]] = {t: [] for t in problem.task_times}
    for a, b in problem.precedences:
        direct_pred[b].append(a)
    pred: dict[str, set[str]] = {}
    for t in order:
        pred[t] = set(direct_pred[t]).union(*(pred[p] for p in direct_pred[t]))
    succ: dict[str, set[str]] = {t: set() for t in problem.task_times}
    for t, ps in pred.items():
        for p in ps:
            succ[p].add(t)
    return pred, succ


def parse_in2(text: str, name: str = "line") -> LineProblem:
    """Read Scholl's `.IN2` precedence-graph format (Scholl 1993; the SALBP data sets of Scholl 1999 use it).

    The number of tasks n, then n task times (one a line), then precedence pairs "i,j" (task i before task j,
    tasks numbered from 1), ended by "-1,-1". Tasks are named "1" … "n".
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    try:
        n = int(lines[0])
        times = {str(i + 1): int(lines[1 + i]) for i in range(n)}
    except (IndexError, ValueError) as exc:
        en, ko = not_a_number(exc)
        raise InvalidInput(
            f"{name}: expected the number of tasks and then one task time a line ({en})",
            f"{name}: 작업 수와 그 뒤에 한 줄에 하나씩 작업 시간이 있어야 합니다 ({ko})",
            file=name,
        ) from exc
    if n < 1:
        raise InvalidInput(
            f"{name}: the first line is the number of tasks and must be at least 1, got {n}",
            f"{name}: 첫 줄은 작업 수이며 1 이상이어야 합니다 (값: {n})",
            file=name,
        )
    pairs = []
    for number, line in enumerate(lines[1 + n :], start=2 + n):
        try:
            a, b = (int(v) for v in line.replace(",", " ").split()[:2])
        except ValueError as exc:
            raise InvalidInput(
                f"{name}: line {number} is not a pair 'i,j'",
                f"{name}: {number}번째 줄이 'i,j' 쌍이 아닙니다",
                file=name,
                line=number,
            ) from exc
        if (a, b) == (-1, -1):
            break
        if not (1 <= a <= n and 1 <= b <= n):
            raise InvalidInput(
                f"{name}: line {number}: task {a} or {b} is not between 1 and {n}",
                f"{name}: {number}번째 줄: 작업 {a} 또는 {b}이(가) 1~{n} 범위가 아닙니다",
                file=name,
                line=number,
            )
        pairs.append((str(a), str(b)))
    else:
        raise InvalidInput(
            f"{name}: the precedence list must end with '-1,-1'",
            f"{name}: 선후관계 목록은 '-1,-1'로 끝나야 합니다",
            file=name,
        )
    return LineProblem(name=name, task_times=times, precedences=tuple(pairs))


def parse_alb(text: str, name: str = "line") -> LineProblem:
    """Read the `.alb` format of the SALBP data sets of Otto, Otto & Scholl (2013): sections opened by tags —
    `<number of tasks>` n, `<cycle time>` c, `<task times>` one "task time" a line, `<precedence relations>` one
    "i,j" a line (task i before task j, tasks numbered from 1) — and closed by `<end>`; other sections (such as
    `<order strength>`) are skipped. Tasks are named "1" … "n"; the cycle time is kept as the line's own."""
    sections: dict[str, list[tuple[int, str]]] = {}
    current: list[tuple[int, str]] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("<") and line.endswith(">"):
            tag = line[1:-1].strip().lower()
            if tag == "end":
                break
            current = sections.setdefault(tag, [])
        elif line and current is not None:
            current.append((number, line))

    def bad(en: str, ko: str, line: int | None = None) -> InvalidInput:
        return InvalidInput(f"{name}: {en}", f"{name}: {ko}", code="bad_line_problem", file=name, line=line)

    def whole(section: str) -> int | None:
        rows = sections.get(section)
        if not rows:
            return None
        number, value = rows[0]
        try:
            return int(value)
        except ValueError:
            raise bad(
                f"line {number}: <{section}> must be a whole number, got {value!r}",
                f"{number}번째 줄: <{section}>은(는) 정수여야 합니다 (값: {value!r})",
                number,
            ) from None

    n = whole("number of tasks")
    if n is None or n < 1 or not sections.get("task times"):
        raise bad(
            "an .alb file needs <number of tasks> (at least 1) and <task times> sections",
            ".alb 파일에는 <number of tasks>(1 이상)와 <task times> 항목이 있어야 합니다",
        )
    times: dict[str, int] = {}
    for number, line in sections["task times"]:
        parts = line.split()
        if len(parts) != 2 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[0]) <= n:
            raise bad(
                f"line {number}: a task time is 'task time' with the task between 1 and {n}, got {line!r}",
                f"{number}번째 줄: 작업 시간은 '작업 시간' 형식이고 작업 번호는 1~{n}이어야 합니다 (값: {line!r})",
                number,
            )
        if parts[0] in times:
            raise bad(
                f"line {number}: task {parts[0]} has a time already; give each task's time once",
                f"{number}번째 줄: 작업 {parts[0]}의 시간이 이미 있습니다. 작업마다 시간을 한 번만 적으세요",
                number,
            )
        times[parts[0]] = int(parts[1])
    missing = [str(i) for i in range(1, n + 1) if str(i) not in times]
    if missing:
        raise bad(
            f"<task times> lacks task {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''} of {n}",
            f"<task times>에 작업 {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}의 시간이 없습니다 (작업 {n}개)",
        )
    pairs = []
    for number, line in sections.get("precedence relations", []):
        parts = line.replace(",", " ").split()
        if len(parts) != 2 or not all(p.isdigit() and 1 <= int(p) <= n for p in parts):
            raise bad(
                f"line {number}: a precedence relation is 'i,j' with tasks between 1 and {n}, got {line!r}",
                f"{number}번째 줄: 선후관계는 'i,j' 형식이고 작업 번호는 1~{n}이어야 합니다 (값: {line!r})",
                number,
            )
        pairs.append((parts[0], parts[1]))
    cycle_time = whole("cycle time")
    return LineProblem(
        name=name,
        task_times={str(i): times[str(i)] for i in range(1, n + 1)},
        precedences=tuple(pairs),
        cycle_time=cycle_time if cycle_time and cycle_time > 0 else None,
    )


def read_in2(path: str | Path) -> LineProblem:
    path = Path(path)
    return parse_in2(read_text(path), name=path.stem)


def _names_list(value: Any, where: str, name: str) -> list[str]:
    """A list of names from YAML: a list, or one name on its own."""
    if value is None:
        return []
    if isinstance(value, str | int):
        return [str(value)]
    if isinstance(value, list) and all(isinstance(v, str | int) and not isinstance(v, bool) for v in value):
        return [str(v) for v in value]
    raise InvalidInput(
        f"{where} must be a list of names, e.g. [a, b], got {value!r}",
        f"{where}은(는) 이름 목록이어야 합니다 (예: [a, b]) (값: {value!r})",
        code="bad_line_problem",
        file=name,
        field=where,
    )


#: The keys a balancing YAML may have, at the top, in a task and in a worker: any other is a typo ('afer' dropped
#: the precedence, and the plan put the task before the one it follows).
LINE_KEYS = ("name", "time_unit", "cycle_time", "tasks", "workers")
TASK_KEYS = ("name", "time", "after", "skill")
WORKER_KEYS = ("name", "skills", "task_times")


def parse_line_problem(data: Any, name: str = "line") -> LineProblem:
    """Build a problem from a mapping (YAML/JSON):

    ```yaml
    name: 조립 2라인 / assembly line 2
    time_unit: s
    cycle_time: 40                # optional: the cycle time to balance for when none is asked for
    tasks:
      - {name: 하우징, time: 12}
      - {name: 배선, time: 20.5, after: [하우징], skill: electric}
    workers:                      # optional
      - {name: 김, skills: [electric]}
      - {name: 이, skills: [], task_times: {하우징: 15}}
    ```

    Times may have up to `MAX_DECIMALS` decimals; the line then counts in steps of its finest one
    (`LineProblem.time_scale`).
    """

    def bad(en: str, ko: str, field: str) -> InvalidInput:
        return InvalidInput(en, ko, code="bad_line_problem", file=name, field=field)

    tasks = data.get("tasks") if isinstance(data, Mapping) else None
    if not isinstance(tasks, list) or not tasks:
        raise bad(
            "the line needs a non-empty 'tasks' list, e.g. tasks: [{name: a, time: 12}]",
            "'tasks' 목록이 비어 있거나 없습니다 (예: tasks: [{name: a, time: 12}])",
            "tasks",
        )
    check_keys(data, LINE_KEYS, "", code="bad_line_problem", file=name)
    unit = str(data.get("time_unit") or "")
    times: dict[str, int | float] = {}
    pairs: list[tuple[str, str]] = []
    skills: dict[str, str] = {}
    for i, raw in enumerate(tasks):
        if not isinstance(raw, Mapping) or "name" not in raw or "time" not in raw:
            raise bad(
                f"tasks[{i}] needs 'name' and 'time'",
                f"tasks[{i}]에는 'name'과 'time'이 필요합니다",
                f"tasks[{i}]",
            )
        check_keys(raw, TASK_KEYS, f"tasks[{i}]", code="bad_line_problem", file=name)
        task = str(raw["name"])
        if task in times:
            raise bad(
                f"tasks[{i}]: task name {task!r} is used twice; give each task its own name",
                f"tasks[{i}]: 작업 이름 {task!r}이(가) 중복됩니다. 작업마다 다른 이름을 주세요",
                f"tasks[{i}].name",
            )
        times[task] = _task_time(
            raw["time"],
            (f"task {task!r} time", f"작업 {task!r}의 시간"),
            unit,
            file=name,
            field=f"tasks[{i}].time",
        )
        pairs += [(a, task) for a in _names_list(raw.get("after"), f"tasks[{i}].after", name)]
        if raw.get("skill") is not None:
            skills[task] = str(raw["skill"])
    raw_workers = data.get("workers") or []
    if not isinstance(raw_workers, list):
        raise bad(
            "'workers' must be a list of {name, skills, task_times}",
            "'workers'는 {name, skills, task_times} 항목의 목록이어야 합니다",
            "workers",
        )
    workers = []
    for i, w in enumerate(raw_workers):
        if not isinstance(w, Mapping) or w.get("name") is None:
            raise bad(
                f"workers[{i}] needs a 'name'", f"workers[{i}]에는 'name'이 필요합니다", f"workers[{i}]"
            )
        check_keys(w, WORKER_KEYS, f"workers[{i}]", code="bad_line_problem", file=name)
        own = w.get("task_times") or {}
        if not isinstance(own, Mapping):
            raise bad(
                f"workers[{i}].task_times must map task names to times, e.g. {{a: 15}}",
                f"workers[{i}].task_times는 작업 이름: 시간 매핑이어야 합니다 (예: {{a: 15}})",
                f"workers[{i}].task_times",
            )
        for task in own:
            if str(task) not in times:
                raise bad(
                    f"workers[{i}].task_times names the unknown task {task!r}",
                    f"workers[{i}].task_times에 없는 작업 {task!r}이(가) 있습니다",
                    f"workers[{i}].task_times",
                )
        workers.append(
            Worker(
                name=str(w["name"]),
                skills=frozenset(_names_list(w.get("skills"), f"workers[{i}].skills", name)),
                task_times={
                    str(k): _task_time(
                        v,
                        (f"worker {w['name']!r}'s time for {k!r}", f"작업자 {w['name']!r}의 {k!r} 작업 시간"),
                        unit,
                        file=name,
                        field=f"workers[{i}].task_times",
                    )
                    for k, v in own.items()
                },
            )
        )
    if len({w.name for w in workers}) < len(workers):
        raise bad("worker names must be unique", "작업자 이름이 중복됩니다", "workers")
    cycle_time: int | float | None = None
    if data.get("cycle_time") is not None:
        cycle_time = _task_time(
            data["cycle_time"], ("the cycle time", "사이클타임"), unit, file=name, field="cycle_time"
        )
        if cycle_time == 0:
            raise bad(
                "the cycle time must be > 0 (or leave 'cycle_time' out and give it when balancing)",
                "사이클타임은 0보다 커야 합니다 ('cycle_time'을 빼고 밸런싱할 때 줄 수도 있습니다)",
                "cycle_time",
            )
    stated = [*times.values(), *(t for w in workers for t in w.task_times.values())]
    scale, count = _counted_times([*stated, *([cycle_time] if cycle_time is not None else [])])
    return LineProblem(
        name=str(data.get("name", name)),
        task_times={t: count(v) for t, v in times.items()},
        precedences=tuple(pairs),
        task_skills=skills,
        workers=tuple(replace(w, task_times={t: count(v) for t, v in w.task_times.items()}) for w in workers),
        time_unit=unit,
        cycle_time=None if cycle_time is None else count(cycle_time),
        time_scale=scale,
    )


def read_line_problem(path: str | Path) -> LineProblem:
    """A problem from a file: `.yaml`/`.yml`/`.json` in the form of `parse_line_problem`, `.alb` (Otto et al.
    2013), anything else `.IN2`."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        return parse_line_problem(read_data_file(path, "the line", "라인"), name=path.stem)
    if path.suffix.lower() == ".alb":
        return parse_alb(read_text(path), name=path.stem)
    return read_in2(path)


# ---------------------------------------------------------------------------------------------------------------
# Bounds and the greedy start
# ---------------------------------------------------------------------------------------------------------------


def stations_lower_bound(problem: LineProblem, cycle_time: int) -> int:
    """Fewest stations any line with this cycle time needs, from the task times alone: the bin-packing bounds
    LB1–LB3 of SALOME (Scholl & Klein 1997; `balance_search.bin_packing_bound`)."""
    return max(balance_search.bin_packing_bound(list(problem.task_times.values()), cycle_time), 1)


def cycle_time_lower_bound(problem: LineProblem, stations: int) -> int:
    """Shortest cycle time any line with this many stations can reach: the best of max t, ⌈Σt / m⌉, and
    t_(m) + t_(m+1) of the times sorted descending (of m + 1 tasks two share a station; Scholl 1999 §2.3)."""
    times = sorted(problem.task_times.values(), reverse=True)
    bound = max(times[0], -(-sum(times) // stations))
    if len(times) > stations:
        bound = max(bound, times[stations - 1] + times[stations])
    return bound


def greedy_stations(problem: LineProblem, cycle_time: int) -> list[list[str]]:
    """Station-oriented greedy: fill each station with the assignable task of largest positional weight (its time
    plus all its successors' times; Helgeson & Birnie 1961) that still fits."""
    pred, succ = _closure(problem)
    weight = {
        t: problem.task_times[t] + sum(problem.task_times[s] for s in succ[t]) for t in problem.task_times
    }
    done: set[str] = set()
    stations: list[list[str]] = []
    while len(done) < len(problem.task_times):
        load, current = 0, []
        while True:
            fits = [
                t
                for t in problem.task_times
                if t not in done and pred[t] <= done and load + problem.task_times[t] <= cycle_time
            ]
            if not fits:
                break
            t = max(fits, key=lambda t: (weight[t], problem.task_times[t]))
            current.append(t)
            done.add(t)
            load += problem.task_times[t]
        if not current:
            task, longest = max(problem.task_times.items(), key=lambda kv: kv[1])
            raise task_too_long(task, longest, cycle_time, problem.time_unit)
        stations.append(current)
    return stations


# ---------------------------------------------------------------------------------------------------------------
# Result and checker
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Station:
    index: int  # 1-based along the line
    tasks: tuple[str, ...]
    load: int | float  # in the line's unit
    worker: str | None = None


@dataclass(frozen=True)
class Violation:
    kind: str  # missing, unknown, precedence, overload, skill, worker
    en: str
    ko: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "en": self.en, "ko": self.ko}


@dataclass
class BalanceResult:
    """A balanced line; times (cycle time, loads, a SALBP-2 bound) in the line's unit (`time_unit`)."""

    problem: str
    kind: str
    status: str  # optimal, feasible, infeasible, unknown
    cycle_time: int | float | None
    stations: list[Station]
    lower_bound: int | float  # stations (SALBP-1) or a cycle time (SALBP-2)
    violations: list[Violation]
    wall_time_s: float
    time_unit: str = ""

    @property
    def num_stations(self) -> int:
        return len(self.stations)

    @property
    def efficiency(self) -> float | None:
        """Line efficiency Σt / (m · c) (Scholl 1999 §2.1)."""
        if not self.stations or not self.cycle_time:
            return None
        return sum(s.load for s in self.stations) / (len(self.stations) * self.cycle_time)

    def to_dict(self) -> dict[str, Any]:
        return {
            "problem": self.problem,
            "kind": self.kind,
            "status": self.status,
            "cycle_time": self.cycle_time,
            "num_stations": self.num_stations,
            "lower_bound": self.lower_bound,
            "efficiency": self.efficiency,
            "wall_time_s": round(self.wall_time_s, 3),
            "time_unit": self.time_unit,
            "stations": [
                {"index": s.index, "tasks": list(s.tasks), "load": s.load, "worker": s.worker}
                for s in self.stations
            ],
            "violations": [v.to_dict() for v in self.violations],
        }


def check_balance(
    problem: LineProblem,
    assignment: Mapping[str, int],
    cycle_time: int | float,
    staffing: Mapping[int, str] | None = None,
) -> list[Violation]:
    """Every rule a line plan breaks. `assignment[task]` is its station (1-based); `staffing[station]` the worker;
    `cycle_time` in the line's unit.

    Each task on exactly one station, a predecessor never on a later station, each station's load (with its
    worker's own times) within the cycle time; with workers: every used station staffed, nobody twice, skills met.
    """
    limit = problem.counted(cycle_time)
    out: list[Violation] = []
    for task in problem.task_times:
        if task not in assignment:
            out.append(
                Violation(
                    "missing", f"task {task} has no station", f"작업 {task}이(가) 공정에 배정되지 않았습니다"
                )
            )
    for task in assignment:
        if task not in problem.task_times:
            out.append(
                Violation("unknown", f"task {task} is not in the line", f"작업 {task}은(는) 없는 작업입니다")
            )
    for a, b in problem.precedences:
        if a in assignment and b in assignment and assignment[a] > assignment[b]:
            out.append(
                Violation(
                    "precedence",
                    f"task {a} (station {assignment[a]}) must come before task {b} (station {assignment[b]})",
                    f"작업 {a}(공정 {assignment[a]})은(는) 작업 {b}(공정 {assignment[b]})보다 앞이어야 합니다",
                )
            )
    workers = {w.name: w for w in problem.workers}
    used = sorted(set(assignment.values()))
    for station in used:
        who = workers.get((staffing or {}).get(station, ""))
        tasks = [t for t, s in assignment.items() if s == station and t in problem.task_times]
        load = sum(problem.time_of(t, who) for t in tasks)
        if load > limit:
            (need_en, need_ko), (ct_en, ct_ko) = (
                time_text(problem.stated(load), problem.time_unit),
                time_text(cycle_time, problem.time_unit),
            )
            out.append(
                Violation(
                    "overload",
                    f"station {station} needs {need_en}, more than the cycle time {ct_en}",
                    f"공정 {station}의 작업량 {particle(need_ko, '이/가')} 사이클타임 {particle(ct_ko, '을/를')} "
                    "넘습니다",
                )
            )
        if problem.workers:
            if who is None:
                out.append(
                    Violation(
                        "worker", f"station {station} has no worker", f"공정 {station}에 작업자가 없습니다"
                    )
                )
                continue
            for t in tasks:
                if not problem.can_do(who, t):
                    out.append(
                        Violation(
                            "skill",
                            f"{who.name} at station {station} lacks skill {problem.task_skills[t]!r} for task {t}",
                            f"공정 {station}의 {who.name}에게 작업 {t}에 필요한 기능 {problem.task_skills[t]!r}이(가) 없습니다",
                        )
                    )
    names = [n for s, n in (staffing or {}).items() if s in used]
    for n in sorted({n for n in names if names.count(n) > 1}):
        out.append(Violation("worker", f"{n} staffs two stations", f"{n}이(가) 두 공정에 배치되었습니다"))
    for n in sorted(set(names) - set(workers)):
        out.append(
            Violation("worker", f"{n} is not one of the workers", f"{n}은(는) 등록된 작업자가 아닙니다")
        )
    return out


# ---------------------------------------------------------------------------------------------------------------
# The CP-SAT model
# ---------------------------------------------------------------------------------------------------------------


def balance_line(
    problem: LineProblem,
    kind: Kind = "salbp1",
    *,
    cycle_time: int | float | None = None,
    stations: int | None = None,
    time_limit_s: float = 30.0,
    solver_workers: int = 2,
    seed: int = 0,
    progress: Callable[[float, float], None] | None = None,
    search: bool = True,
) -> BalanceResult:
    """Balance the line and confirm the plan with `check_balance`: a line without workers goes first to the
    branch and bound of `sandan.twin.balance_search` (up to `SEARCH_SHARE` of the time limit), and what it leaves
    unproved, or a line with workers, to CP-SAT. `search=False` skips the branch and bound (CP-SAT alone).

    salbp1: fewest stations for `cycle_time` (in the line's unit); salbp2: shortest cycle time for `stations`
    stations (Baybars 1986; Scholl 1999). With `problem.workers`, each station gets one worker who has the skills
    of its tasks, and station loads use that worker's times. `progress(elapsed_s, objective)` is called from the solver on every
    better plan (objective: stations for salbp1, cycle time for salbp2), so it must return quickly.
    """
    if not time_limit_s > 0 or solver_workers < 1:
        raise InvalidInput(
            "the time limit must be > 0 s and the solver workers ≥ 1",
            "계산 시간은 0초보다 길고, 솔버 작업자 수는 1 이상이어야 합니다",
            code="bad_time_limit",
            field="time_limit_s",
        )
    started = time.perf_counter()
    times = problem.task_times
    tasks = list(times)
    n = len(tasks)
    staff = problem.workers
    asked = cycle_time if kind == "salbp1" else None  # in the line's unit; the solvers count (`counted`)
    if kind == "salbp1":
        check_cycle_time(cycle_time)
        if float(cycle_time).is_integer():
            asked = int(cycle_time)  # 40.0 from a form or JSON is 40
        cycle_time = problem.counted(cycle_time)
        if cycle_time == 0:  # below the finest step the line's times are given in
            step_en, step_ko = time_text(problem.stated(1), problem.time_unit)
            raise InvalidInput(
                f"the cycle time {asked} is shorter than {step_en}, the finest step of the line's times",
                f"사이클타임 {particle(str(asked), '이/가')} 라인 작업 시간의 가장 작은 단위 {step_ko}보다 짧습니다",
                code="bad_cycle_time",
                field="cycle_time",
            )
        able = {t: [w for w in staff if problem.can_do(w, t)] for t in tasks}
        fastest = {
            t: min((problem.time_of(t, w) for w in able[t]), default=math.inf) if staff else times[t]
            for t in tasks
        }
        too_long = [t for t in tasks if fastest[t] > cycle_time]
        if too_long:
            longest = max(
                too_long, key=lambda t: fastest[t]
            )  # the cycle time it says to give must fit them all
            raise task_too_long(longest, problem.stated(fastest[longest]), asked, problem.time_unit)
        lower = stations_lower_bound(problem, cycle_time) if not staff else 1
        greedy = greedy_stations(problem, cycle_time) if not staff else None
        max_stations = len(greedy) if greedy else min(n, len(staff))
        c_low = c_high = cycle_time
    elif kind == "salbp2":
        if not stations or stations <= 0:
            raise InvalidInput(
                "SALBP-2 needs a number of stations > 0", "SALBP-2에는 1 이상의 공정 수가 필요합니다"
            )
        if staff and stations > len(staff):
            raise InvalidInput(
                f"{stations} stations need at least {stations} workers, there are {len(staff)}",
                f"공정 {stations}개에는 작업자가 {stations}명 이상 필요한데 {len(staff)}명입니다",
            )
        max_stations = stations
        greedy = None
        if staff:
            quickest = [min(problem.time_of(t, w) for w in staff) for t in tasks]
            lower = max(max(quickest), -(-sum(quickest) // stations))
            c_high = sum(max(problem.time_of(t, w) for w in staff) for t in tasks)
        else:
            lower = cycle_time_lower_bound(problem, stations)
            # Smallest cycle time for which the greedy line fits the stations: a valid upper bound and start.
            c_high = lower
            while len(greedy_stations(problem, c_high)) > stations:
                c_high = max(c_high + 1, math.floor(c_high * 1.02))
            lo = lower
            while lo < c_high:
                mid = (lo + c_high) // 2
                if len(greedy_stations(problem, mid)) <= stations:
                    c_high = mid
                else:
                    lo = mid + 1
            greedy = greedy_stations(problem, c_high)
        c_low = lower
    else:
        raise InvalidInput(
            f"unknown kind {kind!r}; use salbp1 or salbp2", f"알 수 없는 종류 {kind!r}; salbp1 또는 salbp2"
        )

    def shown(objective: float) -> float:
        """A better plan's objective as `progress` reports it: stations, or the cycle time in the line's unit."""
        return objective if kind == "salbp1" else problem.stated(int(objective))

    # Earliest and latest feasible station of each task (Scholl 1999 §5.1): the work before (after) a task fills
    # at least ⌈·/c⌉ stations. With workers the fastest times keep the windows valid.
    pred, succ = _closure(problem)
    quick = {t: min([times[t], *(problem.time_of(t, w) for w in staff)]) for t in tasks}

    def windows(stations: int, cycle: int) -> tuple[dict[str, int], dict[str, int]]:
        before = {t: -(-(quick[t] + sum(quick[p] for p in pred[t])) // cycle) - 1 for t in tasks}
        after = {t: stations - -(-(quick[t] + sum(quick[s] for s in succ[t])) // cycle) for t in tasks}
        return before, after

    def too_big(stations: int, cycle: int, seconds: float) -> bool:
        """CP-SAT's model would have more assignment variables than it could build and load in `seconds`."""
        before, after = windows(stations, cycle)
        return sum(after[t] - before[t] + 1 for t in tasks) > MODEL_VARS_PER_S * seconds

    if search and not staff and greedy:
        # The dedicated branch and bound first: it proves most lines outright; what it leaves open, CP-SAT gets
        # with its plan as the start and its bound as a constraint — unless its model would be too big for its
        # share of the time, and then the search keeps the whole limit.
        share = 1.0 if too_big(max_stations, c_high, time_limit_s * (1 - SEARCH_SHARE)) else SEARCH_SHARE
        order = _topological(problem) or tasks
        number = {t: i for i, t in enumerate(order)}
        own_preds = [0] * n
        for a, b in problem.precedences:
            own_preds[number[b]] |= 1 << number[a]
        own = ([times[t] for t in order], own_preds)
        start = [[number[t] for t in s] for s in greedy]
        deadline = started + time_limit_s * share
        told = (lambda value: progress(time.perf_counter() - started, shown(value))) if progress else None
        if kind == "salbp1":
            found = balance_search.fewest_stations(
                *own, cycle_time or 0, start=start, lower=lower, deadline=deadline, improved=told
            )
            lower = found.lower
        else:
            found, c_high = balance_search.shortest_cycle_time(
                *own, stations or 0, start=start, upper=c_high, lower=lower, deadline=deadline, improved=told
            )
            lower = c_low = found.lower
        greedy = [[order[i] for i in s] for s in found.stations]
        if kind == "salbp1":
            max_stations = len(greedy)
        if found.proved:
            return _planned(
                problem,
                kind,
                "optimal",
                cycle_time if kind == "salbp1" else c_high,
                greedy,
                lower,
                started,
                asked,
            )

    if greedy and not staff and too_big(max_stations, c_high, time_limit_s - (time.perf_counter() - started)):
        # a model too big to build and load in the time left would only overrun the limit: the plan stands
        final = cycle_time if kind == "salbp1" else c_high
        return _planned(problem, kind, "feasible", final, greedy, lower, started, asked)
    earliest, latest = windows(max_stations, c_high)

    m = cp_model.CpModel()
    x = {
        (t, k): m.new_bool_var(f"x_{i}_{k}")
        for i, t in enumerate(tasks)
        for k in range(earliest[t], latest[t] + 1)
    }
    for t in tasks:
        m.add_exactly_one(x[(t, k)] for k in range(earliest[t], latest[t] + 1))
    station_of = {t: sum(k * x[(t, k)] for k in range(earliest[t], latest[t] + 1)) for t in tasks}
    for a, b in problem.precedences:
        m.add(station_of[a] <= station_of[b])
    c = m.new_int_var(c_low, c_high, "cycle_time")
    used = [m.new_bool_var(f"u{k}") for k in range(max_stations)]
    for k in range(max_stations - 1):
        m.add_implication(used[k + 1], used[k])  # stations are used from the front: removes mirror solutions
    here = {k: [t for t in tasks if (t, k) in x] for k in range(max_stations)}
    for k in range(max_stations):
        for t in here[k]:
            m.add_implication(x[(t, k)], used[k])
        if not staff:
            m.add(sum(times[t] * x[(t, k)] for t in here[k]) <= c)
    y: dict[tuple[str, int], Any] = {}
    if staff:
        for w in staff:
            for k in range(max_stations):
                y[(w.name, k)] = m.new_bool_var(f"y_{w.name}_{k}")
                m.add(sum(problem.time_of(t, w) * x[(t, k)] for t in here[k]) <= c).only_enforce_if(
                    y[(w.name, k)]
                )
                for t in here[k]:
                    if not problem.can_do(w, t):
                        m.add_bool_or([~x[(t, k)], ~y[(w.name, k)]])
            m.add_at_most_one(y[(w.name, k)] for k in range(max_stations))
        for k in range(max_stations):
            m.add(sum(y[(w.name, k)] for w in staff) == used[k])
    if kind == "salbp1":
        m.add(sum(used) >= lower)
        m.minimize(sum(used))
    else:
        for u in used:
            m.add(u == 1)
        m.minimize(c)
    if greedy:
        station_index = {t: k for k, tasks_k in enumerate(greedy) for t in tasks_k}
        for (t, k), var in x.items():
            m.add_hint(var, station_index[t] == k)
        for k, u in enumerate(used):
            m.add_hint(u, k < len(greedy))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit_s - (time.perf_counter() - started))
    solver.parameters.num_workers = solver_workers
    solver.parameters.random_seed = seed
    code = solver.solve(m, _Improved(progress, started, shown) if progress else None)
    status = {
        cp_model.OPTIMAL: "optimal",
        cp_model.FEASIBLE: "feasible",
        cp_model.INFEASIBLE: "infeasible",
    }.get(code, "unknown")
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if greedy:  # CP-SAT found nothing in its time: the search's (or the greedy) plan stands
            return _planned(
                problem,
                kind,
                "feasible",
                cycle_time if kind == "salbp1" else c_high,
                greedy,
                lower,
                started,
                asked,
            )
        return _result(problem, kind, status, cycle_time, None, {}, lower, started, asked)
    chosen = {t: k for (t, k), var in x.items() if solver.boolean_value(var)}
    # stations numbered 1… in line order; a station left empty (more stations asked for than tasks can fill)
    # is no station at all
    number = {k: i + 1 for i, k in enumerate(sorted(set(chosen.values())))}
    staffing = {number[k]: name for (name, k), var in y.items() if k in number and solver.boolean_value(var)}
    final_c = solver.value(c) if kind == "salbp2" else cycle_time
    if status == "feasible" and (solver.value(c) if kind == "salbp2" else len(number)) <= lower:
        status = "optimal"  # CP-SAT's plan meets the search's proved bound
    assignment = {t: number[k] for t, k in chosen.items()}
    return _result(problem, kind, status, final_c, assignment, staffing, lower, started, asked)


def _planned(
    problem: LineProblem,
    kind: str,
    status: str,
    cycle_time: int | None,
    plan: list[list[str]],
    lower: int,
    started: float,
    asked: int | float | None = None,
) -> BalanceResult:
    """The result of a plan given as the tasks of each station in line order (no workers)."""
    assignment = {t: k + 1 for k, on in enumerate(plan) for t in on}
    return _result(problem, kind, status, cycle_time, assignment, {}, lower, started, asked)


def _result(
    problem: LineProblem,
    kind: str,
    status: str,
    cycle_time: int | None,
    assignment: Mapping[str, int] | None,
    staffing: Mapping[int, str],
    lower: int,
    started: float,
    asked: int | float | None = None,
) -> BalanceResult:
    """The result of a plan (task → station 1…, station → worker), confirmed by `check_balance`; `cycle_time` and
    `lower` counted as the solvers count, `asked` the cycle time asked for in the line's unit (SALBP-1)."""
    plan: list[Station] = []
    violations: list[Violation] = []
    stated_cycle = asked if asked is not None else None if cycle_time is None else problem.stated(cycle_time)
    if assignment is not None:
        workers = {w.name: w for w in problem.workers}
        for k in sorted(set(assignment.values())):
            on = tuple(t for t in problem.task_times if assignment[t] == k)
            who = staffing.get(k)
            load = sum(problem.time_of(t, workers.get(who or "")) for t in on)
            plan.append(Station(k, on, problem.stated(load), who))
        violations = check_balance(
            problem, assignment, stated_cycle or 0, staffing if problem.workers else None
        )
    return BalanceResult(
        problem=problem.name,
        kind=kind,
        status=status,
        cycle_time=stated_cycle,
        stations=plan,
        lower_bound=lower if kind == "salbp1" else problem.stated(lower),
        violations=violations,
        wall_time_s=time.perf_counter() - started,
        time_unit=problem.time_unit,
    )


class _Improved(cp_model.CpSolverSolutionCallback):
    """Tells `progress` about each better plan the solver finds."""

    def __init__(
        self, report: Callable[[float, float], None], started: float, shown: Callable[[float], float]
    ) -> None:
        super().__init__()
        self._report, self._started, self._shown = report, started, shown

    def on_solution_callback(self) -> None:
        self._report(time.perf_counter() - self._started, self._shown(self.objective_value))


def assignment_of(result: BalanceResult) -> dict[str, int]:
    """task → station (1-based) of a result, the form `check_balance` takes."""
    return {t: s.index for s in result.stations for t in s.tasks}
