"""
## What it does
Checks that a long-running workload has a `readinessProbe` on at least one of its regular
containers (`containers` and native sidecars, that is init containers with
`restartPolicy: Always`). Long-running means anything but a Job, a CronJob or a bare Pod with
`restartPolicy: Never` or `OnFailure` (such as a Helm test hook), which run to completion.
A pod whose only containers are `pause` containers (the process is added later, for example by
a service-mesh injector) has nothing to probe and is skipped.

It is a **warning** on its own and an **error** when a Service in the same namespace selects the
pod (its non-empty `spec.selector` matches the pod template's labels) and does not set
`publishNotReadyAddresses: true`. Services are matched across every file of the run, so the
Service may come before or after the workload, or from another file.

## Why is this bad?
Without a readiness probe the kubelet reports the container Ready as soon as it is running. A
Service then sends requests to the pod while the application is still booting, loading caches
or warming up, and those requests fail. A rolling update also uses readiness to decide when a
new pod is available: without it the rollout replaces old pods as fast as new containers start,
even when the new version cannot serve at all. When the pod later wedges, nothing removes it
from the Service endpoints. "Always define a Readiness Probe" is the common advice of the
Kubernetes documentation, learnk8s and kube-score.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: example/web:1.4
          ports:
            - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
    - {port: 80, targetPort: http}
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: example/web:1.4
          ports:
            - {name: http, containerPort: 8080}
          readinessProbe:
            httpGet: {path: /readyz, port: http}
            periodSeconds: 5
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
    - {port: 80, targetPort: http}
```

## Options
None. The namespace of objects without `metadata.namespace` is the run's `--namespace`
(default `default`).

## Fix safety
Unsafe, and only offered when the application containers (or, in a pod without one, its native
sidecars) have a liveness probe with a single handler to copy. The fix adds a `readinessProbe`
right after each such container's `livenessProbe`: the liveness handler, or the framework's own
readiness endpoint when the liveness path is a framework's liveness endpoint
(`/actuator/health/liveness` → `/actuator/health/readiness`, `/q/health/live` →
`/q/health/ready`, Prometheus `/-/healthy` → `/-/ready`, MicroProfile `/health/live` →
`/health/ready`, etcd `/livez` → `/readyz`); the liveness `timeoutSeconds`;
`periodSeconds = min(P_L, max(5, T_L + 2))`; and the largest `failureThreshold` up to 3 for
which the pod leaves the Service endpoints before the liveness probe restarts it (the
inequalities of PL203), 1 when none does. The message gives every value. It is unsafe because
whether that check really tells when the application can serve traffic is an assumption; a
dedicated readiness endpoint is better when the application has one. A `readinessProbe` written
as null (disabled on purpose) is left alone. While another selected rule is about to change the
liveness period or timeout (PL204, PL206, PL212), the fix waits for that change.

## References
- https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#when-should-you-use-a-readiness-probe
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-readiness-probes
- Henning Jacobs, "Kubernetes Liveness Probes are Dangerous" (2019): "always define a Readiness Probe"
- learnk8s, "Kubernetes production best practices", application development
- kube-score, `README_PROBES.md`
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from probelint.dependencies import Runtime, container_runtime, sibling_endpoint
from probelint.model import Finding, Fix
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.rules.liveness_more_aggressive_than_readiness import (
    ordered,
    pending_changes,
    waiting_text,
)
from probelint.rules.startup_probe_recommended import handler_data
from probelint.workloads import Container, Workload

MIN_PERIOD = 5  # P_R = max(5, T_R + 2) (§6), but never slower than the liveness probe
PERIOD_GAP = 2
MAX_THRESHOLD = 3  # the default; a higher readiness threshold only delays the removal (PL207)

RULE = Rule(
    code="PL101",
    name="missing-readiness-probe",
    summary="No container of a long-running workload has a readiness probe",
    level="warning",
    levels="error/warning",
    scope="services",
    fix="sometimes",
)


def check(ctx: RuleContext, workload: Workload) -> Iterator[Finding]:
    if not workload.is_long_running:
        return
    regular = workload.regular_containers
    if any("readiness" in c.probes for c in regular):
        return
    regular = [c for c in regular if not c.is_pause]
    if not regular:
        return
    lacking = lacking_text(regular, "readinessProbe")
    services = ctx.services.selecting(workload.namespace, workload.labels) if ctx.services else []
    gating = list(dict.fromkeys(s.name for s in services if not s.publish_not_ready))
    if gating:
        names = ", ".join(f'"{name}"' for name in gating)
        noun = "Service" if len(gating) == 1 else "Services"
        verb = "selects" if len(gating) == 1 else "select"
        message = (
            f"{lacking}, and {noun} {names} {verb} this pod: it counts as Ready as soon as its "
            f"containers run and receives traffic before the application can serve"
        )
        level = "error"
    else:
        message = (
            f"{lacking}: the pod counts as Ready as soon as its containers run, so rollouts "
            f"proceed before the application can serve and a wedged pod is never marked unready"
        )
        level = "warning"
    proposals = [(c, proposed_readiness(ctx, c)) for c in fix_targets(regular)]
    proposals = [(c, probe) for c, probe in proposals if probe is not None]
    fix = None
    if proposals:
        message += "; add " + "; also add ".join(_proposal_text(c, probe) for c, probe in proposals)
        waiting = [code for _, probe in proposals for code in pending_changes(ctx, probe.liveness)]
        if waiting:
            # The copy is computed from the liveness timing: wait until the other fix changed it.
            message += waiting_text(list(dict.fromkeys(waiting)))
        else:
            fix = _fix(ctx, proposals)
    yield ctx.workload_finding(workload, message, at=anchor(regular), level=level, fix=fix)


@dataclass(frozen=True)
class Readiness:
    """A readiness probe to add: the handler (from the liveness probe, or its framework's
    readiness endpoint), the liveness timeout, and a period and threshold that take the pod out
    of the endpoints before the liveness probe restarts it."""

    liveness: Probe
    handler: str
    data: object
    timeout: int | None  # None: the default, not written
    period: int
    threshold: int
    ready_path: str | None  # the framework's readiness path, when the handler's path was changed

    def value(self) -> dict[str, object]:
        probe: dict[str, object] = {self.handler: self.data}
        if self.timeout is not None:
            probe["timeoutSeconds"] = self.timeout
        probe["periodSeconds"] = self.period
        probe["failureThreshold"] = self.threshold
        return probe


def fix_targets(regular: list[Container]) -> list[Container]:
    """The containers that get a readiness probe: the application containers with a liveness
    probe; native sidecars only when the pod has no application container (their readiness says
    nothing about the application). A container whose ``readinessProbe`` is written as null is
    left alone."""
    apps = [c for c in regular if c.role == "container"]
    # ``readinessProbe: null`` written on purpose (a disabled probe) is left to the author.
    return [c for c in (apps or regular) if "liveness" in c.probes and "readinessProbe" not in c.map]


def proposed_readiness(ctx: RuleContext, container: Container) -> Readiness | None:
    """The readiness probe for ``container``, derived from its liveness probe; None when the
    liveness probe has no single handler to copy or a timing field the API server rejects."""
    liveness = container.probes["liveness"]
    copied = handler_data(liveness)
    if copied is None or min(liveness.period, liveness.timeout, liveness.failure_threshold) <= 0:
        return None
    handler, data = copied
    ready_path = None
    if handler == "httpGet" and isinstance(data, dict) and isinstance(data.get("path"), str):
        ready_path = readiness_sibling(data["path"], container_runtime(container))
        if ready_path is not None:
            data = {**data, "path": ready_path}
    timeout = liveness.timeout
    period = min(liveness.period, max(MIN_PERIOD, timeout + PERIOD_GAP))
    propagation = ctx.profile.value("propagation").seconds
    live = (liveness.period, timeout, liveness.failure_threshold)
    threshold = next((f for f in range(MAX_THRESHOLD, 0, -1) if ordered(live, (period, timeout, f), propagation)), 1)
    return Readiness(liveness, handler, data, None if liveness.is_default("timeoutSeconds") else timeout,
                     period, threshold, ready_path)


def readiness_sibling(path: str, runtime: Runtime) -> str | None:
    """The readiness endpoint next to a framework's liveness endpoint (``/actuator/health/liveness``
    -> ``/actuator/health/readiness``, ``/q/health/live`` -> ``/q/health/ready``, Prometheus
    ``/-/healthy`` -> ``/-/ready``, MicroProfile and etcd on their runtimes); None otherwise."""
    if "?" in path or "#" in path:
        return None
    return sibling_endpoint(path.rstrip("/") or "/", runtime, "readiness")


def _proposal_text(container: Container, probe: Readiness) -> str:
    where = f'{"native sidecar" if container.role == "sidecar" else "container"} "{container.name}"'
    handler = (f"httpGet {probe.ready_path} (the framework's readiness endpoint next to the liveness one)"
               if probe.ready_path else "the liveness handler")
    timing = f"periodSeconds {probe.period} and failureThreshold {probe.threshold}"
    if probe.timeout is not None:
        timing = f"timeoutSeconds {probe.timeout}, " + timing
    return (f"a readinessProbe to {where} with {handler}, {timing}, which takes the pod out of the endpoints "
            f"before the liveness probe restarts it")


def _fix(ctx: RuleContext, proposals: list[tuple[Container, Readiness]]) -> Fix | None:
    """Unsafe: whether the liveness check (or the framework endpoint) really tells when the
    application can serve is an assumption."""
    names = ", ".join(f'"{c.name}"' for c, _ in proposals)
    title = f"Add a readinessProbe to {'container' if len(proposals) == 1 else 'containers'} {names}"
    builder = ctx.fix(title, unsafe=True, scope=proposals[0][0].node)
    for container, probe in proposals:
        builder.set(container.node, "readinessProbe", probe.value(), after=probe.liveness.key,
                    flow=True if probe.liveness.node.flow_style else None)
    return builder.build()


def lacking_text(regular: list[Container], key: str) -> str:
    """``container "web" has no readinessProbe`` or ``no container has a readinessProbe ("a", "b")``."""
    if len(regular) == 1:
        c = regular[0]
        return f'{"native sidecar" if c.role == "sidecar" else "container"} "{c.name}" has no {key}'
    names = [f'{"native sidecar " if c.role == "sidecar" else ""}"{c.name}"' for c in regular]
    return f"no container has a {key} ({', '.join(names)})"


def anchor(regular: list[Container]):
    """The first application container's name; a native sidecar only if there is nothing else."""
    main = next((c for c in regular if c.role == "container"), regular[0])
    return main.anchor
