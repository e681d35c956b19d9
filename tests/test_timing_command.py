"""``probelint timing``: golden text and JSON for the §6 worked example, figures checked by hand.

The input is the configuration ``probelint suggest --p99 4s --startup-max 90s`` derives in
probe-semantics §6 (with p50 500ms): liveness hang detection 38–48 s, stall tolerance 38 s,
readiness removal up to 28 s, startup budget 110 s guaranteed.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from click.testing import CliRunner

from probelint.cli import main
from tests.conftest import ROOT

GOLDEN = Path(__file__).parent / "golden"


def run(*args: str):
    return CliRunner().invoke(main, ["timing", "--no-config", "tests/data/timing-input.yaml", "--p99", "4s", *args])


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if os.environ.get("PROBELINT_UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def test_text_golden(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run()
    assert result.exit_code == 0
    check_golden("timing.txt", result.output)


def test_json_figures(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run("--format", "json")
    document = json.loads(result.output)
    (workload,) = document["workloads"]
    (container,) = workload["containers"]
    live, ready, startup = (container["probes"][k] for k in ("liveness", "readiness", "startup"))
    assert live["hang_detection"] == [38, 48] and live["stall_tolerance"] == 38 and live["stall_always_fatal"] == 48
    assert ready["removal_max"] == 28
    assert startup["budget_guaranteed"] == 110 and startup["budget_nominal"] == 120
    assert container["startup_budget"] == {"by": "startupProbe", "guaranteed": 110, "nominal": 120}
    assert container["termination"]["prestop_seconds"] == 10 and container["termination"]["shutdown_after_sigterm"] == 35
    assert container["profile"]["p99"] == {"value": 4.0, "source": "--p99"}
    assert container["profile"]["startup-max"]["source"] == "probelint.io/startup-max on Deployment/api"
    assert live["false_events_per_year"] < 1e-4
    check_golden("timing.json", result.output.replace(document["version"], "VERSION"))


def test_corpus_files_give_no_errors(monkeypatch) -> None:
    from tests.conftest import CORPUS

    if not CORPUS.is_dir():
        return
    for name in ("manifests/knative-serving/third_party-kourier.yaml", "manifests/gke-samples/c1-router.yaml",
                 "helm-rendered/cert-manager/cert-manager.yaml"):
        result = CliRunner().invoke(main, ["timing", "--no-config", str(CORPUS / name), "--format", "json"])
        assert result.exit_code == 0
        assert json.loads(result.output)["workloads"]
