"""
## What it does
Checks the probe values the API server validates beyond their type:

- (a) `initialDelaySeconds`, `timeoutSeconds`, `periodSeconds`, `successThreshold` or
  `failureThreshold` is negative;
- (b) a probe-level `terminationGracePeriodSeconds` is 0 or negative (on a readiness probe
  any value is reported by PL004 instead);
- (c) an integer `port` is outside 1–65535, or an `httpGet`/`tcpSocket` port written as a
  string is not a valid port name (IANA_SVC_NAME: at most 15 characters of `a-z`, `0-9`
  and `-`, at least one letter, no leading, trailing or double hyphen). A quoted number
  such as `"8080"` is a string, so it is a port name, and an invalid one;
- (d) `httpGet.scheme` is neither `HTTP` nor `HTTPS` (the check is case-sensitive);
- (e) `exec.command` is missing or empty;
- (f) an `httpGet.httpHeaders[].name` is not a valid header name (letters, digits and `-`);
- (g) **info**: `timeoutSeconds`, `periodSeconds`, `successThreshold` or `failureThreshold`
  is explicitly `0`.

Values of the wrong type (a string where an integer belongs) are left to PL009.

## Why is this bad?
(a)–(f) are rejected by the API server (`ValidateNonnegativeField`,
`ValidatePortNumOrName`, `validateHTTPGetAction`, `validateExecAction`), so the workload
is never created or updated. (g) is accepted, but not as written: API defaulting replaces 0
with the default (1, 10, 1 and 3 respectively), so `timeoutSeconds: 0` is a 1 s timeout and
`failureThreshold: 0` is three failures. A 0 meant as "disabled" or "no limit" disables
nothing, and the manifest says something the cluster does not do.

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
            httpGet:
              path: /livez
              port: "8080"
              scheme: https
            initialDelaySeconds: -5
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
            httpGet: {path: /readyz, port: 8080}
            timeoutSeconds: 0
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
            httpGet:
              path: /livez
              port: 8080
              scheme: HTTPS
            initialDelaySeconds: 5
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
            timeoutSeconds: 1
```

## Options
None.

## Fix safety
Only (g) is fixable, and the fix is safe: the key written as 0 is removed. API defaulting
stores the same value for an absent key and for 0, so the object the cluster runs does not
change; the key is removed rather than set to the default so that the probe still reads as
"default" to every other check, exactly as before. If 0 was meant as something else
("disabled", "no limit"), set the value you meant instead. The other cases need a decision
(which port, which scheme, which command) and have no automatic fix.

## References
- Kubernetes API validation, `validateProbe`, `ValidatePortNumOrName`,
  `validateHTTPGetAction`, `validateExecAction` (`pkg/apis/core/validation/validation.go`);
  `IsValidPortName`, `IsHTTPHeaderName` (`k8s.io/apimachinery/pkg/util/validation`)
- Kubernetes API defaulting, `SetDefaults_Probe` (`pkg/apis/core/v1/defaults.go`)
- https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from yaml.nodes import MappingNode, ScalarNode

from probelint.model import Finding
from probelint.probes import DEFAULTS, TIMING_FIELDS, ZERO_MEANS_DEFAULT, Probe, is_int
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container
from probelint.yamlnode import Map, scalar

RULE = Rule(
    code="PL003",
    name="invalid-probe-field",
    summary="A probe value the API server rejects, or an explicit 0 that is silently replaced by the default",
    level="error",
    levels="error/info",
    scope="container",
    fix="sometimes",
)

PORT_MIN, PORT_MAX = 1, 65535
SCHEMES = ("HTTP", "HTTPS")
# k8s.io/apimachinery IsHTTPHeaderName: stricter than RFC 7230 tokens (no "_", ".", "!"...).
_HEADER_NAME = re.compile(r"[-A-Za-z0-9]+")
_PORT_NAME_CHARS = re.compile(r"[-a-z0-9]+")
_PORT_NAME_LETTER = re.compile(r"[a-z]")


def port_name_problems(name: str) -> list[str]:
    """Why ``name`` is not an IANA_SVC_NAME (``IsValidPortName``); empty when it is valid."""
    problems = []
    if len(name) > 15:
        problems.append(f"is {len(name)} characters long (at most 15)")
    if not _PORT_NAME_CHARS.fullmatch(name):
        problems.append("may only contain a-z, 0-9 and '-'")
    if not _PORT_NAME_LETTER.search(name):
        problems.append("must contain at least one letter (a-z)")
    if "--" in name:
        problems.append("must not contain '--'")
    if name[:1] == "-" or name[-1:] == "-":
        problems.append("must not begin or end with '-'")
    return problems


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    for probe in container.probes.values():
        yield from _timing(ctx, probe)
        for handler in probe.handlers:
            m = probe.map.map(handler)
            if m is None:
                continue  # not a mapping: an input problem, reported by the loader
            if handler == "exec":
                yield from _exec(ctx, probe, m)
                continue
            yield from _port(ctx, probe, handler, m)
            if handler == "httpGet":
                yield from _http(ctx, probe, m)


def _timing(ctx: RuleContext, probe: Probe) -> Iterator[Finding]:
    for name in TIMING_FIELDS:
        value = probe.raw.get(name)
        if not is_int(value):
            continue
        if value < 0:
            yield ctx.probe_finding(
                probe,
                f"{name} is {value}; the API server rejects negative values",
                field=name,
            )
        elif value == 0 and name in ZERO_MEANS_DEFAULT:
            # Remove rather than write the default: 0 and absent are the same stored value, and
            # every rule reads both as "default", so nothing but the misleading text changes.
            fix = ctx.probe_fix(probe, f"Remove {name}: 0", {name: None})
            yield ctx.probe_finding(
                probe,
                f"{name} is 0, which API defaulting replaces with {DEFAULTS[name]}; 0 does not disable anything "
                "(remove it, or set the value you meant)",
                field=name,
                level="info",
                fix=fix,
            )
    grace = probe.raw.get("terminationGracePeriodSeconds")
    if probe.type != "readiness" and is_int(grace) and grace <= 0:
        yield ctx.probe_finding(
            probe,
            f"terminationGracePeriodSeconds is {grace}; the API server requires a probe-level value greater than 0 "
            "(remove it to use the pod's terminationGracePeriodSeconds)",
            field="terminationGracePeriodSeconds",
        )


def _port(ctx: RuleContext, probe: Probe, handler: str, m: Map) -> Iterator[Finding]:
    node = m.get("port")
    if not isinstance(node, ScalarNode):
        return
    value = scalar(node)
    if is_int(value):
        if not PORT_MIN <= value <= PORT_MAX:
            yield ctx.probe_finding(
                probe,
                f"{handler}.port is {value}; the API server requires a port number between {PORT_MIN} and {PORT_MAX}",
                at=node,
            )
        return
    if handler == "grpc" or not isinstance(value, str):
        return  # a named gRPC port is PL007; other types are PL009
    if value.isdigit():
        yield ctx.probe_finding(
            probe,
            f'{handler}.port is the string "{value}"; a quoted number is read as a port name, and the API server '
            "rejects it because a port name must contain a letter (write the number without quotes)",
            at=node,
        )
        return
    problems = port_name_problems(value)
    if problems:
        if not port_name_problems(value.lower()):
            why = f'port names are lower case (write "{value.lower()}")'
        else:
            why = "it " + "; it ".join(problems)
        yield ctx.probe_finding(probe, f'{handler}.port "{value}" is not a valid port name: {why}', at=node)


def _http(ctx: RuleContext, probe: Probe, m: Map) -> Iterator[Finding]:
    scheme_node = m.get("scheme")
    scheme = scalar(scheme_node) if isinstance(scheme_node, ScalarNode) else None
    if isinstance(scheme, str) and scheme and scheme not in SCHEMES:
        hint = f' (write "{scheme.upper()}")' if scheme.upper() in SCHEMES else ""
        yield ctx.probe_finding(
            probe,
            f'httpGet.scheme is "{scheme}"; the API server accepts only HTTP or HTTPS, case-sensitive{hint}',
            at=scheme_node,
        )
    for item in m.seq("httpHeaders") or ():
        if not isinstance(item, MappingNode):
            continue
        hm = Map(item)
        name_node = hm.get("name")
        name = scalar(name_node) if isinstance(name_node, ScalarNode) else None
        if isinstance(name, str) and not _HEADER_NAME.fullmatch(name):
            shown = f'"{name}" is not a valid header name' if name else "is empty"
            yield ctx.probe_finding(
                probe,
                f"httpGet.httpHeaders name {shown}; the API server accepts only letters, digits and '-' "
                "in header names",
                at=name_node,
            )


def _exec(ctx: RuleContext, probe: Probe, m: Map) -> Iterator[Finding]:
    node = m.get("command")
    if node is None or (isinstance(node, ScalarNode) and scalar(node) is None):
        yield ctx.probe_finding(
            probe,
            "exec.command is not set; the API server requires a non-empty command",
            at=probe.map.key_node("exec"),
        )
    elif m.seq("command") == []:
        yield ctx.probe_finding(
            probe,
            "exec.command is an empty list; the API server requires a non-empty command",
            at=node,
        )
