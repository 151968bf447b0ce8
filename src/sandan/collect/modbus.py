"""Modbus TCP collector (pymodbus): polls holding registers by a register map and turns them into readings.

It decodes registers to numbers and reports link health; validation and storage stay in `sandan.collect.ingest`.

A register map lists, per signal: the first holding register (0-based address), the data type (int16, uint16,
int32, uint32, float32), a scale (value = raw × scale + offset) and the word order of 32-bit values.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pymodbus.client import ModbusTcpClient
from pymodbus.exceptions import ModbusException

from sandan.collect.connector import MAX_BUFFERED, Batch, Connector, Health, StoreSink, store_problem

WIDTH = {"int16": 1, "uint16": 1, "int32": 2, "uint32": 2, "float32": 2}


@dataclass
class Register:
    signal: str
    address: int
    type: str = "int16"
    scale: float = 1.0
    offset: float = 0.0
    word_order: str = "big"

    def __post_init__(self) -> None:
        if self.type not in WIDTH:
            raise ValueError(f"register type {self.type!r} is not one of {', '.join(WIDTH)}")


@dataclass
class ModbusConfig:
    host: str
    company_id: str
    machine_id: str
    registers: list[Register]
    port: int = 502
    device_id: int = 1
    poll_interval_s: float = 1.0
    timeout_s: float = 3.0
    flush_every: int = 10  # polls per batch handed to ingestion
    _blocks: list[tuple[int, int]] = field(default_factory=list, repr=False)


def read_blocks(registers: list[Register], max_span: int = 120) -> list[tuple[int, int]]:
    """Contiguous (start, count) spans covering all registers, so one request reads many signals."""
    spans: list[tuple[int, int]] = []
    for reg in sorted(registers, key=lambda r: r.address):
        end = reg.address + WIDTH[reg.type]
        if spans and reg.address - (spans[-1][0] + spans[-1][1]) <= 8 and end - spans[-1][0] <= max_span:
            start = spans[-1][0]
            spans[-1] = (start, max(spans[-1][1], end - start))
        else:
            spans.append((reg.address, WIDTH[reg.type]))
    return spans


# Modbus exception codes (Modbus Application Protocol v1.1b3, §7) in words
EXCEPTIONS = {
    1: (
        "illegal function: the device does not read holding registers",
        "지원하지 않는 기능(홀딩 레지스터 읽기 불가)",
    ),
    2: ("illegal data address: no such register on the device", "없는 레지스터 주소"),
    3: ("illegal data value", "허용되지 않는 값"),
    4: ("device failure", "장치 고장"),
    6: ("device busy", "장치 사용 중"),
    10: ("gateway path unavailable", "게이트웨이 경로 없음"),
    11: ("the device behind the gateway did not answer", "게이트웨이 뒤의 장치가 응답하지 않음"),
}


def _refusal(response: object) -> tuple[str, str]:
    code = getattr(response, "exception_code", None)
    en, ko = EXCEPTIONS.get(code, ("refused", "거부됨")) if isinstance(code, int) else ("refused", "거부됨")
    return f"{en} (exception {code})", f"{ko}(예외 {code})"


def _refused_words(cfg: ModbusConfig, refused: dict[int, tuple[str, str]]) -> tuple[str, str]:
    """Which registers the device refused and why, with where to look."""
    names = {r.address: r.signal for r in cfg.registers}
    en = "; ".join(f"register {a} ({names.get(a, '?')}): {why[0]}" for a, why in sorted(refused.items()))
    ko = "; ".join(f"레지스터 {a}({names.get(a, '?')}): {why[1]}" for a, why in sorted(refused.items()))
    return (
        f"Modbus {cfg.host}:{cfg.port} {cfg.machine_id}: {en}; the other registers are read — check these addresses "
        "in the register map",
        f"Modbus {cfg.host}:{cfg.port} {cfg.machine_id}: {ko}. 나머지 레지스터는 읽습니다. 레지스터 맵에서 이 주소를 "
        "확인하세요",
    )


class ModbusCollector(Connector):
    kind = "modbus"

    def __init__(self, config: ModbusConfig, name: str = "modbus") -> None:
        self.config = config
        self.name = name
        self._health = Health(name=name, kind=self.kind)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._buffer: list[dict] = []
        self._blocks = read_blocks(config.registers)
        self.refused: dict[
            int, tuple[str, str]
        ] = {}  # register address -> why the device refused it (en, ko)

    def health(self) -> Health:
        self._health.buffer_depth = len(self._buffer)
        return self._health

    def start(self, sink: StoreSink) -> None:
        self._sink = sink
        self._stop.clear()
        self._health.state = "starting"
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        self._flush()
        self._health.state = "stopped"

    def poll_once(self, client: ModbusTcpClient) -> list[dict]:
        """Read every block once and decode the map's signals at one timestamp.

        A block the device refuses (an exception response) that spans several registers is read register by
        register from then on: a gap in the device's map inside a block, or one wrong address, cost every signal
        of the machine. Registers refused alone are left out of the rows and named in `self.refused`."""
        now = datetime.now(UTC)
        words: dict[int, int] = {}
        self.refused: dict[int, tuple[str, str]] = {}
        pending, kept = list(self._blocks), []
        while pending:
            start, count = pending.pop(0)
            response = client.read_holding_registers(start, count=count, device_id=self.config.device_id)
            if not response.isError():
                words.update({start + i: w for i, w in enumerate(response.registers)})
                kept.append((start, count))
                continue
            inside = dict.fromkeys(
                (r.address, WIDTH[r.type])
                for r in self.config.registers
                if start <= r.address < start + count
            )
            if len(inside) > 1:
                pending[:0] = list(inside)
                continue
            kept.append((start, count))
            self.refused[start] = _refusal(response)
        self._blocks = kept
        rows = []
        for reg in self.config.registers:
            if any(reg.address + i not in words for i in range(WIDTH[reg.type])):
                continue
            raw = [words[reg.address + i] for i in range(WIDTH[reg.type])]
            kind = getattr(ModbusTcpClient.DATATYPE, reg.type.upper())
            value = ModbusTcpClient.convert_from_registers(raw, kind, word_order=reg.word_order)
            rows.append(
                {
                    "time": now,
                    "machine_id": self.config.machine_id,
                    "signal": reg.signal,
                    "value": float(value) * reg.scale + reg.offset,
                }
            )
        return rows

    def _run(self) -> None:
        cfg = self.config
        client = ModbusTcpClient(cfg.host, port=cfg.port, timeout=cfg.timeout_s, retries=0)
        polls = 0
        while not self._stop.is_set():
            try:
                if len(self._buffer) >= MAX_BUFFERED:
                    # the sink has refused for long (the edge buffer full): polling pauses rather than holding
                    # readings in memory without bound; the sink's refusal stays the health's last error
                    self._health.state = "paused"
                    self._flush()
                    self._stop.wait(cfg.poll_interval_s)
                    continue
                if not client.connected and not client.connect():
                    raise ConnectionError(f"cannot connect to {cfg.host}:{cfg.port}")
                rows = self.poll_once(client)
                self._health.state = "connected" if rows else "error"
                if self.refused:
                    self._health.note_error(*_refused_words(cfg, self.refused))
                self._health.note_message(len(rows))
                self._buffer.extend(rows)
                polls += 1
                if polls % cfg.flush_every == 0:
                    self._flush()
            except (ModbusException, ConnectionError, OSError) as exc:
                client.close()
                self._flush()
                self._health.state = "disconnected"
                self._health.note_error(
                    f"Modbus {cfg.host}:{cfg.port}: {exc}; retrying",
                    f"Modbus {cfg.host}:{cfg.port} 통신 문제: {exc}. 다시 시도합니다",
                )
            self._stop.wait(cfg.poll_interval_s)
        client.close()

    def _flush(self) -> None:
        if not self._buffer:
            return
        taken, self._buffer = self._buffer, []
        try:
            self._sink(Batch(self.config.company_id, "reading", taken, source=f"modbus:{self.config.host}"))
        except Exception as exc:  # keep the readings for the next flush rather than lose them
            self._buffer[:0] = taken
            self._health.note_error(*store_problem(exc))
