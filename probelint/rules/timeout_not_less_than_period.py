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
probes were already running back to back. On a startup probe `failureThreshold` changes too,
so that the startup budget is not shortened (nor silently multiplied). No fix is offered for a
startup probe whose new period would exceed 10 s: that delays every start (PL209), and PL209
would lower it again. Lowering the timeout instead is a judgement call that needs the
endpoint's latency (see PL201), so it is left to the user.

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
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.timing_fixes import fix_title, startup_threshold
from probelint.workloads import Container

# A startup probe's period is also its detection lag for a started application; PL209 wants it
# at most 10 s, so a fix never proposes more.
MAX_STARTUP_PERIOD = 10

RULE = Rule(
    code="PL204",
    name="timeout-not-less-than-period",
    summary="Probe timeoutSeconds is not less than periodSeconds: probes run back to back",
    level="warning",
    levels="warning/info",
    fix="sometimes",
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
        values = proposal(probe)
        fix = None
        if values is None:
            message += (f"; periodSeconds {fixed} (timeoutSeconds {timeout} + max(2, 20% of it)) would keep the timeout "
                        f"but delay every start by up to {fixed}s (PL209), so lower timeoutSeconds if the latency "
                        f"allows")
        else:
            message += (f"; periodSeconds {fixed} (timeoutSeconds {timeout} + max(2, 20% of it)) keeps the timeout "
                        f"and leaves a gap")
            if "failureThreshold" in values:
                message += (f", and failureThreshold {values['failureThreshold']} keeps the startup budget "
                            f"({probe.describe('failureThreshold')} x periodSeconds {period})")
            fix = ctx.probe_fix(probe, fix_title(values), values)
        at = "periodSeconds" if probe.map.key_node("periodSeconds") is not None else "timeoutSeconds"
        yield ctx.probe_finding(probe, message, field=at, level="info" if kind == "startup" else "warning", fix=fix)


def proposal(probe: Probe) -> dict[str, int] | None:
    """The fields this rule's fix sets on ``probe``, or None (not reported, or no fix).

    ``periodSeconds`` always; on a startup probe also the ``failureThreshold`` that keeps its
    startup budget, as the other rules that change a startup period do. None for a startup probe
    whose period would exceed PL209's 10 s."""
    timeout, period = probe.timeout, probe.period
    if timeout <= 0 or period <= 0 or timeout < period:
        return None
    fixed = fixed_period(timeout)
    if probe.type != "startup":
        return {"periodSeconds": fixed}
    if fixed > MAX_STARTUP_PERIOD:
        return None
    values = {"periodSeconds": fixed}
    threshold = startup_threshold(period, probe.failure_threshold, fixed)
    if threshold != probe.failure_threshold:
        values["failureThreshold"] = threshold
    return values


def fixed_period(timeout: int) -> int:
    """P := T + max(2, ⌈0.2·T⌉)."""
    return timeout + max(2, math.ceil(round(0.2 * timeout, 9)))
