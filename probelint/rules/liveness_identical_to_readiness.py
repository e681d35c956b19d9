"""
## What it does
Reports a container whose liveness probe performs the same check as its readiness probe and
does not take longer to give up. The checks are the same when the handlers are of the same kind
and: for `httpGet` the path, query, port (named ports resolved against the container), host,
scheme and headers are equal; for `tcpSocket` the port and host; for `exec` the command; for
`grpc` the port and service. Liveness "gives up" after `failureThreshold × periodSeconds`
(effective values); it is not slower when that is at most the readiness probe's.

Probes that Istio's sidecar injector rewrote to the pilot-agent (`/app-health/<container>/livez`
and `/readyz`) are compared through the original application probes that the injector keeps in
the `ISTIO_KUBE_APP_PROBERS` environment variable of the proxy.

## Why is this bad?
The readiness probe is meant to take a struggling pod out of the Service endpoints so that it
can recover; the liveness probe is meant to restart a process that cannot recover. When both
ask the same question on the same schedule, both fail at the same moment: the kubelet restarts
the container at the same time as (or, depending on probe phase, before) the endpoint is
removed, so in-flight requests fail, and a temporary overload or slow dependency becomes a
restart loop across every replica. Henning Jacobs: "don't set the same specification for
Liveness and Readiness Probe"; kube-score rates identical probes as critical. The Kubernetes
documentation shows the supported pattern: the same endpoint is fine when the liveness probe
has a higher `failureThreshold`, so the container is "observed as not-ready for some period of
time before it is hard killed". Such a slower liveness probe passes this rule.

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
          image: example/api:5.0
          readinessProbe:
            httpGet: {path: /healthz, port: 8080}
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
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
          image: example/api:5.0
          readinessProbe:
            httpGet: {path: /healthz, port: 8080}
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
            failureThreshold: 6
```

A separate liveness endpoint that checks only the process itself is better still.

## Options
None.

## Fix safety
Safe: the fix raises the liveness `failureThreshold` to the value PL203
(`liveness-more-aggressive-than-readiness`) computes: the smallest value for which the
readiness probe takes the pod out of the endpoints, endpoint propagation included, before the
liveness probe restarts it. Liveness then gives up later than readiness, so this rule is
satisfied too, and the two rules never propose different values. It only delays restarts.
While another selected rule is about to change a period or timeout of either probe (PL204,
PL206, PL212), the fix waits for that change.

## References
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-readiness-probes
- Henning Jacobs, "Kubernetes Liveness Probes are Dangerous" (2019)
- learnk8s, "Kubernetes production best practices", application development
- kube-score, `README_PROBES.md`
- https://istio.io/latest/docs/ops/configuration/mesh/app-health-check/
"""
from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from probelint import istio
from probelint.model import Finding
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.rules.liveness_more_aggressive_than_readiness import (
    ordering_threshold,
    pending_changes,
    waiting_text,
)
from probelint.secrets import command_text
from probelint.workloads import Container

MAX_COMMAND_TEXT = 60

RULE = Rule(
    code="PL104",
    name="liveness-identical-to-readiness",
    summary="Liveness probe checks the same thing as readiness and gives up no later",
    level="warning",
    fix="always",
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    liveness = container.probes.get("liveness")
    readiness = container.probes.get("readiness")
    if liveness is None or readiness is None:
        return
    probers = istio.app_probers(container.workload)
    live_check, live_istio = checked_handler(liveness, probers)
    ready_check, ready_istio = checked_handler(readiness, probers)
    if live_check is None or live_check != ready_check:
        return
    f_l, p_l = liveness.failure_threshold, liveness.period
    f_r, p_r = readiness.failure_threshold, readiness.period
    if f_l * p_l > f_r * p_r:
        return
    via = " behind Istio's /app-health rewrite" if live_istio or ready_istio else ""
    message = (
        f"same check as the readinessProbe ({describe(live_check)}{via}) and not slower: liveness gives up "
        f"after failureThreshold {f_l} × periodSeconds {p_l} = {f_l * p_l}s, readiness after "
        f"{f_r} × {p_r} = {f_r * p_r}s, so the container is restarted no later than it leaves the "
        f"Service endpoints"
    )
    fix = None
    fixed = _slower_threshold(ctx, liveness, readiness)
    if fixed is not None:
        propagation = ctx.profile.value("propagation")
        message += (f"; failureThreshold {fixed} makes liveness give up only after readiness has taken the pod out "
                    f"of the endpoints, {propagation.describe('propagation')} included (PL203)")
        waiting = pending_changes(ctx, liveness, readiness)
        if waiting:
            message += waiting_text(waiting)
        else:
            fix = ctx.probe_fix(liveness, f"Set failureThreshold to {fixed}", {"failureThreshold": fixed})
    yield ctx.probe_finding(liveness, message, field="failureThreshold", fix=fix)


def _slower_threshold(ctx: RuleContext, liveness: Probe, readiness: Probe) -> int | None:
    """The liveness failureThreshold PL203 asks for: the same probes then satisfy both rules, so
    their fixes agree. None when a field is one the API server rejects (PL003)."""
    values = (liveness.period, liveness.timeout, readiness.period, readiness.timeout, readiness.failure_threshold)
    if any(v <= 0 for v in values):
        return None
    propagation = ctx.profile.value("propagation").seconds
    return ordering_threshold(liveness.period, liveness.timeout, readiness, propagation,
                              start=liveness.failure_threshold + 1)


def checked_handler(probe: Probe, probers: dict[str, dict]) -> tuple[tuple | None, bool]:
    """The normalized handler of what the probe really checks, and whether Istio rewrote it."""
    http = probe.http
    if http is not None and probers:
        original = probers.get(http.path)
        if isinstance(original, dict):
            normalized = _normalize_prober(original, probe.container)
            if normalized is not None:
                return normalized, True
    return probe.normalized_handler(), False


def _normalize_prober(prober: dict, container: Container) -> tuple | None:
    """``Probe.normalized_handler()`` for a probe kept as JSON by the Istio injector."""
    if isinstance(prober.get("httpGet"), dict):
        h = prober["httpGet"]
        path = h.get("path") if isinstance(h.get("path"), str) and h.get("path") else "/"
        split = urlsplit(path) if "?" in path or "#" in path else None
        headers = tuple(
            sorted(
                (item["name"].lower(), item.get("value") if isinstance(item.get("value"), str) else None)
                for item in h.get("httpHeaders") or ()
                if isinstance(item, dict) and isinstance(item.get("name"), str)
            )
        )
        scheme = h.get("scheme") if isinstance(h.get("scheme"), str) and h.get("scheme") else "HTTP"
        return (
            "httpGet",
            (split.path if split else path) or "/",
            split.query if split else "",
            _port(h.get("port"), container),
            h.get("host") or None,
            scheme.upper(),
            headers,
        )
    if isinstance(prober.get("tcpSocket"), dict):
        t = prober["tcpSocket"]
        return ("tcpSocket", _port(t.get("port"), container), t.get("host") or None)
    if isinstance(prober.get("grpc"), dict):
        g = prober["grpc"]
        service = g.get("service")
        return ("grpc", g.get("port"), service if isinstance(service, str) else "")
    return None


def _port(port: object, container: Container) -> object:
    if isinstance(port, str) and not port.isdigit():
        return container.port_by_name(port) or port
    return port


def describe(handler: tuple) -> str:
    kind = handler[0]
    if kind == "httpGet":
        _, path, query, port, host, scheme, _headers = handler
        text = f"httpGet {path}{'?' + query if query else ''} on port {port}"
        if scheme != "HTTP":
            text += f" over {scheme}"
        if host:
            text += f" of host {host}"
        return text
    if kind == "tcpSocket":
        return f"tcpSocket port {handler[1]}" + (f" of host {handler[2]}" if handler[2] else "")
    if kind == "grpc":
        return f"grpc port {handler[1]}" + (f' service "{handler[2]}"' if handler[2] else "")
    command = command_text(list(handler[1]), MAX_COMMAND_TEXT)
    return f'exec "{command}"'

