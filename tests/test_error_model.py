"""The error model of the README, one test per row: each kind of bad input, what
``probelint check`` prints (text on stderr, and ``errors`` of the JSON report), and the exit code.

Every test runs the real command in a subprocess. Exit codes: 0 no finding at or above
``--fail-on``, 1 findings, 2 usage, configuration or input error (an input error wins over
findings). Input warnings never change the exit code.
"""
from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports:
            - containerPort: 8080
          livenessProbe:
            httpGet: {{path: /livez, port: 8080}}
            periodSeconds: 10
            failureThreshold: 5
          readinessProbe:
            httpGet: {{path: /readyz, port: 8080}}
"""
CLEAN = DEPLOYMENT.format(name="web")
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "probelint", "check", "--no-config", *args], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def errors(cwd: Path, *args: str) -> tuple[int, list[tuple[int, int, str, str]]]:
    """Exit code and ``(line, column, level, message)`` of each entry in the JSON ``errors``."""
    proc = run(cwd, "--format", "json", *args)
    report = json.loads(proc.stdout)
    return proc.returncode, [(e["line"], e["column"], e["level"], e["message"]) for e in report["errors"]]


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# -- where the input comes from --------------------------------------------------------------
def test_clean_input_exits_0_and_findings_exit_1(tmp_path) -> None:
    write(tmp_path, "ok.yaml", CLEAN)
    assert run(tmp_path, "ok.yaml").returncode == 0
    write(tmp_path, "bad.yaml", CLEAN.replace("failureThreshold: 5", "failureThreshold: 1"))
    proc = run(tmp_path, "bad.yaml")
    assert proc.returncode == 1 and "PL205" in proc.stdout


def test_usage_error_exits_2(tmp_path) -> None:
    proc = run(tmp_path, "--select", "PL999", ".")
    assert proc.returncode == 2 and 'unknown rule code or name "PL999"' in proc.stderr


def test_path_that_does_not_exist(tmp_path) -> None:
    write(tmp_path, "ok.yaml", CLEAN)
    proc = run(tmp_path, "missing.yaml", "ok.yaml")
    assert proc.returncode == 2
    assert "missing.yaml:1:1: error: no such file or directory" in proc.stderr
    assert "1 workload checked" in proc.stdout


@pytest.mark.skipif(AS_ROOT, reason="root reads files whatever their mode")
def test_unreadable_file(tmp_path) -> None:
    path = write(tmp_path, "secret.yaml", CLEAN)
    path.chmod(0)
    try:
        assert errors(tmp_path, "secret.yaml") == (2, [(1, 1, "error", "permission denied")])
    finally:
        path.chmod(0o644)


@pytest.mark.skipif(AS_ROOT, reason="root lists directories whatever their mode")
def test_unreadable_directory(tmp_path) -> None:
    (tmp_path / "locked").mkdir()
    write(tmp_path, "locked/a.yaml", CLEAN)
    write(tmp_path, "ok.yaml", CLEAN)
    (tmp_path / "locked").chmod(0)
    try:
        code, found = errors(tmp_path, ".")
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert code == 2 and found == [(1, 1, "error", "cannot read directory: Permission denied")]


def test_unreadable_file_and_directory_simulated(tmp_path) -> None:
    """The same two rows where the mode cannot be tested (as root): the errors are raised for real."""
    from probelint.linter import Linter
    from probelint.settings import Settings

    write(tmp_path, "a.yaml", CLEAN)
    (tmp_path / "sub").mkdir()
    real_read, real_scandir = Path.read_bytes, os.scandir

    def read_bytes(self):
        if self.name == "a.yaml":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    def scandir(path="."):
        if str(path).endswith("sub"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Path, "read_bytes", read_bytes)
        patch.setattr(os, "scandir", scandir)
        result = Linter(Settings()).lint_paths([str(tmp_path)])
    assert sorted((Path(p.path).name, p.message) for p in result.problems) == [
        ("a.yaml", "permission denied"), ("sub", "cannot read directory: Permission denied")]
    assert result.has_input_errors


def test_directory_symlink_loop(tmp_path) -> None:
    (tmp_path / "k8s").mkdir()
    write(tmp_path, "k8s/web.yaml", CLEAN)
    (tmp_path / "k8s" / "again").symlink_to(tmp_path / "k8s")
    proc = run(tmp_path, "k8s")
    assert proc.returncode == 0 and proc.stderr == ""
    assert "1 file, 1 workload checked" in proc.stdout


def test_file_above_max_file_size(tmp_path) -> None:
    write(tmp_path, "big.yaml", CLEAN)
    size = len(CLEAN)
    assert errors(tmp_path, "--max-file-size", "100", "big.yaml") == (
        2, [(1, 1, "error", f"file is {size} bytes, above the limit of 100 (--max-file-size)")])
    assert run(tmp_path, "--max-file-size", str(size), "big.yaml").returncode == 0
    assert run(tmp_path, "--max-file-size", "0", "big.yaml").returncode == 0


# -- bytes and encodings ---------------------------------------------------------------------
def test_binary_file_is_skipped_with_a_warning(tmp_path) -> None:
    write(tmp_path, "logo.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    write(tmp_path, "ok.yaml", CLEAN)
    assert errors(tmp_path, ".") == (0, [(3, 1, "warning", "binary file (NUL byte at offset 8), skipped")])
    proc = run(tmp_path, ".")
    assert "logo.yaml:3:1: warning: binary file (NUL byte at offset 8), skipped" in proc.stderr


def test_binary_on_stdin_is_an_error(tmp_path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "probelint", "check", "--no-config", "-"], input=b"ab\x00",
                          capture_output=True, env=env, timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stderr.decode() == "-:1:3: error: binary file (NUL byte at offset 2), not checked\n"


def test_invalid_utf8_gives_offset_and_position(tmp_path) -> None:
    write(tmp_path, "latin1.yaml", CLEAN.replace("nginx:1.27", "nginx:1.27 # café").encode("latin-1"))
    proc = run(tmp_path, "latin1.yaml")
    assert proc.returncode == 2
    offset = CLEAN.index("nginx:1.27") + len("nginx:1.27 # caf")
    assert f"latin1.yaml:10:34: error: invalid UTF-8: byte 0xe9 at offset {offset}" in proc.stderr


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-8"])
def test_byte_order_marks_are_read(tmp_path, encoding: str) -> None:
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE,
           "utf-32-le": codecs.BOM_UTF32_LE, "utf-8": codecs.BOM_UTF8}[encoding]
    write(tmp_path, "w.yaml", bom + CLEAN.replace("failureThreshold: 5", "failureThreshold: 1").encode(encoding))
    proc = run(tmp_path, "w.yaml")
    assert proc.returncode == 1 and "w.yaml:16:13: PL205" in proc.stdout


@pytest.mark.parametrize("text", ["", "# nothing here\n# yet\n", "---\n---\n"], ids=["empty", "comments", "markers"])
def test_empty_and_comment_only_files(tmp_path, text: str) -> None:
    write(tmp_path, "e.yaml", text)
    proc = run(tmp_path, "e.yaml")
    assert (proc.returncode, proc.stderr) == (0, "")
    assert "0 workloads checked" in proc.stdout


# -- YAML ------------------------------------------------------------------------------------
def test_invalid_yaml_reports_position_and_checks_the_other_documents(tmp_path) -> None:
    write(tmp_path, "s.yaml", "a: [1,\n---\n" + DEPLOYMENT.format(name="after"))
    code, found = errors(tmp_path, "s.yaml")
    assert code == 2 and [(line, col) for line, col, _, _ in found] == [(2, 1)]
    assert found[0][3].startswith("invalid YAML: ")
    assert "1 workload checked" in run(tmp_path, "s.yaml").stdout


def test_tab_in_indentation(tmp_path) -> None:
    write(tmp_path, "t.yaml", CLEAN.replace("          image: nginx", "\t  image: nginx"))
    assert errors(tmp_path, "t.yaml") == (
        2, [(10, 1, "error", "invalid YAML: tab character in indentation (YAML indents with spaces only)")])


def test_helm_error_message_mid_stream(tmp_path) -> None:
    message = ('Error: template: shop/templates/d.yaml:3:4: executing "shop/templates/d.yaml" at '
               '<.Values.x.y>: nil pointer evaluating interface {}.y')
    stream = ("---\n# Source: shop/templates/a.yaml\n" + DEPLOYMENT.format(name="a") + message + "\n"
              "---\n# Source: shop/templates/b.yaml\n" + DEPLOYMENT.format(name="b"))
    write(tmp_path, "rendered.yaml", stream)
    code, found = errors(tmp_path, "rendered.yaml")
    assert code == 2 and found == [(21, 1, "error", f"error message in the stream, not YAML: {message}")]
    assert "2 workloads checked" in run(tmp_path, "rendered.yaml").stdout


@pytest.mark.parametrize(("text", "what"), [("just text\n", 'a string ("just text")'), ("- a\n- b\n", "a list"),
                                             ("42\n", "an integer (42)")])
def test_document_that_is_not_a_mapping(tmp_path, text: str, what: str) -> None:
    write(tmp_path, "d.yaml", text + "---\n" + CLEAN)
    code, found = errors(tmp_path, "d.yaml")
    assert (code, found) == (2, [(1, 1, "error", f"document is {what}, expected a Kubernetes object (a mapping)")])


def test_unknown_tags_are_never_constructed(tmp_path) -> None:
    marker = tmp_path / "constructed"
    write(tmp_path, "tag.yaml", CLEAN.replace("nginx:1.27", f"!!python/object/apply:os.system ['touch {marker}']")
          + "---\n" + DEPLOYMENT.format(name="other").replace("nginx:1.27", "!custom nginx"))
    code, found = errors(tmp_path, "tag.yaml")
    assert code == 2 and not marker.exists()
    assert found == [
        (10, 18, "error", ('unknown tag "!!python/object/apply:os.system": tagged values are never constructed; '
                          "remove the tag (document not checked)")),
        (29, 18, "error", 'unknown tag "!custom": tagged values are never constructed; remove the tag (document not checked)'),
    ]


def test_alias_bomb_is_refused(tmp_path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n---\n" + CLEAN)
    code, found = errors(tmp_path, "bomb.yaml")
    assert (code, found) == (2, [(6, 4, "error", ("alias bomb: aliases expand this value to more than 1,000,000 nodes "
                                                 "(document not checked)"))])


def test_recursive_alias_is_refused(tmp_path) -> None:
    write(tmp_path, "r.yaml", "a: &x [1, *x]\n")
    assert errors(tmp_path, "r.yaml") == (
        2, [(1, 4, "error", "recursive alias: an alias refers to a node that contains it (document not checked)")])


@pytest.mark.parametrize("text", ["a: " + "[" * 10_000 + "]" * 10_000, "- " * 10_000 + "x",
                                  "".join(" " * i + "k:\n" for i in range(2_000)) + " " * 2_000 + "v: 1"],
                         ids=["flow", "compact-block", "block"])
def test_deep_nesting_is_refused(tmp_path, text: str) -> None:
    write(tmp_path, "deep.yaml", text + "\n---\n" + CLEAN)
    code, found = errors(tmp_path, "deep.yaml")
    assert code == 2 and len(found) == 1
    assert found[0][3] == "nested more than 1,000 levels deep (document not checked)"
    assert "1 workload checked" in run(tmp_path, "deep.yaml").stdout


def test_duplicate_keys_warn_at_the_second_key(tmp_path) -> None:
    write(tmp_path, "dup.yaml", CLEAN.replace("  name: web\n", "  name: old\n  name: web\n")
          .replace("periodSeconds: 10", "periodSeconds: 5\n            periodSeconds: 10"))
    code, found = errors(tmp_path, "dup.yaml")
    message = 'duplicate key "{}": Kubernetes keeps the last one, YAML forbids it'
    # Outside a probe an input warning; inside one a PL009 finding (exit 1), not also a warning.
    assert (code, found) == (1, [(5, 3, "warning", message.format("name"))])
    proc = run(tmp_path, "dup.yaml")
    assert "dup.yaml:5:3: warning: duplicate key" in proc.stderr
    assert [line.split(" Deployment")[0] for line in proc.stdout.splitlines() if "Deployment/default/web" in line] == [
        "dup.yaml:17:13: PL009 [error]"]
    assert 'duplicate key "periodSeconds" in livenessProbe (first on line 16)' in proc.stdout
    proc = run(tmp_path, "--ignore", "PL009", "dup.yaml")
    assert "dup.yaml:17:13: warning: duplicate key \"periodSeconds\"" in proc.stderr


def test_anchors_aliases_and_merge_keys_are_resolved(tmp_path) -> None:
    """A value reused through an anchor is reported where it is used: an aliased probe at its
    own key, a merged field at the ``<<`` key; the value's own probe at the value."""
    write(tmp_path, "m.yaml", """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:1.27
          ports: [{name: http, containerPort: 8080}]
          startupProbe: &probe
            httpGet: {path: /livez, port: http}
            periodSeconds: 5
            timeoutSeconds: 10
          readinessProbe: *probe
          livenessProbe:
            <<: *probe
            failureThreshold: 3
""")
    proc = run(tmp_path, "--select", "PL204", "m.yaml")
    assert [line.split(" [")[0] + " " + line.split('"web" ')[1].split(":")[0] for line in proc.stdout.splitlines()
            if "PL204" in line] == ["m.yaml:13:13: PL204 startupProbe", "m.yaml:15:11: PL204 readinessProbe",
                                    "m.yaml:17:13: PL204 livenessProbe"]
    assert "(written at line 13 and reused here through a YAML alias or merge key)" in proc.stdout


@pytest.mark.parametrize(("value", "expected"), [
    ('"10s"', 'PL009 [error] Deployment/default/web container "web" livenessProbe: periodSeconds must be an integer, got a string ("10s")'),
    ("{a: 1}", "periodSeconds must be an integer, got a mapping"),
    ("99999999999999999999999", "outside the int32 range"),
])
def test_probe_field_of_the_wrong_type_is_a_finding(tmp_path, value: str, expected: str) -> None:
    write(tmp_path, "w.yaml", CLEAN.replace("periodSeconds: 10", f"periodSeconds: {value}"))
    proc = run(tmp_path, "w.yaml")
    assert proc.returncode == 1 and expected in proc.stdout


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("livenessProbe:\n            httpGet: {path: /livez, port: 8080}\n            periodSeconds: 10\n            failureThreshold: 5",
     "livenessProbe: [1, 2]", (13, 26, 'container "web" livenessProbe must be a mapping, got a list')),
    ("port: 8080}}\n            periodSeconds", "port: 80.5}}\n            periodSeconds",
     (14, 43, 'container "web" livenessProbe.httpGet.port must be an integer or a port name, got a float (80.5)')),
])
def test_probe_the_model_cannot_read_is_an_input_error(tmp_path, old, new, expected) -> None:
    write(tmp_path, "w.yaml", CLEAN.replace(old.replace("}}", "}"), new.replace("}}", "}")))
    line, column, message = expected
    assert errors(tmp_path, "w.yaml") == (2, [(line, column, "error", f"Deployment/default/web: {message}")])
