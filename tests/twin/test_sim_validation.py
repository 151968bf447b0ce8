"""The simulation engine against queueing theory and Factory Physics: every figure inside the simulated 95 % CI.

Sources: Kleinrock, *Queueing Systems* vol. 1 (1975) §3.2 (M/M/1), §3.5 (M/M/c, Erlang C); Jackson, "Jobshop-like
queueing systems", Management Science 10(1), 1963 (tandem of M/M/c nodes); Little, Operations Research 9(3), 1961;
Hopp & Spearman, *Factory Physics*, 3rd ed., §7.2–7.3 (best, worst and practical worst case of a CONWIP line) and
§8.4 (availability). All runs are seeded.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sandan.twin.line import LineModel
from sandan.twin.sim import Estimate, run_line, shifting_bottleneck


def exp(mean: float) -> dict:
    return {"kind": "exponential", "mean": mean}


def push_line(stations: list[dict], interarrival: float) -> LineModel:
    return LineModel.from_dict(
        {"id": "q", "stations": stations, "release": {"policy": "push", "interarrival": exp(interarrival)}}
    )


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of M/M/c: W_q = C(c, a) / (cμ − λ), a = λ/μ (Kleinrock vol. 1, eq. 3.40)."""
    a, rho = lam / mu, lam / (c * mu)
    top = a**c / math.factorial(c) / (1 - rho)
    c_prob = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return c_prob / (c * mu - lam)


def test_mm1_waiting_time_sojourn_time_wip_and_utilisation_match_kleinrock():
    lam, mu = 0.8, 1.0
    res = run_line(
        push_line([{"id": "m", "process_time": exp(1 / mu)}], 1 / lam),
        replications=10,
        horizon=15_000,
        warmup=500,
        seed=11,
    )
    rho = lam / mu
    assert res.stations["m"]["queue_time_s"].covers(rho / (mu - lam))  # W_q = ρ/(μ − λ)
    assert res["lead_time_s"].covers(1 / (mu - lam))  # W = 1/(μ − λ)
    assert res["wip"].covers(rho / (1 - rho))  # L = ρ/(1 − ρ)
    assert res.stations["m"]["utilisation"].covers(rho)


def test_mmc_waiting_time_matches_erlang_c():
    lam, mu, c = 2.4, 1.0, 3
    res = run_line(
        push_line([{"id": "m", "machines": c, "process_time": exp(1 / mu)}], 1 / lam),
        replications=10,
        horizon=6_000,
        warmup=300,
        seed=12,
    )
    wq = erlang_c_wait(lam, mu, c)
    assert res.stations["m"]["queue_time_s"].covers(wq)
    assert res["lead_time_s"].covers(wq + 1 / mu)
    assert res.stations["m"]["utilisation"].covers(lam / (c * mu))


def test_tandem_line_matches_the_jackson_network_product_form():
    lam = 0.5
    nodes = [(1, 1.2), (2, 3.0), (1, 1.4)]  # (machines, mean process time): ρ = 0.6, 0.75, 0.7
    stations = [{"id": f"n{i}", "machines": c, "process_time": exp(t)} for i, (c, t) in enumerate(nodes)]
    res = run_line(push_line(stations, 1 / lam), replications=10, horizon=10_000, warmup=500, seed=101)
    total = 0.0
    for i, (c, t) in enumerate(nodes):
        wq = erlang_c_wait(lam, 1 / t, c)
        total += wq + t
        assert res.stations[f"n{i}"]["queue_time_s"].covers(wq), i
    assert res["lead_time_s"].covers(total)  # each node behaves as an independent M/M/c (Jackson 1963)
    assert res["wip"].covers(lam * total)


def test_littles_law_holds_on_a_line_with_blocking_failures_and_scrap():
    line = LineModel.from_dict(
        {
            "stations": [
                {"id": "a", "process_time": exp(1.0), "buffer": 4, "scrap_rate": 0.05},
                {
                    "id": "b",
                    "process_time": {"kind": "lognormal", "mean": 1.1, "sd": 0.5},
                    "buffer": 2,
                    "failure": {"mtbf": 200, "mttr": 10},
                },
                {
                    "id": "c",
                    "machines": 2,
                    "process_time": {"kind": "triangular", "low": 1, "mode": 2, "high": 2.5},
                    "buffer": 3,
                },
            ],
            "release": {"policy": "kanban"},
        }
    )
    res = run_line(line, replications=8, horizon=10_000, warmup=500, seed=14)
    diff = [r["wip"] - r["output_per_h"] / 3600 * r["lead_time_all_s"] for r in res.per_replication]
    assert Estimate.of(diff).covers(0.0)  # L = λ W (Little 1961)
    assert abs(np.mean(diff)) < 0.01 * res["wip"].mean


def conwip_line(kind: str, w: int, n: int = 4, te: float = 2.0) -> LineModel:
    if kind == "best":
        pt = {"kind": "deterministic", "mean": te}
    elif kind == "worst":
        # all w jobs move together: the first takes w·t_e, the rest nothing (Hopp & Spearman §7.3.2)
        pt = {"kind": "trace", "values": [w * te] + [0.0] * (w - 1)}
    else:
        pt = exp(te)
    return LineModel.from_dict(
        {
            "stations": [{"id": f"s{i}", "process_time": pt} for i in range(n)],
            "release": {"policy": "conwip", "wip": w},
        }
    )


@pytest.mark.parametrize("w", [2, 4, 6])
def test_conwip_best_case_is_reached_by_a_balanced_deterministic_line(w):
    n, te = 4, 2.0
    rb, t0 = 1 / te, n * te
    res = run_line(conwip_line("best", w), replications=2, horizon=4_000, warmup=100, seed=15)
    th = res["throughput_per_h"].mean / 3600
    assert th == pytest.approx(min(w / t0, rb), rel=0.01)  # TH_best = min(w/T0, r_b)
    assert res["lead_time_s"].mean == pytest.approx(max(t0, w / rb), rel=1e-9)  # CT_best = max(T0, w/r_b)


def test_conwip_worst_case_is_reached_when_all_jobs_move_together():
    w, n, te = 3, 4, 2.0
    t0 = n * te
    res = run_line(conwip_line("worst", w), replications=2, horizon=4_800, warmup=0, seed=16)
    assert res["throughput_per_h"].mean / 3600 == pytest.approx(1 / t0, rel=0.01)  # TH_worst = 1/T0
    assert res["lead_time_s"].mean == pytest.approx(w * t0, rel=1e-9)  # CT_worst = w·T0


@pytest.mark.parametrize("w", [2, 5])
def test_conwip_practical_worst_case_matches_a_balanced_exponential_line(w):
    n, te = 4, 2.0
    rb, t0 = 1 / te, n * te
    w0 = rb * t0
    res = run_line(conwip_line("pwc", w), replications=10, horizon=8_000, warmup=200, seed=17 + w)
    assert res["throughput_per_h"].covers(3600 * w / (w0 + w - 1) * rb)  # TH_PWC (Hopp & Spearman eq. 7.5)
    assert res["lead_time_s"].covers(t0 + (w - 1) / rb)  # CT_PWC = T0 + (w − 1)/r_b


def test_saturated_deterministic_line_runs_at_the_bottleneck_rate_and_names_the_bottleneck():
    line = LineModel.from_dict(
        {
            "stations": [
                {"id": "a", "process_time": 1.0, "buffer": 2},
                {"id": "b", "machines": 2, "process_time": 2.5, "buffer": 2},  # 0.8 parts/s: the bottleneck
                {"id": "c", "process_time": 1.1, "buffer": 2},
            ],
            "release": {"policy": "kanban"},
        }
    )
    res = run_line(line, replications=2, horizon=5_000, warmup=100, seed=18)
    assert res["throughput_per_h"].mean / 3600 == pytest.approx(line.bottleneck_rate(), rel=0.01)
    assert line.bottleneck_rate() == pytest.approx(0.8)


def test_a_saturated_station_with_periodic_setups_and_outside_waits_runs_at_its_bound_in_short_runs_too():
    # three moulding machines as `LineModel.from_store` builds them: a long setup every 100 parts, outside waits
    # that accrue in processing time (not during setups), scrap
    line = LineModel.from_dict(
        {
            "stations": [
                {
                    "id": "mould",
                    "machines": 3,
                    "process_time": {"kind": "uniform", "low": 20, "high": 30},
                    "setup_time": {"kind": "lognormal", "mean": 600, "sd": 120},
                    "setup_every": 100,
                    "waits": {"every": exp(2000), "lasting": exp(200)},
                    "scrap_rate": 0.1,
                    "buffer": 10,
                }
            ],
            "release": {"policy": "kanban"},
        }
    )
    # (25 / (1 + 200/2000) + 600/100) s of machine time per part: 33.5 s; 3 machines, 90 % good
    assert line.bottleneck_rate() == pytest.approx(3 / 33.5 * 0.9)
    long = run_line(line, replications=4, horizon=200 * 3600, warmup=3600, seed=21)["throughput_per_h"]
    assert long.covers(line.bottleneck_rate() * 3600)
    # a machine's setup count starts part-way through its cycle, as in a line that has been running: 2-hour
    # runs show the same rate rather than one from machines that all set up only after 100 parts
    short = run_line(line, replications=40, horizon=2 * 3600, warmup=0, seed=22)["throughput_per_h"]
    assert short.covers(long.mean), (short, long)


@pytest.mark.parametrize(
    "station",
    [
        # the worker is held for the setup alone: two machines of 100 s parts share one setter (1 s a part)
        {"machines": 2, "process_time": 100, "setup_time": 1, "setup_every": 1, "worker_during": "setup"},
        # the worker is not held through outside waits, which come before a part is taken
        {"machines": 2, "process_time": 10, "waits": {"every": exp(10), "lasting": exp(10)}},
    ],
)
def test_the_bound_with_a_worker_pool_counts_the_time_a_worker_is_held(station):
    line = LineModel.from_dict(
        {
            "stations": [{"id": "a", "worker": "op", **station}],
            "workers": [{"id": "w", "count": 1, "skills": ["op"]}],
            "release": {"policy": "kanban"},
        }
    )
    res = run_line(line, replications=3, horizon=2 * 24 * 3600, warmup=3600, seed=31)["throughput_per_h"]
    assert res.mean <= line.bottleneck_rate() * 3600 * 1.001


def test_active_period_method_finds_the_bottleneck_of_a_random_line():
    stations = [
        {"id": s, "process_time": exp(t), "buffer": 3}
        for s, t in (("s1", 1.0), ("s2", 1.3), ("s3", 0.9), ("s4", 1.0))
    ]
    res = run_line(
        LineModel.from_dict({"stations": stations, "release": {"policy": "kanban"}}),
        replications=4,
        horizon=5_000,
        warmup=200,
        seed=19,
    )
    assert res.bottleneck == "s2"
    shares = {
        s: res.stations[s]["sole_bottleneck"].mean + res.stations[s]["shifting_bottleneck"].mean
        for s in res.stations
    }
    assert max(shares, key=shares.get) == "s2"
    assert sum(res.stations[s]["sole_bottleneck"].mean for s in res.stations) <= 1.0


def test_preemptive_failures_reduce_capacity_by_the_availability():
    line = LineModel.from_dict(
        {
            "stations": [{"id": "m", "process_time": 10.0, "failure": {"mtbf": 1000, "mttr": 100}}],
            "release": {"policy": "kanban"},
        }
    )
    res = run_line(line, replications=10, horizon=100_000, warmup=0, seed=20)
    a = 1000 / 1100
    assert res["throughput_per_h"].covers(3600 * a / 10)  # r = A/t0 (Hopp & Spearman §8.4.2)
    assert res.stations["m"]["down"].covers(1 - a)


def test_setups_on_product_change_add_their_expected_share():
    line = LineModel.from_dict(
        {
            "stations": [{"id": "m", "process_time": 4.0, "setup_time": 6.0}],
            "products": [{"id": "x", "routing": ["m"]}, {"id": "y", "routing": ["m"]}],
            "release": {"policy": "kanban"},
        }
    )
    res = run_line(line, replications=10, horizon=20_000, warmup=0, seed=21)
    # i.i.d. product mix 50/50: a change before each part with probability 1/2 → t_e = 4 + 6/2
    assert res["throughput_per_h"].covers(3600 / 7)
    assert res.stations["m"]["setup"].covers(3 / 7)


def test_scrap_removes_its_share_of_good_output():
    line = LineModel.from_dict(
        {"stations": [{"id": "m", "process_time": 1.0, "scrap_rate": 0.1}], "release": {"policy": "kanban"}}
    )
    res = run_line(line, replications=10, horizon=10_000, warmup=0, seed=22)
    assert res["throughput_per_h"].covers(3600 * 0.9)
    assert res.stations["m"]["quality"].covers(0.9)
    assert res.stations["m"]["oee"].covers(0.9)


def test_oee_counts_blocked_and_starved_time_as_lost_availability():
    # a (3 s) feeds the bottleneck b (4 s), which feeds c (2 s); kanban keeps a part always waiting at a.
    # The line makes one part per 4 s: a works 3/4 of the time and is blocked 1/4, c works 2/4 and is starved
    # 2/4. ISO 22400-2: availability = APT/PBT, so OEE = ideal cycle time × good parts / PBT = 3/4, 1, 2/4.
    line = LineModel.from_dict(
        {
            "stations": [
                {"id": "a", "process_time": 3.0, "buffer": 2},
                {"id": "b", "process_time": 4.0, "buffer": 2},
                {"id": "c", "process_time": 2.0, "buffer": 2},
            ],
            "release": {"policy": "kanban"},
        }
    )
    res = run_line(line, replications=2, horizon=10_000, warmup=1_000, seed=24)
    st = {s: {k: v.mean for k, v in d.items()} for s, d in res.stations.items()}
    assert st["a"]["blocked"] == pytest.approx(0.25, abs=1e-3)
    assert st["c"]["starved"] == pytest.approx(0.5, abs=1e-3)
    for s, expected in {"a": 0.75, "b": 1.0, "c": 0.5}.items():
        assert st[s]["oee"] == pytest.approx(expected, abs=1e-3)
        assert st[s]["availability"] == pytest.approx(expected, abs=1e-3)
        assert st[s]["performance"] == pytest.approx(1.0, abs=1e-3)


def test_a_station_faster_than_its_ideal_cycle_time_gets_performance_capped_at_one_as_on_the_dashboard():
    # b is said to need 5 s a part but takes 4 s: performance would read 1.25 and OEE exceed utilisation × quality
    line = LineModel.from_dict(
        {
            "stations": [
                {"id": "a", "process_time": 3.0, "buffer": 2},
                {"id": "b", "process_time": 4.0, "buffer": 2, "ideal_cycle_time_s": 5.0, "scrap_rate": 0.1},
            ],
            "release": {"policy": "kanban"},
        }
    )
    res = run_line(line, replications=2, horizon=10_000, warmup=1_000, seed=24)
    b = {k: v.mean for k, v in res.stations["b"].items()}
    assert b["performance_raw"] == pytest.approx(1.25, abs=1e-3) and b["performance"] == 1.0
    assert b["oee"] == pytest.approx(b["availability"] * b["quality"], rel=1e-9)
    assert b["oee"] <= b["utilisation"] * b["quality"] + 1e-9


def test_the_time_shares_of_a_station_add_up_to_its_machine_time():
    line = LineModel.from_dict(
        {
            "stations": [
                {"id": "a", "process_time": exp(3.0), "buffer": 1, "failure": {"mtbf": 500, "mttr": 50}},
                {"id": "b", "process_time": exp(4.0), "buffer": 1, "setup_time": 5.0, "setup_every": 10},
            ],
            "release": {"policy": "kanban"},
        }
    )
    res = run_line(line, replications=2, horizon=20_000, warmup=1_000, seed=25)
    shares = ("working", "setup", "down", "waiting_worker", "idle", "blocked", "starved", "off_shift")
    for d in res.per_replication:
        for s in d["stations"].values():
            assert sum(s[k] for k in shares) == pytest.approx(1.0, abs=1e-9)
            assert s["availability"] == pytest.approx(s["working"] / (1 - s["off_shift"]))


def test_a_shared_worker_limits_two_stations_to_his_capacity():
    line = LineModel.from_dict(
        {
            "stations": [
                {"id": "a", "process_time": 1.0, "buffer": 5, "worker": "op"},
                {"id": "b", "process_time": 1.0, "buffer": 5, "worker": "op"},
            ],
            "workers": [{"id": "crew", "count": 1, "skills": ["op"]}],
            "release": {"policy": "kanban"},
        }
    )
    res = run_line(line, replications=2, horizon=4_000, warmup=100, seed=23)
    assert res["throughput_per_h"].mean == pytest.approx(1800, rel=0.01)
    assert res.workers["crew"]["utilisation"].mean == pytest.approx(1.0, abs=0.01)
    assert line.bottleneck_rate() == pytest.approx(0.5)


def test_working_windows_scale_output_to_the_working_hours():
    line = LineModel.from_dict(
        {
            "stations": [{"id": "m", "process_time": 10.0}],
            "release": {"policy": "kanban"},
            "calendar": {"windows": [[6, 14], [14, 22]]},
        }
    )
    res = run_line(line, replications=2, horizon=3 * 86_400, warmup=0, seed=24)
    assert res["throughput_per_h"].mean == pytest.approx(360 * 16 / 24, rel=0.01)
    assert res.stations["m"]["off_shift"].mean == pytest.approx(8 / 24, rel=1e-6)


def test_transport_time_adds_to_the_lead_time_of_a_lone_part():
    line = LineModel.from_dict(
        {
            "stations": [{"id": "a", "process_time": 3.0}, {"id": "b", "process_time": 4.0}],
            "transports": [{"from": "a", "to": "b", "time": 5.0}],
            "release": {"policy": "conwip", "wip": 1},
        }
    )
    res = run_line(line, replications=2, horizon=1_200, warmup=0, seed=25)
    assert res["lead_time_s"].mean == pytest.approx(12.0)


def test_shifting_bottleneck_splits_overlapping_active_periods_as_roser_defines():
    a = (np.array([0.0]), np.array([10.0]))
    b = (np.array([8.0]), np.array([20.0]))
    sole, shifting = shifting_bottleneck([a, b], 0.0, 20.0)
    # B's period (12 s) is longer from t = 8 on; the periods overlap on [8, 10]: shifting for both
    assert sole.tolist() == [8.0, 10.0] and shifting.tolist() == [2.0, 2.0]


def test_mean_queue_length_matches_kleinrock_for_mm1():
    lam, mu = 0.8, 1.0
    line = push_line([{"id": "m", "process_time": exp(1 / mu)}], 1 / lam)
    res = run_line(line, replications=10, horizon=15_000, warmup=500, seed=11)
    assert res.stations["m"]["queue_length"].covers(lam**2 / (mu * (mu - lam)))  # L_q = ρ²/(1 − ρ)


def test_each_station_is_charged_only_with_the_scrap_it_makes():
    # a scraps nothing, b scraps 40 %: a's quality is 1 (its parts scrapped at b left a as good parts), b's 0.6
    line = LineModel.from_dict(
        {
            "stations": [
                {"id": "a", "process_time": 1.0, "buffer": 2},
                {"id": "b", "process_time": 1.0, "buffer": 2, "scrap_rate": 0.4},
            ],
            "release": {"policy": "kanban"},
        }
    )
    res = run_line(line, replications=5, horizon=10_000, warmup=500, seed=26)
    assert res.stations["a"]["quality"].mean == 1.0
    assert res.stations["b"]["quality"].covers(0.6)
    assert (
        res.stations["a"]["oee"].mean > 0.95
    )  # it works without pause, and every part it makes is good there


def test_a_run_length_that_cannot_work_is_refused_in_words_not_variable_names():
    from sandan.domain import InvalidInput

    line = LineModel.from_dict({"id": "l", "stations": [{"id": "cut", "process_time": 20}]})
    with pytest.raises(InvalidInput) as err:
        run_line(line, replications=2, horizon=3600, warmup=7200)
    assert "warm-up at least 0 and shorter than the simulated time" in err.value.en
    assert "3600 s simulated with a 7200 s warm-up" in err.value.en
    assert err.value.ko.startswith("시뮬레이션 시간은 0보다 길어야 하고") and "워밍업 7200초" in err.value.ko
    assert "horizon" not in err.value.en + err.value.ko and "warmup" not in err.value.en + err.value.ko
