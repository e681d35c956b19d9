"""
## What it does
Checks `$(NAME)` references in the `exec.command` of a probe. It reports a reference when
`NAME` is defined in the container's `env` only through `valueFrom` (`secretKeyRef`,
`configMapKeyRef`, `fieldRef`, `resourceFieldRef`), or when `NAME` is not defined in `env`
at all while the container uses `envFrom` (so the name can only come from there). `$$(NAME)`
is the escape for a literal `$(NAME)` and is never reported; a name that also has a literal
`value` in `env` expands and is not reported. For names not in `env`, only environment-style
names (upper case, digits and `_`) are considered, so shell command substitution such as
`$(hostname)` or `$(cat /tmp/token)` is left alone.

## Why is this bad?
The kubelet expands a probe's command with literal `env[].value` strings only
(`ExpandContainerCommandOnlyStatic`, which "does *not* include valueFrom substitutions"). A
name defined through `valueFrom` becomes the empty string, and a name that only comes from
`envFrom` stays the literal text `$(NAME)`. The container's own `command` and `args` see the
real values, so the probe silently runs with a different password, host or namespace than
the app: `redis-cli -a $(REDIS_PASSWORD) ping` runs as `redis-cli -a  ping` and fails
authentication on every run, which on a liveness probe restarts a healthy container forever.

## Example
```yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: redis}
spec:
  serviceName: redis
  template:
    spec:
      containers:
        - name: redis
          image: redis:7.2
          env:
            - name: REDIS_PASSWORD
              valueFrom:
                secretKeyRef: {name: redis, key: password}
          livenessProbe:
            exec:
              command: [redis-cli, -a, $(REDIS_PASSWORD), ping]
```

## Use instead
```yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: redis}
spec:
  serviceName: redis
  template:
    spec:
      containers:
        - name: redis
          image: redis:7.2
          env:
            - name: REDIS_PASSWORD
              valueFrom:
                secretKeyRef: {name: redis, key: password}
          livenessProbe:
            exec:
              command: [sh, -c, 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli ping']
```

## Options
None.

## Fix safety
Unsafe: the command is rewritten as `["sh", "-c", "… $NAME …"]` (or, for a command that
already is `sh -c`, `$(NAME)` becomes `${NAME}` in the script), so the shell reads the
variable from the environment of the exec session at run time. This needs a shell in the
image, and relies on the exec session inheriting the container's environment, which
containerd and CRI-O do; verify on your runtime.

## References
- Kubernetes kubelet, `ExpandContainerCommandOnlyStatic` (`pkg/kubelet/container/helpers.go`)
  and the exec branch of `runProbe` (`pkg/kubelet/prober/prober.go`)
- https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/
  (`$(VAR)` expansion and the `$$` escape)
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from yaml.nodes import ScalarNode

from probelint.model import Finding
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container
from probelint.yamlnode import Map, scalar

RULE = Rule(
    code="PL008",
    name="exec-valuefrom-expansion",
    summary="An exec probe uses $(NAME) for a variable that probe expansion cannot see (valueFrom or envFrom)",
    level="error",
    scope="container",
    fix="always",
)

# Names that can only come from envFrom are guessed from the conventional spelling of
# environment variables, so that shell command substitution such as $(hostname) is not
# mistaken for a variable reference.
ENV_STYLE = re.compile(r"[A-Z_][A-Z0-9_]*")


def references(text: str) -> list[str]:
    """The ``$(NAME)`` references the kubelet's expansion sees in ``text``, in order.

    Follows ``third_party/forked/golang/expansion``: ``$$`` is an escaped ``$``, ``$(`` opens
    a reference that ends at the next ``)``, and an unterminated ``$(`` is literal text.
    """
    found = []
    i = 0
    while i < len(text) - 1:
        if text[i] != "$":
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            i += 2
            continue
        if nxt == "(":
            end = text.find(")", i + 2)
            if end == -1:
                break
            found.append(text[i + 2:end])
            i = end + 1
            continue
        i += 1
    return found


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    # A literal value anywhere in env expands (even next to valueFrom, or with valueFrom null).
    literal: set[str] = set()
    from_ref: dict[str, str] = {}
    for var in container.env:
        source = _source(var.node)
        if source is None or var.value is not None:
            literal.add(var.name)
        else:
            from_ref.setdefault(var.name, source)
    for probe in container.probes.values():
        if "exec" not in probe.handlers:
            continue
        m = probe.map.map("exec")
        items = m.seq("command") if m is not None else None
        reported: set[str] = set()
        for item in items or ():
            if not isinstance(item, ScalarNode):
                continue
            value = scalar(item)
            if not isinstance(value, str):
                continue
            for name in references(value):
                if name in reported or name in literal:
                    continue
                if name in from_ref:
                    reported.add(name)
                    yield _finding(
                        ctx, probe, item, name,
                        f"env defines {name} only through valueFrom{from_ref[name]}, so it expands to an "
                        "empty string",
                    )
                elif container.env_from and ENV_STYLE.fullmatch(name):
                    reported.add(name)
                    yield _finding(
                        ctx, probe, item, name,
                        f"{name} is not defined in env (the container uses envFrom), so the command keeps the literal "
                        f'text "$({name})"',
                    )


def _finding(ctx: RuleContext, probe: Probe, item, name: str, what: str) -> Finding:
    return ctx.probe_finding(
        probe,
        f"exec command uses $({name}); probe commands expand only literal env values: {what}",
        at=item,
        fixable=True,
    )


def _source(node) -> str | None:
    """`` (secretKeyRef)`` style text for an env entry set through ``valueFrom``, else None."""
    value_from = Map(node).map("valueFrom")
    if value_from is None:
        return None
    keys = list(value_from.keys())
    return f" ({', '.join(keys)})" if keys else ""
