"""The virtual complex: demo assets and users exist, and replayed machines feed the store through ingestion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sandan.accounts import authenticate
from sandan.twin.replay import Ai4iReplay
from sandan.twin.virtual import DEMO_PASSWORD, build_demo_complex
from tests.conftest import require_dataset


@pytest.fixture
def ai4i_csv():
    return require_dataset("ai4i2020") / "ai4i2020.csv"


def test_ai4i_replay_turns_each_row_into_one_part_and_five_readings(ai4i_csv):
    replay = Ai4iReplay(ai4i_csv, cycle_s=60.0, repair_s=0.0)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    made = replay.produce("mc-01", t0, t0 + timedelta(minutes=100))
    assert made.parts.num_rows == 100
    assert made.readings.num_rows == 500
    first = made.parts.slice(0, 1).to_pylist()[0]
    assert first["part_id"] == "M14860" and first["product"] == "M" and first["result"] == "ok"


def test_ai4i_replay_marks_failed_cycles_ng_with_their_mode_and_a_down_interval(ai4i_csv):
    replay = Ai4iReplay(ai4i_csv, cycle_s=60.0, repair_s=600.0)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    made = replay.produce("mc-01", t0, t0 + timedelta(days=2))
    parts = made.parts.to_pandas()
    ng = parts[parts.result == "ng"]
    assert len(ng) > 0 and ng.defect_type.notna().all()
    events = made.events.to_pandas()
    down = events[events.state == "down"]
    assert len(down) == len(ng)
    assert set(down.reason_code) <= {"TWF", "HDF", "PWF", "OSF", "RNF", "UNK"}


def test_demo_complex_has_six_companies_across_the_families_with_two_lines_each(duck_store):
    complex_ = build_demo_complex(duck_store)
    companies = duck_store.cross_tenant_companies()
    assert len(companies) >= 6
    families = {m.machine.family.value for m in complex_.machines}
    assert {"cnc", "injection", "press", "forging", "assembly"} <= families
    for company in companies:
        assert 2 <= len(duck_store.list_lines(company.id)) <= 4


def test_demo_complex_backfills_history_without_rejects_and_users_can_log_in(duck_store, ai4i_csv):
    complex_ = build_demo_complex(duck_store, ai4i=ai4i_csv)
    complex_.backfill(1, now=datetime.now(UTC))
    assert complex_.totals.rejected == 0
    stored = sum(duck_store.count_rows(c.id, "part_records") for c in duck_store.cross_tenant_companies())
    assert stored == complex_.totals.parts > 0
    assert duck_store.get_machine("hanil-precision", "mc-01") is not None  # the AI4I replay machine
    assert authenticate(duck_store, "hanil", DEMO_PASSWORD).company_id == "hanil-precision"
    assert authenticate(duck_store, "daesung", DEMO_PASSWORD).company_id == "daesung-plastics"
    assert authenticate(duck_store, "admin", DEMO_PASSWORD).role.value == "operator"


def test_poor_settings_machines_make_more_defects_than_their_nominal_neighbours(duck_store):
    complex_ = build_demo_complex(duck_store)
    complex_.backfill(2, now=datetime.now(UTC))
    start, end = datetime.now(UTC) - timedelta(hours=3), datetime.now(UTC)
    parts = duck_store.query_parts("daesung-plastics", start, end).to_pandas()
    ng_rate = parts.groupby("machine_id")["result"].apply(lambda r: (r == "ng").mean())
    assert ng_rate["imm-02"] > 2 * ng_rate[["imm-01", "imm-03"]].max()


def test_no_demo_machine_beats_its_standard_cycle_so_oee_shows_its_speed_losses(duck_store):
    # machines at poor settings run faster than their process's nominal cycle; a standard they beat every cycle
    # would put effectiveness above 100 % (shown capped) and hide the minor stops' speed loss
    from sandan.monitor import oee_report
    from sandan.twin.virtual import demo_calendar

    complex_ = build_demo_complex(duck_store)
    for vm in complex_.machines:
        assert vm.machine.ideal_cycle_time_s <= vm.source.cycle_time_s(vm.source.settings) + 1e-3
    end = datetime.now(UTC)
    complex_.backfill(3, now=end)
    report = oee_report(
        duck_store, "daesung-plastics", end - timedelta(hours=3), end, calendar=demo_calendar()
    )
    effectiveness = report.table(("machine",)).set_index("machine_id")["effectiveness_raw"]
    # (1 % for the standard rounded to ms and the parts at the window edges)
    assert (effectiveness <= 1.01).all() and (effectiveness > 0.5).all(), effectiveness.to_dict()


def test_demo_complex_advances_live_and_resending_time_creates_nothing_twice(duck_store, ai4i_csv):
    complex_ = build_demo_complex(duck_store, ai4i=ai4i_csv)
    now = datetime.now(UTC)
    complex_.backfill(0.5, now=now - timedelta(minutes=10))
    before = duck_store.count_rows("hanil-precision", "part_records")
    complex_.advance(now)
    after = duck_store.count_rows("hanil-precision", "part_records")
    assert after > before
    complex_.advance(now)  # same instant again: nothing new
    assert duck_store.count_rows("hanil-precision", "part_records") == after


def test_umich_replay_streams_every_column_at_100_ms_and_ends_each_experiment_with_its_part(duck_store):
    from sandan.collect import ingest_parts, ingest_readings
    from sandan.domain import Company, Machine
    from sandan.twin.replay import UmichReplay

    replay = UmichReplay(require_dataset("cnc_mill_tool_wear_umich"), experiments=[1, 2])
    duck_store.upsert_company(Company(id="smart", name="SMART lab"))
    duck_store.upsert_machine("smart", Machine(id="mill", company_id="smart", line_id="l1", name="Mill"))
    duck_store.upsert_signals("smart", replay.signals("smart", "mill"))
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    first = replay.produce("mill", t0, t0 + timedelta(seconds=10))
    assert first.readings.num_rows == 100 * len(replay.columns)  # 10 s at 100 ms
    assert ingest_readings(duck_store, "smart", first.readings).rejected == 0
    rest = replay.produce("mill", t0 + timedelta(seconds=10), t0 + timedelta(hours=1))
    ids = rest.parts["part_id"].to_pylist()
    assert ids[:3] == ["S-01", "S-02", "S-01"]  # one part per experiment, then the replay starts over
    assert rest.parts["result"].to_pylist()[:2] == ["ok", "ok"]  # both passed visual inspection
    assert ingest_parts(duck_store, "smart", rest.parts).rejected == 0


def test_a_kept_demo_catches_up_from_its_last_record_without_a_second_history_or_trial(duck_store):
    """`sandan demo --keep` made its whole history again on top of the kept one (a day's parts twice, effectiveness
    213 %) and ran the poor machines' trial again; it now fills only the time since the kept demo's last record."""
    end = datetime.now(UTC).replace(microsecond=0)
    company = "daesung-plastics"
    first = build_demo_complex(duck_store)
    first.catch_up(None, 3, now=end - timedelta(hours=2))
    kept = duck_store.count_rows(company, "part_records")
    from sandan.twin.virtual import kept_history_end

    since = kept_history_end(duck_store)  # what `sandan demo --keep` goes on from
    assert since == max(
        duck_store.record_span(c.id, "part_records")[1] for c in duck_store.cross_tenant_companies()
    )

    again = build_demo_complex(duck_store)  # a new server process over the kept store
    hours = again.catch_up(since, 3, now=end)
    assert hours == pytest.approx((end - since).total_seconds() / 3600)
    before = duck_store.query_parts(company, end - timedelta(hours=6), since + timedelta(microseconds=1))
    assert before.num_rows == kept  # nothing added to the kept history
    assert duck_store.count_rows(company, "part_records") > kept
    # the poor machine runs at its settings at once: no trial set points in what it made after the restart
    frame = duck_store.training_frame(company, since + timedelta(microseconds=1), end, ["imm-02"])
    poor = next(vm for vm in again.machines if vm.machine.id == "imm-02").source.settings
    assert len(frame) > 20
    assert abs(frame["melt_temp_c"].median() - poor["melt_temp_c"]) < 3
    assert frame["melt_temp_c"].std() < 3  # the trial spreads it ±25 %
