"""
## What it does
Checks every port of each Service that selects a long-running pod (same namespace, non-empty
`spec.selector` matching the pod template's labels, from any file of the run) against the
ports of the pod's regular containers (`containers` and native sidecars, which is where the
endpoints controller looks):

- a **named** `targetPort` must be the `name` of a port of one of those containers;
- a **numeric** `targetPort` (or an absent one, which defaults to `port`) must be a
  `containerPort` of one of them. The `ports` list is informational, so this is only checked
  when every regular container (other than `pause` containers) declares ports (a container
  without a `ports` list may be the one listening), and a port named by a container's
  `command`, `args` or literal `env` value (`--port 18080`, `--metrics-bind-address=:8443`)
  counts as declared.

Jobs, CronJobs and bare Pods that run to completion are skipped, and so are pods whose only
containers are `pause` containers. Each (Service, port) is reported once per workload; a
Service found in several files (same namespace and name) counts once, the copy in the
workload's own file first. When the Service is in the same file as the workload, the finding
points at its `targetPort` (at the port entry when `targetPort` is absent); when it is in
another file, the finding points at the workload's container `ports` and the message gives
the Service's file and line.

## Why is this bad?
A Service finds the pod's port by looking the `targetPort` name up in the pod's containers
(`FindPort`). A name that no container declares cannot be resolved, so the endpoints
controller leaves that port out for these pods: the Service, and everything behind it
(Ingress, ServiceMonitor), gets no endpoints from them on that port, while the pods look
healthy and Ready. A numeric `targetPort` is used as is: if nothing listens there, every
connection is refused. When the containers carefully declare their ports and the Service
points somewhere else, the usual cause is a typo or a port that moved in one place only.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: example/web:1.4
          ports:
            - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
    - {port: 80, targetPort: web}
```

```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
        - name: api
          image: example/api:2.0
          ports:
            - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports:
    - {port: 80, targetPort: 8008}
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: example/web:1.4
          ports:
            - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports:
    - {port: 80, targetPort: http}
```

## Options
None. The namespace of objects without `metadata.namespace` is the run's `--namespace`
(default `default`).

## Fix safety
No fix: whether the Service or the pod is wrong, and which port was meant, cannot be known
from the manifests.

## References
- Kubernetes `FindPort` (`pkg/api/v1/pod/util.go`), used by the EndpointSlice controller to
  resolve `targetPort` for each pod, including native sidecars
- https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service
- https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#ports
  ("Not specifying a port here DOES NOT prevent that port from being exposed")
"""
from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import Node

from probelint.model import Finding
from probelint.rule import Rule, RuleContext
from probelint.services import target_number, unique_services
from probelint.workloads import Container, Workload

RULE = Rule(
    code="PL403",
    name="service-target-port-not-found",
    summary="A selecting Service's targetPort is not a port of the pod's containers",
    level="warning",
    scope="services",
    fix="never",
)


def check(ctx: RuleContext, workload: Workload) -> Iterator[Finding]:
    if not workload.is_long_running or ctx.services is None:
        return
    regular = workload.regular_containers
    serving = [c for c in regular if not c.is_pause]
    if not serving:
        return
    every_declares = all(c.numbered_ports for c in serving)
    seen: set[tuple] = set()
    for service in unique_services(ctx.services.selecting(workload.namespace, workload.labels), workload):
        for sp in service.ports:
            key = (service.namespace, service.name, sp.port, str(sp.target_port))
            if key in seen:
                continue
            seen.add(key)
            target = target_number(sp.target_port)
            if target is None and isinstance(sp.target_port, str) and sp.target_port and not sp.target_port.isdigit():
                if any(p.name == sp.target_port for c in regular for p in c.ports):
                    continue
                problem = (f'targets port "{sp.target_port}", which is not a port name of any container '
                           f"of this pod ({declared_text(regular)}): the endpoints controller cannot resolve it, "
                           f"so the Service sends no traffic to these pods on that port")
            elif target is not None and every_declares:
                if any(p.number == target for c in regular for p in c.ports):
                    continue
                if any(c.mentions_port(target) for c in serving):
                    continue  # the command line or environment sets the listener: declared elsewhere
                problem = (f"targets port {target}, which is not a containerPort of any container of this pod "
                           f"({declared_text(regular)}): traffic goes to a port nothing declares; check for a "
                           f"typo or a port changed in one place only")
            else:
                continue
            port = f"port {sp.port}" if sp.port is not None else "a port"
            name = f' ("{sp.name}")' if sp.name else ""
            message = f'Service "{service.name}"{service.elsewhere(workload.path, sp.line)} {port}{name} {problem}'
            yield ctx.service_finding(service, sp.node, message, fallback=ports_anchor(serving))


# -- message helpers shared with PL402 and PL404 ----------------------------------------
def declared_text(containers: list[Container]) -> str:
    described = []
    for container in containers:
        ports = [_describe(p.name, p.number) for p in container.ports if p.number is not None or p.name]
        if not ports:
            continue
        text = ", ".join(ports)
        described.append(f'"{container.name}": {text}' if len(containers) > 1 else text)
    if not described:
        return "it declares no ports"
    return "it declares " + "; ".join(described)


def _describe(name: str | None, number: int | None) -> str:
    if name and number is not None:
        return f"{name} ({number})"
    return name or str(number)


def ports_anchor(containers: list[Container]) -> Node:
    """The ``ports`` key of the first container that has one, else the first container's name."""
    for container in sorted(containers, key=lambda c: c.role != "container"):
        key = container.map.key_node("ports")
        if key is not None:
            return key
    main = next((c for c in containers if c.role == "container"), containers[0])
    return main.anchor
