"""
## What it does
Reports an `httpGet.host` or `tcpSocket.host` on a probe. The level is **error** on a
liveness probe whose host is neither loopback nor the node itself in a pod that does not use
`hostNetwork` (the container's life then depends on another machine), and **warning**
otherwise.

The documented use is exempt: a `hostNetwork: true` pod probing `127.0.0.1`, `::1` or
`localhost` (kubeadm's static pods do this), because there the node's loopback is the pod's
(`0.0.0.0`, which also reaches the node itself, is exempt there too).
The message says what the probe really reaches:

* a loopback host (`127.0.0.1`, `localhost`, `::1`, or `0.0.0.0`) without `hostNetwork` is the
  **node's** loopback, not the pod's;
* a single-label name or a cluster name (`orders`, `orders.shop.svc`,
  `...svc.cluster.local`) is a Service the node usually cannot resolve, since the kubelet
  does not use cluster DNS;
* any other name or address is contacted from the node.

## Why is this bad?
The kubelet makes the request from the node, not from inside the pod. Without `host` it
connects to the pod IP, which is what a probe is for. With `host`, it connects wherever the
name points: `127.0.0.1` without `hostNetwork` checks whatever listens on the node, so the
probe passes or fails regardless of the container; a Service name fails to resolve; and an
external host turns the probe into a check of another system. The Kubernetes docs: "you
probably want to set Host in httpHeaders instead". Because the request leaves from the node,
it bypasses NetworkPolicy and can reach anything the node can, which kubernetes#99425
describes as a blind SSRF. On a liveness probe a remote host is a dependency: when it has a
hiccup, every replica is restarted.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  template:
    spec:
      containers:
        - name: shop
          image: example/shop:1.2
          livenessProbe:
            httpGet: {host: shop.example.com, path: /livez, port: 8080}
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
          image: example/api:2.0
          readinessProbe:
            tcpSocket: {host: 127.0.0.1, port: 8080}
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  template:
    spec:
      containers:
        - name: shop
          image: example/shop:1.2
          livenessProbe:
            httpGet:
              path: /livez
              port: 8080
              httpHeaders:
                - {name: Host, value: shop.example.com}
```

```yaml
apiVersion: v1
kind: Pod
metadata: {name: etcd, namespace: kube-system}
spec:
  hostNetwork: true
  containers:
    - name: etcd
      image: registry.k8s.io/etcd:3.5.15-0
      livenessProbe:
        httpGet: {host: 127.0.0.1, path: /health?exclude=NOSPACE&serializable=true, port: 2381}
```

## Options
None.

## Fix safety
Sometimes available, and always unsafe: every fix makes the probe reach this pod instead of
what `host` named, which assumes the application answers there.

- A name that looks like a public DNS name (it has a dot, is not an IP address and is not a
  cluster name) on an `httpGet` probe: `host` is removed and the name is sent as
  `httpHeaders: [{name: Host, value: <host>}]` (added after the existing headers). This
  assumes the pod serves that virtual host; with `scheme: HTTPS` the TLS server name stays
  the pod IP. The new header is appended in the list's own style and its other items and
  comments stay as written. Not offered when a different `Host` header is already set. When
  the `Host` header already carries that name, only `host` is removed.
- A loopback or unspecified host (`127.0.0.1`, `localhost`, `::1`, `0.0.0.0`) in a pod
  without `hostNetwork`: `host` is removed, so the probe reaches the pod IP. An application
  that listens only on `127.0.0.1` inside the pod must then listen on the pod IP too, or the
  probe starts failing (and a liveness probe restarts the container).

Cluster names, IP addresses and DNS names on `tcpSocket` have no automatic fix: what the
probe should check instead is a decision for the owner.

## References
- Kubernetes, "Configure Liveness, Readiness and Startup Probes" (`host` and the Host header):
  https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
- kubernetes/kubernetes#99425 (probe `host` reaches anything the node can, bypassing NetworkPolicy):
  https://github.com/kubernetes/kubernetes/issues/99425
- kubeadm's etcd static Pod (`host: 127.0.0.1` with `hostNetwork: true`):
  https://github.com/kubernetes/kubernetes/blob/master/cmd/kubeadm/app/phases/etcd/local.go
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from probelint.model import Finding, Fix
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container

RULE = Rule(
    code="PL305",
    name="probe-host-field",
    summary="A probe sets host, so the kubelet checks something other than this pod",
    level="warning",
    levels="error/warning",
    fix="sometimes",
)

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
# A DNS name: dot-separated labels, the last one starting with a letter (so no IPv4 address).
_DNS_NAME = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Names served by cluster DNS: Services (`x.ns.svc`, `x.ns.svc.cluster.local`) and pods.
_CLUSTER_NAME = re.compile(r"(?:^|\.)(?:svc|pod)(?:\.|$)|\.cluster\.local$")


def classify(host: str) -> str:
    """``loopback``, ``unspecified``, ``ip``, ``cluster`` (a Service-style name), ``dns`` or ``other``."""
    text = host.strip().rstrip(".").lower()
    if text in LOOPBACK_NAMES:
        return "loopback"
    try:
        address = ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        address = None
    if address is not None:
        mapped = getattr(address, "ipv4_mapped", None) or address
        if mapped.is_loopback:
            return "loopback"
        if mapped.is_unspecified:
            return "unspecified"
        return "ip"
    if "." not in text:
        return "cluster" if re.fullmatch(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?", text) else "other"
    if _CLUSTER_NAME.search(text):
        return "cluster"
    return "dns" if _DNS_NAME.match(text) else "other"


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    host_network = container.workload.host_network
    for probe in container.probes.values():
        host = probe.host
        if host is None:
            continue
        kind = classify(host)
        local = kind in ("loopback", "unspecified")
        if local and host_network:
            continue
        handler = probe.handler
        at = probe.map.map(handler).key_node("host")
        shown = f'host is "{host}"'
        if local:
            reached = "the node's loopback" if kind == "loopback" else "the node itself"
            message = (f"{shown} but the pod does not use hostNetwork: the kubelet connects from the node, so the "
                       f"probe checks {reached}, not this container; remove host to probe the pod IP")
            fix = _fix(ctx, probe, f"Remove host from the {probe.key}", header=None)
            yield ctx.probe_finding(probe, message, at=at, level="warning", fix=fix)
            continue
        if kind == "cluster":
            reach = ("the kubelet connects from the node, which does not use cluster DNS, so a Service name "
                     "usually cannot be resolved, and if it is, the probe checks that Service, not this pod")
        else:
            reach = "the kubelet connects to it from the node, not to this pod"
        parts = [f"{shown}: {reach}"]
        if host_network:
            parts.append("even with hostNetwork only a loopback host reaches this container")
        parts.append("requests sent from the node bypass NetworkPolicy")
        level = "warning"
        if probe.type == "liveness" and not host_network:
            level = "error"
            parts.append(f'a hiccup of "{host}" restarts this container')
        fix = None
        header = _host_header(probe) if kind == "dns" and handler == "httpGet" else None
        if header == "":
            parts.append(f"to ask this pod for that virtual host, remove host and send it as a header "
                         f"(httpHeaders: [{{name: Host, value: {host}}}])")
            fix = _fix(ctx, probe, f"Move host {host} to a Host header", header=host)
        elif header is not None and header.strip().lower() == host.strip().lower():
            parts.append("the Host header already asks this pod for that virtual host: remove host")
            fix = _fix(ctx, probe, f"Remove host from the {probe.key}", header=None)
        yield ctx.probe_finding(probe, "; ".join(parts), at=at, level=level, fix=fix)


def _fix(ctx: RuleContext, probe: Probe, title: str, header: str | None) -> Fix | None:
    """Remove the handler's ``host``, and with ``header`` send that name as the Host header.

    Unsafe either way: the probe then reaches this pod instead of whatever ``host`` named,
    which assumes the application answers there (on the pod IP, for that virtual host).
    """
    handler = probe.map.get(probe.handler)
    builder = ctx.fix(title, unsafe=True, scope=probe.container.node)
    builder.delete(handler, "host")
    if header is not None:
        builder.add_item(handler, "httpHeaders", {"name": "Host", "value": header})
    return builder.build()


def _host_header(probe: Probe) -> str | None:
    """The value of the probe's Host header, "" when it has none, None when it cannot be read."""
    http = probe.http
    if http is None:
        return None
    for name, value, _ in http.headers:
        if name.strip().lower() == "host":
            return value or None
    return ""
