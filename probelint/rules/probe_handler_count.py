"""
## What it does
Checks that every liveness, readiness and startup probe sets exactly one handler: one of
`exec`, `httpGet`, `tcpSocket` or `grpc`. Init containers are checked too. A handler key
whose value is `null` does not count, because the API server drops it.

## Why is this bad?
The API server rejects the object: a probe without a handler fails with "must specify a
handler type", a probe with two or more with "may not specify more than 1 handler type".
The workload is never created or updated. A probe with only timing fields usually comes from
a Helm value or a patch that replaced the handler with nothing; a probe with two handlers
from a strategic merge patch that added a handler next to the existing one.

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
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            tcpSocket: {port: 8080}
```

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
          readinessProbe:
            periodSeconds: 5
            failureThreshold: 2
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
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            periodSeconds: 5
            failureThreshold: 2
```

## Options
None.

## Fix safety
No automatic fix: which handler was meant, or what a missing one should check, cannot be
derived from the manifest. The message lists the handlers found.

## References
- Kubernetes API validation, `validateHandler` (`pkg/apis/core/validation/validation.go`)
- https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes
  ("Each probe must define exactly one of these four mechanisms")
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint.model import Finding
from probelint.probes import HANDLERS
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container

RULE = Rule(
    code="PL001",
    name="probe-handler-count",
    summary="A probe must set exactly one handler (exec, httpGet, tcpSocket or grpc)",
    level="error",
    scope="container",
    fix="never",
)

_HANDLER_LIST = ", ".join(HANDLERS[:-1]) + " or " + HANDLERS[-1]


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    for probe in container.probes.values():
        count = len(probe.handlers)
        if count == 1:
            continue
        if count == 0:
            yield ctx.probe_finding(
                probe,
                f"no handler is set; the API server rejects a probe without exactly one of {_HANDLER_LIST}",
            )
            continue
        # Point at the first handler key after the first one in the text: that is the extra one.
        keys = sorted(
            (probe.map.key_node(name) for name in probe.handlers),
            key=lambda node: (node.start_mark.line, node.start_mark.column),
        )
        found = ", ".join(probe.handlers)
        yield ctx.probe_finding(
            probe,
            f"{count} handlers are set ({found}); the API server rejects a probe with more than one handler",
            at=keys[1],
        )
