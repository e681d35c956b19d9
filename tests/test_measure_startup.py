"""Startup measurement with real processes: a server healthy after a known delay, a command
that never becomes healthy or exits early, and the process group always cleaned up (also on
Ctrl-C and SIGTERM to probelint)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from probelint.measure.clients import make_client
from probelint.measure.startup import StartupError, measure, one_run
from probelint.measure.target import parse_target
from tests.measure_servers import free_port, http_server

ROOT = Path(__file__).resolve().parent.parent

SERVER = """\
import http.server, sys, time
time.sleep(float(sys.argv[2]))

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def prober(url: str):
    target = parse_target(url)

    def probe(seconds: float):
        client = make_client(target, seconds)
        try:
            return client.probe()
        finally:
            client.close()
    return probe


def gone(pid: int) -> bool:
    """No such process, or only a zombie left for its new parent to reap."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def wait_gone(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if gone(pid):
            return True
        time.sleep(0.05)
    return gone(pid)


def test_a_server_healthy_after_a_known_delay(tmp_path) -> None:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    port = free_port()
    pids = []
    runs = measure([sys.executable, str(script), str(port), "0.5"], prober(f"http://127.0.0.1:{port}/"), 2, 30.0,
                   on_run=lambda _i, run: pids.append(run.pid))
    assert [run.healthy for run in runs] == [True, True]
    assert all(run.seconds >= 0.5 for run in runs)  # not healthy before it listens
    assert all(run.polls >= 2 for run in runs)  # polled every 100 ms while it slept
    assert all(wait_gone(pid) for pid in pids)


def test_a_command_that_never_becomes_healthy_is_stopped_with_its_children(tmp_path) -> None:
    port = free_port()
    child_file, leader_file = tmp_path / "child.pid", tmp_path / "leader.pid"
    command = ["sh", "-c", f'sleep 60 & echo $! > {child_file}; echo $$ > {leader_file}; wait']
    run = one_run(command, prober(f"tcp://127.0.0.1:{port}"), timeout=1.0)
    assert not run.healthy
    assert run.reason == "no successful probe within 1s"
    leader, child = int(leader_file.read_text()), int(child_file.read_text())
    assert leader == run.pid
    assert wait_gone(leader) and wait_gone(child)


def test_a_group_that_ignores_sigterm_is_killed(tmp_path) -> None:
    port = free_port()
    pid_file = tmp_path / "pid"
    command = ["sh", "-c", f'trap "" TERM; echo $$ > {pid_file}; while :; do sleep 0.1; done']
    run = one_run(command, prober(f"tcp://127.0.0.1:{port}"), timeout=0.5, grace=0.5)
    assert not run.healthy
    assert wait_gone(int(pid_file.read_text()))


def test_a_command_that_exits_is_reported_with_its_last_error_line() -> None:
    run = one_run(["sh", "-c", "echo 'bind: address in use' >&2; exit 3"], prober(f"tcp://127.0.0.1:{free_port()}"),
                  timeout=10.0)
    assert not run.healthy
    assert run.reason.startswith("exited with code 3 after ")
    assert run.reason.endswith(": bind: address in use")


def test_a_command_that_cannot_start() -> None:
    with pytest.raises(StartupError, match="cannot start 'no-such-command-here'"):
        one_run(["no-such-command-here"], prober(f"tcp://127.0.0.1:{free_port()}"), timeout=1.0)


def test_an_endpoint_that_already_answers_is_refused() -> None:
    with http_server() as (_server, url), pytest.raises(StartupError, match="already answers before the command"):
        measure(["true"], prober(url), 1, 5.0)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupting_probelint_stops_the_process_group(tmp_path, sig) -> None:
    pid_file = tmp_path / "pid"
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "probelint", "measure", "--startup", f"tcp://127.0.0.1:{port}", "--",
         "sh", "-c", f"echo $$ > {pid_file}; sleep 60"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.05)
        pid = int(pid_file.read_text())
        os.kill(process.pid, sig)
        _out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert "interrupted: the command's process group was stopped" in err
    assert wait_gone(pid)
