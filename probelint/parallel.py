"""``-j N``: lint files in N processes with exactly the output of one.

Files are split into N groups of about equal size. Each worker reads, parses and checks its
group with the container and workload rules, then reports the Services it found. The rules
that need every Service (PL101's escalation, PL401-PL404, PL503...) run only after each worker
has received the whole Service list, in the order one process would have built it, so the
findings and messages are the same as with ``-j 1``. Workers send back findings without the
node references of their fixes (the linter drops them unless ``--fix`` asks for them, and
``--fix`` runs in one process).
"""
from __future__ import annotations

import os

from probelint.linter import Linter, LintResult
from probelint.model import Finding, InputProblem
from probelint.settings import Settings
from probelint.source import STDIN, discover

# Below this much input, starting processes costs more than it saves.
AUTO_MIN_BYTES = 2 * 1024 * 1024
AUTO_MIN_FILES = 64
FINDINGS_PER_MESSAGE = 1000


def auto_jobs(files: list[str]) -> int:
    """All CPUs for a large input, one process for a handful of files."""
    if len(files) < 2:
        return 1
    size = 0
    for path in files:
        try:
            size += os.path.getsize(path)
        except OSError:
            continue
    if size < AUTO_MIN_BYTES and len(files) < AUTO_MIN_FILES:
        return 1
    return max(1, min(os.cpu_count() or 1, len(files)))


def _groups(files: list[str], jobs: int) -> list[list[str]]:
    """Files dealt into ``jobs`` groups, largest first to the lightest group."""
    sizes = {}
    for path in files:
        try:
            sizes[path] = os.path.getsize(path)
        except OSError:
            sizes[path] = 0
    groups: list[list[str]] = [[] for _ in range(jobs)]
    loads = [0] * jobs
    for path in sorted(files, key=sizes.__getitem__, reverse=True):
        lightest = loads.index(min(loads))
        groups[lightest].append(path)
        loads[lightest] += sizes[path] + 1
    return [g for g in groups if g]


def _worker(conn, settings: Settings, files: list[str], keep_sources: bool, keep_fix_edits: bool) -> None:
    """Check ``files``; send the Services found, wait for all of them, finish, send the result."""
    try:
        linter = Linter(settings, keep_sources=keep_sources, keep_fix_edits=keep_fix_edits)
        for path in files:
            linter.lint_file(path)
        linter.replace_services(_exchange_services(conn, linter.services.services))
        result = linter.finish()
        texts = {shown: source.text for shown, (_key, source) in linter.sources.items()}
        findings = result.findings
        conn.send((len(findings), result.problems, (result.files, result.documents, result.workloads), texts))
        # In pieces: one message of every finding would hold all of them pickled at once.
        for start in range(0, len(findings), FINDINGS_PER_MESSAGE):
            conn.send(findings[start:start + FINDINGS_PER_MESSAGE])
    except BaseException as err:  # noqa: BLE001 - reported by the parent, never lost
        conn.send(err)
    finally:
        conn.close()


def _exchange_services(conn, services: list) -> list:
    """Send this process's Services, one pickled blob per file, and return every process's
    Services in the order one process reads them: this process's own objects, and the others'
    unpickled once. One message of every Service would hold them all pickled at once, with the
    pickler's memo of every object, in each process."""
    import pickle

    own: dict[str, list] = {}
    for service in services:
        own.setdefault(service.path, []).append(service)
    conn.send(len(own))
    for path, found in own.items():
        conn.send((path, pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL)))
    order = conn.recv()  # every file with Services, in discovery order
    others: dict[str, list] = {}
    for _ in range(conn.recv()):
        path, blob = conn.recv()
        others[path] = pickle.loads(blob)
    return [service for path in order for service in own.get(path) or others.get(path, ())]


def _received(conn):
    """The next message of a worker; an exception it sent is raised here."""
    reply = conn.recv()
    if isinstance(reply, BaseException):
        raise reply
    return reply


def lint(linter: Linter, paths: tuple[str, ...], jobs: int | None, stdin: bytes | None = None,
         stdin_name: str = "-") -> tuple[LintResult, dict[str, str]]:
    """Lint ``paths`` with ``jobs`` processes (None: decide from the input's size); the result
    and, when the linter keeps sources, the text of each file by shown path.

    Stdin, and runs that keep whole workloads (``probelint timing``, JUnit), use one process.
    """
    settings = linter.settings
    found = discover(tuple(paths), settings.exclude)
    if jobs is None:
        jobs = auto_jobs(found.files)
    if jobs <= 1 or STDIN in found.files or linter.keep_workloads or len(found.files) < 2:
        result = linter.lint_paths(paths, stdin=stdin, stdin_name=stdin_name)
        return result, {shown: source.text for shown, (_key, source) in linter.sources.items()}
    import multiprocessing  # only when more than one process will run

    groups = _groups(found.files, jobs)
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    workers = []
    for group in groups:
        parent, child = context.Pipe()
        process = context.Process(target=_worker, args=(child, settings, group, linter.keep_sources, linter.keep_fix_edits),
                                   daemon=True)
        process.start()
        child.close()
        workers.append((parent, process))
    try:
        # Each file's Services, pickled by the worker that read it, passed on as they are.
        blobs: dict[str, bytes] = {}
        owner: dict[str, int] = {}
        for index, (parent, _process) in enumerate(workers):
            for _ in range(_received(parent)):
                path, blob = _received(parent)
                blobs[path], owner[path] = blob, index
        # The order one process builds: files in discovery order, Services in file order.
        order = [path for path in found.files if path in blobs]
        order += sorted(set(blobs) - set(order))  # a file shown under another name than it was found
        for index, (parent, _process) in enumerate(workers):
            parent.send(order)
            theirs = [path for path in order if owner[path] != index]
            parent.send(len(theirs))
            for path in theirs:
                parent.send((path, blobs[path]))
        del blobs
        result = LintResult(problems=list(found.problems))
        all_texts: dict[str, str] = {}
        for parent, _process in workers:
            count, problems, (files, documents, workloads), texts = _received(parent)
            while count > 0:
                findings = _received(parent)
                result.findings.extend(findings)
                count -= len(findings)
            result.problems.extend(problems)
            result.files += files
            result.documents += documents
            result.workloads += workloads
            all_texts.update(texts)
    finally:
        for parent, process in workers:
            parent.close()
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
    result.findings.sort(key=Finding.sort_key)
    result.problems.sort(key=InputProblem.sort_key)
    linter.result = result
    return result, all_texts
