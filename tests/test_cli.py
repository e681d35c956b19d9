"""The command line, through click's runner and as a real subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from probelint import __version__
from probelint.cli import main
from tests.conftest import ROOT

BAD = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            successThreshold: 2
            failureThreshold: 5
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
"""
GOOD = BAD.replace("successThreshold: 2", "successThreshold: 1")


@pytest.fixture
def runner(tmp_path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return CliRunner()


def run(runner: CliRunner, *args: str, input: str | None = None):
    return runner.invoke(main, ["check", "--no-config", *args], input=input)


def test_exit_codes(runner, tmp_path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    (tmp_path / "good.yaml").write_text(GOOD)
    assert run(runner, "good.yaml").exit_code == 0
    result = run(runner, "bad.yaml")
    assert result.exit_code == 1
    assert result.output.startswith("bad.yaml:11:13: PL002 [error] [*] Deployment/default/web container \"web\" livenessProbe: successThreshold is 2")
    assert run(runner, "bad.yaml", "--fail-on", "error").exit_code == 1
    assert run(runner, "bad.yaml", "--ignore", "PL002").exit_code == 0


def test_input_error_exit_2_and_other_files_still_checked(runner, tmp_path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    (tmp_path / "broken.yaml").write_text("a: [\n")
    result = run(runner, ".")
    assert result.exit_code == 2
    assert "PL002" in result.stdout
    assert "broken.yaml:2:1: error: invalid YAML" in result.stderr
    assert "Traceback" not in result.output


def test_default_path_is_current_directory(runner, tmp_path) -> None:
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "bad.yaml").write_text(BAD)
    result = run(runner)
    assert result.exit_code == 1 and "k8s/bad.yaml:11:13" in result.output


def test_stdin_with_filename(runner) -> None:
    result = run(runner, "-", "--stdin-filename", "rendered.yaml", input=BAD)
    assert result.exit_code == 1
    assert result.output.startswith("rendered.yaml:11:13: PL002")


def test_json_output_to_file(runner, tmp_path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    result = run(runner, "bad.yaml", "--format", "json", "--output", "out.json")
    assert result.exit_code == 1 and result.output == ""
    report = json.loads((tmp_path / "out.json").read_text())
    assert report["summary"]["by_rule"] == {"PL002": 1}
    assert report["findings"][0]["object"] == {"kind": "Deployment", "namespace": "default", "name": "web", "container": "web", "probe": "livenessProbe"}


def test_select_by_prefix_name_and_comma_list(runner, tmp_path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    assert run(runner, "bad.yaml", "--select", "PL0").exit_code == 1
    assert run(runner, "bad.yaml", "--select", "PL1,PL2").exit_code == 0
    assert run(runner, "bad.yaml", "--select", "success-threshold-must-be-one").exit_code == 1
    result = run(runner, "bad.yaml", "--select", "PL9999")
    assert result.exit_code == 2 and 'unknown rule code or name "PL9999"' in result.output


def test_p99_flag(runner, tmp_path) -> None:
    (tmp_path / "good.yaml").write_text(GOOD)
    result = run(runner, "good.yaml", "--p99", "4s")
    assert result.exit_code == 1 and "PL201" in result.output and "p99 4s from --p99" in result.output
    assert run(runner, "good.yaml", "--p99", "four").exit_code == 2


def test_quiet_and_statistics(runner, tmp_path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    assert "Found" not in run(runner, "bad.yaml", "--quiet").output
    stats = run(runner, "bad.yaml", "--statistics").output
    assert stats.splitlines()[0] == "1  PL002  success-threshold-must-be-one [error]"


def test_config_discovery_and_no_config(runner, tmp_path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    (tmp_path / ".probelint.yaml").write_text("ignore: [PL002]\n")
    assert runner.invoke(main, ["check", "bad.yaml"]).exit_code == 0
    assert runner.invoke(main, ["check", "--no-config", "bad.yaml"]).exit_code == 1
    (tmp_path / ".probelint.yaml").write_text("ignore: [PL002\n")
    result = runner.invoke(main, ["check", "bad.yaml"])
    assert result.exit_code == 2 and ".probelint.yaml:2:1: invalid YAML" in result.output


def test_explicit_config_file(runner, tmp_path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    (tmp_path / "ci.yaml").write_text("rules: {PL002: {level: info}}\nfail-on: warning\n")
    result = runner.invoke(main, ["check", "--config", "ci.yaml", "bad.yaml"])
    assert result.exit_code == 0 and "PL002 [info]" in result.output
    assert runner.invoke(main, ["check", "--config", "missing.yaml", "bad.yaml"]).exit_code == 2


def test_helm_chart_directory_is_reported_once(runner, tmp_path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("name: c\n")
    (chart / "templates" / "d.yaml").write_text("{{- if .Values.x }}\n")
    result = run(runner, ".")
    assert result.exit_code == 0
    assert result.stderr.count("is a Helm chart") == 1 and "helm template" in result.stderr


def test_rules_and_rule_commands(runner) -> None:
    table = runner.invoke(main, ["rules"]).output.splitlines()
    assert table[0].split()[:4] == ["code", "name", "level", "fix"]
    assert any(line.startswith("PL201  liveness-timeout-vs-latency") for line in table)
    assert "(off by default)" in next(line for line in table if line.startswith("PL102"))
    doc = runner.invoke(main, ["rule", "PL002"]).output
    assert doc.startswith("# PL002 `success-threshold-must-be-one`") and "## Why is this bad?" in doc
    assert runner.invoke(main, ["rule", "success-threshold-must-be-one"]).output == doc
    assert runner.invoke(main, ["rule", "PL000"]).exit_code == 2
    listed = json.loads(runner.invoke(main, ["rules", "--format", "json"]).output)
    assert {"code", "name", "level", "fix", "summary", "enabled"} <= set(listed[0])


def test_version_names_the_kubernetes_schemas(runner) -> None:
    from probelint import k8sschema

    first, last = k8sschema.shipped_versions()[0], k8sschema.shipped_versions()[-1]
    assert runner.invoke(main, ["--version"]).output == (
        f"probelint {__version__} (Kubernetes schemas {first[0]}.{first[1]}-{last[0]}.{last[1]})\n")


@pytest.mark.parametrize(("when", "env", "coloured"), [
    ("always", {}, True), ("never", {}, False), ("auto", {}, False),  # the test runner is not a terminal
    ("always", {"NO_COLOR": "1"}, True),  # an explicit choice wins over the environment
])
def test_color_option(tmp_path, when, env, coloured) -> None:
    target = tmp_path / "bad.yaml"
    target.write_text(BAD)
    result = CliRunner(env=env).invoke(main, ["check", "--no-config", "--color", when, str(target)])
    assert ("\x1b[" in result.output) is coloured


def test_shell_completion_script() -> None:
    proc = subprocess.run([sys.executable, "-m", "probelint"], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "_PROBELINT_COMPLETE": "bash_source"}, check=False)
    assert "_probelint_completion()" in proc.stdout


def test_no_colour_in_pipes_and_with_no_color(runner, tmp_path) -> None:
    (tmp_path / "bad.yaml").write_text(BAD)
    assert "\x1b[" not in run(runner, "bad.yaml").output


def subprocess_run(*args: str, cwd: Path, input: bytes | None = None, env: dict | None = None):
    return subprocess.run([sys.executable, "-m", "probelint", *args], check=False, cwd=cwd, input=input,
                          capture_output=True, env={**os.environ, **(env or {}), "PYTHONPATH": str(ROOT)}, timeout=120)


def test_subprocess_module_entry_point(tmp_path) -> None:
    (tmp_path / "bad.yaml").write_bytes(BAD.encode())
    proc = subprocess_run("check", "--no-config", "bad.yaml", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.decode().startswith("bad.yaml:11:13: PL002 [error]")
    proc = subprocess_run("check", "--no-config", "-", cwd=tmp_path, input=b"\x00\x01binary")
    assert proc.returncode == 2 and b"binary file" in proc.stderr and b"Traceback" not in proc.stderr


def test_subprocess_over_the_examples_reports_headline_rules() -> None:
    proc = subprocess_run("check", "--no-config", "examples", "--format", "json", cwd=ROOT)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert not report["errors"]
    for code in ("PL101", "PL103", "PL104", "PL201", "PL301"):
        assert code in report["summary"]["by_rule"], report["summary"]
