"""``--fix`` when writing fails, is interrupted, or races another ``--fix``: no file is ever
left half-written, no temporary file is left behind, and the message names the file, the step
and the OS error.

Faults are injected in-process by replacing ``os`` functions, and in real subprocesses through
a ``sitecustomize`` module on ``PYTHONPATH`` (pausing at a chosen step so that a real SIGINT
arrives exactly there), through ``RLIMIT_FSIZE`` (a real EFBIG from ``write``), and by running
two ``--fix`` processes at once.
"""
from __future__ import annotations

import errno
import os
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from probelint import fix, writeback
from probelint.cli import main
from tests.conftest import FIX_ARGS, FIXABLE, FIXED, ROOT

BAD, GOOD, ARGS = FIXABLE, FIXED, FIX_ARGS
NAMES = ["a.yaml", "b.yaml", "c.yaml"]  # b.yaml is the one that fails; files are written in this order


@pytest.fixture(autouse=True)
def _keep_sigint_handler():
    """The CLI ignores a second Ctrl-C while it reports the first; pytest's must come back."""
    before = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, before)


def three_files(tmp_path: Path) -> Path:
    for name in NAMES:
        (tmp_path / name).write_text(BAD)
    return tmp_path


def invoke(directory: Path):
    return CliRunner().invoke(main, [*ARGS, "--fix", str(directory)])


def temporaries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name not in NAMES)


class Fault:
    """Fail one step of writing ``b.yaml``: its temporary file's creation, a write, the mode, the
    fsync, the rename, or the directory fsync after it; every other file is untouched."""

    def __init__(self, monkeypatch, step: str, error: BaseException, victim: str = "b.yaml") -> None:
        self.step, self.error, self.prefix = step, error, f".{victim}{writeback.TEMP_MARK}"
        self.victim, self.fds, self.renamed = victim, set(), False
        self.real = {name: getattr(os, name) for name in ("open", "write", "fchmod", "fsync", "replace", "close")}
        for name in self.real:
            monkeypatch.setattr(os, name, getattr(self, f"_{name}"))

    def _ours(self, path) -> bool:
        return os.path.basename(os.fspath(path)).startswith(self.prefix)

    def _open(self, path, flags, mode=0o777, **kwargs):
        if self._ours(path) and self.step == "open":
            raise self.error
        fd = self.real["open"](path, flags, mode, **kwargs)
        if self._ours(path):
            if self.step == "open-then-interrupt":  # created, but its descriptor never returned
                raise self.error
            self.fds.add(fd)
        return fd

    def _write(self, fd, data):
        if fd in self.fds and self.step == "write":
            raise self.error
        if fd in self.fds and self.step == "disk-full":
            if len(data) > 1:  # accept half, then the disk is full
                return self.real["write"](fd, bytes(data[:len(data) // 2]))
            raise self.error
        return self.real["write"](fd, data)

    def _fchmod(self, fd, mode):
        if fd in self.fds and self.step == "fchmod":
            raise self.error
        return self.real["fchmod"](fd, mode)

    def _fsync(self, fd):
        if fd in self.fds and self.step == "fsync":
            raise self.error
        if self.renamed and self.step == "dirsync" and stat.S_ISDIR(os.fstat(fd).st_mode):
            self.renamed = False
            raise self.error
        return self.real["fsync"](fd)

    def _replace(self, src, dst):
        if self._ours(src) and self.step == "replace":
            raise self.error
        self.real["replace"](src, dst)
        self.renamed = self._ours(src)

    def _close(self, fd):
        self.fds.discard(fd)
        return self.real["close"](fd)


def oserror(code: int) -> OSError:
    return OSError(code, os.strerror(code))


UNCHANGED = "; the file is unchanged"
WRITE_FAULTS = {
    "open": (PermissionError(errno.EACCES, "Permission denied"),
             "not fixed: creating the temporary file {dir}/.b.yaml.probelint-*.tmp failed: "
             "Permission denied (EACCES)" + UNCHANGED),
    "write": (oserror(errno.EIO), "not fixed: writing the temporary file failed: Input/output error (EIO)" + UNCHANGED),
    "disk-full": (oserror(errno.ENOSPC),
                  "not fixed: writing the temporary file failed: No space left on device (ENOSPC)" + UNCHANGED),
    "fchmod": (PermissionError(errno.EPERM, "Operation not permitted"),
               "not fixed: setting the mode of the temporary file failed: Operation not permitted (EPERM)" + UNCHANGED),
    "fsync": (oserror(errno.EIO), "not fixed: syncing the temporary file failed: Input/output error (EIO)" + UNCHANGED),
    "replace": (oserror(errno.EBUSY),
                "not fixed: renaming .b.yaml.probelint-*.tmp over it failed: Device or resource busy (EBUSY)" + UNCHANGED),
    "replace-permission": (PermissionError(errno.EACCES, "Permission denied"),
                           "not fixed: renaming .b.yaml.probelint-*.tmp over it failed: Permission denied (EACCES)"
                           + UNCHANGED),
}


def error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if ": error: " in line]
    assert len(lines) == 1, output
    return lines[0]


@pytest.mark.parametrize("step", list(WRITE_FAULTS))
def test_failed_step_leaves_the_file_intact_and_the_others_fixed(tmp_path, monkeypatch, step) -> None:
    import fnmatch

    three_files(tmp_path)
    error, message = WRITE_FAULTS[step]
    Fault(monkeypatch, step.split("-")[0] if step.startswith("replace") else step, error)
    result = invoke(tmp_path)
    assert result.exit_code == 2, result.output
    expected = f"{tmp_path / 'b.yaml'}:1:1: error: " + message.format(dir=tmp_path)
    line = error_line(result.output)
    assert fnmatch.fnmatchcase(line, expected), (line, expected)
    assert (tmp_path / "b.yaml").read_text() == BAD
    assert (tmp_path / "a.yaml").read_text() == GOOD and (tmp_path / "c.yaml").read_text() == GOOD
    assert temporaries(tmp_path) == []
    assert "Fixed 2 findings" in result.output  # the file that was not written is not counted


def test_failed_directory_sync_is_reported_after_a_complete_replace(tmp_path, monkeypatch) -> None:
    three_files(tmp_path)
    Fault(monkeypatch, "dirsync", oserror(errno.EIO))
    result = invoke(tmp_path)
    assert result.exit_code == 2
    assert error_line(result.output) == (
        f"{tmp_path / 'b.yaml'}:1:1: error: fixed, but syncing the directory {tmp_path} failed: "
        "Input/output error (EIO); the change may not survive a crash")
    assert [(tmp_path / name).read_text() for name in NAMES] == [GOOD] * 3
    assert temporaries(tmp_path) == []
    assert "Fixed 3 findings" in result.output


def test_directory_sync_not_supported_is_not_an_error(tmp_path, monkeypatch) -> None:
    three_files(tmp_path)
    Fault(monkeypatch, "dirsync", oserror(errno.EINVAL))
    result = invoke(tmp_path)
    assert result.exit_code == 0, result.output
    assert [(tmp_path / name).read_text() for name in NAMES] == [GOOD] * 3


@pytest.mark.parametrize("step", ["open-then-interrupt", "write", "disk-full", "fsync", "replace"])
def test_interrupt_while_writing_leaves_whole_files_and_no_temporary(tmp_path, monkeypatch, step) -> None:
    three_files(tmp_path)
    Fault(monkeypatch, step, KeyboardInterrupt())
    result = invoke(tmp_path)
    assert result.exit_code == 130
    assert result.output == ("interrupted while writing fixes: each file is either fixed or unchanged, "
                             "and no temporary file is left\n")
    assert [(tmp_path / name).read_text() for name in NAMES] == [GOOD, BAD, BAD]  # c.yaml is never reached
    assert temporaries(tmp_path) == []


def test_interrupt_while_checking_is_one_line(tmp_path, monkeypatch) -> None:
    three_files(tmp_path)

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fix, "run", interrupted)
    result = invoke(tmp_path)
    assert (result.exit_code, result.output) == (130, "interrupted\n")
    assert [(tmp_path / name).read_text() for name in NAMES] == [BAD] * 3


# -- the file changes between reading and writing --------------------------------------------
def _edit(path: Path) -> None:
    path.write_text(BAD + "# edited meanwhile\n")


def _replace_by_another(path: Path) -> None:
    other = path.with_name("other.tmp")
    other.write_text(BAD.replace("cart", "till"))
    os.replace(other, path)


CHANGED = "not fixed: another process changed the file while it was being fixed; left as it is now, run --fix again"


@pytest.mark.parametrize(("change", "message", "left"), [
    (_edit, CHANGED, BAD + "# edited meanwhile\n"),
    (_replace_by_another, CHANGED, BAD.replace("cart", "till")),
    (Path.unlink, "not fixed: the file was deleted while it was being fixed", None),
    (lambda path: path.chmod(0o444), "file is read-only, not fixed", BAD),
])
def test_file_changed_after_it_was_read_is_left_alone(tmp_path, monkeypatch, change, message, left) -> None:
    three_files(tmp_path)
    real_run = fix.run

    def run_then_change(*args, **kwargs):
        outcome = real_run(*args, **kwargs)
        change(tmp_path / "b.yaml")
        return outcome

    monkeypatch.setattr(fix, "run", run_then_change)
    result = invoke(tmp_path)
    assert result.exit_code == 2
    assert error_line(result.output) == f"{tmp_path / 'b.yaml'}:1:1: error: {message}"
    assert (tmp_path / "b.yaml").read_text() == left if left is not None else not (tmp_path / "b.yaml").exists()
    assert (tmp_path / "a.yaml").read_text() == GOOD and (tmp_path / "c.yaml").read_text() == GOOD
    assert temporaries(tmp_path) == []


def test_file_replaced_while_the_temporary_file_is_written_is_not_overwritten(tmp_path, monkeypatch) -> None:
    """The last check before the rename: another program swaps in a file (same bytes, new inode)."""
    target = tmp_path / "a.yaml"
    target.write_text(BAD)
    real_write = os.write

    def write_and_swap(fd, data):
        swapped = tmp_path / "swap"
        swapped.write_text(BAD)
        os.replace(swapped, target)
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write_and_swap)
    with pytest.raises(writeback.WriteError) as caught:
        writeback.write_atomic(str(target), GOOD.encode(), BAD.encode())
    assert str(caught.value) == (
        "not fixed: another process changed the file while it was being fixed (it was replaced); "
        "left as it is now, run --fix again")
    assert target.read_text() == BAD and sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]


def test_temporary_file_is_hidden_beside_the_target_with_its_mode(tmp_path, monkeypatch) -> None:
    target = tmp_path / "a.yaml"
    target.write_text(BAD)
    target.chmod(0o640)
    seen = []
    real_replace = os.replace

    def look(src, dst):
        seen.append((Path(src), stat.S_IMODE(os.stat(src).st_mode), Path(src).read_text()))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", look)
    writeback.write_atomic(str(target), GOOD.encode(), BAD.encode())
    [(tmp, mode, content)] = seen
    assert tmp.parent == tmp_path and writeback.is_temporary(tmp.name) and tmp.name.startswith(".a.yaml.probelint-")
    assert (mode, content) == (0o640, GOOD)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


# -- real subprocesses -----------------------------------------------------------------------
HOOK = r'''
"""Test hook: at the N-th call of one os function on a probelint temporary file, pause (so
that the test can send a real signal exactly there) or fail with an errno; and leave a marker
when the first manifest is opened (checking has started)."""
import errno
import io
import os
import time

_started = os.environ.get("PROBELINT_TEST_STARTED")
if _started:
    _io_open = io.open

    def _opening(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.fspath(file).endswith(".yaml") and not os.path.exists(_started):
            with _io_open(_started, "w"):
                pass
        return _io_open(file, *args, **kwargs)

    io.open = _opening

_spec = os.environ.get("PROBELINT_TEST_FAULT")
if _spec:
    _func, _action, _nth = _spec.split(",")
    _nth = int(_nth)
    _slow = float(os.environ.get("PROBELINT_TEST_SLOW", "0"))
    _marker = os.environ.get("PROBELINT_TEST_MARKER", "")
    _fds = set()
    _calls = {}
    _real = {name: getattr(os, name) for name in ("open", "write", "fsync", "replace", "close")}

    def _temporary(path):
        name = os.path.basename(os.fspath(path))
        return name.startswith(".") and ".probelint-" in name and name.endswith(".tmp")

    def _pause():
        with open(_marker, "w"):
            pass
        time.sleep(600)

    def _hook(name):
        real = _real[name]

        def hooked(*args, **kwargs):
            if name == "close":
                _fds.discard(args[0])
                return real(*args, **kwargs)
            ours = _temporary(args[0]) if name in ("open", "replace") else args[0] in _fds
            if not ours:
                return real(*args, **kwargs)
            if name == "replace" and _slow:
                time.sleep(_slow)
            _calls[name] = _calls.get(name, 0) + 1
            hit = name == _func and _calls[name] == _nth
            if hit and _action == "before":
                _pause()
            if hit and _action.startswith("E"):
                raise OSError(getattr(errno, _action), os.strerror(getattr(errno, _action)))
            if hit and _action == "after" and name == "write":
                real(args[0], bytes(args[1][:len(args[1]) // 2]))
                _pause()
            result = real(*args, **kwargs)
            if name == "open":
                _fds.add(result)
            if hit and _action == "after":
                _pause()
            return result

        return hooked

    for _name in _real:
        setattr(os, _name, _hook(_name))
'''


def many_files(directory: Path, count: int) -> dict[str, str]:
    directory.mkdir()
    texts = {}
    for i in range(count):
        text = BAD.replace("name: cart}", f"name: cart{i}}}")
        (directory / f"m{i:03d}.yaml").write_text(text)
        texts[f"m{i:03d}.yaml"] = text
    return texts


def snapshot(directory: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(directory.iterdir())}


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    hooks = tmp_path / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "sitecustomize.py").write_text(HOOK)
    return {**os.environ, "PYTHONPATH": f"{hooks}{os.pathsep}{ROOT}", **extra}


def start(directory: Path, env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "probelint", *ARGS, "--fix", "."], cwd=directory, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[dict[str, str], dict[str, str]]:
    """The original texts of 300 files and what an undisturbed --fix makes of them."""
    directory = tmp_path_factory.mktemp("reference") / "files"
    original = many_files(directory, 300)
    proc = subprocess.run([sys.executable, "-m", "probelint", *ARGS, "--fix", "."], cwd=directory, timeout=300, check=False,
                          capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    fixed = snapshot(directory)
    assert all(fixed[name] != original[name] for name in original)
    return original, fixed


def wait_for(predicate, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the subprocess never reached the point"
        time.sleep(0.002)


def check_each_file_whole(directory: Path, original: dict[str, str], fixed: dict[str, str]) -> dict[str, int]:
    after = snapshot(directory)
    assert sorted(after) == sorted(original), [name for name in after if name not in original]  # no temporaries
    counts = {"fixed": 0, "original": 0}
    for name, text in after.items():
        assert text in (original[name], fixed[name]), name
        counts["fixed" if text == fixed[name] else "original"] += 1
    return counts


# Where the real SIGINT arrives: (os function, before/after it, on which temporary file).
PAUSE_POINTS = [
    ("open", "after", 1), ("write", "before", 1), ("write", "after", 150), ("fsync", "before", 37),
    ("fsync", "after", 299), ("replace", "before", 1), ("replace", "before", 200), ("replace", "after", 150),
    ("replace", "after", 300),
]
WRITE_INTERRUPTED = (b"interrupted while writing fixes: each file is either fixed or unchanged, "
                     b"and no temporary file is left\n")


@pytest.mark.parametrize(("func", "when", "nth"), PAUSE_POINTS)
def test_sigint_at_a_chosen_step(tmp_path, reference, func, when, nth) -> None:
    original, fixed = reference
    directory = tmp_path / "files"
    many_files(directory, 300)
    marker = tmp_path / "paused"
    proc = start(directory, environment(tmp_path, PROBELINT_TEST_FAULT=f"{func},{when},{nth}",
                                        PROBELINT_TEST_MARKER=str(marker)))
    wait_for(marker.exists, proc)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    assert (proc.returncode, err) == (130, WRITE_INTERRUPTED)
    counts = check_each_file_whole(directory, original, fixed)
    # The pause is on the nth temporary file: the files before it were renamed, after it not.
    renamed_before = nth if (func, when) == ("replace", "after") else nth - 1
    assert counts["fixed"] == renamed_before


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.2, 0.5, 1.0, 2.0])
def test_sigint_at_a_moment_during_the_run(tmp_path, reference, delay) -> None:
    """SIGINT some time after checking started (the first manifest was opened); the writes are slowed
    down (10 ms a rename) so that later moments fall among them."""
    original, fixed = reference
    directory = tmp_path / "files"
    many_files(directory, 300)
    started = tmp_path / "started"
    proc = start(directory, environment(tmp_path, PROBELINT_TEST_FAULT="replace,none,0", PROBELINT_TEST_SLOW="0.01",
                                        PROBELINT_TEST_STARTED=str(started)))
    wait_for(started.exists, proc)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=120)
    counts = check_each_file_whole(directory, original, fixed)
    assert proc.returncode == 130, (proc.returncode, err)
    assert err in (b"interrupted\n", WRITE_INTERRUPTED)
    if err == b"interrupted\n":
        assert counts["fixed"] == 0  # interrupted while checking: nothing was written yet


def test_injected_disk_full_in_a_subprocess(tmp_path) -> None:
    directory = tmp_path / "files"
    many_files(directory, 3)
    proc = start(directory, environment(tmp_path, PROBELINT_TEST_FAULT="write,ENOSPC,2"))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2
    assert err.decode() == ("m001.yaml:1:1: error: not fixed: writing the temporary file failed: "
                            "No space left on device (ENOSPC); the file is unchanged\n")
    assert out.decode().rstrip().endswith("Fixed 2 findings (0 remaining).")
    assert sorted(p.name for p in directory.iterdir()) == ["m000.yaml", "m001.yaml", "m002.yaml"]
    assert "failureThreshold: 1 " in (directory / "m001.yaml").read_text()
    assert "failureThreshold: 3 " in (directory / "m002.yaml").read_text()


@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs RLIMIT_FSIZE")
def test_real_file_size_limit_fails_the_write_cleanly(tmp_path) -> None:
    """A real EFBIG from write(2): the process may not write files over 16 KiB, and one file is
    64 KiB; the partial temporary file is removed and the original kept."""
    import resource

    directory = tmp_path / "files"
    many_files(directory, 3)
    big = directory / "m001.yaml"
    original = big.read_text() + "".join(f"# padding line {i:05d} ........................................\n"
                                         for i in range(1100))
    big.write_text(original)
    assert big.stat().st_size > 64 * 1024

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))

    proc = start(directory, {**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=limit)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 2, err
    assert err.decode() == ("m001.yaml:1:1: error: not fixed: writing the temporary file failed: "
                            "File too large (EFBIG); the file is unchanged\n")
    assert big.read_text() == original
    assert "failureThreshold: 3 " in (directory / "m000.yaml").read_text()
    assert "failureThreshold: 3 " in (directory / "m002.yaml").read_text()
    assert sorted(p.name for p in directory.iterdir()) == ["m000.yaml", "m001.yaml", "m002.yaml"]


# The only error either run may report: the other one wrote the file first.
CONFLICT = re.compile(r"m\d{3}\.yaml:1:1: error: not fixed: another process changed the file while it was being "
                      r"fixed( \(it was replaced\))?; left as it is now, run --fix again")


@pytest.mark.parametrize("attempt", range(4))
def test_two_fix_runs_at_once_leave_valid_files(tmp_path, reference, attempt) -> None:
    original, fixed = reference
    directory = tmp_path / "files"
    many_files(directory, 300)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [start(directory, env) for _ in range(2)]
    results = [proc.communicate(timeout=300) for proc in procs]
    for proc, (_out, err) in zip(procs, results):
        assert proc.returncode in (0, 2), err
        lines = err.decode().splitlines()
        assert all(CONFLICT.fullmatch(line) for line in lines), lines
        assert (proc.returncode == 2) == bool(lines)
    counts = check_each_file_whole(directory, original, fixed)
    assert counts["fixed"] == 300  # whichever run came first wrote each file
    for path in directory.iterdir():
        assert list(yaml.safe_load_all(path.read_text()))
    again = subprocess.run([sys.executable, "-m", "probelint", *ARGS, "--fix", "."], cwd=directory, env=env,
                           capture_output=True, timeout=300, check=False)
    assert again.returncode == 0 and b"Fixed 0 findings" in again.stdout, again.stdout[-300:]
    assert snapshot(directory) == fixed
