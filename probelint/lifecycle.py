"""How long a container's preStop hook holds up its shutdown, and where that is written.

When a container is stopped, the kubelet runs its preStop hook first and sends SIGTERM only when
the hook returns; the hook's time is taken out of the grace period that also has to cover the
application's own shutdown. The termination rules need that time: for the sleep action
(``lifecycle.preStop.sleep.seconds``) it is written down; for an exec hook it is what the
command sleeps before it returns: ``["sleep", "5"]``, ``["sh", "-c", "sleep 5; nginx -s quit"]``
or ``sleep 5 && nginx -s quit``. Sleeps that run one after the other add up (``sleep 1m 30s``
too, as GNU ``sleep`` sums its operands); ``5s``, ``1m``, ``/bin/sleep``, ``busybox sleep``,
``exec sleep`` and a ``timeout N`` wrapper are understood.

Only sleeps on the hook's path of success count (``a && sleep 5`` counts, ``a || sleep 5`` does
not), so the figure is a lower bound of the hook's real duration. A sleep inside
``if``/``while``/``for``/``case``, in a pipeline, in a subshell or in the background makes the
hook unknown, and so does a sleep whose duration is a variable, unless it is ``$NAME`` or
``${NAME}`` and the container's ``env`` gives ``NAME`` a literal value. An httpGet or tcpSocket
hook, a hook that does not sleep at all (``/wait-shutdown``, ``nginx -s quit``: their time
depends on the program) and anything the parser cannot follow are unknown as well:
``prestop_duration`` returns None and the rules say nothing.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from yaml.nodes import MappingNode, Node, ScalarNode

from probelint.execparse import SimpleCommand, parse_duration, parse_exec, parse_script
from probelint.probes import is_int
from probelint.yamlnode import Map, scalar

if TYPE_CHECKING:
    from probelint.workloads import Container

HOOK_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")
SLEEP_PROGRAMS = frozenset({"sleep"})
# Programs that return at once: a hook made of these and sleeps lasts exactly its sleeps.
INSTANT_PROGRAMS = frozenset({"true", ":", "echo", "printf"})
INFINITE = frozenset({"inf", "infinity"})
VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
# Words that open or continue a compound command: a sleep inside one may not run.
COMPOUND_WORDS = frozenset({
    "if", "then", "else", "elif", "fi", "while", "until", "do", "done", "for", "case", "esac",
    "select", "function", "{", "}", "coproc",
})


@dataclass(frozen=True)
class PreStop:
    """What the preStop hook of one container is known to take.

    ``seconds`` is how long the hook blocks at least (``math.inf`` for ``sleep infinity``);
    ``node`` is where that duration is written: the ``seconds`` key of a sleep action, the
    duration argument of a direct ``["sleep", "5"]``, or the script item of a ``sh -c`` hook.
    ``action`` is ``"sleep"`` or ``"exec"``; ``exact`` tells that the hook does nothing but
    sleep, so ``seconds`` is its whole duration rather than a lower bound.
    """

    seconds: float
    node: Node
    action: str
    exact: bool

    @property
    def text(self) -> str:
        """``preStop sleep.seconds is 25``, ``preStop exec sleeps 5s (plus its other commands)``."""
        shown = format_seconds(self.seconds)
        if self.action == "sleep":
            return f"preStop sleep.seconds is {shown}"
        if math.isinf(self.seconds):
            return "preStop exec sleeps forever"
        return f"preStop exec sleeps {shown}s" + ("" if self.exact else " (plus its other commands)")

    @property
    def phrase(self) -> str:
        """``the preStop sleep action's 10s``, ``the preStop exec's 25s sleep``."""
        if self.action == "sleep":
            return f"the preStop sleep action's {format_seconds(self.seconds)}s"
        if math.isinf(self.seconds):
            return "the preStop exec's endless sleep"
        return f"the preStop exec's {format_seconds(self.seconds)}s sleep"


def format_seconds(value: float) -> str:
    """``5`` for whole seconds, ``2.5`` otherwise, ``infinity`` for ``sleep infinity``."""
    if math.isinf(value):
        return "infinity"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def prestop_node(container: Container) -> MappingNode | None:
    """The ``lifecycle.preStop`` mapping of a container, or None."""
    lifecycle = container.map.map("lifecycle")
    hook = lifecycle.get("preStop") if lifecycle is not None else None
    return hook if isinstance(hook, MappingNode) else None


def prestop_handlers(container: Container) -> tuple[str, ...]:
    """The handler keys set on the preStop hook (``exec``, ``httpGet``, ``tcpSocket``, ``sleep``)."""
    hook = prestop_node(container)
    if hook is None:
        return ()
    m = Map(hook)
    return tuple(h for h in HOOK_HANDLERS if not _is_null(m.get(h)))


def has_prestop(container: Container) -> bool:
    return bool(prestop_handlers(container))


def prestop_duration(container: Container) -> PreStop | None:
    """How long the container's preStop hook takes at least, or None when that is unknown."""
    handlers = prestop_handlers(container)
    if len(handlers) != 1:
        return None  # none, or several (which the API server rejects)
    hook = Map(prestop_node(container))
    if handlers[0] == "sleep":
        return _sleep_action(hook.map("sleep"))
    if handlers[0] == "exec":
        exec_map = hook.map("exec")
        items = exec_map.seq("command") if exec_map is not None else None
        return exec_duration(items, literal_env(container)) if items is not None else None
    return None


def literal_env(container: Container) -> dict[str, str | None]:
    """The container's ``env`` as the shell of an exec hook sees it; None where only the run time knows."""
    values: dict[str, str | None] = {}
    for var in container.env:
        values[var.name] = None if var.from_ref else var.value
    return values


def _sleep_action(sleep: Map | None) -> PreStop | None:
    if sleep is None:
        return None
    value = sleep.scalar("seconds")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not is_int(value) or value < 0:
        return None
    return PreStop(float(value), sleep.key_node("seconds"), "sleep", True)


def exec_duration(items: list[Node], env: dict[str, str | None] | None = None) -> PreStop | None:
    """The sleep time of an exec hook's ``command`` items, or None when it is unknown.

    ``env`` holds the container's literal variables: a shell hook's ``sleep $DRAIN_SECONDS`` is
    resolved from it.
    """
    if not items or not all(isinstance(item, ScalarNode) for item in items):
        return None
    command = [str(scalar(item)) for item in items]
    parsed = parse_exec(command)
    if not parsed:
        return None
    if not any(c.shell for c in parsed):
        return _direct(parsed, items)
    index = parsed[0].index
    if any(c.index != index or not c.shell for c in parsed) or not 0 <= index < len(command):
        return None
    timing = script_sleep(command[index], env)
    if timing is None:
        return None
    seconds, exact = timing
    outer = _outer_timeout(command[:index])
    if outer is not None and outer < seconds:
        seconds, exact = outer, False
    return PreStop(seconds, items[index], "exec", exact)


def _direct(parsed: list[SimpleCommand], items: list[Node]) -> PreStop | None:
    """``["sleep", "5"]``, ``["/bin/sleep", "1m"]``, ``["busybox", "sleep", "5"]``."""
    if len(parsed) != 1 or parsed[0].program not in SLEEP_PROGRAMS:
        return None
    cmd = parsed[0]
    seconds = sleep_seconds(cmd)
    if seconds is None:
        return None
    operand = next((k for k, word in enumerate(cmd.argv[1:], start=1) if not word.startswith("-")), 0)
    position = cmd.index + operand
    node = items[position] if 0 <= position < len(items) else items[cmd.index]
    return PreStop(seconds, node, "exec", True)


def _outer_timeout(prefix: list[str]) -> float | None:
    """The ``timeout N`` that wraps the whole shell (``["timeout", "30", "sh", "-c", ...]``)."""
    if not prefix:
        return None
    wrapped = parse_exec([*prefix, ":"])
    return wrapped[0].timeout_wrapper if wrapped and len(wrapped) == 1 else None


def sleep_seconds(cmd: SimpleCommand, env: dict[str, str | None] | None = None) -> float | None:
    """Seconds a ``sleep`` command waits: its operands added up, capped by a ``timeout`` wrapper.

    In a shell, an operand that is just ``$NAME`` or ``${NAME}`` is read from ``env``.
    """
    operands = [word for word in cmd.args if word != "--"]
    if not operands or any(word.startswith("-") for word in operands):
        return None  # no operand (an error) or an option such as --help
    total = 0.0
    for word in operands:
        variable = VARIABLE.fullmatch(word) if cmd.shell else None
        if variable is not None:
            word = (env or {}).get(variable.group(1) or variable.group(2)) or ""
        if word.lower() in INFINITE:
            total = math.inf
            continue
        value = parse_duration(word)
        if value is None:
            return None  # a variable, a command substitution, a typo
        total += value
    if cmd.timeout_wrapper is not None:
        total = min(total, cmd.timeout_wrapper)
    return total


def script_sleep(script: str, env: dict[str, str | None] | None = None) -> tuple[float, bool] | None:
    """``(seconds, exact)`` slept by a shell script on its path of success, or None if unknown."""
    segments = split_script(script)
    if segments is None:
        return None
    total = 0.0
    exact = True
    counted = False
    for separator, text in segments:
        commands = parse_script(text)
        if commands is None:
            return None
        sleeps = [c for c in commands if c.program in SLEEP_PROGRAMS]
        if not sleeps:
            if any(c.program not in INSTANT_PROGRAMS for c in commands):
                exact = False
            continue
        if len(commands) != 1 or commands[0].substitution or separator == "||":
            return None  # a sleep in a nested shell, a substitution, or one that runs only on failure
        seconds = sleep_seconds(commands[0], env)
        if seconds is None:
            return None
        total += seconds
        counted = True
    return (total, exact) if counted else None


def split_script(script: str) -> list[tuple[str, str]] | None:
    """The top-level commands of a straight-line script, each with the operator before it.

    Operators are ``""`` (the first command), ``";"``, ``"\\n"``, ``"&&"`` and ``"||"``. Returns
    None for what is not a plain sequence: pipelines, background jobs, subshells, compound
    commands, here-documents, or quoting the scanner cannot close.
    """
    out: list[tuple[str, str]] = []
    n = len(script)
    i = 0
    start = 0
    pending = ""
    word_start = True  # the next character begins a word (for `#` comments)

    def emit(separator: str, end: int) -> bool:
        nonlocal pending
        text = script[start:end].strip()
        if not text:
            # A blank line or a leading comment; a newline after && or || continues the list.
            # Any other operator after nothing (`; b`, `a && ; b`) is a syntax error.
            return separator in ("", "\n")
        if text.split(None, 1)[0] in COMPOUND_WORDS:
            return False
        out.append((pending, text))
        pending = separator
        return True

    while i < n:
        c = script[i]
        nxt = script[i + 1] if i + 1 < n else ""
        if c == "\\":
            i += 2
            word_start = False
            continue
        if c == "'":
            end = script.find("'", i + 1)
            if end < 0:
                return None
            i = end + 1
            word_start = False
            continue
        if c == '"':
            i = _skip_double(script, i + 1)
            if i < 0:
                return None
            word_start = False
            continue
        if c == "`":
            end = script.find("`", i + 1)
            if end < 0:
                return None
            i = end + 1
            word_start = False
            continue
        if c == "$" and nxt in "({":
            i = _skip_balanced(script, i + 2, "(" if nxt == "(" else "{", ")" if nxt == "(" else "}")
            if i < 0:
                return None
            word_start = False
            continue
        if c == "#" and word_start:
            end = script.find("\n", i)
            i = n if end < 0 else end
            continue
        if c in " \t\r":
            i += 1
            word_start = True
            continue
        if c in "()":
            return None
        if c == "<" and nxt == "<":
            return None  # here-document or here-string
        if c in "<>":
            i += 1
            while i < n and script[i] in "<>&|":
                i += 1
            word_start = True
            continue
        separator = None
        width = 1
        if c == ";":
            separator = ";"
            if nxt == ";":
                return None  # `;;` belongs to case
        elif c == "\n":
            separator = "\n"
        elif c == "&":
            if nxt == "&":
                separator, width = "&&", 2
            elif nxt == ">":
                i += 2
                while i < n and script[i] in ">":
                    i += 1
                word_start = True
                continue
            else:
                return None  # a background job does not hold the hook up
        elif c == "|":
            if nxt == "|":
                separator, width = "||", 2
            else:
                return None  # a pipeline runs its commands at the same time
        if separator is not None:
            if not emit(separator, i):
                return None
            i += width
            start = i
            word_start = True
            continue
        i += 1
        word_start = False
    if not emit("", n):
        return None
    if pending in ("&&", "||"):
        return None  # the script ends with a dangling operator
    return out


def _skip_double(text: str, pos: int) -> int:
    """Position after the double quote closing a string opened before ``pos``; -1 if none."""
    n = len(text)
    while pos < n:
        c = text[pos]
        if c == "\\":
            pos += 2
            continue
        if c == '"':
            return pos + 1
        if c == "$" and pos + 1 < n and text[pos + 1] in "({":
            opener = text[pos + 1]
            pos = _skip_balanced(text, pos + 2, opener, ")" if opener == "(" else "}")
            if pos < 0:
                return -1
            continue
        if c == "`":
            end = text.find("`", pos + 1)
            if end < 0:
                return -1
            pos = end + 1
            continue
        pos += 1
    return -1


def _skip_balanced(text: str, pos: int, opener: str, closer: str) -> int:
    """Position after the closer balancing an opener consumed before ``pos``; -1 if none."""
    n = len(text)
    depth = 1
    while pos < n:
        c = text[pos]
        if c == "\\":
            pos += 2
            continue
        if c == "'":
            end = text.find("'", pos + 1)
            if end < 0:
                return -1
            pos = end + 1
            continue
        if c == '"':
            pos = _skip_double(text, pos + 1)
            if pos < 0:
                return -1
            continue
        if c == opener:
            depth += 1
        elif c == closer:
            depth -= 1
            if depth == 0:
                return pos + 1
        pos += 1
    return -1


def _is_null(node: Node | None) -> bool:
    return node is None or (isinstance(node, ScalarNode) and scalar(node) is None)
