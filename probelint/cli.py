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


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """Accept both ``--select PL1 --select PL2`` and ``--select PL1,PL2``."""
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def _colour(stream) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="probelint", message="%(prog)s %(version)s")
def main() -> None:
    """Static analysis of Kubernetes liveness, readiness and startup probes."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable).")
@click.option("--stdin-filename", metavar="NAME", help="Name to show for input read from '-'.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report to FILE.")
@click.option("--select", multiple=True, metavar="CODES", help="Rules to enable, replacing the defaults (codes, prefixes such as PL2, names, ALL).")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Rules to enable in addition to the defaults.")
@click.option("--ignore", multiple=True, metavar="CODES", help="Rules to disable.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), help="Lowest level that makes the exit code 1 [default: warning].")
@click.option("--p99", metavar="DURATION", help="Measured p99 latency of the health endpoints (e.g. 4s), for workloads without a probelint.io/p99 annotation.")
@click.option("--kube-version", metavar="X.Y", help="Target Kubernetes version [default: newest schema available].")
@click.option("--namespace", metavar="NS", help="Namespace of objects that set none [default: default].")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Configuration file (default: nearest .probelint.yaml or pyproject.toml).")
@click.option("--no-config", is_flag=True, help="Ignore configuration files.")
@click.option("--quiet", "-q", is_flag=True, help="Print findings only, no summary.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule instead of each finding.")
def check(paths, exclude, stdin_filename, fmt, output, select, extend_select, ignore, fail_on, p99,
          kube_version, namespace, config_file, no_config, quiet, statistics) -> None:
    """Check manifests (files, directories, or '-' for stdin) for probe problems."""
    from probelint import config as configuration
    from probelint.linter import Linter
    from probelint.profile import ProfileValue
    from probelint.settings import SelectionError, Settings, parse_kube_version
    from probelint.units import DurationError, parse_duration

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
        if p99:
            settings.profile_defaults["p99"] = ProfileValue(parse_duration(p99), "--p99")
        linter = Linter(settings)
    except (SelectionError, DurationError, ValueError) as err:
        raise click.UsageError(str(err)) from None

    inputs = paths or (".",)
    stdin = sys.stdin.buffer.read() if "-" in inputs else None
    result = linter.lint_paths(inputs, stdin=stdin, stdin_name=stdin_filename or "-")

    if fmt == "json":
        from probelint.report import json_report

        report = json_report.render(result)
    else:
        from probelint.report import text

        colour = output is None and _colour(sys.stdout)
        report = text.render(result, colour=colour, quiet=quiet, stats=statistics)
        err_colour = _colour(sys.stderr)
        for problem in result.problems:
            click.echo(text.problem_line(problem, err_colour), err=True, color=err_colour)
    if output:
        try:
            Path(output).write_text(report, encoding="utf-8")
        except OSError as err:
            click.echo(f"error: cannot write {output}: {err.strerror}", err=True)
            sys.exit(EXIT_ERROR)
    else:
        click.echo(report, nl=False, color=_colour(sys.stdout))

    if result.has_input_errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if result.failing(settings.fail_on) else EXIT_OK)


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


if __name__ == "__main__":
    main()
