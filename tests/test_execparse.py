"""The exec command parser: shell quoting, script splitting, wrappers, and never raising."""
from __future__ import annotations

import shlex

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probelint.execparse import SimpleCommand, parse_duration, parse_exec, parse_script


def programs(command) -> list[str]:
    parsed = parse_exec(command)
    assert parsed is not None
    return [c.program for c in parsed]


def only(command) -> SimpleCommand:
    parsed = parse_exec(command)
    assert parsed is not None and len(parsed) == 1, parsed
    return parsed[0]


# -- direct argv -----------------------------------------------------------------------------
def test_direct_argv_is_one_command_without_a_shell() -> None:
    cmd = only(["/usr/local/bin/redis-cli", "-h", "a b", "ping"])
    assert cmd.program == "redis-cli"
    assert cmd.argv == ("/usr/local/bin/redis-cli", "-h", "a b", "ping")
    assert cmd.args == ("-h", "a b", "ping")
    assert not cmd.shell and not cmd.substitution
    assert cmd.index == 0


def test_direct_argv_words_are_literal() -> None:
    # No shell: quotes, `;` and `$VAR` are plain characters of the argument.
    cmd = only(["echo", "'a;b'", "$HOME", "x && y"])
    assert cmd.args == ("'a;b'", "$HOME", "x && y")


def test_direct_argv_assignment_is_a_program_name() -> None:
    # exec runs no shell, so `X=1` is the program to execute, not an assignment.
    cmd = only(["X=1", "true"])
    assert cmd.program == "X=1" and cmd.assignments == ()


def test_empty_command_runs_nothing() -> None:
    assert parse_exec([]) == []


def test_none_and_non_string_items() -> None:
    assert parse_exec(None) is None
    assert parse_exec(["echo", 1]) is None  # type: ignore[list-item]


# -- shells ------------------------------------------------------------------------------------
@pytest.mark.parametrize("shell", [
    ["sh", "-c"], ["/bin/sh", "-c"], ["bash", "-c"], ["/bin/bash", "-ec"], ["bash", "-xc"], ["bash", "-lc"],
    ["ash", "-c"], ["dash", "-c"], ["zsh", "-c"], ["bash", "-e", "-c"], ["bash", "-o", "pipefail", "-c"],
    ["bash", "-euo", "pipefail", "-c"], ["bash", "--noprofile", "--norc", "-c"], ["busybox", "sh", "-c"],
])
def test_shell_forms(shell) -> None:
    parsed = parse_exec([*shell, "redis-cli ping", "name", "arg1"])
    assert parsed is not None
    assert [c.program for c in parsed] == ["redis-cli"]
    assert parsed[0].shell
    assert parsed[0].index == len(shell)


def test_shell_without_c_runs_a_script_file() -> None:
    cmd = only(["bash", "/probes/liveness.sh"])
    assert cmd.program == "bash" and cmd.args == ("/probes/liveness.sh",)


def test_shell_c_without_script_is_unparsable() -> None:
    assert parse_exec(["sh", "-c"]) is None


def test_nested_shells() -> None:
    parsed = parse_exec(["sh", "-c", "bash -c 'timeout 2 redis-cli ping'"])
    assert parsed is not None
    assert [(c.program, c.timeout_wrapper) for c in parsed] == [("redis-cli", 2.0)]


# -- quoting -----------------------------------------------------------------------------------
def test_single_and_double_quotes() -> None:
    cmd = only(["sh", "-c", "echo 'a b' \"c d\" e\\ f 'x'\"y\""])
    assert cmd.args == ("a b", "c d", "e f", "xy")


def test_escaped_quotes() -> None:
    cmd = only(["sh", "-c", r'''echo "say \"hi\"" 'it'\''s' \"bare\"'''])
    assert cmd.args == ('say "hi"', "it's", '"bare"')


def test_backslash_inside_double_quotes_only_escapes_specials() -> None:
    cmd = only(["sh", "-c", r'echo "a\nb" "\$HOME" "c\\d"'])
    assert cmd.args == ("a\\nb", "$HOME", "c\\d")


def test_operators_inside_quotes_do_not_split() -> None:
    cmd = only(["sh", "-c", "grep -q 'a; b && c | d' /tmp/x"])
    assert cmd.args == ("-q", "a; b && c | d", "/tmp/x")


def test_ansi_c_quoting() -> None:
    cmd = only(["bash", "-c", "printf $'a\\tb'"])
    assert cmd.args == ("a\tb",)


def test_line_continuation() -> None:
    assert programs(["sh", "-c", "pgrep -x iscsid && \\\nlsmod | grep -q iscsi_tcp\n"]) == ["pgrep", "lsmod", "grep"]


def test_comments() -> None:
    assert programs(["sh", "-c", "# check\nredis-cli ping # trailing\necho a#b"]) == ["redis-cli", "echo"]
    assert only(["sh", "-c", "echo a#b"]).args == ("a#b",)


# -- splitting -----------------------------------------------------------------------------------
@pytest.mark.parametrize("script", [
    "a; b", "a && b", "a || b", "a | b", "a & b", "a\nb", "a |& b", "a;b", "a&&b", "(a) ; { b; }",
])
def test_split_on_operators(script) -> None:
    assert programs(["sh", "-c", script]) == ["a", "b"]


def test_pipeline_keeps_each_command() -> None:
    parsed = parse_exec(["sh", "-c", "curl -s localhost:8080/health | grep -q ok || exit 1"])
    assert parsed is not None
    assert [(c.program, c.args) for c in parsed] == [
        ("curl", ("-s", "localhost:8080/health")), ("grep", ("-q", "ok")), ("exit", ("1",)),
    ]
    assert [c.raw for c in parsed] == ["curl -s localhost:8080/health", "grep -q ok", "exit 1"]


def test_empty_and_blank_scripts() -> None:
    assert parse_exec(["sh", "-c", ""]) == []
    assert parse_exec(["sh", "-c", "  \n\t ; "]) == []
    assert parse_script("") == []


def test_reserved_words_are_not_programs() -> None:
    script = "if redis-cli ping; then exit 0; else exit 1; fi; while ! pg_isready; do sleep 1; done; for x in a b; do echo $x; done"
    assert programs(["sh", "-c", script]) == ["redis-cli", "exit", "exit", "pg_isready", "sleep", "echo"]
    assert parse_exec(["sh", "-c", "if redis-cli ping; then :; fi"])[0].raw == "redis-cli ping"


def test_redirections_are_dropped() -> None:
    cmd = parse_exec(["sh", "-c", "grep \"No export\" /var/log/g.log > /dev/null 2>&1 ; [ $? -ne 0 ]"])
    assert cmd is not None
    assert cmd[0].args == ("No export", "/var/log/g.log")
    assert cmd[1].argv == ("[", "$?", "-ne", "0", "]")
    assert only(["sh", "-c", "curl -o/dev/null localhost >/dev/null 2>/dev/null </dev/null"]).args == ("-o/dev/null", "localhost")


def test_dangling_redirection_is_unparsable() -> None:
    assert parse_exec(["sh", "-c", "curl localhost >"]) is None


# -- substitutions -------------------------------------------------------------------------------
def test_command_substitution_is_kept_and_analysed() -> None:
    parsed = parse_exec(["sh", "-c", '[ "$(redis-cli -h $REDIS_HOST ping)" = "PONG" ]'])
    assert parsed is not None
    inner, outer = parsed
    assert inner.program == "redis-cli" and inner.substitution and inner.args == ("-h", "$REDIS_HOST", "ping")
    assert outer.program == "[" and not outer.substitution
    assert outer.args[0] == "$(redis-cli -h $REDIS_HOST ping)"


def test_nested_substitution_and_backquotes() -> None:
    assert programs(["sh", "-c", "echo $(cat $(ls /x)) `hostname -f`"]) == ["ls", "cat", "hostname", "echo"]
    # A quoted `)` inside $(...) does not end the substitution.
    assert programs(["sh", "-c", "echo \"$(printf ')')\" done"]) == ["printf", "echo"]


def test_kubernetes_variable_syntax_is_not_a_command() -> None:
    cmd = only(["sh", "-c", "curl http://$(POD_IP):8080/healthz"])
    assert cmd.args == ("http://$(POD_IP):8080/healthz",)


def test_parameter_and_arithmetic_expansion_are_words() -> None:
    cmd = only(["sh", "-c", "echo ${A:-b c} $(( (1 + 2) * 3 )) $HOME"])
    assert cmd.args == ("${A:-b c}", "$(( (1 + 2) * 3 ))", "$HOME")


# -- unparsable ----------------------------------------------------------------------------------
@pytest.mark.parametrize("script", [
    "echo 'unterminated", 'echo "unterminated', "echo $(unterminated", "echo `unterminated",
    "cat <<EOF\nx\nEOF", "redis-cli <<< PING", "cat <<-EOF\n\tx\nEOF", "diff <(ls a) <(ls b)", "echo ${unterminated",
    "echo $'unterminated",
])
def test_unparsable_scripts(script) -> None:
    assert parse_exec(["sh", "-c", script]) is None
    assert parse_script(script) is None


def test_deep_nesting_is_unparsable_not_an_error() -> None:
    script = "echo " + "$(" * 50 + "x" + ")" * 50
    assert parse_exec(["sh", "-c", script]) is None
    nested = "true"
    for _ in range(10):  # quoting grows fourfold per level; ten levels is a few kilobytes
        nested = f"sh -c {shlex.quote(nested)}"
    assert parse_exec(["sh", "-c", nested]) is None


# -- wrappers ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("prefix", "seconds"), [
    (["timeout", "5"], 5.0),
    (["timeout", "2.5"], 2.5),
    (["timeout", "3s"], 3.0),
    (["timeout", "1m"], 60.0),
    (["timeout", "-s", "KILL", "5"], 5.0),
    (["timeout", "--signal=TERM", "-k", "2", "10"], 10.0),
    (["timeout", "--preserve-status", "--kill-after=1", "4"], 4.0),
    (["timeout", "-sKILL", "7"], 7.0),
    (["timeout", "-t", "3"], 3.0),  # BusyBox
    (["timeout", "-s", "KILL", "-t", "3"], 3.0),
])
def test_timeout_wrapper(prefix, seconds) -> None:
    cmd = only([*prefix, "pg_isready", "-h", "db"])
    assert cmd.program == "pg_isready" and cmd.timeout_wrapper == seconds
    assert cmd.index == len(prefix)
    assert cmd.raw == "pg_isready -h db"


def test_timeout_wrapper_in_script_and_tightest_wins() -> None:
    parsed = parse_exec(["timeout", "10", "sh", "-c", "timeout 3 curl -sf localhost; wget -q localhost"])
    assert parsed is not None
    assert [(c.program, c.timeout_wrapper) for c in parsed] == [("curl", 3.0), ("wget", 10.0)]


def test_timeout_without_command_is_the_program() -> None:
    assert only(["timeout", "5"]).program == "timeout"
    assert only(["timeout", "soon", "x"]).program == "timeout"


def test_assignments_are_kept() -> None:
    cmd = only(["sh", "-c", "PGPASSWORD=s3cret PGCONNECT_TIMEOUT=2 psql -h db -c 'select 1'"])
    assert cmd.program == "psql"
    assert cmd.assignments == (("PGPASSWORD", "s3cret"), ("PGCONNECT_TIMEOUT", "2"))
    assert cmd.env == {"PGPASSWORD": "s3cret", "PGCONNECT_TIMEOUT": "2"}


def test_quoted_assignment_value_and_quoted_name() -> None:
    cmd = only(["sh", "-c", "A=\"x y\" run"])
    assert cmd.assignments == (("A", "x y"),)
    assert only(["sh", "-c", "'A=1' run"]).program == "A=1"


def test_env_wrapper() -> None:
    cmd = only(["env", "-i", "-u", "HOME", "REDISCLI_AUTH=pw", "redis-cli", "ping"])
    assert cmd.program == "redis-cli" and cmd.assignments == (("REDISCLI_AUTH", "pw"),)
    outer = parse_exec(["env", "A=1", "sh", "-c", "B=2 run"])
    assert outer is not None and outer[0].assignments == (("A", "1"), ("B", "2"))
    assert only(["env"]).program == "env"


@pytest.mark.parametrize("prefix", [
    ["exec"], ["exec", "-a", "name"], ["nice"], ["nice", "-n", "5"], ["nice", "-10"], ["nohup"], ["command"],
    ["command", "-p"], ["gosu", "redis"], ["su-exec", "postgres"], ["busybox"], ["setsid"],
    ["nice", "-n", "5", "nohup", "timeout", "3", "exec"],
])
def test_other_wrappers(prefix) -> None:
    cmd = only([*prefix, "nc", "-z", "localhost", "6379"])
    assert cmd.program == "nc" and cmd.args == ("-z", "localhost", "6379")


def test_command_v_is_a_lookup() -> None:
    assert only(["sh", "-c", "command -v redis-cli"]).program == "command"


def test_exec_with_only_redirections_runs_nothing() -> None:
    assert programs(["sh", "-c", "exec 2>&1; redis-cli ping"]) == ["redis-cli"]


def test_parse_duration() -> None:
    assert parse_duration("5") == 5.0
    assert parse_duration(".5") == 0.5
    assert parse_duration("2h") == 7200.0
    assert parse_duration("1d") == 86400.0
    assert parse_duration("5x") is None
    assert parse_duration("") is None


# -- properties ----------------------------------------------------------------------------------
@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=6))
def test_arbitrary_argv_never_raises(words) -> None:
    result = parse_exec(words)
    assert result is None or all(isinstance(c, SimpleCommand) for c in result)


SHELLISH = st.text(alphabet=st.sampled_from(list("ab $(){}`'\"\\;&|<>#\n\t=-_./:*?!~0123456789")), max_size=60)


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(["sh", "bash", "/bin/sh"]), SHELLISH)
def test_arbitrary_scripts_never_raise(shell, script) -> None:
    result = parse_exec([shell, "-c", script])
    assert result is None or all(isinstance(c, SimpleCommand) and c.argv for c in result)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["timeout", "5", "-s", "env", "A=1", "exec", "nice", "-n", "sh", "-c", "bash", "x;y", "busybox", "--", "command"]), max_size=10))
def test_wrapper_soup_never_raises(words) -> None:
    result = parse_exec(words)
    assert result is None or isinstance(result, list)


PLAIN = st.text(alphabet=st.sampled_from(list("ab c'\"\\-_./:")), max_size=40)


@settings(max_examples=400, deadline=None)
@given(PLAIN)
def test_words_agree_with_shlex(script) -> None:
    try:
        expected = shlex.split(script)
    except ValueError as err:
        if "quotation" in str(err):
            assert parse_script(script) is None
        return  # a trailing backslash: shlex refuses it, sh keeps it as a literal
    parsed = parse_script(script)
    assert parsed is not None
    words = [word for cmd in parsed for word in cmd.argv]
    assert words == expected
