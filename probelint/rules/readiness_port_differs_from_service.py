"""
## What it does
Compares the port a container's `readinessProbe` checks with the ports that the Services
selecting the pod send traffic to. A Service selects the pod when it is in the same namespace
and its non-empty `spec.selector` matches the pod template's labels; it may come from any file
of the run. The rule reports a readiness probe whose port (a named port is resolved against
the container's own `ports`) is none of the target ports of the selecting Services, when at
least one of them sends traffic to the probed container.

A Service port is routed to the container that declares its `targetPort` (by name, looked up
like Kubernetes does: regular containers, then native sidecars; or by number). A numeric
`targetPort` that no container declares is attributed to the pod's only container, or to its
only container without a `ports` list; otherwise the owner is unknown and the port is not
compared. Only the owner's readiness probe is compared with that Service port: in a pod whose
sidecar has its own readiness probe on its own port, the sidecar is not reported for the
application's Service.

A probe on any port of any selecting Service is accepted, whatever its name: a pod has one
readiness probe per container, and one that checks a port the Services serve (the main port
of one Service, the `http-metrics` port on which some applications serve their API) is doing
its job, even if a second Service routes a webhook or a gossip port. A Service is not listed
when all it sends the container are ports readiness does not answer for: UDP and SCTP ports
(no probe handler speaks them) and metrics ports (the Service port or its named `targetPort`
named like `metrics`, `http-metrics`, `prometheus`). All the Services are named in one finding.

Not reported: Services with `publishNotReadyAddresses: true` (readiness does not gate them,
see PL404); Services that only expose metrics or profiling (every port named like `metrics`,
`http-metrics`, `prometheus`, or a Service named `*-metrics`), which are scraped rather than
called; exec probes; probes whose named port does not resolve (PL006); Jobs, CronJobs and
bare Pods that run to completion. A probe rewritten by Istio (`/app-health/<container>/readyz`
on the sidecar agent's port) is compared through the original port recorded in the sidecar's
`ISTIO_KUBE_APP_PROBERS`.

## Why is this bad?
Readiness decides whether the pod receives the Service's traffic, so it should answer for the
port that serves that traffic. A probe on an admin or management port can keep passing while
the serving port is saturated, deadlocked or not listening yet (its thread pool, listener or
TLS setup is separate), and the pod stays in the endpoints and keeps receiving requests it
cannot answer. Henning Jacobs' advice: "when using an admin or management port for your
readinessProbe, make sure that the endpoint only returns OK if the main HTTP port is ready".
This is advice (info): a management endpoint that checks the main listener is fine.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders}
spec:
  selector:
    matchLabels: {app: orders}
  template:
    metadata:
      labels: {app: orders}
    spec:
      containers:
        - name: orders
          image: example/orders:3.1
          ports:
            - {name: http, containerPort: 8080}
            - {name: management, containerPort: 8081}
          readinessProbe:
            httpGet: {path: /actuator/health/readiness, port: management}
---
apiVersion: v1
kind: Service
metadata: {name: orders}
spec:
  selector: {app: orders}
  ports:
    - {port: 80, targetPort: http}
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: orders}
spec:
  selector:
    matchLabels: {app: orders}
  template:
    metadata:
      labels: {app: orders}
    spec:
      containers:
        - name: orders
          image: example/orders:3.1
          ports:
            - {name: http, containerPort: 8080}
            - {name: management, containerPort: 8081}
          readinessProbe:
            httpGet: {path: /readyz, port: http}
---
apiVersion: v1
kind: Service
metadata: {name: orders}
spec:
  selector: {app: orders}
  ports:
    - {port: 80, targetPort: http}
```

## Options
None. The namespace of objects without `metadata.namespace` is the run's `--namespace`
(default `default`).

## Fix safety
No fix: moving the probe to the serving port needs an endpoint there, and a management
endpoint that already checks the main listener is correct as it is.

## References
- Henning Jacobs, "Kubernetes Liveness Probes are Dangerous" (2019), on readiness probes on
  admin or management ports
- https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#when-should-you-use-a-readiness-probe
- Kubernetes `FindPort` (`pkg/api/v1/pod/util.go`), how a Service's `targetPort` is resolved
  in a pod
- https://istio.io/latest/docs/ops/configuration/mesh/app-health-check/
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint import istio
from probelint.model import Finding
from probelint.probes import Probe, is_int
from probelint.rule import Rule, RuleContext
from probelint.services import (
    MONITORING_PORT,
    Service,
    monitoring_only,
    resolve_target,
    unique_services,
)
from probelint.workloads import Container, Workload

RULE = Rule(
    code="PL402",
    name="readiness-port-differs-from-service",
    summary="The readiness probe checks a port that the selecting Service does not send traffic to",
    level="info",
    scope="services",
    fix="never",
)
PORT_HANDLERS = ("httpGet", "tcpSocket", "grpc")


def check(ctx: RuleContext, workload: Workload) -> Iterator[Finding]:
    if not workload.is_long_running or ctx.services is None:
        return
    selecting = ctx.services.selecting(workload.namespace, workload.labels)
    services = [s for s in unique_services(selecting, workload) if not s.publish_not_ready and not monitoring_only(s)]
    if not services:
        return
    fallback = _fallback_owner([c for c in workload.regular_containers if not c.is_pause])
    for container in workload.regular_containers:
        probe = container.probes.get("readiness")
        if probe is None:
            continue
        checked = readiness_port(probe)
        if checked is None:
            continue
        port, via_istio = checked
        differing: list[tuple[Service, list[str]]] = []
        served: set[int] = set()
        for service in services:
            targets, routed = _targets(service, workload, container, fallback)
            served |= targets
            if routed:
                differing.append((service, routed))
        if port in served:
            continue
        if differing:
            yield ctx.probe_finding(probe, _message(probe, port, via_istio, differing, workload), at=probe.port_node())


def _targets(service: Service, workload: Workload, container: Container,
             fallback: Container | None) -> tuple[set[int], list[str]]:
    """Every TCP port the Service sends to, and the ones served by ``container`` that readiness
    answers for, described. UDP and SCTP ports are left out (no probe speaks them), and so are
    metrics ports from the described ones (scraped, not called)."""
    targets: set[int] = set()
    routed: list[str] = []
    for sp in service.ports:
        resolved = resolve_target(sp.target_port, workload)
        if resolved is None:
            continue  # a name no container declares: PL403
        number, owner, declared = resolved
        if declared is not None and declared.protocol.upper() != "TCP":
            continue  # httpGet, tcpSocket and grpc probes only speak TCP
        targets.add(number)
        if (owner or fallback) is not container:
            continue
        named = isinstance(sp.target_port, str) and not sp.target_port.isdigit()
        if any(name and MONITORING_PORT.search(name) for name in (sp.name, sp.target_port if named else None)):
            continue  # scraped, not called: readiness need not answer for it
        routed.append(f'"{sp.target_port}" = {number}' if named else str(number))
    return targets, routed


def readiness_port(probe: Probe) -> tuple[int, bool] | None:
    """The port the readiness probe checks in the application, and whether Istio rewrote it."""
    if probe.handler not in PORT_HANDLERS:
        return None
    http = probe.http
    if http is not None:
        match = istio.REWRITE.match(http.path)
        if match is not None:
            original = istio.app_probers(probe.container.workload).get(http.path)
            if not isinstance(original, dict):
                return None
            owner = next((c for c in probe.container.workload.containers if c.name == match.group("container")), probe.container)
            for handler in PORT_HANDLERS:
                spec = original.get(handler)
                if isinstance(spec, dict):
                    value = spec.get("port")
                    if is_int(value):
                        return value, True
                    if isinstance(value, str) and value and not value.isdigit():
                        number = owner.port_by_name(value)
                        return (number, True) if number is not None else None
            return None
    port = probe.resolved_port
    return (port, False) if port is not None else None


def _fallback_owner(serving: list[Container]) -> Container | None:
    """Who serves a numeric targetPort that no container declares: the only container, or the
    only one without a ``ports`` list; None when that cannot be told."""
    if len(serving) == 1:
        return serving[0]
    undeclared = [c for c in serving if not c.numbered_ports]
    return undeclared[0] if len(undeclared) == 1 else None


def _message(probe: Probe, port: int, via_istio: bool, differing: list[tuple[Service, list[str]]],
             workload: Workload) -> str:
    written = probe.port
    if via_istio:
        checks = f"the probe checks port {port} (the original probe behind Istio's rewrite to the sidecar agent)"
    elif isinstance(written, str):
        checks = f'{probe.handler}.port "{written}" checks port {port}'
    else:
        checks = f"{probe.handler}.port {port}"
    described = []
    for service, routed in differing:
        noun = "targetPort" if len(routed) == 1 else "targetPorts"
        described.append(f'"{service.name}"{service.where(workload.path)}: {noun} {", ".join(routed)}')
    if len(differing) == 1:
        whose = f"Service {described[0]}"
    else:
        whose = f"Services {'; '.join(described)}"
    return (
        f"{checks}, which is not where the selecting {'Service sends' if len(differing) == 1 else 'Services send'} "
        f"this container's traffic ({whose}): the probe can pass while the serving port is overloaded or not "
        f"listening, and the pod stays in the endpoints; probe the serving port, or make sure the endpoint on "
        f"{port} only reports ready when the serving port can take requests"
    )
