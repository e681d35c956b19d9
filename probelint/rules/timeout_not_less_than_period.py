"""
## What it does
Checks that every probe's effective `timeoutSeconds` is less than its effective
`periodSeconds` (absent or `0` means 1 and 10). Liveness and readiness probes are reported as
warnings, startup probes as info.

## Why is this bad?
The kubelet runs probes one at a time per container and probe type. When a probe lasts its
whole timeout and that is as long as the period or longer, the next probe starts immediately
after it: probes run back to back, the period no longer says how often the endpoint is hit,
and hang detection stretches to `(failureThreshold − 1) × timeoutSeconds + timeoutSeconds`
instead of what the period suggests. The endpoint gets no rest while it is slowest. An exec
probe that times out is not necessarily killed inside the container, so back-to-back exec
probes can pile up processes there. For a startup probe the effect is milder (it stops after
the first success), hence info.

Some long timeouts are deliberate: kubeadm's etcd manifest uses `timeoutSeconds: 15` with
`periodSeconds: 10`. Raising the period keeps the long timeout and restores a gap.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: reports}
spec:
  template:
    spec:
      containers:
        - name: reports
          image: example/reports:3.0
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            timeoutSeconds: 10
            periodSeconds: 10
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: reports}
spec:
  template:
    spec:
      containers:
        - name: reports
          image: example/reports:3.0
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            timeoutSeconds: 10
            periodSeconds: 12
```

## Options
None.

## Fix safety
Safe: `periodSeconds` becomes `timeoutSeconds + max(2, ⌈0.2 × timeoutSeconds⌉)`, which keeps
the timeout and leaves a gap between probes. Hang detection stays about the same because the
probes were already running back to back. Lowering the timeout instead is a judgement call
that needs the endpoint's latency (see PL201), so it is left to the user.

## References
- kubelet `pkg/kubelet/prober/worker.go` (one synchronous probe per tick; the ticker buffers one
  tick, so slow probes run back to back)
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
  (caution about exec readiness probes and a growing number of processes)
- kubernetes/kubernetes#110070, #124226 (timed-out exec probe processes accumulate)
- kubeadm etcd static Pod manifest (`timeoutSeconds: 15`, `periodSeconds: 10`)
"""
from __future__ import annotations

import math
from collections.abc import Iterator

from probelint.model import Finding
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container

RULE = Rule(
    code="PL204",
    name="timeout-not-less-than-period",
    summary="Probe timeoutSeconds is not less than periodSeconds: probes run back to back",
    level="warning",
    levels="warning/info",
    fix="always",
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return  # probes on plain init containers are rejected by the API server (PL005)
    for kind in ("liveness", "readiness", "startup"):
        probe = container.probes.get(kind)
        if probe is None:
            continue
        timeout, period = probe.timeout, probe.period
        if timeout <= 0 or period <= 0 or timeout < period:
            continue
        fixed = fixed_period(timeout)
        relation = "equals" if timeout == period else "exceeds"
        message = (
            f"{probe.describe('timeoutSeconds')} {relation} {probe.describe('periodSeconds')}: a probe that "
            f"times out is followed at once by the next, so probes run back to back and the application gets no rest "
            f"while it is slowest"
        )
        if probe.handler == "exec":
            message += ", and timed-out exec processes can pile up in the container"
        message += (f"; periodSeconds {fixed} (timeoutSeconds {timeout} + max(2, 20% of it)) keeps the timeout "
                    f"and leaves a gap")
        at = "periodSeconds" if probe.map.key_node("periodSeconds") is not None else "timeoutSeconds"
        yield ctx.probe_finding(probe, message, field=at, level="info" if kind == "startup" else "warning",
                                fixable=True)


def fixed_period(timeout: int) -> int:
    """P := T + max(2, ⌈0.2·T⌉)."""
    return timeout + max(2, math.ceil(round(0.2 * timeout, 9)))
