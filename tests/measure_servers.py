"""Loopback servers for the measure tests: an HTTP server whose latencies and failures are
chosen in advance (request ``i`` sleeps ``delays[i]`` and fails when ``i`` is in ``failing``),
and a plain TCP listener."""
from __future__ import annotations

import http.server
import socket
import threading
from contextlib import contextmanager


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # so that --keep-alive really reuses the connection

    def do_GET(self) -> None:
        server = self.server
        with server.lock:
            index = server.count
            server.count += 1
            server.clients.add(self.client_address)
            server.headers_seen.append(dict(self.headers))
        delay = server.delays[index % len(server.delays)] if server.delays else 0.0
        if delay:
            server.stop.wait(delay)
        status = 503 if index in server.failing else 200
        body = b"ok\n" if status == 200 else b"unavailable\n"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128  # a burst of new connections must not overflow the accept queue
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client that gave up (a timeout test) closes its end: not a server problem


@contextmanager
def http_server(delays=(), failing=()):
    server = _Server(("127.0.0.1", 0), _Handler)
    server.lock = threading.Lock()
    server.count = 0
    server.clients = set()
    server.headers_seen = []
    server.delays = list(delays)
    server.failing = set(failing)
    server.stop = threading.Event()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server, f"http://127.0.0.1:{server.server_address[1]}/healthz"
    finally:
        server.stop.set()
        server.shutdown()
        server.server_close()


@contextmanager
def tcp_listener():
    """Accepts and closes connections; a backlog large enough for a burst of connects."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(256)
    sock.settimeout(0.05)
    stop = threading.Event()
    accepted = []

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, address = sock.accept()
            except OSError:
                continue
            accepted.append(address)
            conn.close()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield accepted, sock.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        sock.close()


def free_port() -> int:
    """A loopback port nothing listens on (just released)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port
