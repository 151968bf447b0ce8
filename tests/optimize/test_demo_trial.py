"""A demo machine at poor settings starts its history with a small trial around them, so the "what should I
change?" page has data that can answer: the recommendation from its own part records, applied to the same machine
on the twin, makes significantly fewer defects."""

from __future__ import annotations

from datetime import UTC, datetime

from sandan.domain import Company, Line, Machine, ProcessFamily, Site
from sandan.optimize.closedloop import compare_defect_rates
from sandan.optimize.service import recommend_for_machine
from sandan.twin.process import MODELS
from sandan.twin.virtual import TRIAL_RUNS, ProcessModelSource, VirtualComplex, VirtualMachine


def test_a_poor_machine_with_its_trial_gets_a_recommendation_that_works_on_the_twin(duck_store):
    company, family, seed = "moulder", ProcessFamily("injection"), 2
    duck_store.upsert_company(Company(id=company, name="Moulder", family=family))
    duck_store.upsert_site(company, Site(id="s1", company_id=company, name="1공장"))
    duck_store.upsert_line(company, Line(id="l1", company_id=company, site_id="s1", name="A라인"))
    model = MODELS[family](material_seed=seed)
    poor = model.poor_settings()
    source = ProcessModelSource(
        model, poor, seed=seed, trial=model.trial_settings(poor, TRIAL_RUNS, seed=seed)
    )
    machine = Machine(id="imm-02", company_id=company, line_id="l1", name="IMM 2", family=family)
    duck_store.upsert_machine(company, machine)
    duck_store.upsert_signals(company, source.signals(company, machine.id))
    complex_ = VirtualComplex(duck_store, [VirtualMachine(company, machine, source)])
    now = datetime.now(UTC)
    complex_.backfill(24, now)
    assert complex_.totals.rejected == 0

    rec = recommend_for_machine(duck_store, company, machine.id, end=now)
    assert rec.changed, rec.text["en"]
    assert all(c.machine_min <= c.recommended <= c.machine_max for c in rec.parameters)
    # the same machine (its material lots), fresh parts at the current and at the recommended settings
    twin = MODELS[family](material_seed=seed)
    before = twin.simulate(poor, 3000, seed=101)
    after = twin.simulate(rec.recommended, 3000, seed=102)
    test = compare_defect_rates(int((~before.ok).sum()), 3000, int((~after.ok).sum()), 3000)
    assert test["reduction"] > 0.3 and test["p_fisher"] < 0.01, test
