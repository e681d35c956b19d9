"""
## What it does
Checks that an init container carries no liveness, readiness or startup probe unless it is
a native sidecar (`restartPolicy: Always`).

## Why is this bad?
The API server rejects the object: for init containers without `restartPolicy: Always`,
`validateInitContainers` fails with "may not be set for init containers without
restartPolicy=Always". A plain init container runs to completion before the app starts, so
there is nothing to probe. Probes on an init container usually mean one of two things: a
block copied from the main container, or a sidecar (a proxy, a log shipper) that should
keep running next to the app, which is what `restartPolicy: Always` declares (native
sidecars, on by default since Kubernetes 1.29).

## Example
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: example/migrate:1.4
          readinessProbe:
            exec: {command: [cat, /tmp/done]}
      containers:
        - name: web
          image: nginx:1.27
```

## Use instead
```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          image: example/migrate:1.4
        - name: proxy
          image: example/proxy:2.0
          restartPolicy: Always
          readinessProbe:
            tcpSocket: {port: 15000}
      containers:
        - name: web
          image: nginx:1.27
```

## Options
None.

## Fix safety
Unsafe, and offered for every probe of an init container whose `restartPolicy` is not a
misspelled `Always`: the probe is removed. That is right for a run-to-completion init
container, where the probe never had a meaning, but it assumes the container is one: if it
was meant to keep running next to the app (a proxy, a log shipper), the object is then
accepted and the pod hangs in `Init` forever because the container never exits, which is
worse than the rejection. The alternative, `restartPolicy: Always`, is not applied
automatically: it turns an init container into a sidecar that is restarted whenever it
exits (a migration would run again and again), and it needs Kubernetes 1.29 or newer (1.28
with the `SidecarContainers` feature gate).

When `restartPolicy` is `always` in another case (`always`, `ALWAYS`), the intent is written
in the manifest and only the spelling is wrong; the fix sets it to `Always`, which is safe.
It is not offered when `--kube-version` is older than 1.29.

## References
- Kubernetes API validation, `validateInitContainers` (`pkg/apis/core/validation/validation.go`)
- https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#differences-from-regular-containers
- https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/
"""
from __future__ import annotations

from collections.abc import Iterator

from probelint.model import Finding, Fix
from probelint.rule import Rule, RuleContext
from probelint.workloads import Container

RULE = Rule(
    code="PL005",
    name="probe-on-init-container",
    summary="An init container may only carry probes when it is a native sidecar (restartPolicy: Always)",
    level="error",
    scope="container",
    fix="sometimes",
)

ALWAYS = "Always"
SIDECARS = (1, 29)  # native sidecars (SidecarContainers) on by default


def check(ctx: RuleContext, container: Container) -> Iterator[Finding]:
    if container.role != "init":
        return
    policy = container.map.scalar("restartPolicy")
    written = f"restartPolicy {policy}" if policy is not None else "no restartPolicy"
    # "always" in another case says "sidecar" as plainly as "Always" does; only the spelling
    # is wrong (the API server compares case-sensitively).
    misspelled = isinstance(policy, str) and policy != ALWAYS and policy.strip().lower() == ALWAYS.lower()
    for probe in container.probes.values():
        message = (f"probe on an init container with {written}; the API server rejects probes on init containers "
                   "unless restartPolicy is Always (a native sidecar)")
        if misspelled:
            message += f'; restartPolicy is case-sensitive: write "{ALWAYS}"'
            fix = _set_always(ctx, container)
        else:
            message += (f"; remove the {probe.key} if the container runs to completion, or set restartPolicy: "
                        f"Always if it is meant to keep running next to the app (Kubernetes {_version(SIDECARS)}+)")
            builder = ctx.fix(f"Remove the {probe.key} of init container {container.name}", unsafe=True,
                              scope=container.node)
            fix = builder.delete(container.node, probe.key).build()
        yield ctx.probe_finding(probe, message, fix=fix)


def _set_always(ctx: RuleContext, container: Container) -> Fix | None:
    """``restartPolicy: Always`` for a policy written in the wrong case, when the target
    Kubernetes version runs native sidecars by default."""
    if ctx.kube_version < SIDECARS:
        return None
    builder = ctx.fix(f"Set restartPolicy to {ALWAYS}", scope=container.node)
    return builder.set(container.node, "restartPolicy", ALWAYS).build()


def _version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"
