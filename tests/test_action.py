"""The composite GitHub Action (``action.yml``): its check step, run for real with bash.

The install step needs the network and GitHub's runner; the check step is the part that
decides what users see, so it runs here against the installed ``probelint`` with the same
environment variables the runner sets.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
BAD = """apiVersion: apps/v1
kind: Deployment
metadata: {name: cart}
spec:
  template:
    spec:
      containers:
        - name: cart
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            successThreshold: 2
"""


def step(name: str) -> dict:
    return next(s for s in ACTION["runs"]["steps"] if s.get("name") == name)


def test_action_is_composite_with_documented_inputs() -> None:
    assert ACTION["runs"]["using"] == "composite"
    assert set(ACTION["inputs"]) == {"paths", "args", "sarif-file", "version", "python-version"}
    assert all("description" in spec for spec in ACTION["inputs"].values())


def test_check_step_annotates_and_writes_sarif(tmp_path) -> None:
    probelint = shutil.which("probelint") or str(Path(sys.executable).parent / "probelint")
    if not Path(probelint).exists():
        pytest.skip("the probelint script is not installed")
    runner_temp = tmp_path / "runner"
    (runner_temp / "probelint" / "bin").mkdir(parents=True)
    (runner_temp / "probelint" / "bin" / "probelint").symlink_to(probelint)
    work = tmp_path / "repo"
    (work / "k8s").mkdir(parents=True)
    (work / "k8s" / "cart.yaml").write_text(BAD)
    output = tmp_path / "github_output"
    env = {**os.environ, "RUNNER_TEMP": str(runner_temp), "GITHUB_OUTPUT": str(output), "PATHS": "k8s",
           "ARGS": "--no-config", "SARIF_FILE": "probelint.sarif"}
    proc = subprocess.run(["bash", "-c", step("Check")["run"]], cwd=work, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "::error file=k8s/cart.yaml,line=11,col=13,endLine=11,endColumn=29,title=PL002 " in proc.stdout
    assert output.read_text() == "exit-code=1\n"
    sarif = json.loads((work / "probelint.sarif").read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"PL002", "PL101"}
