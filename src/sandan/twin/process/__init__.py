"""Process models per family — the virtual factory's physics: settings in, parts, readings and machine states out.

Each family is one file of the same shape (`<family>.py`); the registry maps a process family to its model.
"""

from sandan.domain import ProcessFamily
from sandan.twin.process.assembly import AssemblyModel
from sandan.twin.process.base import (
    Context,
    DefectType,
    MachineCondition,
    Measure,
    Outcome,
    Parameter,
    PartBatch,
    ProcessModel,
    Reason,
    SensorSpec,
)
from sandan.twin.process.cnc import CncTurningModel
from sandan.twin.process.forging import ForgingModel
from sandan.twin.process.injection import InjectionMouldingModel
from sandan.twin.process.press import PressModel

MODELS: dict[ProcessFamily, type[ProcessModel]] = {
    ProcessFamily.injection: InjectionMouldingModel,
    ProcessFamily.press: PressModel,
    ProcessFamily.forging: ForgingModel,
    ProcessFamily.cnc: CncTurningModel,
    ProcessFamily.assembly: AssemblyModel,
}


def spec_limits(families) -> dict[str, tuple[float | None, float | None]]:
    """Specification limits of the measured characteristics of these process families' parts (the virtual
    factory's drawings): name → (lower, upper); a plant's own drawing may differ and is typed on the page."""
    out: dict[str, tuple[float | None, float | None]] = {}
    for family in families:
        if family in MODELS:
            out.update(MODELS[family].spec_limits())
    return out


__all__ = [
    "MODELS",
    "AssemblyModel",
    "CncTurningModel",
    "Context",
    "DefectType",
    "ForgingModel",
    "InjectionMouldingModel",
    "MachineCondition",
    "Measure",
    "Outcome",
    "Parameter",
    "PartBatch",
    "PressModel",
    "ProcessModel",
    "Reason",
    "SensorSpec",
    "spec_limits",
]
