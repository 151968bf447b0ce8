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


#: The most values a document may hold once its aliases are expanded: a 400-byte file of nested aliases ("billion
#: laughs") became a billion values, and a message quoting one froze the server past 4 GB.
MAX_VALUES = 1_000_000


def _values(node: yaml.Node, counted: dict[int, int]) -> int:
    """How many values `node` stands for with every alias expanded, each shared node counted once per use."""
    key = id(node)
    if key in counted:
        return counted[key]
    # a node that holds itself (a recursive document) counts once
    counted[key] = 1
    if isinstance(node, yaml.SequenceNode):
        n = 1 + sum(_values(child, counted) for child in node.value)
    elif isinstance(node, yaml.MappingNode):
        n = 1 + sum(_values(k, counted) + _values(v, counted) for k, v in node.value)
    else:
        n = 1
    counted[key] = n
    return n


def read_yaml(text: str) -> Any:
    """`yaml.safe_load` of `text`, its errors all `yaml.YAMLError` (see the module's note); a document whose
    aliases expand to more than `MAX_VALUES` values is refused before it is built."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _values(node, {}) > MAX_VALUES:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"its aliases (*name) expand to more than {MAX_VALUES:,} values; write the values out, or use "
                "fewer nested aliases",
                node.start_mark,
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()
