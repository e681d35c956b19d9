"""Fixes as text edits on the original file, written in the file's own style.

A rule describes a fix as changes to the composed node tree ("set ``failureThreshold`` of this
probe mapping to 4", "delete ``host``", "add a ``startupProbe``"). ``FixBuilder`` turns each
change into an ``Edit`` on the original text that touches only the value or the lines that
change: a replaced scalar keeps its quoting, a new key goes on its own line at the indentation
of its siblings (or into a flow mapping with the file's separators), new blocks use the
file's indentation step, sequence indentation, quoting and line endings. The same changes
are kept in the ``Fix`` so that the result can be verified by re-parsing (``fix.py``).

When a change cannot be written exactly (the value is an alias, a key shares its line with
another construct the edit would disturb), the builder gives up and the finding is reported
without a fix rather than with a risky one.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from functools import lru_cache

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from probelint.model import Applicability, Change, Edit, Fix
from probelint.yamlnode import TAG_NULL, TAG_STR

_PLAIN_UNSAFE_START = set("-?:,[]{}#&*!|>'\"%@`")
_FLOW_INDICATORS = set(",[]{}")


class Unfixable(Exception):
    """A change that cannot be written as an exact text edit."""


class FlowMap(dict):
    """A mapping to be written in flow style (``{path: /livez, port: 8080}``) in a block."""


class FlowList(list):
    """A list to be written in flow style (``[sh, -c, ...]``) in a block."""


def plain(value: object) -> object:
    """``value`` with flow markers dropped: the data it stands for."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def copy_value(node: Node, budget: int = 10_000) -> object:
    """The data of ``node``, keeping which of its collections are written in flow style, so that
    a copy (a liveness handler copied into a new startup probe) is written as the original is.
    Raises ``NodeBudgetExceeded`` for an alias bomb."""
    from probelint.yamlnode import Map, scalar, to_python

    to_python(node, budget)  # refuses what expands beyond the budget

    def copy(current: Node, depth: int) -> object:
        if depth > 100:
            raise Unfixable("value nested too deeply")
        if isinstance(current, MappingNode):
            items = {key: copy(value, depth + 1) for key, _key_node, value in Map(current).items()}
            return FlowMap(items) if current.flow_style else items
        if isinstance(current, SequenceNode):
            items = [copy(item, depth + 1) for item in current.value]
            return FlowList(items) if current.flow_style else items
        return scalar(current)

    return copy(node, 0)


# -- the text ------------------------------------------------------------------------------
class Text:
    """The original text with a line table, so node marks (line, column) become offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        starts = [0]
        find = text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        self.starts = starts
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.styles: dict[tuple, Style] = {}  # by the (scope, root) nodes' positions

    def offset(self, mark) -> int:
        if mark.line >= len(self.starts):
            return len(self.text)
        return min(self.starts[mark.line] + mark.column, len(self.text))

    def start(self, node: Node) -> int:
        return self.offset(node.start_mark)

    def end(self, node: Node) -> int:
        return self.offset(node.end_mark)

    def line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def line_end(self, offset: int) -> int:
        """Offset of the line break ending the line of ``offset`` (``\\r\\n`` counts as one)."""
        nl = self.text.find("\n", offset)
        if nl == -1:
            return len(self.text)
        return nl - 1 if nl > 0 and self.text[nl - 1] == "\r" else nl

    def only_space_before(self, offset: int) -> bool:
        return self.text[self.line_start(offset):offset].strip(" \t") == ""


@lru_cache(maxsize=64)
def text_of(text: str) -> Text:
    return Text(text)


def content_end(text: Text, node: Node) -> int:
    """Where the text of a value really ends: block collections end at their last descendant,
    not at the next token (which may be lines of comments further down)."""
    while True:
        if isinstance(node, MappingNode) and not node.flow_style and node.value:
            node = node.value[-1][1]
        elif isinstance(node, SequenceNode) and not node.flow_style and node.value:
            node = node.value[-1]
        else:
            break
    end = text.end(node)
    if isinstance(node, ScalarNode) and node.style in ("|", ">"):
        # A block scalar ends at the start of the line after its content; step back onto it.
        while end > 0 and text.text[end - 1] in "\r\n":
            end -= 1
    return end


# -- style ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Style:
    """How the surrounding YAML is written; new text copies it."""

    step: int = 2
    sequence_indent: int = 2  # columns between a key and its block sequence's "-"
    quote: str = ""  # "" (plain where safe), '"' or "'"
    key_quote: str = ""
    newline: str = "\n"


def detect_style(text: Text, scope: Node, root: Node | None = None) -> Style:
    """Quoting as used inside ``scope`` (the container); indentation step and sequence
    indentation as used in ``root`` (the whole object), which has more examples of them."""
    key = (_span(scope), _span(root) if root is not None else None)
    if key not in text.styles:
        layout = _scan(text, root if root is not None else scope)
        quoting = _scan(text, scope) if root is not None and root is not scope else layout
        text.styles[key] = Style(layout.step, layout.sequence_indent, quoting.quote, quoting.key_quote, text.newline)
    return text.styles[key]


def _span(node: Node) -> tuple[int, int, int, int]:
    return node.start_mark.line, node.start_mark.column, node.end_mark.line, node.end_mark.column


def _scan(text: Text, scope: Node) -> Style:
    steps: dict[int, int] = {}
    seq_indents: dict[int, int] = {}
    quotes = {"": 0, '"': 0, "'": 0}
    key_quotes = {"": 0, '"': 0, "'": 0}
    stack = [scope]
    seen = 0
    while stack and seen < 5000:
        node = stack.pop()
        seen += 1
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    key_quotes[key.style if key.style in ('"', "'") else ""] += 1
                if isinstance(value, MappingNode) and not value.flow_style and value.value and not node.flow_style:
                    step = value.value[0][0].start_mark.column - key.start_mark.column
                    if step > 0 and value.start_mark.line > key.start_mark.line:
                        steps[step] = steps.get(step, 0) + 1
                if (isinstance(value, SequenceNode) and not value.flow_style and value.value and not node.flow_style
                        and value.start_mark.line > key.start_mark.line):
                    indent = value.start_mark.column - key.start_mark.column
                    if indent >= 0:
                        seq_indents[indent] = seq_indents.get(indent, 0) + 1
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
        elif (isinstance(node, ScalarNode) and node.tag == TAG_STR and node.style in ("", '"', "'", None)
              and _plain_ok(node.value, flow=False)):
            quotes[node.style or ""] += 1
    step = max(steps, key=lambda k: (steps[k], -k)) if steps else 2
    sequence_indent = max(seq_indents, key=lambda k: (seq_indents[k], k)) if seq_indents else step
    quote = max(quotes, key=lambda k: (quotes[k], k == "")) if any(quotes.values()) else ""
    key_quote = '"' if key_quotes['"'] > key_quotes[""] else ""
    return Style(step, sequence_indent, quote, key_quote, text.newline)


# -- scalars -------------------------------------------------------------------------------
@lru_cache(maxsize=4096)
def _plain_ok(value: str, flow: bool) -> bool:
    """``value`` can be written as a plain scalar and reads back as the same string (cached:
    the style scan asks about the same few values again and again)."""
    if not value or value != value.strip() or "\n" in value or "\r" in value or "\t" in value:
        return False
    if value[0] in _PLAIN_UNSAFE_START and not (value[0] in "-?:" and len(value) > 1 and value[1] not in " \t"):
        return False
    if ": " in value or " #" in value or value.endswith(":"):
        return False
    if flow and any(ch in _FLOW_INDICATORS for ch in value):
        return False
    try:
        return yaml.load(value, Loader=yaml.CSafeLoader) == value
    except yaml.YAMLError:
        return False


def render_scalar(value: object, quote: str = "", flow: bool = False) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if quote == "" and _plain_ok(text, flow):
        return text
    if quote == "'" and "\n" not in text and text == text.strip(" ") and "\t" not in text:
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text, ensure_ascii=False)


def _literal_ok(value: str) -> bool:
    """A multi-line string that a ``|`` block scalar can hold exactly."""
    if "\n" not in value.rstrip("\n") or value.endswith("\n\n") or "\r" in value or "\t" in value:
        return False
    lines = value.rstrip("\n").split("\n")
    return not lines[0].startswith(" ") and all(line == line.rstrip(" ") for line in lines) and \
        all(ch.isprintable() for ch in value.replace("\n", ""))


def literal_block(value: str, indent: int, newline: str) -> str:
    """``|`` (or ``|-`` without a final line break) and the lines at ``indent``."""
    chomp = "" if value.endswith("\n") else "-"
    body = value.removesuffix("\n")
    return f"|{chomp}" + "".join(f"{newline}{' ' * indent}{line}" if line else newline for line in body.split("\n"))


def render_key(key: str, style: Style) -> str:
    return render_scalar(key, style.key_quote)


# -- collections ---------------------------------------------------------------------------
def render_flow(value: object, style: Style) -> str:
    q = style.quote
    if isinstance(value, dict):
        inner = ", ".join(f"{render_scalar(k, style.key_quote, True)}: {render_flow(v, style)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_flow(v, style) for v in value) + "]"
    return render_scalar(value, q or ('"' if style.key_quote else ""), True)


def render_value(value: object, indent: int, style: Style, flow: bool = False) -> str:
    """The text after ``key:`` for a block mapping entry at column ``indent``: `` 5`` for a
    scalar, a line break and indented lines for a collection."""
    if isinstance(value, str) and not flow and _literal_ok(value):
        return " " + literal_block(value, indent + style.step, style.newline)
    if flow or isinstance(value, (FlowMap, FlowList)) or not isinstance(value, (dict, list, tuple)) or not value:
        if isinstance(value, (dict, list, tuple)):
            return " " + render_flow(value, style)
        return " " + render_scalar(value, style.quote)
    nl = style.newline
    if isinstance(value, dict):
        child = indent + style.step
        return "".join(f"{nl}{' ' * child}{render_key(k, style)}:{render_value(v, child, style)}" for k, v in value.items())
    dash = indent + style.sequence_indent
    return "".join(f"{nl}{' ' * dash}-{_render_item(v, dash, style)}" for v in value)


def _render_item(value: object, dash: int, style: Style) -> str:
    if isinstance(value, dict) and value and not isinstance(value, FlowMap):
        child = dash + 2
        parts = []
        for i, (k, v) in enumerate(value.items()):
            lead = " " if i == 0 else f"{style.newline}{' ' * child}"
            parts.append(f"{lead}{render_key(k, style)}:{render_value(v, child, style)}")
        return "".join(parts)
    if isinstance(value, (list, tuple)) and value:
        return " " + render_flow(value, style)
    return render_value(value, dash, style)


# -- the builder ---------------------------------------------------------------------------
def own_pair(mapping: MappingNode, key: str) -> tuple[Node, Node] | None:
    """The last ``key`` entry written in the mapping itself (not one merged from an anchor)."""
    found = None
    for key_node, value_node in mapping.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key and key_node.tag != "tag:yaml.org,2002:merge":
            found = (key_node, value_node)
    return found


def _shared(root: Node, target: Node, budget: int = 100_000) -> bool:
    """``target`` is reachable from ``root`` by more than one path (an alias or a merge key uses
    it too), or the document is too large to tell: editing it would change other places."""
    count = 0
    stack = [root]
    while stack:
        node = stack.pop()
        budget -= 1
        if budget < 0:
            return True
        if node is target:
            count += 1
            if count > 1:
                return True
            continue
        if isinstance(node, MappingNode):
            for _key, value in node.value:
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return count != 1


def _is_alias(text: Text, key_node: Node, value_node: Node) -> bool:
    return text.start(value_node) < text.end(key_node)


class FixBuilder:
    """Collects changes for one fix and turns them into edits on the original text."""

    def __init__(self, source_text: str, title: str, applicability: Applicability = Applicability.SAFE,
                 scope: Node | None = None, root: Node | None = None) -> None:
        self.text = text_of(source_text)
        self.title = title
        self.applicability = applicability
        self.scope = scope
        self.root = root
        self._style: Style | None = None
        self.edits: list[Edit] = []
        self._depth: list[int] = []  # per edit: the indentation of what it inserts
        self.changes: list[Change] = []
        self.failed: str | None = None

    @property
    def style(self) -> Style:
        if self._style is None:
            scope = self.scope if self.scope is not None else self.root
            self._style = detect_style(self.text, scope, self.root) if scope is not None else Style(newline=self.text.newline)
        return self._style

    def _guard(self, op, *args, **kwargs) -> FixBuilder:
        if self.failed is None:
            try:
                op(*args, **kwargs)
            except Unfixable as err:
                self.failed = str(err)
        return self

    # -- operations ---------------------------------------------------------------------
    def set(self, mapping: MappingNode, key: str, value: object, *, after: str | None = None,
            before: str | None = None, flow: bool | None = None) -> FixBuilder:
        """Set ``key`` to ``value``: replace the written value, or add the key (after the
        ``after`` sibling, before the ``before`` sibling, or else after the last key)."""
        return self._guard(self._set, mapping, key, value, after, flow, before)

    def delete(self, mapping: MappingNode, key: str) -> FixBuilder:
        return self._guard(self._delete, mapping, key)

    def rename(self, mapping: MappingNode, key: str, new_key: str) -> FixBuilder:
        return self._guard(self._rename, mapping, key, new_key)

    def append(self, sequence: SequenceNode, value: object) -> FixBuilder:
        """Add an item at the end of a list, in the list's own style; the other items and their
        comments stay as they are."""
        return self._guard(self._append, sequence, value)

    def add_item(self, mapping: MappingNode, key: str, item: object, **placement) -> FixBuilder:
        """Append ``item`` to the list ``key`` of ``mapping``, or start the list."""
        pair = own_pair(mapping, key) if isinstance(mapping, MappingNode) else None
        if pair is None:
            return self.set(mapping, key, [item], **placement)
        return self.append(pair[1], item)

    def set_item(self, sequence: SequenceNode, index: int, value: str | int) -> FixBuilder:
        return self._guard(self._set_item, sequence, index, value)

    def build(self) -> Fix | None:
        if self.failed is not None or not self.changes:
            return None
        if self.root is not None and any(_shared(self.root, change.target) for change in self.changes):
            self.failed = "the value is shared through a YAML anchor or merge key"
            return None
        # Entries inserted at the same offset: the deeper one closes the inner mapping first.
        order = sorted(range(len(self.edits)), key=lambda i: (self.edits[i].start, self.edits[i].end, -self._depth[i], i))
        edits = [self.edits[i] for i in order]
        for a, b in itertools.pairwise(edits):
            if b.start < a.end:
                return None
        return Fix(self.title, tuple(edits), self.applicability, tuple(self.changes))

    def _edit(self, start: int, end: int, replacement: str, depth: int = 0) -> None:
        self.edits.append(Edit(start, end, replacement))
        self._depth.append(depth)

    # -- implementation -----------------------------------------------------------------
    def _check_mapping(self, mapping: Node) -> None:
        if not isinstance(mapping, MappingNode):
            raise Unfixable("the target is not a mapping")

    def _set(self, mapping: MappingNode, key: str, value: object, after: str | None, flow: bool | None,
             before: str | None = None) -> None:
        self._check_mapping(mapping)
        if isinstance(value, tuple):
            value = list(value)
        pair = own_pair(mapping, key)
        self.changes.append(Change(mapping, key, plain(value)))
        if pair is None:
            self._insert(mapping, key, value, after, flow, before)
            return
        key_node, value_node = pair
        if _is_alias(self.text, key_node, value_node):
            raise Unfixable(f'"{key}" is an alias')
        text = self.text
        if (not mapping.flow_style and isinstance(value_node, ScalarNode) and value_node.tag == TAG_NULL
                and value_node.value == ""):
            # ``key:`` with nothing after it but perhaps a comment: the comment stays on the key's line.
            rendered = render_value(value, key_node.start_mark.column, self.style, bool(flow))
            colon = text.text.find(":", text.end(key_node))
            if rendered.startswith(self.style.newline):
                key_line_end = text.line_end(text.end(key_node))
                self._edit(key_line_end, key_line_end, rendered)
            else:
                self._edit(colon + 1, colon + 1, rendered)
            return
        if mapping.flow_style:
            rendered = render_flow(value, self.style) if isinstance(value, (dict, list)) else \
                self._scalar_like(value, value_node, flow=True)
            self._edit(text.start(value_node), text.end(value_node), rendered)
            return
        if not isinstance(value, (dict, list)) and isinstance(value_node, ScalarNode) and value_node.style not in ("|", ">"):
            self._edit(text.start(value_node), text.end(value_node), self._scalar_like(value, value_node))
            return
        if isinstance(value_node, ScalarNode) and value_node.style in ("|", ">") and isinstance(value, str) and "\n" in value:
            self._edit(text.start(value_node), content_end(text, value_node),
                   self._block_scalar(value, value_node))
            return
        # A collection value: rewrite the value from the key's colon to the end of its value.
        use_flow = flow if flow is not None else bool(getattr(value_node, "flow_style", False))
        indent = key_node.start_mark.column
        colon = text.text.find(":", text.end(key_node))
        if colon == -1:
            raise Unfixable(f'cannot find the ":" after "{key}"')
        rendered = render_value(value, indent, self.style, use_flow)
        key_line_end = text.line_end(text.end(key_node))
        if text.start(value_node) > key_line_end:
            # The old value starts on a later line: a comment on the key's line stays there.
            if rendered.startswith(self.style.newline):
                self._edit(key_line_end, content_end(text, value_node), rendered)
            else:
                self._edit(colon + 1, colon + 1, rendered)
                self._edit(key_line_end, content_end(text, value_node), "")
            return
        self._edit(colon + 1, content_end(text, value_node), rendered)

    def _scalar_like(self, value: object, old: Node, flow: bool = False) -> str:
        if isinstance(value, str) and isinstance(old, ScalarNode) and old.tag == TAG_STR:
            quote = old.style if old.style in ('"', "'") else ""
            if quote == "" and not _plain_ok(value, flow):
                quote = self.style.quote or '"'
            return render_scalar(value, quote, flow)
        return render_scalar(value, self.style.quote, flow)

    def _block_scalar(self, value: str, old: ScalarNode) -> str:
        """``value`` as a ``|`` block in place of ``old``: same indentation, and the comment
        after the indicator (``|  # step two``) stays."""
        text = self.text
        lines = text.text[text.start(old):text.end(old)].split("\n")
        first = lines[0].rstrip("\r")
        indicators, hash_, _comment = first.partition("#")
        header = indicators.strip()
        if not header.startswith(("|", ">")) or any(c.isdigit() for c in header):
            raise Unfixable("block scalar with an explicit indentation")
        trailing = first[len(indicators.rstrip()):] if hash_ else ""
        content = next((line for line in lines[1:] if line.strip()), None)
        if content is None:
            raise Unfixable("empty block scalar")
        indent = len(content) - len(content.lstrip(" "))
        chomp = "" if value.endswith("\n") and not value.endswith("\n\n") else "-" if not value.endswith("\n") else None
        if chomp is None or header[0] != "|" or any(line != line.rstrip() for line in value.split("\n")):
            raise Unfixable("value cannot be written as a block scalar")
        body = value.removesuffix("\n")
        nl = self.style.newline
        return f"|{chomp}{trailing}" + "".join(f"{nl}{' ' * indent}{line}" if line else nl for line in body.split("\n"))

    def _insert(self, mapping: MappingNode, key: str, value: object, after: str | None, flow: bool | None,
                before: str | None = None) -> None:
        text = self.text
        style = self.style
        if mapping.flow_style:
            rendered = f"{render_scalar(key, style.key_quote, True)}: {render_flow(value, style)}"
            if not mapping.value:
                end = text.end(mapping)
                if text.text[end - 1:end] != "}":
                    raise Unfixable("unexpected flow mapping text")
                # A second key into the same empty ``{}`` follows the first one written there.
                earlier = any(e.start == e.end == end - 1 for e in self.edits)
                self._edit(end - 1, end - 1, f", {rendered}" if earlier else rendered)
                return
            index = next((i for i, pair in enumerate(mapping.value) if after and isinstance(pair[0], ScalarNode)
                          and pair[0].value == after), None)
            if index is not None and index + 1 < len(mapping.value):
                # Just before the entry that follows ``after``: ``key: value, `` there.
                following = mapping.value[index + 1][0]
                if following.start_mark.line != mapping.value[index][0].start_mark.line:
                    sep = f",{style.newline}{' ' * following.start_mark.column}"  # one entry per line
                else:
                    sep = ", "
                self._edit(text.start(following), text.start(following), f"{rendered}{sep}")
                return
            last_key, last_value = mapping.value[-1]
            if _is_alias(text, last_key, last_value) and last_key.tag != "tag:yaml.org,2002:merge":
                raise Unfixable("the last entry is an alias")
            pos = text.end(last_value)
            if last_key.start_mark.line != mapping.value[0][0].start_mark.line or \
                    last_key.start_mark.line != mapping.start_mark.line:
                # One entry per line (pretty-printed JSON): the new one goes on its own line.
                sep = f",{style.newline}{' ' * last_key.start_mark.column}"
            else:
                sep = ", "
            self._edit(pos, pos, sep + rendered)
            return
        if not mapping.value:
            raise Unfixable("empty block mapping")
        indent = mapping.value[0][0].start_mark.column
        following = own_pair(mapping, before) if before else None
        if following is not None and text.only_space_before(text.start(following[0])):
            # On its own line just above the sibling (and above the comment lines right over it).
            use_flow = bool(flow) if flow is not None else False
            rendered = f"{' ' * indent}{render_key(key, style)}:{render_value(value, indent, style, use_flow)}"
            at = text.line_start(text.start(following[0]))
            while at > 0:
                previous = text.line_start(at - 1)
                line = text.text[previous:at].strip()
                if not line.startswith("#") or text.text[previous:at].index("#") != indent:
                    break
                at = previous
            self._edit(at, at, f"{rendered}{style.newline}", indent)
            return
        anchor_pair = own_pair(mapping, after) if after else None
        ref_key, ref_value = anchor_pair or mapping.value[-1]
        if ref_value is not None and _is_alias(text, ref_key, ref_value):
            # ``key: *alias`` ends on the key's line.
            end = text.line_end(text.end(ref_key))
        else:
            end = text.line_end(content_end(text, ref_value))
        use_flow = bool(flow) if flow is not None else False
        rendered = f"{' ' * indent}{render_key(key, style)}:{render_value(value, indent, style, use_flow)}"
        # The new entry takes whole lines after the reference entry's last line (after its
        # comment), so deleting that line in the same fix does not collide with it.
        if end == len(text.text):
            self._edit(end, end, f"{style.newline}{rendered}", indent)
        else:
            after_break = end + (2 if text.text.startswith("\r\n", end) else 1)
            self._edit(after_break, after_break, f"{rendered}{style.newline}", indent)

    def _delete(self, mapping: MappingNode, key: str) -> None:
        self._check_mapping(mapping)
        pair = own_pair(mapping, key)
        if pair is None:
            raise Unfixable(f'"{key}" is not written in this mapping')
        self.changes.append(Change(mapping, key, delete=True))
        key_node, value_node = pair
        text = self.text
        index = next(i for i, p in enumerate(mapping.value) if p[0] is key_node)
        alias = _is_alias(text, key_node, value_node)
        value_end = text.end(key_node) if alias else content_end(text, value_node)
        if alias:
            # ``key: *name``: the alias token follows the key on its line.
            value_end = text.line_end(value_end)
        if mapping.flow_style:
            if index > 0:
                start = text.end(mapping.value[index - 1][1]) if not _is_alias(text, *mapping.value[index - 1]) else None
                if start is None:
                    raise Unfixable("the previous entry is an alias")
                self._edit(start, value_end, "")
            elif len(mapping.value) > 1:
                self._edit(text.start(key_node), text.start(mapping.value[1][0]), "")
            else:
                self._edit(text.start(key_node), value_end, "")
            return
        start = text.start(key_node)
        if text.only_space_before(start):
            line_end = text.line_end(value_end)
            stop = line_end + (2 if text.text.startswith("\r\n", line_end) else 1 if line_end < len(text.text) else 0)
            self._edit(text.line_start(start), stop, "")
            return
        # ``- key: value`` on the line of a sequence dash: the next entry moves up to the dash.
        if index + 1 < len(mapping.value):
            nxt = mapping.value[index + 1][0]
            self._edit(start, text.start(nxt), "")
        else:
            self._edit(start, text.line_end(value_end), "{}")

    def _rename(self, mapping: MappingNode, key: str, new_key: str) -> None:
        self._check_mapping(mapping)
        pair = own_pair(mapping, key)
        if pair is None:
            raise Unfixable(f'"{key}" is not written in this mapping')
        key_node = pair[0]
        quote = key_node.style if key_node.style in ('"', "'") else ""
        self.changes.append(Change(mapping, key, rename=new_key))
        self._edit(self.text.start(key_node), self.text.end(key_node),
                   render_scalar(new_key, quote, bool(mapping.flow_style)))

    def _append(self, sequence: SequenceNode, value: object) -> None:
        if not isinstance(sequence, SequenceNode):
            raise Unfixable("the target is not a list")
        text = self.text
        style = self.style
        self.changes.append(Change(sequence, len(sequence.value), plain(value)))
        if sequence.flow_style:
            rendered = render_flow(value, style)
            end = text.end(sequence)
            if not sequence.value:
                if text.text[end - 1:end] != "]":
                    raise Unfixable("unexpected flow sequence text")
                self._edit(end - 1, end - 1, rendered)
                return
            last = sequence.value[-1]
            if last.start_mark.line != sequence.start_mark.line:
                sep = f",{style.newline}{' ' * last.start_mark.column}"
            else:
                sep = ", "
            self._edit(text.end(last), text.end(last), sep + rendered)
            return
        last = sequence.value[-1]
        line_start = text.line_start(text.start(last))
        dash = text.text.rfind("-", line_start, text.start(last))
        if dash == -1 or text.text[line_start:dash].strip(" "):
            raise Unfixable("the last item does not start its own line")
        column = dash - line_start
        end = text.line_end(content_end(text, last))
        rendered = f"{' ' * column}-{_render_item(value, column, style)}"
        if end == len(text.text):
            self._edit(end, end, f"{style.newline}{rendered}", column)
        else:
            after_break = end + (2 if text.text.startswith("\r\n", end) else 1)
            self._edit(after_break, after_break, f"{rendered}{style.newline}", column)

    def _set_item(self, sequence: SequenceNode, index: int, value: str | int) -> None:
        if not isinstance(sequence, SequenceNode) or index >= len(sequence.value):
            raise Unfixable("no such list item")
        item = sequence.value[index]
        if not isinstance(item, ScalarNode):
            raise Unfixable("the list item is not a scalar")
        self.changes.append(Change(sequence, index, value))
        text = self.text
        if item.style in ("|", ">"):
            if not isinstance(value, str) or "\n" not in value:
                raise Unfixable("cannot replace a block scalar with a single line")
            self._edit(text.start(item), content_end(text, item), self._block_scalar(value, item))
            return
        self._edit(text.start(item), text.end(item), self._scalar_like(value, item, bool(sequence.flow_style)))

