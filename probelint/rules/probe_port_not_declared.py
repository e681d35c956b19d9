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
Sometimes available, and unsafe: a `ports` entry with `containerPort` set to the probed port
is added at the end of the container's `ports` list. That assumes the probe's number is
right; if it is a typo or stale, the entry hides it. Declaring a port also has effects of
its own: it becomes a target for tools that discover pods by their declared ports, and in a
`hostNetwork` pod API defaulting turns it into a `hostPort` that the scheduler reserves on
the node. The fix is offered only when adding the entry is the one concrete proposal:

- not when another container of the pod declares the port (the probe reaches that
  container; declaring it here too would declare it twice in the pod);
- not when the port is one digit away from a declared one (`8008` and `8080`, `5433` and
  `5432`): it may as well be a typo of that port, so the message proposes both and the
  choice is left to the owner;
- not when an entry of the list has no usable `containerPort` (a misspelt key, a quoted
  number): that entry may be the declaration meant for this port.

The entry is appended in the list's own style; the other entries and their comments stay as
written.

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
        near = sorted(n for n in numbers if _one_digit_off(str(port), str(n)))
        declare = False
        if other is not None:
            advice = (f'; port {port} is declared by {"native sidecar" if other.role == "sidecar" else "container"} '
                      f'"{other.name}", and the probe reaches that container through the shared pod network, '
                      f"not this one")
        elif near:
            # Two concrete proposals compete (declare this port, or correct it to the one it
            # resembles), so none is applied.
            shown = " or ".join(str(n) for n in near)
            advice = (f"; {port} is one digit away from the declared {shown}: if it is a typo, correct the probe's "
                      f"port, otherwise add a ports entry for {port}")
        else:
            advice = f"; if {port} is right, add a ports entry for it, otherwise correct the probe's port"
            # An entry without a usable containerPort (misspelt, quoted) may be this port's
            # declaration; it is corrected there (PL009), not declared a second time.
            declare = all(p.number is not None for p in container.ports)
        fix = None
        if declare:
            builder = ctx.fix(f"Add containerPort {port} to the ports of container {container.name}", unsafe=True,
                              scope=container.node)
            fix = builder.add_item(container.node, "ports", {"containerPort": port}).build()
        yield ctx.probe_finding(
            probe,
            f"{handler}.port {port} is not a containerPort of this container (it declares {listed}){advice}",
            at=probe.port_node(),
            fix=fix,
        )


def _one_digit_off(a: str, b: str) -> bool:
    """One digit changed, added, dropped, or two neighbours swapped (``8008`` for ``8080``)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _istio_injected(workload: Workload) -> bool:
    return any(c.name == ISTIO_PROXY for c in workload.containers) or bool(istio.app_probers(workload))


def _describe(port: Port) -> str:
    return f"{port.name} ({port.number})" if port.name else str(port.number)
