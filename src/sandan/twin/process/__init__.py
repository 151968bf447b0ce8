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


def column_labels(families) -> dict[str, dict[str, str]]:
    """The names in words and units of these process families' parameters and measurements: column →
    {"en", "ko", "unit"} (the first family that names a column wins)."""
    out: dict[str, dict[str, str]] = {}
    for family in dict.fromkeys(families):
        if family in MODELS:
            for name, words in MODELS[family].column_labels().items():
                out.setdefault(name, words)
    return out


def column_roles(families) -> dict[str, dict[str, str]]:
    """The parameters and measurements of these process families as import roles ("param:melt_temp_c",
    "measure:warpage_mm"), in the families' order, each with its name in words ({"en": …, "ko": …})."""
    roles: dict[str, dict[str, str]] = {}
    for family in dict.fromkeys(families):
        model = MODELS.get(family)
        if model is None:
            continue
        labels = model.column_labels()
        for prefix, items in (("param", model.PARAMETERS), ("measure", model.MEASURES)):
            for item in items:
                words = labels.get(item.name, {})
                roles.setdefault(f"{prefix}:{item.name}", {k: words[k] for k in ("en", "ko") if k in words})
    return roles


def known_roles_by_name(families) -> dict[str, list[str]]:
    """Role → the names people give that column (its key and its words in both languages), for
    `sandan.collect.files.match_known_roles`."""
    return {role: [role.split(":", 1)[1], *words.values()] for role, words in column_roles(families).items()}


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
    "column_labels",
    "column_roles",
    "known_roles_by_name",
    "spec_limits",
]
