"""Injection moulding process model: an ABS housing cover on a 150-tonne machine, settings in, shots out, seeded.

It owns the physics of filling, packing, cooling and venting; the shared timeline and batches live in `base.py`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from sandan.domain import ProcessFamily
from sandan.twin.process.base import (
    Context,
    DefectType,
    Measure,
    Outcome,
    Parameter,
    ProcessModel,
    Reason,
    SensorSpec,
    softplus,
)

# Part and mould (one-cavity ABS housing cover, 85 g, 3.0 mm nominal wall).
WALL_MM = 3.0
GATE_MM = 1.6
PART_WEIGHT_G = 85.0
SHOT_STROKE_MM = 60.0  # screw travel for the shot, so fill time ≈ stroke / injection speed
# ABS thermal diffusivity ≈ 0.1 mm²/s, no-flow temperature ≈ 130 °C and heat deflection (1.8 MPa) ≈ 95 °C:
# Osswald & Menges, *Materials Science of Polymers for Engineers*, 3rd ed., tables of thermal properties;
# Rosato & Rosato, *Injection Molding Handbook*, 3rd ed., ABS processing data (melt 220–260 °C, mould 40–80 °C).
DIFFUSIVITY_MM2_S = 0.10
T_NO_FLOW_C = 130.0
T_EJECT_C = 92.0
# Clamp: a 1500 kN (≈150 t) machine on 250 cm² of projected area keeps the parting line shut up to a mean cavity
# pressure of 1500e3 N / 25000 mm² = 60 MPa = 600 bar (Kazmer, *Injection Mold Design Engineering*, 2nd ed., ch. 2
# clamp tonnage estimate F = P_cavity · A_projected).
CAVITY_PRESSURE_LIMIT_BAR = 600.0
DRY_CYCLE_S = 5.5  # mould open, eject, close — machine dry-cycle time for a 150 t toggle machine
# Fill pressure needed at the nominal point (240 °C, 70 mm/s); the other conditions scale it (see `outcome`).
FILL_PRESSURE_REF_BAR = 620.0
POWER_LAW_N = 0.3  # ABS melt shear-thinning index (Kazmer ch. 3; Osswald & Menges: 0.25–0.35)
VISCOSITY_TEMP_COEF = 0.02  # 1/°C: ABS melt viscosity falls ~e-fold per 50 °C near 240 °C (Arrhenius shift)
VENT_CLEAN_SHOTS = 8000  # shots between mould vent cleanings at nominal melt temperature (plant practice)


class InjectionMouldingModel(ProcessModel):
    """An ABS housing cover moulded on a 150 t hydraulic machine.

    Mechanisms, each driving one defect through a physically named quantity plus cycle-to-cycle scatter, so the
    defect probabilities are smooth functions of the settings with an interior optimum:

    - **short shot**: the melt needs a pressure to fill that grows with viscosity (falls with melt temperature,
      shear-thinning with speed) and with the frozen skin that grows at slow fills and cold moulds — the U-shaped
      fill-pressure vs fill-time curve (Kazmer, *Injection Mold Design Engineering*, ch. 3 and 4, Hele-Shaw flow
      ΔP ∝ η·Q / (W·h³) with h reduced by the frozen layer). If the injection pressure (less what a bottomed-out
      cushion loses) falls short of it, the cavity does not fill.
    - **flash**: the parting line opens when cavity pressure × projected area exceeds the clamp force; cavity
      pressure comes from excess injection pressure at switch-over, injection inertia and the holding pressure; a
      low-viscosity melt enters a smaller gap (Rosato, *Injection Molding Handbook*, ch. 4 troubleshooting: flash
      from excessive injection/holding pressure, high melt temperature, insufficient clamp).
    - **sink mark**: volumetric shrinkage not compensated by packing. Packing works only until the gate freezes;
      gate-freeze time t = h²/(π²α)·ln(4/π·(T_melt−T_mould)/(T_no-flow−T_mould)) (Kazmer ch. 9, one-dimensional
      conduction); a holding time shorter than it lets the packing pressure go early.
    - **warpage**: ejecting a part whose core is above its deflection temperature. The slab centre-line
      temperature after time t is T_mould + (T_melt−T_mould)·(4/π)·exp(−π²αt/s²) (first Fourier term; the same
      relation gives the classic cooling-time equation, Rosato ch. 2 and Kazmer ch. 9); a cold mould freezes in
      orientation stress (Rosato ch. 4).
    - **burn mark** (diesel effect): air trapped ahead of a fast flow front heats by adiabatic compression when the
      vents cannot let it out; vents foul with volatiles over shots (worse at high melt temperature) until the mould
      is cleaned (Rosato ch. 4: burn marks from excessive injection speed, poor venting, overheated melt).

    Material lots differ in melt flow (viscosity ±6 %) and shrinkage (±4 %), typical of a resin grade's
    certificate spread. The mould runs cold for a few shots after every stop (warm-up).
    """

    family = ProcessFamily.injection
    label_en = "injection moulding"
    label_ko = "사출 성형"
    PRODUCT = "HC-210"
    MATERIAL = "ABS"
    PARAMETERS = (
        Parameter("melt_temp_c", "°C", 210, 270, 240, 150, 350, "melt temperature", "용융 수지 온도", 1.0, 1),
        Parameter("mould_temp_c", "°C", 30, 80, 60, 10, 150, "mould temperature", "금형 온도", 0.8, 1),
        Parameter(
            "injection_pressure_bar",
            "bar",
            600,
            1600,
            1100,
            0,
            2200,
            "injection pressure",
            "사출 압력",
            8.0,
            0,
        ),
        Parameter(
            "injection_speed_mm_s", "mm/s", 20, 150, 70, 1, 250, "injection speed", "사출 속도", 0.8, 1
        ),
        Parameter("holding_pressure_bar", "bar", 300, 1000, 600, 0, 2000, "holding pressure", "보압", 6.0, 0),
        Parameter("holding_time_s", "s", 1, 12, 6, 0, 60, "holding time", "보압 시간", 0.0, 2),
        Parameter("cooling_time_s", "s", 8, 40, 14, 0, 300, "cooling time", "냉각 시간", 0.0, 2),
        Parameter("cushion_mm", "mm", 1, 12, 5, 0, 50, "cushion", "쿠션량", 0.3, 2),
    )
    DEFECTS = (
        DefectType("short_shot", "short shot", "미성형", "fill pressure needed exceeds injection pressure"),
        DefectType("flash", "flash", "플래시 (사출 버)", "cavity pressure × area exceeds clamp force"),
        DefectType(
            "burn_mark", "burn mark", "가스 탄화(태움)", "trapped air compressed at a fast fill, fouled vents"
        ),
        DefectType(
            "sink_mark", "sink mark", "수축 (싱크마크)", "shrinkage not packed out before gate freeze"
        ),
        DefectType(
            "warpage", "warpage", "휨 (변형)", "part ejected with its core above deflection temperature"
        ),
    )
    MEASURES = (
        Measure("part_weight_g", "g", "part weight", "제품 중량", lower_spec=84.0, decimals=2),
        Measure("sink_depth_um", "µm", "sink depth", "싱크 깊이", upper_spec=30.0, decimals=1),
        Measure("warpage_mm", "mm", "warpage (flatness)", "휨량 (평면도)", upper_spec=0.4, decimals=3),
    )
    SIGNALS = (
        SensorSpec("melt_temp_c", "°C", 0, 400, "melt temperature at nozzle", "노즐 수지 온도", 1),
        SensorSpec("mould_temp_c", "°C", 0, 200, "mould surface temperature", "금형 표면 온도", 1),
        SensorSpec(
            "peak_injection_pressure_bar", "bar", 0, 2500, "peak injection pressure", "최대 사출 압력", 0
        ),
        SensorSpec("cavity_pressure_bar", "bar", 0, 1500, "peak cavity pressure", "최대 캐비티 압력", 0),
        SensorSpec("fill_time_s", "s", 0, 60, "fill time", "충전 시간", 3),
        SensorSpec("cushion_mm", "mm", 0, 60, "cushion", "쿠션량", 2),
        SensorSpec("cycle_time_s", "s", 0, 600, "cycle time", "사이클 타임", 2),
    )
    BREAKDOWNS = (
        Reason("heater_band_failure", "barrel heater band failure", "히터 밴드 고장", 3.0),
        Reason("hydraulic_leak", "hydraulic oil leak", "유압 누유", 2.0),
        Reason("nozzle_blocked", "nozzle blocked / frozen", "노즐 막힘", 2.0),
        Reason("robot_fault", "take-out robot fault", "취출 로봇 이상", 3.0),
    )
    MAINTENANCE = Reason("mould_cleaning", "mould vent cleaning", "금형 벤트 청소")
    MTBF_H = 60.0
    MTTR_MIN = 35.0
    MAINTENANCE_MIN = 25.0
    CHANGEOVER_MIN = 45.0  # mould change with quick-clamp system (SMED practice for a 150 t machine)
    LOT_SIZE_PARTS = 3000  # one 25 kg bag ≈ 290 shots; one lot ≈ 10 bags
    WARMUP_PARTS = 8.0

    @classmethod
    def poor_settings(cls) -> dict[str, float]:
        """Cold melt, fast fill, short hold and short cooling: a plausible but untuned start."""
        return {
            **cls.nominal_settings(),
            "melt_temp_c": 225.0,
            "mould_temp_c": 50.0,
            "injection_speed_mm_s": 100.0,
            "holding_pressure_bar": 470.0,
            "holding_time_s": 3.0,
            "cooling_time_s": 11.0,
        }

    def cycle_time_s(self, p: Mapping[str, np.ndarray]) -> np.ndarray:
        fill = SHOT_STROKE_MM / p["injection_speed_mm_s"]
        return fill + p["holding_time_s"] + p["cooling_time_s"] + DRY_CYCLE_S

    def wear_per_part(self, p: Mapping[str, np.ndarray], lot: Mapping[str, np.ndarray]) -> np.ndarray:
        """Vent fouling per shot, in units of the fouling at which the plant cleans the mould.

        Deposits are volatiles of thermally degrading melt, so they grow with melt temperature (Rosato ch. 4).
        """
        return np.exp(0.05 * (p["melt_temp_c"] - 240.0)) / VENT_CLEAN_SHOTS

    def maintenance_interval_parts(self, settings: Mapping[str, float], mean_wear_per_part: float) -> int:
        return max(1, math.ceil(1.0 / mean_wear_per_part)) if mean_wear_per_part > 0 else 10**9

    def lot_properties(self, rng: np.random.Generator) -> dict[str, float]:
        return {
            "viscosity_factor": float(rng.lognormal(0.0, 0.06)),
            "shrinkage_factor": float(rng.lognormal(0.0, 0.04)),
        }

    def outcome(self, p: Mapping[str, np.ndarray], ctx: Context) -> Outcome:
        rng = ctx.rng
        n = len(ctx.wear)
        melt = p["melt_temp_c"]
        # the mould surface runs cold for a few shots after a stop, then the temperature controller catches up
        mould = p["mould_temp_c"] - 10.0 * ctx.warmup
        speed = p["injection_speed_mm_s"]
        cushion_factor = 1.0 - np.exp(-p["cushion_mm"] / 0.6)  # a bottomed-out screw cannot hold pressure
        pressure = np.maximum(p["injection_pressure_bar"] * cushion_factor, 1.0)
        hold = p["holding_pressure_bar"] * cushion_factor

        # --- filling (Hele-Shaw flow through the gap left by the frozen skin)
        viscosity = ctx.lot["viscosity_factor"] * np.exp(-VISCOSITY_TEMP_COEF * (melt - 240.0))
        fill_time = SHOT_STROKE_MM / speed
        frozen = 0.18 * np.sqrt(fill_time / (SHOT_STROKE_MM / 70.0))
        frozen = np.clip(frozen * np.exp(-0.008 * (mould - 60.0)) * np.exp(-0.004 * (melt - 240.0)), 0, 0.8)
        needed = (
            FILL_PRESSURE_REF_BAR
            * viscosity
            * (speed / 70.0) ** POWER_LAW_N
            * ((1.0 - 0.18) / (1.0 - frozen)) ** 3
        )
        fill_margin = np.log(pressure / needed) + rng.normal(0.0, 0.11, n)
        short_shot = fill_margin < 0.0
        filled = np.minimum(1.0, np.exp(fill_margin))

        # --- packing until the gate freezes
        gate_freeze_s = (GATE_MM**2 / (math.pi**2 * DIFFUSIVITY_MM2_S)) * np.log(
            (4.0 / math.pi) * np.maximum(melt - mould, 1.0) / np.maximum(T_NO_FLOW_C - mould, 5.0)
        )
        gate_freeze_s = np.maximum(gate_freeze_s, 0.3)
        packed = 1.0 - softplus(1.0 - p["holding_time_s"] / gate_freeze_s, 0.08)
        packed = np.clip(packed, 0.0, 1.0)
        shrink_pct = (
            6.5
            * ctx.lot["shrinkage_factor"]
            * (1.0 + 0.004 * (melt - 240.0))
            * np.exp(-hold * packed / 433.0)
        )
        sink_um = 9.2 * shrink_pct * rng.lognormal(0.0, 0.2, n)
        sink = sink_um > 30.0

        # --- cavity pressure and flash
        switchover = 0.5 * softplus(pressure - needed, 30.0) + 1.5 * speed  # excess at switch-over + inertia
        cavity = (switchover**4 + (0.65 * hold * packed) ** 4) ** 0.25
        flash_index = (
            np.log(cavity / CAVITY_PRESSURE_LIMIT_BAR) - 0.2 * np.log(viscosity) + rng.normal(0.0, 0.12, n)
        )
        flash = (flash_index > 0.0) & ~short_shot  # a short shot never reaches the parting line

        # --- cooling and warpage
        cooled_s = p["holding_time_s"] + p["cooling_time_s"]
        core_c = mould + (melt - mould) * (4.0 / math.pi) * np.exp(
            -(math.pi**2) * DIFFUSIVITY_MM2_S * cooled_s / WALL_MM**2
        )
        warpage_mm = (
            0.15 * ctx.lot["shrinkage_factor"]
            + 0.02 * softplus(core_c - T_EJECT_C, 5.0)
            + 0.004 * softplus(45.0 - mould, 5.0)
        ) * rng.lognormal(0.0, 0.15, n)
        # hot parts handled carelessly (tired or less skilled crew) distort further
        warpage_mm = warpage_mm * ctx.operator**0.5
        warpage = warpage_mm > 0.4

        # --- venting and burn marks (diesel effect)
        vent_capacity = 1.0 / (1.0 + 0.5 * ctx.wear)
        burn_index = (
            2.0 * np.log(speed / (125.0 * vent_capacity)) + 0.04 * (melt - 250.0) + rng.normal(0.0, 0.45, n)
        )
        burn = (burn_index > 0.0) & ~short_shot

        weight = PART_WEIGHT_G * filled * (1.0 + 0.01 * (packed - 1.0)) * rng.normal(1.0, 0.001, n)
        limited = pressure < needed  # pressure-limited fill: the screw slows down
        actual_fill_time = fill_time * np.where(limited, (needed / pressure) ** (1.0 / POWER_LAW_N), 1.0)
        sensors = {
            "melt_temp_c": melt + rng.normal(0.0, 0.5, n),
            "mould_temp_c": mould + rng.normal(0.0, 0.3, n),
            "peak_injection_pressure_bar": np.minimum(p["injection_pressure_bar"], needed)
            + rng.normal(0, 5, n),
            "cavity_pressure_bar": cavity * filled + rng.normal(0.0, 5.0, n),
            "fill_time_s": actual_fill_time,
            "cushion_mm": p["cushion_mm"],
            "cycle_time_s": self.cycle_time_s(p),
        }
        return Outcome(
            measures={"part_weight_g": weight, "sink_depth_um": sink_um, "warpage_mm": warpage_mm},
            defects={
                "short_shot": short_shot,
                "flash": flash,
                "burn_mark": burn,
                "sink_mark": sink & ~short_shot,
                "warpage": warpage,
            },
            sensors=sensors,
        )
