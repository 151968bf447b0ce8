"""YAML as sandan reads it: PyYAML's safe loader, with an impossible date (2026-13-01, 2026-02-30) reported as a
YAML error at its line and column, as the other mistakes of a hand-written file are, instead of escaping PyYAML
as a bare ValueError (a traceback from every reader of lines, orders, calendars and site files)."""

from __future__ import annotations

from typing import Any

import yaml


class _Loader(yaml.SafeLoader):
    """The safe loader; only its dates differ (`_timestamp`)."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.value!r} is not a calendar date", node.start_mark
        ) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def read_yaml(text: str) -> Any:
    """`yaml.safe_load` of `text`, its errors all `yaml.YAMLError` (see the module's note)."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 — a SafeLoader subclass
