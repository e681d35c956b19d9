"""Reading inputs: discovery, decoding, Helm attribution, and recovery from broken documents."""
from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probelint.model import InputProblem
from probelint.source import (
    Source,
    SourceError,
    decode,
    discover,
    duplicate_key_problem,
    parse,
    read_source,
)


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


def test_binary_file_is_skipped_with_a_warning(tmp_path) -> None:
    file = tmp_path / "x.yaml"
    file.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(SourceError) as err:
        read_source(str(file))
    assert err.value.problem.message == "binary file (NUL byte at offset 8), skipped"
    assert err.value.problem.level == "warning"


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


def test_deep_nesting_is_refused_without_composing() -> None:
    items = parsed("a: " + "[" * 5000 + "]" * 5000 + "\n---\nb: 1\n")
    assert [(i.line, i.column) for i in items if isinstance(i, InputProblem)] == [(1, 1003)]
    assert [d.node.value[0][0].value for d in items if not isinstance(d, InputProblem)] == ["b"]


def test_nesting_at_the_limit_is_read() -> None:
    items = parsed("a: " + "[" * 999 + "]" * 999 + "\n")
    assert len(items) == 1 and not isinstance(items[0], InputProblem)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("ab:- \n[]{}&*!'\"#|>,?%@`\t") + ["---\n", "key: value\n"]), max_size=80).map("".join))
def test_parse_never_raises(text: str) -> None:
    for item in parse(Source("f.yaml", text)):
        if isinstance(item, InputProblem):
            assert item.line >= 1 and item.column >= 1


def problems(text: str) -> list[tuple[int, int, str, str]]:
    return [(i.line, i.column, i.level, i.message) for i in parsed(text) if isinstance(i, InputProblem)]


def test_error_at_the_end_of_input_is_placed_inside_the_file() -> None:
    # libyaml reports this one on line 3, past the end of a text without a final line break
    assert problems("kind: Pod\n.")[0][:2] == (2, 1)


def test_positions_count_a_lone_carriage_return_as_a_line_break() -> None:
    assert problems("\r0") == [] and parsed("\r0")[0].node.start_mark.line == 1


def test_unknown_tags_refuse_the_document_at_the_tag() -> None:
    items = parsed("a: 1\nb: !!python/object/new:os.system [ls]\n---\nc: !!str 2\n")
    assert problems("a: 1\nb: !!python/object/new:os.system [ls]\n") == [
        (2, 4, "error", ('unknown tag "!!python/object/new:os.system": tagged values are never constructed; '
                        "remove the tag (document not checked)"))]
    assert [d.node.value[0][0].value for d in items if not isinstance(d, InputProblem)] == ["c"]


def test_standard_tags_are_read() -> None:
    assert problems("a: !!str 1\nb: !!int 2\nc: !!map {d: !!seq [!!null ~, !!binary aGk=]}\n") == []


def test_merge_key_bomb_is_refused_in_linear_time() -> None:
    lines = ["l0: &l0 {a: b}"]
    for i in range(1, 40):
        lines.append(f"l{i}: &l{i} {{<<: [" + ", ".join([f"*l{i - 1}"] * 9) + f"], k{i}: v}}")
    assert problems("\n".join(lines))[0][3].startswith("alias bomb: ")


def test_shared_anchors_below_the_limit_are_read() -> None:
    text = "base: &b {image: x, ports: [{containerPort: 80}]}\n" + "".join(f"c{i}: *b\n" for i in range(1000))
    assert problems(text) == []


def _duplicates(text: str) -> list[tuple[int, int, str]]:
    """The repeated keys parsing records on the documents (the linter reports them)."""
    return [(key.start_mark.line + 1, key.start_mark.column + 1, key.value)
            for item in parsed(text) if not isinstance(item, InputProblem) for key in item.duplicates]


def test_duplicate_keys_are_recorded_at_each_later_key() -> None:
    assert _duplicates("a: 1\nb: 2\na: 3\na: 4\n") == [(3, 1, "a"), (4, 1, "a")]
    assert problems("a: 1\nb: 2\na: 3\na: 4\n") == []
    warning = duplicate_key_problem("m.yaml", parsed("a: 1\na: 2\n")[0].duplicates[0])
    assert (warning.line, warning.column, warning.level, warning.message) == (
        2, 1, "warning", 'duplicate key "a": Kubernetes keeps the last one, YAML forbids it')


def test_duplicate_key_inside_a_shared_anchor_is_recorded_once() -> None:
    assert _duplicates("x: &p {a: 1, a: 2}\ny: *p\nz: {<<: *p}\n") == [(1, 14, "a")]


def test_duplicate_keys_of_a_refused_document_are_warnings() -> None:
    """A document refused for another reason is not linted, so its duplicates are reported here."""
    assert [message.split(":")[0] for _, _, _, message in problems("a: 1\na: 2\nb: !custom x\n")] == [
        'duplicate key "a"', "unknown tag \"!custom\""]


def test_tool_error_lines_are_reported_and_skipped() -> None:
    items = parsed("a: 1\nError: template: t.yaml:1:2: boom\n---\nb: 2\n")
    assert problems("a: 1\nError: template: t.yaml:1:2: boom\n") == [
        (2, 1, "error", "error message in the stream, not YAML: Error: template: t.yaml:1:2: boom")]
    assert [d.node.value[0][0].value for d in items if not isinstance(d, InputProblem)] == ["a", "b"]


def test_tab_in_indentation_is_named() -> None:
    assert problems("a:\n  b: 1\n \tc: 2\n") == [
        (3, 2, "error", "invalid YAML: tab character in indentation (YAML indents with spaces only)")]


def test_a_deep_document_is_blanked_and_the_others_read() -> None:
    text = "a: 1\n---\n" + "- " * 1500 + "x\n---\nb: [" + "{c: " * 1200 + "1" + "}" * 1200 + "]\n---\nd: 4\n"
    items = parsed(text)
    assert [(p.line, p.column) for p in items if isinstance(p, InputProblem)] == [(3, 2001), (5, 3997)]
    assert [d.node.value[0][0].value for d in items if not isinstance(d, InputProblem)] == ["a", "d"]
    assert [d.node.start_mark.line + 1 for d in items if not isinstance(d, InputProblem)] == [1, 7]


def test_explicit_tag_on_text_of_another_type_reads_as_text() -> None:
    from probelint.yamlnode import scalar

    nodes = [d.node.value[0][1] for d in parsed("a: !!int\n---\na: !!bool maybe\n---\na: !!float ''\n")]
    assert [scalar(n) for n in nodes] == ["", "maybe", ""]


def test_binary_data_on_stdin_is_an_error() -> None:
    with pytest.raises(SourceError) as err:
        read_source("-", data=b"a\x00", display="-")
    assert (err.value.problem.level, err.value.problem.message) == ("error", "binary file (NUL byte at offset 1), not checked")
