"""Fixes that edit exec probe commands where they are written (``probelint.handler_fixes``).

Block scripts with and without a comment after their ``|``, CRLF files, and the places
``execparse`` records for each word.
"""
from __future__ import annotations

import pytest

from probelint import fix as fixer
from probelint.execparse import parse_exec
from probelint.exectimeouts import inner_timeouts
from probelint.handler_fixes import edited_items, insert_after, limit_edit, value_edit
from tests.conftest import make_settings

POD = """\
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  containers:
    - name: app
      image: example/app:1
      env:
        - name: PASSWORD
          valueFrom: {{secretKeyRef: {{name: app, key: password}}}}
      readinessProbe:
        exec:
          command:
            - sh
            - -c
            - |
{script}
        timeoutSeconds: 5
"""


def pod(script: str) -> str:
    return POD.format(script="\n".join("              " + line if line else "" for line in script.split("\n")))


def fixed(text: str, code: str, unsafe: bool = True) -> str:
    run = fixer.run(("-",), make_settings(select=[code]), unsafe=unsafe, stdin=text.encode(), stdin_name="p.yaml")
    assert not run.problems, run.problems
    state = run.files.get("p.yaml")
    return state.text if state else text


@pytest.mark.parametrize(("code", "before", "after"), [
    ("PL307",
     "# ask the app\nset -e\ncurl -fsS \\\n  http://localhost:8080/ready | grep -q ok",
     "# ask the app\nset -e\ncurl -m 4 -fsS \\\n  http://localhost:8080/ready | grep -q ok"),
    ("PL307",
     "redis-cli ping | grep -q PONG\n",
     "timeout 4 redis-cli ping | grep -q PONG\n"),
    ("PL308",
     "if true; then\n  timeout 30s nc -z localhost 8080\nfi",
     "if true; then\n  timeout 4 nc -z localhost 8080\nfi"),
    ("PL008",
     "mysqladmin ping -p$(PASSWORD) \\\n  --silent  # as root",
     'mysqladmin ping -p"$PASSWORD" \\\n  --silent  # as root'),
])
def test_block_scripts_keep_their_lines(code: str, before: str, after: str) -> None:
    assert fixed(pod(before), code) == pod(after)


def test_crlf_file_keeps_its_line_endings() -> None:
    text = pod("curl -s http://localhost:8080/ready | grep -q ok").replace("\n", "\r\n")
    result = fixed(text, "PL307", unsafe=False)
    assert result == text.replace("curl -s", "curl -m 4 -s")


def test_places_point_at_the_written_words() -> None:
    command = ["sh", "-c", "A=1 timeout '9' curl -m \"10\" http://x | grep ok"]
    cmd = parse_exec(command)[0]
    assert [command[item][start:end] for item, start, end in cmd.places] == [
        "A=1", "timeout", "'9'", "curl", "-m", '"10"', "http://x"]
    assert command[2][cmd.timeout_place[1]:cmd.timeout_place[2]] == "'9'"
    limits = {limit.kind: limit for limit in inner_timeouts(cmd, {}).limits}
    edits = [limit_edit(command, cmd, limits["timeout"], 4), limit_edit(command, cmd, limits["option"], 4)]
    assert edited_items(command, edits) == {2: "A=1 timeout '4' curl -m \"4\" http://x | grep ok"}


def test_no_places_inside_nested_scripts_or_backquotes() -> None:
    for command in (["sh", "-c", "sh -c 'curl -m 10 x'"], ["sh", "-c", "echo `curl -m 10 x`"]):
        curl = next(cmd for cmd in parse_exec(command) if cmd.program == "curl")
        assert curl.places == () and curl.written == ()


def test_direct_command_places_are_whole_items() -> None:
    command = ["timeout", "5", "grpc_health_probe", "-addr=:9090", "-rpc-timeout=5s"]
    cmd = parse_exec(command)[0]
    assert cmd.places == ((0, 0, 7), (1, 0, 1), (2, 0, 17), (3, 0, 11), (4, 0, 15))
    assert cmd.timeout_place == (1, 0, 1)


def test_edits_refuse_what_they_cannot_write_exactly() -> None:
    assert value_edit(["curl -m 1$x"], (0, 5, 11), "10", "4") is None
    assert edited_items(["abc"], [insert_after((0, 0, 2), "x"), insert_after((0, 0, 1), "y")]) == {0: "aybxc"}
    overlapping = [value_edit(["abc"], (0, 0, 3), "bc", "X"), value_edit(["abc"], (0, 0, 3), "c", "Y")]
    assert edited_items(["abc"], overlapping) is None
