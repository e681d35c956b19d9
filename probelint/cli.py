"""The command line: argument parsing, output choice and exit codes; no checking logic.

Exit codes: 0 no finding at or above ``--fail-on``; 1 findings; 2 usage, configuration or
input error (findings in the other files are still reported).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from probelint import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# Machine formats and their modules in probelint.report; each has render(result, texts).
REPORT_FORMATS = {"text": None, "json": None, "sarif": "sarif", "github": "github", "gitlab": "gitlab",
                  "junit": "junit"}


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """Accept both ``--select PL1 --select PL2`` and ``--select PL1,PL2``."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _colour(stream, when: str = "auto") -> bool:
    """Colour for ``stream``: ``--color always|never`` decides; ``auto`` means a terminal
    and no ``NO_COLOR`` in the environment (https://no-color.org)."""
    if when != "auto":
        return when == "always"
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _tune_gc() -> None:
    """Composed YAML trees are large and acyclic: a collector that walks the whole heap every
    few thousand allocations spends more time than the checks. Modules loaded so far are frozen
    out of collection and full collections run rarely."""
    import gc

    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def _version_message() -> str:
    """``probelint X`` and the Kubernetes versions whose schemas PL009 can check against."""
    from probelint import k8sschema

    versions = k8sschema.shipped_versions()
    shown = f"{versions[0][0]}.{versions[0][1]}-{versions[-1][0]}.{versions[-1][1]}" if versions else "none"
    return f"probelint {__version__} (Kubernetes schemas {shown})"


def _print_version(ctx: click.Context, _param, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(_version_message())
        ctx.exit()


def profile_options(command):
    """One option per service-profile figure (``--p99``, ``--startup-max``...), plus ``--profile``."""
    from probelint.profile import FIELDS

    for field_ in reversed(FIELDS):
        if field_.flag:
            metavar = "DURATION" if field_.kind == "duration" else "NUMBER"
            command = click.option(field_.flag, field_.name, metavar=metavar,
                                   help=f"Profile default: {field_.description}.")(command)
    return click.option("--profile", "profile_file", type=click.Path(dir_okay=False),
                        help="Service profile file (schemas/profile.schema.json).")(command)


def load_settings(config_file: str | None, no_config: bool):
    """Settings from the configuration file (discovered or named); exits 2 on a bad one."""
    from probelint import config as configuration
    from probelint.settings import Settings

    settings = Settings()
    try:
        if not no_config:
            found = Path(config_file) if config_file else configuration.find_config(Path.cwd())
            if config_file and not found.is_file():
                raise configuration.ConfigError(config_file, "configuration file not found")
            if found is not None:
                configuration.apply(configuration.load(found), settings)
    except configuration.ConfigError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(EXIT_ERROR)
    return settings


def apply_profile_flags(settings, flags: dict) -> None:
    """Command-line profile figures override the configuration's ``defaults``; a bad one is a usage error."""
    from probelint.profile import (
        BY_NAME,
        ProfileError,
        ProfileValue,
        convert,
        load_profile_file,
    )

    path = flags.pop("profile_file", None)
    if path:
        try:
            settings.profile_file = load_profile_file(path)
        except ProfileError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(EXIT_ERROR)
    for name, raw in flags.items():
        if raw is None:
            continue
        field_ = BY_NAME[name]
        try:
            settings.profile_defaults[name] = ProfileValue(convert(field_, raw), field_.flag)
        except ValueError as err:
            raise click.BadParameter(str(err), param_hint=field_.flag) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and the Kubernetes schema versions available, and exit.")
def main() -> None:
    """Static analysis of Kubernetes liveness, readiness and startup probes."""


EXIT_INTERRUPTED = 128 + 2  # as a shell reports a command ended by SIGINT


def _exit_interrupted(message: str = "interrupted") -> None:
    """Ctrl-C: one line on stderr and exit 130, not a traceback."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not interrupt the message
    click.echo(message, err=True)
    sys.exit(EXIT_INTERRUPTED)


def _interrupt_exits(command):
    """Turn KeyboardInterrupt anywhere in ``command`` into ``_exit_interrupted``."""
    import functools

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            _exit_interrupted()

    return wrapper


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable).")
@click.option("--stdin-filename", metavar="NAME", help="Name to show for input read from '-'.")
@click.option("--format", "fmt", type=click.Choice(list(REPORT_FORMATS)), default="text", show_default=True,
              help="Output format: text, json, sarif (code scanning), github (workflow annotations), "
                   "gitlab (Code Quality), junit.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to FILE.")
@click.option("--select", multiple=True, metavar="CODES", help="Rules to enable, replacing the defaults (codes, prefixes such as PL2, names, ALL).")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Rules to enable in addition to the defaults.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Rules to disable.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), help="Lowest level that makes the exit code 1 [default: warning].")
@click.option("--kube-version", metavar="X.Y", help="Target Kubernetes version [default: newest schema available].")
@click.option("--namespace", metavar="NS", help="Namespace of objects that set none [default: default].")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Configuration file (default: nearest .probelint.yaml or pyproject.toml).")
@click.option("--no-config", is_flag=True, help="Ignore configuration files.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
              help="Colour the text output (auto: on a terminal, unless NO_COLOR is set).")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule instead of each finding.")
@click.option("--max-file-size", type=click.IntRange(min=0), metavar="BYTES",
              help="Skip files larger than BYTES, as an input error (0: no limit) [default: 52428800, 50 MiB].")
@click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N",
              help="Check in N processes (same output) [default: all CPUs for large inputs, else 1].")
@click.option("--fix", "fix_files", is_flag=True, help="Apply safe fixes, verified by re-parsing, and write the files (stdin: print the fixed text).")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that need an assumption (with --fix or --diff).")
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff of what --fix would change and write nothing (exit 1 when there is a change).")
@click.option("--helm", "helm_chart", type=click.Path(exists=True), metavar="CHART_DIR", help="Check the output of `helm template` for this chart.")
@click.option("--values", "-f", "values_files", multiple=True, metavar="FILE", help="With --helm: a values file for helm (repeatable).")
@click.option("--set", "set_values", multiple=True, metavar="KEY=VALUE", help="With --helm: a value for helm (repeatable).")
@click.option("--release", metavar="NAME", help="With --helm: the release name [default: release].")
@click.option("--helm-namespace", metavar="NS", help="With --helm: the namespace helm renders the release into.")
@click.option("--kustomize", "kustomize_dir", type=click.Path(exists=True, file_okay=False), metavar="DIR",
              help="Check the output of `kustomize build DIR` (or `kubectl kustomize DIR`).")
@profile_options
@_interrupt_exits
def check(paths, exclude, stdin_filename, fmt, output, select, extend_select, ignore, fail_on,
          kube_version, namespace, config_file, no_config, quiet, color, statistics, max_file_size, jobs, fix_files, unsafe_fixes,
          show_diff, helm_chart, values_files, set_values, release, helm_namespace, kustomize_dir,
          **profile_flags) -> None:
    """Check manifests (files, directories, or '-' for stdin) for probe problems."""
    _tune_gc()
    from probelint.linter import Linter
    from probelint.settings import SelectionError, parse_kube_version

    settings = load_settings(config_file, no_config)

    try:
        if select:
            settings.select = _split(select)
        settings.extend_select += _split(extend_select)
        settings.ignore += _split(ignore)
        if fail_on:
            settings.fail_on = fail_on
        if kube_version:
            settings.kube_version = parse_kube_version(kube_version)
            settings.kube_version_explicit = True
        if namespace:
            settings.namespace = namespace
        settings.exclude += tuple(exclude)
        if max_file_size is not None:
            settings.max_file_size = max_file_size
        apply_profile_flags(settings, profile_flags)
        linter = Linter(settings, keep_fix_edits=fmt in ("json", "sarif"))
    except (SelectionError, ValueError) as err:
        raise click.UsageError(str(err)) from None

    rendered = _render(paths, helm_chart, values_files, set_values, release, helm_namespace, kustomize_dir,
                       fix_files or show_diff)
    if rendered is not None:
        inputs, (stdin, stdin_name) = ("-",), rendered
    else:
        inputs = paths or (".",)
        stdin = sys.stdin.buffer.read() if "-" in inputs else None
        stdin_name = stdin_filename or "-"
    if fix_files and show_diff:
        raise click.UsageError("--fix and --diff cannot be combined: --diff shows what --fix would write")
    fixed = None
    texts = None
    report_to_stderr = False
    if fix_files or show_diff:
        from probelint import fix as fixer

        run = fixer.run(tuple(inputs), settings, unsafe=unsafe_fixes, stdin=stdin, stdin_name=stdin_name,
                        writable=None if show_diff else fixer.writable_problem)
        result, texts = run.result, run.texts
        if show_diff:
            _print_diffs(run, result, unsafe_fixes)
        if fix_files:
            _write_fixes(run, result)
            if "-" in inputs:
                # The fixed document goes to stdout; the report to stderr.
                state = next((s for s in run.files.values() if s.key == "-"), None)
                sys.stdout.buffer.write(fixer.encoded(state.original, state.text) if state else stdin)
                sys.stdout.flush()
                report_to_stderr = not output
        fixed = run.fixed  # after writing: a file that could not be written is not fixed
    else:
        linter.keep_sources = fmt not in ("text", "github")  # machine formats carry fix edits
        linter.keep_workloads = fmt == "junit"  # clean workloads are test cases too
        from probelint import parallel

        result, texts = parallel.lint(linter, tuple(inputs), jobs, stdin=stdin, stdin_name=stdin_name)
        if rendered is not None:
            from probelint.render import for_rendered

            result = for_rendered(result, helm_chart)

    if fmt == "json":
        from probelint.report import json_report

        report = json_report.render(result, fixed, texts)
    elif REPORT_FORMATS[fmt]:
        import importlib

        report = importlib.import_module(f"probelint.report.{REPORT_FORMATS[fmt]}").render(result, texts)
    else:
        from probelint.report import text

        colour = output is None and _colour(sys.stdout, color)
        report = text.chunks(result, colour=colour, quiet=quiet, stats=statistics, unsafe=unsafe_fixes, fixed=fixed)
        err_colour = _colour(sys.stderr, color)
        for problem in result.problems:
            click.echo(text.problem_line(problem, err_colour), err=True, color=err_colour)
    pieces = [report] if isinstance(report, str) else report  # the text report comes in pieces
    if report_to_stderr:
        for piece in pieces:
            click.echo(piece, nl=False, err=True)
    elif output:
        try:
            with open(output, "w", encoding="utf-8") as stream:
                stream.writelines(pieces)
        except OSError as err:
            click.echo(f"error: cannot write {output}: {err.strerror}", err=True)
            sys.exit(EXIT_ERROR)
    elif not show_diff:
        for piece in pieces:
            click.echo(piece, nl=False, color=_colour(sys.stdout, color))

    if result.has_input_errors:
        sys.exit(EXIT_ERROR)
    if show_diff:
        sys.exit(EXIT_FINDINGS if run.changed() else EXIT_OK)
    sys.exit(EXIT_FINDINGS if result.failing(settings.fail_on) else EXIT_OK)


def _print_diffs(run, result, unsafe: bool) -> None:
    """``--diff``: the diffs on stdout, one line saying what --fix would do on stderr."""
    from probelint.fix import unified_diff
    from probelint.report import text

    for shown, state in sorted(run.files.items()):
        if state.changed:
            click.echo(unified_diff(state, shown), nl=False)
    click.echo(text.fixed_line(run.fixed, result.findings, unsafe, verb="Would fix"), err=True)


def _write_fixes(run, result) -> None:
    """Write every changed file; a file that cannot be written is an input error, and the
    others are still written (each write is all or nothing, see ``probelint.writeback``)."""
    from probelint.model import InputProblem
    from probelint.writeback import WriteError, encoded, original_bytes, write_atomic

    try:
        for shown, state in sorted(run.files.items()):
            if not state.changed or state.key == "-":
                continue
            try:
                write_atomic(state.key, encoded(state.original, state.text), original_bytes(state))
            except WriteError as err:
                if not err.written:
                    state.fixed = 0
                result.problems.append(InputProblem(shown, 1, 1, str(err)))
    except KeyboardInterrupt:
        _exit_interrupted("interrupted while writing fixes: each file is either fixed or unchanged, "
                          "and no temporary file is left")
    result.problems.sort(key=InputProblem.sort_key)


def _render(paths, helm_chart, values_files, set_values, release, helm_namespace, kustomize_dir,
            fixing: bool) -> tuple[bytes, str] | None:
    """``--helm``/``--kustomize``: the rendered stream and the name to show for it; None when
    plain paths are checked. A tool that is missing or fails is an input error (exit 2)."""
    if not (helm_chart or kustomize_dir or values_files or set_values or release or helm_namespace):
        return None  # plain paths: no need to load the rendering code
    from probelint import render

    sources = [name for name, given in (("PATH", paths), ("--helm", helm_chart), ("--kustomize", kustomize_dir)) if given]
    if len(sources) > 1:
        raise click.UsageError(f"{' and '.join(sources)} cannot be combined: check one chart, one overlay or paths")
    if not helm_chart and (values_files or set_values or release or helm_namespace):
        raise click.UsageError("-f/--values, --set, --release and --helm-namespace need --helm CHART_DIR")
    if not sources or sources == ["PATH"]:
        return None
    if fixing:
        raise click.UsageError("--fix and --diff do not apply to --helm or --kustomize: rendered output is not "
                               "edited; fix the chart or the overlay")
    try:
        if helm_chart:
            return render.helm_template(helm_chart, values_files, set_values, release or "release", helm_namespace)
        return render.kustomize_build(kustomize_dir)
    except render.RenderError as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(EXIT_ERROR)


@main.command("timing")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable).")
@click.option("--stdin-filename", metavar="NAME", help="Name to show for input read from '-'.")
@click.option("--kube-version", metavar="X.Y", help="Target Kubernetes version.")
@click.option("--namespace", metavar="NS", help="Namespace of objects that set none [default: default].")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Configuration file.")
@click.option("--no-config", is_flag=True, help="Ignore configuration files.")
@profile_options
def timing_command(paths, fmt, exclude, stdin_filename, kube_version, namespace, config_file, no_config, **profile_flags) -> None:
    """Show what each probe does over time: detection, removal, startup and stall windows."""
    from probelint import timing_report
    from probelint.linter import Linter
    from probelint.settings import SelectionError, parse_kube_version

    settings = load_settings(config_file, no_config)
    try:
        if kube_version:
            settings.kube_version = parse_kube_version(kube_version)
            settings.kube_version_explicit = True
        if namespace:
            settings.namespace = namespace
        settings.exclude += tuple(exclude)
        apply_profile_flags(settings, profile_flags)
        linter = Linter(settings, keep_workloads=True)
    except (SelectionError, ValueError) as err:
        raise click.UsageError(str(err)) from None
    inputs = paths or (".",)
    stdin = sys.stdin.buffer.read() if "-" in inputs else None
    result = linter.lint_paths(inputs, stdin=stdin, stdin_name=stdin_filename or "-")
    if fmt == "json":
        click.echo(timing_report.render_json(result), nl=False)
    else:
        from probelint.report import text

        click.echo(timing_report.render_text(result), nl=False)
        for problem in result.problems:
            click.echo(text.problem_line(problem), err=True)
    sys.exit(EXIT_ERROR if result.has_input_errors else EXIT_OK)


def _port(value: str | None) -> int | str | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


@main.command("suggest")
@click.option("--protocol", type=click.Choice(["http", "grpc", "tcp", "exec"]), default="http", show_default=True,
              help="How the probes reach the service.")
@click.option("--port", metavar="PORT", help="Port number or container port name.")
@click.option("--liveness-path", default="/livez", show_default=True, help="HTTP path of the process-local health check.")
@click.option("--readiness-path", default="/readyz", show_default=True, help="HTTP path of the readiness check.")
@click.option("--startup-path", help="HTTP path for the startup probe [default: the liveness path].")
@click.option("--grpc-service", default="", help="gRPC health service name.")
@click.option("--command", "command", metavar="CMD", help="Command of an exec probe (shell words).")
@click.option("--scheme", type=click.Choice(["HTTP", "HTTPS"], case_sensitive=False), default="HTTP", show_default=True)
@click.option("--kube-version", metavar="X.Y", help="Target Kubernetes version (gRPC probes, preStop sleep).")
@click.option("--no-startup", is_flag=True, help="Omit the startup probe when the liveness probe alone covers startup.")
@click.option("--service", metavar="NAME", help="The service's entry in --profile.")
@click.option("--format", "fmt", type=click.Choice(["yaml", "json", "patch", "helm-values"]), default="yaml", show_default=True)
@click.option("--workload", metavar="KIND/NAME", help="Workload for --format patch and --apply.")
@click.option("--container", metavar="NAME", help="Container for --format patch and --apply.")
@click.option("--apply", "apply_to", metavar="FILE", type=click.Path(dir_okay=False), help="Write the blocks into FILE.")
@click.option("--force", is_flag=True, help="With --apply: replace existing probe blocks.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Configuration file.")
@click.option("--no-config", is_flag=True, help="Ignore configuration files.")
@profile_options
def suggest_command(protocol, port, liveness_path, readiness_path, startup_path, grpc_service, command, scheme,
                    kube_version, no_startup, service, fmt, workload, container, apply_to, force, config_file,
                    no_config, **profile_flags) -> None:
    """Recommended probes from a service profile (--p99 4s --startup-max 90s ...), with reasons."""
    import shlex

    from probelint import suggest_output
    from probelint.settings import parse_kube_version
    from probelint.suggest import Endpoint, Inputs, SuggestError, suggest

    settings = load_settings(config_file, no_config)
    apply_profile_flags(settings, profile_flags)
    figures = {}
    if settings.profile_file is not None:
        entries = {e.service: e for e in settings.profile_file.entries}
        if service is None and len(entries) == 1:
            service = next(iter(entries))
        if service not in entries:
            known = ", ".join(sorted(entries)) or "none"
            raise click.UsageError(f"--service NAME chooses the profile entry (in {settings.profile_file.path}: {known})")
        figures.update(entries[service].values)
    elif service:
        raise click.UsageError("--service needs --profile FILE")
    figures.update({name: value.value for name, value in settings.profile_defaults.items()})
    try:
        version = parse_kube_version(kube_version) if kube_version else settings.kube_version
        known = {name: figures[name] for name in ("p99", "p50", "p999", "startup_p99", "startup_max", "stall_max", "drain")
                 if name in figures}
        inputs = Inputs(**known, **{name: figures[name] for name in ("propagation", "restart_budget", "unready_budget")
                                    if name in figures}, kube_version=version, no_startup=no_startup)
        endpoint = Endpoint(protocol, _port(port), liveness_path, readiness_path, startup_path, grpc_service,
                            tuple(shlex.split(command)) if command else (), scheme.upper())
        suggestion = suggest(inputs, endpoint)
    except (SuggestError, ValueError) as err:
        click.echo(f"error: {err}", err=True)
        sys.exit(EXIT_ERROR)
    if apply_to:
        from probelint.suggest_apply import ApplyError, apply

        if not container:
            raise click.UsageError("--apply needs --container NAME")
        try:
            applied = apply(apply_to, suggestion, container, workload, force)
        except ApplyError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(EXIT_ERROR)
        for what in applied.changed:
            click.echo(f"{apply_to}: wrote {what}")
        for what in applied.kept:
            click.echo(f"{apply_to}: kept {what}")
        return
    if fmt == "json":
        click.echo(suggest_output.render_json(suggestion), nl=False)
    elif fmt == "helm-values":
        click.echo(suggest_output.render_helm_values(suggestion), nl=False)
    elif fmt == "patch":
        if not workload or not container:
            raise click.UsageError("--format patch needs --workload KIND/NAME and --container NAME")
        try:
            click.echo(suggest_output.render_patch(suggestion, workload, container), nl=False)
        except ValueError as err:
            raise click.UsageError(str(err)) from None
    else:
        click.echo(suggest_output.render_yaml(suggestion), nl=False)


@main.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(fmt: str) -> None:
    """List every rule: code, name, level, fixable, summary."""
    from probelint.rules import RULES

    if fmt == "json":
        import json

        click.echo(json.dumps([
            {"code": r.code, "name": r.name, "level": r.level_text, "enabled": r.enabled_by_default,
             "fix": r.fix, "summary": r.summary} for r in RULES], indent=2))
        return
    name_width = max(len(r.name) for r in RULES)
    level_width = max(len(r.level_text) for r in RULES)
    click.echo(f"{'code':<6} {'name':<{name_width}} {'level':<{level_width}} {'fix':<9} summary")
    for r in RULES:
        summary = r.summary + ("" if r.enabled_by_default else " (off by default)")
        click.echo(f"{r.code:<6} {r.name:<{name_width}} {r.level_text:<{level_width}} {r.fix:<9} {summary}")


@main.command("rule")
@click.argument("ref")
def rule_command(ref: str) -> None:
    """Print the documentation of one rule, by code (PL201) or name."""
    from probelint import docs
    from probelint import rules as registry

    try:
        module = registry.get(ref)
    except KeyError as err:
        raise click.UsageError(str(err.args[0])) from None
    click.echo(docs.render(module), nl=False)


class _LazyCommand(click.Command):
    """A subcommand imported only when it runs or shows its help (``module:attribute``), so
    that ``probelint check`` never loads it (``measure`` brings sockets, TLS and threads)."""

    def __init__(self, name: str, target: str, short_help: str) -> None:
        super().__init__(name, short_help=short_help, help=short_help)
        self._target = target

    def make_context(self, info_name, args, parent=None, **extra):
        import importlib

        module, _, attribute = self._target.partition(":")
        return getattr(importlib.import_module(module), attribute).make_context(info_name, args, parent, **extra)


main.add_command(_LazyCommand("measure", "probelint.measure.command:measure",
                              "Measure health-endpoint latency and startup time, and write a service profile."))


if __name__ == "__main__":
    main()
