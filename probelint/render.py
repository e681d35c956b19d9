"""Render a Helm chart or a kustomize overlay, and point findings back at the chart's values.

A chart's templates and an overlay's patches are not the manifests the cluster gets: only the
rendered stream is. ``probelint check --helm CHART`` and ``--kustomize DIR`` run the real tool
(``helm template``, ``kustomize build`` or ``kubectl kustomize``) and check its output exactly
as if it had been piped to ``probelint check -``, so that nothing differs between the two ways
except that the user does not have to write the pipe.

Most charts copy a probe from values verbatim (``livenessProbe:`` followed by
``{{- toYaml .Values.server.livenessProbe | nindent 12 }}``), so the values snippet of a fix
belongs under that key (``server.livenessProbe``), not at the top of ``values.yaml``.
:func:`values_path` reads the template to find the key; when the template does anything less
recognisable the snippet is left as it was rather than guessed.
"""
from __future__ import annotations

import dataclasses
import os
import re
import shlex
import shutil
import signal
import subprocess
from pathlib import Path

TIMEOUT = 120.0  # seconds; a remote kustomize base or a large chart can take a while, a hang cannot
STDERR_LINES = 20  # the end of a failing tool's error output, where the reason is


class RenderError(Exception):
    """The chart or overlay could not be rendered; the message says why and what to do."""


def helm_template(chart_dir: str, values: tuple[str, ...] = (), set_values: tuple[str, ...] = (),
                  release: str = "release", namespace: str | None = None,
                  timeout: float = TIMEOUT) -> tuple[bytes, str]:
    """``helm template`` of the chart: the rendered stream and the name to show (the chart
    directory; each finding also names its template through the stream's ``# Source:`` marks)."""
    args = ["template", release, chart_dir]
    for name in values:
        args += ["-f", name]
    for assignment in set_values:
        args += ["--set", assignment]
    if namespace:
        args += ["--namespace", namespace]
    shown = os.path.normpath(chart_dir)
    helm = shutil.which("helm")
    if helm is None:
        pipe = shlex.join(["helm", *args]) + " | " + shlex.join(["probelint", "check", "-", "--stdin-filename", shown])
        raise RenderError(f"helm is not installed (not found on PATH); render the chart and pipe it instead: {pipe}")
    return _run(helm, "helm", args, timeout), shown


def kustomize_build(directory: str, timeout: float = TIMEOUT) -> tuple[bytes, str]:
    """``kustomize build DIR`` (or ``kubectl kustomize DIR`` when only kubectl is installed):
    the rendered stream and the name to show, the overlay directory."""
    shown = os.path.normpath(directory)
    kustomize = shutil.which("kustomize")
    if kustomize is not None:
        data = _run(kustomize, "kustomize", ["build", directory], timeout)
    else:
        kubectl = shutil.which("kubectl")
        if kubectl is None:
            pipe = shlex.join(["kustomize", "build", directory]) + " | " + shlex.join(
                ["probelint", "check", "-", "--stdin-filename", shown])
            raise RenderError(f"neither kustomize nor kubectl is installed (not found on PATH); "
                              f"build the overlay and pipe it instead: {pipe}")
        data = _run(kubectl, "kubectl", ["kustomize", directory], timeout)
    return data, f"{shown} (kustomize build)"


def _run(executable: str, name: str, args: list[str], timeout: float) -> bytes:
    """Run the tool; its stdout on success, a :class:`RenderError` naming the command otherwise.

    The tool runs in its own process group so that a timeout also stops what it started
    (kustomize runs helm and git; a child left holding the pipes would block the wait).
    """
    command = shlex.join([name, *args])
    try:
        proc = subprocess.Popen([executable, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
    except OSError as err:
        raise RenderError(f"cannot run {command}: {err.strerror or err}") from None
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        raise RenderError(f"{command} did not finish within {timeout:g}s") from None
    if proc.returncode != 0:
        how = f"exit code {proc.returncode}" if proc.returncode > 0 else f"killed by signal {-proc.returncode}"
        lines = err.decode("utf-8", errors="replace").strip().splitlines()
        if len(lines) > STDERR_LINES:
            lines = ["...", *lines[-STDERR_LINES:]]
        said = "\n  ".join(lines) if lines else "(no error output)"
        raise RenderError(f"{command} failed ({how}):\n  {said}")
    return out


# -- values attribution -------------------------------------------------------------------

_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.DOTALL)
# A reference the template language resolves to a value: `.Values.a.b`, `$.Values.a`, `.`, `.a`.
_REF = r"(\$?\.[A-Za-z_][\w.]*|\$?\.)"
# Pipelines that write a value as YAML: `toYaml REF | nindent N`, `REF | toYaml | indent N`,
# `tpl (toYaml REF) . | nindent N`, and the Bitnami helper `include "common.tplvalues.render"
# (dict "value" REF "context" $)`, where REF may be `(omit REF "enabled")` (the key that
# switches the probe on is not part of the probe).
_OMIT = rf"(?:\(\s*omit\s+{_REF}(?:\s+\"\w+\")+\s*\)|\(\s*{_REF}\s*\)|{_REF})"
_PIPE = r"((?:\s*\|\s*(?:nindent|indent)\s+\d+|\s*\|\s*trim)*)"  # how the block is indented
_RENDERS = [
    re.compile(rf"toYaml\s+{_OMIT}{_PIPE}"),
    re.compile(rf"{_OMIT}\s*\|\s*toYaml{_PIPE}"),
    re.compile(rf"tpl\s+\(\s*toYaml\s+{_OMIT}\s*\)\s+(?:\$|\.){_PIPE}"),
    re.compile(rf"include\s+\"[\w.-]*tplvalues\.render\"\s+\(\s*dict\s+\"value\"\s+{_OMIT}\s+\"context\"\s+\$\s*\){_PIPE}"),
]
_OPENS = {"if", "with", "range", "define", "block"}


def _rendered_ref(expression: str) -> str | None:
    """The reference an action writes as YAML (``.Values.x.livenessProbe``), if it is one of
    the patterns charts use for a whole block."""
    for pattern in _RENDERS:
        match = pattern.fullmatch(expression)
        if match:
            return next(group for group in match.groups()[:-1] if group)
    return None


def _resolve(ref: str, frames: list[tuple[str, str | None]]) -> tuple[str, ...] | None:
    """``ref`` as a path from the root context (``("Values", "server", "livenessProbe")``),
    following the ``with`` blocks that set the dot; None where the dot is not known."""
    parts: tuple[str, ...] = ()  # the root context, which `$` always names
    if ref.startswith("$"):
        ref = ref[1:]
    else:
        for position in range(len(frames) - 1, -1, -1):
            kind, argument = frames[position]
            if kind in ("if", "else"):
                continue
            if kind != "with" or argument is None:
                return None  # range, define, block: the dot is an element or an argument
            base = _resolve(argument, frames[:position])
            if base is None:
                return None
            parts = base
            break
    return parts + tuple(part for part in ref.split(".") if part)


def _frame(expression: str) -> tuple[str, str | None] | None:
    """The block an action opens (``with .Values.x`` -> ("with", ".Values.x")), or None."""
    words = expression.split(None, 1)
    if not words or words[0] not in _OPENS:
        return None
    argument = words[1] if len(words) > 1 else ""
    assigned = re.fullmatch(r"\$\w+\s*:?=\s*(.*)", argument, re.DOTALL)
    if assigned:
        argument = assigned.group(1)
    return words[0], argument.strip() if re.fullmatch(_REF, argument.strip()) else None


def _probe_origins(text: str, probe_key: str) -> list[tuple[str, ...] | None]:
    """For every ``probe_key:`` the template writes: the values path its block comes from, or
    None when the template writes the block some other way (literally, from a helper, behind
    an ``if`` with an alternative...)."""
    key = re.compile(rf"(?:\A|\n)[ \t]*(?:-[ \t]+)?{re.escape(probe_key)}:")
    origins: list[tuple[str, ...] | None] = []
    frames: list[tuple[str, str | None]] = []
    pending = False  # `probe_key:` is the last thing written: the next action is its value
    position = 0
    for action in [*_ACTION.finditer(text), None]:
        between = text[position:action.start() if action else len(text)]
        if pending and between.strip():
            origins.append(None)  # the block is written out in the template
            pending = False
        for match in key.finditer(between):
            if between[match.end():].strip():
                origins.append(None)
            else:
                pending = True
        if action is None:
            break
        position = action.end()
        expression = action.group(1)
        if expression.startswith("/*"):
            continue
        if pending:
            pending = False
            ref = _rendered_ref(expression)
            path = _resolve(ref, frames) if ref is not None else None
            origins.append(path if path and path[0] == "Values" and len(path) > 1 else None)
            if ref is not None:
                continue
        words = expression.split(None, 1)
        head = words[0] if words else ""
        if head == "end":
            if frames:
                frames.pop()
        elif head == "else":
            if frames:
                opened = _frame(words[1]) if len(words) > 1 else None
                frames[-1] = opened if opened is not None and opened[0] == "with" else ("else", None)
        else:
            opened = _frame(expression)
            if opened is not None:
                frames.append(opened)
    if pending:
        origins.append(None)
    return origins


def _template(chart_dir: Path, helm_source: str) -> tuple[Path, tuple[str, ...]] | None:
    """The template file behind a ``# Source:`` mark, and the values prefix of the (sub)chart
    it belongs to: ``shop/charts/cache/templates/x.yaml`` is read from the subchart ``cache``
    (``charts/cache``, or the chart that ``Chart.yaml`` aliases as ``cache``) and its values
    live under ``cache``. Packaged subcharts (``.tgz``) are not read."""
    parts = helm_source.split("/")[1:]
    prefix: tuple[str, ...] = ()
    chart = chart_dir
    while len(parts) > 2 and parts[0] == "charts":
        name = parts[1]
        directory = chart / "charts" / name
        if not directory.is_dir():
            directory = chart / "charts" / _aliased(chart, name)
        if not directory.is_dir():
            return None
        chart, prefix, parts = directory, (*prefix, name), parts[2:]
    if not parts or ".." in parts:
        return None
    return chart.joinpath(*parts), prefix


def _aliased(chart: Path, alias: str) -> str:
    """The dependency name that ``Chart.yaml`` gives the alias ``alias`` (or ``alias``)."""
    import yaml

    try:
        meta = yaml.safe_load((chart / "Chart.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return alias
    for dependency in meta.get("dependencies") or () if isinstance(meta, dict) else ():
        if isinstance(dependency, dict) and dependency.get("alias") == alias and isinstance(dependency.get("name"), str):
            return dependency["name"]
    return alias


def values_path(chart_dir: str | os.PathLike, helm_source: str, probe_key: str) -> str | None:
    """The values key a probe block is rendered from (``server.livenessProbe``), or None.

    ``helm_source`` is the ``# Source:`` path (``shop/templates/deployment.yaml``: the chart
    name, then the path inside the chart). The answer is given only when every ``probe_key:``
    in the template comes from the same key, so that a template with two containers whose
    probes come from different places, or with one literal probe, is not guessed at.
    """
    found = _template(Path(chart_dir), helm_source)
    if found is None:
        return None
    template, prefix = found
    try:
        text = template.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    origins = set(_probe_origins(text, probe_key))
    if len(origins) != 1 or None in origins:
        return None
    path = next(iter(origins))[1:]
    if path[0] == "global":
        prefix = ()  # global values are shared by the chart and every subchart
    return ".".join((*prefix, *path))


def _nested(snippet: str, paths: dict[str, str | None]) -> str:
    """The values snippet with each top-level probe key moved under its values path."""
    blocks: list[tuple[str, list[str]]] = []
    for line in snippet.splitlines():
        if line and not line[0].isspace():
            blocks.append((line.split(":", 1)[0], [line]))
        elif blocks:
            blocks[-1][1].append(line)
        else:
            return snippet
    tree: dict = {}
    for key, lines in blocks:
        parts = (paths.get(key) or key).split(".")
        node = tree
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                return snippet
        if parts[-1] in node:
            return snippet
        node[parts[-1]] = [lines[0][len(key):], *lines[1:]]
    out: list[str] = []

    def emit(node: dict, depth: int) -> None:
        pad = "  " * depth
        for name, child in node.items():
            if isinstance(child, dict):
                out.append(f"{pad}{name}:")
                emit(child, depth + 1)
            else:
                out.append(f"{pad}{name}{child[0]}")
                out.extend(pad + line if line else line for line in child[1:])

    emit(tree, 0)
    return "\n".join(out) + "\n"


def for_rendered(result, chart_dir: str | None = None):
    """The findings of a rendered stream as they should be reported: none is fixable (the
    output is rendered again next time, so the chart or overlay is what to change), and with
    ``chart_dir`` each values snippet sits under the key its template reads the probe from."""
    cache: dict[tuple[str, str], str | None] = {}

    def path(source: str, key: str) -> str | None:
        if (source, key) not in cache:
            cache[(source, key)] = values_path(chart_dir, source, key)
        return cache[(source, key)]

    findings = []
    for finding in result.findings:
        changes: dict = {"fixable": False}
        if chart_dir is not None and finding.helm_source and finding.helm_values:
            keys = [line.split(":", 1)[0] for line in finding.helm_values.splitlines() if line and not line[0].isspace()]
            changes["helm_values"] = _nested(finding.helm_values, {key: path(finding.helm_source, key) for key in keys})
        findings.append(dataclasses.replace(finding, **changes))
    return dataclasses.replace(result, findings=findings)
