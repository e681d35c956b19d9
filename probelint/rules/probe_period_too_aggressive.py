"""
## What it does
Reports probes that run very often: an exec probe (liveness, readiness or startup) with an
effective `periodSeconds` below 5, and an `httpGet`, `tcpSocket` or `grpc` liveness or
readiness probe with an effective `periodSeconds` below 2. Startup probes with a network
handler are left alone: they stop once the container has started.

## Why is this bad?
An exec probe starts a process inside the container through the container runtime on every
run; it is charged to the container's CPU and memory limits and costs node CPU besides, and
processes of probes that time out can pile up. A network probe opens a new connection every
time (the kubelet disables keep-alive), so a one-second probe on every pod of a node burns
ephemeral ports and conntrack entries, each lingering after close. Probing every second
rarely buys anything: hang detection also waits for `failureThreshold` failures, and a short
period with a small threshold mostly makes false restarts more likely.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: queue}
spec:
  template:
    spec:
      containers:
        - name: queue
          image: example/queue:2.0
          livenessProbe:
            exec: {command: [/bin/check-health]}
            periodSeconds: 2
            timeoutSeconds: 1
```

```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          image: example/api:1.0
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            periodSeconds: 1
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: queue}
spec:
  template:
    spec:
      containers:
        - name: queue
          image: example/queue:2.0
          livenessProbe:
            exec: {command: [/bin/check-health]}
            periodSeconds: 5
            timeoutSeconds: 3
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            periodSeconds: 2
```

## Options
None.

## Fix safety
Sometimes available. An exec probe gets `periodSeconds: 5` and a network liveness probe
`periodSeconds: 10` (the default); both make detection slower, and the message gives the new
worst-case detection time. A network readiness probe gets no automatic value: it decides how
fast a failing pod leaves the endpoints, so the message only asks for 2 or more.

## References
- https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes (exec probe
  cost)
- kubernetes/kubernetes#89898 and #115143 (probe connections in TIME-WAIT; 1 s linger)
- kubernetes/kubernetes#110070, #124226 (exec probe processes accumulating after timeouts)
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint.model import Finding
from probelint.rule import Rule, RuleContext
from probelint.timing import hang_detection
from probelint.workloads import Container

MIN_EXEC_PERIOD = 5
MIN_NETWORK_PERIOD = 2
LIVENESS_PERIOD = 10
SECONDS_PER_DAY = 86_400

RULE = Rule(
    code="PL212",
    name="probe-period-too-aggressive",
    summary="Probe period so short that probing itself costs CPU, ports and connection tracking",
    level="info",
    fix="sometimes",
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    for kind, probe in container.probes.items():
        period = probe.period
        per_day = f"{SECONDS_PER_DAY // period:,} a day"
        if probe.handler == "exec" and period < MIN_EXEC_PERIOD:
            yield ctx.probe_finding(
                probe,
                f"periodSeconds is {period} on an exec probe: the kubelet starts a process in the container every "
                f"{period}s ({per_day}), charged to the container's CPU and memory limits; "
                f"use periodSeconds {MIN_EXEC_PERIOD}{_detection(probe, MIN_EXEC_PERIOD)}",
                field="periodSeconds",
                fixable=True,
            )
        elif probe.handler in ("httpGet", "tcpSocket", "grpc") and kind in ("liveness", "readiness") \
                and period < MIN_NETWORK_PERIOD:
            cost = (f"periodSeconds is {period}: every probe opens a new connection to the pod ({per_day} per "
                    f"container; the kubelet disables keep-alive), which uses ephemeral ports and conntrack "
                    f"entries on the node")
            if kind == "liveness":
                yield ctx.probe_finding(
                    probe,
                    f"{cost}; use periodSeconds {LIVENESS_PERIOD}{_detection(probe, LIVENESS_PERIOD)}",
                    field="periodSeconds",
                    fixable=True,
                )
            else:
                yield ctx.probe_finding(
                    probe,
                    f"{cost}; use periodSeconds {MIN_NETWORK_PERIOD} or more",
                    field="periodSeconds",
                )


def _detection(probe, period: int) -> str:
    if probe.type == "startup":
        return ""
    low, high = hang_detection(period, probe.timeout, probe.failure_threshold)
    what = "restarted" if probe.type == "liveness" else "marked unready"
    return f" (a hung container is then {what} after {low}-{high}s)"
