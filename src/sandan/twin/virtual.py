"""The virtual industrial complex: demo companies whose machines produce live data into the platform.

Machines only produce canonical batches; they reach the store through the same ingestion path as real data.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sandan.collect import Origin, Receipt, ingest_events, ingest_parts, ingest_readings
from sandan.domain import Company, Line, Machine, ProcessFamily, Role, Signal, Site
from sandan.domain.text import split_name
from sandan.domain.yamltext import read_yaml
from sandan.store import Store
from sandan.twin.process import MODELS, MachineCondition, ProcessModel
from sandan.twin.replay import Ai4iReplay, Produced

log = logging.getLogger(__name__)

DEMO_PASSWORD = "sandan-demo"


class VirtualMachineSource(Protocol):
    family: ProcessFamily

    def signals(self, company_id: str, machine_id: str) -> list[Signal]: ...

    def produce(self, machine_id: str, t_from: datetime, t_to: datetime) -> Produced: ...


@dataclass
class VirtualMachine:
    company_id: str
    machine: Machine
    source: VirtualMachineSource
    clock: datetime | None = None


@dataclass
class ComplexTotals:
    parts: int = 0
    readings: int = 0
    events: int = 0
    rejected: int = 0
    published: int = 0  # readings handed to a gateway (their storage is counted by the collectors)
    last_tick: datetime | None = None
    errors: list[str] = field(default_factory=list)


class VirtualComplex:
    """Drives every virtual machine forward in time and ingests what they produce."""

    def __init__(self, store: Store, machines: list[VirtualMachine]) -> None:
        self.store = store
        self.machines = machines
        self.totals = ComplexTotals()
        self._lock = threading.Lock()
        # machine id -> gateway that carries its readings over a real protocol (OPC UA, Sparkplug B, Modbus) to the
        # platform's collectors; machines without one hand their readings to ingestion in-process.
        self.routes: dict[tuple[str, str], Any] = {}

    def advance(self, until: datetime) -> None:
        """Produce and ingest everything every machine makes up to `until` (UTC)."""
        with self._lock:
            for vm in self.machines:
                start = vm.clock or until
                if until <= start:
                    continue
                produced = vm.source.produce(vm.machine.id, start, until)
                vm.clock = until
                origin = Origin(source=f"virtual:{vm.machine.id}")
                receipts: list[Receipt] = []
                if produced.parts.num_rows:
                    receipts.append(ingest_parts(self.store, vm.company_id, produced.parts, origin))
                    self.totals.parts += receipts[-1].accepted
                gateway = self.routes.get((vm.company_id, vm.machine.id))
                if gateway is not None:
                    if hasattr(gateway, "publish_produced"):  # a PLC image: counters and state as well
                        gateway.publish_produced(vm.machine.id, produced)
                    else:
                        gateway.publish(vm.machine.id, produced.readings)
                    self.totals.published += produced.readings.num_rows
                elif produced.readings.num_rows:
                    receipts.append(ingest_readings(self.store, vm.company_id, produced.readings, origin))
                    self.totals.readings += receipts[-1].accepted
                if produced.events.num_rows:
                    receipts.append(ingest_events(self.store, vm.company_id, produced.events, origin))
                    self.totals.events += receipts[-1].accepted
                self.totals.rejected += sum(r.rejected for r in receipts)
            self.totals.last_tick = until

    def backfill(self, hours: float, now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        start = now - timedelta(hours=hours)
        for vm in self.machines:
            vm.clock = start
        step = timedelta(hours=1)
        t = start
        while t < now:
            t = min(t + step, now)
            self.advance(t)

    def catch_up(self, since: datetime | None, hours: float, now: datetime | None = None) -> float:
        """Fill the history a demo starts with: `hours` of it (`backfill`), or, for a kept demo whose newest record
        is at `since`, only the time since then (at most `hours`) — its history is there already, and its machines
        do not run their trial again. Returns the hours produced."""
        now = now or datetime.now(UTC)
        if since is not None:
            for vm in self.machines:
                if isinstance(vm.source, ProcessModelSource):
                    vm.source.skip_trial()
            hours = min(hours, max(0.0, (now - since).total_seconds() / 3600))
        self.backfill(hours, now)
        return hours

    def run(
        self,
        stop: threading.Event,
        tick_s: float = 2.0,
        on_tick: Callable[[ComplexTotals], None] | None = None,
    ):
        """Stream in real time until `stop` is set; errors are logged and kept, the loop goes on."""
        while not stop.wait(tick_s):
            try:
                self.advance(datetime.now(UTC))
                if on_tick:
                    on_tick(self.totals)
            except Exception as exc:  # keep the demo alive; the error is shown in the totals
                log.exception("virtual complex tick failed")
                self.totals.errors.append(str(exc))


class ProcessModelSource:
    """A machine driven by a family's process model, simulated ahead in chunks and released as time passes."""

    def __init__(
        self,
        model: ProcessModel,
        settings: dict[str, float],
        seed: int,
        chunk_parts: int = 200,
        *,
        trial: np.ndarray | None = None,
        trial_parts: int = 60,
    ) -> None:
        self.model = model
        self.family = next(f for f, cls in MODELS.items() if isinstance(model, cls))
        self.settings = settings
        self.rng = np.random.default_rng(seed)
        self.chunk_parts = chunk_parts
        self.condition: MachineCondition | None = None
        self._ahead: list[Produced] = []
        # set points (rows in the order of the model's PARAMETERS) the machine runs first, `trial_parts` each — a
        # trial an engineer ran — before it settles at `settings`
        names = [p.name for p in model.PARAMETERS]
        self._trial = [
            dict(zip(names, map(float, row), strict=True)) for row in (trial if trial is not None else [])
        ]
        self.trial_parts = trial_parts

    def signals(self, company_id: str, machine_id: str) -> list[Signal]:
        return self.model.signals(company_id, machine_id)

    def skip_trial(self) -> None:
        """Start at `settings` at once (the trial ran in an earlier life of this machine)."""
        self._trial = []

    def ideal_cycle_time_s(self) -> float:
        """The machine's standard cycle: the faster of its process's nominal settings and the settings it runs (a
        machine set to cool or hold for less than nominal runs faster than the nominal cycle, and a standard it
        beats every cycle would hide its speed losses behind effectiveness above 100 %)."""
        return min(self.cycle_time_s(self.model.nominal_settings()), self.cycle_time_s(self.settings))

    def cycle_time_s(self, settings: dict[str, float]) -> float:
        return float(self.model.cycle_time_s({k: np.asarray([v]) for k, v in settings.items()})[0])

    def produce(self, machine_id: str, t_from: datetime, t_to: datetime) -> Produced:
        while self.condition is None or self.condition.time < t_to:
            settings, n = (
                (self._trial.pop(0), self.trial_parts) if self._trial else (self.settings, self.chunk_parts)
            )
            batch = self.model.simulate(
                settings, n, start_time=t_from, rng=self.rng, condition=self.condition
            )
            self.condition = batch.end_condition
            self._ahead.append(
                Produced(
                    batch.to_part_table(machine_id),
                    batch.to_reading_table(machine_id),
                    batch.to_event_table(machine_id),
                )
            )
        ahead = Produced(
            *(pa.concat_tables([getattr(p, k) for p in self._ahead]) for k in ("parts", "readings", "events"))
        )
        limit = pa.scalar(t_to, pa.timestamp("us", tz="UTC"))
        due = [
            pc.less(ahead.parts["time"], limit),
            pc.less(ahead.readings["time"], limit),
            pc.less(ahead.events["start"], limit),
        ]
        now = Produced(
            *(t.filter(m) for t, m in zip((ahead.parts, ahead.readings, ahead.events), due, strict=True))
        )
        later = Produced(
            *(
                t.filter(pc.invert(m))
                for t, m in zip((ahead.parts, ahead.readings, ahead.events), due, strict=True)
            )
        )
        self._ahead = [later]
        return now


# The demo complex: six member companies across the four process families and assembly, two lines each.
# (company id, name, family, region, [(line id, line name, [(machine id, machine name, family, setting)])])
DEMO_COMPANIES = [
    (
        "hanil-precision",
        "한일정밀 Hanil Precision",
        ProcessFamily.cnc,
        "창원",
        [
            (
                "cnc-a",
                "CNC 선반 A라인 CNC turning line A",
                [
                    ("cnc-01", "선반 1호기 Lathe 1", ProcessFamily.cnc, "nominal"),
                    ("cnc-02", "선반 2호기 Lathe 2", ProcessFamily.cnc, "nominal"),
                    ("cnc-03", "선반 3호기 Lathe 3", ProcessFamily.cnc, "poor"),
                ],
            ),
            (
                "cnc-b",
                "CNC 가공 B라인 CNC line B",
                [("cnc-04", "선반 4호기 Lathe 4", ProcessFamily.cnc, "nominal")],
            ),
        ],
    ),
    (
        "daesung-plastics",
        "대성플라스틱 Daesung Plastics",
        ProcessFamily.injection,
        "시화",
        [
            (
                "inj-a",
                "사출 A라인 Injection line A",
                [
                    ("imm-01", "사출기 1호기 IMM 1 (150 t)", ProcessFamily.injection, "nominal"),
                    ("imm-02", "사출기 2호기 IMM 2 (150 t)", ProcessFamily.injection, "poor"),
                    ("imm-03", "사출기 3호기 IMM 3 (150 t)", ProcessFamily.injection, "nominal"),
                ],
            ),
            (
                "inj-b",
                "사출 B라인 Injection line B",
                [
                    ("imm-04", "사출기 4호기 IMM 4 (150 t)", ProcessFamily.injection, "nominal"),
                    ("imm-05", "사출기 5호기 IMM 5 (150 t)", ProcessFamily.injection, "nominal"),
                ],
            ),
        ],
    ),
    (
        "sejin-press",
        "세진프레스 Sejin Press",
        ProcessFamily.press,
        "반월",
        [
            (
                "prs-a",
                "프레스 A라인 Press line A",
                [
                    ("prs-01", "서보프레스 1호기 Servo press 1", ProcessFamily.press, "nominal"),
                    ("prs-02", "서보프레스 2호기 Servo press 2", ProcessFamily.press, "poor"),
                ],
            ),
            (
                "prs-b",
                "프레스 B라인 Press line B",
                [("prs-03", "서보프레스 3호기 Servo press 3", ProcessFamily.press, "nominal")],
            ),
        ],
    ),
    (
        "kumho-forging",
        "금호단조 Kumho Forging",
        ProcessFamily.forging,
        "창원",
        [
            (
                "frg-a",
                "열간단조 A라인 Hot forging line A",
                [
                    ("frg-01", "단조프레스 1호기 Forging press 1", ProcessFamily.forging, "nominal"),
                    ("frg-02", "단조프레스 2호기 Forging press 2", ProcessFamily.forging, "poor"),
                ],
            ),
            (
                "frg-b",
                "열간단조 B라인 Hot forging line B",
                [("frg-03", "단조프레스 3호기 Forging press 3", ProcessFamily.forging, "nominal")],
            ),
        ],
    ),
    (
        "mirae-assembly",
        "미래조립 Mirae Assembly",
        ProcessFamily.assembly,
        "남동",
        [
            (
                "asm-a",
                "조립 A라인 Assembly line A",
                [
                    ("asm-01", "체결 1번 Fastening 1", ProcessFamily.assembly, "nominal"),
                    ("asm-02", "압입 2번 Press-fit 2", ProcessFamily.assembly, "nominal"),
                ],
            ),
            (
                "asm-b",
                "조립 B라인 Assembly line B",
                [("asm-03", "체결 3번 Fastening 3", ProcessFamily.assembly, "poor")],
            ),
        ],
    ),
    (
        "dongyang-tech",
        "동양테크 Dongyang Tech",
        ProcessFamily.injection,
        "남동",
        [
            (
                "inj-c",
                "사출 C라인 Injection line C",
                [("imm-11", "사출기 11호기 IMM 11", ProcessFamily.injection, "nominal")],
            ),
            (
                "cnc-c",
                "후가공 C라인 Finishing line C",
                [("cnc-11", "선반 11호기 Lathe 11", ProcessFamily.cnc, "nominal")],
            ),
        ],
    ),
]


def demo_calendar():
    """The virtual plants run around the clock, every day: two 12-h shifts, seven days, no holidays. Their crews
    take meals in turns, so the machines have no breaks (a break in the calendar would leave the parts made during
    it out of OEE)."""
    from sandan.monitor.calendar import ShiftCalendar

    calendar = ShiftCalendar.two_shifts(working_weekdays=[0, 1, 2, 3, 4, 5, 6], korean_public_holidays=False)
    return calendar.model_copy(
        update={"shifts": [s.model_copy(update={"breaks": []}) for s in calendar.shifts]}
    )


def demo_codes():
    """The names of every stop-reason and defect code the process models use, as a code table (what a plant's own
    code tables would give its pages)."""
    from sandan.monitor.codes import CodeName, CodeTable
    from sandan.twin.process.base import CHANGEOVER, MINOR_STOP_REASONS

    reasons, defects = {}, {}
    for model in MODELS.values():
        for r in (*model.BREAKDOWNS, model.MAINTENANCE, *MINOR_STOP_REASONS, CHANGEOVER):
            reasons[r.code] = CodeName(ko=r.label_ko, en=r.label_en)
        for d in model.DEFECTS:
            defects[d.code] = CodeName(ko=d.label_ko, en=d.label_en)
        if model.FAILURE is not None:
            reason, defect = model.FAILURE
            reasons[reason.code] = CodeName(ko=reason.label_ko, en=reason.label_en)
            defects.setdefault(defect, CodeName(ko=reason.label_ko, en=reason.label_en))
    return CodeTable(reasons=reasons, defects=defects)


def demo_alert_rules():
    """The alert rules every demo company starts with, as a plant would set its first ones: the company's scrap out
    of control on an hourly Laney p′ chart (all its machines together: machines of different scrap rates spread the
    hourly shares beyond a p chart's binomial limits, which then flag ordinary hours), and any machine's OEE under
    60 % over its last 8 hours."""
    from sandan.monitor.alerts import AlertRule

    return [
        AlertRule(
            id="scrap-p-chart",
            name="불량률 관리도 (Laney p′) / scrap rate, Laney p′ chart",
            kind="spc",
            chart="laney_p",
            subgroup="h",
            rules="western_electric",
        ),
        AlertRule(
            id="oee-under-60",
            name="OEE 60 % 미만 (8시간) / OEE under 60 % (8 h)",
            kind="oee_drop",
            threshold=0.6,
            window_s=8 * 3600,
        ),
    ]


def install_demo_alert_rules(store: Store, data_dir: Path) -> None:
    """Every demo company's first alert rules (`demo_alert_rules`), checked as the API checks them; a kept demo's
    rules, edited or not, stay as they are."""
    from sandan.monitor import check_rule_subject
    from sandan.monitor.alert_store import open_alert_store

    alerts = open_alert_store(data_dir)
    for company_id, *_ in DEMO_COMPANIES:
        have = {r["id"] for r in alerts.list_rules(company_id)}
        for rule in demo_alert_rules():
            if rule.id not in have:
                check_rule_subject(store, company_id, rule)
                alerts.put_rule(company_id, rule.id, rule.model_dump(mode="json"), None)


def kept_history_end(store: Store) -> datetime | None:
    """The newest part record of the demo companies in `store` (a kept demo's), None when it holds none."""
    spans = [store.record_span(company_id, "part_records") for company_id, *_ in DEMO_COMPANIES]
    return max((s[1] for s in spans if s), default=None)


TRIAL_RUNS = 24  # set points of the trial a demo machine at poor settings starts with
TRIAL_RUN_S = 1800.0  # production time of each trial run


def demo_source(model: ProcessModel, setting: str, seed: int) -> ProcessModelSource:
    """A demo machine: at nominal settings, or at poor ones ("poor") after a trial around them — `TRIAL_RUNS`
    set points at deliberately different settings, `TRIAL_RUN_S` of production each — so that "what should I change?" has data that can answer it."""
    if setting != "poor":
        return ProcessModelSource(model, model.nominal_settings(), seed=seed)
    settings = model.poor_settings()
    source = ProcessModelSource(
        model, settings, seed=seed, trial=model.trial_settings(settings, TRIAL_RUNS, seed=seed)
    )
    source.trial_parts = max(20, round(TRIAL_RUN_S / source.cycle_time_s(settings)))
    return source


def build_demo_complex(
    store: Store, *, ai4i: Path | None = None, password: str = DEMO_PASSWORD
) -> VirtualComplex:
    """Create the demo companies, their assets and users, and return the complex that feeds them.

    Every machine runs its family's process model (some at poor settings, so there is something to improve; those
    begin with a trial of `TRIAL_RUNS` set points around their settings, about an hour of production each
    (`TRIAL_RUN_S`), as an engineer would run before asking what to change);
    with `ai4i`, Hanil Precision also has a milling machine replaying the AI4I 2020 data set.
    """
    from sandan.accounts import create_user

    machines: list[VirtualMachine] = []
    existing = {u.id for u in store.cross_tenant_users("operator")}
    if "admin" not in existing:
        create_user(store, "admin", password, Role.operator, None, name="운영자 Operator", lang="ko")
    seed = 0
    for company_id, name, family, region, lines in DEMO_COMPANIES:
        store.upsert_company(Company(id=company_id, name=name, family=family, region=region))
        site_id = f"{company_id.split('-')[0]}-1"
        store.upsert_site(company_id, Site(id=site_id, company_id=company_id, name=f"{region} 1공장 Plant 1"))
        for line_id, line_name, line_machines in lines:
            store.upsert_line(
                company_id, Line(id=line_id, company_id=company_id, site_id=site_id, name=line_name)
            )
            for machine_id, machine_name, machine_family, setting in line_machines:
                seed += 1
                model = MODELS[machine_family](material_seed=seed)
                source = demo_source(model, setting, seed)
                machine = Machine(
                    id=machine_id,
                    company_id=company_id,
                    line_id=line_id,
                    name=machine_name,
                    family=machine_family,
                    model=f"가상 {model.label_ko} · virtual {model.label_en}",
                    ideal_cycle_time_s=round(source.ideal_cycle_time_s(), 3),
                )
                store.upsert_machine(company_id, machine)
                store.upsert_signals(company_id, source.signals(company_id, machine_id))
                machines.append(VirtualMachine(company_id, machine, source))
        user = company_id.split("-")[0]
        if store.user_for_login(user) is None:
            # "세진프레스 관리자 Sejin Press admin": each language's part of the name reads whole
            ko, en = split_name(name)
            admin = f"{ko} 관리자 {en} admin" if en else f"{ko} 관리자 admin"
            create_user(store, user, password, Role.company_admin, company_id, name=admin)
    if ai4i is not None:
        company_id = "hanil-precision"
        machine = Machine(
            id="mc-01",
            company_id=company_id,
            line_id="cnc-b",
            name="밀링 1호기 Milling 1 (AI4I replay)",
            family=ProcessFamily.cnc,
            model="AI4I 2020 replay",
            ideal_cycle_time_s=20.0,
        )
        store.upsert_machine(company_id, machine)
        replay = Ai4iReplay(ai4i, cycle_s=20.0, repair_s=600.0)
        store.upsert_signals(company_id, replay.signals(company_id, machine.id))
        machines.append(VirtualMachine(company_id, machine, replay))
    return VirtualComplex(store, machines)


# Which demo companies stream over a real protocol when the network transport is on.
OPCUA_COMPANIES = ("daesung-plastics",)
SPARKPLUG_COMPANIES = ("kumho-forging",)
# press shops commonly have PLCs, not OPC UA: Sejin Press's machines sit behind a Modbus TCP gateway
MODBUS_COMPANIES = ("sejin-press",)
MODBUS_POLL_S = 1.0


@dataclass
class NetworkTransport:
    """The gateways, broker and collectors that carry demo readings over OPC UA, MQTT and Modbus on loopback."""

    gateways: list[Any] = field(default_factory=list)
    collectors: list[Any] = field(default_factory=list)
    served: list[tuple[Any, set[str]]] = field(default_factory=list)  # collector, the companies it carries
    broker: Any = None
    notes: list[tuple[str, str]] = field(default_factory=list)  # (English, Korean)

    def health(self) -> list[dict[str, Any]]:
        return [c.health().to_dict() for c in self.collectors]

    def stop(self) -> None:
        for c in self.collectors:
            c.stop()
        for g in self.gateways:
            g.stop()
        if self.broker is not None:
            self.broker.stop()


def start_network(
    complex_: VirtualComplex,
    *,
    mqtt_host: str = "127.0.0.1",
    mqtt_port: int = 1883,
    modbus_poll_s: float = MODBUS_POLL_S,
) -> NetworkTransport:
    """Route some demo companies' readings through an OPC UA server, Sparkplug B over MQTT and a Modbus TCP
    gateway into the platform's collectors.

    Uses the MQTT broker at mqtt_host:mqtt_port when one answers, otherwise starts an embedded one and says so.
    The Modbus collectors are built from a generated site file, as a plant would configure them.
    """

    from sandan.collect.connector import StoreSink
    from sandan.collect.mqtt import MqttCollector, MqttConfig
    from sandan.collect.opcua import OpcUaCollector, OpcUaConfig, OpcUaMachine
    from sandan.collect.site import SiteConfig
    from sandan.twin.gateway import (
        EmbeddedBroker,
        GatewayMachine,
        ModbusGateway,
        OpcUaGateway,
        SparkplugGateway,
        port_open,
    )
    from sandan.twin.modbus_map import site_yaml

    net = NetworkTransport()
    sink = StoreSink(complex_.store)

    def machines_of(company_id: str) -> list[VirtualMachine]:
        return [
            vm
            for vm in complex_.machines
            if vm.company_id == company_id and isinstance(vm.source, ProcessModelSource)
        ]

    def gateway_machines(vms: list[VirtualMachine]) -> list[GatewayMachine]:
        return [
            GatewayMachine(
                vm.machine.id,
                vm.machine.name,
                vm.machine.family.value,
                vm.machine.model,
                [(s.name, s.unit) for s in vm.source.signals(vm.company_id, vm.machine.id)],
            )
            for vm in vms
        ]

    if not port_open(mqtt_host, mqtt_port):
        net.broker = EmbeddedBroker().start()
        mqtt_host, mqtt_port = net.broker.host, net.broker.port
        net.notes.append(
            (
                f"no MQTT broker at 127.0.0.1:1883: started an embedded one on port {mqtt_port}",
                f"127.0.0.1:1883 에 MQTT 브로커가 없어 내장 브로커를 {mqtt_port} 포트에 띄웠습니다",
            )
        )
    # Each network has its own edge-node id and listens only to it, so two demos (or a demo and the tests) on one
    # broker neither take each other's client ids nor read each other's messages.
    node_id = f"gateway-{secrets.token_hex(3)}"
    collector = MqttCollector(
        MqttConfig(
            host=mqtt_host,
            port=mqtt_port,
            topic=f"spBv1.0/+/+/{node_id}/#",
            sparkplug=True,
            client_id=f"sandan-demo-platform-{node_id}",
        ),
        name="sparkplug",
    )
    collector.start(sink)
    # Sparkplug births go out once, when an edge node connects: subscribe before any gateway does, or the
    # platform never learns the metric aliases (Sparkplug's remedy, a rebirth request, is not implemented here)
    deadline = time.monotonic() + 10
    while collector.health().state != "connected" and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.25)  # "connected" means SUBSCRIBE is sent; give the broker a moment to register it
    net.collectors.append(collector)
    net.served.append((collector, set(SPARKPLUG_COMPANIES)))
    for company_id in SPARKPLUG_COMPANIES:
        vms = machines_of(company_id)
        gateway = SparkplugGateway(mqtt_host, mqtt_port, company_id, node_id, gateway_machines(vms))
        net.gateways.append(gateway)
        for vm in vms:
            complex_.routes[(company_id, vm.machine.id)] = gateway
    for company_id in OPCUA_COMPANIES:
        vms = machines_of(company_id)
        gateway = OpcUaGateway(gateway_machines(vms), name=company_id).start()
        net.gateways.append(gateway)
        opc = OpcUaCollector(
            OpcUaConfig(
                gateway.endpoint,
                company_id,
                [OpcUaMachine(vm.machine.id, OpcUaGateway.object_path(vm.machine.id)) for vm in vms],
                sampling_ms=200,
            ),
            name=f"opcua-{company_id}",
        )
        opc.start(sink)
        net.collectors.append(opc)
        net.served.append((opc, {company_id}))
        for vm in vms:
            complex_.routes[(company_id, vm.machine.id)] = gateway
        net.notes.append(
            (
                f"{company_id}: {len(vms)} machines on OPC UA {gateway.endpoint}",
                f"{company_id}: 설비 {len(vms)}대가 OPC UA {gateway.endpoint} 로 연결됨",
            )
        )
    for company_id in MODBUS_COMPANIES:
        vms = machines_of(company_id)
        gateway = ModbusGateway(gateway_machines(vms)).start()
        net.gateways.append(gateway)
        now = datetime.now(UTC)
        for vm in vms:
            # the status words (counters, state, alarm and defect codes) are signals of their own
            regmap = gateway.maps[vm.machine.id]
            complex_.store.upsert_signals(company_id, regmap.signals(company_id, vm.machine.id))
            # like a PLC's retained data, the image starts from the machine's last cycle, not from zeros
            recent = complex_.store.query_readings(
                company_id, now - timedelta(hours=1), now, machine_ids=[vm.machine.id]
            )
            gateway.publish(vm.machine.id, recent)
        site = SiteConfig.model_validate(
            read_yaml(site_yaml(company_id, gateway.collector_specs(poll_interval_s=modbus_poll_s)))
        )
        for plc in site.build_connectors():
            plc.start(sink)
            net.collectors.append(plc)
            net.served.append((plc, {company_id}))
        for vm in vms:
            complex_.routes[(company_id, vm.machine.id)] = gateway
        net.notes.append(
            (
                f"{company_id}: {len(vms)} machines on Modbus TCP 127.0.0.1:{gateway.port} (unit ids 1–{len(vms)})",
                f"{company_id}: 설비 {len(vms)}대가 Modbus TCP 127.0.0.1:{gateway.port} (유닛 ID 1–{len(vms)}) 로 연결됨",
            )
        )
    return net
