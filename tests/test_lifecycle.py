"""The preStop duration model: sleep action, exec sleeps, what stays unknown, and where it points."""
from __future__ import annotations

import math
import textwrap

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from probelint.lifecycle import (
    has_prestop,
    prestop_duration,
    prestop_handlers,
    script_sleep,
    split_script,
)
from probelint.source import Document, Source, parse
from probelint.workloads import Container, extract, objects
from probelint.yamlnode import node_position


def container(hook: str, name: str = "web") -> Container:
    """The first container of a Deployment whose container has ``hook`` (YAML) as its lifecycle."""
    body = textwrap.indent(textwrap.dedent(hook).strip("\n"), " " * 12)
    text = textwrap.dedent(f"""\
        apiVersion: apps/v1
        kind: Deployment
        metadata: {{name: web}}
        spec:
          template:
            spec:
              containers:
                - name: {name}
                  lifecycle:
        """) + body + "\n"
    doc = next(item for item in parse(Source("t.yaml", text)) if isinstance(item, Document))
    workload = extract(objects(doc)[0], doc, "default")
    assert workload is not None
    return workload.containers[0]


def exec_hook(*command: str) -> Container:
    items = ", ".join(yaml.safe_dump(word, default_style='"').strip() for word in command)
    return container(f"preStop:\n  exec:\n    command: [{items}]")


def seconds(c: Container) -> float | None:
    found = prestop_duration(c)
    return None if found is None else found.seconds


# -- sleep action --------------------------------------------------------------------------------
def test_sleep_action_is_exact_and_points_at_the_seconds_key() -> None:
    c = container("preStop:\n  sleep:\n    seconds: 15")
    found = prestop_duration(c)
    assert found is not None
    assert (found.seconds, found.action, found.exact) == (15, "sleep", True)
    assert found.node.value == "seconds"
    assert found.text == "preStop sleep.seconds is 15"
    assert found.phrase == "the preStop sleep action's 15s"


@pytest.mark.parametrize("value", ['"{{ .Values.sleep }}"', "-1", "null", "[5]", "true"])
def test_unusable_sleep_seconds_are_unknown(value: str) -> None:
    assert prestop_duration(container(f"preStop:\n  sleep:\n    seconds: {value}")) is None


def test_integral_float_seconds_read_as_integer() -> None:
    assert seconds(container("preStop:\n  sleep: {seconds: 5.0}")) == 5


# -- exec: direct argv ---------------------------------------------------------------------------
@pytest.mark.parametrize(("command", "expected"), [
    (["sleep", "5"], 5),
    (["/bin/sleep", "5"], 5),
    (["/usr/bin/sleep", "5s"], 5),
    (["sleep", "1m"], 60),
    (["sleep", "1m", "30s"], 90),  # GNU sleep adds its operands
    (["sleep", "0.5"], 0.5),
    (["sleep", "--", "7"], 7),
    (["busybox", "sleep", "5"], 5),
    (["timeout", "3", "sleep", "10"], 3),
    (["sleep", "infinity"], math.inf),
])
def test_direct_sleep(command: list[str], expected: float) -> None:
    found = prestop_duration(exec_hook(*command))
    assert found is not None and found.seconds == expected and found.exact and found.action == "exec"


def test_direct_sleep_points_at_the_duration_item() -> None:
    found = prestop_duration(exec_hook("busybox", "sleep", "5"))
    assert found is not None and found.node.value == "5"


@pytest.mark.parametrize("command", [
    ["sleep"],  # no operand: an error, it returns at once
    ["sleep", "$(SLEEP)"],
    ["sleep", "five"],
    ["sleep", "--help"],
    ["/wait-shutdown"],
    ["nginx", "-s", "quit"],
    ["pilot-agent", "request", "POST", "drain"],
])
def test_direct_commands_without_a_known_sleep_are_unknown(command: list[str]) -> None:
    assert prestop_duration(exec_hook(*command)) is None


# -- exec: shell scripts -------------------------------------------------------------------------
@pytest.mark.parametrize(("script", "expected", "exact"), [
    ("sleep 5", 5, True),
    ("sleep 5 && nginx -s quit", 5, False),
    ("sleep 5; nginx -s quit", 5, False),
    ("nginx -s quit; sleep 5", 5, False),
    ("sleep 10\nsleep 15s\n", 25, True),
    ("sleep 5 && sleep 5", 10, True),
    ("echo draining; sleep 20", 20, True),
    ("sleep 5 || true", 5, True),
    ("exec sleep 8", 8, True),
    ("timeout 2 sleep 10", 2, True),
    ("/bin/sleep 3 2>&1 >/dev/null; kill -QUIT $(cat /run/nginx.pid)", 3, False),
    ("# wait for endpoints\nsleep 5 # then stop\nnginx -s quit", 5, False),
    ("sleep 5 &&\n  nginx -s quit", 5, False),
    ('sh -c "sleep 4"', 4, True),
    ("busybox sleep 6", 6, True),
])
def test_script_sleeps(script: str, expected: float, exact: bool) -> None:
    assert script_sleep(script) == (expected, exact)


@pytest.mark.parametrize("script", [
    "curl -sf localhost/drain || sleep 30",  # runs only on failure
    "if [ -f /tmp/drain ]; then sleep 30; fi",
    "while ! curl -sf localhost/idle; do sleep 1; done",
    "for i in 1 2 3; do sleep 1; done",
    "case $X in a) sleep 1;; esac",
    "sleep 30 &",
    "sleep 30 | cat",
    "(sleep 30)",
    "{ sleep 30; }",
    "sleep $DRAIN",
    "echo $(sleep 5)",
    "sh -c 'sleep 5; sleep 6'",  # a nested script is not followed
    "cat <<EOF\nx\nEOF\nsleep 5",
    "sleep 'unterminated",
    "sleep 5 &&",
    "; sleep 5",
    "nginx -s quit",  # no sleep at all
    "",
])
def test_script_sleeps_that_may_not_run_are_unknown(script: str) -> None:
    assert script_sleep(script) is None


def test_shell_hook_points_at_the_script_item() -> None:
    found = prestop_duration(exec_hook("/bin/sh", "-c", "sleep 5 && nginx -s quit"))
    assert found is not None
    assert found.node.value == "sleep 5 && nginx -s quit"
    assert found.text == "preStop exec sleeps 5s (plus its other commands)"
    assert found.phrase == "the preStop exec's 5s sleep"


def test_bash_options_before_c() -> None:
    assert seconds(exec_hook("bash", "-ec", "sleep 12")) == 12


def test_outer_timeout_caps_the_script() -> None:
    found = prestop_duration(exec_hook("timeout", "10", "sh", "-c", "sleep 60"))
    assert found is not None and found.seconds == 10 and not found.exact


def test_block_scalar_script() -> None:
    c = container("""\
        preStop:
          exec:
            command:
              - /bin/sh
              - -c
              - |
                sleep 10
                sleep 15
        """)
    found = prestop_duration(c)
    assert found is not None and found.seconds == 25 and found.exact
    assert node_position(found.node)[0] == 15  # the `- |` line


def test_forever() -> None:
    found = prestop_duration(exec_hook("sh", "-c", "sleep infinity"))
    assert found is not None and math.isinf(found.seconds)
    assert found.text == "preStop exec sleeps forever"


# -- other handlers --------------------------------------------------------------------------------
def test_http_and_tcp_hooks_are_unknown_but_present() -> None:
    http = container("preStop:\n  httpGet: {path: /shutdown, port: 8090}")
    tcp = container("preStop:\n  tcpSocket: {port: 91}")
    assert prestop_duration(http) is None and prestop_duration(tcp) is None
    assert has_prestop(http) and has_prestop(tcp)
    assert prestop_handlers(http) == ("httpGet",)


def test_several_handlers_are_unknown() -> None:
    c = container("preStop:\n  sleep: {seconds: 5}\n  exec: {command: [sleep, '5']}")
    assert prestop_handlers(c) == ("exec", "sleep")
    assert prestop_duration(c) is None


def test_no_hook() -> None:
    assert not has_prestop(container("postStart:\n  exec: {command: [true]}"))
    assert not has_prestop(container("preStop: null"))
    assert not has_prestop(container("preStop: {}"))
    assert prestop_duration(container("preStop: {}")) is None


def test_non_string_command_items_are_unknown() -> None:
    assert prestop_duration(container("preStop:\n  exec:\n    command: [sleep, [5]]")) is None
    assert prestop_duration(container("preStop:\n  exec:\n    command: sleep 5")) is None


# -- robustness --------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("sleep 5;&|()'\"\\$`{}#\n<>-tim")), max_size=40))
def test_split_script_never_raises(script: str) -> None:
    result = split_script(script)
    assert result is None or all(text.strip() for _, text in result)
    timing = script_sleep(script)
    assert timing is None or timing[0] >= 0


# -- variables -----------------------------------------------------------------------------------------
def test_sleep_variable_from_a_literal_env_value() -> None:
    c = container("""\
        preStop:
          exec:
            command: ["/bin/sh", "-c", "curl -X POST http://localhost:9901/drain_listeners?graceful; sleep $DRAIN_TIME_SECONDS"]
        """)
    c.env.append(_env("DRAIN_TIME_SECONDS", "15", c))
    found = prestop_duration(c)
    assert found is not None and found.seconds == 15 and not found.exact


def _env(name: str, value: str | None, c: Container, from_ref: bool = False):
    from probelint.workloads import EnvVar

    return EnvVar(name, value, from_ref, c.node)


@pytest.mark.parametrize(("script", "env", "expected"), [
    ("sleep ${GRACE}", {"GRACE": "20"}, 20),
    ("sleep $GRACE", {"GRACE": "1m"}, 60),
    ("sleep $GRACE", {"GRACE": None}, None),  # valueFrom: known only at run time
    ("sleep $GRACE", {}, None),
    ("sleep $GRACE", {"GRACE": "soon"}, None),
    ("sleep ${GRACE:-5}", {"GRACE": "20"}, None),
])
def test_script_variables(script: str, env: dict, expected: float | None) -> None:
    result = script_sleep(script, env)
    assert (result[0] if result else None) == expected


def test_direct_argv_variables_are_not_expanded() -> None:
    # No shell runs a direct argv: `$GRACE` is the literal operand and sleep rejects it.
    c = exec_hook("sleep", "$GRACE")
    c.env.append(_env("GRACE", "20", c))
    assert prestop_duration(c) is None


def test_value_from_shadows_a_literal() -> None:
    c = exec_hook("sh", "-c", "sleep $GRACE")
    c.env.append(_env("GRACE", "20", c))
    c.env.append(_env("GRACE", None, c, from_ref=True))
    assert prestop_duration(c) is None
