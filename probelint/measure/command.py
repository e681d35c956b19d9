"""``probelint measure``: the command line of the measurements; the work is in the sibling modules.

Three modes, chosen by the arguments:

* ``probelint measure URL``: latency of a health endpoint (http, https, tcp, grpc);
* ``probelint measure --startup URL -- COMMAND [ARGS...]``: time from start to healthy;
* ``probelint measure --kubelet-metrics FILE``: latency from a saved kubelet scrape.

Exit codes: 0 measured; 1 nothing usable was measured (no request succeeded, a startup run
never became healthy) or the profile could not be written; 2 usage or input error.
"""
from __future__ import annotations

import sys

import click

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


def _duration(_ctx, param, value):
    from probelint.units import DurationError, parse_duration

    if value is None:
        return None
    try:
        seconds = parse_duration(value)
    except DurationError as err:
        raise click.BadParameter(str(err), param=param) from None
    if seconds <= 0:
        raise click.BadParameter("must be above 0", param=param)
    return seconds


def _headers(values: tuple[str, ...]) -> dict[str, str]:
    headers = {}
    for value in values:
        name, colon, content = value.partition(":")
        if not colon or not name.strip():
            raise click.BadParameter(f"{value!r} is not 'Name: value'", param_hint="--header")
        headers[name.strip()] = content.strip()
    return headers


def _fail(message: str, code: int = EXIT_ERROR) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


@click.command("measure", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("args", nargs=-1, metavar="[URL | -- COMMAND [ARGS]...]")
@click.option("-n", "--requests", type=click.IntRange(min=1), default=500, show_default=True,
              help="Number of probes to send.")
@click.option("-c", "--concurrency", type=click.IntRange(min=1), default=1, show_default=True,
              help="Probes in flight at once (the kubelet sends one at a time per container).")
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), metavar="PER_SECOND",
              help="Pace the probes to this many per second in total [default: as fast as they complete].")
@click.option("--timeout", default="10s", show_default=True, callback=_duration, metavar="DURATION",
              help="Give up on a probe after this long (counted as a timeout).")
@click.option("--header", "headers", multiple=True, metavar="'NAME: VALUE'", help="HTTP header to send (repeatable).")
@click.option("--insecure", is_flag=True, help="https: do not verify the certificate (the kubelet never does).")
@click.option("--keep-alive", is_flag=True,
              help="Reuse one connection per worker, to compare with the kubelet's new connection per probe.")
@click.option("--startup", "startup_url", metavar="URL",
              help="Measure startup: run COMMAND (after --) and poll URL every 100ms until it answers.")
@click.option("--runs", type=click.IntRange(min=1), default=5, show_default=True, help="With --startup: how many starts.")
@click.option("--startup-timeout", default="5m", show_default=True, callback=_duration, metavar="DURATION",
              help="With --startup: a run not healthy after this long is reported as never healthy.")
@click.option("--kubelet-metrics", "metrics_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Read latency from a saved kubelet /metrics/probes scrape instead of measuring.")
@click.option("--group-by", type=click.Choice(["pod", "workload"]), default="pod", show_default=True,
              help="With --kubelet-metrics: one result per pod, or add up the pods of a workload.")
@click.option("--probe-type", type=click.Choice(["liveness", "readiness", "startup"], case_sensitive=False),
              default="liveness", show_default=True,
              help="With --kubelet-metrics and --profile-out: the probes whose latency goes into the profile.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format (json: schemas/measure.schema.json).")
@click.option("--profile-out", metavar="FILE", type=click.Path(dir_okay=False),
              help="Write the figures into this profile file (created if missing; the rest of it is kept byte for byte).")
@click.option("--service", metavar="NAME",
              help="The profile entry to write (with --kubelet-metrics: default one entry per namespace/pod/container).")
def measure(args, requests, concurrency, rate, timeout, headers, insecure, keep_alive, startup_url, runs,
            startup_timeout, metrics_file, group_by, probe_type, fmt, profile_out, service) -> None:
    """Measure health-endpoint latency and startup time, and write them to a service profile.

    \b
    probelint measure http://127.0.0.1:8080/livez           latency, p99, P(probe fails)
    probelint measure tcp://127.0.0.1:5432 -n 200
    probelint measure grpc://127.0.0.1:9090/my.Service      needs probelint[grpc]
    probelint measure --startup http://127.0.0.1:8080/livez -- ./server --port 8080
    probelint measure --kubelet-metrics probes.prom
    ... --profile-out probelint-profile.yaml --service checkout
    """
    if profile_out and not service and not metrics_file:
        raise click.UsageError("--profile-out needs --service NAME (the entry to write)")
    if service and not profile_out:
        raise click.UsageError("--service names the entry --profile-out writes; give --profile-out FILE")
    if metrics_file:
        if args or startup_url:
            raise click.UsageError("--kubelet-metrics reads a file: give no URL, --startup or command")
        _kubelet(metrics_file, group_by, probe_type, fmt, profile_out, service)
        return
    from probelint.measure.target import TargetError, parse_target

    if startup_url:
        if not args:
            raise click.UsageError("--startup URL needs the command to start: probelint measure --startup URL -- COMMAND [ARGS]...")
        try:
            target = parse_target(startup_url)
        except TargetError as err:
            raise click.BadParameter(str(err), param_hint="--startup") from None
        _startup(target, list(args), runs, startup_timeout, headers, insecure, fmt, profile_out, service)
        return
    if len(args) != 1:
        raise click.UsageError("give one URL to measure (http://, https://, tcp://, grpc://), "
                               "--startup URL -- COMMAND, or --kubelet-metrics FILE")
    try:
        target = parse_target(args[0])
    except TargetError as err:
        raise click.BadParameter(str(err), param_hint="URL") from None
    if keep_alive and target.scheme == "tcp":
        raise click.UsageError("--keep-alive applies to http, https and grpc: a TCP probe is only a connect")
    _latency(target, requests, concurrency, rate, timeout, _headers(headers), insecure, keep_alive, fmt,
             profile_out, service)


def _client_factory(target, timeout, headers, insecure, keep_alive):
    from probelint.measure.clients import ClientError, make_client

    try:
        make_client(target, timeout, headers, insecure, keep_alive).close()  # fail early: missing extra, bad TLS setup
    except ClientError as err:
        _fail(str(err))
    return lambda: make_client(target, timeout, headers, insecure, keep_alive)


def _latency(target, requests, concurrency, rate, timeout, headers, insecure, keep_alive, fmt, profile_out, service):
    from probelint.measure import load, output
    from probelint.measure.stats import summarize

    factory = _client_factory(target, timeout, headers, insecure, keep_alive)
    progress, bar = None, None
    if sys.stderr.isatty():
        bar = click.progressbar(length=requests, label=f"measuring {target.url}", file=sys.stderr)
        bar.__enter__()
        shown = [0]

        def progress(done: int) -> None:
            bar.update(done - shown[0])
            shown[0] = done
    try:
        run = load.drive(factory, requests, concurrency, rate, progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    report = output.latency_report(target, summarize(run.outcomes, timeout), keep_alive=keep_alive,
                                   concurrency=concurrency, rate=rate, timeout=timeout, elapsed=run.elapsed)
    code = EXIT_OK if report["succeeded"] else EXIT_FAILED
    if profile_out:
        from probelint.measure.figures import FigureError, from_latency

        try:
            figures, notes = from_latency(report)
        except FigureError as err:
            _emit(report, fmt, output.render_latency_text)
            _fail(str(err), EXIT_FAILED)
        code = max(code, _write_profile(report, profile_out, [(service, figures, None)], notes))
    _emit(report, fmt, output.render_latency_text)
    sys.exit(code)


def _startup(target, command, runs, startup_timeout, headers, insecure, fmt, profile_out, service):
    from probelint.measure import output, startup
    from probelint.measure.clients import make_client

    headers = _headers(headers)
    _client_factory(target, 1.0, headers, insecure, False)

    def probe(seconds: float):
        client = make_client(target, seconds, headers, insecure, False)
        try:
            return client.probe()
        finally:
            client.close()

    def progress(index: int, run) -> None:
        if sys.stderr.isatty():
            shown = f"{run.seconds:.1f}s" if run.healthy else f"not healthy: {run.reason}"
            click.echo(f"run {index + 1}/{runs}: {shown}", err=True)

    try:
        results = startup.measure(command, probe, runs, startup_timeout, on_run=progress)
    except startup.StartupError as err:
        _fail(str(err))
    except KeyboardInterrupt:
        click.echo("interrupted: the command's process group was stopped", err=True)
        sys.exit(130)
    report = output.startup_report(target, command, results, startup_timeout, startup.POLL_INTERVAL)
    code = EXIT_OK if report["healthy"] == len(results) else EXIT_FAILED
    if profile_out:
        from probelint.measure.figures import FigureError, from_startup

        try:
            figures = from_startup(report)
        except FigureError as err:
            _emit(report, fmt, output.render_startup_text)
            _fail(str(err), EXIT_FAILED)
        code = max(code, _write_profile(report, profile_out, [(service, figures, None)], []))
    _emit(report, fmt, output.render_startup_text)
    sys.exit(code)


def _kubelet(path, group_by, probe_type, fmt, profile_out, service):
    from pathlib import Path

    from probelint.measure import kubelet, output
    from probelint.measure.promtext import ParseError

    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        _fail(f"{path}: cannot read: {getattr(err, 'strerror', None) or err}")
    try:
        series = kubelet.load(text, group_by)
    except (ParseError, kubelet.MetricsError) as err:
        _fail(f"{path}: {err}")
    report = output.kubelet_report(path, group_by, [kubelet.summary(entry) for entry in series])
    code = EXIT_OK
    if profile_out:
        from probelint.measure.figures import from_kubelet

        wanted = probe_type.capitalize()
        chosen = [entry for entry in report["series"] if entry["probe_type"] == wanted]
        if service and len(chosen) != 1:
            keys = ", ".join(f"{e['namespace']}/{e['pod']}/{e['container']}" for e in chosen) or "none"
            _fail(f"--service {service} names one entry, but the scrape has {len(chosen)} containers with "
                  f"{wanted} probes ({keys}); leave out --service to write one entry per container")
        entries, notes = [], []
        for entry in chosen:
            key = f"{entry['namespace']}/{entry['pod']}/{entry['container']}"
            figures, reason = from_kubelet(entry)
            if reason:
                notes.append(f"{key} not written: {reason}")
                continue
            name = entry["pod"] if group_by == "workload" else kubelet.workload_of(entry["pod"])[0]
            match = {"namespace": entry["namespace"], "name": name, "container": entry["container"]}
            entries.append((service or key, figures, match))
        if not entries:
            _emit(report, fmt, output.render_kubelet_text)
            _fail(f"profile not written: no {wanted} series with a known p99" + (f" ({'; '.join(notes)})" if notes else ""),
                  EXIT_FAILED)
        code = _write_profile(report, profile_out, entries, notes)
    _emit(report, fmt, output.render_kubelet_text)
    sys.exit(code)


def _write_profile(report: dict, path: str, entries, notes: list[str]) -> int:
    from probelint.measure.profile_out import ProfileWriteError, update_file

    try:
        result = update_file(path, entries)
    except ProfileWriteError as err:
        click.echo(f"error: {err}", err=True)
        return EXIT_FAILED
    report["profile"] = {"file": path, "result": result, "skipped": notes,
                         "entries": [{"service": name, "figures": figures, "match": match}
                                     for name, figures, match in entries]}
    return EXIT_OK


def _emit(report: dict, fmt: str, render_text) -> None:
    from probelint.measure import output

    click.echo(output.render_json(report) if fmt == "json" else render_text(report), nl=False)
