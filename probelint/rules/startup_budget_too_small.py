"""
## What it does
Compares the startup time the probes tolerate with the service's measured worst startup time
(`startup-max`, from `--startup-max`, the config's defaults, a profile file or the workload
annotation `probelint.io/startup-max`). Without that figure the rule does nothing.

With a startupProbe the tolerated time is its guaranteed budget
`initialDelaySeconds + (failureThreshold − 1) × periodSeconds`. Without a startupProbe the
liveness probe guards startup, and its own `initialDelaySeconds + (failureThreshold − 1) ×
periodSeconds` is the budget. The rule reports when the budget is below
`(1 + margin) × startup-max` (margin 0.2 by default). Containers with neither probe are not
killed during startup and are not checked.

## Why is this bad?
The container is killed before it can finish starting, restarted, and killed again: a crash
loop that never serves, typically right after a slow image pull, a cold cache or a schema
migration made startup a little longer than usual. The Kubernetes documentation states the
budget as `initialDelaySeconds + failureThreshold × periodSeconds`, but the first probe lands
anywhere in the first period after container start, so only one period less is guaranteed
whatever the phase (`failureThreshold: 30, periodSeconds: 10` promises 300 s and guarantees
290 s). The margin absorbs startups slower than any observed so far.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: search
  annotations:
    probelint.io/startup-max: 60s
spec:
  template:
    spec:
      containers:
        - name: search
          image: example/search:4.1
          startupProbe:
            httpGet: {path: /livez, port: 8080}
            periodSeconds: 10
            failureThreshold: 6
```

```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: search
  annotations:
    probelint.io/startup-max: 60s
spec:
  template:
    spec:
      containers:
        - name: search
          image: example/search:4.1
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            initialDelaySeconds: 30
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: search
  annotations:
    probelint.io/startup-max: 60s
spec:
  template:
    spec:
      containers:
        - name: search
          image: example/search:4.1
          startupProbe:
            httpGet: {path: /livez, port: 8080}
            periodSeconds: 10
            failureThreshold: 9
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
```

## Options
- `margin` (number, default `0.2`): the fraction added to `startup-max`; the budget must be
  at least `(1 + margin) × startup-max`.

## Fix safety
With a startupProbe the fix is safe: `failureThreshold` becomes
`⌈((1 + margin) × startup-max − initialDelaySeconds) / periodSeconds⌉ + 1`, the smallest value
whose guaranteed budget covers the target, derived from the manifest and the measured profile.

Without one the fix is unsafe, because it invents a probe (see PL103): a `startupProbe` is added
right after the liveness probe, with the liveness handler and timeout, `periodSeconds` =
min(liveness period, 10), no initial delay and that `failureThreshold`, and the liveness
`initialDelaySeconds` is set to 0; the liveness probe then only starts once startup succeeded.
It is offered only when the liveness probe has a single handler to copy and `startupProbe` is
not written as null. Needs Kubernetes 1.18 or later (startupProbe beta); with an explicit
`--kube-version` below that the safe fix raises the liveness `failureThreshold` to the value the
message gives instead, at the cost of slower hang detection. A startupProbe was not re-run after
a container restart in 1.21.0 (kubernetes#101064, fixed in later patch releases).

## References
- https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/ ("If your container
  usually starts in more than initialDelaySeconds + failureThreshold × periodSeconds, you
  should specify a startup probe")
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
  (protect slow starting containers with startup probes)
- kubelet `pkg/kubelet/prober/worker.go`: the probe ticker starts with the worker, not with the
  container, so the first probe's phase is arbitrary
- probe-semantics §5c (maximum startup time tolerated)
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint.model import Finding
from probelint.rule import Rule, RuleContext
from probelint.rules.liveness_more_aggressive_than_readiness import (
    pending_changes,
    waiting_text,
)
from probelint.rules.startup_probe_recommended import (
    MAX_STARTUP_PERIOD,
    add_startup_probe,
)
from probelint.timing import startup_budget_guaranteed, startup_failure_threshold
from probelint.workloads import Container

MIN_KUBE_VERSION = (1, 18)  # startupProbe beta, enabled by default
EPSILON = 1e-9

RULE = Rule(
    code="PL202",
    name="startup-budget-too-small",
    summary="The probes kill the container before its measured worst startup time has passed",
    level="error",
    fix="sometimes",
    options={"margin": 0.2},
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    startup_max = ctx.profile.startup_max if ctx.profile else None
    if startup_max is None or startup_max.seconds <= 0:
        return
    margin = float(ctx.options.get("margin", RULE.options["margin"]))
    needed = (1 + margin) * startup_max.seconds
    target = f"{margin + 1:g} x {startup_max.describe('startup_max')} = {_seconds(needed)}"

    startup = container.probes.get("startup")
    if startup is not None:
        delay, period, threshold = startup.initial_delay, startup.period, startup.failure_threshold
        if delay < 0 or period <= 0 or threshold <= 0:
            return  # rejected by the API server (PL003)
        budget = startup_budget_guaranteed(delay, period, threshold)
        if budget >= needed - EPSILON:
            return
        fixed = startup_failure_threshold(startup_max.seconds, period, delay, margin)
        yield ctx.probe_finding(
            startup,
            f"startup budget {_budget_text(budget, delay, threshold, period)} is below {target}: the container "
            f"is killed before it can finish starting; failureThreshold {fixed} gives "
            f"{_seconds(startup_budget_guaranteed(delay, period, fixed))}",
            field="failureThreshold",
            fix=ctx.probe_fix(startup, f"Set failureThreshold to {fixed}", {"failureThreshold": fixed}),
        )
        return

    liveness = container.probes.get("liveness")
    if liveness is None:
        return
    delay, period, threshold = liveness.initial_delay, liveness.period, liveness.failure_threshold
    if delay < 0 or period <= 0 or threshold <= 0:
        return
    budget = startup_budget_guaranteed(delay, period, threshold)
    if budget >= needed - EPSILON:
        return
    message = (
        f"there is no startupProbe, so the liveness probe guards startup, and its startup budget "
        f"{_budget_text(budget, delay, threshold, period)} is below {target}: the container is killed before "
        f"it can finish starting; "
    )
    if ctx.settings.kube_version_explicit and ctx.kube_version < MIN_KUBE_VERSION:
        # No startupProbe before 1.18: the only lever is the liveness budget itself.
        fixed = startup_failure_threshold(needed, period, delay, 0)
        message += (
            f"startupProbe needs Kubernetes 1.18, so raise the liveness failureThreshold to {fixed} "
            f"({_seconds(startup_budget_guaranteed(delay, period, fixed))}), at the cost of slower hang detection"
        )
        fix = ctx.probe_fix(liveness, f"Set failureThreshold to {fixed}", {"failureThreshold": fixed})
        yield ctx.probe_finding(liveness, message, fix=fix)
        return
    startup_period = min(period, MAX_STARTUP_PERIOD)
    fixed = startup_failure_threshold(startup_max.seconds, startup_period, 0, margin)
    message += (
        f"add a startupProbe with the liveness handler, timeoutSeconds {liveness.timeout}, periodSeconds "
        f"{startup_period} and failureThreshold {fixed} "
        f"(budget {_seconds(startup_budget_guaranteed(0, startup_period, fixed))})"
    )
    if delay > 0:
        message += " and set the liveness initialDelaySeconds to 0"
    fix = None
    waiting = pending_changes(ctx, liveness)
    if waiting:
        message += waiting_text(waiting)
    else:
        fix = add_startup_probe(ctx, liveness, startup_period, fixed)
    yield ctx.probe_finding(liveness, message, fix=fix)


def _budget_text(budget: int, delay: int, threshold: int, period: int) -> str:
    return (f"{budget}s (initialDelaySeconds {delay} + (failureThreshold {threshold} - 1) x "
            f"periodSeconds {period})")


def _seconds(value: float) -> str:
    return f"{round(value, 3):g}s"
