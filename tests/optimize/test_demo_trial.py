"""A demo machine at poor settings starts its history with a trial around them (24 set points, half an hour of
production each), so the "what should I change?" page has data that can answer: a recommendation from its own part
records, applied to the same machine on the twin, makes significantly fewer defects — and none makes more."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandan.domain import Company, Line, Machine, ProcessFamily, Site
from sandan.optimize.closedloop import compare_defect_rates
from sandan.optimize.service import recommend_for_machine
from sandan.store import open_store
from sandan.twin.process import MODELS
from sandan.twin.virtual import VirtualComplex, VirtualMachine, demo_source


def _recommend_after_a_day(path, family: ProcessFamily, seed: int, now: datetime):
    store = open_store(f"duckdb:///{path}")
    try:
        store.upsert_company(Company(id="moulder", name="Moulder", family=family))
        store.upsert_site("moulder", Site(id="s1", company_id="moulder", name="1공장"))
        store.upsert_line("moulder", Line(id="l1", company_id="moulder", site_id="s1", name="A라인"))
        source = demo_source(MODELS[family](material_seed=seed), "poor", seed)  # as `sandan demo` builds it
        machine = Machine(id="m-02", company_id="moulder", line_id="l1", name="M 2", family=family)
        store.upsert_machine("moulder", machine)
        store.upsert_signals("moulder", source.signals("moulder", machine.id))
        complex_ = VirtualComplex(store, [VirtualMachine("moulder", machine, source)])
        complex_.backfill(24, now)
        assert complex_.totals.rejected == 0
        return recommend_for_machine(store, "moulder", machine.id, end=now)
    finally:
        store.close()


def test_a_poor_machine_with_its_trial_gets_recommendations_that_work_on_the_twin(tmp_path):
    family, seed = ProcessFamily("injection"), 2
    poor = MODELS[family].poor_settings()
    # The recommendation resamples whole hours of production, so where the runs fall against the clock's hours
    # changes its model: the check runs at fixed positions instead of wherever the clock happens to be.
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    changed = 0
    for minutes in (0, 20, 50):
        rec = _recommend_after_a_day(
            tmp_path / f"{minutes}.duckdb", family, seed, hour + timedelta(minutes=minutes)
        )
        assert all(c.machine_min <= c.recommended <= c.machine_max for c in rec.parameters)
        # the same machine (its material lots), fresh parts at the current and at the recommended settings
        twin = MODELS[family](material_seed=seed)
        before, after = twin.simulate(poor, 3000, seed=101), twin.simulate(rec.recommended, 3000, seed=102)
        test = compare_defect_rates(int((~before.ok).sum()), 3000, int((~after.ok).sum()), 3000)
        if rec.changed:
            changed += 1
            assert test["reduction"] > 0.3 and test["p_fisher"] < 0.01, (minutes, test)
        else:  # "keep the current settings" is allowed; then the twin sees the same machine
            assert abs(test["reduction"]) < 0.2, (minutes, test)
    assert changed >= 2  # the trial is what lets it answer at all (without one: "run a small trial")
