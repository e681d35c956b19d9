"""What to measure: a URL (``http``, ``https``, ``tcp``, ``grpc``) parsed into a probe target.

Kept apart from the clients so that a mistyped URL is a usage error before any socket is opened.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

SCHEMES = ("http", "https", "tcp", "grpc")
DEFAULT_PORTS = {"http": 80, "https": 443}


class TargetError(ValueError):
    """A URL that cannot be probed; the message says what to write instead."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str = "/"  # HTTP path with query; for gRPC the health service name (may be empty)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.scheme in ("http", "https"):
            return f"{self.scheme}://{host}:{self.port}{self.path}"
        if self.scheme == "grpc" and self.path:
            return f"grpc://{host}:{self.port}/{self.path}"
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def what(self) -> str:
        """How one probe reaches the target, in the kubelet's words."""
        return {"http": "HTTP GET", "https": "HTTPS GET", "tcp": "TCP connect",
                "grpc": "gRPC health check"}[self.scheme]


def parse_target(text: str) -> Target:
    """``http://host:port/path``, ``https://...``, ``tcp://host:port``, ``grpc://host:port[/service]``."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError as err:
        raise TargetError(f"invalid URL {text!r}: {err}") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise TargetError(f"unsupported URL {text!r}: use http://, https://, tcp://host:port or grpc://host:port[/service]")
    host = parts.hostname
    if not host:
        raise TargetError(f"URL {text!r} has no host")
    if port is None:
        if scheme not in DEFAULT_PORTS:
            raise TargetError(f"URL {text!r} needs a port ({scheme}://host:PORT)")
        port = DEFAULT_PORTS[scheme]
    if scheme in ("http", "https"):
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    elif scheme == "grpc":
        path = parts.path.strip("/")
    else:
        if parts.path not in ("", "/"):
            raise TargetError(f"tcp:// takes no path: {text!r}")
        path = ""
    return Target(scheme, host, port, path)
