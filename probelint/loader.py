"""The YAML loader: libyaml's composer with a faster tag resolver.

libyaml parses in C, but for every node it calls back into Python to resolve the node's tag
(``resolve``) and to track path resolvers (``descend_resolver`` / ``ascend_resolver``), and
those calls cost about as much as the parsing itself. Manifests repeat the same scalars
(``name``, ``containerPort``, ``http``, ``80``...) thousands of times, so the resolved tag of a
plain scalar is remembered by its text, and the path-resolver hooks, which do nothing when no
path resolver is registered (the safe loader registers none), are replaced by C callables that
return at once. The tags are exactly those of ``CSafeLoader``.
"""
from __future__ import annotations

import yaml
from yaml.nodes import ScalarNode

# Plain scalars remembered; beyond this the cache starts again, so that a stream of unique
# values cannot grow it without bound.
CACHE_LIMIT = 65536
_LONGEST_CACHED = 128
_PLAIN_TAGS: dict[str, str] = {}


class Loader(yaml.CSafeLoader):
    """``CSafeLoader`` with a memoised scalar tag resolver."""

    # The safe loader registers no path resolvers, so these hooks have nothing to track;
    # builtins accepting the same arguments return without running any Python code.
    descend_resolver = staticmethod(slice)  # descend_resolver(parent, index)
    ascend_resolver = staticmethod(tuple)  # ascend_resolver()

    def resolve(self, kind, value, implicit):
        if kind is ScalarNode and implicit[0]:
            tags = _PLAIN_TAGS
            tag = tags.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(value) <= _LONGEST_CACHED:
                    if len(tags) >= CACHE_LIMIT:
                        tags.clear()
                    tags[value] = tag
            return tag
        return super().resolve(kind, value, implicit)


assert not Loader.yaml_path_resolvers, "path resolvers need the real descend/ascend hooks"


def compose_all(text: str):
    """Every document node of ``text``, in order (``None`` for an empty stream)."""
    return yaml.compose_all(text, Loader=Loader)
