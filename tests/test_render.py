"""``check --helm`` and ``check --kustomize``: the rendering tool's arguments, its failures,
where findings point, and the values key a chart's probe comes from.

Helm cannot be installed here (its binary is downloaded from outside the package registries
this machine reaches), so the ``--helm`` tests put a stand-in ``helm`` first on PATH: it
records the arguments it was given and prints ``tests/data/helm/shop-prod-rendered.yaml``, the
recorded output of ``helm template shop-prod shop -f prod-values.yaml --set server.replicas=3
--namespace shop`` for the chart in ``tests/data/helm/shop``. ``--kustomize`` runs the real
``kubectl kustomize`` (or ``kustomize``) on the overlays in ``tests/data/kustomize``.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from probelint import render
from probelint.cli import main
from probelint.linter import LintResult
from probelint.model import Finding, Location, ObjectRef

DATA = Path(__file__).parent / "data"
HELM_DATA = DATA / "helm"
KUSTOMIZE_DATA = DATA / "kustomize"
HELM_ARGS = ["--helm", "shop", "-f", "prod-values.yaml", "--set", "server.replicas=3", "--release", "shop-prod",
             "--helm-namespace", "shop"]
NEEDS_KUSTOMIZE = pytest.mark.skipif(not (shutil.which("kustomize") or shutil.which("kubectl")),
                                     reason="neither kustomize nor kubectl is installed")


def stand_in(bindir: Path, name: str, body: str) -> Path:
    """An executable ``name`` in ``bindir`` running the Python ``body``, which sees ``RECORD``
    (where to write its arguments) and ``STREAM`` (the recorded output)."""
    bindir.mkdir(exist_ok=True)
    tool = bindir / name
    tool.write_text(f"#!{sys.executable}\nimport json, sys\nRECORD = {str(bindir / (name + '.argv'))!r}\n"
                    f"STREAM = {str(HELM_DATA / 'shop-prod-rendered.yaml')!r}\n{body}")
    tool.chmod(0o755)
    return tool


RECORDING_HELM = """\
with open(RECORD, "w") as f:
    json.dump(sys.argv[1:], f)
with open(STREAM) as f:
    sys.stdout.write(f.read())
"""


def recorded(bindir: Path, name: str) -> list[str]:
    return json.loads((bindir / (name + ".argv")).read_text())


@pytest.fixture
def bindir(tmp_path, monkeypatch) -> Path:
    """A directory first on PATH for stand-in tools."""
    path = tmp_path / "bin"
    path.mkdir()
    monkeypatch.setenv("PATH", f"{path}{os.pathsep}{os.environ.get('PATH', '')}")
    return path


def check(*args: str):
    return CliRunner().invoke(main, ["check", "--no-config", *args])


# -- --helm -------------------------------------------------------------------------------

def test_helm_template_gets_the_arguments_and_findings_name_the_template_and_values_key(bindir, monkeypatch) -> None:
    stand_in(bindir, "helm", RECORDING_HELM)
    monkeypatch.chdir(HELM_DATA)
    result = check(*HELM_ARGS)
    assert recorded(bindir, "helm") == ["template", "shop-prod", "shop", "-f", "prod-values.yaml",
                                        "--set", "server.replicas=3", "--namespace", "shop"]
    assert result.exit_code == 1, result.output
    assert ('shop:30:13 [from shop/templates/deployment.yaml]: PL205 [warning] Deployment/shop/shop-prod-server '
            'container "server" livenessProbe: failureThreshold is 1') in result.output
    # The template renders the probe with `toYaml .Values.server.livenessProbe`: the values go there.
    assert ("Set failureThreshold to 3 (template shop/templates/deployment.yaml); in the chart's values:\n"
            "      server:\n        livenessProbe:\n          failureThreshold: 3\n") in result.output
    # ... and the readiness probe through `with .Values.server.readinessProbe` / `toYaml .`.
    assert "      server:\n        readinessProbe:\n          periodSeconds: 7\n" in result.output
    # The worker template writes its probe itself: no values key is claimed for it.
    assert ("Set failureThreshold to 3 (template shop/templates/worker.yaml); in the chart's values:\n"
            "      livenessProbe:\n        failureThreshold: 3\n") in result.output
    # Rendered output is never edited, so nothing is offered to --fix.
    assert "[*]" not in result.output and "fixable with --fix" not in result.output


def test_helm_release_defaults_and_json_report(bindir, monkeypatch) -> None:
    stand_in(bindir, "helm", RECORDING_HELM)
    monkeypatch.chdir(HELM_DATA)
    result = check("--helm", "shop/", "--format", "json")
    assert recorded(bindir, "helm") == ["template", "release", "shop/"]
    report = json.loads(result.stdout)
    server = [f for f in report["findings"] if f["code"] == "PL205" and "server" in f["message"]]
    assert len(server) == 1
    assert server[0]["path"] == "shop"
    assert server[0]["helm_source"] == "shop/templates/deployment.yaml"
    assert server[0]["fix"]["helm_values"] == "server:\n  livenessProbe:\n    failureThreshold: 3\n"


def test_helm_not_installed_says_how_to_pipe(tmp_path, monkeypatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.chdir(HELM_DATA)
    result = check("--helm", "shop", "-f", "prod-values.yaml")
    assert result.exit_code == 2
    assert result.stderr == ("error: helm is not installed (not found on PATH); render the chart and pipe it instead: "
                             "helm template release shop -f prod-values.yaml | probelint check - --stdin-filename shop\n")
    assert result.stdout == ""


def test_helm_failure_shows_the_command_and_its_error(bindir, monkeypatch) -> None:
    stand_in(bindir, "helm", 'sys.stderr.write("Error: template: shop/templates/deployment.yaml:27:20: executing '
             '\\"shop/templates/deployment.yaml\\" at <.Values.server.livenessProbe>: nil pointer\\n")\nsys.exit(1)\n')
    monkeypatch.chdir(HELM_DATA)
    result = check("--helm", "shop", "--set", "server=null")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: helm template release shop --set server=null failed (exit code 1):\n"
        '  Error: template: shop/templates/deployment.yaml:27:20: executing "shop/templates/deployment.yaml" '
        "at <.Values.server.livenessProbe>: nil pointer\n")


def test_a_hung_tool_is_stopped_with_what_it_started(bindir) -> None:
    """The stand-in is a shell script whose ``sleep`` child holds the output pipe: only
    stopping the whole process group ends the wait."""
    tool = bindir / "helm"
    tool.write_text("#!/bin/sh\nsleep 30\necho late\n")
    tool.chmod(0o755)
    started = time.monotonic()
    with pytest.raises(render.RenderError) as err:
        render.helm_template(str(HELM_DATA / "shop"), timeout=0.5)
    assert time.monotonic() - started < 10
    assert str(err.value) == f"helm template release {HELM_DATA / 'shop'} did not finish within 0.5s"


# -- --kustomize --------------------------------------------------------------------------

@NEEDS_KUSTOMIZE
def test_kustomize_findings_name_the_overlay(monkeypatch) -> None:
    monkeypatch.chdir(KUSTOMIZE_DATA)
    base = check("--kustomize", "base")
    assert base.exit_code == 0, base.output
    assert base.stdout == "No findings in 1 file, 1 workload checked.\n"
    result = check("--kustomize", "overlays/prod", "--format", "json")
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert {f["path"] for f in findings} == {"overlays/prod (kustomize build)"}
    # The patch's failureThreshold 1 under the overlay's namespace and name prefix.
    pl205 = [f for f in findings if f["code"] == "PL205"]
    assert [f["object"] for f in pl205] == [{"kind": "Deployment", "namespace": "shop-prod", "name": "prod-web",
                                             "container": "web", "probe": "livenessProbe"}]
    # Rendered output is never edited: no finding is fixable, and no edit points into it.
    assert all(not f["fixable"] and (f["fix"] is None or f["fix"]["edits"] == []) for f in findings)


def test_kustomize_is_preferred_to_kubectl(bindir, monkeypatch) -> None:
    stand_in(bindir, "kustomize", RECORDING_HELM)
    monkeypatch.chdir(KUSTOMIZE_DATA)
    result = check("--kustomize", "overlays/prod/")
    assert recorded(bindir, "kustomize") == ["build", "overlays/prod/"]
    assert "overlays/prod (kustomize build):30:13 [from shop/templates/deployment.yaml]: PL205" in result.output


def test_kustomize_and_kubectl_missing(tmp_path, monkeypatch) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.chdir(KUSTOMIZE_DATA)
    result = check("--kustomize", "overlays/prod")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: neither kustomize nor kubectl is installed (not found on PATH); build the overlay and pipe it "
        "instead: kustomize build overlays/prod | probelint check - --stdin-filename overlays/prod\n")


@pytest.mark.parametrize(("args", "message"), [
    (["--helm", "shop", "x.yaml"], "PATH and --helm cannot be combined"),
    (["--helm", "shop", "--kustomize", "shop"], "--helm and --kustomize cannot be combined"),
    (["--set", "a=b", "x.yaml"], "-f/--values, --set, --release and --helm-namespace need --helm CHART_DIR"),
    (["-f", "prod-values.yaml"], "need --helm CHART_DIR"),
    (["--helm", "shop", "--fix"], "rendered output is not edited; fix the chart or the overlay"),
    (["--kustomize", "shop", "--diff"], "rendered output is not edited; fix the chart or the overlay"),
])
def test_usage_errors(bindir, monkeypatch, args, message) -> None:
    stand_in(bindir, "helm", RECORDING_HELM)
    stand_in(bindir, "kustomize", RECORDING_HELM)
    monkeypatch.chdir(HELM_DATA)
    result = check(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert not (bindir / "helm.argv").exists() and not (bindir / "kustomize.argv").exists()


# -- values_path ----------------------------------------------------------------------------

DEPLOYMENT_HEAD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  template:
    spec:
      containers:
"""


def chart(root: Path, template: str, name: str = "deployment.yaml") -> Path:
    (root / "templates").mkdir(parents=True, exist_ok=True)
    (root / "Chart.yaml").write_text(f"apiVersion: v2\nname: {root.name}\nversion: 0.1.0\n")
    (root / "templates" / name).write_text(DEPLOYMENT_HEAD + template)
    return root


@pytest.mark.parametrize(("template", "expected"), [
    ("""        - name: api
          livenessProbe:
            {{- toYaml .Values.api.livenessProbe | nindent 12 }}
""", "api.livenessProbe"),
    ("""        - name: api
          {{- with .Values.api.health.liveness }}
          livenessProbe:
            {{- toYaml . | nindent 12 }}
          {{- end }}
""", "api.health.liveness"),
    ("""        - name: api
          livenessProbe: {{ .Values.api.livenessProbe | toYaml | nindent 12 }}
""", "api.livenessProbe"),
    ("""        {{- with .Values.api }}
        - name: api
          livenessProbe:
            {{- toYaml .livenessProbe | nindent 12 }}
        {{- end }}
""", "api.livenessProbe"),
    ("""        {{- range .Values.sidecars }}
        - name: {{ .name }}
          livenessProbe:
            {{- toYaml $.Values.sidecarProbe | nindent 12 }}
        {{- end }}
""", "sidecarProbe"),
    ("""        - name: db
          {{- if .Values.primary.livenessProbe.enabled }}
          livenessProbe: {{- include "common.tplvalues.render" (dict "value" (omit .Values.primary.livenessProbe "enabled") "context" $) | nindent 12 }}
          {{- end }}
""", "primary.livenessProbe"),
    ("""        - name: api
          livenessProbe:
            {{- tpl (toYaml .Values.livenessProbe) . | nindent 12 }}
""", "livenessProbe"),
    ("""        - name: api
          {{- /* the probe comes from values */}}
          livenessProbe:
            {{- toYaml .Values.api.livenessProbe | nindent 12 }}
        - name: api-copy
          livenessProbe:
            {{- toYaml .Values.api.livenessProbe | nindent 12 }}
""", "api.livenessProbe"),
    # Not attributed: written out, two sources, an alternative, a range element, a helper.
    ("""        - name: api
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
""", None),
    ("""        - name: api
          livenessProbe:
            {{- toYaml .Values.api.livenessProbe | nindent 12 }}
        - name: proxy
          livenessProbe:
            {{- toYaml .Values.proxy.livenessProbe | nindent 12 }}
""", None),
    ("""        - name: api
          livenessProbe:
            {{- toYaml .Values.api.livenessProbe | nindent 12 }}
        - name: proxy
          livenessProbe:
            tcpSocket: {port: 15000}
""", None),
    ("""        - name: api
          livenessProbe:
            {{- if .Values.api.customProbe }}
            {{- toYaml .Values.api.customProbe | nindent 12 }}
            {{- else }}
            httpGet: {path: /livez, port: 8080}
            {{- end }}
""", None),
    ("""        {{- range .Values.sidecars }}
        - name: {{ .name }}
          livenessProbe:
            {{- toYaml .livenessProbe | nindent 12 }}
        {{- end }}
""", None),
    ("""        - name: api
          livenessProbe:
            {{- include "api.probe" . | nindent 12 }}
""", None),
    ("""        - name: api
          readinessProbe:
            {{- toYaml .Values.api.readinessProbe | nindent 12 }}
""", None),
], ids=["toYaml", "with", "pipe", "relative", "root-in-range", "bitnami", "tpl", "same-twice", "literal",
        "two-sources", "one-literal", "alternative", "range-element", "helper", "other-probe-only"])
def test_values_path(tmp_path, template, expected) -> None:
    root = chart(tmp_path / "app", template)
    assert render.values_path(root, "app/templates/deployment.yaml", "livenessProbe") == expected


SUBCHART_TEMPLATE = """        - name: cache
          livenessProbe:
            {{- toYaml .Values.server.livenessProbe | nindent 12 }}
          startupProbe:
            {{- toYaml .Values.global.startupProbe | nindent 12 }}
"""


def test_values_path_in_subcharts(tmp_path) -> None:
    parent = tmp_path / "shop"
    chart(parent / "charts" / "cache", SUBCHART_TEMPLATE)
    # An aliased dependency: rendered under its alias, read from the chart's own directory.
    chart(parent / "charts" / "redis", SUBCHART_TEMPLATE)
    (parent / "Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 0.1.0\n"
                                       "dependencies:\n  - name: redis\n    alias: sessions\n    version: 0.1.0\n")
    assert render.values_path(parent, "shop/charts/cache/templates/deployment.yaml", "livenessProbe") == "cache.server.livenessProbe"
    assert render.values_path(parent, "shop/charts/sessions/templates/deployment.yaml", "livenessProbe") == "sessions.server.livenessProbe"
    assert render.values_path(parent, "shop/charts/cache/templates/deployment.yaml", "startupProbe") == "global.startupProbe"
    assert render.values_path(parent, "shop/charts/missing/templates/deployment.yaml", "livenessProbe") is None
    assert render.values_path(parent, "shop/templates/../../outside.yaml", "livenessProbe") is None
    assert render.values_path(parent, "shop/templates/absent.yaml", "livenessProbe") is None


def finding(helm_values: str | None, helm_source: str = "app/templates/deployment.yaml") -> Finding:
    return Finding("PL205", "liveness-failure-threshold-one", "warning", "m", Location("app", 9, 13, 9, 20),
                   ObjectRef("Deployment", "web", "default", "api", "livenessProbe"), helm_source=helm_source,
                   fixable=True, helm_values=helm_values)


def test_for_rendered_nests_each_probe_under_its_key(tmp_path) -> None:
    root = chart(tmp_path / "app", """        - name: api
          livenessProbe:
            {{- toYaml .Values.api.livenessProbe | nindent 12 }}
          {{- with .Values.api.startupProbe }}
          startupProbe: {{- toYaml . | nindent 12 }}
          {{- end }}
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
""")
    snippet = ("livenessProbe:\n  failureThreshold: 3\n  exec:\n    command:\n      - sh\n      - |\n"
               "        a\n\n        b\nstartupProbe:\n  periodSeconds: 10\nreadinessProbe:\n  periodSeconds: 7\n")
    plain = finding(None, helm_source=None)
    result = render.for_rendered(LintResult(findings=[finding(snippet), plain], files=1), str(root))
    assert result.files == 1
    assert result.findings[0].helm_values == (
        "api:\n  livenessProbe:\n    failureThreshold: 3\n    exec:\n      command:\n        - sh\n        - |\n"
        "          a\n\n          b\n  startupProbe:\n    periodSeconds: 10\nreadinessProbe:\n  periodSeconds: 7\n")
    assert [f.fixable for f in result.findings] == [False, False]
    # Without a chart (kustomize) only fixability changes.
    assert render.for_rendered(LintResult(findings=[finding(snippet)]), None).findings[0].helm_values == snippet


# -- real subprocesses ----------------------------------------------------------------------

def probelint(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "probelint", "check", "--no-config", *args], cwd=cwd,
                          capture_output=True, check=False, text=True, timeout=120, env=env)


@NEEDS_KUSTOMIZE
def test_kustomize_through_python_m_probelint() -> None:
    proc = probelint("--kustomize", "overlays/prod", cwd=KUSTOMIZE_DATA)
    assert proc.returncode == 1, proc.stderr
    assert ('overlays/prod (kustomize build):20:11: PL205 [warning] Deployment/shop-prod/prod-web container "web" '
            "livenessProbe: failureThreshold is 1") in proc.stdout


def test_helm_through_python_m_probelint(tmp_path) -> None:
    bindir = tmp_path / "bin"
    stand_in(bindir, "helm", RECORDING_HELM)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("NO_COLOR", None)
    proc = probelint(*HELM_ARGS, cwd=HELM_DATA, env=env)
    assert proc.returncode == 1, proc.stderr
    assert "shop:40:13 [from shop/templates/deployment.yaml]: PL204 [warning]" in proc.stdout
    assert "      server:\n        readinessProbe:\n          periodSeconds: 7\n" in proc.stdout
    assert recorded(bindir, "helm")[:3] == ["template", "shop-prod", "shop"]
