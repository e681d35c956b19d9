"""
## What it does
Checks that a named `httpGet.port` or `tcpSocket.port` of a probe is the `name` of a
`ports[]` entry of the **same** container. Ports declared by other containers of the pod do
not count, because the kubelet only looks at the probed container. A name that is not even a
valid port name (`Http`) is also reported by PL003; this rule then only points to the
matching port.

## Why is this bad?
Nothing validates the name when the object is created. At run time the kubelet fails to
resolve it, the probe returns an error instead of a result, and the prober discards errors:
the cached result never changes. A liveness probe then never fires (a hung container is
never restarted), a readiness probe never passes (the pod is never Ready and never receives
traffic), and a startup probe never succeeds (liveness and readiness never start, the
container is never Ready and never restarted). Nothing in `kubectl get pods` says why.

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
            - {name: web, containerPort: 8080}
          readinessProbe:
            httpGet: {path: /readyz, port: http}
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
          readinessProbe:
            httpGet: {path: /readyz, port: http}
```

## Options
None.

## Fix safety
Sometimes available; the probe's `port` is replaced by what the message proposes:

- a port of the same container whose name differs only in case (`Http` for `http`): its
  name. Safe: the manifest names that port, only the spelling differs;
- a port of the same container with the obvious alias (`http` for `web` and back): its
  name. Unsafe: the alias comes from a table, not from the manifest;
- when the container declares exactly one (TCP) port and no other container declares the
  name: its number. Unsafe: it assumes the probe meant the container's only declared port
  and not an undeclared health port.

Every fix turns a probe that never ran into one that does. A liveness probe that starts
running against the wrong port or path restarts the container, which is why the two
guesses need `--unsafe-fixes`. Otherwise add a `ports` entry with the right
`containerPort` by hand.

## References
- Kubernetes kubelet, `findPortByName` / `ResolveContainerPort` (`pkg/probe/util.go`) and the
  prober worker, which discards probe errors (`pkg/kubelet/prober/worker.go`)
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#use-a-named-port
"""
from __future__ import annotations

from collections.abc import Iterator

from yaml.nodes import ScalarNode

from probelint.model import Finding
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.rules.invalid_probe_field import port_name_problems
from probelint.workloads import Container, Port
from probelint.yamlnode import scalar

RULE = Rule(
    code="PL006",
    name="named-port-not-found",
    summary="A probe's named port is not a port name of the same container, so the probe can never succeed or fail",
    level="error",
    scope="container",
    fix="sometimes",
)

ALIASES = {"http": ("web",), "web": ("http",)}
CONSEQUENCE = {
    "liveness": "the liveness probe never fires, so a hung container is never restarted",
    "readiness": "the readiness probe never passes, so the pod never becomes Ready",
    "startup": "the startup probe never succeeds, so the container never becomes Ready and is never restarted",
}


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    for probe in container.probes.values():
        for handler in ("httpGet", "tcpSocket"):
            if handler not in probe.handlers:
                continue
            m = probe.map.map(handler)
            node = m.get("port") if m is not None else None
            if not isinstance(node, ScalarNode):
                continue
            name = scalar(node)
            if not isinstance(name, str) or not name or name.isdigit():
                continue  # numbers, quoted numbers (PL003) and wrong types (PL009)
            if any(port.name == name for port in container.ports):
                continue
            yield _finding(ctx, probe, handler, name, node, container)


def _finding(ctx: RuleContext, probe: Probe, handler: str, name: str, node, container: Container) -> Finding:
    declared = [p for p in container.ports if p.name is not None or p.number is not None]
    if declared:
        listed = ", ".join(_describe(p) for p in declared)
        have = f"it declares {listed}"
    else:
        have = "it declares no ports"
    elsewhere = next(
        (c for c in container.workload.containers if c is not container and any(p.name == name for p in c.ports)),
        None,
    )
    # A name declared by another container makes the single-port guess ambiguous; the
    # case-insensitive and alias matches within this container still apply.
    replacement = _replacement(name, container.ports, single_port=elsewhere is None)
    other = ""
    if elsewhere is not None:
        other = f'; "{name}" is a port of container "{elsewhere.name}", but a probe only sees its own container\'s ports'
    fix = None
    hint = ""
    if replacement is not None:
        value, how = replacement
        shown = f'port "{value}"' if isinstance(value, str) else f"port {value}"
        hint = f"; use {shown}"
        handler_node = probe.map.get(handler)
        builder = ctx.fix(f"Use {shown}", unsafe=how != "case", scope=container.node)
        fix = builder.set(handler_node, "port", value).build()
    if port_name_problems(name):
        # Not a valid port name at all: the API server rejects it first (PL003), so the
        # kubelet's behaviour is moot; the finding still carries the matching name.
        consequence = ""
    else:
        consequence = f"; the kubelet cannot resolve it, every probe run errors and {CONSEQUENCE[probe.type]}"
    return ctx.probe_finding(
        probe,
        f'{handler}.port "{name}" is not the name of any port of this container ({have}){other}{consequence}{hint}',
        at=node,
        fix=fix,
    )


def _describe(port: Port) -> str:
    if port.name and port.number is not None:
        return f"{port.name} ({port.number})"
    if port.name:
        return f'{port.name} (no containerPort)'
    return f"unnamed port {port.number}"


def _replacement(name: str, ports: list[Port], single_port: bool = True) -> tuple[str | int, str] | None:
    """The port the catalogue allows instead, and how it was found: ``case`` (the same name in
    another case), ``alias`` (``http`` for ``web``) or ``single`` (the only port's number)."""
    named = [p for p in ports if p.name]
    lowered = name.lower()
    same = {p.name for p in named if p.name.lower() == lowered}
    if len(same) == 1:
        return same.pop(), "case"
    if same:
        return None  # two names differing only in case: which one is meant is not clear
    for alias in ALIASES.get(lowered, ()):
        for port in named:
            if port.name == alias:
                return port.name, "alias"
    if single_port and len(ports) == 1 and ports[0].number is not None and ports[0].protocol.upper() == "TCP":
        return ports[0].number, "single"
    return None
