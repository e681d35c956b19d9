"""From paths and stdin to parsed documents with positions and Helm origin.

Reading is deliberately forgiving about where input comes from and strict about what it
contains: every problem becomes an ``InputProblem`` with a real ``path:line:col`` and the run
goes on with the next document or file. A document that does not parse does not hide the
ones after it: parsing resumes at the next ``---`` marker, which is what a Helm stream with an
error message in the middle needs.
"""
from __future__ import annotations

import bisect
import codecs
import fnmatch
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from probelint.loader import compose_all
from probelint.model import InputProblem
from probelint.yamlnode import TAG_NULL, inspect

YAML_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
_HELM_SOURCE = re.compile(r"^# Source: (\S.*?)\s*$", re.MULTILINE)
_DOC_START = re.compile(r"^---(?:[ \t].*)?$", re.MULTILINE)
DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024
# libyaml composes recursively in C (about 25,000 levels overflow an 8 MiB stack) and its
# scanner spends time in proportion to the flow depth on every token: deeper is refused.
MAX_DEPTH = 1_000
_SLICE = 4 * 1024 * 1024
# The line breaks of YAML 1.1, which libyaml counts in its marks.
LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
# What `helm template ... 2>&1` (or kustomize) leaves in a stream when rendering fails.
_TOOL_ERROR = re.compile(r"^Error: [^\n]*", re.MULTILINE)


class SourceError(Exception):
    """A file that cannot be read or decoded at all."""

    def __init__(self, problem: InputProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class Source:
    """The decoded text of one input, as it will be shown in messages."""

    path: str
    text: str
    file: Path | None = None
    encoding: str = "utf-8"
    bom: bool = False


@dataclass
class Document:
    source: Source
    index: int
    node: Node
    helm_source: str | None = None
    # The second and later keys of a mapping that repeats a key: the linter reports those in
    # a probe or a container's ports as PL009 findings and the others as input warnings.
    duplicates: tuple[Node, ...] = ()
    # Whether the text has anchors at all: without one no value is reused through an alias.
    aliases: bool = True


@dataclass
class Discovery:
    files: list[str] = field(default_factory=list)
    problems: list[InputProblem] = field(default_factory=list)


def is_helm_chart(directory: Path) -> bool:
    return (directory / "Chart.yaml").is_file() and (directory / "templates").is_dir()


def _excluded(rel: str, name: str, excludes: tuple[str, ...]) -> bool:
    for pattern in excludes:
        pat = pattern.rstrip("/")
        if fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(name, pat) or fnmatch.fnmatch(rel, pat + "/*"):
            return True
        if pat.startswith("**/") and fnmatch.fnmatch(rel, pat[3:]):
            return True
    return False


def discover(paths: tuple[str, ...] | list[str], excludes: tuple[str, ...] = ()) -> Discovery:
    """Expand the command-line paths into the list of inputs to check, in a stable order.

    Directories are walked recursively for ``.yaml``, ``.yml`` and ``.json`` files; hidden
    directories and files are skipped; a raw Helm chart is not YAML and is reported once.
    Files named explicitly are always checked, whatever their suffix.
    """
    found = Discovery()
    seen: set[str] = set()
    for raw in paths:
        if raw == STDIN:
            found.files.append(STDIN)
            continue
        path = Path(raw)
        if not path.exists() and not path.is_symlink():
            found.problems.append(InputProblem(raw, 1, 1, "no such file or directory"))
            continue
        if path.is_dir():
            _walk(path, excludes, found, seen)
        elif raw not in seen:
            seen.add(raw)
            found.files.append(raw)
    return found


def _walk(root: Path, excludes: tuple[str, ...], found: Discovery, seen: set[str]) -> None:
    visited: set[tuple[int, int]] = set()

    def on_error(err: OSError) -> None:
        found.problems.append(InputProblem(err.filename or str(root), 1, 1, f"cannot read directory: {err.strerror}"))

    if is_helm_chart(root):
        found.problems.append(_chart_notice(root))
        return
    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error, followlinks=True):
        here = Path(dirpath)
        try:
            stat = here.stat()
            ident = (stat.st_dev, stat.st_ino)
        except OSError:
            ident = None
        if ident is not None:
            if ident in visited:
                dirnames[:] = []
                continue
            visited.add(ident)
        kept = []
        for name in sorted(dirnames):
            if name.startswith("."):
                continue
            sub = here / name
            rel = _relative(sub, root)
            if _excluded(rel, name, excludes):
                continue
            if is_helm_chart(sub):
                found.problems.append(_chart_notice(sub))
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            if name.startswith(".") or not name.endswith(YAML_SUFFIXES):
                continue
            file = here / name
            rel = _relative(file, root)
            if _excluded(rel, name, excludes):
                continue
            text = str(file)
            if text not in seen:
                seen.add(text)
                found.files.append(text)


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _chart_notice(directory: Path) -> InputProblem:
    return InputProblem(
        str(directory),
        1,
        1,
        "is a Helm chart: its templates are not YAML until rendered; "
        f"run `helm template {directory} | probelint check -`",
        level="warning",
    )


def read_source(path: str, data: bytes | None = None, display: str | None = None,
                max_size: int = DEFAULT_MAX_FILE_SIZE) -> Source:
    """Read and decode one input. ``data`` is given for stdin."""
    shown = display or path
    file = None
    if data is None:
        file = Path(path)
        try:
            size = file.stat().st_size
            if max_size and size > max_size:
                raise SourceError(InputProblem(shown, 1, 1, f"file is {size} bytes, above the limit of {max_size} (--max-file-size)"))
            data = file.read_bytes()
        except IsADirectoryError:
            raise SourceError(InputProblem(shown, 1, 1, "is a directory")) from None
        except PermissionError:
            raise SourceError(InputProblem(shown, 1, 1, "permission denied")) from None
        except OSError as err:
            raise SourceError(InputProblem(shown, 1, 1, f"cannot read: {err.strerror or err}")) from None
    try:
        text, encoding, bom = decode(data, shown)
    except SourceError as err:
        if file is None and err.problem.level != "error":
            # Binary data on stdin is the whole input, not a stray file in a directory.
            raise SourceError(replace(err.problem, level="error", message=err.problem.message.replace(
                ", skipped", ", not checked"))) from None
        raise
    return Source(shown, text, file, encoding, bom)


def decode(data: bytes, shown: str) -> tuple[str, str, bool]:
    """Decode UTF-8 (with or without BOM) or UTF-16/32 with a BOM; anything else is an error.

    A NUL byte in what should be UTF-8 means a binary file (an image, an archive) that a glob
    picked up: it is skipped with a warning rather than failing the run."""
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be")):
        if data.startswith(bom):
            return _decode_strict(data[len(bom):], encoding, shown), encoding, True
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return _decode_strict(data[len(bom):], encoding, shown), encoding, True
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[3:] if bom else data
    nul = body.find(b"\x00")
    if nul != -1:
        line, column = _line_col_of_byte(body, nul)
        raise SourceError(InputProblem(shown, line, column, f"binary file (NUL byte at offset {nul + (3 if bom else 0)}), skipped",
                                       level="warning"))
    return _decode_strict(body, "utf-8", shown, offset=3 if bom else 0), "utf-8", bom


def _decode_strict(body: bytes, encoding: str, shown: str, offset: int = 0) -> str:
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as err:
        line, column = _line_col_of_byte(body, err.start) if encoding == "utf-8" else (1, 1)
        raise SourceError(
            InputProblem(shown, line, column, f"invalid {encoding.upper()}: byte 0x{body[err.start]:02x} at offset {err.start + offset}")
        ) from None


def _line_col_of_byte(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[start:offset].decode("utf-8", errors="replace")) + 1
    return line, column


def parse(source: Source) -> Iterator[Document | InputProblem]:
    """Compose every document of a source, yielding documents and input problems in order.

    Before composing, a tool's error message written into the stream is turned into a comment
    (and reported), and documents nested deeper than ``MAX_DEPTH`` are blanked out (and
    reported): libyaml composes recursively in C, and a few hundred kilobytes of ``[`` would
    overflow the C stack. After composing, each document is inspected once: unknown tags and
    alias bombs refuse it, duplicate keys are warnings.
    """
    text = source.text
    helm_marks = [(line, m.group(1)) for line, m in _with_lines(text, _HELM_SOURCE)] if "# Source: " in text else []
    base = text
    if "Error: " in text:
        for line, match in _with_lines(text, _TOOL_ERROR):
            yield InputProblem(source.path, line + 1, 1, f"error message in the stream, not YAML: {_shorten(match.group(0))}")
        base = _TOOL_ERROR.sub(lambda m: "#" + m.group(0)[1:], text)
    deep = _may_be_deep(text)
    tags, aliases = "!" in text, "&" in text
    index = 0
    offset_line = 0
    previous_start = -1
    chunk = base
    while True:
        if deep:
            for problem, first, last in _deep_documents(chunk, source.path):
                yield problem
                index += 1
                base = _blank_lines(base, first, last)
            chunk = "\n" * offset_line + base[_offset_of_line(base, offset_line):] if offset_line else base
        try:
            for node in compose_all(chunk):
                if node is None or (node.tag == TAG_NULL and isinstance(node, ScalarNode)):
                    continue  # an empty document (only comments, or nothing between two ---)
                start = node.start_mark.line
                helm = _helm_source_for(helm_marks, previous_start, start)
                previous_start = start
                found = inspect(node, tags=tags, aliases=aliases)
                if found.refusal is not None:
                    yield from (duplicate_key_problem(source.path, key) for key in found.duplicates)
                    node_at, reason = found.refusal
                    yield InputProblem(source.path, node_at.start_mark.line + 1, node_at.start_mark.column + 1,
                                       f"{reason} (document not checked)")
                else:
                    yield Document(source, index, node, helm, tuple(found.duplicates), aliases)
                index += 1
            return
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            line = mark.line if mark else offset_line
            column = mark.column if mark else 0
            problem = err.problem or str(err)
            context = f" {err.context}" if err.context and err.problem else ""
            tab = _tab_in_indentation(chunk, line, column)
            if tab is not None:
                column, message = tab, "invalid YAML: tab character in indentation (YAML indents with spaces only)"
            else:
                message = f"invalid YAML: {problem}{context}"
            line, column = _inside(text, line, column)
            yield InputProblem(source.path, line + 1, column + 1, message)
            index += 1
            # The error may sit on the `---` that starts the next document (an unclosed flow
            # collection runs into it), so that line is a valid place to resume; progress is
            # guaranteed by never resuming at or before the previous resume point.
            resume = _next_document_line(base, max(line, offset_line + 1))
            if resume is None:
                return
            # Blank out everything before the resume point so that marks keep their real lines.
            start = _offset_of_line(base, resume)
            offset_line = resume
            chunk = "\n" * resume + base[start:]
        except yaml.YAMLError as err:
            yield InputProblem(source.path, offset_line + 1, 1, f"invalid YAML: {err}")
            return
        except RecursionError:
            yield InputProblem(source.path, offset_line + 1, 1, "YAML is nested too deeply to read")
            return


def duplicate_key_problem(path: str, key: Node) -> InputProblem:
    """The input warning for a repeated mapping key (outside a probe and a container's ports,
    where PL009 reports it)."""
    return InputProblem(path, key.start_mark.line + 1, key.start_mark.column + 1,
                        f'duplicate key "{_shorten(key.value)}": Kubernetes keeps the last one, YAML forbids it',
                        level="warning")


def _inside(text: str, line: int, column: int) -> tuple[int, int]:
    """A 0-based position moved inside ``text``: libyaml reports an error at the end of input
    one line past the last one when the text does not end with a line break. Lines are YAML's
    (``\\r``, NEL and the Unicode separators end a line too), as in every node's marks."""
    rows = LINE_BREAK.split(text)
    line = min(line, len(rows) - 1)
    return line, min(column, len(rows[line]))


def _shorten(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _tab_in_indentation(text: str, line: int, column: int) -> int | None:
    """The 0-based column of a tab in the indentation of ``line``, when the error is there."""
    start = _offset_of_line(text, line)
    end = text.find("\n", start)
    row = text[start:] if end == -1 else text[start:end]
    indent = len(row) - len(row.lstrip(" \t"))
    tab = row.find("\t", 0, indent)
    if tab == -1 or column > indent:
        return None
    return tab


def too_deep(text: str) -> bool:
    """Whether a document of ``text`` is nested deeper than ``MAX_DEPTH``, which composing it
    whole could not survive (for code that composes a text itself, such as fix checking)."""
    return _may_be_deep(text) and bool(_deep_documents(text, ""))


def _may_be_deep(text: str) -> bool:
    """Whether a document of ``text`` could be nested deeper than ``MAX_DEPTH``.

    A cheap upper bound, with no YAML scanning: flow nesting needs a ``[`` or ``{`` per level
    within one document (libyaml stops at a ``---`` line even inside a quoted scalar), and block
    nesting gains at least one column every two levels, so it is below twice the longest line.
    """
    if len(text) <= MAX_DEPTH // 2:
        return False
    starts = [m.start() for m in _DOC_START.finditer(text)]
    flow = max(text.count("[", begin, end) + text.count("{", begin, end)
               for begin, end in zip([0, *starts], [*starts, len(text)], strict=True))
    if flow > MAX_DEPTH // 2:
        return True
    return flow + 2 * _longest_line(text) + 2 > MAX_DEPTH


def _longest_line(text: str) -> int:
    """Length of the longest line, split a few megabytes at a time to keep memory flat."""
    longest = start = 0
    while start < len(text):
        end = text.find("\n", min(start + _SLICE, len(text)))
        end = len(text) if end == -1 else end
        longest = max(longest, *map(len, text[start:end].split("\n")))
        start = end + 1
    return longest


def _deep_documents(chunk: str, path: str) -> list[tuple[InputProblem, int, int]]:
    """Documents nested deeper than ``MAX_DEPTH``: the problem and their 0-based line range.

    libyaml's event parser keeps its own stack, so it reads any depth without recursion; its
    scanner costs time in proportion to the flow depth for every token, so the scan stops as
    soon as a document is too deep and goes on after that document's end. The scan also stops
    at a syntax error, which composing reports afterwards.
    """
    from yaml.events import (
        DocumentStartEvent,
        MappingEndEvent,
        MappingStartEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    found = []
    text = chunk
    while True:
        depth = 0
        first = 0
        too_deep = None
        try:
            for event in yaml.parse(text, Loader=yaml.CSafeLoader):
                cls = event.__class__
                if cls is MappingStartEvent or cls is SequenceStartEvent:
                    depth += 1
                    if depth > MAX_DEPTH:
                        too_deep = event.start_mark
                        break
                elif cls is MappingEndEvent or cls is SequenceEndEvent:
                    depth -= 1
                elif cls is DocumentStartEvent:
                    first, depth = event.start_mark.line, 0
        except yaml.YAMLError:
            return found
        if too_deep is None:
            return found
        resume = _next_document_line(text, too_deep.line + 1)
        last = resume if resume is not None else text.count("\n") + 1
        found.append((_deep_problem(path, too_deep), first, last))
        if resume is None:
            return found
        text = "\n" * resume + text[_offset_of_line(text, resume):]


def _deep_problem(path: str, mark) -> InputProblem:
    return InputProblem(path, mark.line + 1, mark.column + 1,
                        f"nested more than {MAX_DEPTH:,} levels deep (document not checked)")


def _blank_lines(text: str, first: int, last: int) -> str:
    """``text`` with lines ``first`` to ``last - 1`` emptied (a ``---`` kept), lines unchanged."""
    start = _offset_of_line(text, first)
    end = _offset_of_line(text, last)
    removed = text[start:end]
    keep = "---" if removed.startswith("---") else ""
    return text[:start] + keep + "\n" * removed.count("\n") + text[end:]


def _with_lines(text: str, pattern: re.Pattern[str]) -> Iterator[tuple[int, re.Match[str]]]:
    """Each match of ``pattern`` with its 0-based line, counted once through the text."""
    line = position = 0
    for match in pattern.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        yield line, match


def _helm_source_for(marks: list[tuple[int, str]], after: int, line: int) -> str | None:
    """The ``# Source:`` mark between the previous document and this one, if any.

    Helm writes one mark before every document it renders, so a document without its own
    mark (hand-written YAML appended to a rendered stream) has no template origin. ``marks``
    is in line order; a binary search keeps a stream of thousands of documents linear.
    """
    index = bisect.bisect_right(marks, (line, "\uffff")) - 1
    if index >= 0 and marks[index][0] > after:
        return marks[index][1]
    return None


def _next_document_line(text: str, after_line: int) -> int | None:
    start = _offset_of_line(text, after_line)
    if start >= len(text):
        return None
    match = _DOC_START.search(text, start)
    if match is None:
        return None
    return text.count("\n", 0, match.start())


# Line breaks other than ``\n`` that YAML counts (a lone ``\r``, NEL, the Unicode separators).
_OTHER_BREAKS = re.compile("\r(?!\n)|[\x85\u2028\u2029]")
_NOT_A_BREAK = re.compile("[^\r\n\x85\u2028\u2029]+")


def document_at(source: Source, line: int) -> Document | None:
    """The document of ``source`` whose node starts on ``line`` (0-based, counted like YAML
    counts lines), composed alone: the lines before it are emptied, so that lines and columns
    stay those of the file (what positions and fix edits are computed from)."""
    text = source.text
    if _OTHER_BREAKS.search(text) is None:
        offset = _offset_of_line(text, line)
        blank = "\n" * line
    else:
        ends = [m.end() for _, m in zip(range(line), LINE_BREAK.finditer(text), strict=False)]
        offset = ends[-1] if ends else 0
        blank = _NOT_A_BREAK.sub(lambda m: " " * len(m.group(0)), text[:offset])
    return next((item for item in parse(Source(source.path, blank + text[offset:])) if isinstance(item, Document)), None)


def _offset_of_line(text: str, line: int) -> int:
    offset = 0
    for _ in range(line):
        nl = text.find("\n", offset)
        if nl == -1:
            return len(text)
        offset = nl + 1
    return offset


def is_mapping(node: Node) -> bool:
    return isinstance(node, MappingNode)
