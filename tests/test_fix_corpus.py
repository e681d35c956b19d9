"""``--fix --unsafe-fixes`` over copies of every real manifest in ``../shared/corpus``.

Each file is fixed or refused cleanly; every changed line belongs to a probe or to a field a
probe rule owns (termination grace, lifecycle hooks, ports, the rollout deadline); nothing else
in these real files moves; and a second check finds no fixable finding left.
"""
from __future__ import annotations

import difflib
import shutil

import pytest

from probelint import fix
from probelint.probes import PROBE_KEYS
from tests.conftest import CORPUS, lines_of_keys, make_settings

OWNED_KEYS = {*PROBE_KEYS, "terminationGracePeriodSeconds", "lifecycle", "ports", "progressDeadlineSeconds",
              "restartPolicy"}


def owned_lines(text: str) -> set[int]:
    """0-based lines holding a probe or a probe-owned field (from the key to its value's end)."""
    return lines_of_keys(text, OWNED_KEYS)


@pytest.fixture(scope="module")
def fixed_corpus(tmp_path_factory):
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not available")
    copy = tmp_path_factory.mktemp("corpus") / "corpus"
    for source in sorted(CORPUS.rglob("*")):
        if source.is_file():  # the corpus is read-only; the copies must be writable
            target = copy / source.relative_to(CORPUS)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    settings = make_settings(select=["ALL"])
    return copy, fix.run((str(copy),), settings, unsafe=True)


def test_every_change_stays_in_probe_owned_lines(fixed_corpus) -> None:
    _, run = fixed_corpus
    assert run.changed(), "the corpus has fixable findings"
    for state in run.changed():
        before, after = state.original.text, state.text
        old_owned, new_owned = owned_lines(before), owned_lines(after)
        matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
        for tag, a1, a2, b1, b2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            assert set(range(a1, a2)) <= old_owned, (state.key, before.splitlines()[a1:a2])
            assert set(range(b1, b2)) <= new_owned, (state.key, after.splitlines()[b1:b2])


def test_refusals_are_reported_cleanly(fixed_corpus) -> None:
    _, run = fixed_corpus
    for problem in run.problems:
        assert problem.level == "warning" and "fix not applied" in problem.message, problem


def test_a_second_run_has_nothing_left_to_fix(fixed_corpus) -> None:
    copy, run = fixed_corpus
    left = [f for f in run.result.findings if fix.applicable(f, True)]
    refused = {(p.path, p.line, p.column) for p in run.problems}
    assert [f for f in left if (f.location.path, f.location.line, f.location.column) not in refused] == []
    for state in run.changed():
        data = fix.encoded(state.original, state.text)
        fix.write_atomic(state.key, data, fix.original_bytes(state))
    again = fix.run((str(copy),), make_settings(select=["ALL"]), unsafe=True)
    assert not [s for s in again.changed()], [s.key for s in again.changed()]
