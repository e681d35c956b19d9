"""
## What it does
Reports a liveness probe that waits more than 30 seconds (`initialDelaySeconds`, configurable)
before its first check, on a container that has no `startupProbe`. Regular containers and
native sidecars are checked.

The message shows the startup probe that replaces the delay: the liveness handler and timeout,
`periodSeconds = min(P_L, 10)` and `failureThreshold = ⌈(D_L + F_L·P_L) / P_S⌉`, which gives the
application at least as much time to start as the liveness probe gives it today.

## Why is this bad?
A long `initialDelaySeconds` is a guess of the worst startup time that is paid after every
restart: for that long a deadlocked container is not detected, and a container that starts
slower than the guess (a cold cache, a slow node, a big migration) is killed in a restart loop.
A startup probe solves both: it checks often while the application starts, succeeds as soon as
it is up, and only then hands over to the liveness probe, which can then react quickly. The
Kubernetes documentation recommends exactly this: "Rather than set a long liveness interval,
you can configure a separate configuration for probing the container as it starts up", using
"the same command, HTTP or TCP check, with a failureThreshold × periodSeconds long enough to
cover the worst case startup time".

Startup probes are beta (on by default) since Kubernetes 1.18 and GA since 1.20; with an
explicit `--kube-version` below 1.18 the rule stays silent. Kubernetes 1.21.0 had a regression
where the startup probe did not run again after a container restart (fixed in later 1.21
patches).

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: search}
spec:
  template:
    spec:
      containers:
        - name: search
          image: example/search:7.2
          livenessProbe:
            httpGet: {path: /livez, port: 9200}
            initialDelaySeconds: 120
            periodSeconds: 10
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: search}
spec:
  template:
    spec:
      containers:
        - name: search
          image: example/search:7.2
          startupProbe:
            httpGet: {path: /livez, port: 9200}
            periodSeconds: 10
            failureThreshold: 15
          livenessProbe:
            httpGet: {path: /livez, port: 9200}
            periodSeconds: 10
```

## Options
- `max-initial-delay` (seconds, default `30`): the largest liveness `initialDelaySeconds`
  accepted without a startup probe.

## Fix safety
Unsafe: the fix adds a `startupProbe` right after the liveness probe, with the liveness handler
and `timeoutSeconds`, `periodSeconds = min(P_L, 10)`,
`failureThreshold = ⌈(D_L + F_L·P_L) / P_S⌉` and no initial delay, and sets the liveness
`initialDelaySeconds` to 0. The guaranteed startup time is not reduced. It invents a probe: it
assumes the liveness check also answers "has the application started", and that nothing else
relied on the delay (a liveness probe that must not run before some other event, for example).
No fix is offered when the liveness probe has no single handler to copy, when `startupProbe` is
written as null (disabled on purpose), and while another selected rule is about to change the
liveness period or timeout (PL204, PL206, PL212).

## References
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-startup-probes
- https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#when-should-you-use-a-startup-probe
- kubernetes/kubernetes#27114 (initial delay versus detection time), #101064 (1.21.0 startup
  probe regression)
"""
from __future__ import annotations

import math
from collections.abc import Iterator

from yaml.nodes import MappingNode

from probelint.edits import Unfixable, copy_value
from probelint.model import Finding, Fix
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.rules.liveness_more_aggressive_than_readiness import (
    pending_changes,
    waiting_text,
)
from probelint.workloads import Container
from probelint.yamlnode import NodeBudgetExceeded

MIN_KUBE_VERSION = (1, 18)  # startupProbe beta, enabled by default
MAX_STARTUP_PERIOD = 10
HANDLER_NODE_BUDGET = 1000  # a copied handler is a few nodes; far more is an alias bomb

RULE = Rule(
    code="PL103",
    name="startup-probe-recommended",
    summary="Long liveness initialDelaySeconds without a startup probe",
    level="warning",
    fix="sometimes",
    options={"max-initial-delay": "30s"},
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular or "startup" in container.probes:
        return
    liveness = container.probes.get("liveness")
    if liveness is None:
        return
    if ctx.settings.kube_version_explicit and ctx.kube_version < MIN_KUBE_VERSION:
        return
    limit, _configured = ctx.option_seconds("max-initial-delay")
    delay = liveness.initial_delay
    if delay <= limit:
        return
    period, threshold = liveness.period, liveness.failure_threshold
    if min(period, threshold, liveness.timeout) <= 0:
        return  # rejected by the API server (PL003); there is no budget to keep
    startup_period, startup_threshold = startup_recipe(delay, period, threshold)
    message = (
        f"initialDelaySeconds is {delay} (more than {limit:g}) and there is no startupProbe: after every "
        f"start the liveness probe checks nothing for {delay}s, a fixed guess of the startup time; add a startupProbe "
        f"with the liveness handler, timeoutSeconds {liveness.timeout}, periodSeconds {startup_period} and "
        f"failureThreshold {startup_threshold} (keeps the {delay + threshold * period}s the liveness probe "
        f"allows for startup) and set initialDelaySeconds to 0"
    )
    fix = None
    waiting = pending_changes(ctx, liveness)
    if waiting:
        message += waiting_text(waiting)
    else:
        fix = add_startup_probe(ctx, liveness, startup_period, startup_threshold)
    yield ctx.probe_finding(liveness, message, field="initialDelaySeconds", fix=fix)


def startup_recipe(delay: int, period: int, threshold: int) -> tuple[int, int]:
    """``(P_S, F_S)`` of the startup probe that keeps the liveness probe's startup budget."""
    startup_period = min(period, MAX_STARTUP_PERIOD)
    return startup_period, math.ceil((delay + threshold * period) / startup_period)


def handler_data(probe: Probe) -> tuple[str, object] | None:
    """The probe's single handler as plain data (``("httpGet", {"path": ..., "port": ...})``), to
    copy into a new probe; None when there is not exactly one handler or it is not a mapping."""
    handler = probe.handler
    node = probe.map.get(handler) if handler else None
    if not isinstance(node, MappingNode):
        return None
    try:
        return handler, copy_value(node, budget=HANDLER_NODE_BUDGET)
    except (NodeBudgetExceeded, Unfixable):
        return None  # an alias bomb, not a handler anyone wrote by hand


def add_startup_probe(ctx: RuleContext, liveness: Probe, period: int, threshold: int) -> Fix | None:
    """The unsafe fix shared with PL202: a ``startupProbe`` right after the liveness probe, with its
    handler and timeout, ``period``, ``threshold`` and no delay, and the liveness delay set to 0.

    Unsafe because it invents a probe: it assumes the liveness check also answers "has the
    application started" and that nothing else relied on the delay. Written in the liveness
    probe's own style (a flow mapping stays a flow mapping). The caller first checks that no other
    rule is about to change the liveness period or timeout the copy is computed from
    (``pending_changes``)."""
    copied = handler_data(liveness)
    if copied is None or "startupProbe" in liveness.container.map:
        return None  # no handler to copy, or ``startupProbe: null`` written on purpose
    handler, data = copied
    startup: dict[str, object] = {handler: data}
    if not liveness.is_default("timeoutSeconds"):
        startup["timeoutSeconds"] = liveness.timeout
    startup["periodSeconds"] = period
    startup["failureThreshold"] = threshold
    title = "Add a startupProbe"
    if liveness.initial_delay > 0:
        title += " and set the liveness initialDelaySeconds to 0"
    builder = ctx.fix(title, unsafe=True, scope=liveness.container.node)
    builder.set(liveness.container.node, "startupProbe", startup, after=liveness.key,
                flow=True if liveness.node.flow_style else None)
    if liveness.initial_delay > 0:
        builder.set(liveness.node, "initialDelaySeconds", 0)
    return builder.build()
