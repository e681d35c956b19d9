"""No rule and no report repeats a literal credential found in a probe.

Every secret in the PL310 case table contains ``s3cr3t``; a message that names the header
or the option must not contain it, whatever the case, nor any of the literal values below.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import lint

TABLE = Path(__file__).parent / "rules" / "cases" / "PL310-credentials-in-probe.yaml"
MARKER = "s3cr3t"
CASES = [pytest.param(case, id=case["name"]) for case in yaml.safe_load(TABLE.read_text(encoding="utf-8"))["cases"]]

SECRETS = ("Tr0ub4dor&3", "hunter2hunter2", "c29tZS10b2tlbg==", "admin:correcthorse", "pa55word")
MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: leaky}
spec:
  template:
    spec:
      containers:
        - name: web
          image: example/web:1
          livenessProbe:
            httpGet:
              path: /livez
              port: 8080
              httpHeaders:
                - {name: Authorization, value: "Basic c29tZS10b2tlbg=="}
          readinessProbe:
            exec:
              command: ["sh", "-c", "curl -fsu admin:correcthorse localhost:8080/readyz && mysql -pTr0ub4dor\\\\&3 -e 'SELECT 1'"]
        - name: db
          image: postgres:16
          livenessProbe:
            exec:
              command: ["env", "PGPASSWORD=hunter2hunter2", "psql", "postgresql://app:pa55word@localhost/app", "-c", "SELECT 1"]
"""


@pytest.mark.parametrize("case", CASES)
def test_case_table_secrets_stay_out_of_messages(case) -> None:
    result = lint(case["manifest"], select=["PL310"])
    for finding in result.findings:
        assert MARKER not in finding.message.lower(), finding.message


def test_named_secrets_stay_out_of_messages() -> None:
    result = lint(MANIFEST, select=["PL310"])
    messages = [f.message for f in result.findings]
    assert len(messages) == 3, messages
    assert "-u <user>:<password> given to curl, -p<password> given to mysql" in messages[1]
    for finding in result.findings:
        for secret in SECRETS:
            assert secret not in finding.message, finding.message
            assert secret.split(":")[-1] not in finding.message, finding.message


QUOTING = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache-client}
spec:
  template:
    spec:
      containers:
        - name: app
          image: example/app:1
          livenessProbe:
            exec:
              command: ["sh", "-c", "redis-cli -h redis-master -a hunter2hunter2 ping"]
          readinessProbe:
            exec:
              command: ["sh", "-c", "redis-cli -h redis-master -a hunter2hunter2 ping"]
"""


@pytest.mark.parametrize("text", [MANIFEST, QUOTING], ids=["mixed", "quoting-rules"])
def test_no_rule_repeats_a_secret(text) -> None:
    result = lint(text, select=["ALL"], p99="1s")
    codes = {f.code for f in result.findings}
    if text is QUOTING:
        assert {"PL104", "PL302", "PL310"} <= codes, codes
    for finding in result.findings:
        for secret in SECRETS:
            assert secret not in finding.message, (finding.code, finding.message)


def test_timing_report_does_not_show_secret_commands() -> None:
    from probelint.linter import Linter
    from probelint.timing_report import render_json, render_text
    from tests.conftest import make_settings

    result = Linter(make_settings(select=["ALL"]), keep_workloads=True).lint_text(QUOTING, "m.yaml")
    for output in (render_text(result), render_json(result)):
        assert "hunter2hunter2" not in output
        assert "not shown" in output
