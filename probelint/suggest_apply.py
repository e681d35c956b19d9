"""``probelint suggest --apply``: write suggested blocks into an existing manifest.

The blocks go through the same machinery as ``--fix``: text edits in the file's own style,
verified by re-parsing against the intended change, written atomically. An existing probe is
replaced only when asked (``force``); the pod's termination grace is only ever raised.
"""
from __future__ import annotations

from dataclasses import dataclass

from probelint import fix
from probelint.edits import FixBuilder
from probelint.model import Applicability
from probelint.source import Source, SourceError, parse, read_source
from probelint.suggest import Suggestion
from probelint.workloads import Container, Workload, extract, objects


class ApplyError(Exception):
    """The suggestion cannot be written into that file; the message says why."""


@dataclass
class Applied:
    path: str
    source: Source
    text: str
    changed: list[str]
    kept: list[str]


def _workloads(source: Source) -> list[Workload]:
    found = []
    for item in parse(source):
        if not hasattr(item, "node"):
            raise ApplyError(f"{item.path}:{item.line}:{item.column}: {item.message}")
        for root in objects(item):
            workload = extract(root, item, "default")
            if workload is not None:
                found.append(workload)
    return found


def find_container(workloads: list[Workload], container: str, workload: str | None) -> Container:
    matches = []
    for candidate in workloads:
        if workload and f"{candidate.kind}/{candidate.name}" != workload:
            continue
        matches += [c for c in candidate.containers if c.name == container and c.role != "init"]
    if not matches:
        where = f" in {workload}" if workload else ""
        raise ApplyError(f'no container "{container}"{where}')
    if len(matches) > 1:
        names = ", ".join(f"{c.workload.kind}/{c.workload.name}" for c in matches)
        raise ApplyError(f'container "{container}" is in several workloads ({names}): choose one with --workload KIND/NAME')
    return matches[0]


def plan(source: Source, suggestion: Suggestion, container_name: str, workload: str | None,
         force: bool) -> Applied:
    container = find_container(_workloads(source), container_name, workload)
    if container.workload.doc.helm_source:
        raise ApplyError(f"the workload was rendered by Helm ({container.workload.doc.helm_source}): "
                         "use --format helm-values and set them in the chart")
    builder = FixBuilder(source.text, "Apply suggested probes", Applicability.SAFE, container.node,
                         container.workload.root.node)
    changed: list[str] = []
    kept: list[str] = []
    previous = None
    for probe in suggestion.probes:
        exists = probe.key in container.map
        if exists and not force:
            kept.append(f"{probe.key} (exists; --force replaces it)")
        else:
            after = previous if previous in container.map or previous in changed else _last_probe(container)
            builder.set(container.node, probe.key, probe.as_dict(), after=after)
            changed.append(probe.key)
        previous = probe.key
    for value in suggestion.extra:  # lifecycle.preStop
        lifecycle = container.map.map("lifecycle")
        if lifecycle is None:
            builder.set(container.node, "lifecycle", value.value)
            changed.append("lifecycle.preStop")
        elif "preStop" in lifecycle and not force:
            kept.append("lifecycle.preStop (exists; --force replaces it)")
        else:
            builder.set(lifecycle.node, "preStop", value.value["preStop"])
            changed.append("lifecycle.preStop")
    for value in suggestion.pod:  # terminationGracePeriodSeconds: only raised
        current = container.workload.termination_grace
        if current >= value.value:
            kept.append(f"{value.name} ({current} is already at least {value.value})")
        else:
            builder.set(container.workload.pod_spec.node, value.name, value.value)
            changed.append(value.name)
    built = builder.build()
    if builder.failed:
        raise ApplyError(f"cannot write the blocks exactly: {builder.failed}")
    if built is None:
        return Applied(source.path, source, source.text, changed, kept)
    text = fix.apply_edits(source.text, built.edits)
    try:
        fix.verify(source.text, text, built.changes)
    except fix.VerifyError as err:
        raise ApplyError(f"not written: {err}") from None
    return Applied(source.path, source, text, changed, kept)


def _last_probe(container: Container) -> str | None:
    present = [key for key in ("startupProbe", "livenessProbe", "readinessProbe") if key in container.map]
    return present[-1] if present else None


def apply(path: str, suggestion: Suggestion, container: str, workload: str | None, force: bool) -> Applied:
    try:
        source = read_source(path)
    except SourceError as err:
        raise ApplyError(f"{err.problem.path}:{err.problem.line}:{err.problem.column}: {err.problem.message}") from None
    applied = plan(source, suggestion, container, workload, force)
    if applied.text != source.text:
        try:
            fix.write_atomic(path, fix.encoded(source, applied.text), fix.encoded(source, source.text))
        except fix.WriteError as err:
            raise ApplyError(f"{path}: {err}") from None
    return applied
