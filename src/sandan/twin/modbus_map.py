"""The Modbus register map of a virtual machine: one data structure from which the Modbus gateway writes its
registers, the collector's site-file section is generated and the documentation table is rendered.

Conventions (MODBUS Application Protocol Specification V1.1b3, Modbus Organization, 2012):

- Data model (§4.3): every value is a *holding register* (16-bit word, read with function code 03). The device
  keeps one shared register block, as most PLCs do, so reading the same addresses as input registers (04)
  returns the same words. The image is read-only: a write (06, 16) is answered with exception 01 (illegal
  function).
- Addressing (§4.4): addresses here are the 0-based addresses carried in the request PDU (0..65535). Documents
  that number registers from 1 ("4x references", 40001 = address 0) are given in the table's `4x` column.
- Encoding (§4.2): each word is big-endian (high byte first). The specification defines nothing wider than one
  register; 32-bit values (uint32 counters, float32 IEEE 754) take two consecutive registers, **high word first**
  (word order "big", often written ABCD) — the collector's `word_order: big`.
- Unit identifier (MODBUS Messaging on TCP/IP Implementation Guide V1.0b, §3.1.3, MBAP header): one TCP server
  per plant gateway, one unit id per machine — the way a Modbus TCP gateway fronts the RS-485 controllers of a
  press shop. An unknown unit id is answered with exception 0A (gateway path unavailable, spec §7).

Layout of every machine (unit): counters and codes at 0–8, then one two-register slot per process value from
address 10, in the order of the process model's signals. A process value whose full scale at its resolution
(10^-decimals of the model) fits a signed 16-bit word is a scaled int16 (value = raw × scale), else an unsigned
16-bit word, else a float32; a 16-bit value leaves the second word of its slot 0.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import yaml

from sandan.domain import MachineState, ProcessFamily, Signal
from sandan.twin.process import MODELS
from sandan.twin.process.base import CHANGEOVER, MINOR_STOP_REASONS, ProcessModel

WIDTH = {"int16": 1, "uint16": 1, "int32": 2, "uint32": 2, "float32": 2}
WORD_ORDER = "big"  # 32-bit values: high word at the lower address
PROCESS_VALUES_START = 10
SLOT_WORDS = 2

# machine state -> code in the state register; 0 = no data from the machine yet
STATE_CODES: dict[str, tuple[int, str, str]] = {
    MachineState.running.value: (1, "running", "가동"),
    MachineState.idle.value: (2, "idle (minor stop)", "대기 (짧은 정지)"),
    MachineState.down.value: (3, "down (breakdown)", "고장 정지"),
    MachineState.setup.value: (4, "setup / maintenance", "준비 교체 / 보전"),
    MachineState.planned_stop.value: (5, "planned stop", "계획 정지"),
}
UNKNOWN_CODE = 999


@dataclass(frozen=True)
class Code:
    """One entry of a code table (state, alarm, defect)."""

    code: int
    key: str
    label_en: str
    label_ko: str


@dataclass(frozen=True)
class Point:
    """One value in the register image: where it is, how it is encoded, and what drives it."""

    name: str  # the signal name the collector stores it under
    address: int  # 0-based PDU address of its first register
    type: str  # int16 | uint16 | uint32 | float32
    scale: float  # engineering value = raw × scale
    unit: str
    label_en: str
    label_ko: str
    min_value: float | None = None
    max_value: float | None = None

    @property
    def words(self) -> int:
        return WIDTH[self.type]

    @property
    def reference(self) -> str:
        """The 1-based '4x' holding-register number older documents use (address 0 = 40001)."""
        return f"{400001 + self.address}" if self.address >= 9999 else f"{40001 + self.address}"

    def raw(self, value: float) -> int | float:
        """The number stored in the register(s) for an engineering value (rounded to the scale's resolution)."""
        if self.type == "float32":
            return float(value)
        raw = int(round(value / self.scale))
        lo, hi = {"int16": (-32768, 32767), "uint16": (0, 65535), "uint32": (0, 2**32 - 1)}[self.type]
        if self.type == "uint32":
            return raw % 2**32  # counters wrap like a PLC's 32-bit counter
        return min(max(raw, lo), hi)


@dataclass(frozen=True)
class RegisterMap:
    """The register image of one process family's machine."""

    family: ProcessFamily
    model: str
    points: tuple[Point, ...]
    alarms: tuple[Code, ...]
    defects: tuple[Code, ...]

    @property
    def size(self) -> int:
        """Registers in the image (addresses 0..size-1 are readable; unused ones read 0)."""
        return max(p.address + max(p.words, SLOT_WORDS) for p in self.points)

    def point(self, name: str) -> Point:
        return next(p for p in self.points if p.name == name)

    def alarm_code(self, reason: str | None) -> int:
        if not reason:
            return 0
        return next((a.code for a in self.alarms if a.key == reason), UNKNOWN_CODE)

    def defect_code(self, defect: str | None) -> int:
        if not defect:
            return 0
        return next((d.code for d in self.defects if d.key == defect), UNKNOWN_CODE)

    def encode(self, values: dict[str, float]) -> list[int]:
        """The whole register image for engineering values by point name (missing values read 0)."""
        from pymodbus.client import ModbusTcpClient

        words = [0] * self.size
        for p in self.points:
            if p.name not in values:
                continue
            kind = getattr(ModbusTcpClient.DATATYPE, p.type.upper())
            regs = ModbusTcpClient.convert_to_registers(p.raw(values[p.name]), kind, word_order=WORD_ORDER)
            words[p.address : p.address + p.words] = regs
        return words

    def registers(self) -> list[dict[str, Any]]:
        """The register list of the collector's site file (`sandan.collect.site.RegisterSpec`)."""
        return [
            {
                "signal": p.name,
                "address": p.address,
                "type": p.type,
                "scale": p.scale,
                "offset": 0.0,
                "word_order": WORD_ORDER,
            }
            for p in self.points
        ]

    def collector_spec(
        self,
        *,
        name: str,
        host: str,
        machine_id: str,
        port: int = 502,
        device_id: int = 1,
        poll_interval_s: float = 1.0,
    ) -> dict[str, Any]:
        """One `type: modbus` connector of a site file, polling this map on one unit."""
        return {
            "type": "modbus",
            "name": name,
            "host": host,
            "port": port,
            "device_id": device_id,
            "machine_id": machine_id,
            "poll_interval_s": poll_interval_s,
            "registers": self.registers(),
        }

    def signals(self, company_id: str, machine_id: str) -> list[Signal]:
        """The signals the collector stores for one machine, with their valid ranges."""
        return [
            Signal(
                company_id=company_id,
                machine_id=machine_id,
                name=p.name,
                unit=p.unit,
                min_value=p.min_value,
                max_value=p.max_value,
                description=f"{p.label_ko} / {p.label_en} (Modbus {p.address})",
            )
            for p in self.points
        ]


def _scaled_type(lo: float, hi: float, scale: float) -> str:
    """The narrowest register type that holds [lo, hi] at `scale` resolution."""
    if max(abs(lo), abs(hi)) / scale <= 32767:
        return "int16"
    if lo >= 0 and hi / scale <= 65535:
        return "uint16"
    return "float32"


def _alarms(model: type[ProcessModel]) -> tuple[Code, ...]:
    """1xx: breakdowns (down), 15x: wear-driven failure (down), 2xx: planned setups, 3xx: minor stops (idle)."""
    codes = [Code(101 + i, r.code, r.label_en, r.label_ko) for i, r in enumerate(model.BREAKDOWNS)]
    if model.FAILURE is not None:
        r = model.FAILURE[0]
        codes.append(Code(151, r.code, r.label_en, r.label_ko))
    for i, r in enumerate((model.MAINTENANCE, CHANGEOVER)):
        codes.append(Code(201 + i, r.code, r.label_en, r.label_ko))
    codes += [Code(301 + i, r.code, r.label_en, r.label_ko) for i, r in enumerate(MINOR_STOP_REASONS)]
    return tuple(codes)


@functools.cache
def register_map(family: ProcessFamily | str) -> RegisterMap:
    """The register map of a family's virtual machine, derived from its process model's vocabulary."""
    family = ProcessFamily(family)
    model = MODELS[family]
    counters = [
        ("parts_total", "parts made (since gateway start)", "생산 수량 (게이트웨이 시작 이후)"),
        ("parts_ok", "good parts", "양품 수량"),
        ("parts_ng", "defective parts", "불량 수량"),
    ]
    points = [
        Point(name, 2 * i, "uint32", 1.0, "pcs", en, ko, 0, 2**32 - 1)
        for i, (name, en, ko) in enumerate(counters)
    ]
    points += [
        Point(
            "state_code", 6, "uint16", 1.0, "", "machine state (state codes)", "설비 상태 (상태 코드)", 0, 5
        ),
        Point(
            "alarm_code",
            7,
            "uint16",
            1.0,
            "",
            "active stop reason (alarm codes; 0 while running)",
            "현재 정지 사유 (알람 코드, 가동 중 0)",
            0,
            UNKNOWN_CODE,
        ),
        Point(
            "defect_code",
            8,
            "uint16",
            1.0,
            "",
            "last part's defect (defect codes; 0 = good)",
            "직전 제품의 불량 (불량 코드, 0 = 양품)",
            0,
            UNKNOWN_CODE,
        ),
    ]
    for i, spec in enumerate(model.SIGNALS):
        scale = 10.0**-spec.decimals
        kind = _scaled_type(spec.min_value, spec.max_value, scale)
        points.append(
            Point(
                spec.name,
                PROCESS_VALUES_START + SLOT_WORDS * i,
                kind,
                1.0 if kind == "float32" else scale,
                spec.unit,
                spec.label_en,
                spec.label_ko,
                spec.min_value,
                spec.max_value,
            )
        )
    defects = tuple(Code(i + 1, d.code, d.label_en, d.label_ko) for i, d in enumerate(model.DEFECTS))
    return RegisterMap(family, model.__name__, tuple(points), _alarms(model), defects)


def site_yaml(company: str, connectors: list[dict[str, Any]], site: str = "") -> str:
    """A site file (`sandan.collect.site.SiteConfig`) with the given connectors, as YAML text."""
    doc: dict[str, Any] = {"company": company}
    if site:
        doc["site"] = site
    doc["connectors"] = connectors
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


# ---- documentation ------------------------------------------------------------------------------------------


def _number(x: float) -> str:
    if x == int(x):
        return str(int(x))
    return f"{x:g}"


def _range(p: Point) -> str:
    if p.min_value is None or p.max_value is None:
        return ""
    return f"{_number(p.min_value)}–{_number(p.max_value)}"


def _codes_table(title: str, codes: list[Code]) -> list[str]:
    lines = [title, "", "| code | key | meaning | 의미 |", "|---:|---|---|---|"]
    lines += [f"| {c.code} | `{c.key}` | {c.label_en} | {c.label_ko} |" for c in codes]
    return lines + [""]


def render_markdown() -> str:
    """docs/modbus-register-map.md, generated from the maps (`python -m sandan.twin.modbus_map`)."""
    out = [
        "# Modbus register map / Modbus 레지스터 맵",
        "",
        "<!-- generated by `python -m sandan.twin.modbus_map > docs/modbus-register-map.md`; do not edit -->",
        "",
        "The virtual factory's Modbus TCP gateway (`sandan.twin.gateway.ModbusGateway`) serves one unit per machine;",
        "this map is what it writes and what the generated collector configuration reads.",
        "가상 공장의 Modbus TCP 게이트웨이는 설비마다 유닛 ID 하나를 두며, 아래 맵대로 값을 쓰고 수집기는 같은 맵으로 읽습니다.",
        "",
        "Conventions (MODBUS Application Protocol Specification V1.1b3; MODBUS Messaging on TCP/IP Implementation",
        "Guide V1.0b):",
        "",
        "- **Holding registers**, function code 03 (spec §4.3, §6.3). One shared block: function 04 (input",
        "  registers) returns the same words. Read-only: writes (06, 16) get exception 01.",
        "- **Address** = the 0-based address in the request PDU (spec §4.4); **4x** = the 1-based register number of",
        "  older documents (address 0 = 40001).",
        "- **Words** are big-endian (spec §4.2). 32-bit values use two registers, **high word first** (ABCD;",
        "  collector `word_order: big`). float32 is IEEE 754 single precision.",
        "- **value = raw × scale**; a scaled int is rounded to its scale, so it is exact to ± scale / 2.",
        "- **Unit id** (MBAP header, TCP guide §3.1.3): one per machine behind the plant's gateway; an unknown unit",
        "  id answers exception 0A (gateway path unavailable).",
        "- Addresses inside the image that no signal uses read 0; reading past its end answers exception 02.",
        f"- Alarm and defect code {UNKNOWN_CODE} = a reason or defect the tables below do not list.",
        "- Counters are uint32 and wrap at 2³²; they count from the gateway's start. Process values are those of the",
        "  last completed cycle and hold while the machine stands.",
        "",
        "규칙: 보유 레지스터(기능 코드 03), 주소는 0부터 시작하는 PDU 주소(4x 열은 40001부터 세는 번호), 32비트 값은 상위 워드 먼저,",
        "값 = 원시값 × 배율, 쓰기는 거부(예외 01). 카운터는 게이트웨이 시작부터 셉니다.",
        "",
    ]
    out += _codes_table(
        "## State codes / 상태 코드",
        [Code(0, "unknown", "no data yet", "데이터 없음")]
        + [Code(c, k, en, ko) for k, (c, en, ko) in STATE_CODES.items()],
    )
    for family in MODELS:
        m = register_map(family)
        model = MODELS[family]
        out += [
            f"## {family.value}: {model.label_en} / {model.label_ko} (`{m.model}`)",
            "",
            f"{m.size} registers per unit; the collector reads them in one request.",
            "",
            "| address | 4x | words | type | scale | unit | range | signal | meaning | 의미 |",
            "|---:|---:|---:|---|---:|---|---|---|---|---|",
        ]
        for p in m.points:
            out.append(
                f"| {p.address} | {p.reference} | {p.words} | {p.type} | {_number(p.scale)} | {p.unit} | "
                f"{_range(p)} | `{p.name}` | {p.label_en} | {p.label_ko} |"
            )
        out.append("")
        out += _codes_table(f"### {family.value}: alarm codes / 알람 코드", list(m.alarms))
        out += _codes_table(f"### {family.value}: defect codes / 불량 코드", list(m.defects))
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    import sys

    sys.stdout.write(render_markdown())
