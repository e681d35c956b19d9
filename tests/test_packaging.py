"""Distribution: a non-editable install works from any directory, and the pre-commit hook runs.

Both tests install probelint into a fresh environment without network access: they take
every wheel from the wheelhouse named by PROBELINT_WHEELHOUSE, which the README's test
command builds (`pip wheel -w .wheelhouse . setuptools wheel`) before running pytest.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

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


@pytest.fixture(scope="module")
def wheelhouse() -> Path:
    value = os.environ.get("PROBELINT_WHEELHOUSE")
    if not value:
        pytest.skip("PROBELINT_WHEELHOUSE is not set (the README's test command builds it)")
    path = Path(value)
    if not path.is_absolute():
        path = ROOT / path
    if not any(path.glob("probelint-*.whl")):
        pytest.skip(f"no probelint wheel in {path}")
    return path


def offline_env(wheelhouse: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV", "PYTHONPATH"))}
    env.update({"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse), "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    return env


def test_non_editable_install_runs_from_any_directory(tmp_path, wheelhouse) -> None:
    target = tmp_path / "venv"
    venv.create(target, with_pip=True)
    python = target / "bin" / "python"
    env = offline_env(wheelhouse)
    subprocess.run([python, "-m", "pip", "install", "-q", "probelint"], check=True, env=env, timeout=600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "bad.yaml").write_text(BAD)
    proc = subprocess.run([target / "bin" / "probelint", "check", "bad.yaml", "--format", "json"], check=False,
                          cwd=elsewhere, capture_output=True, env=env, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert b'"PL002"' in proc.stdout
    proc = subprocess.run([target / "bin" / "probelint", "rule", "PL201"], check=False, cwd=elsewhere, capture_output=True, env=env, timeout=120)
    assert proc.returncode == 0 and b"## Why is this bad?" in proc.stdout


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})


def test_pre_commit_hook_with_real_pre_commit(tmp_path, wheelhouse) -> None:
    if shutil.which("pre-commit") is None and not (Path(sys.executable).parent / "pre-commit").exists():
        pytest.skip("pre-commit is not installed (it is part of the test extras)")
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    repo = tmp_path / "user-repo"
    (repo / "k8s").mkdir(parents=True)
    (repo / "k8s" / "web.yaml").write_text(BAD)
    (repo / "chart" / "templates").mkdir(parents=True)
    (repo / "chart" / "templates" / "deployment.yaml").write_text("{{- if .Values.enabled }}\nkind: Deployment\n{{- end }}\n")
    (repo / "notes.txt").write_text("not yaml")
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    env = offline_env(wheelhouse)
    env["PRE_COMMIT_HOME"] = str(tmp_path / "cache")
    proc = subprocess.run([pre_commit, "try-repo", str(ROOT), "probelint", "--all-files"], check=False,
                          cwd=repo, capture_output=True, env=env, timeout=900)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == 1, out
    assert "k8s/web.yaml:11:13: PL002" in out
    assert "templates/deployment.yaml" not in out  # raw chart templates are excluded by the hook
    (repo / "k8s" / "web.yaml").write_text(BAD.replace("successThreshold: 2", "successThreshold: 1"))
    git("add", "-A", cwd=repo)
    proc = subprocess.run([pre_commit, "try-repo", str(ROOT), "probelint", "--all-files"], check=False,
                          cwd=repo, capture_output=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()


THRESHOLD_ONE = """\
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
            failureThreshold: 1   # one strike
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
"""


def test_pre_commit_fix_hook_rewrites_the_file(tmp_path, wheelhouse) -> None:
    if shutil.which("pre-commit") is None and not (Path(sys.executable).parent / "pre-commit").exists():
        pytest.skip("pre-commit is not installed (it is part of the test extras)")
    pre_commit = shutil.which("pre-commit") or str(Path(sys.executable).parent / "pre-commit")
    repo = tmp_path / "user-repo"
    (repo / "k8s").mkdir(parents=True)
    manifest = repo / "k8s" / "cart.yaml"
    manifest.write_text(THRESHOLD_ONE)
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    env = offline_env(wheelhouse)
    env["PRE_COMMIT_HOME"] = str(tmp_path / "cache")
    proc = subprocess.run([pre_commit, "try-repo", str(ROOT), "probelint-fix", "--all-files"], check=False,
                          cwd=repo, capture_output=True, env=env, timeout=900)
    out = proc.stdout.decode() + proc.stderr.decode()
    assert proc.returncode == 1, out  # pre-commit fails a hook that changed files
    assert "Fixed 1 finding (0 remaining)." in out
    # 3 consecutive failures at least, and enough for readiness to act first (PL203): 5.
    assert manifest.read_text() == THRESHOLD_ONE.replace("failureThreshold: 1 ", "failureThreshold: 5 ")
    git("add", "-A", cwd=repo)
    proc = subprocess.run([pre_commit, "try-repo", str(ROOT), "probelint-fix", "--all-files"], check=False,
                          cwd=repo, capture_output=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout.decode() + proc.stderr.decode()
