"""
## What it does
Reports exec probes (liveness, readiness or startup) whose effective `timeoutSeconds` is 1 s,
which is what an absent or `0` value means.

## Why is this bad?
Until Kubernetes 1.20 the kubelet did not enforce exec probe timeouts: with dockershim they
were ignored, and on containerd an exec probe running longer than 1 s always succeeded. Since
1.20 (`ExecProbeTimeout`, GA) the timeout is enforced, so manifests written against older
clusters suddenly fail probes that used to pass. And 1 s is little for an exec probe even
when the command itself is quick: the kubelet asks the container runtime to spawn a process
inside the container, which is charged to the container's CPU limit and throttled with it, so
under load the spawn alone can eat most of the second. A liveness probe then restarts a
container that was only busy; a readiness probe takes it out of rotation exactly when it is
loaded.

When the probe's p99 latency is known (`--p99` or the annotation `probelint.io/p99`), the
proposed timeout is twice that, and at least 3 s.

## Example
```yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: cache}
spec:
  serviceName: cache
  template:
    spec:
      containers:
        - name: redis
          image: redis:7.2
          livenessProbe:
            exec:
              command: [redis-cli, ping]
```

## Use instead
```yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: cache}
spec:
  serviceName: cache
  template:
    spec:
      containers:
        - name: redis
          image: redis:7.2
          livenessProbe:
            exec:
              command: [redis-cli, ping]
            timeoutSeconds: 3
```

## Options
None.

## Fix safety
Safe, and always offered: `timeoutSeconds` is set (or added) to `max(3, ⌈2 × p99⌉)` when a
p99 is known, otherwise 3; both come from the manifest and the service profile only. When the
new timeout is not below `periodSeconds`, the period is set as well, to the one PL204 asks for
(`timeoutSeconds + max(2, ⌈0.2 × timeoutSeconds⌉)`), so that the two rules agree; on a startup
probe `failureThreshold` then grows so that neither the documented startup budget
`failureThreshold × periodSeconds` nor the one guaranteed whatever the probe phase gets
shorter. A longer timeout lengthens the detection of a real hang by the difference, which the
message states.

## References
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
  (exec probe timeouts are enforced since 1.20)
- kubernetes/kubernetes#94115 and KEP-1972 (exec probe timeout), kubernetes/website#24692,
  kubernetes/kubernetes#107480 (before 1.20 on containerd, exec probes longer than 1 s always
  succeeded), Azure/AKS#2256
- https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/ (exec probes run inside the
  container and cost CPU)
"""
from __future__ import annotations

import math
from collections.abc import Iterator

from probelint.model import Finding
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.rules.timeout_not_less_than_period import fixed_period
from probelint.timing_fixes import fix_title, startup_threshold
from probelint.workloads import Container

MIN_TIMEOUT = 3

RULE = Rule(
    code="PL206",
    name="exec-probe-default-timeout",
    summary="Exec probe with the 1 s default timeout, enforced since Kubernetes 1.20",
    level="warning",
    fix="always",
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return  # probes on plain init containers are rejected by the API server (PL005)
    p99 = _p99(ctx)
    for kind in ("liveness", "readiness", "startup"):
        probe = container.probes.get(kind)
        values = proposal(ctx, probe) if probe is not None else None
        if not values:
            continue
        fixed = values["timeoutSeconds"]
        message = (
            f"exec probe with {probe.describe('timeoutSeconds')}: enforced since Kubernetes 1.20, and spawning "
            f"the command through the container runtime under the container's CPU limit can take most of a second "
            f"on its own, so a busy but healthy container fails the probe; set timeoutSeconds {fixed}"
        )
        if p99 is not None:
            message += f" (2 x {p99.describe('p99')}, at least {MIN_TIMEOUT})"
        if "periodSeconds" in values:
            message += (f" and periodSeconds {values['periodSeconds']} so that probes do not run back to back "
                        f"(PL204)")
        if "failureThreshold" in values:
            threshold, period = values["failureThreshold"], values["periodSeconds"]
            message += (f", and failureThreshold {threshold} to keep the startup budget "
                        f"({probe.failure_threshold} × {probe.period}s becomes {threshold} × {period}s)")
        fix = ctx.probe_fix(probe, fix_title(values), values)
        yield ctx.probe_finding(probe, message, field="timeoutSeconds", fix=fix)


def _p99(ctx: RuleContext):
    p99 = ctx.profile.p99 if ctx.profile else None
    return p99 if p99 is not None and p99.seconds > 0 else None


def proposal(ctx: RuleContext, probe: Probe) -> dict[str, int] | None:
    """The fields this rule sets on ``probe``, or None when it does not report it.

    ``timeoutSeconds`` always; ``periodSeconds`` when the new timeout is not below the period;
    and on a startup probe whose period grows, the ``failureThreshold`` that keeps its budget.
    """
    if probe.handler != "exec" or not 0 < probe.timeout <= 1:
        return None
    p99 = _p99(ctx)
    fixed = MIN_TIMEOUT if p99 is None else max(MIN_TIMEOUT, math.ceil(round(2 * p99.seconds, 9)))
    values = {"timeoutSeconds": fixed}
    if fixed >= probe.period:
        values["periodSeconds"] = fixed_period(fixed)
        if probe.type == "startup":
            threshold = startup_threshold(probe.period, probe.failure_threshold, values["periodSeconds"])
            if threshold != probe.failure_threshold:
                values["failureThreshold"] = threshold
    return values
