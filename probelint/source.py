"""From paths and stdin to parsed documents with positions and Helm origin.

Reading is deliberately forgiving about where input comes from and strict about what it
contains: every problem becomes an ``InputProblem`` with a real ``path:line:col`` and the run
goes on with the next document or file. A document that does not parse does not hide the
ones after it: parsing resumes at the next ``---`` marker, which is what a Helm stream with an
error message in the middle needs.
"""
from __future__ import annotations

import codecs
import fnmatch
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from probelint.model import InputProblem
from probelint.yamlnode import TAG_NULL

YAML_SUFFIXES = (".yaml", ".yml", ".json")
STDIN = "-"
_HELM_SOURCE = re.compile(r"^# Source: (\S.*?)\s*$", re.MULTILINE)
_DOC_START = re.compile(r"^---(?:[ \t].*)?$", re.MULTILINE)
DEFAULT_MAX_FILE_SIZE = 50 * 1024 * 1024


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
    text, encoding, bom = decode(data, shown)
    return Source(shown, text, file, encoding, bom)


def decode(data: bytes, shown: str) -> tuple[str, str, bool]:
    """Decode UTF-8 (with or without BOM) or UTF-16/32 with a BOM; anything else is an error."""
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
        raise SourceError(InputProblem(shown, line, column, f"binary file (NUL byte at offset {nul + (3 if bom else 0)}), not checked"))
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
    """Compose every document of a source, yielding documents and parse problems in order."""
    text = source.text
    helm_marks = [(text.count("\n", 0, m.start()), m.group(1)) for m in _HELM_SOURCE.finditer(text)] if "# Source: " in text else []
    index = 0
    offset_line = 0
    previous_start = -1
    chunk = text
    while True:
        try:
            for node in yaml.compose_all(chunk, Loader=yaml.CSafeLoader):
                if node is None or (node.tag == TAG_NULL and isinstance(node, ScalarNode)):
                    continue  # an empty document (only comments, or nothing between two ---)
                start = node.start_mark.line
                yield Document(source, index, node, _helm_source_for(helm_marks, previous_start, start))
                previous_start = start
                index += 1
            return
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            line = mark.line if mark else offset_line
            column = mark.column if mark else 0
            problem = err.problem or str(err)
            context = f" {err.context}" if err.context and err.problem else ""
            yield InputProblem(source.path, line + 1, column + 1, f"invalid YAML: {problem}{context}")
            index += 1
            # The error may sit on the `---` that starts the next document (an unclosed flow
            # collection runs into it), so that line is a valid place to resume; progress is
            # guaranteed by never resuming at or before the previous resume point.
            resume = _next_document_line(text, max(line, offset_line + 1))
            if resume is None:
                return
            # Blank out everything before the resume point so that marks keep their real lines.
            start = _offset_of_line(text, resume)
            offset_line = resume
            chunk = "\n" * resume + text[start:]
        except yaml.YAMLError as err:
            yield InputProblem(source.path, offset_line + 1, 1, f"invalid YAML: {err}")
            return
        except RecursionError:
            yield InputProblem(source.path, offset_line + 1, 1, "YAML is nested too deeply to read")
            return


def _helm_source_for(marks: list[tuple[int, str]], after: int, line: int) -> str | None:
    """The ``# Source:`` mark between the previous document and this one, if any.

    Helm writes one mark before every document it renders, so a document without its own
    mark (hand-written YAML appended to a rendered stream) has no template origin.
    """
    found = None
    for mark_line, name in marks:
        if mark_line > line:
            break
        if mark_line > after:
            found = name
    return found


def _next_document_line(text: str, after_line: int) -> int | None:
    start = _offset_of_line(text, after_line)
    if start >= len(text):
        return None
    match = _DOC_START.search(text, start)
    if match is None:
        return None
    return text.count("\n", 0, match.start())


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
