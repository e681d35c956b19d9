"""Properties of ``--fix`` on generated Deployments in every formatting style.

Manifests are generated with random indentation (2 or 4), flush or indented sequences, block or
flow probes, comments on and between lines, CRLF line endings and quoted scalars, with random
probe faults. Whatever the formatting, fixing must give text that parses, leave every line
outside the probe blocks byte-identical and the non-probe data equal, never refuse its own
fix, and change nothing when run again.
"""
from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probelint import fix
from probelint.probes import PROBE_KEYS
from tests.conftest import lines_of_keys, make_settings

# Rules whose fixes change only probe blocks.
PROBE_RULES = ["PL002", "PL003", "PL004", "PL103", "PL104", "PL201", "PL202", "PL203", "PL204", "PL205",
               "PL206", "PL207", "PL208", "PL209", "PL210", "PL212"]

FAULTS = {
    "none": {},
    "threshold_one": {"failureThreshold": 1},
    "success_two": {"successThreshold": 2},
    "zero_timeout": {"timeoutSeconds": 0},
    "timeout_over_period": {"timeoutSeconds": 12, "periodSeconds": 10},
    "long_delay": {"initialDelaySeconds": 90},
    "fast_period": {"periodSeconds": 1},
}


@st.composite
def manifests(draw) -> str:
    step = draw(st.sampled_from([2, 4]))
    seq_indent = draw(st.sampled_from([0, step]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    quote = draw(st.sampled_from(["", "'", '"']))
    comments = draw(st.booleans())
    containers = draw(st.integers(min_value=1, max_value=2))

    def q(text: str) -> str:
        return f"{quote}{text}{quote}"

    def comment(text: str) -> str:
        return f"  # {text}" if comments and draw(st.booleans()) else ""

    lines = ["apiVersion: apps/v1", "kind: Deployment" + comment("kind"),
             f"metadata: {{name: {q('web')}}}", "spec:"]
    pad = " " * step
    lines += [f"{pad}replicas: 2", f"{pad}template:", f"{pad * 2}spec:"]
    key_col = step * 3
    lines.append(f"{' ' * key_col}containers:" + comment("the app"))
    dash = key_col + seq_indent
    for index in range(containers):
        item = dash + 2
        lines.append(f"{' ' * dash}- name: {q(f'c{index}')}" + comment("name"))
        lines.append(f"{' ' * item}image: {q('example/app:1.0')}")
        if comments and draw(st.booleans()):
            lines.append(f"{' ' * item}# a comment line")
        for probe_key in ("livenessProbe", "readinessProbe"):
            if not draw(st.booleans()) and probe_key == "readinessProbe":
                continue
            fault = FAULTS[draw(st.sampled_from(sorted(FAULTS)))]
            fields = {"httpGet": None, **fault}
            path = "/livez" if probe_key == "livenessProbe" else "/readyz"
            if draw(st.booleans()):  # flow style probe
                inner = ", ".join(f"{k}: {v}" for k, v in fields.items() if v is not None)
                handler = f"httpGet: {{path: {q(path)}, port: 8080}}"
                lines.append(f"{' ' * item}{probe_key}: {{{handler}{', ' + inner if inner else ''}}}" + comment("flow"))
            else:
                lines.append(f"{' ' * item}{probe_key}:" + comment("probe"))
                inner_col = item + step
                lines.append(f"{' ' * inner_col}httpGet:")
                lines.append(f"{' ' * (inner_col + step)}path: {q(path)}")
                lines.append(f"{' ' * (inner_col + step)}port: 8080" + comment("port"))
                for key, value in fault.items():
                    lines.append(f"{' ' * inner_col}{key}: {value}" + comment("value"))
        lines.append(f"{' ' * item}resources: {{}}")
    lines.append("---")
    lines.append("apiVersion: v1")
    lines.append("kind: Service" + comment("svc"))
    lines.append("metadata: {name: web}")
    return newline.join(lines) + newline


def probe_lines(text: str) -> set[int]:
    """0-based lines that hold any part of a probe (its key to the end of its value)."""
    return lines_of_keys(text, PROBE_KEYS)


def without_probes(data: object) -> object:
    if isinstance(data, dict):
        return {k: without_probes(v) for k, v in data.items() if k not in PROBE_KEYS}
    if isinstance(data, list):
        return [without_probes(v) for v in data]
    return data


def run_fix(text: str) -> tuple[str, list]:
    result = fix.run(("-",), make_settings(select=PROBE_RULES, p99="2s", startup_max="60s"), unsafe=True,
                     stdin=text.encode("utf-8"), stdin_name="m.yaml")
    state = result.files.get("m.yaml")
    return (state.text if state else text), result.problems


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifests())
def test_fix_keeps_everything_outside_probes(text: str) -> None:
    fixed, problems = run_fix(text)
    assert not problems, problems
    after = list(yaml.safe_load_all(fixed))
    before = list(yaml.safe_load_all(text))
    assert without_probes(after) == without_probes(before)
    keep_before = [line for i, line in enumerate(text.splitlines(keepends=True)) if i not in probe_lines(text)]
    keep_after = [line for i, line in enumerate(fixed.splitlines(keepends=True)) if i not in probe_lines(fixed)]
    assert keep_after == keep_before
    if "\r\n" in text:
        assert fixed.count("\n") == fixed.count("\r\n")
    again, problems = run_fix(fixed)
    assert again == fixed and not problems


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(manifests())
def test_new_text_is_written_in_the_file_style(text: str) -> None:
    fixed, _ = run_fix(text)
    body = [line for line in fixed.splitlines() if line.strip()]
    assert all("\t" not in line for line in body)
    # Every new probe line is indented like some line of the original, or deeper by the step.
    original_indents = {len(line) - len(line.lstrip(" ")) for line in text.splitlines() if line.strip()}
    step = min(i for i in original_indents if i > 0)
    for line in set(fixed.splitlines()) - set(text.splitlines()):
        indent = len(line) - len(line.lstrip(" "))
        assert indent in original_indents or (indent - step) in original_indents or (indent - 2 * step) in original_indents, line
