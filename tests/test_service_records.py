"""The Service-aware rules keep only a compact record of each workload, and still give the
findings of a run that saw every Service first: Services after the workload in its own file,
in a later file, in a huge stream, and a file that changes before the end of the run."""
from __future__ import annotations

import gc
import json

import pytest

from probelint import linter as linter_module
from probelint.linter import Linter
from probelint.workloads import Workload
from tests.conftest import SELECTED_WORKLOAD as WORKLOAD
from tests.conftest import SELECTING_SERVICE as SERVICE
from tests.conftest import make_settings

SERVICE_CODES = {"PL101", "PL402", "PL403", "PL404", "PL503"}


def lint(paths, **settings) -> tuple[list[dict], list[str]]:
    linter = Linter(make_settings(select=["ALL"], **settings))
    result = linter.lint_paths([str(p) for p in paths])
    findings = [
        {"code": f.code, "level": f.level, "line": f.location.line, "column": f.location.column,
         "message": f.message.replace(f.location.path, "<file>"), "fix": f.fix and [e.replacement for e in f.fix.edits]}
        for f in result.findings if f.code in SERVICE_CODES
    ]
    return findings, [p.message for p in result.problems]


def test_service_in_a_later_file_gives_the_findings_of_one_file(tmp_path) -> None:
    together = tmp_path / "together"
    together.mkdir()
    (together / "all.yaml").write_text(SERVICE.format(n=1) + "---\n" + WORKLOAD.format(n=1))
    apart = tmp_path / "apart"
    apart.mkdir()
    (apart / "a-deploy.yaml").write_text(WORKLOAD.format(n=1))
    (apart / "z-service.yaml").write_text(SERVICE.format(n=1))
    one, _ = lint([together])
    two, _ = lint([apart])
    assert {f["code"] for f in one} == {"PL101", "PL403", "PL503"}
    assert next(f for f in two if f["code"] == "PL101")["level"] == "error"
    # The workload's own findings are the same; PL403 points at the Service's file instead.
    assert [f for f in two if f["code"] in ("PL101", "PL503")] == [
        {**f, "line": f["line"] - SERVICE.count("\n") - 1}
        for f in one if f["code"] in ("PL101", "PL503")
    ]


@pytest.mark.parametrize("few", [8, 2])
def test_service_after_the_workload_in_a_huge_stream(tmp_path, monkeypatch, few) -> None:
    """Past the per-file limit the early workloads are checked before the Services at the end of
    the stream are read; they are read again at the end and checked against them, one document
    at a time or, when there are many, in one reading of the whole stream."""
    monkeypatch.setattr(linter_module, "MAX_PENDING_PER_FILE", 3)
    monkeypatch.setattr(linter_module, "FEW_DOCUMENTS", few)
    stream = "---\n".join([WORKLOAD.format(n=n) for n in range(8)] + [SERVICE.format(n=n) for n in range(8)])
    (tmp_path / "stream.yaml").write_text(stream)
    findings, problems = lint([tmp_path])
    assert problems == []
    assert [f["level"] for f in findings if f["code"] == "PL101"] == ["error"] * 8
    assert sum(f["code"] == "PL503" for f in findings) == 8


def test_workload_trees_are_not_kept_until_the_end(tmp_path) -> None:
    for n in range(5):
        (tmp_path / f"a{n}.yaml").write_text(WORKLOAD.format(n=n))
    (tmp_path / "z.yaml").write_text("---\n".join(SERVICE.format(n=n) for n in range(5)))
    linter = Linter(make_settings(select=["ALL"]))
    for n in range(5):
        linter.lint_file(str(tmp_path / f"a{n}.yaml"))
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, Workload)]
    linter.lint_file(str(tmp_path / "z.yaml"))
    result = linter.finish()
    assert sum(f.code == "PL101" and f.level == "error" for f in result.findings) == 5


def test_a_file_that_changes_before_the_end_keeps_its_first_findings(tmp_path) -> None:
    deploy = tmp_path / "a.yaml"
    deploy.write_text(WORKLOAD.format(n=1))
    (tmp_path / "z.yaml").write_text(SERVICE.format(n=1))
    linter = Linter(make_settings(select=["ALL"]))
    linter.lint_file(str(deploy))
    deploy.write_text(WORKLOAD.format(n=1).replace("web1", "other"))
    linter.lint_file(str(tmp_path / "z.yaml"))
    result = linter.finish()
    assert [(p.path, p.level, p.message) for p in result.problems] == [(
        str(deploy), "warning",
        "file changed while it was being checked: Services from other files were not matched against its workloads",
    )]
    pl101 = [f for f in result.findings if f.code == "PL101"]
    assert [f.level for f in pl101] == ["warning"]  # as checked before the Service was read


def test_json_report_is_the_same_whatever_the_file_order(tmp_path) -> None:
    """Workloads before or after their Services: the same findings, in the same order."""
    from click.testing import CliRunner

    from probelint.cli import main

    for n in range(4):
        (tmp_path / f"m{n}.yaml").write_text(WORKLOAD.format(n=n))
    (tmp_path / "a-services.yaml").write_text("---\n".join(SERVICE.format(n=n) for n in range(4)))
    first = CliRunner().invoke(main, ["check", "--no-config", "--select", "ALL", "--format", "json", "-j", "1", str(tmp_path)])
    (tmp_path / "a-services.yaml").rename(tmp_path / "z-services.yaml")
    last = CliRunner().invoke(main, ["check", "--no-config", "--select", "ALL", "--format", "json", "-j", "1", str(tmp_path)])

    def workload_findings(output: str) -> list:
        return [(f["code"], f["level"], f["path"], f["line"])
                for f in json.loads(output)["findings"] if not f["path"].endswith("services.yaml")]

    assert workload_findings(first.output) == workload_findings(last.output)
    assert [f[1] for f in workload_findings(first.output) if f[0] == "PL101"] == ["error"] * 4


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r", "\u2028"])
def test_a_workload_read_again_keeps_its_template_and_positions(tmp_path, newline) -> None:
    """The second reading composes the workload's document alone; its Helm template and
    positions are those of the first reading, whatever ends the lines."""
    first = WORKLOAD.format(n=1)
    stream = ("---\n# Source: shop/templates/other.yaml\n" + WORKLOAD.format(n=9)
              + "---\n# Source: shop/templates/web.yaml\n" + first).replace("\n", newline)
    (tmp_path / "a.yaml").write_bytes(stream.encode())
    (tmp_path / "together.yaml").write_bytes((stream + "---" + newline + SERVICE.format(n=1).replace("\n", newline)).encode())
    apart = tmp_path / "apart"
    apart.mkdir()
    (tmp_path / "a.yaml").rename(apart / "a.yaml")
    (apart / "z.yaml").write_text(SERVICE.format(n=1))
    linter = Linter(make_settings(select=["ALL"]))
    linter.lint_paths([str(apart)])
    separate = [f for f in linter.result.findings if f.code in ("PL101", "PL503") and f.obj.name == "web1"]
    together = [f for f in Linter(make_settings(select=["ALL"])).lint_paths([str(tmp_path / "together.yaml")]).findings
                if f.code in ("PL101", "PL503") and f.obj.name == "web1"]
    if newline in ("\n", "\r\n"):  # Helm writes these; its ``# Source:`` comments are read on such lines
        assert [f.helm_source for f in separate] == ["shop/templates/web.yaml"] * 2
    assert len(separate) == 2
    assert [(f.code, f.level, f.location.line, f.location.column, f.message, f.helm_source, f.helm_values)
            for f in separate] == [
        (f.code, f.level, f.location.line, f.location.column, f.message.replace(f.location.path, str(apart / "a.yaml")),
         f.helm_source, f.helm_values) for f in together]
