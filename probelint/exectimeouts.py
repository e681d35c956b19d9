"""Inner timeouts of exec probe commands, and whether a command outlives its probe.

When ``timeoutSeconds`` expires the runtime kills the process it started, not necessarily its
children, so a network client started by a shell keeps running unless it has a deadline of its
own (a ``timeout N`` wrapper or the tool's flag). PL306, PL307 and PL308 share this analysis.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from yaml.nodes import Node, SequenceNode

from probelint.dependencies import EnvBinding, tool_for
from probelint.execparse import (
    SHELLS,
    SimpleCommand,
    basename,
    parse_duration,
    parse_exec,
)
from probelint.probes import Probe
from probelint.secrets import simple_command_text
from probelint.tooloptions import (
    CURL_LONG_VALUES,
    CURL_SHORT_VALUES,
    GRPC_PROBE_VALUES,
    GRPCURL_VALUES,
    NC_LONG_VALUES,
    NC_SHORT_VALUES,
    WGET_LONG_VALUES,
    WGET_SHORT_VALUES,
    getopt,
    goflags,
)

MAX_SHOWN = 80


# -- values --------------------------------------------------------------------------------
_NUMBER = re.compile(r"(\d+(?:\.\d*)?|\.\d+)")
_GO_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def seconds(text: str | None) -> float | None:
    """A plain number of seconds (``5``, ``2.5``), as curl, nc and libpq take it."""
    if text is None or not _NUMBER.fullmatch(text.strip()):
        return None
    return float(text.strip())


def go_duration(text: str | None) -> float | None:
    """A Go ``time.Duration`` (``5s``, ``500ms``, ``1m30s``); a bare number is not one."""
    if text is None:
        return None
    text = text.strip().lstrip("+")
    if text == "0":
        return 0.0
    pos, total = 0, 0.0
    while pos < len(text):
        match = _GO_PART.match(text, pos)
        if not match:
            return None
        total += float(match.group(1)) * _GO_UNITS[match.group(2)]
        pos = match.end()
    return total if text else None


def go_or_seconds(text: str | None) -> float | None:
    return seconds(text) if text is not None and _NUMBER.fullmatch(text.strip()) else go_duration(text)


def duration(text: str | None) -> float | None:
    """``timeout``'s and wget's form: a number with an optional s/m/h/d suffix."""
    return parse_duration(text) if text is not None else None


def fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# -- inner timeouts ------------------------------------------------------------------------
@dataclass(frozen=True)
class Limit:
    """One written limit on how long a command may run.

    ``written`` is how it reads in the command (``-m 10``, ``timeout 10``,
    ``-rpc-timeout=5s``); ``template`` rewrites it with another number of seconds; ``whole``
    tells whether it bounds the whole command or only one phase (connecting, one RPC).

    Where it is written, for fixes: ``kind`` is ``option`` (a client option: ``arg`` is the
    index in the command's arguments of the word with the option's name, ``sep`` how the
    value follows it), ``timeout`` (a wrapper), ``conninfo`` (``connect_timeout=`` inside
    argument ``arg``) or ``env`` (``PGCONNECT_TIMEOUT``); ``value`` is the value as written.
    """

    written: str
    seconds: float
    whole: bool
    template: str
    kind: str = "option"
    arg: int | None = None
    sep: str = ""
    value: str = ""

    def with_value(self, value: float) -> str:
        return self.template.format(fmt(value))


@dataclass(frozen=True)
class Timeouts:
    """What limits the run time of one network client invocation."""

    tool: str
    limits: tuple[Limit, ...]  # written and non-zero
    builtin: str  # the client's own default deadline, described; "" when it has none
    flag: str  # how to add the client's own limit ('add "-m {}"'), "" if it has none
    flag_names: str  # how the whole-run options are named in messages ("-m/--max-time")
    disabled: tuple[Limit, ...] = ()  # limits written as 0, which switches them off

    @property
    def whole(self) -> tuple[Limit, ...]:
        return tuple(limit for limit in self.limits if limit.whole)

    @property
    def partial(self) -> tuple[Limit, ...]:
        return tuple(limit for limit in self.limits if not limit.whole)

    @property
    def bounded(self) -> bool:
        return bool(self.builtin or self.whole)


def _written(name: str, value: str, sep: str) -> str:
    return f"{name}{sep}{value}"


def _template(name: str, sep: str, unit: str = "") -> str:
    return f"{name}{'=' if sep == '=' else ' '}{{}}{unit}"


MAX_LOCATED_ARGS = 64  # longer commands are analysed, but their limits are not located for fixes

OptionParser = Callable[[Sequence[str]], list[tuple[str, str | None, str]]]


def option_words(parse: OptionParser, args: Sequence[str]) -> list[int | None]:
    """For each option ``parse(args)`` returns, the index of the argument that holds its name.

    The parsers read left to right and a word adds at most one option (a value word adds
    none), so the option count of growing prefixes tells where each option starts. That is
    quadratic, hence only for commands of ordinary length.
    """
    total = len(parse(args))
    if len(args) > MAX_LOCATED_ARGS:
        return [None] * total
    words: list[int | None] = []
    for i in range(len(args)):
        count = len(parse(args[: i + 1]))
        while len(words) < count:
            words.append(i)
    return (words + [None] * total)[:total]


def _flag_limits(options: Sequence[tuple[str, str | None, str]], whole: Mapping[str, Callable],
                 phase: Mapping[str, Callable], prefix: str = "", unit: str = "",
                 locate: tuple[OptionParser, Sequence[str]] | None = None) -> list[Limit]:
    """Limits among parsed options; the last occurrence of an option wins, as in getopt loops.

    ``locate`` (the parser and the arguments) finds the words the limits are written in.
    """
    found: dict[str, tuple[int, Limit] | None] = {}
    for k, (name, value, sep) in enumerate(options):
        parse = whole.get(name) or phase.get(name)
        if parse is None or value is None:
            continue
        amount = parse(value)
        if amount is None:
            found[name] = None  # not a value the tool accepts: it refuses to run, nothing to time
            continue
        shown = prefix + name
        found[name] = (k, Limit(_written(shown, value, sep), amount, name in whole, _template(shown, sep, unit),
                                sep=sep, value=value))
    limits = [entry for entry in found.values() if entry is not None and entry[1].seconds >= 0]
    if limits and locate is not None:
        words = option_words(*locate)
        limits = [(k, replace(limit, arg=words[k])) for k, limit in limits]
    return [limit for _, limit in limits]


def _options(parser: Callable, args: Sequence[str], *params,
             **keywords) -> tuple[list, tuple[OptionParser, Sequence[str]]]:
    """The options of ``args`` read by ``parser``, and what ``_flag_limits`` needs to locate them."""

    def parse(words: Sequence[str]) -> list[tuple[str, str | None, str]]:
        return parser(words, *params, **keywords)[0]

    return parse(args), (parse, args)


CONNECT_TIMEOUT = re.compile(r"(?:^|[\s?&])connect_timeout\s*=\s*'?(-?\d+)")


def _conninfo_limits(cmd: SimpleCommand, env: Mapping[str, EnvBinding]) -> list[Limit]:
    """libpq's ``connect_timeout`` (conninfo or URI), else ``PGCONNECT_TIMEOUT``."""
    found: list[Limit] = []
    for index, arg in enumerate(cmd.args):
        for match in CONNECT_TIMEOUT.finditer(arg):
            amount = float(match.group(1))
            if amount > 0:
                found.append(Limit(f"connect_timeout={match.group(1)}", amount, True, "connect_timeout={}",
                                   kind="conninfo", arg=index, value=match.group(1)))
    if found:
        return found[-1:]
    value = cmd.env.get("PGCONNECT_TIMEOUT")
    if value is None:
        binding = env.get("PGCONNECT_TIMEOUT")
        value = binding.value if binding is not None else None
    amount = seconds(value)
    if amount:
        return [Limit(f"PGCONNECT_TIMEOUT={value}", amount, True, "PGCONNECT_TIMEOUT={}", kind="env", value=value)]
    return []


def inner_timeouts(cmd: SimpleCommand, env: Mapping[str, EnvBinding]) -> Timeouts | None:
    """The limits of a network client command, or None when the command is not one."""
    found = tool_for(cmd.program, cmd.args)
    if found is None:
        return None
    name = found[0]
    args = cmd.args
    limits: list[Limit] = []
    if cmd.timeout_wrapper:
        limits.append(Limit(f"timeout {fmt(cmd.timeout_wrapper)}", cmd.timeout_wrapper, True, "timeout {}",
                            kind="timeout"))
    builtin, flag, flag_names = "", "", ""
    if name == "curl":
        options, locate = _options(getopt, args, CURL_SHORT_VALUES, CURL_LONG_VALUES, long_equals=False)
        limits += _flag_limits(options, {"-m": seconds, "--max-time": seconds}, {"--connect-timeout": seconds},
                               locate=locate)
        flag, flag_names = 'add "-m {}"', "-m/--max-time"
    elif name == "wget":
        options, locate = _options(getopt, args, WGET_SHORT_VALUES, WGET_LONG_VALUES)
        limits += _flag_limits(options, {"-T": duration, "--timeout": duration},
                               {"--connect-timeout": duration, "--read-timeout": duration, "--dns-timeout": duration},
                               locate=locate)
        flag, flag_names = 'add "-T {}"', "-T/--timeout"
    elif name in ("nc", "ncat", "netcat"):
        options, locate = _options(getopt, args, NC_SHORT_VALUES, NC_LONG_VALUES)
        limits += _flag_limits(options, {"-w": seconds, "--wait": duration}, {}, locate=locate)
        flag, flag_names = 'add "-w {}"', "-w"
    elif name == "psql":
        limits += _conninfo_limits(cmd, env)
        flag, flag_names = 'set "PGCONNECT_TIMEOUT={}" in front of it', "connect_timeout, no PGCONNECT_TIMEOUT"
    elif name == "pg_isready":
        options, locate = _options(getopt, args, "hpUdt",
                                   frozenset({"--host", "--port", "--username", "--dbname", "--timeout"}))
        written = [(n, v) for n, v, _ in options if n in ("-t", "--timeout") and v is not None]
        limits += _flag_limits(options, {"-t": seconds, "--timeout": seconds}, {}, locate=locate)
        if not written:
            builtin = "pg_isready gives up after 3 s unless -t says otherwise"
    elif name in ("mysql", "mysqladmin", "mariadb", "mariadb-admin"):
        options, locate = _options(getopt, args, "", frozenset({"--connect-timeout", "--connect_timeout"}))
        limits += _flag_limits(options, {"--connect-timeout": seconds, "--connect_timeout": seconds}, {}, locate=locate)
        flag, flag_names = 'add "--connect-timeout={}"', "--connect-timeout"
    elif name == "grpc_health_probe":
        options, locate = _options(goflags, args, GRPC_PROBE_VALUES)
        limits += _flag_limits(options, {}, {"connect-timeout": go_duration, "rpc-timeout": go_duration}, "-", "s",
                               locate=locate)
        builtin = "grpc_health_probe allows 1 s to connect and 1 s for the RPC unless told otherwise"
    elif name == "grpcurl":
        options, locate = _options(goflags, args, GRPCURL_VALUES)
        limits += _flag_limits(options, {"max-time": seconds}, {"connect-timeout": seconds}, "-", locate=locate)
        flag, flag_names = 'add "-max-time {}"', "-max-time"
    elif name == "etcdctl":
        options, locate = _options(getopt, args, "w", frozenset({"--command-timeout", "--dial-timeout", "--endpoints"}))
        limits += _flag_limits(options, {"--command-timeout": go_duration}, {"--dial-timeout": go_duration}, unit="s",
                               locate=locate)
        builtin = "etcdctl stops after --dial-timeout 2s and --command-timeout 5s by default"
    elif name == "kubectl":
        options, locate = _options(getopt, args, "nlos",
                                   frozenset({"--request-timeout", "--namespace", "--context", "--server"}))
        limits += _flag_limits(options, {"--request-timeout": go_or_seconds}, {}, unit="s", locate=locate)
        flag, flag_names = 'add "--request-timeout={}s"', "--request-timeout"
    elif name in ("rabbitmqctl", "rabbitmq-diagnostics"):
        options, locate = _options(getopt, args, "tnq", frozenset({"--timeout", "--node"}))
        limits += _flag_limits(options, {"-t": seconds, "--timeout": seconds}, {}, locate=locate)
        flag, flag_names = 'add "--timeout {}"', "-t/--timeout"
    elif name in ("http", "https"):
        options, locate = _options(getopt, args, "aov", frozenset({"--timeout", "--auth", "--output"}))
        limits += _flag_limits(options, {"--timeout": seconds}, {}, locate=locate)
        flag, flag_names = 'add "--timeout {}"', "--timeout"
    elif name in ("ping", "ping6"):
        options, locate = _options(getopt, args, "cWwisItlpQSM", frozenset())
        limits += _flag_limits(options, {"-w": seconds}, {}, locate=locate)
        if any(n == "-c" for n, _, _ in options):
            builtin = "ping stops after its -c count of packets"
        flag, flag_names = 'add "-w {}"', "-w"
    elif name == "cqlsh":
        builtin = "cqlsh stops after --connect-timeout 5 and --request-timeout 10 by default"
    elif name == "nats":
        builtin = "nats stops after --timeout 5s by default"
    elif name in ("dig", "host", "nslookup"):
        builtin = f"{name} gives up after a bounded number of tries"
    elif name == "vault":
        builtin = "the vault CLI gives up after 60 s (VAULT_CLIENT_TIMEOUT) by default"
    elif name == "aws":
        builtin = "the aws CLI gives up after --cli-connect-timeout and --cli-read-timeout, 60 s each, by default"
    if cmd.timeout_wrapper == 0:
        limits.append(Limit("timeout 0", 0.0, True, "timeout {}", kind="timeout"))
    return Timeouts(name, tuple(limit for limit in limits if limit.seconds > 0), builtin, flag, flag_names,
                    tuple(limit for limit in limits if limit.seconds == 0))


# -- which commands outlive the probe ----------------------------------------------------------
_EXEC_PREFIX = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*exec\s")


def probe_shell(probe: Probe) -> str | None:
    """The shell an exec probe starts (``sh``, ``bash``...), or None when it runs no shell."""
    for word in probe.command or ():
        name = basename(word)
        if name in SHELLS:
            return name
    return None


def replaces_shell(probe: Probe, commands: Sequence[SimpleCommand], cmd: SimpleCommand) -> bool:
    """The command takes over the shell's process instead of running as its child.

    That is the script's last command, at its top level (not in a pipeline, a compound
    command or the background, no redirection, no trap set), when it is written with
    ``exec`` or run by bash: bash execs the lone simple command of ``-c`` and, since 5.1,
    the last one. Debian's dash always forks, so ``sh -c`` gets no such exemption.
    """
    if not commands or cmd is not commands[-1] or cmd.substitution or not cmd.shell:
        return False
    if any(other.program == "trap" for other in commands):
        return False
    items = probe.command or []
    script = items[cmd.index] if 0 <= cmd.index < len(items) else ""
    at = script.rfind(cmd.raw) if cmd.raw else -1
    if at < 0:
        return False
    before, after = script[:at].rstrip(" \t"), script[at + len(cmd.raw):]
    if after.strip(" \t\n;") or not (before == "" or before.endswith(("\n", ";", "&&", "||"))):
        return False  # a redirection, `&`, `| next`, `fi`, `done`, `}` or a pipeline before it
    in_words = sum(word.count("<") + word.count(">") for word in (*cmd.argv, *(v for _, v in cmd.assignments)))
    if cmd.raw.count("<") + cmd.raw.count(">") > in_words:
        return False  # a redirection between the words
    return bool(_EXEC_PREFIX.match(cmd.raw)) or probe_shell(probe) == "bash"


_FUNCTION = re.compile(r"(?:^|[\s;&|(){}])(?:function\s+([A-Za-z_][\w.-]*)|([A-Za-z_][\w.-]*)\s*\(\s*\))")


def script_functions(probe: Probe) -> frozenset[str]:
    """Names of shell functions a script defines (``http () { ... }``, ``function check``):
    calling one runs the script's own code, not the program of that name."""
    names: set[str] = set()
    for item in probe.command or ():
        for match in _FUNCTION.finditer(item):
            names.add(match.group(1) or match.group(2))
    return frozenset(names)


def unbounded(probe: Probe, env: Mapping[str, EnvBinding]) -> list[tuple[SimpleCommand, Timeouts]]:
    """The network clients a shell runs as children with no limit on their run time."""
    commands = parse_exec(probe.command)
    if not commands:
        return []
    functions = script_functions(probe)
    found = []
    for cmd in commands:
        if not cmd.shell or cmd.program in functions or replaces_shell(probe, commands, cmd):
            continue
        timeouts = inner_timeouts(cmd, env)
        if timeouts is not None and not timeouts.bounded:
            found.append((cmd, timeouts))
    return found


def shown(cmd: SimpleCommand) -> str:
    """The command for a message; a placeholder when it holds a literal credential."""
    return simple_command_text(cmd, MAX_SHOWN)


def command_node(probe: Probe, cmd: SimpleCommand) -> Node:
    """The ``exec.command`` item a command comes from (the script of ``sh -c``)."""
    node = probe.command_node()
    if isinstance(node, SequenceNode) and 0 <= cmd.index < len(node.value):
        return node.value[cmd.index]
    return node or probe.anchor("exec")


def inner_value(timeout: int) -> int:
    """The inner timeout the fixes propose: timeoutSeconds - 1, at least 1 s."""
    return max(1, timeout - 1)


def raised_timeout(limit_seconds: float) -> int:
    """The smallest timeoutSeconds above an inner timeout."""
    return math.floor(limit_seconds) + 1
