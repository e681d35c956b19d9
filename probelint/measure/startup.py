"""Startup time: start a command, poll its health endpoint every 100 ms, stop it, repeat.

The command runs in a process group of its own (a new session), so that stopping it also
stops whatever it started (a shell script's server, a ``uvicorn --reload`` worker). The group
is always stopped, whatever happens: success, a run that never becomes healthy, an exception,
Ctrl-C or SIGTERM to probelint (turned into KeyboardInterrupt while runs are in progress).
Stopping sends SIGTERM to the group, waits up to ``grace`` seconds for its leader, then sends
SIGKILL to the group in any case, for members that ignore SIGTERM.

The time recorded is from just before the process is started to the end of the first
successful probe, so it is at most one poll interval (plus one probe) late, as the kubelet's
own view is.
"""
from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from probelint.measure.clients import Outcome

POLL_INTERVAL = 0.1


class StartupError(Exception):
    """The measurement cannot be made (the command cannot start, the endpoint already answers)."""


@dataclass(frozen=True)
class StartupRun:
    seconds: float | None  # time to the first successful probe; None when never healthy
    reason: str | None = None  # why it never became healthy
    polls: int = 0
    pid: int = 0

    @property
    def healthy(self) -> bool:
        return self.seconds is not None


@contextmanager
def sigterm_as_interrupt():
    """While measuring, SIGTERM unwinds like Ctrl-C so that the ``finally`` stopping the
    process group runs. Outside the main thread signals cannot be handled; nothing changes."""
    def handler(_signum, _frame):
        raise KeyboardInterrupt
    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def stop_group(process: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM to the process group, up to ``grace`` seconds for the leader, then SIGKILL to
    the group; the leader is reaped."""
    pgid = process.pid  # start_new_session: the leader's pid is the group id
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        if sig == signal.SIGTERM:
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                pass
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        pass


def _tail(handle, lines: int = 3) -> str:
    handle.seek(0)
    text = handle.read().decode("utf-8", "replace").strip().splitlines()
    return " | ".join(text[-lines:])


def one_run(command: list[str], probe: Callable[[float], Outcome], timeout: float,
            interval: float = POLL_INTERVAL, grace: float = 5.0, on_start: Callable[[int], None] | None = None) -> StartupRun:
    """Start ``command``, poll with ``probe(timeout_seconds)`` until it succeeds, the command
    exits, or ``timeout`` passes; the process group is stopped before returning or raising."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
                                       start_new_session=True)
        except OSError as err:
            raise StartupError(f"cannot start {command[0]!r}: {err.strerror or err}") from None
        polls = 0
        try:
            if on_start is not None:
                on_start(process.pid)
            deadline = start + timeout
            next_poll = start
            while True:
                now = time.perf_counter()
                if now >= deadline:
                    return StartupRun(None, f"no successful probe within {timeout:g}s", polls, process.pid)
                if next_poll > now:
                    time.sleep(min(next_poll, deadline) - now)
                    continue
                code = process.poll()
                if code is not None:
                    tail = _tail(errors)
                    return StartupRun(None, f"exited with code {code} after {time.perf_counter() - start:.1f}s"
                                      + (f": {tail}" if tail else ""), polls, process.pid)
                polls += 1
                outcome = probe(max(0.05, min(1.0, deadline - now)))
                if outcome.ok:
                    return StartupRun(time.perf_counter() - start, None, polls, process.pid)
                next_poll += interval
        finally:
            stop_group(process, grace)


def measure(command: list[str], probe: Callable[[float], Outcome], runs: int, timeout: float,
            interval: float = POLL_INTERVAL, grace: float = 5.0,
            on_run: Callable[[int, StartupRun], None] | None = None) -> list[StartupRun]:
    """``runs`` startups of ``command``. Before each, the endpoint must not answer yet: a server
    left over from elsewhere would make every startup look instant."""
    results = []
    with sigterm_as_interrupt():
        for index in range(runs):
            if probe(1.0).ok:
                raise StartupError("the endpoint already answers before the command is started: "
                                   "stop whatever is serving it first")
            run = one_run(command, probe, timeout, interval, grace)
            results.append(run)
            if on_run is not None:
                on_run(index, run)
    return results
