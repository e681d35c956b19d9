"""
## What it does
Checks that a numeric `httpGet.port`, `tcpSocket.port` or `grpc.port` of a probe is a
`containerPort` of the same container, when that container declares ports at all. Probes of
regular containers and native sidecars are checked (a probe on a plain init container is
PL005's concern); named ports are PL006's, and numbers outside 1-65535 are PL003's.

Pods injected by Istio are looked through: the injector moves every application probe to the
sidecar agent (`/app-health/<container>/...` on port 15020) and the proxy's own probes use
port 15021, and neither port is the application's to declare. Probes on 15020 or 15021 are
therefore not reported in a pod that has an `istio-proxy` container or an
`ISTIO_KUBE_APP_PROBERS` table.

A port that the container's own `command`, `args` or a literal `env` value names
(`--health-probe-bind-address=:8081`, `DD_HEALTH_PORT=5555`) was chosen on purpose and is
neither a typo nor stale, so it is not reported either.

## Why is this bad?
A container that lists its ports and probes a port that is not in the list usually has a typo
(`8008` for `8080`) or a port that changed in one place only. If nothing listens on the probed
port, the probe fails with "connection refused": a readiness probe keeps the pod out of every
Service, a liveness or startup probe restarts the container over and over. The `ports` list is
informational ("Not specifying a port here DOES NOT prevent that port from being exposed"),
so a probe on an undeclared port that does listen works; this is advice (info), the idea of
kube-linter's `liveness-http-port` check. A probe on a port that another container of the
pod declares reaches that container (they share the pod's network), not this one.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - {name: http, containerPort: 8080}
          livenessProbe:
            httpGet: {path: /livez, port: 8008}
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - {name: http, containerPort: 8080}
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
```

## Options
None.

## Fix safety
Unsafe, and offered when no other container of the pod declares the port: add a `ports` entry
with `containerPort` set to the probed port. That assumes the probe's number is right; if it
is a typo, correct the probe's port instead. When another container declares the port, adding
it here too would declare it twice in the pod, so no fix is offered.

## References
- kube-linter, `liveness-http-port` (`pkg/templates/livenessport/template.go`)
- https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#ports
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
- https://istio.io/latest/docs/ops/configuration/mesh/app-health-check/
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint import istio
from probelint.model import Finding
from probelint.probes import is_int
from probelint.rule import Rule, RuleContext
from probelint.workloads import POD_PORT_LIMIT, Container, Port, Workload

RULE = Rule(
    code="PL401",
    name="probe-port-not-declared",
    summary="A probe's numeric port is not a containerPort of the container",
    level="info",
    scope="container",
    fix="sometimes",
)
PORT_HANDLERS = ("httpGet", "tcpSocket", "grpc")
ISTIO_AGENT_PORTS = frozenset({15020, 15021})  # pilot agent: rewritten app probes, proxy readiness
ISTIO_PROXY = "istio-proxy"


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    declared = [p for p in container.ports if p.number is not None]
    if not declared:
        return
    numbers = {p.number for p in declared}
    for probe in container.probes.values():
        handler = probe.handler
        if handler not in PORT_HANDLERS:
            continue
        port = probe.port
        if not is_int(port) or not 0 < port <= POD_PORT_LIMIT or port in numbers:
            continue
        if port in ISTIO_AGENT_PORTS and _istio_injected(container.workload):
            continue
        if container.mentions_port(port):
            continue  # set on purpose (--health-port=8081, DD_HEALTH_PORT=5555): neither a typo nor stale
        listed = ", ".join(_describe(p) for p in declared)
        other = next((c for c in container.workload.containers
                      if c is not container and c.is_regular and c.declared_port(port) is not None), None)
        if other is not None:
            advice = (f'; port {port} is declared by {"native sidecar" if other.role == "sidecar" else "container"} '
                      f'"{other.name}", and the probe reaches that container through the shared pod network, '
                      f"not this one")
        else:
            advice = f"; if {port} is right, add a ports entry for it, otherwise correct the probe's port"
        yield ctx.probe_finding(
            probe,
            f"{handler}.port {port} is not a containerPort of this container (it declares {listed}){advice}",
            at=probe.port_node(),
            fixable=other is None,
        )


def _istio_injected(workload: Workload) -> bool:
    return any(c.name == ISTIO_PROXY for c in workload.containers) or bool(istio.app_probers(workload))


def _describe(port: Port) -> str:
    return f"{port.name} ({port.number})" if port.name else str(port.number)
