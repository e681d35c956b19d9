"""
## What it does
Reports an `initialDelaySeconds` above 0 that cannot do what it is meant to do:

- (a) on the liveness or readiness probe of a container that also has a `startupProbe`;
- (b) on the readiness probe of a container without a `startupProbe`, when the delay is at
  least one `periodSeconds`.

Job and CronJob pods are only checked for (a) on liveness, because readiness gates nothing
there. A readiness delay shorter than the period is not reported: the first probe lands
somewhere in `[initialDelaySeconds, initialDelaySeconds + periodSeconds)` anyway, so such a
delay changes Ready by less than the phase of the probe ticker already does.

## Why is this bad?
(a) The kubelet skips a probe while less than `initialDelaySeconds` has passed since the
**container started**, and this clock runs in parallel with the startup probe: liveness and
readiness do not run before the startup probe succeeds anyway. The delay is redundant while the
application is still starting, and when it starts sooner, it only postpones the first liveness
check or the moment the pod becomes Ready. The documentation says the delay counts from startup
success, which is not what the kubelet code does (kubernetes/website#42539; the code change in
kubernetes/kubernetes#119666 was closed unmerged), so the value is usually based on a wrong
model.

(b) A readiness probe that fails while the application boots costs nothing: the pod is simply
not Ready yet, nothing is restarted. A delay only makes the pod wait: the first probe runs
somewhere between `initialDelaySeconds` and `initialDelaySeconds + periodSeconds` after the
container started, even if the application was ready long before. This slows every rollout,
scale-up and restart by up to that much.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: catalog}
spec:
  template:
    spec:
      containers:
        - name: catalog
          image: example/catalog:3.1
          startupProbe:
            httpGet: {path: /livez, port: 8080}
            periodSeconds: 5
            failureThreshold: 24
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            initialDelaySeconds: 60
```

```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: catalog}
spec:
  template:
    spec:
      containers:
        - name: catalog
          image: example/catalog:3.1
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            initialDelaySeconds: 30
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: catalog}
spec:
  template:
    spec:
      containers:
        - name: catalog
          image: example/catalog:3.1
          startupProbe:
            httpGet: {path: /livez, port: 8080}
            periodSeconds: 5
            failureThreshold: 24
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
```

## Options
None.

## Fix safety
Safe, and always offered: the fix removes the `initialDelaySeconds` key. 0 is its default, so
the shortest text that says "no delay" is no key at all, and a removed key cannot be mistaken
for a tuned value later. It writes `initialDelaySeconds: 0` instead where removing the key
would not give 0: when the delay is merged from an anchor (`<<: *defaults`, where the other
users of the anchor keep theirs), when the key is written twice, or when it is the probe's only
key. With a startup probe, liveness and readiness still wait for startup to succeed; without
one, readiness failures during boot are harmless. A liveness `initialDelaySeconds` without a
startup probe is left alone, because it is what protects startup there (see PL103 for the
better fix).

## References
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes
- kubelet `pkg/kubelet/prober/worker.go` (the initial delay is measured from the container's
  start time)
- kubernetes/website#42539 and kubernetes/kubernetes#119666 (documentation versus code)
"""
from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import ScalarNode

from probelint.model import Finding, Fix
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container
from probelint.yamlnode import TAG_MERGE

RULE = Rule(
    code="PL208",
    name="initial-delay-misuse",
    summary="initialDelaySeconds that is redundant with a startup probe or only postpones Ready",
    level="info",
    fix="always",
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    is_job = container.workload.is_job
    startup = container.probes.get("startup")
    if startup is not None:
        for kind in ("liveness",) if is_job else ("liveness", "readiness"):
            probe = container.probes.get(kind)
            if probe is None or probe.initial_delay <= 0:
                continue
            delay = probe.initial_delay
            effect = ("postpones the first liveness check" if kind == "liveness"
                      else "postpones Ready")
            yield ctx.probe_finding(
                probe,
                f"initialDelaySeconds is {delay} but the container has a startupProbe, which already holds "
                f"this probe back until startup succeeds: the kubelet counts the delay from container start, "
                f"in parallel with the startup probe, so it is redundant, and when startup succeeds sooner it "
                f"only {effect} until {delay}s after start; set initialDelaySeconds to 0",
                field="initialDelaySeconds",
                fix=zero_delay_fix(ctx, probe),
            )
        return
    if is_job:
        return
    readiness = container.probes.get("readiness")
    if readiness is None:
        return
    delay, period = readiness.initial_delay, readiness.period
    # The first probe lands in [D, D+P) whatever D is: a delay below one period only shifts
    # the probe phase, which is arbitrary anyway (K1).
    if delay <= 0 or delay < period:
        return
    yield ctx.probe_finding(
        readiness,
        f"initialDelaySeconds is {delay} ({readiness.describe('periodSeconds')}): readiness failures while "
        f"the application starts cost nothing "
        f"(the pod is simply not Ready yet), so the delay only postpones Ready, with the first probe "
        f"between {delay}s and {delay + period}s after container start even when the application is up "
        f"sooner; set initialDelaySeconds to 0",
        field="initialDelaySeconds",
        fix=zero_delay_fix(ctx, readiness),
    )


def zero_delay_fix(ctx: RuleContext, probe: Probe) -> Fix | None:
    """Remove ``initialDelaySeconds``: 0 is its default, so the shortest correct text has no key.

    The key is set to 0 instead when removing it would not give 0: when the delay comes from a
    merged mapping (``<<: *defaults``), when the key is written twice (the last one counts), or
    when it is the probe's only key (removing it would leave an empty block, which is null).
    """
    written = [key for key, _value in probe.node.value
               if isinstance(key, ScalarNode) and key.value == "initialDelaySeconds" and key.tag != TAG_MERGE]
    if len(written) == 1 and len(probe.node.value) > 1:
        return ctx.probe_fix(probe, "Remove initialDelaySeconds", {"initialDelaySeconds": None})
    return ctx.probe_fix(probe, "Set initialDelaySeconds to 0", {"initialDelaySeconds": 0})
