"""The floor for ``probelint check``: read every .yaml file and compose it with libyaml, nothing else.

probelint has to build a node tree with positions for every document before any rule can
run, and it uses the same composer (``yaml.compose_all`` with ``CSafeLoader``). No checker
written on PyYAML can be faster than this script, so ``probelint check`` time divided by this
script's time is the cost of everything probelint adds: discovery, decoding, rules, Service
matching and the report.

    python benchmarks/floor.py DIR
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml


def compose_tree(root: Path) -> int:
    """Compose every document of every .yaml file under ``root``; the number of documents."""
    documents = 0
    for path in sorted(root.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        for _node in yaml.compose_all(text, Loader=yaml.CSafeLoader):
            documents += 1
    return documents


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: floor.py DIR", file=sys.stderr)
        return 2
    print(f"{compose_tree(Path(argv[0]))} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
