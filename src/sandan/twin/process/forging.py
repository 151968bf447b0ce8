"""Forging process model: hot closed-die forging of a C45 steel yoke on a 1600-tonne press, seeded.

It owns the physics of billet cooling, flow stress, die fill, ductility and oxidation; the shared timeline and
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
    softplus,
)

# Billet Ø50 × 130 mm C45 (S45C), ≈ 2.0 kg.
BILLET_DIAMETER_M = 0.050
BILLET_LENGTH_M = 0.130
BILLET_MASS_KG = 2.0
STEEL_DENSITY = 7850.0  # kg/m³
STEEL_HEAT_CAPACITY = 650.0  # J/(kg·K), carbon steel above the Curie point
EMISSIVITY = 0.8  # oxidised steel surface
STEFAN_BOLTZMANN = 5.670e-8  # W/(m²·K⁴)
AIR_CONVECTION = 15.0  # W/(m²·K), natural convection in still air
AMBIENT_C = 30.0
# Die chilling: share of the (billet − die) temperature difference lost by the deforming zone during die contact;
# the surface layer loses more (Altan, Ngaile & Shen, *Cold and Hot Forging*, ASM 2005, ch. 5 heat transfer).
CHILL_BULK = 0.08
CHILL_SURFACE = 0.18
# Flow stress σ = C(T)·ε̇^m; for carbon steels at hot-forging temperatures C falls ~35 % per 100 °C and m ≈ 0.1–0.2
# (Altan et al., *Cold and Hot Forging*, ch. 4, flow stress tables for 1020–1045 steel).
FLOW_STRESS_C_1100_MPA = 85.0
FLOW_STRESS_DECAY_C = 250.0
STRAIN_RATE_SENSITIVITY = 0.15
STRAIN_RATE_PER_S = 10.0  # mean strain rate in a mechanical forging press
# Forging load F = σ_f · A_plan(incl. flash) · K_p, with K_p the shape factor (Altan et al. ch. 6: 5–8 for simple
# shapes with flash, 8–12 for complex ones).
PLAN_AREA_MM2 = 12000.0
SHAPE_FACTOR = 7.0
FORGING_HEIGHT_MM = 25.0
SOAK_TIME_S = 60.0  # time at temperature in the induction heater
DIE_LIFE_FORGINGS = 6000  # forgings per die set at nominal conditions (plant record)


def flow_stress_mpa(temp_c: np.ndarray) -> np.ndarray:
    """Hot flow stress of C45 at the press's strain rate (Altan et al., ch. 4)."""
    c = FLOW_STRESS_C_1100_MPA * np.exp(-(temp_c - 1100.0) / FLOW_STRESS_DECAY_C)
    return c * STRAIN_RATE_PER_S**STRAIN_RATE_SENSITIVITY


def die_entry_temperature_c(
    billet_temp_c: np.ndarray, transfer_time_s: np.ndarray, steps: int = 24
) -> np.ndarray:
    """Mean billet temperature after the transfer from heater to die: lumped cooling by radiation and convection.

    dT/dt = −(A / (ρ·c·V))·[ε·σ·(T⁴ − T∞⁴) + h·(T − T∞)] (Incropera & DeWitt, *Fundamentals of Heat and Mass
    Transfer*, §5.3 lumped capacitance with radiation), integrated with Heun's method, vectorised over billets.
    """
    area = math.pi * BILLET_DIAMETER_M * BILLET_LENGTH_M + 2 * math.pi / 4 * BILLET_DIAMETER_M**2
    volume = math.pi / 4 * BILLET_DIAMETER_M**2 * BILLET_LENGTH_M
    k = area / (STEEL_DENSITY * STEEL_HEAT_CAPACITY * volume)
    ambient = AMBIENT_C + 273.15

    def rate(temp_k: np.ndarray) -> np.ndarray:
        return -k * (
            EMISSIVITY * STEFAN_BOLTZMANN * (temp_k**4 - ambient**4) + AIR_CONVECTION * (temp_k - ambient)
        )

    temp = np.asarray(billet_temp_c, dtype="float64") + 273.15
    dt = np.asarray(transfer_time_s, dtype="float64") / steps
    for _ in range(steps):
        k1 = rate(temp)
        k2 = rate(temp + dt * k1)
        temp = temp + dt * (k1 + k2) / 2
    return temp - 273.15


class ForgingModel(ProcessModel):
    """A C45 steel yoke, hot closed-die forged from an induction-heated billet on a 16 MN mechanical press.

    Mechanisms (each a named quantity plus scatter, so defect probability is smooth in the settings):

    - **die-entry temperature**: the billet cools by radiation and convection during transfer (see
      `die_entry_temperature_c`) — a long transfer time lowers it — and the dies chill it further on contact, more
      so when they are cold.
    - **underfill**: the cavity fills when the press force exceeds the forging load σ_f·A·K_p; flow stress rises
      steeply as the work cools (Altan et al., *Cold and Hot Forging*, ch. 4 and 6). A worn flash land gives less
      back-pressure to push metal into the corners (Altan ch. 6, flash design), and a short-sheared billet lacks
      volume.
    - **crack**: steel loses hot ductility when the surface falls below ≈ 950 °C during forming (finishing
      temperature), and the grain boundaries burn above ≈ 1280–1300 °C (Altan et al. ch. 4 and 20 forging
      defects; ASM Handbook Vol. 14A, *Metalworking: Bulk Forming*, hot-working temperature ranges).
    - **scale** (forged-in scale pits): oxide grows parabolically, x² = k_p·t, with k_p Arrhenius in temperature
      (Q ≈ 160 kJ/mol for wüstite growth; Birks, Meier & Pettit, *Introduction to the High-Temperature
      Oxidation of Metals*, 2nd ed., ch. 5); thick scale survives descaling and is pressed into the surface.
    - **lap / fold**: metal folds over itself when it flows unevenly — a cold die chills the skin so hot core metal
      flows around it, a long transfer deepens the skin–core gradient, a worn die loses its flow guidance, and a
      badly placed billet starts the fold (Altan et al. ch. 20: laps from improper metal flow and billet placement).
      A die hotter than ≈ 300 °C no longer wets with water-based graphite lubricant (Leidenfrost), so friction
      rises and metal sticks and folds (Altan et al. ch. 7, lubrication in hot forging).
      Billets are placed by the crew, so placement scatter grows on the night shift.

    Die wear per forging follows Archard's law (∝ contact pressure, i.e. flow stress, and sliding), accelerated
    when the die runs hot enough to temper back (H13 above ≈ 300 °C bulk) (Altan et al. ch. 22 die wear). Bar lots
    differ in hot strength (±4 %, chemistry within the grade).
    """

    family = ProcessFamily.forging
    label_en = "forging"
    label_ko = "단조"
    PRODUCT = "YK-50"
    MATERIAL = "S45C"
    PARAMETERS = (
        Parameter(
            "billet_temp_c", "°C", 1100, 1280, 1200, 20, 1300, "billet temperature", "소재 가열 온도", 5.0, 1
        ),
        Parameter("die_temp_c", "°C", 120, 350, 250, 20, 450, "die temperature", "금형 예열 온도", 4.0, 1),
        Parameter(
            "press_force_kn", "kN", 8000, 16000, 12500, 0, 16000, "press force", "프레스 가압력", 50.0, 0
        ),
        Parameter("transfer_time_s", "s", 2, 12, 4, 0.5, 60, "transfer time", "이송 시간", 0.3, 2),
    )
    DEFECTS = (
        DefectType(
            "crack", "crack", "크랙 (균열)", "forming below the hot-ductility range or burnt grain boundaries"
        ),
        DefectType("underfill", "underfill", "미충전", "forging load above the press force"),
        DefectType("lap", "lap / fold", "겹침 (랩)", "uneven flow: chilled skin, misplaced billet, worn die"),
        DefectType("scale", "scale pits", "스케일 (산화피막 압입)", "thick oxide pressed into the surface"),
    )
    MEASURES = (
        Measure("die_entry_temp_c", "°C", "billet temperature at die entry", "금형 투입 온도", decimals=1),
        Measure(
            "forging_height_mm",
            "mm",
            "height across parting line",
            "단조품 높이",
            FORGING_HEIGHT_MM - 0.3,
            FORGING_HEIGHT_MM + 0.5,
            3,
        ),
        Measure("billet_mass_kg", "kg", "billet mass", "소재 중량", decimals=3),
    )
    SIGNALS = (
        SensorSpec(
            "billet_temp_c", "°C", 0, 1400, "billet temperature at heater exit", "가열로 출구 온도", 1
        ),
        SensorSpec("die_entry_temp_c", "°C", 0, 1400, "billet temperature at die entry", "금형 투입 온도", 1),
        SensorSpec("die_temp_c", "°C", 0, 600, "die temperature", "금형 온도", 1),
        SensorSpec("peak_force_kn", "kN", 0, 20000, "peak forging force", "최대 단조 하중", 0),
        SensorSpec("transfer_time_s", "s", 0, 120, "transfer time", "이송 시간", 2),
        SensorSpec("cycle_time_s", "s", 0, 300, "cycle time", "사이클 타임", 2),
    )
    BREAKDOWNS = (
        Reason("induction_coil_fault", "induction heater coil fault", "유도가열 코일 이상", 2.0),
        Reason("transfer_gripper", "transfer gripper fault", "이송 그리퍼 이상", 3.0),
        Reason("spray_nozzle", "die-lube spray nozzle clogged", "이형제 스프레이 막힘", 2.0),
        Reason("ejector_stuck", "ejector stuck", "이젝터 걸림", 1.0),
    )
    MAINTENANCE = Reason("die_change", "die change (worn die)", "금형 교체 (마모)")
    MTBF_H = 30.0
    MTTR_MIN = 40.0
    MAINTENANCE_MIN = 60.0
    CHANGEOVER_MIN = 90.0  # die change and preheat
    MINOR_STOPS_PER_H = 1.5
    LOT_SIZE_PARTS = 1500  # one heat / bar bundle
    WARMUP_PARTS = 12.0

    @classmethod
    def poor_settings(cls) -> dict[str, float]:
        """An under-heated billet, cold dies and a slow transfer: plausible at a shift start."""
        return {
            **cls.nominal_settings(),
            "billet_temp_c": 1180.0,
            "die_temp_c": 180.0,
            "transfer_time_s": 5.5,
        }

    # ---- physics ------------------------------------------------------------------------------------------
    def _load(
        self, p: Mapping[str, np.ndarray], strength: np.ndarray, die_temp: np.ndarray
    ) -> dict[str, np.ndarray]:
        entry = die_entry_temperature_c(p["billet_temp_c"], p["transfer_time_s"])
        work = entry - CHILL_BULK * (entry - die_temp)
        surface = entry - CHILL_SURFACE * (entry - die_temp)
        sigma = flow_stress_mpa(work) * strength
        needed_kn = sigma * PLAN_AREA_MM2 * SHAPE_FACTOR / 1e3
        return {"entry": entry, "work": work, "surface": surface, "sigma": sigma, "needed_kn": needed_kn}

    def cycle_time_s(self, p: Mapping[str, np.ndarray]) -> np.ndarray:
        return p["transfer_time_s"] + 7.0  # three blows, lube spray, ejection

    def wear_per_part(self, p: Mapping[str, np.ndarray], lot: Mapping[str, np.ndarray]) -> np.ndarray:
        """Die wear per forging (Archard: ∝ contact pressure), faster on a die hot enough to temper back."""
        load = self._load(p, lot["strength_factor"], p["die_temp_c"])
        nominal_sigma = float(flow_stress_mpa(np.array([1108.0]))[0])
        tempering = 1.0 + softplus((p["die_temp_c"] - 300.0) / 40.0)
        return (load["sigma"] / nominal_sigma) * tempering / 1.05 / DIE_LIFE_FORGINGS

    def maintenance_interval_parts(self, settings: Mapping[str, float], mean_wear_per_part: float) -> int:
        return max(1, math.ceil(1.0 / mean_wear_per_part)) if mean_wear_per_part > 0 else 10**9

    def lot_properties(self, rng: np.random.Generator) -> dict[str, float]:
        return {"strength_factor": float(rng.lognormal(0.0, 0.04))}

    def outcome(self, p: Mapping[str, np.ndarray], ctx: Context) -> Outcome:
        rng = ctx.rng
        n = len(ctx.wear)
        die_temp = p["die_temp_c"] - 60.0 * ctx.warmup  # dies lose heat during a stop until re-soaked
        load = self._load(p, ctx.lot["strength_factor"], die_temp)
        mass = BILLET_MASS_KG * rng.lognormal(0.0, 0.005, n)  # sheared billet length scatter

        # --- die fill
        fill_margin = (
            np.log(np.maximum(p["press_force_kn"], 1.0) / load["needed_kn"])
            + 2.0 * np.log(mass / BILLET_MASS_KG)
            - 0.12 * ctx.wear
            + rng.normal(0.0, 0.07, n)
        )
        underfill = fill_margin < 0.0
        height = FORGING_HEIGHT_MM + 0.05 + 2.0 * softplus(-fill_margin, 0.05) + rng.normal(0.0, 0.05, n)

        # --- cracks: below the hot-ductility range, or burning
        crack_index = np.log(
            np.exp((950.0 - load["surface"]) / 40.0) + np.exp((p["billet_temp_c"] - 1290.0) / 12.0)
        ) + rng.normal(0.0, 0.6, n)
        crack = crack_index > 0.0

        # --- scale: parabolic oxide growth during soak and transfer
        temp_k = p["billet_temp_c"] + 273.15
        k_p = 14.0 * np.exp(-(160e3 / 8.314) * (1.0 / temp_k - 1.0 / 1473.15))  # µm²/s, 14 at 1200 °C
        scale_um = np.sqrt(k_p * (SOAK_TIME_S + p["transfer_time_s"]))
        scale = (np.log(scale_um / 60.0) + rng.normal(0.0, 0.25, n)) > 0.0

        # --- laps: uneven flow
        chill = (load["entry"] - die_temp) / 933.0
        lap_index = (
            9.0 * (chill - 1.0)
            + 0.25 * (p["transfer_time_s"] - 4.0)
            + 1.2 * softplus((die_temp - 300.0) / 25.0)
            + 0.8 * ctx.wear
            + rng.normal(0.0, 1.0, n) * ctx.operator
            - 3.2
        )
        lap = (lap_index > 0.0) & ~underfill

        sensors = {
            "billet_temp_c": p["billet_temp_c"] + rng.normal(0.0, 2.0, n),
            "die_entry_temp_c": load["entry"] + rng.normal(0.0, 3.0, n),
            "die_temp_c": die_temp + rng.normal(0.0, 2.0, n),
            "peak_force_kn": np.minimum(p["press_force_kn"], load["needed_kn"] * 1.05) + rng.normal(0, 40, n),
            "transfer_time_s": p["transfer_time_s"],
            "cycle_time_s": self.cycle_time_s(p),
        }
        return Outcome(
            measures={
                "die_entry_temp_c": sensors["die_entry_temp_c"],
                "forging_height_mm": height,
                "billet_mass_kg": mass,
            },
            defects={"crack": crack, "underfill": underfill, "lap": lap, "scale": scale},
            sensors=sensors,
        )
