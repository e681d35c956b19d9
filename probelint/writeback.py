"""Writing fixed text back to its file without ever leaving half of it.

The new content goes to a hidden temporary file beside the target (``.NAME.probelint-XXXXXXXX.tmp``,
same directory so the rename cannot cross file systems, created with the target's mode), which is
written in full, synced and renamed over the target. A rename is atomic, so at every instant the
path holds either the old bytes or the new ones. Every failure, including ``KeyboardInterrupt``,
removes the temporary file before the exception leaves this module.

While it writes, the target is locked (``flock``) so that two probelint processes fixing the same
file take turns, and the one that comes second sees that the file is no longer the text its fix
was computed from and leaves it alone. A program that does not lock can still change the file in
the microseconds between the last check and the rename; the checks make that window as small as
they can.
"""
from __future__ import annotations

import errno
import os
import secrets
import stat
import time
from pathlib import Path
from typing import TYPE_CHECKING

from probelint.source import STDIN, Source

if TYPE_CHECKING:
    from probelint.fix import FileState

LOCK_WAIT = 10.0  # seconds to wait for another process's lock on the file
TEMP_SUFFIX = ".tmp"
TEMP_MARK = ".probelint-"
# fsync on a directory is not supported everywhere; these mean "cannot", not "failed".
_DIR_SYNC_UNSUPPORTED = {errno.EINVAL, errno.EBADF, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EACCES, errno.EISDIR}


class WriteError(Exception):
    """A fixed file that was not written (or, when ``written``, written but not made durable)."""

    def __init__(self, message: str, written: bool = False) -> None:
        super().__init__(message)
        self.written = written


def os_error(err: OSError) -> str:
    """``No space left on device (ENOSPC)``: the reason and the name to search for."""
    name = errno.errorcode.get(err.errno, str(err.errno)) if err.errno is not None else ""
    reason = err.strerror or str(err) or type(err).__name__
    return f"{reason} ({name})" if name else reason


def _writable(mode: int, target: Path) -> bool:
    return os.access(target, os.W_OK) and bool(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def writable_problem(path: str) -> str | None:
    """Why ``path`` cannot be fixed in place, if it cannot."""
    if path == STDIN:
        return None
    target = os.path.realpath(path)
    try:
        mode = os.stat(target).st_mode
    except OSError as err:
        return f"cannot read: {err.strerror}"
    if not _writable(mode, Path(target)):
        return "file is read-only, not fixed"
    if not os.access(os.path.dirname(target) or ".", os.W_OK):
        return "directory is not writable, not fixed"
    return None


def encoded(source: Source, text: str) -> bytes:
    """The text in the file's own encoding, with its byte order mark if it had one."""
    data = text.encode(source.encoding)
    if source.bom:
        bom = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff",
               "utf-32-le": b"\xff\xfe\x00\x00", "utf-32-be": b"\x00\x00\xfe\xff"}[source.encoding]
        data = bom + data
    return data


def original_bytes(state: FileState) -> bytes | None:
    """The bytes the fix was computed from (decoding is strict, so encoding gives them back)."""
    if state.key == STDIN:
        return None
    return encoded(state.original, state.original.text)


def is_temporary(name: str) -> bool:
    """A leftover of an interrupted write (by name; probelint removes its own)."""
    return name.startswith(".") and TEMP_MARK in name and name.endswith(TEMP_SUFFIX)


def _changed(detail: str = "") -> WriteError:
    return WriteError("not fixed: another process changed the file while it was being fixed"
                      f"{detail}; left as it is now, run --fix again")


def _lock(fd: int) -> None:
    """Wait (at most ``LOCK_WAIT`` seconds) for an exclusive lock on the open file."""
    try:
        import fcntl
    except ImportError:  # no flock on this platform: rely on the content checks alone
        return
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise WriteError(f"not fixed: another process held a lock on the file for {LOCK_WAIT:g} s; "
                                 "it is unchanged") from None
            time.sleep(0.01)
        except OSError:
            return  # the file system has no locks: rely on the content checks alone


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        done = os.write(fd, view)
        if done <= 0:  # a file system that accepts nothing without saying why
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        view = view[done:]


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino, a.st_size, a.st_mtime_ns) == (b.st_dev, b.st_ino, b.st_size, b.st_mtime_ns)


def _open_target(target: Path, expected: bytes | None) -> tuple[int, os.stat_result]:
    """Open and lock the file, and check that it still holds ``expected``."""
    try:
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        if expected is not None:
            raise WriteError("not fixed: the file was deleted while it was being fixed") from None
        raise WriteError("cannot read: No such file or directory") from None
    except OSError as err:
        raise WriteError(f"not fixed: cannot open it: {os_error(err)}") from None
    try:
        _lock(fd)
        info = os.fstat(fd)
        if not _writable(info.st_mode, target):
            raise WriteError("file is read-only, not fixed")
        if expected is not None and _read_all(fd) != expected:
            raise _changed()
        _check_still(target, info)
    except OSError as err:
        os.close(fd)
        raise WriteError(f"not fixed: cannot read it: {os_error(err)}") from None
    except BaseException:
        os.close(fd)
        raise
    return fd, info


def _check_still(target: Path, info: os.stat_result) -> None:
    """The path still names the file that was opened, unchanged since."""
    try:
        now = os.stat(target)
    except FileNotFoundError:
        raise WriteError("not fixed: the file was deleted while it was being fixed") from None
    except OSError as err:
        raise WriteError(f"not fixed: cannot read it: {os_error(err)}") from None
    if not _same_file(now, info):
        raise _changed(" (it was replaced)" if now.st_ino != info.st_ino else "")


def _sync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return  # cannot be opened for syncing (some platforms): nothing more to do
    try:
        os.fsync(fd)
    except OSError as err:
        if err.errno not in _DIR_SYNC_UNSUPPORTED:
            raise WriteError(f"fixed, but syncing the directory {directory} failed: {os_error(err)}; "
                             "the change may not survive a crash", written=True) from None
    finally:
        os.close(fd)


def write_atomic(path: str, data: bytes, expected: bytes | None = None) -> None:
    """Replace ``path``'s content (through a symlink, to its target) keeping its mode.

    ``expected`` is the content the fix was computed from: if the file changed meanwhile the
    write is refused rather than losing the other change. On any failure the file is unchanged
    and no temporary file is left; ``WriteError`` says which step failed and the OS error.
    """
    target = Path(os.path.realpath(path))
    fd, info = _open_target(target, expected)
    tmp: Path | None = None
    try:
        for _ in range(100):
            # The name is known before the file exists, so an interrupt at any point can remove it.
            tmp = target.parent / f".{target.name}{TEMP_MARK}{secrets.token_hex(6)}{TEMP_SUFFIX}"
            if _write_temporary(tmp, data, stat.S_IMODE(info.st_mode)):
                break
            tmp = None  # taken by someone else: not ours to remove
        else:
            raise WriteError(f"not fixed: no free temporary file name in {target.parent}; the file is unchanged")
        _check_still(target, info)
        try:
            os.replace(tmp, target)
        except OSError as err:
            raise WriteError(f"not fixed: renaming {tmp.name} over it failed: {os_error(err)}; "
                             "the file is unchanged") from None
    except BaseException:
        if tmp is not None:
            _remove(tmp)  # after a completed rename it no longer exists, and this does nothing
        raise
    finally:
        os.close(fd)
    _sync_directory(target.parent)


def _write_temporary(tmp: Path, data: bytes, mode: int) -> bool:
    """Create ``tmp`` with ``data`` in full, synced, with ``mode``; False if the name is taken.

    On failure the descriptor is closed and the caller removes the file.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(tmp, flags, 0o600)
    except FileExistsError:
        return False
    except OSError as err:
        raise WriteError(f"not fixed: creating the temporary file {tmp} failed: {os_error(err)}; "
                         "the file is unchanged") from None
    step = "writing"
    try:
        _write_all(fd, data)
        step = "setting the mode of"
        os.fchmod(fd, mode)
        step = "syncing"
        os.fsync(fd)
    except OSError as err:
        raise WriteError(f"not fixed: {step} the temporary file failed: {os_error(err)}; "
                         "the file is unchanged") from None
    finally:
        try:
            os.close(fd)
        except OSError:
            pass
    return True


def _remove(tmp: Path) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass
