"""Literal credentials in probes: where they are, never what they are.

PL310 reports them, and every rule that quotes an exec command asks ``command_text`` first, so
a password written into a probe is never repeated in probelint's own output (CI logs and SARIF
files are read by more people than the manifest).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from probelint.dependencies import DEPENDENCY_CLIENTS, tool_for
from probelint.execparse import SimpleCommand, parse_exec

CREDENTIAL_HEADERS = {
    "authorization": "Authorization",
    "proxy-authorization": "Proxy-Authorization",
    "cookie": "Cookie",
    "x-api-key": "X-Api-Key",
    "x-auth-token": "X-Auth-Token",
}
AUTH_SCHEMES = frozenset({"basic", "bearer", "token", "digest", "negotiate", "apikey"})
# Cookie values that only name the probe are markers, not sessions.
_PROBE_MARKER = re.compile(r"probe|liveness|readiness|startup|health", re.IGNORECASE)
# `$VAR`, `${VAR}`, `$(VAR)`, `$(command)` and backquotes: the value is not written here.
_REFERENCE = re.compile(r"\$[{(A-Za-z_]|`")

PASSWORD_VARIABLES = ("PGPASSWORD", "MYSQL_PWD", "REDISCLI_AUTH")
MYSQL_FAMILY = frozenset({
    "mysql", "mysqladmin", "mariadb", "mariadb-admin", "mysqlcheck", "mysqlshow", "mysqldump", "mariadb-check",
    "mariadb-show", "mariadb-dump",
})
# Options whose next argument (or `--opt=value`) is a password, by client.
PASSWORD_OPTIONS: dict[str, tuple[str, ...]] = {
    "redis-cli": ("-a", "--pass"),
    "valkey-cli": ("-a", "--pass"),
    "keydb-cli": ("-a", "--pass"),
    "mongo": ("-p", "--password"),
    "mongosh": ("-p", "--password"),
    "cqlsh": ("-p", "--password"),
    "nodetool": ("-pw", "--password"),
    "clickhouse-client": ("--password",),
    "etcdctl": ("--password",),
    "nats": ("--password",),
    "influx": ("-password", "--password"),
    "sqlcmd": ("-P",),
    "wget": ("--password", "--http-password", "--proxy-password"),
}
# Options whose argument is `user:password`.
USER_PASSWORD_OPTIONS: dict[str, tuple[str, ...]] = {
    "curl": ("-u", "--user", "-U", "--proxy-user"),
    "etcdctl": ("--user",),
}
# Options whose argument is an HTTP header `Name: value`.
HEADER_OPTIONS: dict[str, tuple[str, ...]] = {
    "curl": ("-H", "--header", "--proxy-header"),
    "wget": ("--header",),
    "grpcurl": ("-H", "-rpc-header", "-reflect-header"),
    "grpc_health_probe": ("-rpc-header",),
}
_CURL_USER_CLUSTER = re.compile(r"^-[A-Za-z]+[uU]$")
_URL_USERINFO = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*:([^/@\s]*)@")
_CONNINFO_PASSWORD = re.compile(r"(?:^|\s)password\s*=\s*(?:'([^']*)'|(\S+))")
_BARE_ASSIGNMENT = re.compile(
    r"(?:^|[\s;&|(])(" + "|".join(PASSWORD_VARIABLES) + r")=(?:'([^']*)'|\"([^\"]*)\"|([^\s;&|)]*))"
)


@dataclass(frozen=True)
class Secret:
    """Where a literal credential is, described without its value."""

    what: str
    index: int  # the exec.command item it is in
    password: bool = True  # a password rather than another credential (a token in a header)



def header_credential(name: str, value: str) -> bool:
    """The header value is a literal credential."""
    text = value.strip()
    if not text or _REFERENCE.search(text):
        return False
    if name.strip().lower() == "cookie":
        pairs = [pair.strip() for pair in text.split(";") if pair.strip()]
        values = [pair.partition("=")[2].strip() for pair in pairs]
        return not all(v and _PROBE_MARKER.search(v) for v in values)
    words = text.split()
    return not all(word.lower() in AUTH_SCHEMES for word in words)



def _literal(value: str | None) -> bool:
    return value is not None and bool(value.strip()) and not _REFERENCE.search(value)



def command_secrets(cmd: SimpleCommand) -> list[Secret]:
    found: list[Secret] = []

    def add(what: str, position: int, password: bool = True) -> None:
        # A direct argv keeps one word per item; a shell script is one item.
        found.append(Secret(what, cmd.index if cmd.shell else cmd.index + position, password))

    for name, value in cmd.assignments:
        if name in PASSWORD_VARIABLES and _literal(value):
            add(f"{name}=<password>", 0)
    program = cmd.program
    args = cmd.args
    if program in ("export", "declare", "typeset", "readonly"):
        for i, arg in enumerate(args, start=1):
            name, has_value, value = arg.partition("=")
            if has_value and name in PASSWORD_VARIABLES and _literal(value):
                add(f"{name}=<password>", i)
        return found
    known = tool_for(program, args)
    tool = known[0] if known else program
    value_flags = DEPENDENCY_CLIENTS[tool].value_flags if tool in DEPENDENCY_CLIENTS else frozenset()
    password_options = PASSWORD_OPTIONS.get(tool, ())
    user_options = USER_PASSWORD_OPTIONS.get(tool, ())
    header_options = HEADER_OPTIONS.get(tool, ())
    i = 0
    while i < len(args):
        arg = args[i]
        position = i + 1
        option, value, after = _option(args, i, password_options)
        if option is not None:
            if _literal(value) and not value.startswith("-"):
                add(f"{option} <password> given to {tool}", position)
            i = after
            continue
        option, value, after = _option(args, i, user_options, glued=("-u", "-U") if tool == "curl" else ())
        if option is None and tool == "curl" and _CURL_USER_CLUSTER.match(arg):
            option, value, after = "-" + arg[-1], (args[i + 1] if i + 1 < len(args) else None), i + 2  # `-fsu user:pw`
        if option is not None:
            _user, colon, password = (value or "").partition(":")
            if colon and _literal(password):
                add(f"{option} <user>:<password> given to {tool}", position)
            i = after
            continue
        option, value, after = _option(args, i, header_options, glued=("-H",) if tool in ("curl", "grpcurl") else ())
        if option is not None:
            header, colon, content = (value or "").partition(":")
            if colon and header.strip().lower() in CREDENTIAL_HEADERS and header_credential(header, content):
                shown = CREDENTIAL_HEADERS[header.strip().lower()]
                article = "an" if shown[0] in "AEIOU" else "a"
                add(f"{article} {shown} header given to {tool} with {option}", position, password=False)
            i = after
            continue
        if tool in MYSQL_FAMILY and arg.startswith("-p") and not arg.startswith("--") and len(arg) > 2:
            if _literal(arg[2:]):
                add(f"-p<password> given to {tool}", position)
        elif arg.startswith("--password=") and _literal(arg[len("--password="):]):
            add(f"--password=<password> given to {tool}", position)
        elif tool in ("kcat", "kafkacat") and arg.startswith("sasl.password=") and _literal(arg[len("sasl.password="):]):
            add(f"sasl.password=<password> given to {tool}", position)
        else:
            url = _URL_USERINFO.search(arg)
            if url and _literal(url.group(1)):
                add(f"a URL with <user>:<password>@ given to {tool}", position)
            elif tool in ("psql", "pg_isready"):
                conninfo = _CONNINFO_PASSWORD.search(arg)
                if conninfo and _literal(conninfo.group(1) if conninfo.group(1) is not None else conninfo.group(2)):
                    add(f"password=<password> in the connection string of {tool}", position)
        i += 2 if arg in value_flags else 1
    return found



def _option(args: tuple[str, ...], i: int, options: tuple[str, ...],
            glued: tuple[str, ...] = ()) -> tuple[str | None, str | None, int]:
    """Whether args[i] is one of ``options`` (``-o X``, ``--opt=X`` or glued ``-oX``): the option
    as written, its value and the index after it."""
    arg = args[i]
    for option in options:
        if arg == option:
            return option, (args[i + 1] if i + 1 < len(args) else None), i + 2
        if option.startswith("--") and arg.startswith(option + "="):
            return option, arg[len(option) + 1:], i + 1
        if option in glued and arg.startswith(option) and len(arg) > len(option):
            return option, arg[len(option):], i + 1
    return None, None, i



def _bare_assignments(command: list[str]) -> list[Secret]:
    """``PGPASSWORD=x; psql ...``: a shell assignment on its own runs no command, so the
    parsed commands do not show it."""
    found = []
    for index, item in enumerate(command):
        for match in _BARE_ASSIGNMENT.finditer(item):
            value = next((g for g in match.groups()[1:] if g is not None), "")
            if _literal(value):
                found.append(Secret(f"{match.group(1)}=<password>", index))
    return found



def exec_secrets(command: list[str] | None) -> list[Secret]:
    """The literal credentials of an exec command, one per kind of option, in order."""
    commands = parse_exec(command) if command else None
    if not command or commands is None:
        return []
    found: list[Secret] = []
    for cmd in commands:
        found.extend(command_secrets(cmd))
    if any(cmd.shell for cmd in commands):
        found.extend(_bare_assignments(command))
    unique: dict[str, Secret] = {}
    for secret in found:
        unique.setdefault(secret.what, secret)
    return list(unique.values())


def command_text(command: list[str] | None, limit: int | None = None) -> str:
    """The command as words for a message, or a placeholder when it holds a literal credential."""
    if exec_secrets(command):
        return "<command not shown: it holds a literal credential, see PL310>"
    text = " ".join(command or [])
    if limit is not None and len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def simple_command_text(cmd: SimpleCommand, limit: int | None = None) -> str:
    """One parsed command as text for a message, or a placeholder when it holds a literal credential."""
    if command_secrets(cmd):
        return "<command not shown: it holds a literal credential, see PL310>"
    text = " ".join(cmd.raw.split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 3] + "..."
    return text
