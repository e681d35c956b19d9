"""
## What it does
Validates every `livenessProbe`, `readinessProbe` and `startupProbe` block (of regular
containers, native sidecars and init containers) and every container's `ports` list against
the strict Kubernetes JSON Schema of the target version (`--kube-version`; by default the
newest version the installed `kubernetes-validate` package ships). It reports:

- an unknown key, such as `initialDelaySecond`, `failureTreshold`, `httpHeader` or a
  `containerport` in a ports entry (with the closest real field when one is within two
  edits);
- a value of the wrong type, such as `timeoutSeconds: "5s"`, `containerPort: "8080"`, or an
  `httpHeaders` value written as a number;
- a missing required key: `port` of `httpGet`, `tcpSocket` and `grpc`, `name` and `value` of
  an HTTP header, `containerPort` of a ports entry;
- an integer too large for the field's declared width (`int32`, `int64`);
- a key written twice in the same mapping (at the second one). YAML forbids it; the API
  server rejects the object under strict field validation (kubectl's default), and a client
  that does not validate strictly keeps only the last value, so the one that applies is easy
  to misread. Repeated keys elsewhere in a manifest are input warnings.

A field that a newer Kubernetes version added (`grpc.mode` and `httpGet.protocol` in 1.37)
is unknown when an older `--kube-version` is given, and the message says from which version
it exists. When the requested version has no shipped schema, the nearest one is used and the
message says which. Values the manifest model cannot read at all (a probe that is not a
mapping, a port that is a list) are reported once, as input errors, not again here.

## Why is this bad?
Kubernetes decodes manifests into typed Go structs. A value of the wrong type makes the API
server reject the whole object, so the rollout stops at `kubectl apply`. An unknown key is
worse: unless the client asks for strict field validation, the API server drops it and
stores the probe without it (a tool that applies with field validation `Warn` or `Ignore`
gets a warning at most), so `initialDelaySecond: 60` is silently a delay of 0 and the
container is killed while it is still starting. Every other probelint rule then reasons
about a value the cluster never sees.

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
            initialDelaySecond: 30
            timeoutSeconds: "5s"
```

```yaml
apiVersion: v1
kind: Pod
metadata: {name: api}
spec:
  containers:
    - name: api
      image: example/api:1.4
      ports:
        - containerPort: "8080"
      readinessProbe:
        tcpSocket: {host: 127.0.0.1}
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
            initialDelaySeconds: 30
            timeoutSeconds: 5
```

```yaml
apiVersion: v1
kind: Pod
metadata: {name: api}
spec:
  containers:
    - name: api
      image: example/api:1.4
      ports:
        - containerPort: 8080
      readinessProbe:
        tcpSocket: {port: 8080}
```

## Options
None. The schema version follows `--kube-version`.

## Fix safety
Safe, and offered for an unknown key within edit distance 2 of exactly one real field of the
same object that is not already set: the key is renamed (`initialDelaySecond` to
`initialDelaySeconds`) and its value and comments are kept, so the value that was written
starts to apply. It is not offered when the value would be invalid under the new name (a
string such as `"30s"` for an integer field): the misspelt key is only dropped, while the
renamed one would make the API server reject the object. No fix for wrong types or missing
keys, which need the author's intent. A renamed value may still break a check the API server
makes beyond the schema (`successThreshold: 2` on a liveness probe); the rule for that check
(here PL002, with its own fix) then reports it.

## References
- Kubernetes API reference, `Probe`, `HTTPGetAction`, `TCPSocketAction`, `GRPCAction`,
  `ExecAction` and `ContainerPort` (core/v1):
  https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/
- Strict JSON Schemas shipped by kubernetes-validate: https://github.com/willthames/kubernetes-validate
- Kubernetes field validation (unknown and duplicate fields):
  https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from probelint import k8sschema
from probelint.model import Finding, Fix
from probelint.probes import PROBE_KEYS, VALIDATED_KEYS
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container
from probelint.yamlnode import (
    TAG_MERGE,
    Map,
    NodeBudgetExceeded,
    kind_name,
    node_position,
    scalar,
    to_python,
)

RULE = Rule(
    code="PL009",
    name="probe-schema-violation",
    summary="A probe block or a container's ports do not validate against the Kubernetes schema",
    level="error",
    scope="container",
    fix="sometimes",
)

# A probe block or a ports list has a few dozen nodes; anything this large is an alias bomb.
NODE_BUDGET = 10_000


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    requested = ctx.kube_version if ctx.settings.kube_version_explicit else None
    version = k8sschema.resolve_version(requested)
    if version is None:
        return
    note = ""
    if requested is not None and version != requested:
        note = (f" [checked against the {version[0]}.{version[1]} schema; kubernetes-validate ships "
                f"none for {requested[0]}.{requested[1]}]")
    reported = _problem_positions(ctx, container)
    yield from _duplicate_findings(ctx, container)
    for key in PROBE_KEYS:
        node = container.map.get(key)
        if _is_null(node):
            continue
        data = _plain(node)
        if data is _UNREADABLE or k8sschema.probe_is_certainly_valid(data, version):
            continue
        violations = k8sschema.probe_violations(data, version)
        check = _Checked(data, lambda value: k8sschema.probe_violations(value, version))
        yield from _findings(ctx, container, key, node, violations, reported, note, check, probe=key)
    node = container.map.get("ports")
    if not _is_null(node):
        data = _plain(node)
        if data is not _UNREADABLE and not k8sschema.ports_are_certainly_valid(data, version):
            violations = k8sschema.port_violations(data, version)
            check = _Checked(data, lambda value: k8sschema.port_violations(value, version))
            yield from _findings(ctx, container, "ports", node, violations, reported, note, check, probe=None)


_UNREADABLE = object()


def _plain(node: Node) -> object:
    try:
        return to_python(node, NODE_BUDGET)
    except (NodeBudgetExceeded, RecursionError):
        return _UNREADABLE


def _is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and scalar(node) is None)


def _problem_positions(ctx: RuleContext, container: Container) -> set[tuple[int, int]]:
    """Where the manifest model already reported an input error: not reported twice."""
    workload = container.workload
    return {(p.line, p.column) for p in workload.problems if p.path == workload.path}


@dataclass
class _Checked:
    """The checked value and its validator, to try a rename before proposing it."""

    data: object
    violations: Callable[[object], list[k8sschema.Violation]]

    def rename_is_valid(self, path: tuple, new: str) -> bool:
        """Whether the value is valid under its new name. A misspelt key is dropped by the API
        server, so the object is accepted; renaming a value of the wrong type (``"30s"``) or
        shape would make the object rejected instead, and that needs the author's decision."""
        data = copy.deepcopy(self.data)
        parent = data
        for item in path[:-1]:
            parent = parent[item]
        if not isinstance(parent, dict) or path[-1] not in parent or new in parent:
            return False
        parent[new] = parent.pop(path[-1])
        target = (*path[:-1], new)
        return not any(v.path[:len(target)] == target for v in self.violations(data))


def _findings(ctx: RuleContext, container: Container, key: str, root: Node,
              violations: list[k8sschema.Violation], reported: set[tuple[int, int]],
              note: str, check: _Checked, probe: str | None) -> Iterator[Finding]:
    root_key = container.map.key_node(key) or root
    obj = container.ref(probe)
    for violation in violations:
        located = _locate(root, root_key, violation.path)
        if located is None:
            continue
        key_node, value_node = located
        at = key_node if violation.at_key else value_node
        if any(n is not None and node_position(n)[:2] in reported for n in (at, value_node)):
            continue
        fix = None
        if violation.rename_to is not None:
            fix = _rename(ctx, container, root, root_key, violation.path, violation.rename_to, check)
        yield ctx.finding(at, violation.message + note, obj=obj, fix=fix)


def _duplicate_findings(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    """A key written twice in one mapping of a probe block or of the ports list, at the later key."""
    if not container.workload.doc.duplicates:
        return  # parsing found no repeated key anywhere in the document
    for key in VALIDATED_KEYS:
        node = container.map.get(key)
        if node is None:
            continue
        obj = container.ref(key if key in PROBE_KEYS else None)
        for later, first, value in _duplicate_keys(node):
            kept = f"{later.value}: {value.value}" if isinstance(value, ScalarNode) else f"{later.value}: {kind_name(value)}"
            yield ctx.finding(
                later,
                f'duplicate key "{later.value}" in {key} (first on line {first.start_mark.line + 1}): the API server '
                f"rejects the object under strict field validation (kubectl's default), and a client that does not "
                f"validate strictly keeps only the last one ({kept}); keep one",
                obj=obj,
            )


def _duplicate_keys(root: Node) -> Iterator[tuple[Node, Node, Node]]:
    """``(later key, first key, later value)`` for every repeated key under ``root``, in document
    order; each node is visited once, so aliases cannot multiply the walk."""
    found: list[tuple[Node, Node, Node]] = []
    stack, seen, budget = [root], set(), NODE_BUDGET
    while stack and budget > 0:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        budget -= 1
        if isinstance(node, MappingNode):
            first: dict[str, Node] = {}
            for key_node, value in node.value:
                stack.append(value)
                if not isinstance(key_node, ScalarNode) or key_node.tag == TAG_MERGE:
                    continue
                if key_node.value in first:
                    found.append((key_node, first[key_node.value], value))
                else:
                    first[key_node.value] = key_node
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    found.sort(key=lambda item: (item[0].start_mark.line, item[0].start_mark.column))
    return iter(found)


def _rename(ctx: RuleContext, container: Container, root: Node, root_key: Node, path: tuple, new: str,
            check: _Checked) -> Fix | None:
    """Rename the misspelt key in its own mapping, when its value is valid under the new name."""
    parent = _locate(root, root_key, path[:-1])
    if parent is None or not isinstance(parent[1], MappingNode) or not check.rename_is_valid(path, new):
        return None
    old = path[-1]
    builder = ctx.fix(f'Rename "{old}" to "{new}"', scope=container.node)
    return builder.rename(parent[1], old, new).build()


def _locate(root: Node, root_key: Node, path: tuple) -> tuple[Node, Node] | None:
    """``(key node, value node)`` at ``path``; a list item is its own key node."""
    key_node, node = root_key, root
    for item in path:
        if isinstance(node, MappingNode) and isinstance(item, str):
            m = Map(node)
            key_node, node = m.key_node(item), m.get(item)
        elif isinstance(node, SequenceNode) and isinstance(item, int) and 0 <= item < len(node.value):
            node = node.value[item]
            key_node = node
        else:
            return None
        if node is None or key_node is None:
            return None
    return key_node, node
