"""Assembly process model: a bushing pressed into a housing and a cover bolted on with M6 screws, seeded.

It owns the physics of torque-controlled fastening and force-controlled press fitting; the shared timeline and
batches live in `base.py`.
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
)

BOLT_DIAMETER_MM = 6.0
BOLT_PROOF_LOAD_KN = (
    0.600 * 20.1
)  # M6 property class 8.8: proof stress 600 MPa × stress area 20.1 mm² (ISO 898-1)
CLAMP_NEEDED_KN = 6.0  # clamp load the gasketed joint needs (design value)
NUT_FACTOR = (
    0.2  # T = K·F·d, K ≈ 0.2 for as-received steel threads (Shigley, *Mechanical Engineering Design*, §8-8)
)
# Press fit Ø20 × 15 mm steel bushing in a steel housing (outer Ø40), H7/p6 → mean interference ≈ 20 µm.
FIT_DIAMETER_MM = 20.0
FIT_LENGTH_MM = 15.0
HUB_OUTER_MM = 40.0
INTERFERENCE_UM = 20.0
STEEL_E_MPA = 210e3
FIT_FRICTION = 0.15
HOUSING_DAMAGE_KN = 26.0  # force on the seat at which the housing bore yields (FE check of the design)


class AssemblyModel(ProcessModel):
    """A housing sub-assembly: press a bushing to its seat, then bolt the cover with torque-controlled M6 screws.

    - **loose bolt / over-torque**: torque control sets clamp load only through the nut factor, F = T / (K·d)
      (Shigley §8-8); friction scatter between screw lots and parts makes the clamp load scatter ±20–30 % at one
      torque (Bickford, *An Introduction to the Design and Behavior of Bolted Joints*, 4th ed., ch. 7). Below the
      joint's needed clamp load the bolt works loose; above ≈ 90 % of proof load the screw yields or strips. A fast
      run-down overshoots the target torque on a hard joint (tool inertia; Bickford ch. 7).
    - **bushing not seated / housing overload**: the press must exceed the press-in force π·d·L·μ·p, with the
      interface pressure p = E·δ/(2d)·(1 − (d/D)²) from Lamé's thick-cylinder solution for equal materials (Shigley
      §3-16); interference δ scatters with the parts' tolerances. Pressing to a force setpoint far above that loads
      the seated bushing against the housing until the bore yields.

    Screw lots differ in coating friction (nut factor ±6 %), housing lots in bore size (interference ±8 %).
    """

    family = ProcessFamily.assembly
    label_en = "assembly"
    label_ko = "조립"
    PRODUCT = "HSG-20"
    MATERIAL = "KIT"
    PARAMETERS = (
        Parameter("tightening_torque_nm", "N·m", 6, 14, 9.5, 0, 50, "tightening torque", "체결 토크", 0.1, 2),
        Parameter(
            "rundown_speed_rpm", "rpm", 100, 800, 300, 10, 1500, "run-down speed", "체결 회전 속도", 0, 0
        ),
        Parameter("press_fit_force_kn", "kN", 10, 30, 18, 0, 50, "press-fit force", "압입력", 0.2, 2),
    )
    DEFECTS = (
        DefectType(
            "press_fit_not_seated", "bushing not seated", "부싱 압입 불량 (미안착)", "press force < press-in"
        ),
        DefectType(
            "housing_overload", "housing overload", "하우징 변형 (과압입)", "force on the seat yields bore"
        ),
        DefectType("over_torque", "over-torque", "과토크 (나사 항복)", "clamp load above 90 % of proof load"),
        DefectType(
            "loose_bolt", "loose bolt", "체결 풀림 (토크 부족)", "clamp load below what the joint needs"
        ),
    )
    MEASURES = (
        Measure("final_torque_nm", "N·m", "final torque", "최종 토크", decimals=2),
        Measure("press_in_force_kn", "kN", "press-in force at seating", "압입 안착 하중", decimals=2),
    )
    SIGNALS = (
        SensorSpec("final_torque_nm", "N·m", 0, 60, "final torque", "최종 토크", 2),
        SensorSpec("peak_press_force_kn", "kN", 0, 60, "peak press force", "최대 압입력", 2),
        SensorSpec("cycle_time_s", "s", 0, 600, "cycle time", "사이클 타임", 2),
    )
    BREAKDOWNS = (
        Reason("nutrunner_fault", "nutrunner fault", "너트러너 이상", 2.0),
        Reason("screw_feeder_jam", "screw feeder jam", "스크류 피더 걸림", 3.0),
        Reason("press_sensor_fault", "press force sensor fault", "압입 하중 센서 이상", 1.0),
    )
    MAINTENANCE = Reason("bit_change", "screwdriver bit change", "비트 교체")
    MTBF_H = 60.0
    MTTR_MIN = 15.0
    MAINTENANCE_MIN = 5.0
    CHANGEOVER_MIN = 20.0
    MINOR_STOPS_PER_H = 2.0
    LOT_SIZE_PARTS = 2000
    WARMUP_PARTS = 3.0

    @classmethod
    def poor_settings(cls) -> dict[str, float]:
        """Low torque on a fast run-down and a press set near the press-in force."""
        return {"tightening_torque_nm": 8.0, "rundown_speed_rpm": 650.0, "press_fit_force_kn": 13.5}

    def cycle_time_s(self, p: Mapping[str, np.ndarray]) -> np.ndarray:
        rundown_s = 4 * (12.0 * 60.0 / p["rundown_speed_rpm"])  # four screws, 12 turns each
        return 18.0 + rundown_s

    def wear_per_part(self, p: Mapping[str, np.ndarray], lot: Mapping[str, np.ndarray]) -> np.ndarray:
        """Screwdriver bit wear per assembly, in units of its replacement count (20 000 screws)."""
        return np.full(len(p["tightening_torque_nm"]), 4.0 / 20000.0)

    def maintenance_interval_parts(self, settings: Mapping[str, float], mean_wear_per_part: float) -> int:
        return 5000

    def lot_properties(self, rng: np.random.Generator) -> dict[str, float]:
        return {
            "nut_factor": float(NUT_FACTOR * rng.lognormal(0.0, 0.06)),
            "interference_factor": float(rng.lognormal(0.0, 0.08)),
        }

    def outcome(self, p: Mapping[str, np.ndarray], ctx: Context) -> Outcome:
        rng = ctx.rng
        n = len(ctx.wear)
        # --- fastening: torque overshoot on a hard joint, nut-factor scatter part to part
        torque = p["tightening_torque_nm"] * (1.0 + 0.15 * (p["rundown_speed_rpm"] / 1000.0) ** 2)
        torque = torque * rng.lognormal(0.0, 0.02, n)
        k = ctx.lot["nut_factor"] * rng.lognormal(0.0, 0.125, n)
        clamp_kn = torque / (k * BOLT_DIAMETER_MM)  # N·m / mm = kN
        loose = clamp_kn < CLAMP_NEEDED_KN
        over = clamp_kn > 0.9 * BOLT_PROOF_LOAD_KN

        # --- press fit (Lamé interface pressure, Coulomb friction)
        delta_mm = INTERFERENCE_UM / 1000 * ctx.lot["interference_factor"] * rng.lognormal(0.0, 0.1, n)
        pressure = (
            STEEL_E_MPA * delta_mm / (2 * FIT_DIAMETER_MM) * (1 - (FIT_DIAMETER_MM / HUB_OUTER_MM) ** 2)
        )
        press_in_kn = math.pi * FIT_DIAMETER_MM * FIT_LENGTH_MM * FIT_FRICTION * pressure / 1e3
        force = p["press_fit_force_kn"]
        not_seated = force < press_in_kn
        overload = (
            force * rng.lognormal(0.0, 0.04, n) > HOUSING_DAMAGE_KN * ctx.operator**-0.2
        ) & ~not_seated

        sensors = {
            "final_torque_nm": torque,
            "peak_press_force_kn": force + rng.normal(0.0, 0.05, n),  # the press stops at its setpoint
            "cycle_time_s": self.cycle_time_s(p),
        }
        return Outcome(
            measures={"final_torque_nm": torque, "press_in_force_kn": np.minimum(press_in_kn, force)},
            defects={
                "press_fit_not_seated": not_seated,
                "housing_overload": overload,
                "over_torque": over,
                "loose_bolt": loose,
            },
            sensors=sensors,
        )
