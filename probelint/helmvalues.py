"""What to change in a Helm chart's values instead of the rendered manifest.

Rendered output is never edited: the next ``helm template`` would overwrite it. Most charts
take their probe blocks verbatim from values (``livenessProbe:`` under the component's key),
so a fix that only changes probe fields is shown as the values snippet that produces it. A
``null`` in the snippet removes a key the chart's defaults set, which is how Helm deletes a
default value.
"""
from __future__ import annotations

from yaml.nodes import MappingNode, Node, SequenceNode

from probelint.edits import Style, render_value
from probelint.model import Fix
from probelint.probes import PROBE_KEYS
from probelint.yamlnode import to_python


def _path_within(root: Node, target: Node) -> tuple | None:
    """Keys from ``root`` down to ``target`` (sequences end the search: values merge maps only)."""
    stack: list[tuple[Node, tuple]] = [(root, ())]
    seen = 0
    while stack and seen < 10_000:
        node, path = stack.pop()
        seen += 1
        if node is target:
            return path
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(value, (MappingNode, SequenceNode)) and hasattr(key, "value"):
                    stack.append((value, (*path, key.value)))
    return None


def values_snippet(container, fix: Fix) -> str | None:
    """The values.yaml text for ``fix`` when every change is inside (or adds) a probe."""
    tree: dict = {}
    for change in fix.changes:
        if change.rename is not None or not isinstance(change.key, str):
            return None
        if change.target is container.node and change.key in PROBE_KEYS:
            path: tuple | None = (change.key,)
            key = None
        else:
            path = None
            for probe in container.probes.values():
                inner = _path_within(probe.node, change.target)
                if inner is not None:
                    path = (probe.key, *inner)
                    break
            key = change.key
            if path is None:
                return None
        node = tree
        for part in path[:-1] if key is None else path:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                return None
        value = None if change.delete else change.value
        if isinstance(value, Node):
            value = to_python(value)
        node[path[-1] if key is None else key] = value
    if not tree:
        return None
    return "".join(f"{k}:{render_value(v, 0, Style())}\n" for k, v in tree.items())
