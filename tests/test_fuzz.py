"""Property-based fuzzing of the whole pipeline: bytes -> decoding -> documents -> workloads ->
every rule -> JSON report.

Properties, for any input: no exception escapes, every finding and every input problem points
inside the file (line at most the number of lines, column at most that line's length + 1; lines
end where YAML says they do, which includes a lone carriage return), and
the JSON report validates against ``schemas/findings.schema.json``.

The number of examples per property comes from ``PROBELINT_FUZZ_EXAMPLES`` (default 25, the
suite's fast profile); a long campaign sets it high and runs this file alone.
"""
from __future__ import annotations

import json
import os

import jsonschema
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probelint.linter import Linter
from probelint.report import json_report
from probelint.source import LINE_BREAK, SourceError, read_source
from tests.conftest import ROOT, make_settings
from tests.test_robustness import BASE, PATHS, SERVICE, mutated

EXAMPLES = int(os.environ.get("PROBELINT_FUZZ_EXAMPLES", "25"))
settings.register_profile(
    "probelint-fuzz", max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 25,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
FUZZ = settings.get_profile("probelint-fuzz")
SCHEMA = json.loads((ROOT / "schemas" / "findings.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def check_bytes(data: bytes, path: str = "f.yaml") -> None:
    """Run ``data`` through everything ``probelint check --select ALL --format json`` runs."""
    linter = Linter(make_settings(select=["ALL"], p99="2s", kube_version="1.29"))
    try:
        source = read_source("-", data=data, display=path)
    except SourceError as err:
        assert err.problem.line >= 1 and err.problem.column >= 1
        return
    result = linter.lint_text(source.text, path)
    rows = LINE_BREAK.split(source.text)  # lines as YAML counts them, as every position does
    for item in [*(f.location for f in result.findings), *result.problems]:
        line, column = item.line, item.column
        assert 1 <= line <= len(rows), (item, len(rows))
        assert 1 <= column <= len(rows[line - 1]) + 1, (item, rows[line - 1][:80])
    for finding in result.findings:
        loc = finding.location
        assert loc.end_line <= len(rows) and loc.end_column <= len(rows[loc.end_line - 1]) + 1, finding
    VALIDATOR.validate(json.loads(json_report.render(result, None, {path: source.text})))


def check_text(text: str) -> None:
    check_bytes(text.encode("utf-8"))


# -- arbitrary YAML text ---------------------------------------------------------------------
ODD_SCALARS = [
    "~", "null", "yes", "no", "on", "off", "y", "n", "0x1F", "0o17", "017", "1_000", "1e999", "-.inf", ".nan",
    "2001-12-14t21:59:43.10-05:00", "9" * 40, "-0", "+1", "''", '""', '"\\u0000"', '"\\x00\\uffff"', "'it''s'",
    "!!binary aGVsbG8=", "|-\n  text", ">\n  folded\n\n  more", "\u202e", "\ufeff", "é", "💥", "\r", "\x85",
]
TAGS = ["!!python/object/apply:os.system", "!!python/name:os.system", "!!str", "!!int", "!!float", "!!bool",
        "!!null", "!!map", "!!seq", "!!set", "!!omap", "!!binary", "!!timestamp", "!custom", "!", "!<tag:x>"]
KEYS = ["apiVersion", "kind", "metadata", "name", "spec", "template", "containers", "initContainers", "image",
        "livenessProbe", "readinessProbe", "startupProbe", "httpGet", "tcpSocket", "grpc", "exec", "command",
        "port", "path", "ports", "containerPort", "periodSeconds", "timeoutSeconds", "failureThreshold",
        "items", "jobTemplate", "selector", "<<", "? complex", "a b", ""]
FRAGMENTS = (
    [f"{k}: " for k in KEYS] + [f"{k}:\n" for k in KEYS] + ODD_SCALARS + TAGS
    + ["\n", "  ", "    ", "\t", "- ", "[", "]", "{", "}", ", ", ": ", "? ", "#c\n", "---\n", "...\n", "&a ", "&b ",
       "*a", "*b", "<<: *a\n", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "Error: template: x:1:2: boom\n",
       "kind: Deployment\n", "kind: List\nitems:\n", "# Source: c/templates/d.yaml\n", "\"", "'", "|", ">"]
)
YAML_TEXT = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=6), max_size=60).map("".join)


@FUZZ
@given(YAML_TEXT)
def test_arbitrary_yaml_text(text: str) -> None:
    check_text(text)


@FUZZ
@given(st.binary(max_size=300), st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"kind: Pod\n"]))
def test_arbitrary_bytes(data: bytes, prefix: bytes) -> None:
    check_bytes(prefix + data)


# -- arbitrary trees, written with anchors, aliases and tags ---------------------------------
SCALARS = st.one_of(st.sampled_from(ODD_SCALARS[:20]), st.integers(-(2**70), 2**70).map(str),
                    st.sampled_from(KEYS), st.text(alphabet="ab:-#&*!|>'\" ", max_size=5).map(json.dumps))
TREES = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4).map(lambda items: ("seq", items)),
                               st.lists(st.tuples(st.sampled_from(KEYS), children), max_size=5).map(lambda items: ("map", items))),
    max_leaves=40,
)


def write(tree, draw_prop, indent: int = 0) -> str:
    """Block YAML for ``tree`` with random anchors, aliases, tags and flow collections."""
    pad = " " * indent
    prop = draw_prop()
    if isinstance(tree, str):
        return f"{prop}{tree}" if "\n" not in tree else prop + tree.replace("\n", "\n" + pad + "  ")
    kind, items = tree
    if not items or prop.startswith("flow"):
        if kind == "seq":
            return "[" + ", ".join(write(i, draw_prop, indent) if isinstance(i, str) else json.dumps(str(i)) for i in items) + "]"
        return "{" + ", ".join(f"{json.dumps(k)}: {json.dumps(str(v))}" for k, v in items) + "}"
    lines = [prop.strip()] if prop.strip() else []
    for item in items:
        if kind == "seq":
            lines.append(f"{pad}- " + write(item, draw_prop, indent + 2).lstrip())
        else:
            key, value = item
            body = write(value, draw_prop, indent + 2)
            nested = isinstance(value, tuple) and value[1] and not body.startswith(("[", "{"))
            lines.append(f"{pad}{key}:" + ("\n" + body if nested else " " + body))
    return "\n".join(lines)


PROPS = ["", "", "", "", "&a ", "&b ", "*a ", "*b ", "!!str ", "!custom ", "!!python/object/apply:os.system ", "flow"]


@FUZZ
@given(TREES, st.data())
def test_arbitrary_trees_with_anchors_and_tags(tree, data) -> None:
    def draw_prop() -> str:
        return data.draw(st.sampled_from(PROPS))

    body = write(("map", [("spec", tree)]), draw_prop)
    check_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n" + body + "\n")


# -- a valid Deployment with one field mutated ------------------------------------------------
RAW_VALUES = st.sampled_from([
    "*nowhere", "&x 5", "!!python/object/apply:os.system [ls]", "!custom 1", "!!float 1", "!!binary aGk=",
    "[[[[1]]]]", "{<<: {a: 1}}", "|\n  x", "99999999999999999999999999", "1e400", "-.inf", ".nan", "0x10", "\"\\t\"",
])
PLAIN_VALUES = st.one_of(
    st.none(), st.booleans(), st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**80), max_value=2**80), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from(KEYS), st.integers(), max_size=3),
)
MARK = "MUTATED-VALUE-MARK"


@FUZZ
@given(st.sampled_from(PATHS), PLAIN_VALUES | RAW_VALUES.map(lambda raw: ("raw", raw)))
def test_deployment_with_one_field_mutated(path, value) -> None:
    raw = value[1] if isinstance(value, tuple) and value and value[0] == "raw" else None
    try:
        text = yaml.safe_dump_all([mutated(path, MARK if raw is not None else value), SERVICE],
                                  sort_keys=False, width=1000)
    except (ValueError, OverflowError):
        return
    if raw is not None:
        text = text.replace(MARK, raw.replace("\n", "\n" + " " * 40))
    check_text(text)


def test_the_mutated_base_is_a_real_workload() -> None:
    text = yaml.safe_dump_all([BASE, SERVICE], sort_keys=False, width=1000)
    result = Linter(make_settings(select=["ALL"], p99="2s")).lint_text(text, "m.yaml")
    assert result.workloads == 1 and not result.problems and len(result.findings) >= 10
