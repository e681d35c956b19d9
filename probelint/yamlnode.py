"""Reading composed YAML nodes without constructing Python objects.

probelint works on libyaml's node tree (``yaml.compose_all`` with ``CSafeLoader``) because every
node carries its start and end marks, which is what precise positions and byte-exact fixes need,
and composing is about a third of the cost of constructing. These helpers give the few
operations the rest of the code needs: a mapping view with Kubernetes' duplicate-key semantics
(the last key wins) and YAML merge keys, typed scalars, positions, and a conversion to Python
values with a node budget, because an alias bomb is small as a node graph but enormous once
expanded.
"""
from __future__ import annotations

from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

TAG_STR = "tag:yaml.org,2002:str"
TAG_INT = "tag:yaml.org,2002:int"
TAG_FLOAT = "tag:yaml.org,2002:float"
TAG_BOOL = "tag:yaml.org,2002:bool"
TAG_NULL = "tag:yaml.org,2002:null"
TAG_MERGE = "tag:yaml.org,2002:merge"
TAG_MAP = "tag:yaml.org,2002:map"
TAG_SEQ = "tag:yaml.org,2002:seq"
STANDARD_SCALAR_TAGS = frozenset(
    {
        TAG_STR,
        TAG_INT,
        TAG_FLOAT,
        TAG_BOOL,
        TAG_NULL,
        "tag:yaml.org,2002:timestamp",
        "tag:yaml.org,2002:binary",
        "tag:yaml.org,2002:value",
    }
)

_CONSTRUCTOR = SafeConstructor()
MISSING = object()


class NodeBudgetExceeded(ValueError):
    """A value expands to more nodes than any real manifest has (an alias bomb)."""


def kind_name(node: Node | None) -> str:
    """How a node's type reads in a message: ``mapping``, ``sequence``, ``string``, ``integer``..."""
    if node is None:
        return "nothing"
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    value = scalar(node)
    return describe_value(value)


def describe_value(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a float ({value:g})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f'a string ("{shown}")'
    return type(value).__name__


def scalar(node: Node) -> object:
    """The Python value of a scalar node under the YAML 1.1 core schema Kubernetes uses.

    Unknown tags (``!!python/...``, ``!custom``) are never constructed: the raw text is
    returned as a string, so a rule sees a wrong type rather than an object.
    """
    tag = node.tag
    value = node.value
    if tag == TAG_STR:
        return value
    try:
        if tag == TAG_INT:
            return _CONSTRUCTOR.construct_yaml_int(node)
        if tag == TAG_BOOL:
            return _CONSTRUCTOR.construct_yaml_bool(node)
        if tag == TAG_NULL:
            return None
        if tag == TAG_FLOAT:
            return _CONSTRUCTOR.construct_yaml_float(node)
    except (ConstructorError, ValueError, OverflowError):
        return value
    return value


def is_map(node: Node | None) -> bool:
    return isinstance(node, MappingNode)


def is_seq(node: Node | None) -> bool:
    return isinstance(node, SequenceNode)


def is_scalar(node: Node | None) -> bool:
    return isinstance(node, ScalarNode)


class Map:
    """A read-only view of a mapping node keyed by string keys.

    Duplicate keys resolve to the last occurrence (what the API server keeps); merge keys
    (``<<: *anchor``) contribute keys that the mapping does not set itself.
    """

    __slots__ = ("node", "_entries", "duplicates")

    def __init__(self, node: MappingNode) -> None:
        self.node = node
        entries: dict[str, tuple[Node, Node]] = {}
        merged: dict[str, tuple[Node, Node]] = {}
        duplicates: list[Node] = []
        seen: set[int] = set()
        for key_node, value_node in node.value:
            if key_node.tag == TAG_MERGE:
                _collect_merge(value_node, merged, 0, seen)
                continue
            if not isinstance(key_node, ScalarNode):
                continue
            key = key_node.value
            if key in entries:
                duplicates.append(key_node)
            entries[key] = (key_node, value_node)
        if merged:
            for key, pair in merged.items():
                entries.setdefault(key, pair)
        self._entries = entries
        self.duplicates = duplicates

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def keys(self):
        return self._entries.keys()

    def items(self):
        """``(key, key_node, value_node)`` in document order."""
        return ((key, pair[0], pair[1]) for key, pair in self._entries.items())

    def get(self, key: str) -> Node | None:
        pair = self._entries.get(key)
        return pair[1] if pair else None

    def key_node(self, key: str) -> Node | None:
        pair = self._entries.get(key)
        return pair[0] if pair else None

    def map(self, key: str) -> Map | None:
        node = self.get(key)
        return Map(node) if isinstance(node, MappingNode) else None

    def seq(self, key: str) -> list[Node] | None:
        node = self.get(key)
        return node.value if isinstance(node, SequenceNode) else None

    def scalar(self, key: str, default: object = None) -> object:
        node = self.get(key)
        if isinstance(node, ScalarNode):
            return scalar(node)
        return default

    def str(self, key: str) -> str | None:
        value = self.scalar(key)
        return value if isinstance(value, str) else None

    def path(self, *keys: str) -> Node | None:
        current: Map | None = self
        node: Node | None = None
        for key in keys:
            if current is None:
                return None
            node = current.get(key)
            current = Map(node) if isinstance(node, MappingNode) else None
        return node


def _collect_merge(value: Node, into: dict, depth: int, seen: set[int]) -> None:
    """Add the keys of merged mappings. Each merged node is read once: merging the same
    anchor again adds nothing, and skipping it keeps a merge-key bomb linear."""
    if depth > 16 or id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, MappingNode):
        for key, key_node, value_node in Map(value).items():
            into.setdefault(key, (key_node, value_node))
    elif isinstance(value, SequenceNode):
        for item in value.value:
            _collect_merge(item, into, depth + 1, seen)


def node_position(node: Node) -> tuple[int, int, int, int]:
    """1-based ``(line, column, end_line, end_column)`` of a node."""
    start, end = node.start_mark, node.end_mark
    line, column = start.line + 1, start.column + 1
    end_line, end_column = end.line + 1, end.column + 1
    if (end_line, end_column) < (line, column):
        end_line, end_column = line, column
    return line, column, end_line, end_column


def to_python(node: Node, budget: int = 100_000) -> object:
    """Convert a node to plain Python values, refusing to expand more than ``budget`` nodes.

    Iterative, so that a document nested thousands of levels deep cannot exhaust the stack.
    Mapping keys that are not scalars are skipped; duplicate keys keep the last value.
    """
    remaining = budget

    def spend() -> None:
        nonlocal remaining
        remaining -= 1
        if remaining < 0:
            raise NodeBudgetExceeded(f"value expands to more than {budget} nodes (alias bomb?)")

    spend()
    if isinstance(node, ScalarNode):
        return scalar(node)
    root: object = {} if isinstance(node, MappingNode) else []
    stack: list[tuple[Node, object]] = [(node, root)]
    while stack:
        current, target = stack.pop()
        if isinstance(current, MappingNode):
            for key, _key_node, value_node in Map(current).items():
                spend()
                target[key] = _leaf_or_container(value_node, stack, spend)
        else:
            for item in current.value:
                spend()
                target.append(_leaf_or_container(item, stack, spend))
    return root


def _leaf_or_container(node: Node, stack: list, spend: object) -> object:
    if isinstance(node, ScalarNode):
        return scalar(node)
    container: object = {} if isinstance(node, MappingNode) else []
    stack.append((node, container))
    return container
