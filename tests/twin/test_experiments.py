"""Experiments: scenarios side by side with paired comparisons, sweeps, parallel replications, progress, Ray."""

from __future__ import annotations

import sys

import pytest

from sandan.domain import InvalidInput
from sandan.domain.errors import ConfigError
from sandan.twin.experiments import compare, run_replications, sweep
from sandan.twin.line import LineModel
from sandan.twin.sim import run_line

LINE = LineModel.from_dict(
    {
        "id": "exp",
        "stations": [
            {"id": "a", "process_time": {"kind": "exponential", "mean": 1.0}, "buffer": 3},
            {"id": "b", "process_time": {"kind": "exponential", "mean": 1.4}, "buffer": 3},
            {"id": "c", "process_time": {"kind": "exponential", "mean": 0.9}, "buffer": 3},
        ],
        "release": {"policy": "kanban"},
    }
)
RUN = {"replications": 4, "horizon": 2_000.0, "warmup": 100.0, "seed": 5}


def test_parallel_replications_equal_serial_ones_and_report_progress():
    calls = []
    local = run_replications(
        LINE, 4, 2_000.0, 100.0, 5, backend="local", workers=2, progress=lambda d, t: calls.append((d, t))
    )
    serial = run_replications(LINE, 4, 2_000.0, 100.0, 5, backend="serial")
    assert [r["throughput_per_h"] for r in local] == [r["throughput_per_h"] for r in serial]
    assert calls[-1] == (4, 4) and len(calls) == 4


def test_run_line_through_the_process_pool_gives_the_serial_answer():
    a = run_line(LINE, backend="local", **RUN)
    b = run_line(LINE, backend="serial", **RUN)
    assert a.throughput_per_h == b.throughput_per_h


def test_scenarios_side_by_side_with_a_paired_difference_to_the_baseline():
    faster = LINE.with_changes({"stations.b.machines": 2})
    cmp = compare({"today": LINE, "second b": faster}, backend="local", **RUN)
    gain = cmp.difference("second b")
    assert gain.low > 0  # a second machine at the bottleneck raises output, with confidence
    rows = cmp.table()
    assert [r["scenario"] for r in rows] == ["today", "second b"]
    assert rows[0]["bottleneck"] == "b" and "throughput_per_h_vs_baseline" in rows[1]
    assert cmp.to_dict()["baseline"] == "today"


def test_common_random_numbers_make_the_paired_interval_narrower_than_the_unpaired_one():
    slower_c = LINE.with_changes({"stations.c.process_time": {"kind": "exponential", "mean": 1.0}})
    cmp = compare({"base": LINE, "slower c": slower_c}, backend="serial", **RUN)
    paired = cmp.difference("slower c").half_width
    unpaired = (
        cmp.results["base"].throughput_per_h.half_width ** 2
        + cmp.results["slower c"].throughput_per_h.half_width ** 2
    ) ** 0.5
    assert paired < unpaired


def test_a_sweep_builds_one_scenario_per_combination():
    seen = []
    cmp = sweep(
        LINE,
        {"stations.b.buffer": [1, 6], "stations.b.machines": [1, 2]},
        backend="local",
        progress=lambda d, t: seen.append(t),
        **RUN,
    )
    assert len(cmp.results) == 5 and set(seen) == {20}
    th = {k: v.throughput_per_h.mean for k, v in cmp.results.items()}
    assert th["stations.b.buffer=6, stations.b.machines=2"] > th["stations.b.buffer=1, stations.b.machines=1"]
    side = sweep(LINE, {"stations.b.machines": [2, 3]}, grid=False, backend="serial", **RUN)
    assert list(side.results) == ["baseline", "stations.b.machines=2", "stations.b.machines=3"]


def test_ray_backend_without_ray_is_a_clear_bilingual_configuration_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray → ImportError, as on this machine
    with pytest.raises(ConfigError) as err:
        run_replications(LINE, 2, 100.0, 0.0, 1, backend="ray")
    assert "Ray is not installed" in err.value.en and "Ray가 설치되어 있지 않습니다" in err.value.ko
    monkeypatch.setenv("SANDAN_RAY_ADDRESS", "ray://head:10001")
    with pytest.raises(ConfigError):
        run_replications(LINE, 2, 100.0, 0.0, 1, backend="auto")


def test_bad_backend_and_bad_sweep_are_user_errors():
    with pytest.raises(InvalidInput):
        run_replications(LINE, 2, 100.0, 0.0, 1, backend="cluster")
    with pytest.raises(InvalidInput):
        sweep(LINE, {"stations.a.buffer": [1, 2], "stations.b.machines": [1]}, grid=False, **RUN)


@pytest.mark.parametrize(
    ("hours", "warmup", "seed", "code", "field"),
    [
        # a run past a month is the hours' fault (the refusal named the warm-up)
        (1e9, 1.0, 0, "bad_run_length", "hours"),
        (2.0, 2.0, 0, "bad_run_length", "warmup_hours"),
        (2.0, 0.5, -1, "bad_seed", "seed"),  # reached NumPy's seed sequence as a failed job
    ],
)
def test_run_settings_that_cannot_work_are_refused_naming_the_setting(hours, warmup, seed, code, field):
    from sandan.twin.service import check_run

    with pytest.raises(InvalidInput) as refused:
        check_run(3, hours, warmup, seed)
    assert refused.value.code == code and refused.value.where["field"] == field
