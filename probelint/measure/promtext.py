"""A parser for the Prometheus text exposition format (version 0.0.4), as served by the
kubelet at ``/metrics/probes``: ``name{label="value",...} value [timestamp]`` lines, with
``# HELP`` / ``# TYPE`` comments. Only what a saved scrape needs; no dependency."""
from __future__ import annotations

import math
from dataclasses import dataclass


class ParseError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float
    line: int


_ESCAPES = {"\\": "\\", '"': '"', "n": "\n"}


def _labels(text: str, pos: int, number: int) -> tuple[dict[str, str], int]:
    """Labels from just after ``{`` up to and including ``}``; returns them and the position after."""
    labels: dict[str, str] = {}
    while True:
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] == "}":
            return labels, pos + 1
        eq = text.find("=", pos)
        if eq == -1:
            raise ParseError(number, "label without '='")
        name = text[pos:eq].strip()
        if not name or not (name[0].isalpha() or name[0] == "_") or not all(c.isalnum() or c == "_" for c in name):
            raise ParseError(number, f"invalid label name {name!r}")
        pos = eq + 1
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos >= len(text) or text[pos] != '"':
            raise ParseError(number, f"label {name} has no quoted value")
        pos += 1
        value = []
        while True:
            if pos >= len(text):
                raise ParseError(number, f"unterminated value of label {name}")
            char = text[pos]
            if char == "\\" and pos + 1 < len(text):
                value.append(_ESCAPES.get(text[pos + 1], "\\" + text[pos + 1]))
                pos += 2
            elif char == '"':
                pos += 1
                break
            else:
                value.append(char)
                pos += 1
        labels[name] = "".join(value)
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos < len(text) and text[pos] == ",":
            pos += 1
        elif pos >= len(text) or text[pos] != "}":
            raise ParseError(number, f"expected ',' or '}}' after label {name}")


def parse_value(text: str, number: int) -> float:
    word = text.strip()
    special = {"+Inf": math.inf, "-Inf": -math.inf, "NaN": math.nan}
    if word in special:
        return special[word]
    try:
        return float(word)
    except ValueError:
        raise ParseError(number, f"invalid sample value {word!r}") from None


def parse(text: str) -> tuple[list[Sample], dict[str, str]]:
    """Samples in file order, and the ``# TYPE`` of each metric family."""
    samples: list[Sample] = []
    types: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            parts = line[1:].split(None, 3)
            if len(parts) >= 3 and parts[0] == "TYPE":
                types[parts[1]] = parts[2]
            continue
        brace = line.find("{")
        space = min((i for i in (line.find(" "), line.find("\t")) if i != -1), default=-1)
        if brace != -1 and (space == -1 or brace < space):
            name = line[:brace]
            labels, pos = _labels(line, brace + 1, number)
            rest = line[pos:]
        else:
            if space == -1:
                raise ParseError(number, "sample without a value")
            name, labels, rest = line[:space], {}, line[space:]
        if not name or not all(c.isalnum() or c in "_:" for c in name):
            raise ParseError(number, f"invalid metric name {name!r}")
        fields = rest.split()
        if not fields or len(fields) > 2:
            raise ParseError(number, "expected a value and an optional timestamp")
        samples.append(Sample(name, labels, parse_value(fields[0], number), number))
    return samples, types
