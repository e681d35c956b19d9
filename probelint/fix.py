"""``--fix``: apply the rules' fixes to the original text, prove them, repeat, write atomically.

Each round lints every input (Service rules need all of them), takes the fixable findings of
each file, applies the edits of those that do not overlap, and verifies the result: the new
text must parse, and its data must equal the original data with exactly the fixes' changes
applied, nothing more. A fix that fails verification is refused with a message and the file
keeps its previous text. Rounds repeat until no fix applies (fixes may enable each other: a
new startupProbe makes the liveness delay redundant), at most ``MAX_ROUNDS`` times.

Writing goes through a temporary file in the target's directory (flush, fsync, rename), so a
crash leaves either the old or the new file, never half of one; the mode is kept, symlinks are
written through to their target, and read-only files are refused.
"""
from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from probelint.linter import Linter, LintResult
from probelint.loader import compose_all
from probelint.model import Change, Edit, Finding, InputProblem
from probelint.settings import Settings
from probelint.source import MAX_DEPTH, Source, too_deep
from probelint.writeback import (  # noqa: F401
    WriteError,
    encoded,
    original_bytes,
    writable_problem,
    write_atomic,
)
from probelint.yamlnode import TAG_NULL, Map, NodeBudgetExceeded, to_python

MAX_ROUNDS = 10
WALK_BUDGET = 200_000


class VerifyError(Exception):
    """The edited text is not the original plus exactly the intended changes."""


# -- applying and verifying ----------------------------------------------------------------
def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits; insertions at the same offset keep their given order."""
    ordered = sorted(enumerate(edits), key=lambda item: (item[1].start, item[1].end, item[0]))
    out: list[str] = []
    pos = 0
    for _, edit in ordered:
        if edit.start < pos:
            raise ValueError(f"overlapping edits at offset {edit.start}")
        out.append(text[pos:edit.start])
        out.append(edit.replacement)
        pos = edit.end
    out.append(text[pos:])
    return "".join(out)


def overlaps(a: Edit, b: Edit) -> bool:
    if a.start == b.start:
        return True
    return max(a.start, b.start) < min(a.end, b.end)


def _documents(text: str) -> list[Node]:
    if too_deep(text):
        raise VerifyError(f"has a document nested more than {MAX_DEPTH:,} levels deep")
    try:
        return [node for node in compose_all(text)
                if node is not None and not (isinstance(node, ScalarNode) and node.tag == TAG_NULL)]
    except (yaml.YAMLError, RecursionError) as err:
        raise VerifyError(f"does not parse: {str(err).splitlines()[0] if str(err) else err}") from None


@lru_cache(maxsize=4)
def _original_documents(text: str) -> list[Node]:
    """The original text's documents: every fix of a round is verified against the same text,
    and the trees are only read, never changed."""
    return _documents(text)


def _position(node: Node) -> tuple:
    return (type(node).__name__, node.start_mark.line, node.start_mark.column, node.end_mark.line, node.end_mark.column)


def _paths_to(documents: list[Node], target: tuple) -> list[tuple[int, tuple]]:
    """Every path (document index, keys) that reaches a node at ``target``'s position; more
    than one means the node is shared through an anchor."""
    found: list[tuple[int, tuple]] = []
    budget = WALK_BUDGET
    for index, root in enumerate(documents):
        stack: list[tuple[Node, tuple]] = [(root, ())]
        while stack:
            node, path = stack.pop()
            budget -= 1
            if budget < 0:
                raise VerifyError("document is too large to verify")
            if _position(node) == target:
                found.append((index, path))
                if len(found) > 1:
                    return found
            if isinstance(node, MappingNode):
                for key, _key_node, value in Map(node).items():
                    stack.append((value, (*path, key)))
            elif isinstance(node, SequenceNode):
                for i, item in enumerate(node.value):
                    stack.append((item, (*path, i)))
    return found


def _expected_value(value: object) -> object:
    if isinstance(value, Node):
        return to_python(value)
    return value


def expected_data(documents: list[Node], changes: Iterable[Change]) -> list[object]:
    data = [to_python(node) for node in documents]
    for change in changes:
        paths = _paths_to(documents, _position(change.target))
        if not paths:
            raise VerifyError("the changed value was not found")
        if len(paths) > 1:
            raise VerifyError("the changed value is shared through a YAML anchor or merge key")
        index, path = paths[0]
        container = data[index]
        for part in path:
            container = container[part]
        if change.delete:
            if isinstance(container, dict):
                container.pop(change.key, None)
            else:
                del container[change.key]
        elif change.rename is not None:
            container[change.rename] = container.pop(change.key)
        elif isinstance(container, list) and change.key == len(container):
            container.append(_expected_value(change.value))
        else:
            container[change.key] = _expected_value(change.value)
    return data


def same(a: object, b: object) -> bool:
    """Equal values of the same types (``True`` is not ``1``, ``"5"`` is not ``5``)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def verify(original: str, edited: str, changes: Iterable[Change]) -> None:
    """Raise ``VerifyError`` unless ``edited`` is ``original`` plus exactly ``changes``."""
    try:
        before = _original_documents(original)
    except VerifyError as err:
        raise VerifyError(f"the file {err}") from None
    try:
        after = _documents(edited)
    except VerifyError as err:
        raise VerifyError(f"the fixed text {err}") from None
    if len(before) != len(after):
        raise VerifyError(f"the fixed text has {len(after)} documents instead of {len(before)}")
    try:
        expected = expected_data(before, changes)
        actual = [to_python(node) for node in after]
    except NodeBudgetExceeded as err:
        raise VerifyError(str(err)) from None
    for index, (want, got) in enumerate(zip(expected, actual)):
        if not same(want, got):
            raise VerifyError(f"document {index + 1} would change beyond the fix")


# -- one file, one round -------------------------------------------------------------------
@dataclass
class Attempt:
    text: str
    applied: list[Finding] = field(default_factory=list)
    refused: list[tuple[Finding, str]] = field(default_factory=list)


def _combine(text: str, findings: list[Finding]) -> tuple[list[Finding], str]:
    """The findings whose edits do not overlap an earlier one's, and the text with them applied."""
    taken: list[Edit] = []
    chosen: list[Finding] = []
    for finding in findings:
        edits = finding.fix.edits
        if any(overlaps(a, b) for a in edits for b in taken):
            continue  # another fix changes the same text; the next round sees the result
        chosen.append(finding)
        taken.extend(edits)
    return chosen, apply_edits(text, taken)


def _verified(text: str, findings: list[Finding]) -> str | None:
    """The text with these (non-overlapping) fixes applied, if it verifies."""
    edits = [edit for finding in findings for edit in finding.fix.edits]
    edited = apply_edits(text, edits)
    try:
        verify(text, edited, [change for finding in findings for change in finding.fix.changes])
    except VerifyError:
        return None
    return edited


def fix_text(text: str, findings: list[Finding]) -> Attempt:
    """Apply as many of the findings' fixes as verify together.

    Normally all non-overlapping fixes verify at once. When they do not, each is verified
    alone; those that fail alone are refused with the reason, and the others are applied
    together, or the first of them alone if even that combination fails.
    """
    attempt = Attempt(text)
    chosen, _ = _combine(text, findings)
    edited = _verified(text, chosen)
    if edited is not None:
        attempt.text, attempt.applied = edited, chosen
        return attempt
    good = []
    for finding in chosen:
        try:
            verify(text, apply_edits(text, finding.fix.edits), finding.fix.changes)
            good.append(finding)
        except VerifyError as err:
            attempt.refused.append((finding, str(err)))
    for subset in (good, good[:1]):
        edited = _verified(text, subset) if subset else None
        if edited is not None:
            attempt.text, attempt.applied = edited, subset
            break
    return attempt


# -- the whole run -------------------------------------------------------------------------
@dataclass
class FileState:
    key: str  # the path as discovered ("-" for stdin)
    original: Source
    text: str
    fixed: int = 0

    @property
    def changed(self) -> bool:
        return self.text != self.original.text


@dataclass
class FixRun:
    result: LintResult
    files: dict[str, FileState]
    problems: list[InputProblem] = field(default_factory=list)
    rounds: int = 0
    texts: dict[str, str] = field(default_factory=dict)  # final text by shown path

    @property
    def fixed(self) -> int:
        return sum(state.fixed for state in self.files.values())

    def changed(self) -> list[FileState]:
        return [state for state in self.files.values() if state.changed]


def applicable(finding: Finding, unsafe: bool) -> bool:
    return finding.fixable and finding.fix is not None and (unsafe or finding.fix.safe)


def run(paths: tuple[str, ...], settings: Settings, *, unsafe: bool = False, stdin: bytes | None = None,
        stdin_name: str = "-", writable: Callable[[str], str | None] | None = None) -> FixRun:
    """Fix to a fixed point in memory; ``writable`` says why a file cannot be written (it is
    then left alone and reported), for ``--fix``; ``--diff`` passes none."""
    files: dict[str, FileState] = {}
    skipped: dict[str, InputProblem] = {}
    refusals: dict[tuple, InputProblem] = {}
    rounds = 0
    while True:
        linter = Linter(settings, keep_sources=True, keep_fix_changes=True)
        overrides = {state.key: replace(state.original, text=state.text) for state in files.values() if state.changed}
        result = linter.lint_paths(paths, stdin=stdin, stdin_name=stdin_name, overrides=overrides)
        if rounds >= MAX_ROUNDS:
            break
        rounds += 1
        by_path: dict[str, list[Finding]] = {}
        for finding in result.findings:
            if applicable(finding, unsafe):
                by_path.setdefault(finding.location.path, []).append(finding)
        progressed = False
        for shown, findings in by_path.items():
            key, source = linter.sources[shown]
            if shown in skipped:
                continue
            reason = writable(key) if writable is not None and shown not in files else None
            if reason:
                skipped[shown] = InputProblem(shown, 1, 1, reason)
                continue
            state = files.get(shown) or files.setdefault(shown, FileState(key, source, source.text))
            attempt = fix_text(state.text, findings)
            for finding, reason in attempt.refused:
                loc = finding.location
                refusals.setdefault((loc.path, loc.line, loc.column, finding.code), InputProblem(
                    loc.path, loc.line, loc.column, f"{finding.code} fix not applied: {reason}", level="warning"))
            if attempt.applied and attempt.text != state.text:
                state.text = attempt.text
                state.fixed += len(attempt.applied)
                progressed = True
        if not progressed:
            break
    problems = [*skipped.values(), *refusals.values()]
    if rounds >= MAX_ROUNDS:
        problems.append(InputProblem(paths[0] if paths else ".", 1, 1,
                                     f"fixes did not settle after {MAX_ROUNDS} rounds", level="warning"))
    result.problems.extend(problems)
    result.problems.sort(key=InputProblem.sort_key)
    texts = {shown: source.text for shown, (_key, source) in linter.sources.items()}
    return FixRun(result, files, problems, rounds, texts)


# -- output --------------------------------------------------------------------------------
def unified_diff(state: FileState, shown: str) -> str:
    before = state.original.text.splitlines(keepends=True)
    after = state.text.splitlines(keepends=True)
    lines = difflib.unified_diff(before, after, fromfile=f"a/{shown}", tofile=f"b/{shown}")
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
