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
Safe: `timeoutSeconds` becomes `max(3, ⌈2 × p99⌉)` when a p99 is known, otherwise 3. When the
new timeout is not below `periodSeconds`, the message also proposes a longer period (PL204).
A longer timeout lengthens the detection of a real hang by the difference.

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
from probelint.rule import Rule, RuleContext
from probelint.rules.timeout_not_less_than_period import fixed_period
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
    p99 = ctx.profile.p99 if ctx.profile else None
    if p99 is not None and p99.seconds <= 0:
        p99 = None
    for kind in ("liveness", "readiness", "startup"):
        probe = container.probes.get(kind)
        if probe is None or probe.handler != "exec" or not 0 < probe.timeout <= 1:
            continue
        if p99 is not None:
            fixed = max(MIN_TIMEOUT, math.ceil(round(2 * p99.seconds, 9)))
            reason = f"2 x {p99.describe('p99')}, at least {MIN_TIMEOUT}"
        else:
            fixed, reason = MIN_TIMEOUT, None
        message = (
            f"exec probe with {probe.describe('timeoutSeconds')}: enforced since Kubernetes 1.20, and spawning "
            f"the command through the container runtime under the container's CPU limit can take most of a second "
            f"on its own, so a busy but healthy container fails the probe; set timeoutSeconds {fixed}"
        )
        if reason:
            message += f" ({reason})"
        if fixed >= probe.period:
            message += f" and periodSeconds {fixed_period(fixed)} so that probes do not run back to back (PL204)"
        yield ctx.probe_finding(probe, message, field="timeoutSeconds", fixable=True)
