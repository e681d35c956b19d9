"""One probe, the way the kubelet sends it, timed: HTTP(S) GET, TCP connect, gRPC health check.

The kubelet opens a new connection for every probe (keep-alives are disabled, K8 in
``probe-semantics.md``), so connection set-up is part of what a probe waits for; that is the
default here too, and ``keep_alive`` reuses one connection per worker to show the difference.
Success is what the kubelet counts as success: HTTP 200-399 (a redirect is not followed and
counts as success), a TCP connection that opens, a gRPC health status of SERVING. A probe that
succeeds only after its timeout is a timeout, as it is for the kubelet, whose timeout covers
the whole exchange.
"""
from __future__ import annotations

import socket
import time
from dataclasses import dataclass

from probelint import __version__
from probelint.measure.target import Target

BODY_LIMIT = 10 * 1024  # the kubelet reads at most 10 KiB of the body


@dataclass(frozen=True)
class Outcome:
    """The result of one probe: its latency in seconds, and the kind of error when it failed."""

    latency: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class ClientError(Exception):
    """The client cannot be used at all (a missing optional dependency)."""


def error_kind(err: BaseException) -> str:
    """A short, stable name for a failure, used to group errors in the report."""
    import errno

    if isinstance(err, (socket.timeout, TimeoutError)):
        return "timeout"
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, ConnectionResetError):
        return "connection reset"
    if isinstance(err, socket.gaierror):
        return "name resolution"
    name = type(err).__name__
    if name.startswith("SSL") or "ssl" in type(err).__module__:
        reason = getattr(err, "reason", None)
        return f"tls {reason.lower().replace('_', ' ')}" if isinstance(reason, str) else "tls"
    if name in ("RemoteDisconnected", "BadStatusLine", "IncompleteRead", "LineTooLong", "HTTPException"):
        return "bad response"
    if isinstance(err, OSError) and err.errno:
        return errno.errorcode.get(err.errno, f"errno {err.errno}").lower()
    return name


class TcpClient:
    """``tcpSocket``: the probe succeeds when the connection opens; it is closed at once."""

    def __init__(self, target: Target, timeout: float) -> None:
        self.target, self.timeout = target, timeout

    def probe(self) -> Outcome:
        start = time.perf_counter()
        try:
            sock = socket.create_connection((self.target.host, self.target.port), timeout=self.timeout)
        except OSError as err:
            return Outcome(time.perf_counter() - start, error_kind(err))
        elapsed = time.perf_counter() - start
        sock.close()
        return Outcome(elapsed, "timeout" if elapsed > self.timeout else None)

    def close(self) -> None:
        pass


class HttpClient:
    """``httpGet``: GET, no redirects followed, body read up to 10 KiB, 200-399 is success."""

    def __init__(self, target: Target, timeout: float, headers: dict[str, str] | None = None,
                 insecure: bool = False, keep_alive: bool = False) -> None:
        import http.client

        self.target, self.timeout, self.keep_alive = target, timeout, keep_alive
        self.headers = {"User-Agent": f"probelint/{__version__}", "Accept": "*/*"}
        if not keep_alive:
            self.headers["Connection"] = "close"
        self.headers.update(headers or {})
        self._http = http.client
        self._context = None
        if target.scheme == "https":
            import ssl

            self._context = ssl._create_unverified_context() if insecure else ssl.create_default_context()
        self._conn = None

    def _connection(self):
        if self._conn is None:
            if self._context is not None:
                self._conn = self._http.HTTPSConnection(self.target.host, self.target.port, timeout=self.timeout,
                                                        context=self._context)
            else:
                self._conn = self._http.HTTPConnection(self.target.host, self.target.port, timeout=self.timeout)
        return self._conn

    def probe(self) -> Outcome:
        start = time.perf_counter()
        conn = self._connection()
        try:
            conn.request("GET", self.target.path, headers=self.headers)
            left = self.timeout - (time.perf_counter() - start)
            if left <= 0:
                raise TimeoutError
            if conn.sock is not None:
                conn.sock.settimeout(left)
            response = conn.getresponse()
            left = self.timeout - (time.perf_counter() - start)
            if left <= 0:
                raise TimeoutError
            if conn.sock is not None:
                conn.sock.settimeout(left)
            response.read(BODY_LIMIT)
            status = response.status
            if not self.keep_alive or response.will_close:
                self.close()
            else:
                response.read()  # drain what is left so that the connection can be reused
        except Exception as err:  # noqa: BLE001 - every failure is an outcome, not a crash
            self.close()
            return Outcome(time.perf_counter() - start, error_kind(err))
        elapsed = time.perf_counter() - start
        if elapsed > self.timeout:
            return Outcome(elapsed, "timeout")
        return Outcome(elapsed, None if 200 <= status < 400 else f"http {status}")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def make_client(target: Target, timeout: float, headers: dict[str, str] | None = None, insecure: bool = False,
                keep_alive: bool = False):
    """A client for ``target``; gRPC needs the optional ``probelint[grpc]`` extra (ClientError otherwise)."""
    if target.scheme == "tcp":
        return TcpClient(target, timeout)
    if target.scheme == "grpc":
        from probelint.measure.grpc_client import GrpcClient

        return GrpcClient(target, timeout, keep_alive=keep_alive)
    return HttpClient(target, timeout, headers, insecure, keep_alive)
