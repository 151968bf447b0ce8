"""YAML as sandan reads it: PyYAML's safe loader, with an impossible date (2026-13-01, 2026-02-30) reported as a
YAML error at its line and column, as the other mistakes of a hand-written file are, instead of escaping PyYAML
as a bare ValueError (a traceback from every reader of lines, orders, calendars and site files), and a clock
time written without quotes (17:00) read as the text it is, not as a base-60 number."""

from __future__ import annotations

from typing import Any

import yaml


class _Loader(yaml.SafeLoader):
    """The safe loader; only its dates (`_timestamp`) and its base-60 numbers (`_sexagesimal_as_text`) differ."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a calendar date", node.start_mark
        ) from None


def _sexagesimal_as_text(base: Any) -> Any:
    """YAML 1.1 reads an unquoted 17:00 as the base-60 number 1020 (YAML 1.2 dropped that): a shift's end became
    00:17 without a word. Such a scalar stays the text it is written as; other numbers are read as before."""

    def construct(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
        if ":" in node.value:
            return node.value
        return base(loader, node)

    return construct


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _sexagesimal_as_text(yaml.SafeLoader.construct_yaml_int))
_Loader.add_constructor("tag:yaml.org,2002:float", _sexagesimal_as_text(yaml.SafeLoader.construct_yaml_float))


def read_yaml(text: str) -> Any:
    """`yaml.safe_load` of `text`, its errors all `yaml.YAMLError` (see the module's note)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 — a SafeLoader subclass
