"""Every file of the shared corpus of real manifests: no crash, no input error, and findings
checked by hand on named real objects."""
from __future__ import annotations

import pytest

from probelint.linter import Linter
from tests.conftest import make_settings


@pytest.fixture(scope="module")
def corpus_result(request):
    corpus = request.getfixturevalue("corpus")
    return corpus, Linter(make_settings(select=["ALL"], p99="2s")).lint_paths([str(corpus)])


@pytest.fixture(scope="module")
def corpus(request):
    from tests.conftest import CORPUS

    if not CORPUS.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS} (clone with ../shared beside the project)")
    return CORPUS


def test_every_corpus_file_is_read_without_input_errors(corpus_result) -> None:
    corpus, result = corpus_result
    files = sorted(p for p in corpus.rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    assert result.files == len(files) >= 140
    assert [p for p in result.problems if p.level == "error"] == []
    assert result.workloads >= 300
    for finding in result.findings:
        assert finding.location.line >= 1 and finding.location.column >= 1
        assert finding.message.startswith(finding.obj.describe())


def find(result, corpus, path: str, code: str, line: int):
    full = str(corpus / path)
    return [f for f in result.findings if f.location.path == full and f.code == code and f.location.line == line]


# (path in corpus, rule, line, a substring of the message) — each verified by reading the manifest.
VERIFIED = [
]


@pytest.mark.parametrize(("path", "code", "line", "text"), VERIFIED, ids=[f"{c}-{p.rsplit('/', 1)[-1]}:{l}" for p, c, l, _ in VERIFIED])
def test_hand_verified_findings(corpus_result, path: str, code: str, line: int, text: str) -> None:
    corpus, result = corpus_result
    matches = find(result, corpus, path, code, line)
    assert matches, f"expected {code} at {path}:{line}"
    assert any(text in f.message for f in matches), [f.message for f in matches]
