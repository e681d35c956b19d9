"""Reading inputs: discovery, decoding, Helm attribution, and recovery from broken documents."""
from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probelint.model import InputProblem
from probelint.source import Source, SourceError, decode, discover, parse, read_source


def parsed(text: str):
    return list(parse(Source("s.yaml", text)))


def test_discover_walks_yaml_and_json_skipping_hidden_and_excluded(tmp_path) -> None:
    (tmp_path / "a.yaml").write_text("a: 1")
    (tmp_path / "b.yml").write_text("a: 1")
    (tmp_path / "c.json").write_text("{}")
    (tmp_path / "d.txt").write_text("a: 1")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "e.yaml").write_text("a: 1")
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor" / "f.yaml").write_text("a: 1")
    found = discover([str(tmp_path)], excludes=("vendor",))
    assert [p.rsplit("/", 1)[1] for p in found.files] == ["a.yaml", "b.yml", "c.json"]
    assert not found.problems


def test_discover_reports_a_helm_chart_once_and_goes_on(tmp_path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("name: x")
    (chart / "templates" / "deploy.yaml").write_text("{{ .Values }}")
    (tmp_path / "ok.yaml").write_text("a: 1")
    found = discover([str(tmp_path)])
    assert [p.rsplit("/", 1)[1] for p in found.files] == ["ok.yaml"]
    assert len(found.problems) == 1 and found.problems[0].level == "warning"
    assert "helm template" in found.problems[0].message


def test_discover_missing_path_is_an_error() -> None:
    found = discover(["/nonexistent/x.yaml"])
    assert found.problems[0].message == "no such file or directory"


def test_discover_survives_a_directory_symlink_loop(tmp_path) -> None:
    (tmp_path / "a.yaml").write_text("a: 1")
    (tmp_path / "loop").symlink_to(tmp_path)
    found = discover([str(tmp_path)])
    assert len(found.files) == 1


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"a: 1\n", "a: 1\n"),
        (codecs.BOM_UTF8 + b"a: 1\n", "a: 1\n"),
        (codecs.BOM_UTF16_LE + "a: é\n".encode("utf-16-le"), "a: é\n"),
        (codecs.BOM_UTF16_BE + "a: 1\n".encode("utf-16-be"), "a: 1\n"),
    ],
)
def test_decode_accepts_utf8_and_bom_encodings(data: bytes, text: str) -> None:
    assert decode(data, "x")[0] == text


def test_decode_reports_invalid_utf8_with_position() -> None:
    with pytest.raises(SourceError) as err:
        decode(b"a: 1\nb: \xff\n", "x.yaml")
    problem = err.value.problem
    assert (problem.line, problem.column) == (2, 4)
    assert "offset 8" in problem.message


def test_binary_file_is_an_error(tmp_path) -> None:
    file = tmp_path / "x.yaml"
    file.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(SourceError) as err:
        read_source(str(file))
    assert "binary file" in err.value.problem.message


def test_max_file_size(tmp_path) -> None:
    file = tmp_path / "x.yaml"
    file.write_text("a: 1\n" * 100)
    with pytest.raises(SourceError) as err:
        read_source(str(file), max_size=10)
    assert "above the limit" in err.value.problem.message


def test_helm_source_attaches_to_following_documents() -> None:
    docs = parsed("---\n# Source: c/templates/svc.yaml\nkind: Service\n---\n# Source: c/templates/dep.yaml\nkind: Deployment\n")
    assert [d.helm_source for d in docs] == ["c/templates/svc.yaml", "c/templates/dep.yaml"]


def test_empty_documents_are_skipped() -> None:
    assert [d.index for d in parsed("---\n# only a comment\n---\n---\na: 1\n")] == [0]


def test_parse_error_reports_position_and_resumes_at_next_document() -> None:
    items = parsed("a: 1\n---\nb: [1,\n---\nc: 3\n---\nd: : 4\n---\ne: 5\n")
    problems = [i for i in items if isinstance(i, InputProblem)]
    docs = [i for i in items if not isinstance(i, InputProblem)]
    assert [(p.line, p.column) for p in problems] == [(4, 1), (7, 4)]
    assert [d.node.value[0][0].value for d in docs] == ["a", "c", "e"]
    assert [d.node.start_mark.line + 1 for d in docs] == [1, 5, 9]


def test_deep_nesting_does_not_crash() -> None:
    items = parsed("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert len(items) == 1


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab:- \n[]{}&*!'\"#|>,?%@`\t") + ["---\n", "key: value\n"]), max_size=80).map("".join))
def test_parse_never_raises(text: str) -> None:
    for item in parse(Source("f.yaml", text)):
        if isinstance(item, InputProblem):
            assert item.line >= 1 and item.column >= 1
