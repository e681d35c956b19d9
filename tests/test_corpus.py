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
    # Service "details" selects app=details; the only container has no readinessProbe.
    ("manifests/istio/bookinfo.yaml", "PL101", 74, 'container "details" has no readinessProbe, and Service "details" selects this pod'),
    # adservice: grpc 9555 for both probes, 3 x 15 s each, so liveness kills no later than readiness removes.
    ("manifests/microservices-demo/kubernetes-manifests.yaml", "PL104", 198, "same check as the readinessProbe (grpc port 9555)"),
    # mysql-router: liveness initialDelaySeconds 150 and no startupProbe.
    ("manifests/gke-samples/c1-router.yaml", "PL103", 143, "initialDelaySeconds is 150 (more than 30)"),
    # ... and identical tcpSocket 6446 probes, 60 x 30 s each.
    ("manifests/gke-samples/c1-router.yaml", "PL104", 146, "same check as the readinessProbe (tcpSocket port 6446)"),
    # cert-manager-webhook: timeoutSeconds 1 written explicitly, p99 2 s given.
    ("helm-rendered/cert-manager/cert-manager.yaml", "PL201", 13261, "liveness timeout 1s is not above p99 2s from --p99"),
    ("helm-rendered/cert-manager/cert-manager.yaml", "PL103", 13259, "initialDelaySeconds is 60 (more than 30)"),
    # `nodetool status` reports the whole ring: one bad peer fails every member's liveness.
    ("manifests/kubernetes-examples/cassandra-statefulset.yaml", "PL302", 84, '"nodetool status" reports cluster state'),
    # Envoy's /ready answers 503 while it waits for the control plane or drains.
    ("manifests/knative-serving/third_party-kourier.yaml", "PL303", 627, 'liveness path "/ready" is a readiness endpoint'),
    # mysql-router: no startupProbe, liveness 150 + 60 x 30 + 30 = 1980 s against the default 600 - 60 s.
    ("manifests/gke-samples/c1-router.yaml", "PL504", 140, "up to 1980s to start"),
    # Cassandra: pod grace 1800 s and no probe-level grace, so a liveness kill waits up to 30 minutes.
    ("manifests/kubernetes-examples/cassandra-statefulset.yaml", "PL502", 79, "sets no terminationGracePeriodSeconds"),
    # kourier-controller: readiness T=1 s (default), F=3, P=10 against p99 2 s: 3.15e6 x 0.949 x 0.0512^3 ≈ 402 per year.
    ("manifests/knative-serving/third_party-kourier.yaml", "PL211", 460, "about 402 false unready events per pod-year"),
]

# Probes that look suspicious to a naive rule but are right; each must stay silent.
SILENT = [
    # Argo CD's /healthz?full=true runs process-local checks only.
    ("manifests/argo-cd/install.yaml", "PL301"),
    # Istio rewrites app probes to /app-health/<container>/livez on 15020; judged by the app's own paths.
    ("manifests/istio/inject-hello-probes.injected.yaml", "PL104"),
    ("manifests/istio/inject-hello-probes.injected.yaml", "PL301"),
    # mysqladmin ping against the local server is a self-check.
    ("manifests/gke-samples/c1-mysql.yaml", "PL302"),
]


@pytest.mark.parametrize(("path", "code"), SILENT, ids=[f"{c}-{p.rsplit('/', 1)[-1]}" for p, c in SILENT])
def test_hand_verified_silence(corpus_result, path: str, code: str) -> None:
    corpus, result = corpus_result
    full = str(corpus / path)
    assert [f.message for f in result.findings if f.location.path == full and f.code == code] == []


@pytest.mark.parametrize(("path", "code", "line", "text"), VERIFIED, ids=[f"{c}-{p.rsplit('/', 1)[-1]}:{l}" for p, c, l, _ in VERIFIED])
def test_hand_verified_findings(corpus_result, path: str, code: str, line: int, text: str) -> None:
    corpus, result = corpus_result
    matches = find(result, corpus, path, code, line)
    assert matches, f"expected {code} at {path}:{line}"
    assert any(text in f.message for f in matches), [f.message for f in matches]
