"""Exec probe commands split into the simple commands a shell would run.

An exec probe is an argv list run without a shell, unless it calls one: ``["redis-cli",
"ping"]`` runs one program, ``["sh", "-c", "timeout 3 pg_isready -h db && echo ok"]`` runs two.
Rules about exec probes (dependencies, inner timeouts, literal passwords, convertible probes)
need the second form taken apart the way the shell would: quotes and escapes resolved, the
script split on ``;``, ``&&``, ``||``, ``|``, ``&`` and newlines, and wrappers such as
``timeout 5``, ``env X=Y``, ``exec``, ``nice`` and ``nohup`` stripped so that the command that
actually talks to the network is the one analysed.

The lexer follows the POSIX shell quoting rules (single quotes, double quotes with ``\\``
escapes, backslash outside quotes, ``#`` comments at the start of a word, ``$(...)``,
backquotes, ``${...}`` and ``$((...))``) in one linear pass. Commands inside ``$(...)`` and
backquotes are returned too (flagged ``substitution``), because ``[ "$(redis-cli ping)" = PONG ]``
is how many probes are written. Words keep substitutions and parameter references as written
(``$(hostname)``, ``$DB_HOST``), since Kubernetes expands ``$(VAR)`` and the shell expands the
rest only at run time.

What the lexer cannot follow (unbalanced quotes, here-documents and here-strings,
process substitution, a dangling operator, nesting deeper than ``MAX_DEPTH``) makes the whole
command unparsable: ``parse_exec`` returns ``None`` and callers report nothing. It never raises
on any list of strings.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"})
MAX_DEPTH = 8  # nested `sh -c` scripts and substitutions

# Operators, longest first so that `&&` wins over `&` and `>>` over `>`.
_OPERATORS = (
    ";;&", "&>>", "<<<", "<<-",
    "&&", "||", "|&", ";;", ";&", ">>", ">|", "<>", ">&", "<&", "&>", "<<",
    ";", "&", "|", "(", ")", "<", ">",
)
_OPERATOR_START = frozenset(";&|()<>")
CONTROL_OPERATORS = frozenset({";", "&", "&&", "||", "|", "|&", ";;", ";&", ";;&", "(", ")", "\n"})
REDIRECT_OPERATORS = frozenset({"<", ">", ">>", ">|", "<>", ">&", "<&", "&>", "&>>"})
HEREDOC_OPERATORS = frozenset({"<<", "<<-", "<<<"})

# Reserved words that may start a command and are not themselves a program.
_LEADING_RESERVED = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{", "time"})
# Words that close a compound command; a command made only of these runs nothing.
_CLOSING_RESERVED = frozenset({"fi", "done", "esac", "}", "then", "else", "do"})
# Compound-command headers whose words are not a command (`for x in a b`, `case $x in`).
_HEADER_RESERVED = frozenset({"for", "case", "select", "function"})

_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)")
_DURATION_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")


# Where a word is written: (index of the exec.command item, start, end offsets in that item).
Place = tuple[int, int, int]


class Unparsable(ValueError):
    """The text uses shell syntax this parser does not follow."""


@dataclass(frozen=True)
class SimpleCommand:
    """One program invocation after wrappers were stripped.

    ``argv`` starts with the program as written (``/usr/bin/redis-cli``); ``program`` is its
    basename. ``assignments`` holds ``X=Y`` pairs from leading assignments and ``env``, in
    order (an outer ``env X=1 sh -c '...'`` passes them to every inner command).
    ``timeout_wrapper`` is the seconds of the tightest ``timeout N`` wrapping the command.
    ``raw`` is the command's text as written; ``index`` the position in the exec list of
    the item the command comes from (the script of ``sh -c``, or the program itself).
    ``shell`` tells whether a shell runs it (so ``$VAR`` is expanded), ``substitution``
    whether it runs inside ``$(...)`` or backquotes.

    For fixes that edit the command where it is written: ``written`` holds the command's
    words as the shell reads them (leading assignments and wrappers, then ``argv``) and
    ``places`` where each one is written, as ``(item, start, end)`` offsets in that item of
    the exec list; ``timeout_place`` is where the duration of the tightest ``timeout``
    wrapper is written. Both are empty (None) when the text is not an item itself: a script
    inside a script, or a command in backquotes.
    """

    program: str
    argv: tuple[str, ...]
    assignments: tuple[tuple[str, str], ...] = ()
    timeout_wrapper: float | None = None
    raw: str = ""
    index: int = 0
    shell: bool = False
    substitution: bool = False
    written: tuple[str, ...] = ()
    places: tuple[Place, ...] = ()
    timeout_place: Place | None = None

    @property
    def args(self) -> tuple[str, ...]:
        return self.argv[1:]

    @property
    def env(self) -> dict[str, str]:
        return dict(self.assignments)


# -- lexer ---------------------------------------------------------------------------------
@dataclass
class _Word:
    text: str
    start: int
    end: int
    plain_head: str  # the leading characters written without quotes or escapes
    subs: list[tuple[list, str]]  # (tokens, text they index) of each command substitution inside


@dataclass
class _Op:
    op: str
    start: int
    end: int


class _Lexer:
    def __init__(self, text: str) -> None:
        self.text = text
        self.n = len(text)
        self.pos = 0

    # Token list up to the end of text, or up to the `)` closing a `$(` when nested.
    def tokens(self, depth: int, closing: bool) -> list:
        if depth > MAX_DEPTH:
            raise Unparsable("nested too deeply")
        text, n = self.text, self.n
        out: list = []
        parens = 0
        buf: list[str] = []
        head: list[str] = []
        head_open = True
        subs: list[tuple[list, str]] = []
        start = -1

        def flush() -> None:
            nonlocal buf, head, head_open, subs, start
            if start >= 0:
                out.append(_Word("".join(buf), start, self.pos, "".join(head), subs))
            buf, head, head_open, subs, start = [], [], True, [], -1

        while self.pos < n:
            c = text[self.pos]
            if c in " \t\r":
                flush()
                self.pos += 1
            elif c == "\n":
                flush()
                out.append(_Op("\n", self.pos, self.pos + 1))
                self.pos += 1
            elif c == "#" and start < 0:
                end = text.find("\n", self.pos)
                self.pos = n if end < 0 else end
            elif c == "\\":
                if self.pos + 1 < n and text[self.pos + 1] == "\n":
                    self.pos += 2  # line continuation
                    continue
                if start < 0:
                    start = self.pos
                head_open = False
                if self.pos + 1 >= n:
                    buf.append("\\")
                    self.pos += 1
                else:
                    buf.append(text[self.pos + 1])
                    self.pos += 2
            elif c == "'":
                if start < 0:
                    start = self.pos
                head_open = False
                end = text.find("'", self.pos + 1)
                if end < 0:
                    raise Unparsable("unterminated single quote")
                buf.append(text[self.pos + 1:end])
                self.pos = end + 1
            elif c == '"':
                if start < 0:
                    start = self.pos
                head_open = False
                self.pos += 1
                buf.append(self._double_quoted(depth, subs))
            elif c == "$" or c == "`":
                if start < 0:
                    start = self.pos
                head_open = False
                buf.append(self._dollar_or_backquote(depth, subs, in_double=False))
            elif c in _OPERATOR_START:
                op = next(o for o in _OPERATORS if text.startswith(o, self.pos))
                # `2>&1`: a word of digits directly before a redirection is its file descriptor.
                if op[0] in "<>" and start >= 0 and head_open and buf and "".join(buf).isdigit():
                    buf, head, head_open, subs, start = [], [], True, [], -1
                flush()
                if op in HEREDOC_OPERATORS:
                    raise Unparsable("here-documents and here-strings are not followed")
                if op in ("<", ">") and self.pos + 1 < n and text[self.pos + 1] == "(":
                    raise Unparsable("process substitution is not followed")
                if closing and op == ")" and parens == 0:
                    self.pos += 1
                    return out
                if op == "(":
                    parens += 1
                elif op == ")":
                    parens -= 1
                out.append(_Op(op, self.pos, self.pos + len(op)))
                self.pos += len(op)
            else:
                if start < 0:
                    start = self.pos
                buf.append(c)
                if head_open:
                    head.append(c)
                self.pos += 1
        if closing:
            raise Unparsable("unterminated $(")
        flush()
        return out

    def _double_quoted(self, depth: int, subs: list[tuple[list, str]]) -> str:
        text, n = self.text, self.n
        parts: list[str] = []
        while self.pos < n:
            c = text[self.pos]
            if c == '"':
                self.pos += 1
                return "".join(parts)
            if c == "\\" and self.pos + 1 < n:
                nxt = text[self.pos + 1]
                if nxt == "\n":
                    self.pos += 2
                    continue
                if nxt in '$`"\\':
                    parts.append(nxt)
                    self.pos += 2
                    continue
                parts.append(c)
                self.pos += 1
                continue
            if c in "$`":
                parts.append(self._dollar_or_backquote(depth, subs, in_double=True))
                continue
            parts.append(c)
            self.pos += 1
        raise Unparsable("unterminated double quote")

    def _dollar_or_backquote(self, depth: int, subs: list[tuple[list, str]], in_double: bool) -> str:
        """Consume `$...` or a backquoted command at pos; return the text as written."""
        text, n = self.text, self.n
        begin = self.pos
        if text[self.pos] == "`":
            end = self.pos + 1
            body: list[str] = []
            while end < n and text[end] != "`":
                if text[end] == "\\" and end + 1 < n and text[end + 1] in "`$\\":
                    body.append(text[end + 1])
                    end += 2
                    continue
                body.append(text[end])
                end += 1
            if end >= n:
                raise Unparsable("unterminated backquote")
            inner = _Lexer("".join(body))
            subs.append((inner.tokens(depth + 1, closing=False), inner.text))
            self.pos = end + 1
            return text[begin:self.pos]
        nxt = text[self.pos + 1] if self.pos + 1 < n else ""
        if nxt == "(" and text.startswith("$((", self.pos):
            self.pos = self._skip_balanced(self.pos + 3, "(", ")", 2)
            return text[begin:self.pos]
        if nxt == "(":
            self.pos += 2
            subs.append((self.tokens(depth + 1, closing=True), text))
            return text[begin:self.pos]
        if nxt == "{":
            self.pos = self._skip_balanced(self.pos + 2, "{", "}", 1)
            return text[begin:self.pos]
        if nxt == "'" and not in_double:
            # Bash ANSI-C quoting: $'a\nb'.
            end = self.pos + 2
            parts: list[str] = []
            while end < n and text[end] != "'":
                if text[end] == "\\" and end + 1 < n:
                    parts.append({"n": "\n", "t": "\t", "r": "\r"}.get(text[end + 1], text[end + 1]))
                    end += 2
                    continue
                parts.append(text[end])
                end += 1
            if end >= n:
                raise Unparsable("unterminated $'")
            self.pos = end + 1
            return "".join(parts)
        self.pos += 1
        return "$"

    def _skip_balanced(self, pos: int, opener: str, closer: str, need: int) -> int:
        """Position after the closer(s) balancing an already consumed opener, quotes respected."""
        text, n = self.text, self.n
        level = need
        while pos < n:
            c = text[pos]
            if c == "\\":
                pos += 2
                continue
            if c == "'":
                end = text.find("'", pos + 1)
                if end < 0:
                    raise Unparsable("unterminated single quote")
                pos = end + 1
                continue
            if c == '"':
                pos += 1
                while pos < n and text[pos] != '"':
                    pos += 2 if text[pos] == "\\" else 1
                if pos >= n:
                    raise Unparsable("unterminated double quote")
                pos += 1
                continue
            if c == opener:
                level += 1
            elif c == closer:
                level -= 1
                if level == 0:
                    return pos + 1
            pos += 1
        raise Unparsable(f"unterminated {opener}")


# -- commands ------------------------------------------------------------------------------
@dataclass
class _Words:
    """Words of one simple command, before wrappers are stripped."""

    words: list[str]
    assignable: list[bool]  # the word may be a shell assignment (unquoted NAME=)
    spans: list[tuple[int, int]]
    text: str
    subs: list[tuple[list, str]]

    def raw(self, first: int = 0) -> str:
        if first >= len(self.spans):
            return ""
        return self.text[self.spans[first][0]:self.spans[-1][1]].strip()


def _split_commands(tokens: list, text: str) -> list[_Words]:
    commands: list[_Words] = []
    words: list[_Word] = []
    subs: list[tuple[list, str]] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if isinstance(token, _Op):
            if token.op in REDIRECT_OPERATORS:
                target = tokens[i + 1] if i + 1 < len(tokens) else None
                if not isinstance(target, _Word):
                    raise Unparsable(f"redirection {token.op} without a target")
                subs.extend(target.subs)
                i += 2
                continue
            if words or subs:
                commands.append(_make_words(words, subs, text))
            words, subs = [], []
            i += 1
            continue
        words.append(token)
        subs.extend(token.subs)
        i += 1
    if words or subs:
        commands.append(_make_words(words, subs, text))
    return commands


def _make_words(words: list[_Word], subs: list[tuple[list, str]], text: str) -> _Words:
    return _Words(
        words=[w.text for w in words],
        assignable=[bool(_ASSIGNMENT.match(w.plain_head)) for w in words],
        spans=[(w.start, w.end) for w in words],
        text=text,
        subs=subs,
    )


def _strip_reserved(cmd: _Words) -> _Words | None:
    words, assignable = cmd.words, cmd.assignable
    i = 0
    while i < len(words) and words[i] in _LEADING_RESERVED:
        i += 1
        if words[i - 1] == "time":
            while i < len(words) and words[i] in ("-p", "--"):
                i += 1
    if i < len(words) and words[i] in _HEADER_RESERVED:
        return None
    rest = words[i:]
    if not rest or all(w in _CLOSING_RESERVED for w in rest):
        return None
    return _Words(rest, assignable[i:], cmd.spans[i:], cmd.text, cmd.subs)


def basename(program: str) -> str:
    return program.rstrip("/").rsplit("/", 1)[-1] if program.rstrip("/") else program


def parse_duration(text: str) -> float | None:
    """``timeout``'s DURATION: ``5``, ``2.5``, ``3s``, ``1m``; None if not one."""
    match = _DURATION.fullmatch(text.strip())
    if not match:
        return None
    try:
        return float(match.group(1)) * _DURATION_UNITS[match.group(2)]
    except ValueError:
        return None


@dataclass
class _Context:
    assignments: tuple[tuple[str, str], ...]
    timeout: float | None
    index: int
    shell: bool
    substitution: bool
    depth: int
    exact: bool = False  # the text being parsed is the exec.command item ``index`` itself
    timeout_place: Place | None = None


def _tighter(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def _strip_wrappers(words: list[str], assignable: list[bool], ctx: _Context):
    """Remove leading assignments and wrapper programs.

    Returns ``(rest, assignments, timeout, offset, timeout_word)``: the wrapped command's
    words, every assignment seen (outer ones first), the tightest ``timeout``, where ``rest``
    starts, and the index of the tightest timeout's duration word when it is one of
    ``words`` (None when it comes from outside or there is none).
    """
    assignments = list(ctx.assignments)
    timeout = ctx.timeout
    timeout_word = None
    i = 0
    while i < len(words) and assignable[i]:
        name, _, value = words[i].partition("=")
        assignments.append((name, value))
        i += 1
    while i < len(words):
        found = _wrapper(basename(words[i]), words, i, assignments)
        if found is None:
            break
        i, seconds, duration_word = found
        if seconds is not None and (timeout is None or seconds < timeout):
            timeout_word = duration_word
        timeout = _tighter(timeout, seconds)
    return words[i:], tuple(assignments), timeout, i, timeout_word


def _skip_options(words: list[str], j: int, with_value: tuple[str, ...] = ()) -> int:
    """Skip ``-x`` style options (and the values of those in ``with_value``) from j."""
    n = len(words)
    while j < n and words[j].startswith("-") and words[j] != "-":
        if words[j] == "--":
            return j + 1
        j += 2 if words[j] in with_value else 1
    return j


def _wrapper(name: str, words: list[str], i: int, assignments: list) -> tuple[int, float | None, int | None] | None:
    """If words[i] is a wrapper: (index of the wrapped command, timeout seconds or None,
    index of the word holding those seconds or None)."""
    n = len(words)
    j = i + 1
    if name == "env":
        j = _skip_options(words, j, ("-u", "--unset", "-C", "--chdir"))
        while j < n and _ASSIGNMENT.match(words[j]):
            key, _, value = words[j].partition("=")
            assignments.append((key, value))
            j += 1
        return (j, None, None) if j < n else None  # a bare `env` prints the environment
    if name == "timeout":
        seconds: float | None = None
        busybox_form = False
        duration_word = None
        while j < n and words[j].startswith("-") and words[j] != "-":
            w = words[j]
            if w == "--":
                j += 1
                break
            if w == "-t" and j + 1 < n:  # BusyBox: timeout [-s SIG] -t SECS PROG
                seconds = parse_duration(words[j + 1])
                duration_word = j + 1
                busybox_form = True
                j += 2
            elif w in ("-s", "--signal", "-k", "--kill-after"):
                j += 2
            else:
                j += 1
        if not busybox_form:
            if j >= n:
                return None
            seconds = parse_duration(words[j])
            if seconds is None:
                return None
            duration_word = j
            j += 1
        return (j, seconds, duration_word) if j < n else None
    if name == "exec":
        j = _skip_options(words, j, ("-a",))
        return j, None, None  # `exec` alone (only redirections) runs nothing
    if name == "nice":
        return (j, None, None) if (j := _skip_options(words, j, ("-n", "--adjustment"))) < n else None
    if name in ("nohup", "setsid"):
        return (j, None, None) if (j := _skip_options(words, j)) < n else None
    if name == "command":
        if j < n and words[j] in ("-v", "-V"):
            return None  # a lookup, not a run
        while j < n and words[j] in ("-p", "--"):
            j += 1
        return (j, None, None) if j < n else None
    if name in ("gosu", "su-exec"):
        return (j + 1, None, None) if j + 1 < n else None
    if name == "busybox":
        return (j, None, None) if j < n and not words[j].startswith("-") else None
    return None


def _shell_script(words: list[str]) -> tuple[bool, int | None]:
    """For `sh [options] -c SCRIPT`: (True, index of SCRIPT). (False, None) if no -c."""
    j = 1
    has_c = False
    n = len(words)
    while j < n:
        w = words[j]
        if w == "--" or w == "-":
            j += 1
            break
        if w.startswith("--"):
            j += 2 if w in ("--rcfile", "--init-file") else 1
            continue
        if len(w) > 1 and w[0] in "-+":
            letters = w[1:]
            if not letters.isalpha():
                break
            if "c" in letters and w[0] == "-":
                has_c = True
            j += 1
            if "o" in letters or "O" in letters:
                j += 1  # -o pipefail
            continue
        break
    if not has_c:
        return False, None
    return True, j if j < n else None


def _expand(words: list[str], assignable: list[bool], raw: str, ctx: _Context, out: list[SimpleCommand],
            word_index: list[int] | None = None, spans: list[tuple[int, int]] | None = None) -> None:
    if ctx.depth > MAX_DEPTH:
        raise Unparsable("nested too deeply")
    rest, assignments, timeout, offset, timeout_word = _strip_wrappers(words, assignable, ctx)
    if not rest:
        return
    index = word_index[offset] if word_index is not None else ctx.index
    # Where each word is written: a direct command's words are whole items of the exec list,
    # a script's words are spans of the item that holds the script.
    places: tuple[Place, ...] = ()
    if word_index is not None:
        places = tuple((word_index[k], 0, len(word)) for k, word in enumerate(words))
    elif ctx.exact and spans is not None and len(spans) == len(words):
        places = tuple((ctx.index, start, end) for start, end in spans)
    if timeout_word is None:
        timeout_place = ctx.timeout_place
    else:
        timeout_place = places[timeout_word] if places else None
    program = basename(rest[0])
    if program in SHELLS:
        is_script, at = _shell_script(rest)
        if is_script:
            if at is None:
                raise Unparsable("sh -c without a script")
            script_index = word_index[offset + at] if word_index is not None else index
            inner = _Context(assignments, timeout, script_index, True, ctx.substitution, ctx.depth + 1,
                             exact=word_index is not None, timeout_place=timeout_place)
            _parse_script(rest[at], inner, out)
            return
    out.append(
        SimpleCommand(
            program=program,
            argv=tuple(rest),
            assignments=assignments,
            timeout_wrapper=timeout,
            raw=raw if ctx.shell else " ".join(rest),
            index=index,
            shell=ctx.shell,
            substitution=ctx.substitution,
            written=tuple(words) if places else (),
            places=places,
            timeout_place=timeout_place,
        )
    )


def _parse_script(script: str, ctx: _Context, out: list[SimpleCommand]) -> None:
    tokens = _Lexer(script).tokens(ctx.depth, closing=False)
    _commands_from_tokens(tokens, script, ctx, out)


def _commands_from_tokens(tokens: list, text: str, ctx: _Context, out: list[SimpleCommand]) -> None:
    for cmd in _split_commands(tokens, text):
        for sub, sub_text in cmd.subs:
            # `$(NAME)` in capitals is Kubernetes' own variable syntax, not a command.
            if len(sub) == 1 and isinstance(sub[0], _Word) and _ENV_NAME.fullmatch(sub[0].text):
                continue
            # `$(...)` is lexed from the same text; a backquoted command from its unescaped copy.
            inner = _Context(ctx.assignments, ctx.timeout, ctx.index, True, True, ctx.depth + 1,
                             exact=ctx.exact and sub_text is text, timeout_place=ctx.timeout_place)
            _commands_from_tokens(sub, sub_text, inner, out)
        stripped = _strip_reserved(cmd)
        if stripped is None:
            continue
        _expand(stripped.words, stripped.assignable, stripped.raw(), ctx, out, spans=stripped.spans)


def parse_script(script: str) -> list[SimpleCommand] | None:
    """The simple commands of a shell script, or None when it cannot be parsed."""
    out: list[SimpleCommand] = []
    try:
        _parse_script(script, _Context((), None, 0, True, False, 0), out)
    except (Unparsable, RecursionError):
        return None
    return out


def parse_exec(command: Sequence[str] | None) -> list[SimpleCommand] | None:
    """The simple commands an exec probe runs, or None when they cannot be determined.

    ``command`` is the ``exec.command`` list. A direct argv gives one command (its wrappers
    stripped); a shell with ``-c`` gives the commands of its script.
    """
    if command is None:
        return None
    words = list(command)
    if not words:
        return []
    if not all(isinstance(word, str) for word in words):
        return None
    out: list[SimpleCommand] = []
    try:
        _expand(words, [False] * len(words), " ".join(words), _Context((), None, 0, False, False, 0), out,
                word_index=list(range(len(words))))
    except (Unparsable, RecursionError):
        return None
    return out


def shell_script_index(command: Sequence[str] | None) -> int | None:
    """The index of SCRIPT in an exec list that runs ``sh -c SCRIPT`` (behind wrappers such as
    ``env X=1`` or ``timeout 5``, if any), or None when the list runs no shell script."""
    if not command or not all(isinstance(word, str) for word in command):
        return None
    words = list(command)
    try:
        rest, _, _, offset, _ = _strip_wrappers(words, [False] * len(words), _Context((), None, 0, False, False, 0))
    except (Unparsable, RecursionError):
        return None
    if not rest or basename(rest[0]) not in SHELLS:
        return None
    is_script, at = _shell_script(rest)
    return offset + at if is_script and at is not None else None
