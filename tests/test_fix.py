"""The fix machinery: edits in the file's own style, verification, and how files are written."""
from __future__ import annotations

import codecs
import os
import stat
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from probelint import fix
from probelint.cli import main
from probelint.edits import FixBuilder, FlowMap
from probelint.model import Edit
from probelint.yamlnode import Map
from tests.conftest import FIX_ARGS, FIXABLE, FIXED


def node_at(root, *path):
    node = root
    for part in path:
        node = node.value[part] if isinstance(part, int) else Map(node).get(part)
    return node


def build(text: str, ops) -> str:
    """Apply builder operations given as (method, path to node, *args) and verify the result."""
    root = yaml.compose(text, Loader=yaml.CSafeLoader)
    builder = FixBuilder(text, "test", scope=root, root=root)
    for method, path, *args in ops:
        options = args.pop() if method == "set" and len(args) == 3 else {}  # (key, value, {keyword: ...})
        getattr(builder, method)(node_at(root, *path), *args, **options)
    built = builder.build()
    assert built is not None, builder.failed
    edited = fix.apply_edits(text, built.edits)
    fix.verify(text, edited, built.changes)
    return edited


CASES = [
    pytest.param(
        "p:\n  a: 1   # keep\n  b: 2\n",
        [("set", ("p",), "a", 5)],
        "p:\n  a: 5   # keep\n  b: 2\n",
        id="replace-keeps-comment"),
    pytest.param(
        "p:\n    a: 1\n    b: 2\nq: 3\n",
        [("set", ("p",), "c", {"x": [1, 2]})],
        "p:\n    a: 1\n    b: 2\n    c:\n        x:\n            - 1\n            - 2\nq: 3\n",
        id="insert-block-uses-indent-4"),
    pytest.param(
        "l:\n  - a\ns:\n  k: 1\n",
        [("set", ("s",), "v", ["x"])],
        "l:\n  - a\ns:\n  k: 1\n  v:\n    - x\n",
        id="insert-uses-indented-sequences"),
    pytest.param(
        "p: {a: 1, b: 2}  # c\n",
        [("set", ("p",), "c", 3), ("delete", ("p",), "a")],
        "p: {b: 2, c: 3}  # c\n",
        id="flow-insert-and-delete"),
    pytest.param(
        "p: {}\n",
        [("set", ("p",), "a", "x y")],
        "p: {a: x y}\n",
        id="flow-empty"),
    pytest.param(
        '{\n  "p": {\n    "a": 1,\n    "b": 2\n  }\n}\n',
        [("set", ("p",), "c", {"d": "e"})],
        '{\n  "p": {\n    "a": 1,\n    "b": 2,\n    "c": {"d": "e"}\n  }\n}\n',
        id="json-stays-json"),
    pytest.param(
        "p:\r\n  a: 1\r\n  b: 2\r\n",
        [("delete", ("p",), "a"), ("set", ("p",), "c", 1)],
        "p:\r\n  b: 2\r\n  c: 1\r\n",
        id="crlf"),
    pytest.param(
        "l:\n- a: 1\n  b: 2\n",
        [("delete", ("l", 0), "a")],
        "l:\n- b: 2\n",
        id="delete-first-key-of-list-item"),
    pytest.param(
        "p:\n  a: 1\n  b: 2",
        [("set", ("p",), "c", 3)],
        "p:\n  a: 1\n  b: 2\n  c: 3",
        id="no-final-newline"),
    pytest.param(
        "p:\n  s: \"x\"\n  t: 'y'\n",
        [("set", ("p",), "s", "a: b"), ("set", ("p",), "t", "it's")],
        "p:\n  s: \"a: b\"\n  t: 'it''s'\n",
        id="quoting-kept"),
    pytest.param(
        "p:\n  cmd: |\n    echo a\n    echo b\n  n: 1\n",
        [("set", ("p",), "cmd", "timeout 3 echo a\necho b\n")],
        "p:\n  cmd: |\n    timeout 3 echo a\n    echo b\n  n: 1\n",
        id="block-scalar"),
    pytest.param(
        "p:\n  a:\n    x: 1\n  b: 2\n",
        [("set", ("p",), "a", {"y": 2})],
        "p:\n  a:\n    y: 2\n  b: 2\n",
        id="replace-collection"),
    pytest.param(
        "c: [sh, -c, x]\n",
        [("set_item", ("c",), 2, "timeout 2 x")],
        "c: [sh, -c, timeout 2 x]\n",
        id="flow-sequence-item"),
    pytest.param(
        "spec:\n  selector: {}\n  # the pods\n  template:\n    x: 1\n",
        [("set", ("spec",), "progressDeadlineSeconds", 700, {"before": "template"})],
        "spec:\n  selector: {}\n  progressDeadlineSeconds: 700\n  # the pods\n  template:\n    x: 1\n",
        id="insert-before-sibling-and-its-comment"),
    pytest.param(
        "ports:\n  - {name: http, containerPort: 8080}  # public\n  - name: admin   # internal\n    containerPort: 9090\nnext: 1\n",
        [("append", ("ports",), {"containerPort": 9000})],
        "ports:\n  - {name: http, containerPort: 8080}  # public\n  - name: admin   # internal\n    containerPort: 9090\n"
        "  - containerPort: 9000\nnext: 1\n",
        id="append-block-list"),
    pytest.param(
        "h: [{name: a, value: b}]  # c\n",
        [("append", ("h",), {"name": "Host", "value": "x.example"})],
        "h: [{name: a, value: b}, {name: Host, value: x.example}]  # c\n",
        id="append-flow-list"),
    pytest.param(
        "c: [sh, -c]\ns:\n  - |   # step 2\n    curl x\n",
        [("set_item", ("s",), 0, "curl -m 4 x\n")],
        "c: [sh, -c]\ns:\n  - |   # step 2\n    curl -m 4 x\n",
        id="block-scalar-keeps-header-comment"),
    pytest.param(
        "exec:\n  command:   # ping\n    - redis-cli\n    - ping\nn: 1\n",
        [("set", ("exec",), "command", ["sh", "-c", "redis-cli ping"])],
        "exec:\n  command:   # ping\n    - sh\n    - -c\n    - redis-cli ping\nn: 1\n",
        id="block-list-keeps-key-comment"),
    pytest.param(
        "exec:\n  command:   # ping\n    - redis-cli\nn: 1\n",
        [("set", ("exec",), "command", ["a"], {"flow": True})],
        "exec:\n  command: [a]   # ping\nn: 1\n",
        id="block-list-to-flow-keeps-key-comment"),
    pytest.param(
        "c: {name: a, livenessProbe: {x: 1}, image: i}\n",
        [("set", ("c",), "startupProbe", {"x": 1}, {"after": "livenessProbe"})],
        "c: {name: a, livenessProbe: {x: 1}, startupProbe: {x: 1}, image: i}\n",
        id="flow-insert-after"),
    pytest.param(
        "c:\n  p:   # disabled\n  i: x\n",
        [("set", ("c",), "p", {"a": 1})],
        "c:\n  p:   # disabled\n    a: 1\n  i: x\n",
        id="null-value-keeps-comment"),
    pytest.param(
        "c:\n  l:\n    h: {path: /l, port: 80}\n",
        [("set", ("c",), "s", {"h": FlowMap({"path": "/l", "port": 80}), "f": [1]})],
        "c:\n  l:\n    h: {path: /l, port: 80}\n  s:\n    h: {path: /l, port: 80}\n    f:\n      - 1\n",
        id="flow-marked-values"),
    pytest.param(
        "p:\n  tiemout: 1\n",
        [("rename", ("p",), "tiemout", "timeout")],
        "p:\n  timeout: 1\n",
        id="rename"),
]


@pytest.mark.parametrize(("text", "ops", "expected"), CASES)
def test_builder_edits(text: str, ops, expected: str) -> None:
    assert build(text, ops) == expected


def test_values_shared_through_an_anchor_get_no_fix() -> None:
    text = "a: &p {x: 1}\nb: *p\nc:\n  <<: *p\n"
    root = yaml.compose(text, Loader=yaml.CSafeLoader)
    builder = FixBuilder(text, "t", scope=root, root=root).set(node_at(root, "a"), "x", 2)
    assert builder.build() is None and "shared" in builder.failed


def test_alias_values_are_not_edited() -> None:
    text = "base: &b 1\np:\n  a: *b\n"
    root = yaml.compose(text, Loader=yaml.CSafeLoader)
    assert FixBuilder(text, "t", scope=root).set(node_at(root, "p"), "a", 2).build() is None


def test_verify_refuses_a_change_to_a_shared_anchor() -> None:
    text = "a: &p {x: 1}\nb: *p\n"
    root = yaml.compose(text, Loader=yaml.CSafeLoader)
    built = FixBuilder(text, "t", scope=root).set(node_at(root, "a"), "x", 2).build()
    with pytest.raises(fix.VerifyError, match="shared"):
        fix.verify(text, fix.apply_edits(text, built.edits), built.changes)


def test_verify_refuses_changes_beyond_the_fix() -> None:
    text = "a: {x: 1}\nb: 2\n"
    root = yaml.compose(text, Loader=yaml.CSafeLoader)
    built = FixBuilder(text, "t", scope=root).set(node_at(root, "a"), "x", 2).build()
    with pytest.raises(fix.VerifyError, match="beyond the fix"):
        fix.verify(text, "a: {x: 2}\nb: 3\n", built.changes)
    with pytest.raises(fix.VerifyError, match="does not parse"):
        fix.verify(text, "a: {x: 2\n", built.changes)
    with pytest.raises(fix.VerifyError, match="types|beyond"):
        fix.verify(text, "a: {x: '2'}\nb: 2\n", built.changes)


def test_overlapping_edits() -> None:
    assert fix.overlaps(Edit(0, 5, ""), Edit(3, 8, ""))
    assert fix.overlaps(Edit(4, 4, "a"), Edit(4, 4, "b"))
    assert not fix.overlaps(Edit(0, 4, ""), Edit(4, 4, "x"))
    assert fix.apply_edits("abcdef", [Edit(4, 4, "Y"), Edit(0, 1, "X")]) == "XbcdYef"
    with pytest.raises(ValueError):
        fix.apply_edits("abcdef", [Edit(0, 3, ""), Edit(2, 4, "")])


# -- the command line ----------------------------------------------------------------------
BAD, GOOD, ARGS = FIXABLE, FIXED, FIX_ARGS


def invoke(*args, input=None):
    return CliRunner().invoke(main, [*ARGS, *args], input=input)


def test_check_marks_fixable_findings_and_counts_them(tmp_path) -> None:
    (tmp_path / "a.yaml").write_text(BAD)
    result = invoke(str(tmp_path / "a.yaml"))
    assert result.exit_code == 1
    assert "PL205 [warning] [*] " in result.output
    assert result.output.rstrip().endswith("1 workload checked; 1 fixable with --fix.")


def test_fix_writes_and_reports(tmp_path) -> None:
    target = tmp_path / "a.yaml"
    target.write_text(BAD)
    target.chmod(0o640)
    result = invoke("--fix", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_text() == GOOD
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert result.output.rstrip().endswith("Fixed 1 finding (0 remaining).")
    assert [p.name for p in tmp_path.iterdir()] == ["a.yaml"]  # no temporary file left
    again = invoke("--fix", str(target))
    assert again.exit_code == 0 and target.read_text() == GOOD
    assert "Fixed 0 findings (0 remaining)." in again.output


def test_diff_writes_nothing(tmp_path) -> None:
    target = tmp_path / "a.yaml"
    target.write_text(BAD)
    result = CliRunner().invoke(main, [*ARGS, "--diff", str(target)])
    assert result.exit_code == 1
    assert f"--- a/{target}" in result.output
    assert "-            failureThreshold: 1   # one strike\n+            failureThreshold: 3   # one strike\n" in result.output
    assert target.read_text() == BAD
    target.write_text(GOOD)
    assert CliRunner().invoke(main, [*ARGS, "--diff", str(target)]).exit_code == 0


def test_fix_and_diff_do_not_combine(tmp_path) -> None:
    assert invoke("--fix", "--diff", str(tmp_path)).exit_code == 2


def test_fix_through_a_symlink_writes_the_target(tmp_path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text(BAD)
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    assert invoke("--fix", str(link)).exit_code == 0
    assert link.is_symlink() and real.read_text() == GOOD


def test_read_only_file_is_refused_and_others_are_fixed(tmp_path) -> None:
    locked = tmp_path / "locked.yaml"
    locked.write_text(BAD)
    locked.chmod(0o444)
    other = tmp_path / "other.yaml"
    other.write_text(BAD)
    result = invoke("--fix", str(tmp_path))
    assert result.exit_code == 2
    assert "locked.yaml:1:1: error: file is read-only, not fixed" in result.output
    assert locked.read_text() == BAD and other.read_text() == GOOD


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_encoding_and_bom_are_kept(tmp_path, encoding) -> None:
    target = tmp_path / "a.yaml"
    target.write_bytes(BAD.replace("\n", "\r\n").encode(encoding))
    assert invoke("--fix", str(target)).exit_code == 0
    data = target.read_bytes()
    assert data.startswith(codecs.BOM_UTF8 if encoding == "utf-8-sig" else codecs.BOM_UTF16)
    assert data.decode(encoding) == GOOD.replace("\n", "\r\n")


def test_stdin_fix_prints_the_fixed_document() -> None:
    result = CliRunner().invoke(main, [*ARGS, "--fix", "-"], input=BAD)
    assert result.exit_code == 0
    assert result.stdout == GOOD
    assert "Fixed 1 finding (0 remaining)." in result.stderr


def test_file_changed_meanwhile_is_not_overwritten(tmp_path) -> None:
    target = tmp_path / "a.yaml"
    target.write_text(BAD)
    state = fix.run((str(target),), _settings(), unsafe=False).files[str(target)]
    target.write_text(BAD + "# edited meanwhile\n")
    with pytest.raises(fix.WriteError, match="changed"):
        fix.write_atomic(str(target), fix.encoded(state.original, state.text), fix.original_bytes(state))
    assert target.read_text().endswith("# edited meanwhile\n")


def _settings():
    from tests.conftest import make_settings

    return make_settings(select=["PL205"])


HELM = """\
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart}
spec:
  template:
    spec:
      containers:
        - name: cart
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            failureThreshold: 1
"""


def test_helm_rendered_documents_are_not_edited_but_say_what_to_change() -> None:
    result = CliRunner().invoke(main, [*ARGS, "-"], input=HELM)
    assert "[*]" not in result.output
    assert ("    fix in the chart, not in rendered output: Set failureThreshold to 3 (template shop/templates/deployment.yaml); "
            "in the chart's values:\n      livenessProbe:\n        failureThreshold: 3\n") in result.output
    fixed = CliRunner().invoke(main, [*ARGS, "--fix", "-"], input=HELM)
    assert fixed.stdout == HELM


def test_json_report_carries_the_edits(tmp_path) -> None:
    import json

    target = tmp_path / "a.yaml"
    target.write_text(BAD)
    data = json.loads(invoke("--format", "json", str(target)).output)
    assert data["findings"][0]["fix"] == {
        "title": "Set failureThreshold to 3", "applicability": "safe", "helm_values": None,
        "edits": [{"line": 11, "column": 31, "end_line": 11, "end_column": 32, "content": "3"}]}


def test_fix_in_a_real_subprocess(tmp_path) -> None:
    target = tmp_path / "a.yaml"
    target.write_text(BAD)
    proc = subprocess.run([sys.executable, "-m", "probelint", *ARGS, "--fix", str(target)], check=False,
                          capture_output=True, text=True, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stderr
    assert target.read_text() == GOOD


def _finding(text: str, edits, changes):
    from probelint.model import Finding, Fix, Location, ObjectRef

    return Finding("PL205", "x", "warning", "m", Location("f", 1, 1, 1, 1), ObjectRef("Pod", "p"),
                   fix=Fix("t", tuple(edits), changes=tuple(changes)), fixable=True)


def test_a_fix_that_does_not_verify_is_refused_and_the_others_apply() -> None:
    text = "a: {x: 1}\nb: {y: 2}\n"
    root = yaml.compose(text, Loader=yaml.CSafeLoader)
    good = FixBuilder(text, "t", scope=root).set(node_at(root, "a"), "x", 5).build()
    honest = _finding(text, good.edits, good.changes)
    # Claims to set b.y to 3 but writes 4.
    claimed = FixBuilder(text, "t", scope=root).set(node_at(root, "b"), "y", 3).build()
    liar = _finding(text, [Edit(claimed.edits[0].start, claimed.edits[0].end, "4")], claimed.changes)
    attempt = fix.fix_text(text, [honest, liar])
    assert attempt.text == "a: {x: 5}\nb: {y: 2}\n"
    assert attempt.applied == [honest]
    assert [(f, reason) for f, reason in attempt.refused] == [(liar, "document 1 would change beyond the fix")]


@pytest.mark.parametrize("text", ["x: {}\n", "services:\n  web: {}\n", "{}\n"])
def test_several_keys_into_one_empty_flow_mapping(text) -> None:
    root = yaml.compose(text)
    node = root
    while node.value:
        node = node.value[0][1]
    builder = FixBuilder(text, "set three keys", root=root)
    for key, value in (("p99", "4s"), ("p50", "1s"), ("drain", "2s")):
        builder.set(node, key, value)
    fixed = fix.apply_edits(text, builder.build().edits)
    assert fixed == text.replace("{}", "{p99: 4s, p50: 1s, drain: 2s}")


def test_a_file_with_a_document_too_deep_to_compose_is_not_fixed(tmp_path) -> None:
    """Fix checking composes the whole text; a document that parsing refused as too deep would
    crash it, so the fix is refused with a warning and the file is left as it is."""
    path = tmp_path / "deep.yaml"
    original = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n"
                "      livenessProbe:\n        tcpSocket: {port: 80}\n        successThreshold: 2\n"
                "---\n" + "[" * 100_000 + "]" * 100_000 + "\n")
    path.write_text(original)
    result = CliRunner().invoke(main, ["check", "--no-config", "--select", "PL002", "--fix", str(path)])
    assert result.exit_code == 2
    assert "PL002 fix not applied: the file has a document nested more than 1,000 levels deep" in result.output
    assert path.read_text() == original
