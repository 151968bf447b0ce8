"""CNC machining process model: finish turning a C45 steel shaft with a carbide insert, settings in, parts out, seeded.

It owns the physics of tool wear, cutting force, chatter, surface finish and size; the shared timeline and batches
live in `base.py`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy.special import ndtr

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

DIAMETER_MM = 40.0
CUT_LENGTH_MM = 80.0
NOSE_RADIUS_MM = 0.8  # CNMG 120408
CLEARANCE_ANGLE_DEG = 7.0
LOAD_UNLOAD_S = 22.0
SPINDLE_POWER_KW = 7.5
TOLERANCE_UM = 20.0  # Ø40 ±0.020
RA_LIMIT_UM = 1.6  # N7 finish
# Taylor's extended tool-life equation V·T^n·d^x·f^y = C for carbide on steel, n ≈ 0.25, x ≈ 0.15, y ≈ 0.6
# (Kalpakjian & Schmid, *Manufacturing Engineering and Technology*, §21.5.1), anchored at 30 min at the reference.
TAYLOR_N = 0.25
TAYLOR_X = 0.15
TAYLOR_Y = 0.6
LIFE_REF_MIN = 30.0
SPEED_REF_M_MIN = 201.0
FEED_REF = 0.12
DEPTH_REF = 1.0
VB_LIMIT_MM = 0.3  # ISO 3685 tool-life criterion: average flank wear VB_B = 0.3 mm
# Kienzle's specific cutting force k_c = k_c1.1 · h^(−m_c) for C45: k_c1.1 ≈ 1700 N/mm², m_c ≈ 0.25
# (König & Klocke, *Fertigungsverfahren 1*; Kienzle & Victor tables).
KC11 = 1700.0
MC = 0.25
STIFFNESS_N_PER_UM = 20.0  # radial stiffness of workpiece between centres and tool post


def flank_wear_mm(life_fraction: np.ndarray) -> np.ndarray:
    """Flank wear VB over the consumed tool life: break-in, steady linear wear, then accelerating wear.

    The three-stage wear curve (Kalpakjian & Schmid §21.5, Fig. 21.16; Trent & Wright, *Metal Cutting*, ch. 10);
    VB reaches the ISO 3685 criterion 0.3 mm at life fraction 1.
    """
    x = np.asarray(life_fraction, dtype="float64")
    return 0.06 * (1.0 - np.exp(-x / 0.05)) + 0.19 * x + 0.05 * x**4


class CncTurningModel(ProcessModel):
    """A Ø40 mm C45 shaft, finish-turned over 80 mm on a CNC lathe with a coated carbide insert (r = 0.8 mm).

    Mechanisms (each a named quantity plus scatter, so defect probability is smooth in the settings):

    - **tool wear**: each part uses cutting time / tool life of the insert, with tool life from Taylor's extended
      equation (Kalpakjian & Schmid §21.5.1); coolant lengthens it (dry cutting of steel with carbide gives ≈ 55 % of
      flood life; Kalpakjian & Schmid §22.12); harder bar lots shorten it. Flank wear follows the three-stage curve
      in `flank_wear_mm`. The insert is changed every `tool_change_parts` parts (tool-life management).
    - **tool breakage**: past the wear criterion the cutting edge chips and breaks with a hazard rising steeply with
      VB and chip load (Trent & Wright, *Metal Cutting*, ch. 10, edge failure); a breakage scraps the part and
      stops the machine until the insert and holder are replaced.
    - **surface roughness**: the feed-mark geometry Ra ≈ f²/(32·r_ε) (Kalpakjian & Schmid §21.3, eq. 21.23), raised
      by a worn flank, by a built-up edge at low cutting speeds (Trent & Wright ch. 7) and by chatter.
    - **chatter**: regenerative vibration once the depth of cut exceeds the stability limit b_lim, which varies
      with spindle speed along the stability lobes (Altintas, *Manufacturing Automation*, 2nd ed., ch. 3;
      Tlusty's b_lim = −1 / (2·K_s·Re[G]min)).
    - **dimension out of tolerance**: the diameter grows as the flank wears the tool back (radial wear ≈ VB·tan α)
      and as the cutting force (Kienzle, rising with wear) deflects the workpiece; operators compensate most of the
      wear through offsets, less well on the night shift; the spindle grows thermally after a restart and a part cut
      dry shrinks when it cools (ISO 230-3 thermal effects; thermal expansion of steel 11.5 µm/(m·K)).

    Bar lots differ in hardness (±3 %), which changes cutting force and tool life.
    """

    family = ProcessFamily.cnc
    label_en = "CNC machining (turning)"
    label_ko = "CNC 가공 (선삭)"
    PRODUCT = "SH-40"
    MATERIAL = "S45C"
    PARAMETERS = (
        Parameter(
            "spindle_speed_rpm", "rpm", 800, 3000, 1600, 50, 4500, "spindle speed", "주축 회전수", 2.0, 0
        ),
        Parameter("feed_mm_per_rev", "mm/rev", 0.05, 0.3, 0.12, 0.005, 1.0, "feed", "이송량", 0.0, 3),
        Parameter("depth_of_cut_mm", "mm", 0.3, 3.0, 1.0, 0.01, 6.0, "depth of cut", "절삭 깊이", 0.01, 3),
        Parameter("coolant_flow_l_min", "L/min", 0, 30, 18, 0, 40, "coolant flow", "절삭유 유량", 0.3, 1),
        Parameter(
            "tool_change_parts",
            "EA",  # pieces, as Korean shop floors write a count in either language ("parts" read as English there)
            10,
            150,
            50,
            1,
            5000,
            "tool change interval",
            "공구 교체 주기",
            0.0,
            0,
        ),
    )
    DEFECTS = (
        DefectType("tool_breakage", "tool breakage", "공구 파손", "edge fails past the flank-wear criterion"),
        DefectType(
            "dimension_out", "dimension out of tolerance", "치수 불량", "wear, deflection, thermal growth"
        ),
        DefectType(
            "roughness", "surface roughness", "면조도 불량", "feed marks, worn flank, built-up edge, chatter"
        ),
    )
    MEASURES = (
        Measure(
            "diameter_mm",
            "mm",
            "diameter",
            "외경",
            DIAMETER_MM - TOLERANCE_UM / 1000,
            DIAMETER_MM + TOLERANCE_UM / 1000,
            4,
        ),
        Measure("ra_um", "µm", "surface roughness Ra", "표면 거칠기 Ra", upper_spec=RA_LIMIT_UM, decimals=3),
    )
    SIGNALS = (
        SensorSpec("spindle_load_pct", "%", 0, 200, "spindle load", "주축 부하", 2),
        SensorSpec("vibration_mm_s", "mm/s", 0, 100, "vibration velocity (RMS)", "진동 속도 (RMS)", 3),
        SensorSpec("spindle_speed_rpm", "rpm", 0, 5000, "spindle speed", "주축 회전수", 0),
        SensorSpec("coolant_flow_l_min", "L/min", 0, 50, "coolant flow", "절삭유 유량", 2),
        SensorSpec("cycle_time_s", "s", 0, 3600, "cycle time", "사이클 타임", 2),
    )
    BREAKDOWNS = (
        Reason("servo_alarm", "servo / spindle alarm", "서보·주축 알람", 2.0),
        Reason("chip_conveyor_jam", "chip conveyor jam", "칩 컨베이어 걸림", 3.0),
        Reason("coolant_pump", "coolant pump fault", "절삭유 펌프 이상", 1.0),
        Reason("loader_fault", "loader / bar feeder fault", "로더·바피더 이상", 2.0),
    )
    MAINTENANCE = Reason("tool_change", "planned tool change", "계획 공구 교체")
    FAILURE = (Reason("tool_breakage", "tool breakage", "공구 파손"), "tool_breakage")
    MTBF_H = 50.0
    MTTR_MIN = 20.0
    MAINTENANCE_MIN = 4.0
    CHANGEOVER_MIN = 40.0
    MINOR_STOPS_PER_H = 1.0
    LOT_SIZE_PARTS = 1000  # bars from one heat
    WARMUP_PARTS = 5.0

    @classmethod
    def poor_settings(cls) -> dict[str, float]:
        """A coarse feed on a faster spindle with little coolant, inserts changed on the old count: chasing output."""
        return {
            **cls.nominal_settings(),
            "spindle_speed_rpm": 1700.0,
            "feed_mm_per_rev": 0.15,
            "coolant_flow_l_min": 8.0,
            "tool_change_parts": 50.0,
        }

    # ---- physics --------------------------------------------------------------------------------------------
    @staticmethod
    def cutting_speed_m_min(spindle_speed_rpm: np.ndarray) -> np.ndarray:
        return math.pi * DIAMETER_MM * spindle_speed_rpm / 1000.0

    @staticmethod
    def cutting_time_s(p: Mapping[str, np.ndarray]) -> np.ndarray:
        return 60.0 * CUT_LENGTH_MM / (p["feed_mm_per_rev"] * p["spindle_speed_rpm"])

    def tool_life_min(self, p: Mapping[str, np.ndarray], hardness: np.ndarray | float = 1.0) -> np.ndarray:
        """Taylor's extended equation solved for T, with coolant and bar-hardness factors."""
        v = self.cutting_speed_m_min(p["spindle_speed_rpm"])
        coolant = 0.55 + 0.45 * (1.0 - np.exp(-p["coolant_flow_l_min"] / 5.0))
        return (
            LIFE_REF_MIN
            * (SPEED_REF_M_MIN / v) ** (1 / TAYLOR_N)
            * (FEED_REF / p["feed_mm_per_rev"]) ** (TAYLOR_Y / TAYLOR_N)
            * (DEPTH_REF / p["depth_of_cut_mm"]) ** (TAYLOR_X / TAYLOR_N)
            * coolant
            / (0.55 + 0.45 * (1.0 - math.exp(-18.0 / 5.0)))
            * np.asarray(hardness) ** -3.0
        )

    def cycle_time_s(self, p: Mapping[str, np.ndarray]) -> np.ndarray:
        return self.cutting_time_s(p) + LOAD_UNLOAD_S

    def wear_per_part(self, p: Mapping[str, np.ndarray], lot: Mapping[str, np.ndarray]) -> np.ndarray:
        """Share of the insert's life used by one part: cutting time / Taylor tool life."""
        return self.cutting_time_s(p) / 60.0 / self.tool_life_min(p, lot["hardness_factor"])

    def maintenance_interval_parts(self, settings: Mapping[str, float], mean_wear_per_part: float) -> int:
        return max(1, int(round(settings["tool_change_parts"])))

    def failure_probability(self, p: Mapping[str, np.ndarray], wear: np.ndarray) -> np.ndarray:
        vb = flank_wear_mm(wear)
        chip_load = p["feed_mm_per_rev"] / FEED_REF
        return 0.5 * ndtr((vb - 0.5) / 0.06) * chip_load + 2e-5 * chip_load**2

    def lot_properties(self, rng: np.random.Generator) -> dict[str, float]:
        return {"hardness_factor": float(rng.lognormal(0.0, 0.03))}

    def outcome(self, p: Mapping[str, np.ndarray], ctx: Context) -> Outcome:
        rng = ctx.rng
        n = len(ctx.wear)
        vb = flank_wear_mm(ctx.wear)
        feed, depth, rpm = p["feed_mm_per_rev"], p["depth_of_cut_mm"], p["spindle_speed_rpm"]
        speed = self.cutting_speed_m_min(rpm)

        # --- cutting force (Kienzle), rising with flank wear
        kappa = math.radians(95.0)
        h = feed * math.sin(kappa)
        b = depth / math.sin(kappa)
        force_c = KC11 * ctx.lot["hardness_factor"] * b * h ** (1 - MC) * (1.0 + 1.0 * vb)
        force_p = 0.35 * force_c
        force_p_fresh = 0.35 * KC11 * ctx.lot["hardness_factor"] * b * h ** (1 - MC)

        # --- chatter along the stability lobes
        b_lim = 2.4 * (1.0 + 0.25 * np.cos(2 * math.pi * rpm / 1000.0))
        chatter = (depth / b_lim) ** 3

        # --- surface roughness
        ra_geometric = 1000.0 * feed**2 / (32.0 * NOSE_RADIUS_MM)
        built_up_edge = 0.6 * np.exp(-(speed - 60.0) / 35.0)
        ra = (ra_geometric * (1.0 + 1.2 * vb) + built_up_edge + 0.4 * chatter) * rng.lognormal(0.0, 0.15, n)
        rough = ra > RA_LIMIT_UM

        # --- diameter
        radial_wear_um = 1000.0 * vb * math.tan(math.radians(CLEARANCE_ANGLE_DEG))
        uncompensated = 0.2 * ctx.operator  # share of the wear trend the crew's offsets leave in
        work_heating_k = 4.0 + 20.0 * np.exp(-p["coolant_flow_l_min"] / 5.0)
        error_um = (
            2.0 * radial_wear_um * uncompensated
            + 2.0 * (force_p - force_p_fresh) / STIFFNESS_N_PER_UM
            - 6.0 * (1.0 - np.exp(-ctx.minutes_since_restart / 30.0))  # spindle thermal growth
            - 0.5 * DIAMETER_MM * 11.5e-3 * work_heating_k  # cut warm, measured cold
            + 5.0
            + rng.normal(0.0, 5.0, n)
        )
        dimension = np.abs(error_um) > TOLERANCE_UM

        power_kw = force_c * speed / 60000.0
        sensors = {
            "spindle_load_pct": 100.0 * power_kw / SPINDLE_POWER_KW * rng.lognormal(0.0, 0.02, n) + 4.0,
            "vibration_mm_s": (0.6 + 0.004 * force_c + 6.0 * chatter) * rng.lognormal(0.0, 0.08, n),
            "spindle_speed_rpm": rpm,
            "coolant_flow_l_min": p["coolant_flow_l_min"],
            "cycle_time_s": self.cycle_time_s(p),
        }
        return Outcome(
            measures={"diameter_mm": DIAMETER_MM + error_um / 1000.0, "ra_um": ra},
            defects={"dimension_out": dimension, "roughness": rough},
            sensors=sensors,
        )
