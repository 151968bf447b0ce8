"""What crosses between the federation's server and a company's client: named arrays and scalar settings.

Every request and reply is a `Payload` — a few named numeric arrays plus a flat config of numbers and short
strings. The simulation runs each payload through the same bytes encoding as a network would, and both sides
check what arrives against the task's allowed array names before they use it, so a garbage reply is refused
with a reason instead of corrupting the model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sandan.domain import SandanError

# The tasks a client answers, and for each the array names its reply may hold.
TASKS = {
    "pairs": {"votes"},
    "size": {"n", "positives"},
    "moments": {"sum", "sumsq", "count"},
    "trees": None,  # a tree package (see trees.TREE_ARRAYS)
    "linear": {"delta"},
    # counts per threshold, summed log loss and rows of the validation part, and what one of its parts' counts is
    # worth (1 for independent rows; less when they come in a few production batches: client.design_weight)
    "validate": {"tp", "fp", "fn", "logloss", "n", "weight"},
    "sketch": {"counts"},  # value counts on the federation's fine grid (HistBoost's bin edges)
    "hist": {"g", "h", "n"},  # per node, column and bin: sums of gradient, hessian and rows (HistBoost)
    "secagg": {"message"},  # one SecAgg+ stage message (secagg.py), Flower's record serialised to bytes
    # after a real-mode run: counts (tp, fp, fn) of the federated and the company's own model on its held-out
    # rows, and (rows, positives) of those rows, then the labelled rows they came from and the whole groups held
    # out (0: single rows; clients before these two send the first two only)
    "evaluate": {"federated", "local", "n"},
}
MAX_ARRAY_VALUES = 5_000_000
Config = dict[str, int | float | str]


class FederationFailed(SandanError):
    """A round could not complete: too few companies answered in time with a valid reply."""

    status = 409


@dataclass
class Payload:
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    config: Config = field(default_factory=dict)

    def nbytes(self) -> int:
        return sum(int(a.nbytes) for a in self.arrays.values())


@dataclass
class Reply:
    company: str
    payload: Payload
    seconds: float = 0.0


@dataclass
class Failure:
    company: str
    reason_en: str
    reason_ko: str


MAGIC = b"SDF1"


def encode(payload: Payload) -> bytes:
    """Numbers only: a JSON header (names, dtypes, shapes, the config) then the arrays' raw bytes. No pickles."""
    header: dict[str, Any] = {"arrays": [], "config": dict(payload.config)}
    blobs = []
    for k, v in payload.arrays.items():
        a = np.ascontiguousarray(v)
        if a.dtype.kind not in "biuf":
            raise ValueError(f"array {k} is not numeric")
        header["arrays"].append([k, a.dtype.str, list(a.shape)])
        blobs.append(a.tobytes())
    head = json.dumps(header).encode()
    return MAGIC + len(head).to_bytes(4, "big") + head + b"".join(blobs)


def decode(data: bytes) -> Payload:
    """The payload in `data`, or ValueError when it is not one (a garbage reply)."""
    try:
        if data[:4] != MAGIC:
            raise ValueError("not a sandan federation payload")
        size = int.from_bytes(data[4:8], "big")
        header = json.loads(data[8 : 8 + size])
        at = 8 + size
        arrays = {}
        for name, dtype, shape in header["arrays"]:
            dt = np.dtype(dtype)
            if dt.kind not in "biuf":
                raise ValueError(f"array {name} is not numeric")
            count = int(np.prod(shape)) if shape else 1
            if count > MAX_ARRAY_VALUES:
                raise ValueError(f"array {name} is too large")
            end = at + count * dt.itemsize
            if end > len(data):
                raise ValueError("payload is truncated")
            arrays[str(name)] = np.frombuffer(data[at:end], dtype=dt).reshape(shape).copy()
            at = end
        if at != len(data):
            raise ValueError("payload has trailing bytes")
        config = {str(k): v for k, v in header.get("config", {}).items() if isinstance(v, int | float | str)}
    except ValueError:
        raise
    except Exception as exc:  # noqa: BLE001 - anything unreadable is a garbage payload
        raise ValueError(f"unreadable payload: {exc}") from exc
    return Payload(arrays, config)


def check_reply(task: str, payload: Payload) -> Payload:
    """The reply's arrays are the task's, finite and numeric, of sane size — or ValueError with the reason."""
    allowed = TASKS[task]
    if allowed is not None and set(payload.arrays) != allowed:
        raise ValueError(f"reply to '{task}' has arrays {sorted(payload.arrays)}, expected {sorted(allowed)}")
    for k, v in payload.arrays.items():
        v = np.asarray(v)
        if v.dtype.kind not in "biuf":
            raise ValueError(f"array {k} is not numeric")
        if v.size > MAX_ARRAY_VALUES:
            raise ValueError(f"array {k} is too large ({v.size} values)")
        if v.dtype.kind == "f" and not np.isfinite(v).all():
            raise ValueError(f"array {k} holds non-finite values")
    return payload
