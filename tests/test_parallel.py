"""``-j N`` gives exactly the output of ``-j 1``, cross-file Service rules included."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from probelint import parallel
from probelint.cli import main
from tests.conftest import CORPUS
from tests.conftest import SELECTED_WORKLOAD as WORKLOAD
from tests.conftest import SELECTING_SERVICE as SERVICE


def run(*args: str):
    return CliRunner().invoke(main, ["check", "--no-config", "--select", "ALL", *args])


def test_services_in_other_files_are_seen_by_every_worker(tmp_path) -> None:
    for n in range(6):
        (tmp_path / f"a{n}-deploy.yaml").write_text(WORKLOAD.format(n=n))
        (tmp_path / f"z{n}-service.yaml").write_text(SERVICE.format(n=n))
    (tmp_path / "broken.yaml").write_text("kind: [\n")
    one = run("-j", "1", str(tmp_path))
    many = run("-j", "3", str(tmp_path))
    assert many.output == one.output
    assert many.exit_code == one.exit_code == 2  # the broken file is an input error
    assert one.output.count("PL101 [error]") == 6  # escalated: a Service in another file selects it
    assert "PL403" in one.output or "PL402" in one.output


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_corpus_output_is_identical(fmt) -> None:
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not available")
    one = run("-j", "1", "--format", fmt, str(CORPUS))
    two = run("-j", "2", "--format", fmt, str(CORPUS))
    assert two.output == one.output
    if fmt == "json":
        assert json.loads(one.output)["summary"]["files"] > 100


def test_automatic_job_count(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 4)
    small = [tmp_path / f"{n}.yaml" for n in range(3)]
    many = [tmp_path / f"m{n}.yaml" for n in range(parallel.AUTO_MIN_FILES)]
    for path in (*small, *many):
        path.write_text("kind: Pod\n")
    assert parallel.auto_jobs([str(p) for p in small]) == 1  # a handful of small files: one process
    assert parallel.auto_jobs([str(p) for p in many]) == 4  # many files: every CPU
    big = tmp_path / "big.yaml"
    big.write_text("#" * parallel.AUTO_MIN_BYTES)
    assert parallel.auto_jobs([str(big), str(small[0])]) == 2  # large input, but only two files


def test_groups_balance_by_size(tmp_path) -> None:
    sizes = [900, 100, 500, 500, 50]
    paths = []
    for n, size in enumerate(sizes):
        path = tmp_path / f"{n}.yaml"
        path.write_text("#" * size)
        paths.append(str(path))
    groups = parallel._groups(paths, 2)
    assert sorted(p for g in groups for p in g) == sorted(paths)
    loads = [sum(sizes[paths.index(p)] for p in g) for g in groups]
    assert max(loads) - min(loads) <= 150
