"""
## What it does
Reports a liveness or readiness probe that uses `tcpSocket` (readiness probes of Job and
CronJob pods are skipped; startup probes are not reported, since "the port is open" is a fair
sign that startup finished). When the container declares a port that speaks HTTP or gRPC (a
port named `http`, `http2`, `h2c` or `grpc`, alone or with a `-suffix` as in `http-api`, or
with `appProtocol` `http`, `http2`, `h2c`, `kubernetes.io/h2c` or `grpc`), the message names
it as the better endpoint.

Probes rewritten by Istio's sidecar injector are `httpGet` probes on the agent and are not
reported. When the pod runs an `istio-proxy` sidecar and a `tcpSocket` probe is left as
written (probe rewriting is off), the message says that the probe cannot fail.

## Why is this bad?
A TCP probe succeeds as soon as the connection is established: "If the remote system (the
container) closes the connection immediately after it opens, this counts as healthy". The
kernel completes the handshake into the listen backlog by itself, even when the application
never calls `accept()`, so a process whose request threads are deadlocked or exhausted keeps
passing: liveness never restarts it and readiness keeps sending it traffic. (This follows from
TCP semantics rather than from a Kubernetes source.) An HTTP or gRPC health check needs the
application to read the request and answer it. With an Istio sidecar and probe rewriting
disabled, the sidecar accepts every inbound connection, so "all TCP ports appear open" and the
probe always succeeds.

For servers that only speak their own protocol (databases, caches, DNS), a TCP probe may be
the best the kubelet can do natively; this is advice, and the level is `info`.

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
          image: example/web:1.0
          ports:
            - {name: http, containerPort: 8080}
          livenessProbe:
            tcpSocket: {port: http}
          readinessProbe:
            tcpSocket: {port: http}
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
          image: example/web:1.0
          ports:
            - {name: http, containerPort: 8080}
          livenessProbe:
            httpGet: {path: /livez, port: http}
          readinessProbe:
            httpGet: {path: /readyz, port: http}
```

## Options
None.

## Fix safety
No automatic fix. A declared HTTP or gRPC port says what the port speaks, not that the
application serves a health check there: an `httpGet` needs a path that answers 200 to 399
without authentication, a `grpc` probe needs the gRPC health service
(`grpc.health.v1.Health`), and neither the manifest nor the service profile (which holds
latency and startup figures, not endpoints) names one. Writing `/` or `/healthz` would be a
guess that can turn a working probe into one that always fails. The message names the port
to use; choose the endpoint yourself. gRPC probes need Kubernetes 1.24 or later, so they are
only suggested for that target version.

## References
- Kubernetes, "Pod Lifecycle" (TCP probe semantics):
  https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/
- Kubernetes, "Configure Liveness, Readiness and Startup Probes" (TCP and gRPC probes):
  https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
- Istio, "Health Checking of Istio Services":
  https://istio.io/latest/docs/ops/configuration/mesh/app-health-check/
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from probelint.model import Finding
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container, Port

RULE = Rule(
    code="PL309",
    name="tcp-probe-weak-signal",
    summary="A liveness or readiness probe only checks that a TCP port accepts connections",
    level="info",
    fix="never",
)

GRPC_PROBE_VERSION = (1, 24)
ISTIO_PROXY = "istio-proxy"
# Port names that declare the protocol (Istio's `<protocol>[-<suffix>]` convention).
_HTTP_NAME = re.compile(r"^(?:http|http2|h2c)(?:-.*)?$")
_GRPC_NAME = re.compile(r"^grpc(?:-(?!web(?:-|$)).*)?$")  # grpc-web is HTTP/1.1 for browsers
HTTP_APP_PROTOCOLS = frozenset({"http", "http2", "h2c", "kubernetes.io/h2c"})
GRPC_APP_PROTOCOLS = frozenset({"grpc"})


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    sidecar = container.name != ISTIO_PROXY and any(c.name == ISTIO_PROXY for c in container.workload.containers)
    for kind in ("liveness", "readiness"):
        probe = container.probes.get(kind)
        if probe is None or probe.handler != "tcpSocket":
            continue
        if kind == "readiness" and container.workload.is_job:
            continue
        yield _finding(ctx, probe, sidecar)


def _finding(ctx: RuleContext, probe: Probe, sidecar: bool) -> Finding:
    port = probe.resolved_port
    if isinstance(probe.port, str):
        shown = f'port "{probe.port}"' + (f" ({port})" if port is not None else "")
    else:
        shown = f"port {probe.port}"
    consequence = ("a deadlocked process is never restarted" if probe.type == "liveness"
                   else "a deadlocked process keeps receiving traffic")
    message = (f"tcpSocket on {shown} only proves that the port accepts connections: the kernel completes the "
               f"handshake even when the application never accepts it, so {consequence}")
    if sidecar:
        message += ("; this pod runs an istio-proxy sidecar and the probe was not rewritten, so the sidecar accepts "
                    "the connection and the probe always succeeds")
    better = _better_port(ctx, probe)
    if better is not None:
        protocol, declared = better
        name = f'"{declared.name}" ({declared.number})' if declared.name else str(declared.number)
        as_what = (f"with appProtocol {declared.app_protocol}" if declared.app_protocol
                   else "as gRPC" if protocol == "grpc" else "as HTTP")
        if declared.number == port:
            where = f"this port is declared {as_what}"
        else:
            where = f"port {name} is declared {as_what}"
        if protocol == "grpc":
            message += (f"; {where}: a grpc probe on port {declared.number} checks that the application answers "
                        "its health service")
        else:
            target = f'"{declared.name}"' if declared.name else declared.number
            message += f"; {where}: an httpGet on port {target} checks that the application answers a request"
    handler = probe.map.map("tcpSocket")
    at = (handler.key_node("port") if handler else None) or probe.anchor("tcpSocket")
    return ctx.probe_finding(probe, message, at=at)


def _protocol(port: Port) -> str | None:
    app = (port.app_protocol or "").lower()
    name = (port.name or "").lower()
    if app in GRPC_APP_PROTOCOLS or (not app and _GRPC_NAME.match(name)):
        return "grpc"
    if app in HTTP_APP_PROTOCOLS or (not app and _HTTP_NAME.match(name)):
        return "http"
    return None


def _better_port(ctx: RuleContext, probe: Probe) -> tuple[str, Port] | None:
    """The declared HTTP or gRPC port to suggest: the probed port itself first, else the first one."""
    grpc_ok = ctx.kube_version >= GRPC_PROBE_VERSION
    candidates: list[tuple[str, Port]] = []
    for port in probe.container.ports:
        if port.number is None or port.protocol.upper() != "TCP":
            continue
        protocol = _protocol(port)
        if protocol is None or (protocol == "grpc" and not grpc_ok):
            continue
        candidates.append((protocol, port))
    if not candidates:
        return None
    probed = probe.resolved_port
    return next((c for c in candidates if c[1].number == probed), candidates[0])
