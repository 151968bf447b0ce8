"""Press (sheet-metal stamping) process model: a deep-drawn and trimmed steel cup on an 80-tonne press, seeded.

It owns the physics of drawing, blank holding, trimming and bottom-dead-centre position; the shared timeline and
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

# Part and die: a cylindrical cup Ø120 mm drawn from a Ø210 mm SPCE blank (draw ratio β = 1.75, below the
# limiting draw ratio ≈ 2.0 of deep-drawing steel), flange trimmed in the same stroke.
BLANK_DIAMETER_MM = 210.0
PUNCH_DIAMETER_MM = 120.0
DIE_RADIUS_MM = 6.0
TRIM_PERIMETER_MM = math.pi * 150.0
CUT_CLEARANCE_MM = 0.10  # per side, ground for 1.2 mm sheet (≈ 8 % of thickness; Schuler §4.7.2: 5–10 %)
STROKE_MM = 160.0
CUP_HEIGHT_MM = 60.0
PRESS_STIFFNESS_KN_PER_MM = (
    2000.0  # C-frame 80 t press: frame + drive deflection (Schuler §3.1 press stiffness)
)
UTS_MPA = 300.0  # SPCE / DC04 (JIS G3141, EN 10130): Rm 270–350 MPa
FLOW_STRESS_RATIO = 1.35  # mean flow stress over the draw ≈ 1.35·Rm for a strain-hardening (n ≈ 0.22) steel
REGRIND_STROKES = (
    12000  # strokes between regrinds of the trim edge at nominal load and friction (plant practice)
)


class PressModel(ProcessModel):
    """A deep-drawn, trimmed steel cup on an 80 t servo press with a die cushion.

    Mechanisms (each a named quantity plus scatter, so defect probability is smooth in the settings):

    - **crack** (tearing at the punch radius): the wall must carry the drawing force. Siebel's drawing stress
      σ = k_fm·ln β·e^{μπ/2} + 2μ·F_BH/(π·D0·t) + k_fm·t/(2·r_d) — forming, friction over the die radius (belt
      friction), flange friction under the blank holder, bending (Schuler, *Metal Forming Handbook*, §4.4.3;
      Lange, *Handbook of Metal Forming*). The wall tears when σ exceeds what it can carry (≈ 1.2·Rm once strain-
      hardened). Thin lubricant raises μ from ≈0.05 (mixed film) towards ≈0.17 (dry) (Altan & Tekkaya, *Sheet
      Metal Forming: Fundamentals*, ch. 7 tribology); a high stroke rate breaks the film down and raises the
      strain rate — deep drawing of steel is run below ≈ 0.2–0.3 m/s (Schuler §4.4); too much blank-holder force
      adds flange friction; over-tonnage coins and thins the bottom.
    - **wrinkle** (flange buckling): the blank holder must press at least Siebel's
      p = c·[(β−1)³ + 0.005·D0/t]·Rm, c ≈ 0.002–0.0025 (Schuler §4.4.3; Lange). Less force, thinner sheet, or
      more slippery lubricant let the flange buckle.
    - **burr** (trim edge): burr height grows when the cutting clearance is large for the sheet thickness and as
      the cutting edge wears round (Schuler §4.7: clearance 5–10 % of t; Kalpakjian & Schmid, *Manufacturing
      Engineering and Technology*, §16.2 shearing). Edge wear per stroke follows Archard's law — proportional to
      load and sliding friction (Archard, J. Appl. Phys. 24, 1953) — until the die is reground.
    - **dimension out of tolerance** (cup height): set by the bottom-dead-centre position — the shut height, the
      frame stretching under load (F / stiffness), and thermal growth of the press after a restart (Schuler §3.1:
      BDC drift with press temperature); too little tonnage for draw + trim + restrike leaves the cup under-formed.

    Coil lots differ in tensile strength (±3 %) and gauge (±0.01 mm). Blanks are placed by hand, so the crew's care
    shows in the height scatter.
    """

    family = ProcessFamily.press
    label_en = "press (stamping)"
    label_ko = "프레스 (판금 성형)"
    PRODUCT = "CUP-120"
    MATERIAL = "SPCE"
    PARAMETERS = (
        Parameter(
            "tonnage_kn", "kN", 250, 700, 420, 0, 800, "press force (tonnage)", "가압력 (톤수)", 3.0, 1
        ),
        Parameter("strokes_per_min", "spm", 8, 30, 16, 1, 40, "stroke rate", "분당 타수 (SPM)", 0.0, 1),
        Parameter(
            "shut_height_mm", "mm", 399.7, 400.3, 400.0, 380, 420, "shut height", "다이 하이트", 0.005, 3
        ),
        Parameter(
            "blank_thickness_mm",
            "mm",
            1.0,
            1.4,
            1.2,
            0.3,
            3.0,
            "blank thickness",
            "소재 두께",
            0.006,
            3,
            settable=False,  # the sheet as delivered: changed by ordering another gauge, not at the press
        ),
        Parameter("lubricant_g_m2", "g/m²", 0.3, 3.0, 1.5, 0, 6, "lubricant film", "윤활유 도포량", 0.08, 2),
        Parameter(
            "blank_holder_force_kn", "kN", 15, 60, 32, 0, 150, "blank-holder force", "블랭크 홀더력", 0.5, 1
        ),
    )
    DEFECTS = (
        DefectType(
            "crack", "crack (tearing)", "크랙 (파단)", "drawing stress exceeds what the cup wall can carry"
        ),
        DefectType("wrinkle", "wrinkle", "주름", "blank-holder pressure below Siebel's minimum"),
        DefectType(
            "dimension_out", "dimension out of tolerance", "치수 불량", "bottom-dead-centre position off"
        ),
        DefectType("burr", "burr", "버 (거스러미)", "large clearance for the gauge, worn cutting edge"),
    )
    MEASURES = (
        Measure(
            "cup_height_mm", "mm", "cup height", "컵 높이", CUP_HEIGHT_MM - 0.15, CUP_HEIGHT_MM + 0.15, 3
        ),
        Measure("burr_height_mm", "mm", "burr height", "버 높이", upper_spec=0.10, decimals=3),
        Measure(
            "wall_thinning_pct",
            "%",
            "wall thinning at punch radius",
            "펀치 R부 두께 감소율",
            decimals=2,
            valid_min=None,  # a negative thinning is a thickening
        ),
    )
    SIGNALS = (
        SensorSpec(
            "peak_tonnage_kn", "kN", 0, 1000, "peak tonnage (load monitor)", "최대 하중 (톤모니터)", 1
        ),
        SensorSpec("slide_speed_mm_s", "mm/s", 0, 600, "peak slide speed", "최대 슬라이드 속도", 1),
        SensorSpec("cushion_force_kn", "kN", 0, 200, "die-cushion force", "다이 쿠션력", 2),
        SensorSpec("die_temp_c", "°C", -20, 150, "die temperature", "금형 온도", 1),
        SensorSpec("cycle_time_s", "s", 0, 120, "cycle time", "사이클 타임", 3),
    )
    BREAKDOWNS = (
        Reason("misfeed", "misfeed / double blank", "오피딩 (이중 블랭크)", 4.0),
        Reason("slug_pulling", "slug pulling / die jam", "스크랩 걸림 (금형 막힘)", 2.0),
        Reason("overload_trip", "overload protection tripped", "과부하 트립", 1.0),
        Reason("clutch_brake", "clutch / brake fault", "클러치·브레이크 이상", 1.0),
    )
    MAINTENANCE = Reason("die_regrind", "die regrind", "금형 재연마")
    MTBF_H = 30.0
    MTTR_MIN = 25.0
    MAINTENANCE_MIN = 40.0
    CHANGEOVER_MIN = 30.0
    MINOR_STOPS_PER_H = 2.0
    LOT_SIZE_PARTS = 5000  # blanks per coil
    WARMUP_PARTS = 20.0

    @classmethod
    def poor_settings(cls) -> dict[str, float]:
        """Thin lubrication, a fast stroke, a weak blank holder and the shut height left high."""
        return {
            **cls.nominal_settings(),
            "strokes_per_min": 19.0,
            "lubricant_g_m2": 0.8,
            "blank_holder_force_kn": 24.0,
            "shut_height_mm": 400.12,
        }

    # ---- physics --------------------------------------------------------------------------------------------
    @staticmethod
    def friction(lubricant_g_m2: np.ndarray) -> np.ndarray:
        """Coefficient of friction from mixed (≈0.05) to dry (≈0.17) as the oil film thins (Altan & Tekkaya ch. 7)."""
        return 0.05 + 0.12 * np.exp(-lubricant_g_m2 / 0.6)

    @staticmethod
    def slide_speed_mm_s(strokes_per_min: np.ndarray) -> np.ndarray:
        """Peak slide speed of a crank drive: (stroke/2)·ω."""
        return STROKE_MM * math.pi * strokes_per_min / 60.0

    def _forces(self, p: Mapping[str, np.ndarray], uts: np.ndarray) -> dict[str, np.ndarray]:
        t = p["blank_thickness_mm"]
        mu = self.friction(p["lubricant_g_m2"])
        bhf_n = p["blank_holder_force_kn"] * 1e3
        beta = BLANK_DIAMETER_MM / PUNCH_DIAMETER_MM
        k_fm = FLOW_STRESS_RATIO * uts
        draw_stress = (
            k_fm * math.log(beta) * np.exp(mu * math.pi / 2)
            + 2 * mu * bhf_n / (math.pi * BLANK_DIAMETER_MM * t)
            + k_fm * t / (2 * DIE_RADIUS_MM)
        )
        wall_area = math.pi * (PUNCH_DIAMETER_MM + t) * t
        draw_kn = draw_stress * wall_area / 1e3
        trim_kn = 0.8 * uts * TRIM_PERIMETER_MM * t / 1e3  # shear strength ≈ 0.8·Rm (Kalpakjian §16.2)
        needed_kn = draw_kn + p["blank_holder_force_kn"] + trim_kn
        return {"mu": mu, "draw_stress": draw_stress, "needed_kn": needed_kn}

    def cycle_time_s(self, p: Mapping[str, np.ndarray]) -> np.ndarray:
        return 60.0 / p["strokes_per_min"]

    def wear_per_part(self, p: Mapping[str, np.ndarray], lot: Mapping[str, np.ndarray]) -> np.ndarray:
        """Cutting-edge wear per stroke (Archard: ∝ load × friction), in units of the regrind limit."""
        f = self._forces(p, lot["uts_mpa"])
        return (p["tonnage_kn"] / 420.0) ** 0.5 * (f["mu"] / 0.0598) / REGRIND_STROKES

    def maintenance_interval_parts(self, settings: Mapping[str, float], mean_wear_per_part: float) -> int:
        return max(1, math.ceil(1.0 / mean_wear_per_part)) if mean_wear_per_part > 0 else 10**9

    def lot_properties(self, rng: np.random.Generator) -> dict[str, float]:
        return {
            "uts_mpa": float(UTS_MPA * rng.lognormal(0.0, 0.03)),
            "gauge_offset_mm": float(rng.normal(0.0, 0.01)),
        }

    def outcome(self, p: Mapping[str, np.ndarray], ctx: Context) -> Outcome:
        rng = ctx.rng
        n = len(ctx.wear)
        p = {**p, "blank_thickness_mm": p["blank_thickness_mm"] + ctx.lot["gauge_offset_mm"]}
        t = p["blank_thickness_mm"]
        uts = ctx.lot["uts_mpa"]
        f = self._forces(p, uts)
        speed = self.slide_speed_mm_s(p["strokes_per_min"])
        tonnage = p["tonnage_kn"]

        # --- tearing at the punch radius
        speed_penalty = 1.0 + 0.35 * (speed / 250.0) ** 2
        coining = 1.0 + 0.05 * softplus(tonnage / f["needed_kn"] - 1.8, 0.05)
        load_ratio = f["draw_stress"] * speed_penalty * coining / (1.2 * uts)
        crack_index = np.log(load_ratio) + rng.normal(0.0, 0.045, n)
        crack = crack_index > 0.0
        thinning = 100.0 * (0.18 * np.exp(crack_index)) * rng.lognormal(0.0, 0.03, n)

        # --- flange wrinkling (Siebel's minimum blank-holder pressure)
        beta = BLANK_DIAMETER_MM / PUNCH_DIAMETER_MM
        p_min = 0.0025 * ((beta - 1) ** 3 + 0.005 * BLANK_DIAMETER_MM / t) * uts
        flange_area = (
            math.pi / 4 * (BLANK_DIAMETER_MM**2 - (PUNCH_DIAMETER_MM + 2 * (DIE_RADIUS_MM + t)) ** 2)
        )
        bhf_min_kn = p_min * flange_area / 1e3
        wrinkle_index = (
            np.log(bhf_min_kn / np.maximum(p["blank_holder_force_kn"], 0.1))
            + 0.3 * np.log(0.0598 / f["mu"])
            + rng.normal(0.0, 0.12, n)
        )
        wrinkle = (wrinkle_index > 0.0) & ~crack

        # --- cup height from the bottom-dead-centre position
        under_formed = 1.5 * softplus(1.05 - tonnage / f["needed_kn"], 0.03)
        stretch = (np.minimum(tonnage, f["needed_kn"] * 1.1) - 350.0) / PRESS_STIFFNESS_KN_PER_MM
        thermal = 0.05 * (p["strokes_per_min"] / 16.0) * (1.0 - np.exp(-ctx.minutes_since_restart / 45.0))
        height = (
            CUP_HEIGHT_MM
            - (p["shut_height_mm"] - 400.0)
            - under_formed
            - stretch
            + thermal
            - 0.025
            + rng.normal(0.0, 0.035, n) * ctx.operator
        )
        dimension = np.abs(height - CUP_HEIGHT_MM) > 0.15

        # --- burr at the trim edge
        relative_clearance = CUT_CLEARANCE_MM / t
        burr = (
            t * (0.02 + 0.9 * softplus(relative_clearance - 0.075, 0.01)) + 0.045 * ctx.wear**1.5
        ) * rng.lognormal(0.0, 0.15, n)
        burr_ng = burr > 0.10

        die_temp = 24.0 + 18.0 * (p["strokes_per_min"] / 16.0) * (f["mu"] / 0.0598) ** 0.5 * (
            1.0 - np.exp(-ctx.minutes_since_restart / 45.0)
        )
        sensors = {
            "peak_tonnage_kn": np.minimum(tonnage, f["needed_kn"] * 1.1) + rng.normal(0.0, 3.0, n),
            "slide_speed_mm_s": speed,
            "cushion_force_kn": p["blank_holder_force_kn"] + rng.normal(0.0, 0.3, n),
            "die_temp_c": die_temp + rng.normal(0.0, 0.5, n),
            "cycle_time_s": self.cycle_time_s(p),
        }
        return Outcome(
            measures={"cup_height_mm": height, "burr_height_mm": burr, "wall_thinning_pct": thinning},
            defects={"crack": crack, "wrinkle": wrinkle, "dimension_out": dimension, "burr": burr_ng},
            sensors=sensors,
        )
