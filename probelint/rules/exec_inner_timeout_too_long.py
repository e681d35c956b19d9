"""
## What it does
Reads the limits an exec probe's command sets on itself and reports those that are not
shorter than the probe's effective `timeoutSeconds` (`T`, 1 when absent or 0):

* a `timeout N` wrapper (`timeout 5`, `timeout 5s`, `timeout 1m`, `timeout 2.5`, BusyBox
  `timeout -t 5`), inside the script or around the shell;
* the client's own limit: `curl -m 5`/`--max-time 2.5`, `wget -T 5`, `nc -w 5`, `psql`
  `connect_timeout=5` or `PGCONNECT_TIMEOUT=5`, `mysql --connect-timeout=5`,
  `grpc_health_probe -connect-timeout=5s`/`-rpc-timeout=5s` (Go durations: `500ms`, `1m30s`),
  `grpcurl -max-time 5`, `etcdctl --command-timeout=5s`, `kubectl --request-timeout=5s`,
  `rabbitmqctl --timeout 5`, `ping -w 5`;
* limits on one phase only (`curl --connect-timeout`, `wget --read-timeout`,
  `grpcurl -connect-timeout`, `etcdctl --dial-timeout`).

An inner timeout of `T - 1` is fine, `T` or more is reported. Nothing is reported when a
limit on the whole command is already below `T` (`timeout 3 curl -m 30` with `T` 5 ends at
3 s). A client's built-in default (grpc_health_probe's 1 s) is not a written limit and is
not reported. When a shell-wrapped client has no limit on the whole command at all, PL307
reports it and this rule leaves its phase limits alone. Direct commands and shell scripts
are both checked; unparsable commands are not reported.

## Why is this bad?
The kubelet stops waiting after `T` seconds and records a timeout, so a limit of `T` or more
never gets the chance to end the command: a slow check fails as a bare "command timed out"
instead of through the client's own error (`timeout: health rpc did not complete within
5s`), and a client that runs in a shell, or under a `timeout` wrapper that the runtime
kills, keeps running after the probe has failed until its own limit expires. Usually the
author wanted the check to have that much time: then `timeoutSeconds` is what must be
raised. Exec timeouts are enforced since Kubernetes 1.20; before that the inner timeout was
the only limit that worked, so older manifests often carry one that is too long.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart}
spec:
  template:
    spec:
      containers:
        - name: cart
          image: example/cart:1.4
          livenessProbe:
            exec:
              command: ["/bin/grpc_health_probe", "-addr=:7070", "-rpc-timeout=5s"]
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart}
spec:
  template:
    spec:
      containers:
        - name: cart
          image: example/cart:1.4
          livenessProbe:
            exec:
              command: ["/bin/grpc_health_probe", "-addr=:7070", "-rpc-timeout=5s"]
            timeoutSeconds: 6
```

## Options
None.

## Fix safety
With `T` 2 or more, safe: every limit the message names is set to `T - 1` where it is written,
in its own unit and quoting (`-rpc-timeout=5s` becomes `-rpc-timeout=4s`, `timeout 1m`
becomes `timeout 29` for `T` 30, `connect_timeout=5` in a conninfo becomes
`connect_timeout=4`); the rest of the command is kept. The kubelet already stops the check
after `T` seconds, so the probe keeps giving the same results, at most one second earlier,
and the check now fails through its own error and ends instead of running on. Not offered
when a limit's place is not known: a `PGCONNECT_TIMEOUT` from the container's `env` (which
the application reads too), a limit in a script nested in a script or in backquotes, or a
folded (`>`) script.

With `T` 1 (no whole second is left below it), unsafe: `timeoutSeconds` is raised to the
first whole second above the inner timeout. That delays the detection of a hang by the same
amount, and only the author knows whether the check legitimately takes that long.

## References
- Kubernetes, "Configure Liveness, Readiness and Startup Probes" (`timeoutSeconds`, exec probe
  timeouts enforced since 1.20):
  https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
- kubernetes/kubernetes #94115 and KEP-1972 (exec probe timeouts), #110070 (processes left
  behind after exec probe timeouts)
- grpc-health-probe flags `-connect-timeout` and `-rpc-timeout`:
  https://github.com/grpc-ecosystem/grpc-health-probe
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from yaml.nodes import Node, ScalarNode, SequenceNode

from probelint.dependencies import EnvBinding, container_env
from probelint.execparse import SimpleCommand, parse_exec
from probelint.exectimeouts import (
    Limit,
    command_node,
    inner_timeouts,
    raised_timeout,
    replaces_shell,
    script_functions,
    shown,
)
from probelint.handler_fixes import edited_items, limit_edit, reparsed, set_items
from probelint.model import Finding, Fix
from probelint.probes import Probe
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container

RULE = Rule(
    code="PL308",
    name="exec-inner-timeout-too-long",
    summary="An exec probe's inner timeout is not shorter than timeoutSeconds",
    level="warning",
    fix="sometimes",
)


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if not container.is_regular:
        return
    env = container_env(container)
    for probe in container.probes.values():
        if probe.handler != "exec":
            continue
        commands = parse_exec(probe.command)
        if not commands:
            continue
        timeout = probe.timeout
        functions = script_functions(probe)
        for cmd in commands:
            timeouts = inner_timeouts(cmd, env) if cmd.program not in functions else None
            if timeouts is None or not timeouts.limits:
                continue
            first = min((limit.seconds for limit in timeouts.whole), default=None)
            if first is not None and first < timeout:
                continue  # the command ends before the kubelet gives up
            # A shell child with no whole-command limit is PL307's; its fix covers the phases.
            pl307 = cmd.shell and not replaces_shell(probe, commands, cmd) and not timeouts.bounded
            # Limits that would end the command first if the kubelet did not: those up to the
            # tightest whole-command limit (a longer one could never act).
            late = [limit for limit in timeouts.limits
                    if timeout <= limit.seconds and (first is None or limit.seconds <= first)
                    and (limit.whole or not pl307)]
            if late:
                raise_to = raised_timeout(first if first is not None else max(limit.seconds for limit in late))
                # The runtime kills the process it started: a shell's child, or the command under a
                # `timeout` wrapper that the runtime kills, runs on.
                survives = (cmd.shell and not replaces_shell(probe, commands, cmd)) or cmd.timeout_wrapper is not None
                yield ctx.probe_finding(probe, _message(probe, cmd, late, raise_to, survives),
                                        at=_node(probe, cmd, late),
                                        fix=_fix(ctx, probe, commands, cmd, late, raise_to, env))


def _fix(ctx: RuleContext, probe: Probe, commands: list[SimpleCommand], cmd: SimpleCommand, late: list[Limit],
         raise_to: int, env: Mapping[str, EnvBinding]) -> Fix | None:
    """Set the late limits to timeoutSeconds - 1 where they are written; with timeoutSeconds 1,
    raise timeoutSeconds instead.

    Lowering is safe: the kubelet already ends the check at timeoutSeconds, so the probe
    gives the same results one second earlier at most. Raising timeoutSeconds is unsafe: it
    delays the detection of a hang, and only the author knows whether the check needs
    that long.
    """
    timeout = probe.timeout
    if timeout < 2:
        return ctx.probe_fix(probe, f"Raise timeoutSeconds to {raise_to}", {"timeoutSeconds": raise_to}, unsafe=True)
    command = probe.command
    edits = [limit_edit(command, cmd, limit, timeout - 1) for limit in late] if command else [None]
    if any(edit is None for edit in edits):
        return None
    items = edited_items(command, edits)
    new = reparsed(command, items, commands, cmd) if items is not None else None
    again = inner_timeouts(new, env) if new is not None else None
    if again is None or not (min((limit.seconds for limit in again.whole), default=timeout) < timeout
                             or all(limit.seconds < timeout for limit in again.limits)):
        return None
    shown_limits = " and ".join(f'"{limit.with_value(timeout - 1)}"'
                                for limit in sorted(late, key=lambda limit: limit.seconds))
    builder = ctx.fix(f"Set {shown_limits}", scope=probe.container.node)
    return builder.build() if set_items(builder, probe, items) else None


def _node(probe: Probe, cmd: SimpleCommand, late: list[Limit]) -> Node:
    """The ``exec.command`` item that holds the limit: in a direct command each argument is
    an item of its own; a script is one item."""
    node = probe.command_node()
    if cmd.shell or not isinstance(node, SequenceNode):
        return command_node(probe, cmd)
    name = re.split(r"[= ]", min(late, key=lambda limit: limit.seconds).written, maxsplit=1)[0].lstrip("-")
    for item in node.value[cmd.index:] if name != "timeout" else node.value:
        text = item.value.lstrip("-") if isinstance(item, ScalarNode) and isinstance(item.value, str) else None
        if text is not None and (text == name or text.startswith(name + "=")):
            return item
    return command_node(probe, cmd)


def _message(probe: Probe, cmd: SimpleCommand, late: list[Limit], raise_to: int, survives: bool) -> str:
    timeout = probe.timeout
    late = sorted(late, key=lambda limit: limit.seconds)
    written = " and ".join(limit.written for limit in late)
    verb, it = ("is", "this limit") if len(late) == 1 else ("are", "these limits")
    text = (f'{written} in "{shown(cmd)}" {verb} not below {probe.describe("timeoutSeconds")}: the kubelet gives up '
            f"after {timeout} s, before {it} can end the check, so a slow check fails as a kubelet timeout instead "
            f"of through {cmd.program}'s own error")
    if survives:
        text += f", and {cmd.program} may keep running after the probe has failed"
    if timeout >= 2:
        fixed = " and ".join(limit.with_value(timeout - 1) for limit in late)
        text += f"; set {fixed} (timeoutSeconds {timeout} - 1) or raise timeoutSeconds to {raise_to}"
    else:
        text += (f"; raise timeoutSeconds to {raise_to} (with timeoutSeconds {timeout} there is no whole second "
                 f"left for an inner timeout below it)")
    return text

