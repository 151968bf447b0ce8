"""Replays a recorded data set as a live machine: each recorded cycle becomes a part record, readings and events.

It produces canonical batches only; writing them goes through `sandan.collect` like any connector.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa

from sandan.domain import EVENT_SCHEMA, PART_SCHEMA, READING_SCHEMA, InvalidInput, ProcessFamily, Signal


@dataclass
class Produced:
    """What a virtual machine made in a time window, as the platform's canonical batches."""

    parts: pa.Table
    readings: pa.Table
    events: pa.Table

    @classmethod
    def empty(cls) -> Produced:
        return cls(PART_SCHEMA.empty_table(), READING_SCHEMA.empty_table(), EVENT_SCHEMA.empty_table())


# AI4I 2020 (Matzka 2020, UCI id 601): one row per milling cycle of a machine making L/M/H quality variants.
_AI4I_SIGNALS = {
    "Air temperature [K]": ("air_temp_k", "K", 290.0, 310.0),
    "Process temperature [K]": ("process_temp_k", "K", 300.0, 320.0),
    "Rotational speed [rpm]": ("speed_rpm", "rpm", 0.0, 3500.0),
    "Torque [Nm]": ("torque_nm", "N*m", 0.0, 100.0),
    "Tool wear [min]": ("tool_wear_min", "min", 0.0, 300.0),
}
_AI4I_MODES = ("TWF", "HDF", "PWF", "OSF", "RNF")
AI4I_DEFECT_LABELS = {
    "TWF": ("tool wear failure", "공구 마모 고장"),
    "HDF": ("heat dissipation failure", "방열 고장"),
    "PWF": ("power failure", "동력 고장"),
    "OSF": ("overstrain failure", "과부하 고장"),
    "RNF": ("random failure", "무작위 고장"),
}


class Ai4iReplay:
    """A milling machine that replays the AI4I 2020 cycles in order, one every `cycle_s` seconds.

    A failed cycle is followed by a `down` interval of `repair_s` with the failure mode as reason code.
    """

    family = ProcessFamily.cnc

    def __init__(self, path: Path, *, cycle_s: float = 60.0, repair_s: float = 900.0) -> None:
        if not path.exists():
            raise InvalidInput(f"AI4I file {path} not found", f"AI4I 파일 {path}을(를) 찾을 수 없습니다")
        try:
            with path.open(encoding="utf-8-sig", newline="") as f:
                self.rows = list(csv.DictReader(f))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise InvalidInput(
                f"cannot read {path} as a CSV file: {exc}; give the AI4I 2020 CSV",
                f"{path}을(를) CSV 파일로 읽을 수 없습니다: {exc}. AI4I 2020 CSV 파일을 주세요",
                file=str(path),
            ) from None
        needed = ["Product ID", "Type", "Machine failure", *_AI4I_SIGNALS, *_AI4I_MODES]
        missing = [c for c in needed if not self.rows or c not in self.rows[0]]
        if missing:
            raise InvalidInput(
                f"{path} does not look like the AI4I 2020 file (no column {', '.join(repr(c) for c in missing)})",
                f"{path}은(는) AI4I 2020 파일이 아닌 것 같습니다 ({', '.join(repr(c) for c in missing)} 열이 없음)",
                file=str(path),
            )
        for number, row in enumerate(self.rows, start=2):
            for col in _AI4I_SIGNALS:
                try:
                    float(row[col])
                except (TypeError, ValueError):
                    raise InvalidInput(
                        f"{path} row {number}: {col} is {row[col]!r}, not a number",
                        f"{path} {number}행: {col} 값 {row[col]!r}이(가) 숫자가 아닙니다",
                        file=str(path),
                        row=number,
                        column=col,
                    ) from None
        self.cycle_s = cycle_s
        self.repair_s = repair_s
        self._next = 0
        self._clock: datetime | None = None

    def signals(self, company_id: str, machine_id: str) -> list[Signal]:
        return [
            Signal(
                company_id=company_id, machine_id=machine_id, name=name, unit=unit, min_value=lo, max_value=hi
            )
            for name, unit, lo, hi in _AI4I_SIGNALS.values()
        ]

    def produce(self, machine_id: str, t_from: datetime, t_to: datetime) -> Produced:
        """Cycles that complete in [t_from, t_to); the replay keeps its own clock between calls."""
        clock = self._clock if self._clock and self._clock >= t_from else t_from
        parts, readings, events = [], [], []
        run_start = clock
        while clock + timedelta(seconds=self.cycle_s) <= t_to:
            row = self.rows[self._next % len(self.rows)]
            self._next += 1
            clock += timedelta(seconds=self.cycle_s)
            params = {name: float(row[col]) for col, (name, *_rest) in _AI4I_SIGNALS.items()}
            failed = row["Machine failure"] == "1"
            mode = next((m for m in _AI4I_MODES if row[m] == "1"), "UNK" if failed else None)
            parts.append(
                {
                    "time": clock,
                    "machine_id": machine_id,
                    "part_id": row["Product ID"],
                    "lot_id": None,
                    "product": row["Type"],
                    "result": "ng" if failed else "ok",
                    "defect_type": mode if failed else None,
                    "params": json.dumps(params),
                    "measures": None,
                }
            )
            readings.extend(
                {"time": clock, "machine_id": machine_id, "signal": name, "value": value}
                for name, value in params.items()
            )
            if failed:
                events.append(
                    {
                        "machine_id": machine_id,
                        "start": run_start,
                        "end": clock,
                        "state": "running",
                        "reason_code": None,
                        "note": None,
                    }
                )
                down_end = clock + timedelta(seconds=self.repair_s)
                events.append(
                    {
                        "machine_id": machine_id,
                        "start": clock,
                        "end": down_end,
                        "state": "down",
                        "reason_code": mode,
                        "note": "AI4I replay",
                    }
                )
                clock = run_start = down_end
        if run_start < clock:
            events.append(
                {
                    "machine_id": machine_id,
                    "start": run_start,
                    "end": clock,
                    "state": "running",
                    "reason_code": None,
                    "note": None,
                }
            )
        self._clock = clock
        return Produced(
            pa.Table.from_pylist(parts, schema=PART_SCHEMA),
            pa.Table.from_pylist(readings, schema=READING_SCHEMA),
            pa.Table.from_pylist(events, schema=EVENT_SCHEMA),
        )


# University of Michigan SMART lab CNC milling experiments (2018): 18 runs sampled every 100 ms, one wax part each.
_UMICH_UNITS = {
    "ActualPosition": "mm",
    "CommandPosition": "mm",
    "ActualVelocity": "mm/s",
    "CommandVelocity": "mm/s",
    "ActualAcceleration": "mm/s^2",
    "CommandAcceleration": "mm/s^2",
    "CurrentFeedback": "A",
    "OutputCurrent": "A",
    "DCBusVoltage": "V",
    "OutputVoltage": "V",
    "OutputPower": "kW",
    "CURRENT_FEEDRATE": "mm/s",
}


class UmichReplay:
    """A CNC mill that replays the UMich experiments in order at their recorded 100 ms rate (or `speed` times
    faster): every numeric column becomes a signal; each experiment ends with its part record (ok when it passed
    visual inspection), carrying feed rate, clamp pressure and tool condition as parameters."""

    family = ProcessFamily.cnc
    SAMPLE_S = 0.1

    def __init__(self, folder: Path, *, speed: float = 1.0, experiments: list[int] | None = None) -> None:
        import pandas as pd

        if not (folder / "train.csv").exists():
            raise InvalidInput(
                f"{folder} does not look like the UMich CNC data set (no train.csv)",
                f"{folder}은(는) UMich CNC 데이터 폴더가 아닌 것 같습니다 (train.csv 없음)",
            )
        meta = pd.read_csv(folder / "train.csv")
        wanted = experiments or [int(n) for n in meta["No"]]
        self.runs = []
        for no in wanted:
            frame = pd.read_csv(folder / f"experiment_{no:02d}.csv")
            numeric = frame.select_dtypes("number")
            info = meta[meta["No"] == no].iloc[0]
            self.runs.append((no, numeric, info))
        self.columns = list(self.runs[0][1].columns)
        self.dt = self.SAMPLE_S / speed
        self._run, self._row = 0, 0
        self._clock: datetime | None = None

    def signals(self, company_id: str, machine_id: str) -> list[Signal]:
        def unit(col: str) -> str:
            return next((u for k, u in _UMICH_UNITS.items() if col.endswith(k)), "")

        return [
            Signal(company_id=company_id, machine_id=machine_id, name=c, unit=unit(c)) for c in self.columns
        ]

    def produce(self, machine_id: str, t_from: datetime, t_to: datetime) -> Produced:
        import numpy as np

        clock = self._clock if self._clock and self._clock >= t_from else t_from
        tables, parts = [], []
        step = timedelta(seconds=self.dt)
        while clock + step <= t_to:
            no, frame, info = self.runs[self._run % len(self.runs)]
            n = min(len(frame) - self._row, int((t_to - clock) / step))
            if n <= 0:
                break
            rows = frame.iloc[self._row : self._row + n]
            start_us = int(clock.timestamp() * 1e6)
            times = start_us + (np.arange(1, n + 1) * self.dt * 1e6).astype("int64")
            k = len(self.columns)
            tables.append(
                pa.table(
                    {
                        "time": pa.array(np.repeat(times, k), pa.timestamp("us", tz="UTC")),
                        "machine_id": pa.array([machine_id] * (n * k), pa.string()),
                        "signal": pa.array(self.columns * n, pa.string()),
                        "value": pa.array(rows.to_numpy(dtype="float64").ravel(), pa.float64()),
                    }
                )
            )
            clock += step * n
            self._row += n
            if self._row >= len(frame):  # the part of this experiment is finished
                passed = str(info["passed_visual_inspection"]).lower() == "yes"
                finished = str(info["machining_finalized"]).lower() == "yes"
                parts.append(
                    {
                        "time": clock,
                        "machine_id": machine_id,
                        "part_id": f"S-{no:02d}",
                        "lot_id": "wax",
                        "product": "S-artifact",
                        "result": "ok" if passed and finished else "ng",
                        "defect_type": None
                        if passed and finished
                        else ("not_finished" if not finished else "visual"),
                        "params": json.dumps(
                            {
                                "feedrate_mm_s": float(info["feedrate"]),
                                "clamp_pressure_bar": float(info["clamp_pressure"]),
                                "tool_worn": 1.0 if info["tool_condition"] == "worn" else 0.0,
                            }
                        ),
                        "measures": None,
                    }
                )
                self._run, self._row = self._run + 1, 0
        self._clock = clock
        readings = pa.concat_tables(tables) if tables else READING_SCHEMA.empty_table()
        return Produced(
            pa.Table.from_pylist(parts, schema=PART_SCHEMA),
            readings.cast(READING_SCHEMA),
            EVENT_SCHEMA.empty_table(),
        )
