"""``probelint timing``: what each probe configuration does over time, in numbers and words.

This is the command to run when a finding's arithmetic is not obvious: it prints, for every
container, the effective probe values (and which are Kubernetes defaults), how long a hung or
failing application takes to be restarted or removed from its Service, the longest stall it
survives, the startup time it tolerates and, when the latency profile is known, how often a
healthy container is restarted or marked unready by chance. All figures come from
``timing.py``, the same functions the rules use, so the report and the findings cannot disagree.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict

from probelint import __version__, lifecycle, timing
from probelint.linter import LintResult
from probelint.probes import TIMING_FIELDS, Probe
from probelint.profile import FIELDS, Profile
from probelint.report.json_report import finding_dict, problem_dict
from probelint.secrets import command_text
from probelint.units import format_duration
from probelint.workloads import Container
from probelint.yamlnode import node_position

SHORT = {"initialDelaySeconds": "delay", "timeoutSeconds": "timeout", "periodSeconds": "period",
         "successThreshold": "success", "failureThreshold": "failure"}
MAX_HANDLER_TEXT = 40
# The findings this report lists: missing probes, timing, termination and rollout.
TIMING_GROUPS = ("PL1", "PL2", "PL5")


def handler_text(probe: Probe) -> str:
    handler = probe.handler
    if handler == "httpGet" and probe.http is not None:
        return f"httpGet {probe.http.path} :{probe.port}"
    if handler == "tcpSocket":
        return f"tcpSocket :{probe.port}"
    if handler == "grpc":
        return f"grpc :{probe.port}" + (f" {probe.grpc_service}" if probe.grpc_service else "")
    if handler == "exec":
        return "exec " + command_text(probe.command, MAX_HANDLER_TEXT)
    return "no single handler"


def _fields(probe: Probe) -> dict:
    return {name: {"value": probe.eff(name), "default": probe.is_default(name)} for name in TIMING_FIELDS}


def _latency(profile: Profile) -> tuple[float, float | None, float | None] | None:
    if profile.p99 is None or profile.p99.seconds <= 0:
        return None
    return (profile.p99.seconds, profile.p50.seconds if profile.p50 else None,
            profile.p999.seconds if profile.p999 else None)


def probe_figures(probe: Probe, profile: Profile) -> dict:
    """The derived figures of one probe (effective values in, seconds and rates out)."""
    P, T, F, D, K = probe.period, probe.timeout, probe.failure_threshold, probe.initial_delay, probe.success_threshold
    figures: dict = {"handler": handler_text(probe), "fields": _fields(probe)}
    latency = _latency(profile)
    if probe.type in ("liveness", "readiness"):
        figures["first_probe"] = list(timing.first_probe_window(D, P))
        figures["hang_detection"] = list(timing.hang_detection(P, T, F))
        figures["error_detection"] = list(timing.error_detection(P, F))
    if probe.type == "liveness":
        figures["stall_tolerance"] = timing.stall_tolerance(P, T, F)
        figures["stall_always_fatal"] = timing.stall_always_fatal(P, T, F)
    if probe.type == "readiness":
        figures["removal_max"] = timing.readiness_removal_max(P, T, F)
        figures["back_in_max"] = P + (K - 1) * P
    if probe.type == "startup":
        figures["budget_guaranteed"] = timing.startup_budget_guaranteed(D, P, F)
        figures["budget_nominal"] = timing.startup_budget_nominal(D, P, F)
        figures["kill_window"] = list(timing.startup_kill_window(D, P, T, F))
    if latency is not None and probe.type in ("liveness", "readiness"):
        p = timing.tail_probability(T, *latency)
        figures["timeout_probability"] = p
        figures["false_events_per_year"] = timing.expected_false_events_per_year(p, P, F)
    return figures


def container_figures(container: Container, profile: Profile) -> dict:
    probes = {kind: probe_figures(probe, profile) for kind, probe in container.probes.items()}
    startup = container.probes.get("startup")
    liveness = container.probes.get("liveness")
    budget = None
    if startup is not None:
        budget = {"by": "startupProbe", "guaranteed": probes["startup"]["budget_guaranteed"],
                  "nominal": probes["startup"]["budget_nominal"]}
    elif liveness is not None:
        budget = {"by": "livenessProbe",
                  "guaranteed": timing.startup_budget_guaranteed(liveness.initial_delay, liveness.period, liveness.failure_threshold),
                  "nominal": timing.startup_budget_nominal(liveness.initial_delay, liveness.period, liveness.failure_threshold)}
    prestop = lifecycle.prestop_duration(container)
    grace = container.workload.termination_grace
    termination = {"grace_period": grace, "prestop_handlers": list(lifecycle.prestop_handlers(container)),
                   "prestop_seconds": None, "shutdown_after_sigterm": None}
    if prestop is not None and not math.isinf(prestop.seconds):
        termination["prestop_seconds"] = prestop.seconds
        termination["shutdown_after_sigterm"] = timing.shutdown_time_after_prestop(grace, prestop.seconds)
    return {
        "name": container.name,
        "role": container.role,
        "termination": termination,
        "profile": {f.key: {"value": profile.values[f.name].value, "source": profile.values[f.name].source}
                    for f in FIELDS if f.name in profile.values},
        "endpoint_propagation": {"value": profile.value("propagation").seconds, "source": profile.value("propagation").source},
        "probes": probes,
        "startup_budget": budget,
        "findings": [],
    }


def build(result: LintResult) -> dict:
    """The report document: every checked workload with its containers' figures and findings."""
    findings = defaultdict(list)
    for finding in result.findings:
        if not finding.code.startswith(TIMING_GROUPS):
            continue
        key = (finding.location.path, finding.obj.kind, finding.obj.namespace, finding.obj.name)
        findings[key].append(finding)
    workloads = []
    for workload, _profile, profiles in result.checked:
        containers = [container_figures(c, profiles[c.name]) for c in workload.containers if c.probes or c.is_regular]
        key = (workload.path, workload.kind, workload.namespace, workload.name)
        general = []
        for finding in findings.get(key, []):
            target = next((c for c in containers if c["name"] == finding.obj.container), None)
            (target["findings"] if target is not None else general).append(finding_dict(finding))
        line, column = node_position(workload.anchor)[:2]
        workloads.append({
            "object": workload.ref().as_dict(),
            "path": workload.path,
            "line": line,
            "column": column,
            "helm_source": workload.doc.helm_source,
            "termination_grace_period": workload.termination_grace,
            "containers": containers,
            "findings": general,
        })
    return {"version": __version__, "workloads": workloads, "errors": [problem_dict(p) for p in result.problems]}


def render_json(result: LintResult) -> str:
    return json.dumps(build(result), indent=2, ensure_ascii=False) + "\n"


# -- text ---------------------------------------------------------------------------------
def _s(seconds: float) -> str:
    return format_duration(seconds)


def _range(pair) -> str:
    low, high = pair
    return f"{_s(low)}–{_s(high)}" if low != high else _s(low)


def _table(probes: dict) -> list[str]:
    header = ["probe", "handler", *SHORT.values()]
    rows = [header]
    for kind in ("startup", "liveness", "readiness"):
        if kind not in probes:
            continue
        fields = probes[kind]["fields"]
        rows.append([kind, probes[kind]["handler"],
                     *(f"{fields[n]['value']}{'*' if fields[n]['default'] else ''}" for n in SHORT)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return ["  ".join(cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(row)).rstrip()
            for row in rows]


def _explain(kind: str, figures: dict, container: dict) -> list[str]:
    lines: list[str] = []
    f = {name: value["value"] for name, value in figures["fields"].items()}
    P, T, F = f["periodSeconds"], f["timeoutSeconds"], f["failureThreshold"]
    interval = max(P, T)
    if kind == "liveness":
        lines.append(f"a hung application is restarted {_range(figures['hang_detection'])} after it hangs "
                     f"({F - 1} more failed probes {interval}s apart after the first + its {T}s timeout, "
                     f"plus up to one {P}s period before the first probe)")
        lines.append(f"a failing one (errors, not timeouts) {_range(figures['error_detection'])} after its first error")
        lines.append(f"a stall of up to {_s(figures['stall_tolerance'])} is always survived; "
                     f"{_s(figures['stall_always_fatal'])} or longer always restarts the container")
    if kind == "readiness":
        propagation = container["endpoint_propagation"]
        lines.append(f"a hung application is marked unready {_range(figures['hang_detection'])} after it hangs, then "
                     f"leaves the Service endpoints about {_s(propagation['value'])} later "
                     f"(endpoint-propagation {_s(propagation['value'])} from {propagation['source']})")
        lines.append(f"after recovering it is back within {_s(figures['back_in_max'])} (+ propagation)")
    if kind == "startup":
        lines.append(f"the application must answer within {_s(figures['budget_guaranteed'])} of starting "
                     f"(guaranteed; {_s(figures['budget_nominal'])} with the luckiest probe phase), "
                     f"or it is killed {_range(figures['kill_window'])} after start")
    if "false_events_per_year" in figures:
        what = "false restarts" if kind == "liveness" else "false unready events"
        lines.append(f"P(one probe slower than the {T}s timeout) ≈ {figures['timeout_probability']:.2g}: "
                     f"about {timing.format_rate(figures['false_events_per_year'])} {what} per pod-year")
    return lines


def render_text(result: LintResult) -> str:
    document = build(result)
    out: list[str] = []
    for workload in document["workloads"]:
        obj = workload["object"]
        where = f"{workload['path']}:{workload['line']}:{workload['column']}"
        if workload["helm_source"]:
            where += f" [from {workload['helm_source']}]"
        out.append(f"{obj['kind']}/{obj['namespace']}/{obj['name']}  ({where})")
        out.append(f"  terminationGracePeriodSeconds {workload['termination_grace_period']}")
        for finding in workload["findings"]:
            out.append(f"  {finding['line']}:{finding['column']} {finding['code']} [{finding['level']}] "
                       f"{finding['message'].split(': ', 1)[-1]}")
        for container in workload["containers"]:
            role = {"sidecar": "native sidecar ", "init": "init container "}.get(container["role"], "container ")
            out.append(f"  {role}\"{container['name']}\"")
            if container["profile"]:
                described = "; ".join(f"{key} {_value(key, v['value'])} from {v['source']}"
                                      for key, v in container["profile"].items())
                out.append(f"    profile: {described}")
            else:
                out.append("    profile: none (give --p99 or a probelint.io/p99 annotation for false-restart estimates)")
            if not container["probes"]:
                out.append("    no probes")
            else:
                out.extend("    " + row for row in _table(container["probes"]))
                out.append("    (* = not written, Kubernetes default)")
                for kind in ("startup", "liveness", "readiness"):
                    if kind in container["probes"]:
                        lines = _explain(kind, container["probes"][kind], container)
                        out.append(f"    {kind}: {lines[0]}")
                        out.extend(f"      {line}" for line in lines[1:])
                budget = container["startup_budget"]
                if budget and budget["by"] == "livenessProbe":
                    out.append(f"    startup: no startupProbe; the liveness probe lets the application take "
                               f"{_s(budget['guaranteed'])} to start (guaranteed; {_s(budget['nominal'])} at best)")
            out.append("    " + _termination_text(container["termination"]))
            for finding in container["findings"]:
                out.append(f"    {finding['line']}:{finding['column']} {finding['code']} [{finding['level']}] "
                           f"{finding['message'].split(': ', 1)[-1]}")
        out.append("")
    if not document["workloads"]:
        out.append("No workloads found.")
    return "\n".join(out).rstrip("\n") + "\n"


def _termination_text(t: dict) -> str:
    grace = t["grace_period"]
    if not t["prestop_handlers"]:
        return (f"termination: no preStop hook; SIGTERM is sent at once and the application has "
                f"{_s(grace)} (terminationGracePeriodSeconds) before SIGKILL")
    if t["prestop_seconds"] is None:
        return (f"termination: preStop {'/'.join(t['prestop_handlers'])} of unknown duration runs first; "
                f"preStop and shutdown share the {_s(grace)} grace period")
    return (f"termination: preStop takes {_s(t['prestop_seconds'])}, then SIGTERM; the application has "
            f"{_s(t['shutdown_after_sigterm'])} of the {_s(grace)} grace period before SIGKILL (never less than 2s)")


def _value(key: str, value: object) -> str:
    kinds = {f.key: f.kind for f in FIELDS}
    if kinds.get(key) == "duration":
        return format_duration(float(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}"
