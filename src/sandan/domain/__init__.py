"""The vocabulary of sandan: assets (ISA-95 levels), time-series and part-record batches, accounts, and their rules.

It imports nothing of sandan; every other package imports from here.
"""

from sandan.domain.errors import (
    Cancelled,
    Conflict,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    SandanError,
    StoreUnavailable,
    TooManyAttempts,
    invalid_input_from,
    value_error,
)
from sandan.domain.model import (
    EVENT_SCHEMA,
    FAMILY_NAMES,
    PART_SCHEMA,
    READING_SCHEMA,
    Company,
    Line,
    Machine,
    MachineState,
    PartResult,
    ProcessFamily,
    Role,
    Signal,
    Site,
    User,
    plant_clock,
)

__all__ = [
    "Company",
    "Site",
    "Line",
    "Machine",
    "Signal",
    "User",
    "plant_clock",
    "Role",
    "ProcessFamily",
    "FAMILY_NAMES",
    "MachineState",
    "PartResult",
    "READING_SCHEMA",
    "PART_SCHEMA",
    "EVENT_SCHEMA",
    "SandanError",
    "InvalidInput",
    "NotFound",
    "Conflict",
    "Cancelled",
    "Forbidden",
    "NotAuthenticated",
    "StoreUnavailable",
    "TooManyAttempts",
    "value_error",
    "invalid_input_from",
]
