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
Sometimes available, and safe: the values come from the manifest alone. An exec probe gets
`periodSeconds: 5` and a network liveness probe `periodSeconds: 10` (the default), or, when
`timeoutSeconds` is not below that, the period PL204 asks for
(`timeoutSeconds + max(2, ⌈0.2 × timeoutSeconds⌉)`), so that the two rules agree. A startup
probe also gets the `failureThreshold` that keeps its startup budget (the documented one and
the one guaranteed whatever the probe phase). A longer period makes detection slower; the
message gives the new worst-case detection time. A network readiness probe gets no automatic
value: it decides how fast a failing pod leaves the endpoints, so the message only asks for 2
or more.

## References
- https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes (exec probe
  cost)
- kubernetes/kubernetes#89898 and #115143 (probe connections in TIME-WAIT; 1 s linger)
- kubernetes/kubernetes#110070, #124226 (exec probe processes accumulating after timeouts)
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint.model import Finding
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.rules.timeout_not_less_than_period import fixed_period
from probelint.timing import hang_detection
from probelint.timing_fixes import fix_title, startup_threshold
from probelint.workloads import Container

MIN_EXEC_PERIOD = 5
MIN_NETWORK_PERIOD = 2
LIVENESS_PERIOD = 10
NETWORK_HANDLERS = ("httpGet", "tcpSocket", "grpc")
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
        values = proposal(probe)
        if probe.handler == "exec" and period < MIN_EXEC_PERIOD:
            cost = (f"periodSeconds is {period} on an exec probe: the kubelet starts a process in the container "
                    f"every {period}s ({per_day}), charged to the container's CPU and memory limits")
        elif probe.handler in NETWORK_HANDLERS and kind in ("liveness", "readiness") and period < MIN_NETWORK_PERIOD:
            cost = (f"periodSeconds is {period}: every probe opens a new connection to the pod ({per_day} per "
                    f"container; the kubelet disables keep-alive), which uses ephemeral ports and conntrack "
                    f"entries on the node")
        else:
            continue
        if values is None:
            # A readiness period decides how fast a failing pod leaves the endpoints: no value for it.
            yield ctx.probe_finding(probe, f"{cost}; use periodSeconds {MIN_NETWORK_PERIOD} or more",
                                    field="periodSeconds")
            continue
        new_period = values["periodSeconds"]
        advice = f"use periodSeconds {new_period}"
        if "failureThreshold" in values:
            threshold = values["failureThreshold"]
            advice += (f" with failureThreshold {threshold}, which keeps the startup budget "
                       f"({probe.failure_threshold} × {period}s becomes {threshold} × {new_period}s)")
        advice += _detection(probe, new_period)
        if probe.timeout >= (MIN_EXEC_PERIOD if probe.handler == "exec" else LIVENESS_PERIOD):
            advice += f"; more than timeoutSeconds {probe.timeout}, so that probes do not run back to back (PL204)"
        yield ctx.probe_finding(
            probe,
            f"{cost}; {advice}",
            field="periodSeconds",
            fix=ctx.probe_fix(probe, fix_title(values), values),
        )


def proposal(probe: Probe) -> dict[str, int] | None:
    """The fields this rule's fix sets on ``probe``, or None (not reported, or no fix).

    An exec probe gets periodSeconds 5 and a network liveness probe 10, or more when the timeout
    is not below that (PL204's period for the timeout, so that the two rules agree). A startup
    probe also gets the failureThreshold that keeps its startup budget.
    """
    period, timeout = probe.period, probe.timeout
    if probe.handler == "exec" and period < MIN_EXEC_PERIOD:
        target = MIN_EXEC_PERIOD
    elif probe.handler in NETWORK_HANDLERS and probe.type == "liveness" and period < MIN_NETWORK_PERIOD:
        target = LIVENESS_PERIOD
    else:
        return None
    new_period = target if timeout < target else fixed_period(timeout)
    values = {"periodSeconds": new_period}
    if probe.type == "startup":
        threshold = startup_threshold(period, probe.failure_threshold, new_period)
        if threshold != probe.failure_threshold:
            values["failureThreshold"] = threshold
    return values


def _detection(probe: Probe, period: int) -> str:
    if probe.type == "startup":
        return ""
    low, high = hang_detection(period, probe.timeout, probe.failure_threshold)
    what = "restarted" if probe.type == "liveness" else "marked unready"
    return f" (a hung container is then {what} after {low}-{high}s)"
