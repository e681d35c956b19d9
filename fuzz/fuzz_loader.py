"""Coverage-guided fuzz target for the loader: bytes -> decode -> documents -> workloads -> rules.

libFuzzer (through atheris) mutates the inputs that reach new code in probelint and libyaml's
Python bindings. The target fails on any exception that escapes, and on a finding or an input
problem positioned outside the file. See ``fuzz/README.md`` for the command.
"""
from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["probelint", "yaml"]):
    from probelint.linter import Linter
    from probelint.settings import Settings
    from probelint.source import LINE_BREAK, SourceError, read_source

SETTINGS = Settings(select=("ALL",))


def check(data: bytes) -> None:
    try:
        source = read_source("-", data=data, display="f.yaml")
    except SourceError:
        return
    result = Linter(SETTINGS).lint_text(source.text, "f.yaml")
    rows = LINE_BREAK.split(source.text)
    for item in [*(f.location for f in result.findings), *result.problems]:
        if not (1 <= item.line <= len(rows) and 1 <= item.column <= len(rows[item.line - 1]) + 1):
            raise AssertionError(f"position outside the file: {item}")


def main() -> None:
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
