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
Unsafe: the shell is made to read the variables from the environment at run time. In a
command that already runs `sh -c` (or `bash -c`, ...), each reported `$(NAME)` in the script
becomes a shell reference in the quoting it stands in: `"$NAME"` where it is unquoted,
`$NAME` (or `${NAME}` before a letter) inside double quotes, `'"$NAME"'` inside single quotes;
the rest of the script is kept as written. Any other command is rewritten as
`["sh", "-c", "..."]`, its arguments quoted for the shell and each reference written as
`"$NAME"` (`redis-cli -a "$REDIS_PASSWORD" ping`). This needs a shell in the image, and relies
on the exec session inheriting the container's environment, which containerd and CRI-O do;
verify on your runtime. No fix when a reference stands outside the script (an argument of
the shell or of a wrapper), when the name is not a shell variable name, when the script
uses backquotes, here-documents or `$$`, where the quoting around a reference is not known,
or when the rewrite would drop a comment (after the `|` of a block script, or after
`command:` of a list that is rewritten; comments on the items of a rewritten list go with
them).

## References
- Kubernetes kubelet, `ExpandContainerCommandOnlyStatic` (`pkg/kubelet/container/helpers.go`)
  and the exec branch of `runProbe` (`pkg/kubelet/prober/prober.go`)
- https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/
  (`$(VAR)` expansion and the `$$` escape)
"""
from __future__ import annotations

import re
import shlex
from collections.abc import Iterator

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from probelint.execparse import shell_script_index
from probelint.handler_fixes import set_items
from probelint.model import Finding, Fix
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
    fix="sometimes",
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
    return [name for _start, _end, name in reference_spans(text)]


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    # A literal value anywhere in env expands (even next to valueFrom, or with valueFrom null).
    literal: dict[str, str] = {}
    from_ref: dict[str, str] = {}
    for var in container.env:
        source = _source(var.node)
        if source is None or var.value is not None:
            literal[var.name] = var.value or ""
        else:
            from_ref.setdefault(var.name, source)
    for probe in container.probes.values():
        if "exec" not in probe.handlers:
            continue
        m = probe.map.map("exec")
        items = m.seq("command") if m is not None else None
        reported: dict[str, tuple[Node, str]] = {}
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
                    what = (f"env defines {name} only through valueFrom{from_ref[name]}, so it expands to an "
                            "empty string")
                    reported[name] = (item, what)
                elif container.env_from and ENV_STYLE.fullmatch(name):
                    what = (f"{name} is not defined in env (the container uses envFrom), so the command keeps the "
                            f'literal text "$({name})"')
                    reported[name] = (item, what)
        if not reported:
            continue
        fix = _fix(ctx, probe, set(reported), literal)
        for name, (item, what) in reported.items():
            yield _finding(ctx, probe, item, name, what, fix)


def _finding(ctx: RuleContext, probe: Probe, item: Node, name: str, what: str, fix: Fix | None) -> Finding:
    return ctx.probe_finding(
        probe,
        f"exec command uses $({name}); probe commands expand only literal env values: {what}",
        at=item,
        fix=fix,
    )


# -- the fix -------------------------------------------------------------------------------
SHELL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NAME_CHAR = re.compile(r"[A-Za-z0-9_]")
# Characters that would change the shell's reading of a script if the kubelet put them in.
_SHELL_ACTIVE = frozenset("'\"\\`$()")


def reference_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, name)`` of each ``$(NAME)`` reference, read as ``references`` does."""
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
            found.append((i, end + 1, text[i + 2:end]))
            i = end + 1
            continue
        i += 1
    return found


def _fix(ctx: RuleContext, probe: Probe, names: set[str], literal: dict[str, str]) -> Fix | None:
    """Make the shell read the variables at run time: in an ``sh -c`` script each reference
    becomes ``$NAME`` in the quoting it stands in; any other command is rewritten as
    ``["sh", "-c", "..."]`` with ``"$NAME"`` where the reference was.

    Unsafe: the image needs a shell, and the exec session must inherit the container's
    environment (containerd and CRI-O do).
    """
    command = probe.command
    exec_node = probe.map.get("exec")
    sequence = probe.command_node()
    if not command or not isinstance(exec_node, MappingNode) or not isinstance(sequence, SequenceNode):
        return None
    if not all(SHELL_NAME.fullmatch(name) for name in names):
        return None  # not a name the shell can read
    shown = " and ".join(f"${name}" for name in sorted(names))
    script_at = shell_script_index(command)
    holding = {i for i, item in enumerate(command) if any(name in names for _, _, name in reference_spans(item))}
    if script_at is not None:
        if holding != {script_at}:
            return None  # a reference outside the script (an argument of the shell or of a wrapper)
        script = _script_with_variables(command[script_at], names, literal)
        if script is None:
            return None
        builder = ctx.fix(f"Read {shown} from the environment in the shell script", unsafe=True,
                          scope=probe.container.node)
        return builder.build() if set_items(builder, probe, {script_at: script}) else None
    words = [_shell_word(item, names, literal) for item in command]
    if any(word is None for word in words):
        return None
    builder = ctx.fix(f"Run the command through sh -c and read {shown} from the environment", unsafe=True,
                      scope=probe.container.node)
    key = Map(exec_node).key_node("command")
    if key is None or "#" in builder.text.text[builder.text.end(key):builder.text.start(sequence)]:
        return None  # the list is rewritten from its key on, which would drop that comment
    return builder.set(exec_node, "command", ["sh", "-c", " ".join(words)]).build()


def _shell_word(item: str, names: set[str], literal: dict[str, str]) -> str | None:
    """One argument of a direct command as a shell word: literal text in single quotes where
    needed, each reference to ``names`` as ``"$NAME"``. Other references stay for the kubelet
    to expand; inside single quotes that is exact unless their value holds a quote."""
    parts: list[str] = []
    pos = 0
    for start, end, name in reference_spans(item):
        if name in literal and "'" in literal[name]:
            return None
        if name not in names:
            continue
        if item[pos:start]:
            parts.append(_quoted(item[pos:start]))
        parts.append(f'"${name}"')
        pos = end
    if item[pos:] or not parts:
        parts.append(_quoted(item[pos:]))
    return "".join(parts)


def _quoted(text: str) -> str:
    """Literal text as the shell reads it: bare when it can be, else in single quotes, else in
    double quotes when nothing in it is special there (``it's``)."""
    quoted = shlex.quote(text)
    if quoted.startswith("'") and "'" in text and not set(text) & set('"$`\\!'):
        return f'"{text}"'
    return quoted


def _script_with_variables(script: str, names: set[str], literal: dict[str, str]) -> str | None:
    """The script with each ``$(NAME)`` of ``names`` replaced by a shell variable reference
    that keeps the quoting around it: ``"$NAME"`` unquoted, ``$NAME`` inside double quotes,
    ``'"$NAME"'`` inside single quotes. None when the script uses what this reading does not
    follow (backquotes, here-documents, ``$$``, ``${...}`` with quotes, or a kubelet value
    that would change the shell's reading)."""
    if "$$" in script or "<<" in script:
        return None
    refs = {start: (end, name) for start, end, name in reference_spans(script)}
    edits: list[tuple[int, int, str]] = []
    stack = [""]  # quoting: "" unquoted, "(" inside $(...) or ( ), '"', "'", "#" a comment
    single_at = -1  # where the open single-quoted string starts
    i, n = 0, len(script)
    while i < n:
        c = script[i]
        top = stack[-1]
        if i in refs and top != "#":
            end, name = refs[i]
            if name in names and top == "'":
                # Close the quotes around "$NAME"; not where they would be empty ('' or '').
                opens, closes = single_at == i - 1, script[end:end + 1] == "'"
                text = ("" if opens else "'") + f'"${name}"' + ("" if closes else "'")
                edits.append((i - 1 if opens else i, end + 1 if closes else end, text))
                i = end + 1 if closes else end
                if closes:
                    stack.pop()
                continue
            if name in names:
                edits.append((i, end, _variable(name, top, script[end:end + 1])))
                i = end
                continue
            if name in literal:
                if _SHELL_ACTIVE & set(literal[name]):
                    return None
                i = end
                continue
            if top != "'":
                stack.append("(")  # a command substitution: quoting starts afresh inside
                i += 2
                continue
        if top == "#":
            if c == "\n":
                stack.pop()
            elif i in refs and refs[i][1] in names:
                end, name = refs[i]
                edits.append((i, end, f"${{{name}}}"))
                i = end
                continue
        elif top == "'":
            if c == "'":
                stack.pop()
        elif c == "\\":
            i += 2
            continue
        elif c == "`":
            return None
        elif top == '"':
            if c == '"':
                stack.pop()
            elif script.startswith("${", i):
                close = script.find("}", i)
                if close == -1 or set(script[i:close]) & set("'\""):
                    return None
                i = close + 1
                continue
        elif c in "'\"":
            stack.append(c)
            single_at = i
        elif script.startswith("${", i):
            close = script.find("}", i)
            if close == -1 or set(script[i:close]) & set("'\""):
                return None
            i = close + 1
            continue
        elif c == "#" and (i == 0 or script[i - 1] in " \t\n;&|()"):
            stack.append("#")
        elif c == "(":
            stack.append("(")
        elif c == ")" and top == "(":
            stack.pop()
        i += 1
    wanted = sum(1 for _, name in refs.values() if name in names)
    if not edits or len(edits) != wanted:
        return None  # a reference inside ${...}, or none at all
    for start, end, text in reversed(edits):
        script = script[:start] + text + script[end:]
    return script


def _variable(name: str, quoting: str, following: str) -> str:
    """``$NAME`` inside double quotes (braced before a name character), else ``"$NAME"``."""
    if quoting == '"':
        return f"${{{name}}}" if _NAME_CHAR.match(following) else f"${name}"
    return f'"${name}"'


def _source(node) -> str | None:
    """`` (secretKeyRef)`` style text for an env entry set through ``valueFrom``, else None."""
    value_from = Map(node).map("valueFrom")
    if value_from is None:
        return None
    keys = list(value_from.keys())
    return f" ({', '.join(keys)})" if keys else ""
