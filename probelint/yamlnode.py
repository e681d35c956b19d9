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
            if value.isdigit() and value.isascii() and (value[0] != "0" or value == "0"):
                return int(value)  # plain decimal, the usual case (a leading 0 is octal)
            return _CONSTRUCTOR.construct_yaml_int(node)
        if tag == TAG_BOOL:
            return _CONSTRUCTOR.construct_yaml_bool(node)
        if tag == TAG_NULL:
            return None
        if tag == TAG_FLOAT:
            return _CONSTRUCTOR.construct_yaml_float(node)
    except (ConstructorError, ValueError, OverflowError, IndexError, KeyError):
        # an explicit tag on text that is not of that type: ``!!int ""``, ``!!bool maybe``
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

    __slots__ = ("_entries", "_maps", "duplicates", "node")

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
        self._maps: dict[str, Map | None] | None = None

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
        """The mapping under ``key`` as a view; made once, since rules ask for the same ones."""
        maps = self._maps
        if maps is None:
            maps = self._maps = {}
        elif key in maps:
            return maps[key]
        node = self.get(key)
        found = maps[key] = Map(node) if isinstance(node, MappingNode) else None
        return found

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
            current = current.map(key)
        return node


def is_alias_use(key_node: Node, value_node: Node) -> bool:
    """``key: *name``: the value node is the anchored one, written before its key."""
    start, end = value_node.start_mark, key_node.end_mark
    return (start.line, start.column) < (end.line, end.column)


USE_SITE_BUDGET = 20_000


def use_site(root: Node, target: Node) -> Node | None:
    """Where ``root``'s own text reaches ``target`` through an alias or merge key: the key whose
    value is the first alias on the path (``<<`` for a merge, ``httpGet`` for ``httpGet: *h``).
    None when ``target`` is written under ``root`` itself (on any path) or is not reached.

    A value reused through an anchor is written elsewhere, maybe in another container, so its
    own position would not say which use a finding is about."""
    stack: list[tuple[Node, Node | None, Node | None]] = [(root, None, None)]  # node, use site, last key
    seen: set[tuple[int, bool]] = set()
    budget = USE_SITE_BUDGET
    found: Node | None = None
    while stack and budget > 0:
        node, site, last_key = stack.pop()
        if node is target:
            if site is None:
                return None  # written here
            found = found or site
            continue
        if (id(node), site is None) in seen:
            continue
        seen.add((id(node), site is None))
        budget -= 1
        if isinstance(node, MappingNode):
            for key_node, value in node.value:
                through = site or (key_node if is_alias_use(key_node, value) else None)
                if key_node is target:
                    if site is None:
                        return None
                    found = found or site
                stack.append((value, through, key_node))
        elif isinstance(node, SequenceNode):
            for item in node.value:
                start, end = item.start_mark, node.start_mark
                aliased = last_key is not None and (start.line, start.column) < (end.line, end.column)
                stack.append((item, site or (last_key if aliased else None), last_key))
    return found


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


class Point:
    """A 0-based line and column, like a node's mark."""

    __slots__ = ("column", "line")

    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


class Spot:
    """Where a node was, with the ``start_mark`` / ``end_mark`` interface of a node. Kept instead
    of a node that must outlive its document (a Service's ``targetPort``, read when the
    workloads it selects are checked): a node with its two marks costs ten times as much, and
    thousands of them left among a freed tree keep its memory from being reused."""

    __slots__ = ("column", "end_column", "end_line", "line")

    def __init__(self, node: Node) -> None:
        start, end = node.start_mark, node.end_mark
        self.line, self.column, self.end_line, self.end_column = start.line, start.column, end.line, end.column

    @property
    def start_mark(self) -> Point:
        return Point(self.line, self.column)

    @property
    def end_mark(self) -> Point:
        return Point(self.end_line, self.end_column)


def node_position(node: Node) -> tuple[int, int, int, int]:
    """1-based ``(line, column, end_line, end_column)`` of a node."""
    start, end = node.start_mark, node.end_mark
    line, column = start.line + 1, start.column + 1
    end_line, end_column = end.line + 1, end.column + 1
    end_line, end_column = max((end_line, end_column), (line, column))
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


# -- what a composed document may hide -----------------------------------------------------
KNOWN_TAGS = STANDARD_SCALAR_TAGS | {TAG_MAP, TAG_SEQ, TAG_MERGE}
_SHORT_PREFIX = "tag:yaml.org,2002:"


def show_tag(tag: str) -> str:
    """A tag as it was most likely written: ``!!python/object/apply:os.system``."""
    return "!!" + tag[len(_SHORT_PREFIX):] if tag.startswith(_SHORT_PREFIX) else tag


class Inspection:
    """What ``inspect`` found in one document.

    ``refusal`` is the node and reason when the document must not be read at all: a tag that
    names a type (``!!python/object/apply:...``) whose meaning would be code, an alias that
    contains itself, or aliases that expand the document past the node limit.
    """

    __slots__ = ("duplicates", "refusal")

    def __init__(self) -> None:
        self.duplicates: list[Node] = []
        self.refusal: tuple[Node, str] | None = None


def inspect(root: Node, *, tags: bool = True, aliases: bool = True,
            max_expanded: int = 1_000_000) -> Inspection:
    """Walk a composed document once, iteratively, reading every distinct node once.

    Finds duplicate mapping keys (the second and later occurrences), unknown tags, and — when
    ``aliases`` says the text may hold anchors — alias cycles and alias bombs: an alias is a
    reference, so a small graph can stand for a tree of billions of nodes, and its expanded
    size is computed per distinct node (linear time) before anything expands it.
    ``tags``/``aliases`` are False when the text has no ``!``/``&``, which skips that work.
    """
    found = Inspection()
    if not aliases:
        _walk_tree(root, found, tags)
        return found
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        ident = id(node)
        if done:
            open_.discard(ident)
            if isinstance(node, MappingNode):
                total = 1 + sum(sizes[id(k)] + sizes[id(v)] for k, v in node.value)
            else:
                total = 1 + sum(sizes[id(item)] for item in node.value)
            if total > max_expanded and total > 10 * len(sizes):
                found.refusal = (node, f"alias bomb: aliases expand this value to more than {max_expanded:,} nodes")
                return found
            sizes[ident] = total
            continue
        if ident in sizes:
            continue
        if ident in open_:
            found.refusal = (node, "recursive alias: an alias refers to a node that contains it")
            return found
        if tags and node.tag not in KNOWN_TAGS and _refuse_tag(node, found):
            return found
        if isinstance(node, ScalarNode):
            sizes[ident] = 1
            continue
        open_.add(ident)
        stack.append((node, True))
        if isinstance(node, MappingNode):
            _duplicates(node, found)
            for key, value in node.value:
                if id(key) in open_ or id(value) in open_:
                    found.refusal = (node, "recursive alias: an alias refers to a node that contains it")
                    return found
                stack.append((key, False))
                stack.append((value, False))
        else:
            for item in node.value:
                if id(item) in open_:
                    found.refusal = (node, "recursive alias: an alias refers to a node that contains it")
                    return found
                stack.append((item, False))
    return found


def _walk_tree(root: Node, found: Inspection, tags: bool) -> None:
    """``inspect`` for a document without anchors: a tree, every node reached once. Without
    tags only collections need a visit; this runs on every document, so it stays lean."""
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        node = pop()
        if tags and node.tag not in KNOWN_TAGS:
            _refuse_tag(node, found)
            return
        cls = node.__class__
        if cls is MappingNode:
            pairs = node.value
            if len(pairs) > 1:
                try:
                    unique = len({key.value for key, _ in pairs}) == len(pairs)
                except TypeError:  # a complex key (a mapping or a list)
                    unique = False
                if not unique:
                    _duplicates(node, found)
            for key, value in pairs:
                if tags:
                    push(key)
                    push(value)
                elif value.__class__ is not ScalarNode:
                    push(value)
        elif cls is SequenceNode:
            if tags:
                stack.extend(node.value)
            else:
                stack.extend(item for item in node.value if item.__class__ is not ScalarNode)


def _refuse_tag(node: Node, found: Inspection) -> bool:
    """Record the refusal; True, so that a caller can return at once."""
    message = f'unknown tag "{show_tag(node.tag)}": tagged values are never constructed; remove the tag'
    found.refusal = (node, message)
    return True


def _duplicates(node: MappingNode, found: Inspection) -> None:
    pairs = node.value
    if len(pairs) < 2:
        return
    keys = [key.value for key, _ in pairs if isinstance(key, ScalarNode) and key.tag != TAG_MERGE]
    if len(set(keys)) == len(keys):
        return
    seen: set[str] = set()
    for key, _ in pairs:
        if isinstance(key, ScalarNode) and key.tag != TAG_MERGE:
            if key.value in seen:
                found.duplicates.append(key)
            seen.add(key.value)
