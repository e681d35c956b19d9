"""
## What it does
Reports a long-running workload where no regular container (`containers` and native sidecars)
has a `livenessProbe`. Long-running means anything but a Job, a CronJob or a bare Pod with
`restartPolicy: Never` or `OnFailure`; `pause` containers, which run no application, do not
count.

The rule is off by default and only informational: enable it (`--extend-select PL102`) on
projects whose policy is that every service restarts itself when it wedges.

## Why is this bad?
Often it is not. A process that crashes on its own is restarted by the kubelet without any
probe, and a badly chosen liveness probe (one that checks a database, or that is as fast as
the readiness probe) turns a slow dependency into a restart storm. The Kubernetes
documentation says that a container able to crash on its own does not necessarily need a
liveness probe, learnk8s advises to avoid liveness probes if you can, and kube-score grades a
missing one as "almost OK".

What a liveness probe does catch is a process that stays up but can no longer make progress: a
deadlock, an exhausted thread pool, a stuck event loop. Such a pod stays Ready or unready
forever and only a human restarts it. Teams that have been bitten by that can enable this rule.

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  template:
    spec:
      containers:
        - name: worker
          image: example/worker:3.1
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: worker}
spec:
  template:
    spec:
      containers:
        - name: worker
          image: example/worker:3.1
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            periodSeconds: 10
            failureThreshold: 6
```

## Options
None.

## Fix safety
No automatic fix: a liveness probe needs an endpoint that checks only the process itself, which
the manifest cannot tell. `probelint suggest` generates one on request from a port and a
latency profile.

## References
- https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#when-should-you-use-a-liveness-probe
- learnk8s, "Kubernetes production best practices": "Avoid using the Liveness probe (if you can)"
- Henning Jacobs, "Kubernetes Liveness Probes are Dangerous" (2019)
- kube-score, `README_PROBES.md`
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint.model import Finding
from probelint.rule import Rule, RuleContext
from probelint.rules.missing_readiness_probe import anchor, lacking_text
from probelint.workloads import Workload

RULE = Rule(
    code="PL102",
    name="missing-liveness-probe",
    summary="No container of a long-running workload has a liveness probe",
    level="info",
    scope="workload",
    enabled_by_default=False,
    fix="never",
)


def check(ctx: RuleContext, workload: Workload) -> Iterator[Finding]:
    if not workload.is_long_running:
        return
    regular = workload.regular_containers
    if any("liveness" in c.probes for c in regular):
        return
    regular = [c for c in regular if not c.is_pause]
    if not regular:
        return
    lacking = lacking_text(regular, "livenessProbe")
    yield ctx.workload_finding(
        workload,
        f"{lacking}: a process that stays up but stops making progress is never restarted",
        at=anchor(regular),
    )
