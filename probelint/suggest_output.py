"""How ``probelint suggest`` shows a suggestion: commented YAML, JSON, a patch, Helm values.

The YAML form is meant to be read: every number carries its reason as a comment, and the
figures that follow (detection window, removal window, startup budget, false restarts) are
what the numbers buy. The other forms are for machines: JSON with the same reasons, a
strategic-merge patch that kustomize applies to a workload, and the ``values.yaml`` keys most
charts take.
"""
from __future__ import annotations

import json

from probelint.edits import Style, render_scalar, render_value
from probelint.suggest import Suggestion
from probelint.units import format_duration
from probelint.workloads import POD_SPEC_PATHS

API_VERSIONS = {"Pod": "v1", "PodTemplate": "v1", "ReplicationController": "v1", "Deployment": "apps/v1",
                "StatefulSet": "apps/v1", "DaemonSet": "apps/v1", "ReplicaSet": "apps/v1", "Job": "batch/v1",
                "CronJob": "batch/v1", "Rollout": "argoproj.io/v1alpha1"}
STYLE = Style()


def _block(name: str, value: object, indent: int, reason: str | None = None) -> list[str]:
    text = f"{' ' * indent}{name}:{render_value(value, indent, STYLE)}"
    lines = text.split("\n")
    if reason:  # on the key's line, also for a block value
        lines[0] = f"{lines[0]}  # {reason}"
    return lines


def _align(lines: list[str]) -> list[str]:
    """Line up the ``# reason`` comments of one block."""
    width = max((len(line.split("  # ", 1)[0]) for line in lines if "  # " in line), default=0)
    out = []
    for line in lines:
        if "  # " in line:
            code, comment = line.split("  # ", 1)
            out.append(f"{code.ljust(width)}  # {comment}")
        else:
            out.append(line)
    return out


def container_lines(suggestion: Suggestion, indent: int = 0, comments: bool = True) -> list[str]:
    lines: list[str] = []
    for probe in suggestion.probes:
        block = [f"{' ' * indent}{probe.key}:"]
        for key, value in probe.handler.items():
            block += _block(key, value, indent + 2)
        for value in probe.values:
            block += _block(value.name, value.value, indent + 2, value.reason if comments else None)
        lines += _align(block)
    extra: list[str] = []
    for value in suggestion.extra:
        extra += _block(value.name, value.value, indent, value.reason if comments else None)
    return lines + _align(extra)


def pod_lines(suggestion: Suggestion, indent: int = 0, comments: bool = True) -> list[str]:
    lines: list[str] = []
    for value in suggestion.pod:
        lines += _block(value.name, value.value, indent, value.reason if comments else None)
    return _align(lines)


def _header(suggestion: Suggestion) -> list[str]:
    e, i = suggestion.endpoint, suggestion.inputs
    where = {"http": f"HTTP{'S' if e.scheme.upper() == 'HTTPS' else ''} on port {e.port}",
             "grpc": f"gRPC on port {e.port}", "tcp": f"TCP port {e.port}",
             "exec": f"exec {' '.join(e.command)}"}[e.protocol]
    measured = [f"{name} {format_duration(value)}" for name, value in (
        ("p50", i.p50), ("p99", i.p99), ("p99.9", i.p999), ("startup-p99", i.startup_p99),
        ("startup-max", i.startup_max), ("stall-max", i.stall_max), ("drain", i.drain)) if value is not None]
    return [f"# probelint suggest: {where}; {', '.join(measured)}"]


def footer(suggestion: Suggestion) -> list[str]:
    lines = ["#", "# What these values give:"]
    lines += [f"#   {name}: {value}" for name, value in suggestion.figures.items()]
    if suggestion.assumptions:
        lines.append("# Assumptions:")
        lines += [f"#   - {text}" for text in suggestion.assumptions]
    if suggestion.warnings:
        lines.append("# Warnings:")
        lines += [f"#   - {text}" for text in suggestion.warnings]
    return lines


def render_yaml(suggestion: Suggestion) -> str:
    pod = [f"# {line}" for line in pod_lines(suggestion)]
    if pod:
        pod.insert(0, "# In the pod spec, beside the containers:")
    rollout = [f"# {line}" for line in _align([ln for v in suggestion.rollout for ln in _block(v.name, v.value, 0, v.reason)])]
    if rollout:
        pod += ["# In a Deployment's spec:", *rollout]
    return "\n".join([*_header(suggestion), *container_lines(suggestion), *pod, *footer(suggestion)]) + "\n"


def render_json(suggestion: Suggestion) -> str:
    data = {
        "container": suggestion.container_fields(),
        "reasons": {
            **{p.key: {v.name: v.reason for v in p.values} for p in suggestion.probes},
            **{v.name: v.reason for v in suggestion.extra},
            **{v.name: v.reason for v in suggestion.pod},
            **{v.name: v.reason for v in suggestion.rollout},
        },
        "pod": {v.name: v.value for v in suggestion.pod},
        "deployment": {v.name: v.value for v in suggestion.rollout},
        "figures": suggestion.figures,
        "assumptions": suggestion.assumptions,
        "warnings": suggestion.warnings,
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def render_helm_values(suggestion: Suggestion) -> str:
    """The probe keys most charts copy verbatim from ``values.yaml`` into the container."""
    lines = ["# values.yaml: most charts read these keys (often under the component's own key)"]
    lines += container_lines(suggestion)
    return "\n".join(lines) + "\n"


def render_patch(suggestion: Suggestion, workload: str, container: str) -> str:
    """A strategic-merge patch: the container is matched by name, other fields are left alone."""
    kind, _, name = workload.partition("/")
    path = POD_SPEC_PATHS.get(kind)
    if path is None or not name:
        raise ValueError(f"--workload must be KIND/NAME with a known workload kind, got {workload!r}")
    lines = [f"apiVersion: {API_VERSIONS.get(kind, 'apps/v1')}", f"kind: {kind}", "metadata:",
             f"  name: {render_scalar(name)}"]
    indent = 0
    for number, part in enumerate(path):
        lines.append(f"{' ' * indent}{part}:")
        indent += 2
        if number == 0 and kind == "Deployment":
            lines += _align([ln for v in suggestion.rollout for ln in _block(v.name, v.value, indent, v.reason)])
    lines += pod_lines(suggestion, indent)
    lines.append(f"{' ' * indent}containers:")
    lines.append(f"{' ' * indent}  - name: {render_scalar(container)}")
    lines += container_lines(suggestion, indent + 4)
    return "\n".join(lines) + "\n"
