"""Istio's probe rewrite: what an injected pod's probes really check.

Istio's sidecar injector replaces each application probe by an httpGet on the pilot agent
(``/app-health/<container>/livez`` on port 15020) and keeps the original probes, as JSON keyed
by the rewritten path, in the ``ISTIO_KUBE_APP_PROBERS`` variable of the proxy container. Rules
that judge what a probe checks must look through the rewrite, or they would compare the
agent's paths (or read the container name in them as a dependency).
"""
from __future__ import annotations

import json
import re

from probelint.workloads import Workload

PROBERS_ENV = "ISTIO_KUBE_APP_PROBERS"
REWRITE = re.compile(r"^/app-health/(?P<container>[^/]+)/(?P<probe>livez|readyz|startupz)$")


def app_probers(workload: Workload) -> dict[str, object]:
    """The original application probes by rewritten path; empty when the pod is not injected."""
    for container in workload.containers:
        for var in container.env:
            if var.name == PROBERS_ENV and var.value:
                try:
                    table = json.loads(var.value)
                except ValueError:
                    return {}
                return table if isinstance(table, dict) else {}
    return {}
