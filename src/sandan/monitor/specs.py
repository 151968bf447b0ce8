"""A company's own specification limits per measured characteristic: the drawing's limits its quality engineers
saved once, so the capability study, the assistant and every later visit use them without typing them again.

Kept as YAML under the data folder, beside the company's calendar and code table. A saved limit comes before the
process family's typical one (`sandan.twin.process.spec_limits`); limits typed for one study come before both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

from sandan.domain import InvalidInput
from sandan.domain.yamltext import read_yaml
from sandan.monitor.spc import check_spec

Limits = tuple[float | None, float | None]


def specs_path(data_dir: Path, company_id: str) -> Path:
    return Path(data_dir) / "specs" / f"{company_id}.yaml"


def company_specs(data_dir: Path | None, company_id: str) -> dict[str, Limits]:
    """The company's saved limits, characteristic → (LSL, USL); empty without any."""
    if data_dir is None or not specs_path(data_dir, company_id).exists():
        return {}
    path = specs_path(data_dir, company_id)
    data = read_yaml(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise InvalidInput(
            f"{path} is not a table of limits (characteristic: {{lsl: …, usl: …}}); save the limits again",
            f"{path}이(가) 규격 표(측정 특성: {{lsl: …, usl: …}})가 아닙니다. 규격을 다시 저장하세요",
            code="bad_spec",
        )
    return {str(k): (v.get("lsl"), v.get("usl")) for k, v in data.items()}


def check_limits(characteristic: str, lsl: float | None, usl: float | None) -> None:
    """Refused, saying how to fix it: no characteristic, or limits a capability study would refuse
    (`spc.check_spec`: none at all, not finite, LSL not below USL)."""
    if not characteristic.strip() or len(characteristic) > 128:
        raise InvalidInput(
            "name the measured characteristic the limits are for (1 to 128 characters)",
            "규격 한계를 정할 측정 특성을 적으세요 (1~128자)",
            code="bad_spec",
            field="characteristic",
        )
    check_spec(lsl, usl)


def save_spec(
    data_dir: Path, company_id: str, characteristic: str, lsl: float | None, usl: float | None
) -> dict[str, Limits]:
    """Keep the limits of one characteristic (replacing its earlier ones); returns every saved limit."""
    check_limits(characteristic, lsl, usl)
    specs = company_specs(data_dir, company_id)
    specs[characteristic.strip()] = (lsl, usl)
    _write(data_dir, company_id, specs)
    return specs


def delete_spec(data_dir: Path, company_id: str, characteristic: str) -> dict[str, Limits]:
    specs = company_specs(data_dir, company_id)
    specs.pop(characteristic.strip(), None)
    _write(data_dir, company_id, specs)
    return specs


def _write(data_dir: Path, company_id: str, specs: Mapping[str, Limits]) -> None:
    path = specs_path(data_dir, company_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    plain = {k: {"lsl": lsl, "usl": usl} for k, (lsl, usl) in sorted(specs.items())}
    path.write_text(yaml.safe_dump(plain, allow_unicode=True, sort_keys=False), encoding="utf-8")


def limits_for(
    data_dir: Path | None, company_id: str, families: Iterable[str]
) -> tuple[dict[str, Limits], dict[str, str]]:
    """The limits a capability study uses where none are typed, and where each comes from: the company's saved
    ones ("company") before the process family's typical ones ("process")."""
    from sandan.twin.process import spec_limits

    process = spec_limits(set(families))
    own = company_specs(data_dir, company_id)
    sources = {**dict.fromkeys(process, "process"), **dict.fromkeys(own, "company")}
    return {**process, **own}, sources
