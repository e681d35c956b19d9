"""
## What it does
Compares how long a Deployment's pods may take to start with the Deployment's
`progressDeadlineSeconds` (default 600). A container may take up to
`initialDelaySeconds + failureThreshold × periodSeconds + timeoutSeconds` of its startup probe
to start before the kubelet gives up on it, or of its liveness probe when it has no startup
probe. The rule takes the largest of these over the regular containers (`containers` and native
sidecars) and warns when it is more than `progressDeadlineSeconds − 60`. Other kinds have no
progress deadline and are skipped.

Istio's injected `istio-proxy` sidecar is left out: its startup probe (`/healthz/ready` on port
15021, 600 × 1 s) is the injector's, and its length is a wait for the control plane rather than
a start that legitimately takes ten minutes; when istiod is unreachable, a failed rollout is
the right signal.

## Why is this bad?
The Deployment controller marks a rollout `Progressing=False` with reason
`ProgressDeadlineExceeded` when it makes no progress (no new pod becomes available) for
`progressDeadlineSeconds`. If the probes allow a container more time to start than that, a slow
but healthy start fails the rollout: `kubectl rollout status` exits non-zero, CI/CD pipelines
and tools such as Argo CD or Flux report the deployment as failed, and automated rollbacks may
undo a release that was about to become ready. The 60 s margin leaves room for scheduling,
image pulls and readiness after the start.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: search}
spec:
  selector:
    matchLabels: {app: search}
  template:
    metadata:
      labels: {app: search}
    spec:
      containers:
        - name: search
          image: example/search:7.2
          startupProbe:
            httpGet: {path: /livez, port: 9200}
            periodSeconds: 10
            failureThreshold: 60
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: search}
spec:
  progressDeadlineSeconds: 730
  selector:
    matchLabels: {app: search}
  template:
    metadata:
      labels: {app: search}
    spec:
      containers:
        - name: search
          image: example/search:7.2
          startupProbe:
            httpGet: {path: /livez, port: 9200}
            periodSeconds: 10
            failureThreshold: 60
```

## Options
None.

## Fix safety
Safe. The fix sets the Deployment's `progressDeadlineSeconds` to the startup
allowance plus 120 s, rounded up (replacing the written value, or adding the field just above
`template`, or at the end of the Deployment spec when `template` comes first). The figure
comes from the probes in the manifest, and a later deadline only delays the report of a
rollout that really is stuck. No fix when the Deployment spec is shared with another object
through a YAML anchor.

## References
- https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#progress-deadline-seconds
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-startup-probes
- https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes
"""
from __future__ import annotations

import math
from collections.abc import Iterator

from probelint.model import Finding, Fix
from probelint.probes import Probe, is_int
from probelint.rule import Rule, RuleContext
from probelint.termination_fixes import set_progress_deadline
from probelint.timing import startup_kill_window
from probelint.workloads import Workload
from probelint.yamlnode import Map

RULE = Rule(
    code="PL504",
    name="startup-exceeds-progress-deadline",
    summary="Probes allow a longer start than the Deployment's progress deadline",
    level="warning",
    scope="workload",
    fix="always",
)
DEFAULT_DEADLINE = 600
MARGIN = 60  # scheduling, image pull and readiness after the start
FIX_MARGIN = 120
ISTIO_PROXY = "istio-proxy"
ISTIO_READY_PATH = "/healthz/ready"
ISTIO_READY_PORT = 15021


def check(ctx: RuleContext, workload: Workload) -> Iterator[Finding]:
    if workload.kind != "Deployment":
        return
    spec = workload.root.map("spec")
    raw = spec.scalar("progressDeadlineSeconds") if spec is not None else None
    if raw is not None and not is_int(raw):
        return  # a template expression: the deadline is unknown
    deadline = raw if raw is not None else DEFAULT_DEADLINE
    worst: tuple[int, Probe] | None = None
    for container in workload.regular_containers:
        probe = container.probes.get("startup") or container.probes.get("liveness")
        if probe is None or _istio_proxy_startup(probe):
            continue
        allowance = startup_kill_window(probe.initial_delay, probe.period, probe.timeout, probe.failure_threshold)[1]
        if worst is None or allowance > worst[0]:
            worst = (allowance, probe)
    if worst is None:
        return
    allowance, probe = worst
    limit = deadline - MARGIN
    if allowance <= limit:
        return
    container = probe.container
    who = f'{"native sidecar" if container.role == "sidecar" else "container"} "{container.name}"'
    which = probe.key if probe.type == "startup" else f"{probe.key} (there is no startupProbe)"
    deadline_text = f"progressDeadlineSeconds {deadline}" + ("" if raw is not None else " (default)")
    proposed = math.ceil(allowance + FIX_MARGIN)
    at = spec.key_node("progressDeadlineSeconds") if raw is not None else probe.key_node
    yield ctx.finding(
        at,
        f"{who} {which} lets it take up to {allowance}s to start ({probe.describe('initialDelaySeconds')} + "
        f"{probe.describe('failureThreshold')} x {probe.describe('periodSeconds')} + "
        f"{probe.describe('timeoutSeconds')}), more than {deadline_text} - {MARGIN} = {limit}s: a rollout "
        f"is marked ProgressDeadlineExceeded while its pods are still starting; progressDeadlineSeconds "
        f"{proposed} ({allowance} + {FIX_MARGIN}) covers it",
        obj=workload.ref(),
        fix=_deadline_fix(ctx, workload, spec, proposed),
    )


def _deadline_fix(ctx: RuleContext, workload: Workload, spec: Map | None, seconds: int) -> Fix | None:
    if spec is None:
        return None
    return set_progress_deadline(ctx.fix(f"Set progressDeadlineSeconds to {seconds}"), spec.node, seconds).build()


def _istio_proxy_startup(probe: Probe) -> bool:
    """Istio's injected proxy: its startup probe waits for the control plane, not for a slow start."""
    http = probe.http
    return (probe.type == "startup" and probe.container.name == ISTIO_PROXY and http is not None
            and http.path == ISTIO_READY_PATH and probe.resolved_port == ISTIO_READY_PORT)
