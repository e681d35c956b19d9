"""The benchmark harness: a reproducible corpus whose mix of faults is real, and a runner that
produces its report end to end. Nothing here asserts a timing."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

BENCHMARKS = ROOT / "benchmarks"
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


generate = load("generate")


def tree(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_same_seed_and_size_write_byte_identical_files(tmp_path) -> None:
    outputs = []
    for name, hash_seed in (("a", "1"), ("b", "2")):  # nor may set or dict hashing change a byte
        subprocess.run([sys.executable, str(BENCHMARKS / "generate.py"), "--objects", "300", "--seed", "7",
                        "--out", str(tmp_path / name)], check=True, capture_output=True, timeout=120,
                       env={**os.environ, "PYTHONHASHSEED": hash_seed})
        outputs.append(tree(tmp_path / name))
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 5
    other = generate.generate(300, seed=8)
    assert {name: text.encode() for name, text in other.files} != outputs[0]


def test_corpus_has_the_requested_objects_in_files_of_1_to_50_documents() -> None:
    corpus = generate.generate(2000, seed=1)
    counts = []
    kinds: dict[str, int] = defaultdict(int)
    for _name, text in corpus.files:
        documents = [d for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d is not None]
        counts.append(len(documents))
        for document in documents:
            kinds[document["kind"]] += 1
    assert sum(counts) == 2000
    assert min(counts) == 1 and max(counts) <= 50 and max(counts) > 15
    assert set(kinds) == {"Deployment", "StatefulSet", "Service"}
    assert kinds["Service"] == corpus.services


def test_corpus_mixes_styles_and_handlers() -> None:
    text = "\n".join(text for _name, text in generate.generate(1000, seed=1).files)
    assert re.search(r"^metadata:\n  name:", text, re.MULTILINE) and re.search(r"^metadata:\n    name:", text, re.MULTILINE)
    assert "httpGet: {path:" in text and re.search(r"httpGet:\n +path:", text)
    assert re.search(r"^ +containers:\n +- name:", text, re.MULTILINE)       # flush sequences
    assert re.search(r"^ +containers:\n +  - name:", text, re.MULTILINE)     # indented sequences
    assert re.search(r"^# ", text, re.MULTILINE) and re.search(r"\w  # ", text)
    for handler in ("httpGet:", "tcpSocket:", "exec:", "grpc:"):
        assert handler in text


def test_floor_composes_every_document(tmp_path) -> None:
    generate.write(generate.generate(120, seed=3), tmp_path)
    proc = subprocess.run([sys.executable, str(BENCHMARKS / "floor.py"), str(tmp_path)],
                          capture_output=True, text=True, timeout=120, check=True)
    assert proc.stdout.strip() == "120 documents"


def findings_by_workload(directory: Path) -> tuple[dict, dict]:
    proc = subprocess.run([sys.executable, "-m", "probelint", "check", "--no-config", "--select", "ALL",
                           "--format", "json", str(directory)], check=False, capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env=ENV)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["errors"] == []
    codes: dict[tuple, set[str]] = defaultdict(set)
    files: dict[str, int] = defaultdict(int)
    for finding in report["findings"]:
        obj = finding["object"]
        codes[(obj["kind"], obj["namespace"], obj["name"])].add(finding["code"])
        files[Path(finding["path"]).relative_to(directory).as_posix()] += 1
    return codes, files


def test_correct_workloads_are_clean_and_each_fault_is_found(tmp_path) -> None:
    corpus = generate.generate(60, seed=1)
    generate.write(corpus, tmp_path)
    found, files_with_findings = findings_by_workload(tmp_path)
    correct = [key for key, codes in corpus.expected.items() if not codes]
    faulty = {key: codes for key, codes in corpus.expected.items() if codes}
    assert len(correct) >= 5 and len(faulty) >= 5
    for key in correct:
        assert found.get(key, set()) == set(), key
    for key, codes in faulty.items():
        assert codes <= found.get(key, set()), key
    assert len(set().union(*faulty.values())) >= 4
    names = [name for name, _text in corpus.files]
    assert any(name not in files_with_findings for name in names)  # some files are clean
    assert any(name in files_with_findings for name in names)


def test_every_fault_is_found_in_a_larger_corpus(tmp_path) -> None:
    corpus = generate.generate(1500, seed=2)
    generate.write(corpus, tmp_path)
    found, _files = findings_by_workload(tmp_path)
    seen_faults = set()
    for workload in corpus.workloads:
        key = (workload.kind, workload.namespace, workload.name)
        if workload.faults:
            assert workload.expected <= found.get(key, set()), (key, workload.faults)
            seen_faults.update(workload.faults)
        else:
            assert key not in found, key
    assert seen_faults == set(generate.FAULTS)


def test_clean_manifest_has_no_finding(tmp_path) -> None:
    path = tmp_path / "clean.yaml"
    path.write_text(generate.clean_manifest(1))
    proc = subprocess.run([sys.executable, "-m", "probelint", "check", "--no-config", "--select", "ALL", str(path)],
                          check=False, capture_output=True, text=True, timeout=120, cwd=ROOT, env=ENV)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings" in proc.stdout


MEASURE_IDS = {"check_vs_floor_small", "check_vs_floor_large", "check_vs_floor_full", "clean_file_vs_import_yaml",
               "rss_small", "rss_large", "rss_large_vs_small", "rss_full_vs_small", "jobs_speedup", "checkov_speedup"}


def run_bench(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    results = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--corpus-dir", str(tmp_path / "corpus"),
                           "--json", str(results), *args], check=False, capture_output=True, text=True, timeout=600,
                          env=ENV)
    return proc, json.loads(results.read_text())


def test_quick_run_writes_every_measure(tmp_path) -> None:
    stale = tmp_path / "corpus" / "seed1-50-0000000000"  # what an older generator left
    stale.mkdir(parents=True)
    proc, report = run_bench(tmp_path)
    assert not stale.exists()
    assert proc.returncode == 0, proc.stderr
    assert set(report) == {"format", "environment", "checkout", "settings", "measures", "runs"}
    assert len(report["checkout"]["sources_sha256"]) == 64
    measures = {m["id"]: m for m in report["measures"]}
    assert set(measures) == MEASURE_IDS
    for measure in measures.values():
        assert set(measure) == {"id", "measure", "value", "unit", "target", "result", "note"}
        assert measure["result"] in {"pass", "fail", "info", "skipped", "not available"}
        assert (measure["value"] is None) == (measure["result"] in {"skipped", "not available"})
    assert measures["check_vs_floor_full"]["result"] == "skipped"  # only with --full
    assert measures["rss_full_vs_small"]["result"] == "skipped"
    assert measures["rss_small"]["unit"] == "MiB" and measures["rss_small"]["value"] > 5
    help_text = subprocess.run([sys.executable, "-m", "probelint", "check", "--help"], check=True,
                               capture_output=True, text=True, cwd=ROOT, env=ENV).stdout
    assert (measures["jobs_speedup"]["result"] == "not available") == ("--jobs" not in help_text)
    runs = report["runs"]
    corpus = Path(runs["check 50"]["command"][-1])
    assert corpus.parent == tmp_path / "corpus" and corpus.name.startswith("seed1-50-")
    assert len(runs["check 50"]["seconds"]) == 1 and runs["check 50"]["returncodes"] == [1]
    for line in ("measure", "check --select ALL / floor, 50 objects", "check one clean file"):
        assert line in proc.stdout
    # The cached corpus is reused by the next run, not generated again.
    proc, _report = run_bench(tmp_path)
    assert "generating" not in proc.stderr


def test_with_full_the_memory_growth_has_a_verdict(tmp_path) -> None:
    proc, report = run_bench(tmp_path, "--full", "--objects-full", "150")
    assert proc.returncode == 0, proc.stderr
    measures = {m["id"]: m for m in report["measures"]}
    assert measures["check_vs_floor_full"]["result"] in {"pass", "fail"}
    assert measures["rss_full_vs_small"]["result"] in {"pass", "fail"}
    assert "check 150" in report["runs"]


@pytest.mark.parametrize("code", [2, 3])
def test_a_failing_probelint_is_an_error_not_a_figure(tmp_path, code) -> None:
    command = shlex.join([sys.executable, "-c", f"import sys; sys.exit({code})"])
    proc, report = run_bench(tmp_path, "--probelint", command)
    assert proc.returncode == 1
    measures = {m["id"]: m for m in report["measures"]}
    assert measures["check_vs_floor_small"]["result"] == "error"
    assert measures["check_vs_floor_small"]["value"] is None
    assert f"exit code {code}" in measures["check_vs_floor_small"]["note"]
