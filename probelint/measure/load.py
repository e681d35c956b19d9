"""The load driver: ``requests`` probes from ``concurrency`` workers, optionally paced to ``rate``.

Each worker owns its client (so a keep-alive connection is never shared) and takes the next
request number from a shared counter. With a rate, request ``i`` is not sent before
``start + i / rate``, which spreads the requests evenly whatever the concurrency; latency is
measured from when a request is really sent. The main thread only waits, so that Ctrl-C
stops the workers promptly instead of being swallowed by a blocked join.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from probelint.measure.clients import Outcome


@dataclass
class Run:
    outcomes: list[Outcome]
    elapsed: float  # wall time of the whole run, seconds


def drive(make_client: Callable[[], object], requests: int, concurrency: int = 1, rate: float | None = None,
          progress: Callable[[int], None] | None = None) -> Run:
    """Send ``requests`` probes and return their outcomes in completion order.

    ``progress(done)`` is called from the calling thread about ten times a second.
    """
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    stop = threading.Event()
    counter = iter(range(requests))
    failures: list[BaseException] = []
    start = time.perf_counter()

    def worker() -> None:
        client = make_client()
        try:
            while not stop.is_set():
                with lock:
                    index = next(counter, None)
                if index is None:
                    return
                if rate:
                    delay = start + index / rate - time.perf_counter()
                    if delay > 0 and stop.wait(delay):
                        return
                outcome = client.probe()
                with lock:
                    outcomes.append(outcome)
        except BaseException as err:  # noqa: BLE001 - reported by the main thread
            failures.append(err)
            stop.set()
        finally:
            client.close()

    workers = [threading.Thread(target=worker, name=f"probe-{i}", daemon=True) for i in range(max(1, concurrency))]
    for thread in workers:
        thread.start()
    try:
        while any(thread.is_alive() for thread in workers):
            workers[0].join(0.1) if workers[0].is_alive() else time.sleep(0.1)
            if progress is not None:
                progress(len(outcomes))
    except BaseException:
        stop.set()
        for thread in workers:
            thread.join(5)
        raise
    if failures:
        raise failures[0]
    if progress is not None:
        progress(len(outcomes))
    return Run(outcomes, time.perf_counter() - start)
