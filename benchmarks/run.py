"""Measure probelint against fixed floors and report each figure with its target.

Absolute seconds depend on the machine, so every timing is a ratio to something run on the
same machine in the same session: ``probelint check`` against composing the same files with
libyaml and nothing else (``floor.py``), the start-up of a one-file check against
``python -c "import yaml"``, ``-j N`` against ``-j 1``, and checkov's probe checks against
probelint. Peak memory is compared across corpus sizes: a checker that streams its input
needs about the same memory for fifty times the input (the target allows four times).

How it measures:

- Wall time: each command runs as a subprocess; the best of K repetitions counts (``--repeat``,
  default 3), since noise only ever adds time.
- Peak RSS: every run goes through a fresh wrapper process that starts the command, waits for
  it and reads ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` — the peak resident set of
  that one command, since the wrapper has no other child. The wrapper also takes the wall time
  around the command alone, so its own start-up is never counted. The figure reported is the
  highest peak over the repetitions. ``ru_maxrss`` covers the waited-for descendants too, but
  as the largest single process, not their sum: when probelint checks in several worker
  processes it is the largest worker's (or the parent's) peak.
- Corpora come from ``generate.py`` (seeded, so byte-identical on every run) and are cached
  under ``benchmarks/.corpus/`` in a directory named after the size, the seed and a hash of the
  generator, so a changed generator never reuses stale files.
- Every command runs in the repository root, so ``python -m probelint`` measures this checkout,
  and probelint runs with ``--no-config``, so no configuration file changes what is measured.
  Paths are absolute. ``check`` runs with probelint's default job count, as a user runs it.
- probelint's sources are hashed before and after: when they changed during the run, the
  figures mix two versions, and the run says so and exits 1.

    python benchmarks/run.py [--full] [--repeat K] [--probelint CMD] [--json FILE]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent  # commands run here, so that ``python -m probelint`` is this checkout's probelint
sys.path.insert(0, str(HERE))

import generate  # a sibling script, not an installed package

DEFAULT_CORPUS_DIR = HERE / ".corpus"
DEFAULT_JSON = HERE / "results.json"
CHECKOV_PROBE_CHECKS = "CKV_K8S_8,CKV_K8S_9"  # Liveness / Readiness Probe Should be Configured

# Runs the command given as JSON in argv[1] and prints its wall time and peak RSS as JSON.
WRAPPER = r"""
import json, resource, subprocess, sys, time
command = json.loads(sys.argv[1])
start = time.perf_counter()
proc = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=sys.argv[2])
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": wall, "max_rss_kib": usage.ru_maxrss, "returncode": proc.returncode,
                  "stderr": proc.stderr[-4000:].decode("utf-8", "replace")}))
"""


@dataclass
class Run:
    """Every repetition of one command."""

    label: str
    command: list[str]
    ok_codes: tuple[int, ...]
    seconds: list[float] = field(default_factory=list)
    max_rss_kib: list[int] = field(default_factory=list)
    returncodes: list[int] = field(default_factory=list)
    error: str | None = None

    @property
    def best(self) -> float | None:
        return min(self.seconds) if self.seconds and not self.error else None

    @property
    def peak_rss_kib(self) -> int | None:
        return max(self.max_rss_kib) if self.max_rss_kib and not self.error else None

    def as_json(self) -> dict:
        return {"command": self.command, "seconds": self.seconds, "best_seconds": self.best,
                "max_rss_kib": self.max_rss_kib, "peak_rss_kib": self.peak_rss_kib,
                "returncodes": self.returncodes, "error": self.error}


@dataclass
class Measure:
    id: str
    measure: str
    value: float | None
    unit: str              # "x" (a ratio) or "MiB"
    target: str            # e.g. "<= 1.5x"; "" when the figure is for information
    result: str            # pass, fail, info, skipped, not available, error
    note: str = ""

    def as_json(self) -> dict:
        return {"id": self.id, "measure": self.measure, "value": self.value, "unit": self.unit,
                "target": self.target, "result": self.result, "note": self.note}


def checkout_state() -> dict:
    """The commit of this checkout and a digest of probelint's sources, to tell which code was measured."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "probelint").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                                check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {"commit": commit, "sources_sha256": digest.hexdigest()}


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.checkout_before = checkout_state()
        self.checkout_after: dict | None = None
        self.probelint = shlex.split(args.probelint) if args.probelint else [sys.executable, "-m", "probelint"]
        self.corpus_dir: Path = args.corpus_dir.resolve()
        self.runs: dict[str, Run] = {}
        self.measures: list[Measure] = []

    # -- running ----------------------------------------------------------------------------
    def measure(self, label: str, command: list[str], ok_codes: tuple[int, ...] = (0,)) -> Run:
        run = Run(label, command, ok_codes)
        self.runs[label] = run
        for rep in range(self.args.repeat):
            print(f"  {label} ({rep + 1}/{self.args.repeat})", file=sys.stderr, flush=True)
            proc = subprocess.run([sys.executable, "-c", WRAPPER, json.dumps(command), str(ROOT)],
                                  check=False, capture_output=True, text=True)
            if proc.returncode != 0:
                run.error = f"wrapper failed: {proc.stderr.strip()[-500:]}"
                break
            data = json.loads(proc.stdout)
            run.returncodes.append(data["returncode"])
            if data["returncode"] not in ok_codes:
                run.error = f"exit code {data['returncode']}: {data['stderr'].strip()[-500:]}"
                break
            run.seconds.append(data["seconds"])
            run.max_rss_kib.append(data["max_rss_kib"])
        return run

    def check_command(self, directory: Path, *extra: str) -> list[str]:
        return [*self.probelint, "check", "--no-config", "--select", "ALL", *extra, str(directory)]

    def corpus(self, objects: int) -> Path:
        """The corpus of ``objects`` objects, generated once and then reused."""
        digest = hashlib.sha256((HERE / "generate.py").read_bytes()).hexdigest()[:10]
        target = self.corpus_dir / f"seed{self.args.seed}-{objects}-{digest}"
        if not target.is_dir():
            print(f"generating {objects} objects into {target}", file=sys.stderr, flush=True)
            self.corpus_dir.mkdir(parents=True, exist_ok=True)
            for stale in self.corpus_dir.glob(f"seed{self.args.seed}-{objects}-*"):
                shutil.rmtree(stale)  # made by an older generator: never read again
            staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.corpus_dir))
            generate.write(generate.generate(objects, self.args.seed), staging)
            staging.rename(target)  # atomic: an interrupted run leaves no half-written corpus
        return target

    def clean_file(self) -> Path:
        path = self.corpus_dir / f"clean-seed{self.args.seed}" / "clean.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = generate.clean_manifest(self.args.seed)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        return path

    # -- the measures -------------------------------------------------------------------------
    def ratio(self, id: str, measure: str, slow: Run, fast: Run, limit: float, at_most: bool) -> Measure:
        """``slow / fast``; the target is ``<= limit`` (at_most) or ``>= limit``."""
        target = f"{'<=' if at_most else '>='} {limit:g}x"
        if slow.best is None or fast.best is None:
            failed = slow if slow.best is None else fast
            return self.add(Measure(id, measure, None, "x", target, "error", f"{failed.label}: {failed.error}"))
        value = slow.best / fast.best
        passed = value <= limit if at_most else value >= limit
        note = f"{slow.label} {slow.best:.3f}s / {fast.label} {fast.best:.3f}s"
        return self.add(Measure(id, measure, value, "x", target, "pass" if passed else "fail", note))

    def add(self, measure: Measure) -> Measure:
        self.measures.append(measure)
        return measure

    def check_vs_floor(self, role: str, objects: int) -> Run:
        directory = self.corpus(objects)
        floor = self.measure(f"floor {objects}", [sys.executable, str(HERE / "floor.py"), str(directory)])
        check = self.measure(f"check {objects}", self.check_command(directory), ok_codes=(0, 1))
        self.ratio(f"check_vs_floor_{role}", f"check --select ALL / floor, {objects} objects", check, floor, 1.5, True)
        return check

    def run(self) -> None:
        sizes = {"small": self.args.objects_small, "large": self.args.objects_large}
        if self.args.full:
            sizes["full"] = self.args.objects_full
        checks = {role: self.check_vs_floor(role, objects) for role, objects in sizes.items()}
        if not self.args.full:
            self.add(Measure("check_vs_floor_full", f"check --select ALL / floor, {self.args.objects_full} objects",
                             None, "x", "<= 1.5x", "skipped", "needs --full"))

        clean = self.clean_file()
        startup = self.measure("check clean file", [*self.probelint, "check", "--no-config", str(clean)])
        import_yaml = self.measure("import yaml", [sys.executable, "-c", "import yaml"])
        self.ratio("clean_file_vs_import_yaml", "check one clean file / python -c 'import yaml'",
                   startup, import_yaml, 2.0, True)

        for role, objects in sizes.items():
            rss = checks[role].peak_rss_kib
            self.add(Measure(f"rss_{role}", f"peak RSS of check, {objects} objects",
                             None if rss is None else rss / 1024, "MiB", "", "info" if rss is not None else "error"))
        small, large = checks["small"].peak_rss_kib, checks["large"].peak_rss_kib
        if small and large:
            self.add(Measure("rss_large_vs_small", f"peak RSS {sizes['large']} / {sizes['small']} objects",
                             large / small, "x", "", "info"))
        if "full" in checks and small and checks["full"].peak_rss_kib:
            value = checks["full"].peak_rss_kib / small
            self.add(Measure("rss_full_vs_small", f"peak RSS {sizes['full']} / {sizes['small']} objects",
                             value, "x", "<= 4x", "pass" if value <= 4 else "fail"))
        else:
            self.add(Measure("rss_full_vs_small", f"peak RSS {self.args.objects_full} / {sizes['small']} objects",
                             None, "x", "<= 4x", "skipped" if not self.args.full else "error",
                             "needs --full" if not self.args.full else "a run failed"))

        self.jobs(sizes["large"])
        self.checkov(sizes["small"], checks["small"])
        self.checkout_after = checkout_state()

    @property
    def sources_changed(self) -> bool:
        """probelint's sources changed while it was being measured: the figures mix two versions."""
        return self.checkout_after is not None and self.checkout_after != self.checkout_before

    def jobs(self, objects: int) -> None:
        name = f"check -j {self.args.jobs} / -j 1 speed-up, {objects} objects"
        target = ">= 1.6x"
        help_text = subprocess.run([*self.probelint, "check", "--help"], check=False, capture_output=True,
                                   text=True, cwd=ROOT).stdout
        if "--jobs" not in help_text:
            self.add(Measure("jobs_speedup", name, None, "x", target, "not available",
                             "probelint check --help lists no --jobs"))
            return
        directory = self.corpus(objects)
        one = self.measure(f"check -j 1 {objects}", self.check_command(directory, "--jobs", "1"), ok_codes=(0, 1))
        many = self.measure(f"check -j {self.args.jobs} {objects}",
                            self.check_command(directory, "--jobs", str(self.args.jobs)), ok_codes=(0, 1))
        self.ratio("jobs_speedup", name, one, many, 1.6, False)

    def checkov(self, objects: int, check: Run) -> None:
        name = f"checkov probe checks / probelint check, {objects} objects"
        target = ">= 20x"
        checkov = shutil.which("checkov")
        if checkov is None:
            self.add(Measure("checkov_speedup", name, None, "x", target, "skipped", "checkov is not on PATH"))
            return
        # checkov skips directories whose name starts with a dot, such as the corpus cache: it
        # reads a copy. The corpus has workloads without a probe, so a checkov that read it
        # exits 1; exit 0 would mean it read nothing, and the run is an error then.
        with tempfile.TemporaryDirectory(prefix="probelint-checkov-") as scratch:
            directory = Path(scratch) / "corpus"
            shutil.copytree(self.corpus(objects), directory)
            run = self.measure(f"checkov {objects}", [checkov, "-d", str(directory), "--framework", "kubernetes",
                                                      "--check", CHECKOV_PROBE_CHECKS, "--quiet", "--compact"],
                               ok_codes=(1,))
        self.ratio("checkov_speedup", name, run, check, 20, False)

    # -- reporting ----------------------------------------------------------------------------
    def table(self) -> str:
        rows = [("measure", "value", "target", "result")]
        for m in self.measures:
            if m.value is None:
                value = "-"
            elif m.unit == "MiB":
                value = f"{m.value:.1f} MiB"
            else:
                value = f"{m.value:.2f}x"
            rows.append((m.measure, value, m.target or "-", m.result if not m.note or m.value is not None
                         else f"{m.result} ({m.note})"))
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * width for width in widths))
        return "\n".join(lines)

    def as_json(self) -> dict:
        return {
            "format": 1,
            "environment": {"python": platform.python_version(), "implementation": platform.python_implementation(),
                            "platform": platform.platform(), "cpus": os.cpu_count()},
            "checkout": {**self.checkout_before, "changed_during_run": self.sources_changed},
            "settings": {
                "repeat": self.args.repeat, "seed": self.args.seed, "full": self.args.full,
                "objects": {"small": self.args.objects_small, "large": self.args.objects_large,
                            "full": self.args.objects_full},
                "probelint": self.probelint,
                "timing": "wall time of the command alone, best of the repetitions",
                "rss": "getrusage(RUSAGE_CHILDREN).ru_maxrss in a fresh wrapper process per run; highest over the repetitions",
            },
            "measures": [m.as_json() for m in self.measures],
            "runs": {label: run.as_json() for label, run in self.runs.items()},
        }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full", action="store_true", help="also measure the large corpus (--objects-full)")
    parser.add_argument("--quick", action="store_true",
                        help="tiny corpora (50, 100 and 200 objects) and one repetition: checks the harness, not probelint")
    parser.add_argument("--repeat", type=int, default=None, help="repetitions per command; the best counts (default 3)")
    parser.add_argument("--objects-small", type=int, default=None, help="default 1000")
    parser.add_argument("--objects-large", type=int, default=None, help="default 10000")
    parser.add_argument("--objects-full", type=int, default=None, help="default 50000 (only with --full)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--jobs", type=int, default=2, help="N for the -j N / -j 1 comparison (default 2)")
    parser.add_argument("--probelint", metavar="CMD", help="probelint command (default: this Python's -m probelint)")
    parser.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR, help="where corpora are cached")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="results file (default benchmarks/results.json)")
    args = parser.parse_args(argv)
    defaults = (50, 100, 200, 1) if args.quick else (1000, 10000, 50000, 3)
    for name, default in zip(("objects_small", "objects_large", "objects_full", "repeat"), defaults):
        if getattr(args, name) is None:
            setattr(args, name, default)
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    bench = Bench(args)
    bench.run()
    print(bench.table())
    if bench.sources_changed:
        print("\nwarning: probelint's sources changed during the run; the figures mix two versions", file=sys.stderr)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(bench.as_json(), indent=2) + "\n", encoding="utf-8")
    print(f"\nresults written to {args.json}")
    return 1 if bench.sources_changed or any(m.result == "error" for m in bench.measures) else 0


if __name__ == "__main__":
    sys.exit(main())
