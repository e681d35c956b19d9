"""
## What it does
Checks native gRPC probes (`grpc:` handler) for what they cannot do:

- (a) **error**: `grpc.port` is not an integer. gRPC probes do not resolve port names;
- (b) the target Kubernetes version, when you give one with `--kube-version`, is too old:
  **error** before 1.24 (the `GRPCContainerProbe` feature gate is off, the field is dropped,
  and the probe is left without a handler), **info** on 1.24–1.26 (beta, on by default;
  GA in 1.27). Without an explicit `--kube-version` this sub-case is skipped;
- (c) **warning**: the container's `ports[]` entry for that port has a `name` or
  `appProtocol` that says TLS (`https`, `grpcs`, `tls` or `h2` as a word; `h2c`, cleartext
  HTTP/2, does not count);
- (d) **info**: the port is not a `containerPort` of the container, so (c) cannot be checked
  and a typo would go unnoticed.

## Why is this bad?
The kubelet calls `grpc.health.v1.Health/Check` on `podIP:port` over plaintext, with no
authentication. "You cannot specify the health check port by name", and gRPC probes "do not
support any authentication parameters (like -tls)". A TLS-only gRPC server therefore fails
every probe: a liveness probe restarts it forever, a readiness probe keeps it out of
service. On clusters older than 1.24 the `grpc` field is silently dropped unless the alpha
gate was enabled, and the API server then rejects the probe for having no handler.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          image: example/api:3.1
          ports:
            - {name: grpc, containerPort: 9090}
          readinessProbe:
            grpc: {port: grpc}
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
          image: example/api:3.1
          ports:
            - {name: grpcs, containerPort: 9443}
          livenessProbe:
            grpc: {port: 9443}
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      containers:
        - name: api
          image: example/api:3.1
          ports:
            - {name: grpc, containerPort: 9090}
          readinessProbe:
            grpc: {port: 9090}
```

## Options
None. Sub-case (b) uses `--kube-version`.

## Fix safety
Sometimes available, and safe when it is. (a) replaces a port name with the `containerPort`
of the same container's port of that name, or a quoted number with the number: the API
server rejects anything but an integer in `grpc.port`, and the number is the one the
manifest already gives that name, so the probe checks the port that was written. No fix
when the name is not a port of the container. (b) needs a newer cluster or a different
handler. (c) needs a plaintext health port, or an exec probe running
`grpc_health_probe -tls` if the image ships it; neither can be derived from the manifest.

## References
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-grpc-liveness-probe
- Kubernetes prober, `pkg/probe/grpc/grpc.go` (plaintext `Health/Check`, `SERVING` only)
- kubernetes/kubernetes #108522 (gRPC probes beta in 1.24) and #116233 (GA in 1.27)
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from yaml.nodes import ScalarNode

from probelint.model import Finding, Fix
from probelint.probes import Probe, is_int
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container, Port
from probelint.yamlnode import scalar

RULE = Rule(
    code="PL007",
    name="grpc-probe-compat",
    summary="A gRPC probe uses a named port, a TLS port or an unsupported Kubernetes version",
    level="error",
    levels="error/warning/info",
    scope="container",
    fix="sometimes",
)

ALPHA = (1, 23)
BETA = (1, 24)
GA = (1, 27)
TLS_WORDS = frozenset({"https", "grpcs", "tls", "h2"})
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    for probe in container.probes.values():
        if "grpc" not in probe.handlers:
            continue
        yield from _version(ctx, probe)
        m = probe.map.map("grpc")
        node = m.get("port") if m is not None else None
        if not isinstance(node, ScalarNode):
            continue  # missing port is PL009; a non-scalar is an input problem
        value = scalar(node)
        if is_int(value):
            if not 1 <= value <= 65535:
                continue  # out of range: PL003
            port = container.declared_port(value)
            if port is None:
                yield _undeclared(ctx, probe, container, value, node)
            else:
                yield from _tls(ctx, probe, port, value, node)
        elif isinstance(value, str) and value:
            yield from _named(ctx, probe, container, value, node)


def _version(ctx: RuleContext, probe: Probe) -> Iterator[Finding]:
    if not ctx.settings.kube_version_explicit:
        return
    version = ctx.kube_version
    at = probe.map.key_node("grpc")
    shown = f"{version[0]}.{version[1]}"
    if version < BETA:
        if version < ALPHA:
            why = "the grpc field does not exist before 1.23"
        else:
            why = "the alpha GRPCContainerProbe gate is off by default"
        yield ctx.probe_finding(
            probe,
            f"gRPC probes need Kubernetes 1.24 or newer; on the target version {shown} {why}, so the API server "
            "drops the grpc field and rejects the probe for having no handler",
            at=at,
            level="error",
        )
    elif version < GA:
        yield ctx.probe_finding(
            probe,
            f"gRPC probes are beta on the target version {shown} (on by default since 1.24, GA in 1.27); "
            "a cluster that disabled the GRPCContainerProbe gate drops the field",
            at=at,
            level="info",
        )


def _named(ctx: RuleContext, probe: Probe, container: Container, value: str, node) -> Iterator[Finding]:
    if value.isdigit():
        yield ctx.probe_finding(
            probe,
            f'grpc.port is the string "{value}"; gRPC probes take only an integer port (write {int(value)} '
            "without quotes)",
            at=node,
            level="error",
            fix=_set_port(ctx, probe, container, int(value)),
        )
        return
    number = container.port_by_name(value)
    if number is not None:
        resolution = f'; port "{value}" of this container is {number}, use that number'
    else:
        resolution = f'; this container has no port named "{value}" either'
    yield ctx.probe_finding(
        probe,
        f'grpc.port is the name "{value}"; gRPC probes do not resolve port names and need the port number'
        + resolution,
        at=node,
        level="error",
        fix=_set_port(ctx, probe, container, number) if number is not None else None,
    )
    port = next((p for p in container.ports if p.name == value and p.number is not None), None)
    if port is not None:
        yield from _tls(ctx, probe, port, port.number, node)


def _set_port(ctx: RuleContext, probe: Probe, container: Container, number: int) -> Fix | None:
    builder = ctx.fix(f"Set grpc.port to {number}", scope=container.node)
    return builder.set(probe.map.get("grpc"), "port", number).build()


def _tls(ctx: RuleContext, probe: Probe, port: Port, number: int, node) -> Iterator[Finding]:
    for label, text in (("name", port.name), ("appProtocol", port.app_protocol)):
        if text and TLS_WORDS & set(_WORD_SPLIT.split(text.lower())):
            yield ctx.probe_finding(
                probe,
                f'grpc.port {number} is the port with {label} "{text}", which suggests TLS; gRPC probes connect '
                "over plaintext without authentication, so a TLS-only server fails every probe",
                at=node,
                level="warning",
            )
            return


def _undeclared(ctx: RuleContext, probe: Probe, container: Container, number: int, node) -> Finding:
    numbers = sorted({p.number for p in container.ports if p.number is not None})
    have = ", ".join(str(n) for n in numbers) if numbers else "none"
    return ctx.probe_finding(
        probe,
        f"grpc.port {number} is not a containerPort of this container (declared: {have}); a typo or stale "
        "port would go unnoticed, and whether the port serves plaintext cannot be checked",
        at=node,
        level="info",
    )
