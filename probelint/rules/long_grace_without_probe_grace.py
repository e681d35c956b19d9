"""
## What it does
Checks liveness and startup probes of pods with a long `terminationGracePeriodSeconds` (more
than 60 s by default): each such probe should set its own, shorter
`terminationGracePeriodSeconds`. Only regular containers and native sidecars are checked, and
only when the target Kubernetes version (`--kube-version`) is 1.25 or later, where the
probe-level field is on by default.

## Why is this bad?
A container that fails its liveness or startup probe is killed with the pod's grace period
unless the probe sets its own. Databases, brokers and batch workers often get a grace period of
minutes or an hour so that a planned shutdown can finish cleanly, but a process the liveness
probe has declared dead will not finish anything: the kubelet sends SIGTERM, the wedged process
ignores it, and the restart waits the full grace period. With `G = 3600`, "the process wedges
immediately, but kube has to wait the full hour to kill it, defeating the goal of liveness"
(kubernetes#64715). The probe-level `terminationGracePeriodSeconds` (KEP-2238, beta and on by
default since 1.25, GA in 1.28) exists for exactly this.

## Example
```yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      terminationGracePeriodSeconds: 600
      containers:
        - name: db
          image: example/db:3.1
          livenessProbe:
            tcpSocket: {port: 5432}
            periodSeconds: 10
```

## Use instead
```yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      terminationGracePeriodSeconds: 600
      containers:
        - name: db
          image: example/db:3.1
          livenessProbe:
            tcpSocket: {port: 5432}
            periodSeconds: 10
            terminationGracePeriodSeconds: 15
```

## Options
- `max-grace` (default 60): the pod grace period, in seconds, above which liveness and startup
  probes need their own.

The proposed value uses the profile's `drain` (`--drain`, `probelint.io/drain`, default 10 s).

## Fix safety
Safe. The fix adds `terminationGracePeriodSeconds` as the last field of the
liveness or startup probe, set to `min(G, max(10, drain + 5))` (15 s with the default drain),
raised to `H + drain + 5` when the container's preStop hook takes `H` seconds or more (so that
the hook does not use up the probe's grace period, which PL501 would report) and capped at the
pod's grace period. The figure comes from the manifest and the profile's drain time. Planned
shutdowns keep the pod's long grace period; only kills by the probe get the short one. No
fix is offered for a probe mapping that a YAML alias also uses elsewhere (`readinessProbe:
*probe`, where the field is forbidden): it is left for a manual change.

## References
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#probe-level-terminationgraceperiodseconds
- kubernetes#64715 and KEP-2238, probe-level `terminationGracePeriodSeconds`
- kubelet `killContainer` (`pkg/kubelet/kuberuntime/kuberuntime_container.go`)
"""
from __future__ import annotations

import math
from collections.abc import Iterator

from probelint.lifecycle import format_seconds, prestop_duration
from probelint.model import Finding, Fix
from probelint.probes import Probe, is_int
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container

RULE = Rule(
    code="PL502",
    name="long-grace-without-probe-grace",
    summary="A long pod grace period also delays liveness and startup kills",
    level="warning",
    scope="container",
    fix="always",
    options={"max-grace": "60s"},
)
MIN_VERSION = (1, 25)
MIN_PROBE_GRACE = 10
FIX_MARGIN = 5


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular or ctx.kube_version < MIN_VERSION:
        return
    raw_grace = container.workload.pod_spec.scalar("terminationGracePeriodSeconds")
    if not is_int(raw_grace):
        return  # the default 30 s is short; a template expression is unknown
    grace = raw_grace
    limit, _configured = ctx.option_seconds("max-grace")
    if grace <= limit:
        return
    drain = ctx.profile.value("drain")
    hook = prestop_duration(container)
    proposed = max(MIN_PROBE_GRACE, math.ceil(round(drain.seconds + FIX_MARGIN, 9)))
    how = f"max({MIN_PROBE_GRACE}, {drain.describe('drain')} + {FIX_MARGIN})"
    if hook is not None and not math.isinf(hook.seconds) and proposed <= hook.seconds:
        proposed = math.ceil(round(hook.seconds + drain.seconds + FIX_MARGIN, 9))
        how = f"preStop {format_seconds(hook.seconds)}s + {drain.describe('drain')} + {FIX_MARGIN}"
    if proposed > grace:
        proposed, how = grace, f"{how}, capped at the pod's {grace}"
    for kind in ("liveness", "startup"):
        probe = container.probes.get(kind)
        if probe is None or "terminationGracePeriodSeconds" in probe.map:
            continue
        yield ctx.probe_finding(
            probe,
            f"sets no terminationGracePeriodSeconds, so a {kind} kill gives the container the pod's "
            f"terminationGracePeriodSeconds {grace} (more than {limit:g}) before SIGKILL: a wedged "
            f"process that does not exit on SIGTERM holds up the restart for {_duration(grace)}; "
            f"terminationGracePeriodSeconds {proposed} ({how}) on the probe keeps the long grace "
            f"for planned shutdowns only",
            field="terminationGracePeriodSeconds",
            fix=_probe_grace_fix(ctx, probe, proposed),
        )


def _probe_grace_fix(ctx: RuleContext, probe: Probe, seconds: int) -> Fix | None:
    """Add the field to the probe (no fix when the probe mapping is also used elsewhere through
    a YAML alias, e.g. as a readinessProbe, where the field is forbidden)."""
    return ctx.probe_fix(probe, f"Set {probe.key}.terminationGracePeriodSeconds to {seconds}",
                         {"terminationGracePeriodSeconds": seconds})


def _duration(seconds: int) -> str:
    """``600s (10m)``, ``3600s (1h)`` for long periods, ``90s`` otherwise."""
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{seconds}s ({seconds // 3600}h)"
    if seconds >= 120:
        minutes, rest = divmod(seconds, 60)
        return f"{seconds}s ({minutes}m{rest}s)" if rest else f"{seconds}s ({minutes}m)"
    return f"{format_seconds(seconds)}s"
