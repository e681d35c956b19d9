"""Shared helpers: lint a string with chosen settings, and locate the shared corpus."""
from __future__ import annotations

from pathlib import Path

from probelint.linter import Linter, LintResult
from probelint.profile import BY_NAME, ProfileValue, convert
from probelint.settings import Settings, parse_kube_version

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def make_settings(select=None, **values) -> Settings:
    """Settings for a test; profile figures (``p99="4s"``, ``startup_max="90s"``...) act like command-line flags."""
    settings = Settings(select=tuple(select) if select is not None else None)
    for name in list(values):
        if name in BY_NAME:
            field = BY_NAME[name]
            settings.profile_defaults[name] = ProfileValue(convert(field, values.pop(name)), f"--{field.key}")
    if "kube_version" in values:
        settings.kube_version = parse_kube_version(values.pop("kube_version"))
        settings.kube_version_explicit = True
    if "options" in values:
        settings.options = {code: dict(opts) for code, opts in values.pop("options").items()}
    for key, value in values.items():
        if not hasattr(settings, key):
            raise TypeError(f"unknown setting {key}")
        setattr(settings, key, value)
    return settings


def lint(text: str, path: str = "manifest.yaml", **settings) -> LintResult:
    return Linter(make_settings(**settings)).lint_text(text, path)


def lines_of_keys(text: str, keys) -> set[int]:
    """0-based lines holding an entry whose key is in ``keys``, from the key to the end of its
    value, in every document of ``text`` (what a fix may touch)."""
    import yaml
    from yaml.nodes import MappingNode, SequenceNode

    from probelint.edits import content_end, text_of

    table = text_of(text)
    found: set[int] = set()
    for doc in yaml.compose_all(text, Loader=yaml.CSafeLoader):
        stack = [doc]
        while stack:
            node = stack.pop()
            if isinstance(node, MappingNode):
                for key, value in node.value:
                    if getattr(key, "value", None) in keys:
                        last = table.text.count("\n", 0, content_end(table, value))
                        found.update(range(key.start_mark.line, last + 1))
                    else:
                        stack.append(value)
            elif isinstance(node, SequenceNode):
                stack.extend(node.value)
    return found


# A manifest with one safe fix (PL205 failureThreshold 1 -> 3), its fixed text and the command.
FIXABLE = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart}
spec:
  template:
    spec:
      containers:
        - name: cart   # the shop's cart
          livenessProbe:
            httpGet: {path: /livez, port: 8080}
            failureThreshold: 1   # one strike
"""
FIXED = FIXABLE.replace("failureThreshold: 1 ", "failureThreshold: 3 ")
FIX_ARGS = ["check", "--no-config", "--select", "PL205"]

# A workload and a Service selecting it, for the cross-file Service rules ({n} numbers them).
SELECTED_WORKLOAD = """apiVersion: apps/v1
kind: Deployment
metadata: {{name: web{n}, namespace: shop}}
spec:
  template:
    metadata:
      labels: {{app: web{n}}}
    spec:
      containers:
        - name: web
          image: example/web:1
          ports: [{{name: http, containerPort: 8080}}]
          livenessProbe:
            httpGet: {{path: /livez, port: 8080}}
"""
SELECTING_SERVICE = """apiVersion: v1
kind: Service
metadata: {{name: web{n}, namespace: shop}}
spec:
  selector: {{app: web{n}}}
  ports: [{{port: 80, targetPort: 9090}}]
"""
